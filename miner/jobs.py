"""The jobs the scheduler runs: the daily harvest and the weekly digest.

Each job loads the settings afresh (from the config file it is given and the environment), does
its work through the same functions as the CLI, and records itself in `job_run` (started,
finished, ok or failed, a one-line message), so `miner jobs` can show how the last runs ended.
Job functions take only strings: APScheduler stores them by reference in the database.
Imports: config, services, harvest, digest, store.
"""
from __future__ import annotations

import logging
from typing import Callable

from miner.config import load_settings
from miner.digest import pending_deliveries, retry_failed, send_weekly_digest
from miner.harvest import harvest
from miner.services import harvest_plan, make_client, make_extractor, open_database
from miner.store import Database
from miner.store.models import JobRun, utcnow

log = logging.getLogger("miner.jobs")


def harvest_job(config: str = "") -> str:
    settings = load_settings(config or None)
    database = open_database(settings)

    def work() -> str:
        return harvest(database, make_extractor(settings), make_client(settings), harvest_plan(settings)).line()

    return recorded(database, "harvest", work)


def digest_job(config: str = "") -> str:
    settings = load_settings(config or None)
    database = open_database(settings)
    return recorded(database, "digest", lambda: send_weekly_digest(settings, database))


def digest_retry_job(config: str = "") -> str:
    """Send the digests whose delivery failed; recorded as a run only when there was one to send."""
    settings = load_settings(config or None)
    database = open_database(settings)
    if not pending_deliveries(database):
        return "no digest to retry"
    return recorded(database, "digest-retry", lambda: retry_failed(settings, database))


def recorded(database: Database, job_id: str, work: Callable[[], str]) -> str:
    """Run `work`, logging it as a job run; failures are recorded, then raised again."""
    with database.session() as session:
        run = JobRun(job_id=job_id, started_at=utcnow(), status="running")
        session.add(run)
        session.flush()
        run_id = run.id
    try:
        message = work()
    except BaseException as exc:
        _finish(database, run_id, "failed" if isinstance(exc, Exception) else "interrupted", f"{type(exc).__name__}: {exc}")
        log.exception("%s job failed", job_id)
        raise
    _finish(database, run_id, "ok", message)
    log.info("%s job: %s", job_id, message)
    return message


def _finish(database: Database, run_id: int, status: str, message: str) -> None:
    with database.session() as session:
        run = session.get(JobRun, run_id)
        run.status, run.message, run.finished_at = status, message[:2000], utcnow()
