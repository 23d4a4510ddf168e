"""Build the long-lived parts a command or job needs from `Settings`: the database and the
extractor. One place, so the CLI, the scheduler and the web app wire them alike.
Imports: `miner.config`, `miner.store`, `miner.extract`.
"""
from __future__ import annotations

from miner.config import Settings
from miner.resources import resolve
from miner.extract import Extractor
from miner.extract.lexicon import load_disorders
from miner.store.database import Database, make_engine


def open_database(settings: Settings, *, create: bool = True, check: bool = True) -> Database:
    """The configured database; an empty one gets the schema unless `create` is False."""
    if not check:
        return Database(make_engine(settings.database.url, settings.database.echo))
    return Database.open(settings.database.url, echo=settings.database.echo, create=create)


def disorder_groups(settings: Settings) -> dict[str, str]:
    """MeSH descriptor → scoring group, from the pipeline's disorder lexicon."""
    lexicon = resolve(settings.pipeline.config).parent / "disorders.jsonl"
    return {mesh: concept.group for mesh, concept in load_disorders(str(lexicon)).concepts.items()}


def make_extractor(settings: Settings) -> Extractor:
    pipeline = settings.pipeline
    return Extractor(pipeline.config, batch_size=pipeline.batch_size, n_process=pipeline.n_process, min_confidence=pipeline.min_confidence)
