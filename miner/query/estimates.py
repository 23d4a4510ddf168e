"""How many claims a filter will match, roughly and cheaply, to choose how to fetch a page.

Two ways to fetch "the newest 50 claims of X": seek X's claims through an index and sort them
(cost grows with how many X has), or walk all claims newest first and keep X's until 50 are found
(cost grows with how rare X is). `walk_is_cheaper` compares the two from per-taxon and
per-descriptor claim counts, counted once and kept for ten minutes per database (stale counts
only cost speed, never correctness).
Imports: SQLAlchemy, `miner.store`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from miner.store.models import Article, Relation, StudyFact

TTL_SECONDS = 600
_lock = threading.Lock()
_cache: dict[str, Counts] = {}


@dataclass(frozen=True)
class Counts:
    total: int
    by_taxon: dict[int, int]
    by_mesh: dict[str, int]
    at: float
    articles: int = 0
    by_fact: dict[tuple[str, str], int] = field(default_factory=dict)  # (kind, value) → articles with that study fact


def counts(session: Session) -> Counts:
    key = session.get_bind().engine.url.render_as_string(hide_password=True)
    found = _cache.get(key)
    if found is not None and time.monotonic() - found.at < TTL_SECONDS:
        return found
    with _lock:
        found = _cache.get(key)
        if found is None or time.monotonic() - found.at >= TTL_SECONDS:
            by_taxon = dict(session.execute(select(Relation.taxon_id, func.count()).group_by(Relation.taxon_id)).all())
            by_mesh = dict(session.execute(select(Relation.mesh, func.count()).group_by(Relation.mesh)).all())
            articles = session.scalar(select(func.count()).select_from(Article)) or 0
            by_fact = {
                (k, v): n
                for k, v, n in session.execute(
                    select(StudyFact.kind, StudyFact.value, func.count()).group_by(StudyFact.kind, StudyFact.value)
                )
            }
            found = _cache[key] = Counts(sum(by_taxon.values()), by_taxon, by_mesh, time.monotonic(), articles, by_fact)
    return found


def matching_share(session: Session, taxon_ids: list[int] | None, meshes: list[str] | None) -> float:
    """The share of all claims the taxon and descriptor restrictions keep (taken as independent)."""
    known = counts(session)
    if known.total == 0:
        return 1.0
    share = 1.0
    if taxon_ids is not None:
        share *= sum(known.by_taxon.get(i, 0) for i in taxon_ids) / known.total
    if meshes is not None:
        share *= sum(known.by_mesh.get(m, 0) for m in meshes) / known.total
    return share


def study_share(session: Session, asked: dict[str, list[str | int]]) -> float:
    """The share of papers whose study facts match (each kind taken as independent; a participant
    threshold as keeping half)."""
    known = counts(session)
    share = 1.0
    for kind, values in asked.items():
        if kind == "min_sample_size":
            share *= 0.5
        elif known.articles:
            share *= min(1.0, sum(known.by_fact.get((kind, str(value)), 0) for value in values) / known.articles)
    return share


def walk_is_cheaper(
    session: Session,
    taxon_ids: list[int] | None,
    meshes: list[str] | None,
    page: int,
    study: dict[str, list[str | int]] | None = None,
) -> bool:
    """Walking in order reads about page/share claims, share being what all the restrictions keep;
    seeking reads the claims of the index it seeks (the taxon or descriptor index, else the papers
    whose study facts match) and sorts them."""
    indexed = matching_share(session, taxon_ids, meshes)
    studied = study_share(session, study) if study else 1.0
    share = indexed * studied
    if share <= 0:
        return False
    seeks = indexed if taxon_ids is not None or meshes is not None else studied  # what `Resolved.conditions` seeks by
    return page / share < seeks * counts(session).total


def forget() -> None:
    """Drop the kept counts (tests, or after a bulk load)."""
    with _lock:
        _cache.clear()
