"""The study facts of stored articles (`miner.study_facts`, kept in the study_fact table and the
article's participant counts), read back for many PMIDs at once: for claim pages, article pages
and exports.
Imports: SQLAlchemy, `miner.store`, `miner.study_facts`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from miner.store.models import Article, StudyFact
from miner.study_facts import BODY_SITES, DESIGNS, HOSTS, METHODS

ListField = Literal["design", "host", "body_sites", "methods", "countries"]
FIELDS: dict[str, ListField] = {
    "design": "design",
    "host": "host",
    "body_site": "body_sites",
    "method": "methods",
    "country": "countries",
}
_ORDER: dict[str, tuple[str, ...]] = {"design": DESIGNS, "host": HOSTS, "body_site": BODY_SITES, "method": METHODS}
CHUNK = 500  # PMIDs per query


class Study(TypedDict):
    """The shape of `StudyFacts.to_json`."""

    design: list[str]
    host: list[str]
    sample_size: int | None
    cases: int | None
    controls: int | None
    body_sites: list[str]
    methods: list[str]
    countries: list[str]


def empty_study() -> Study:
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


def study_of(session: Session, pmids: Iterable[str]) -> dict[str, Study]:
    """pmid → {"design", "host", "sample_size", "cases", "controls", "body_sites", "methods",
    "countries"} (the shape of `StudyFacts.to_json`) for the stored articles among `pmids`; lists
    in the guidelines' order."""
    wanted = list(dict.fromkeys(pmids))
    found: dict[str, Study] = {}
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
            _sort_in_order(study[FIELDS[kind]], order)
        study["countries"].sort()
    return found


def _sort_in_order(values: list[str], order: tuple[str, ...]) -> None:
    """Sort `values` in the guidelines' `order`, any value not in it last (alphabetically)."""
    values.sort(key=lambda value: (order.index(value) if value in order else len(order), value))
