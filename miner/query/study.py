"""The study facts of stored articles (`miner.study_facts`, kept in the study_fact table and the
article's participant counts), read back for many PMIDs at once: for claim pages, article pages
and exports.
Imports: SQLAlchemy, `miner.store`, `miner.study_facts`.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from miner.store.models import Article, StudyFact
from miner.study_facts import BODY_SITES, DESIGNS, HOSTS, METHODS

FIELDS = {"design": "design", "host": "host", "body_site": "body_sites", "method": "methods", "country": "countries"}
_ORDER = {"design": DESIGNS, "host": HOSTS, "body_site": BODY_SITES, "method": METHODS}
CHUNK = 500  # PMIDs per query


def empty_study() -> dict:
    return {
        "design": [],
        "host": [],
        "sample_size": None,
        "cases": None,
        "controls": None,
        "body_sites": [],
        "methods": [],
        "countries": [],
    }


def study_of(session: Session, pmids: Iterable[str]) -> dict[str, dict]:
    """pmid → {"design", "host", "sample_size", "cases", "controls", "body_sites", "methods",
    "countries"} (the shape of `StudyFacts.to_json`) for the stored articles among `pmids`; lists
    in the guidelines' order."""
    wanted = list(dict.fromkeys(pmids))
    found: dict[str, dict] = {}
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        for pmid, size, cases, controls in session.execute(
            select(Article.pmid, Article.sample_size, Article.cases, Article.controls).where(Article.pmid.in_(chunk))
        ):
            found[pmid] = {**empty_study(), "sample_size": size, "cases": cases, "controls": controls}
        for pmid, kind, value in session.execute(
            select(StudyFact.pmid, StudyFact.kind, StudyFact.value).where(StudyFact.pmid.in_(chunk))
        ):
            if pmid in found and kind in FIELDS:
                found[pmid][FIELDS[kind]].append(value)
    for study in found.values():
        for kind, order in _ORDER.items():
            study[FIELDS[kind]].sort(
                key=lambda value, order=order: (order.index(value) if value in order else len(order), value)
            )
        study["countries"].sort()
    return found
