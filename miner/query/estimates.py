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
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from miner.store.models import Relation

TTL_SECONDS = 600
_lock = threading.Lock()
_cache: dict[str, "Counts"] = {}


@dataclass(frozen=True)
class Counts:
    total: int
    by_taxon: dict[int, int]
    by_mesh: dict[str, int]
    at: float


def counts(session: Session) -> Counts:
    key = session.get_bind().url.render_as_string(hide_password=True)
    found = _cache.get(key)
    if found is not None and time.monotonic() - found.at < TTL_SECONDS:
        return found
    with _lock:
        found = _cache.get(key)
        if found is None or time.monotonic() - found.at >= TTL_SECONDS:
            by_taxon = dict(session.execute(select(Relation.taxon_id, func.count()).group_by(Relation.taxon_id)).all())
            by_mesh = dict(session.execute(select(Relation.mesh, func.count()).group_by(Relation.mesh)).all())
            found = _cache[key] = Counts(sum(by_taxon.values()), by_taxon, by_mesh, time.monotonic())
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


def walk_is_cheaper(session: Session, taxon_ids: list[int] | None, meshes: list[str] | None, page: int) -> bool:
    """Walking in order reads about page/share claims; seeking reads share·total and sorts them."""
    share = matching_share(session, taxon_ids, meshes)
    if share <= 0:
        return False
    total = counts(session).total
    return page / share < share * total


def forget() -> None:
    """Drop the kept counts (tests, or after a bulk load)."""
    with _lock:
        _cache.clear()
