"""`miner schedule`: APScheduler 3.11 running the daily harvest and the weekly digest.

- One scheduler per database: it holds the lock "scheduler" (`miner.store.locks`: a row naming
  the holder, host:pid, with a heartbeat); a second scheduler exits with one line (`Busy`), and a
  lock whose holder is dead (same host) or silent for `lock_stale_seconds` is taken over.
- Jobs live in a SQLAlchemy job store in the same database, with fixed ids, `coalesce`,
  `max_instances=1` and a long `misfire_grace_time`: a run missed while the machine was down runs
  once at start. At start the stored jobs are kept when their schedule is unchanged (so a missed
  run is not lost by replacing it) and replaced when the config changed.
- Cron expressions are read as crontab does (weekday 0 or 7 is Sunday; APScheduler 3 alone would
  take 0 for Monday), in UTC by default, with jitter for the harvest (off-peak for NCBI).
- While it runs, log lines go to stderr at `[scheduler] log_level`: what was done to each stored
  job, each job's start and end (miner.jobs) and each retry; APScheduler's own lines only from
  WARNING up, without the traceback it adds to a job failure the job has already logged.
Imports: APScheduler, SQLAlchemy, stdlib, `miner.config`, `miner.errors`, `miner.store` (jobs by reference:
`miner.jobs`).
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from apscheduler.events import EVENT_JOB_MISSED
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_RUNNING
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import desc, select

from miner.config import Settings
from miner.errors import ConfigError
from miner.store import Database, locks
from miner.store.models import HarvestRun, JobRun, utcnow

log = logging.getLogger("miner.scheduler")

LOCK = "scheduler"
_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


@dataclass(frozen=True)
class JobSpec:
    id: str
    func: str
    trigger: CronTrigger
    kwargs: dict


def crontab(expression: str, timezone_name: str = "UTC", jitter: int | None = None) -> CronTrigger:
    """A crontab line (minute hour day month weekday) as a CronTrigger, weekdays as cron means them."""
    fields = expression.split()
    if len(fields) != 5:
        raise ConfigError(f"cron expression {expression!r} must have 5 fields: minute hour day month weekday")
    minute, hour, day, month, weekday = fields
    weekday = re.sub(r"\d+", lambda m: _WEEKDAYS[int(m.group()) % 7], weekday)
    try:
        return CronTrigger(
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=weekday,
            timezone=timezone_name,
            jitter=jitter or None,
        )
    except (ValueError, LookupError) as exc:
        raise ConfigError(f"bad cron expression {expression!r}: {exc}") from exc


def desired_jobs(settings: Settings, config: str) -> list[JobSpec]:
    schedule = settings.scheduler
    return [
        JobSpec(
            "harvest",
            "miner.jobs:harvest_job",
            crontab(schedule.harvest_cron, schedule.timezone, schedule.harvest_jitter_seconds),
            {"config": config},
        ),
        JobSpec(
            "digest", "miner.jobs:digest_job", crontab(schedule.digest_cron, schedule.timezone), {"config": config}
        ),
        JobSpec(
            "digest-retry",
            "miner.jobs:digest_retry_job",
            crontab(schedule.digest_retry_cron, schedule.timezone),
            {"config": config},
        ),
    ]


def describe(trigger) -> str:
    """A stored trigger as a crontab line: "15 7 * * * UTC (+≤600 s)"."""
    if not isinstance(trigger, CronTrigger):
        return str(trigger)
    fields = {f.name: str(f) for f in trigger.fields}
    line = " ".join(fields[name] for name in ("minute", "hour", "day", "month", "day_of_week"))
    return f"{line} {trigger.timezone}" + (f" (+≤{trigger.jitter} s)" if trigger.jitter else "")


class _Scheduler(BackgroundScheduler):
    """APScheduler's BackgroundScheduler, minus one pass of job processing it makes while shutting
    down: that pass advanced a due job's next run time, then failed to submit it to the executor
    already shut down, and the run was lost."""

    def _process_jobs(self):
        if self.state != STATE_RUNNING:
            return None
        return super()._process_jobs()


def build_scheduler(settings: Settings) -> BackgroundScheduler:
    return _Scheduler(
        jobstores={"default": SQLAlchemyJobStore(url=settings.database.url, tablename="apscheduler_jobs")},
        timezone=settings.scheduler.timezone,
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": settings.scheduler.misfire_grace_seconds,
        },
    )


def reconcile(scheduler: BackgroundScheduler, specs: list[JobSpec]) -> list[str]:
    """Make the stored jobs match `specs`; returns what was done to each ("kept"/"added"/"replaced")."""
    done = []
    for spec in specs:
        existing = scheduler.get_job(spec.id)
        if (
            existing is not None
            and str(existing.trigger) == str(spec.trigger)
            and existing.func_ref == spec.func
            and existing.kwargs == spec.kwargs
        ):
            done.append(f"{spec.id}: kept (next run {existing.next_run_time})")
            continue
        scheduler.add_job(spec.func, spec.trigger, id=spec.id, name=spec.id, kwargs=spec.kwargs, replace_existing=True)
        done.append(f"{spec.id}: {'replaced' if existing else 'added'}")
    return done


def run_scheduler(settings: Settings, database: Database, config: str, stop: threading.Event) -> None:
    """Run until `stop` is set (the CLI sets it on SIGTERM/SIGINT)."""
    if not settings.pubmed.email:
        raise ConfigError("the harvest needs a contact e-mail for NCBI: set [pubmed] email or MINER_PUBMED_EMAIL")
    with logging_to_stderr(settings.scheduler.log_level):
        _run(settings, database, config, stop)


def _run(settings: Settings, database: Database, config: str, stop: threading.Event) -> None:
    holder = locks.new_holder()
    locks.acquire(database, LOCK, holder, settings.scheduler.lock_stale_seconds, "scheduler")
    scheduler = build_scheduler(settings)
    scheduler.add_listener(lambda event: _record_missed(database, event), EVENT_JOB_MISSED)
    try:
        scheduler.start(paused=True)
        for line in reconcile(scheduler, desired_jobs(settings, config)):
            log.info("job %s", line)
        scheduler.resume()
        beat = max(1.0, settings.scheduler.lock_stale_seconds / 3)
        while not stop.wait(beat):
            locks.refresh(database, LOCK, holder)
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=True)
        locks.release(database, LOCK, holder)


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@contextmanager
def logging_to_stderr(level: str) -> Iterator[logging.Handler]:
    """While inside: miner's log lines from `level` up, and APScheduler's from WARNING up, to
    stderr, one line each (a job failure's traceback only for a bug, logged by the job itself)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(LOG_FORMAT, "%Y-%m-%d %H:%M:%S"))
    handler.addFilter(_not_job_tracebacks)
    loggers = {"miner": level, "apscheduler": max(logging.WARNING, logging.getLevelName(level))}
    saved = {name: logging.getLogger(name).level for name in loggers}
    for name, name_level in loggers.items():
        logging.getLogger(name).setLevel(name_level)
        logging.getLogger(name).addHandler(handler)
    try:
        yield handler
    finally:
        for name, name_level in saved.items():
            logging.getLogger(name).removeHandler(handler)
            logging.getLogger(name).setLevel(name_level)


def _not_job_tracebacks(record: logging.LogRecord) -> bool:
    """APScheduler's "Job … raised an exception" (with a traceback): the job logged its failure."""
    return not (record.name.startswith("apscheduler.executors") and record.exc_info)


def _record_missed(database: Database, event) -> None:
    log.warning(
        "%s job missed: scheduled for %s UTC, later than the misfire grace time",
        event.job_id,
        f"{event.scheduled_run_time:%Y-%m-%d %H:%M}",
    )
    with database.session() as session:
        session.add(
            JobRun(
                job_id=event.job_id,
                started_at=utcnow(),
                finished_at=utcnow(),
                status="missed",
                message=f"scheduled for {event.scheduled_run_time:%Y-%m-%d %H:%M} UTC, "
                "later than the misfire grace time",
            )
        )


@dataclass(frozen=True)
class JobInfo:
    id: str
    schedule: str
    next_run: datetime | None
    last_runs: list[JobRun]


def list_jobs(settings: Settings, database: Database, runs: int = 3) -> list[JobInfo]:
    """The stored jobs with their next run time, and the last runs of each."""
    scheduler = build_scheduler(settings)
    scheduler.start(paused=True)
    try:
        jobs = [(job.id, describe(job.trigger), job.next_run_time) for job in scheduler.get_jobs()]
    finally:
        scheduler.shutdown(wait=False)
    known = {job_id for job_id, _, _ in jobs}
    with database.session() as session:
        logged = {row[0] for row in session.execute(select(JobRun.job_id).distinct())}
        infos = []
        for job_id in sorted(known | logged):
            schedule, next_run = next(((s, n) for j, s, n in jobs if j == job_id), ("not scheduled", None))
            last = list(
                session.scalars(select(JobRun).where(JobRun.job_id == job_id).order_by(desc(JobRun.id)).limit(runs))
            )
            infos.append(JobInfo(job_id, schedule, next_run, last))
        return infos


def last_harvests(database: Database, runs: int = 3) -> list[HarvestRun]:
    with database.session() as session:
        return list(session.scalars(select(HarvestRun).order_by(desc(HarvestRun.id)).limit(runs)))
