"""Named locks in the database (table `scheduler_lock`): one holder at a time per name, with a
heartbeat, for work that must not run twice against one database (the scheduler; ingest runs,
which every writer of articles starts with).

A holder is "host:pid" or "host:pid:token". A lock whose holder is dead (same host, no such
process) or silent for longer than the caller's `stale_seconds` is taken over; a live one makes
`acquire` raise `Busy` naming the holder. Two takers at the same moment: one wins, the other
gets `Busy`. Within this process a holder counts as live only until it is released, even if the
release could not be written (a full disk), so a long-lived process (the scheduler) never waits
for its own earlier run.
Imports: stdlib, SQLAlchemy, `miner.errors`, `miner.store.database`, `miner.store.models`.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from miner.errors import Busy
from miner.store.database import Database
from miner.store.models import SchedulerLock, utcnow

_held: set[str] = set()  # the holders in this process that have not let go


def new_holder(unique: bool = False) -> str:
    """This process as a lock holder: "host:pid", with a random token when one process may
    hold several (threads)."""
    holder = f"{socket.gethostname()}:{os.getpid()}"
    return f"{holder}:{uuid.uuid4().hex[:8]}" if unique else holder


def acquire(
    database: Database, name: str, holder: str, stale_seconds: float, what: str, now: datetime | None = None
) -> None:
    """Take lock `name` for `holder`, or raise Busy ("another {what} (holder, …) is running …")."""
    now = now or utcnow()
    try:
        with database.session() as session:
            row = session.get(SchedulerLock, name)
            if row is not None and row.holder != holder and alive(row, stale_seconds, now):
                raise Busy(
                    f"another {what} ({row.holder}, started {row.started_at:%Y-%m-%d %H:%M:%S} UTC, last seen "
                    f"{row.heartbeat_at:%H:%M:%S}) is running against this database; try again when it has finished"
                )
            if row is None:
                session.add(SchedulerLock(name=name, holder=holder, started_at=now, heartbeat_at=now))
            else:
                row.holder, row.started_at, row.heartbeat_at = holder, now, now
            session.flush()
        _held.add(holder)
    except IntegrityError as exc:
        raise Busy(f"another {what} started against this database at the same moment") from exc


def beat(session: Session, name: str, holder: str) -> None:
    """Record a sign of life inside the caller's transaction."""
    session.execute(
        update(SchedulerLock)
        .where(SchedulerLock.name == name, SchedulerLock.holder == holder)
        .values(heartbeat_at=utcnow())
    )


def refresh(database: Database, name: str, holder: str) -> None:
    with database.session() as session:
        beat(session, name, holder)


def release(database: Database, name: str, holder: str) -> None:
    """Let go of the lock; even when the database cannot be written (full, gone), this process
    stops counting as its holder, so its own next run takes the lock over."""
    try:
        with database.session() as session:
            session.execute(delete(SchedulerLock).where(SchedulerLock.name == name, SchedulerLock.holder == holder))
    finally:
        _held.discard(holder)


def alive(row: SchedulerLock, stale_seconds: float, now: datetime) -> bool:
    """Whether the holder may still be at work: heard from lately and, on this host, running."""
    if now - row.heartbeat_at > timedelta(seconds=stale_seconds):
        return False
    host, _, rest = row.holder.partition(":")
    pid = rest.partition(":")[0]
    if host == socket.gethostname() and pid == str(os.getpid()):
        return row.holder in _held  # this process: held only while the run that took it lasts
    if host == socket.gethostname() and pid.isdigit():
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
    return True
