"""Build the long-lived parts a command or job needs from `Settings`: the reference data of the
configured pipeline, the database (whose sessions carry that reference data), the extractor, the
E-utilities client. One place, so the CLI, the scheduler and the web app wire them alike.
Imports: httpx, `miner` (version), `miner.config`, `miner.extract`, `miner.harvest`, `miner.quality`,
`miner.reference`, `miner.store`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

from miner import __version__
from miner.config import Settings
from miner.quality import trusted_confidence
from miner.reference import ReferenceData
from miner.store.database import Database, make_engine

if TYPE_CHECKING:  # imported where built: spaCy and the harvest stack only for the commands that use them
    from miner.extract import Extractor
    from miner.harvest import EutilsClient, HarvestPlan


def open_database(settings: Settings, *, create: bool = True, check: bool = True) -> Database:
    """The configured database; an empty one gets the schema unless `create` is False."""
    reference = reference_data(settings)
    trusted = trusted_confidence(settings.pipeline.trusted_confidence, reference.quality)
    if not check:
        return Database(make_engine(settings.database.url, settings.database.echo), trusted, reference)
    return Database.open(
        settings.database.url,
        echo=settings.database.echo,
        create=create,
        trusted_confidence=trusted,
        reference=reference,
    )


def reference_data(settings: Settings) -> ReferenceData:
    """The reference data of `[pipeline] config` (the bundled pipeline's by default)."""
    return ReferenceData.of(settings.pipeline.config)


def disorder_groups(settings: Settings) -> dict[str, str]:
    """MeSH descriptor → scoring group, from the pipeline's disorder lexicon."""
    return reference_data(settings).disorder_groups


def make_extractor(settings: Settings) -> Extractor:
    from miner.extract import Extractor

    pipeline = settings.pipeline
    return Extractor(
        reference_data(settings).config,
        batch_size=pipeline.batch_size,
        n_process=pipeline.n_process,
        min_confidence=pipeline.min_confidence,
    )


def make_client(settings: Settings, http: httpx.Client | None = None) -> EutilsClient:
    """The E-utilities client of `[pubmed]`; refuses to exist without a contact e-mail."""
    from miner.harvest import EutilsClient

    pubmed = settings.pubmed
    http = http or httpx.Client(
        timeout=pubmed.timeout_seconds, headers={"User-Agent": f"miner/{__version__} ({pubmed.email})"}
    )
    return EutilsClient(
        http,
        base_url=pubmed.base_url,
        tool=pubmed.tool,
        email=pubmed.email,
        api_key=pubmed.api_key,
        max_retries=pubmed.max_retries,
        retry_base_seconds=pubmed.retry_base_seconds,
        deadline_seconds=pubmed.deadline_seconds,
        max_body_bytes=pubmed.max_response_mib * 2**20,
        secrets=[settings.smtp.password, settings.web.secret_key],
    )


def harvest_plan(settings: Settings) -> HarvestPlan:
    from miner.harvest import HarvestPlan

    pubmed = settings.pubmed
    return HarvestPlan(
        query=pubmed.query,
        overlap_days=pubmed.overlap_days,
        initial_days=pubmed.initial_days,
        sweep_modified=pubmed.sweep_modified,
        batch_size=pubmed.batch_size,
    )
