"""Answers kept per state of the data: a computed table (all pairs of a disorder group, a taxon's
findings, the transdiagnostic matrix) is computed once and reused until a claim is stored, a
verdict given or changed, or an ingest run ends — and for `TTL_SECONDS` at most in any case.

The state is a handful of index reads (`data_state`), so a kept answer costs about a
millisecond to validate. At most `MAX_KEPT` answers are kept per process, the least recently
used dropped first. Callers must not change what they get back.
Imports: SQLAlchemy, `miner.store`.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from miner.store.models import Article, IngestRun, Relation, Verdict

TTL_SECONDS = 300
MAX_KEPT = 64
T = TypeVar("T")
_lock = threading.Lock()
_kept: OrderedDict[tuple[object, ...], tuple[tuple[object, ...], float, object]] = OrderedDict()


def data_state(session: Session) -> tuple[object, ...]:
    """What changes when claims, verdicts, articles or runs do: cheap index reads."""
    return (
        session.scalar(select(func.max(Relation.id))),
        session.scalar(select(func.count()).select_from(Verdict)),
        session.scalar(select(func.max(Verdict.updated_at))),
        session.scalar(select(func.max(Article.updated_at))),
        session.scalar(select(func.max(IngestRun.id))),
        session.scalar(select(func.max(IngestRun.finished_at))),
    )


def kept(session: Session, key: tuple[object, ...], compute: Callable[[], T]) -> T:
    """`compute()`'s answer for `key` on this database, computed again when the data changed."""
    key = (session.get_bind().engine.url.render_as_string(hide_password=True), *key)
    state = data_state(session)
    with _lock:
        found = _kept.get(key)
        if found is not None and found[0] == state and time.monotonic() - found[1] < TTL_SECONDS:
            _kept.move_to_end(key)
            return found[2]  # type: ignore[return-value]
    answer = compute()
    with _lock:
        _kept[key] = (state, time.monotonic(), answer)
        _kept.move_to_end(key)
        while len(_kept) > MAX_KEPT:
            _kept.popitem(last=False)
    return answer


def forget() -> None:
    """Drop every kept answer (tests)."""
    with _lock:
        _kept.clear()
