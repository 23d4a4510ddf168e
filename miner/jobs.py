"""The jobs the scheduler runs: the daily harvest and the weekly digest.

Each job loads the settings afresh (from the config file it is given and the environment), does
its work through the same functions as the CLI, and records itself in `job_run` (started,
finished, ok or failed, a one-line message), so `miner jobs` can show how the last runs ended.
Each job logs one line when it starts and one when it ends (ok, or failed with the one-line
reason), and disposes of the database engine and closes the HTTP client it opened, however it
ends. Job functions take only strings: APScheduler stores them by reference in the database.
Imports: stdlib, `miner.config`, `miner.errors`, `miner.services`, `miner.harvest`, `miner.digest`, `miner.store`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from miner.config import load_settings
from miner.digest import pending_deliveries, retry_failed, send_weekly_digest
from miner.errors import MinerError
from miner.harvest import harvest
from miner.services import harvest_plan, make_client, make_extractor, open_database
from miner.store import Database
from miner.store.models import JobRun, utcnow

log = logging.getLogger("miner.jobs")


def harvest_job(config: str = "") -> str:
    settings = load_settings(config or None)
    database = open_database(settings)
    try:
        with make_client(settings) as client:
            return recorded(
                database,
                "harvest",
                lambda: harvest(database, make_extractor(settings), client, harvest_plan(settings)).line(),
            )
    finally:
        database.dispose()


def digest_job(config: str = "") -> str:
    settings = load_settings(config or None)
    database = open_database(settings)
    try:
        return recorded(database, "digest", lambda: send_weekly_digest(settings, database))
    finally:
        database.dispose()


def digest_retry_job(config: str = "") -> str:
    """Send the digests whose delivery failed; recorded as a run only when there was one to send."""
    settings = load_settings(config or None)
    database = open_database(settings)
    try:
        if not pending_deliveries(database):
            log.debug("digest-retry job: no digest to retry")
            return "no digest to retry"
        return recorded(database, "digest-retry", lambda: retry_failed(settings, database))
    finally:
        database.dispose()


def recorded(database: Database, job_id: str, work: Callable[[], str]) -> str:
    """Run `work`, logging it as a job run; failures are recorded, then raised again."""
    with database.session() as session:
        run = JobRun(job_id=job_id, started_at=utcnow(), status="running")
        session.add(run)
        session.flush()
        run_id = run.id
    log.info("%s job started (run %d)", job_id, run_id)
    try:
        message = work()
    except BaseException as exc:
        status = "failed" if isinstance(exc, Exception) else "interrupted"
        _finish(database, run_id, status, f"{type(exc).__name__}: {exc}")
        _log_failure(job_id, status, exc)
        raise
    _finish(database, run_id, "ok", message)
    log.info("%s job ok: %s", job_id, _one_line(message))
    return message


def _log_failure(job_id: str, status: str, exc: BaseException) -> None:
    """One line for a failure miner foresaw (its message says it all); a traceback for a bug."""
    if isinstance(exc, MinerError) or not isinstance(exc, Exception):
        log.error("%s job %s: %s: %s", job_id, status, type(exc).__name__, _one_line(str(exc)))
    else:
        log.exception("%s job %s: %s: %s", job_id, status, type(exc).__name__, _one_line(str(exc)))


def _one_line(text: str, limit: int = 500) -> str:
    return " ".join(text.split())[:limit]


def _finish(database: Database, run_id: int, status: str, message: str) -> None:
    with database.session() as session:
        run = session.get(JobRun, run_id)
        if run is None:  # deleted while the job ran: nothing left to record on
            return
        run.status, run.message, run.finished_at = status, message[:2000], utcnow()
