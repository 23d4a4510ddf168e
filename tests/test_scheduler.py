"""The scheduler: cron times on a fixed clock, jobs kept across restarts, a missed run executed
once at start, one scheduler per database, and the daily harvest job end to end."""

from __future__ import annotations

import json
import socket
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from eutils_server import EutilsServer, corpus
from sqlalchemy import select

from miner.cli import main
from miner.config import load_settings
from miner.errors import Busy, ConfigError
from miner.scheduler import LOCK, JobSpec, build_scheduler, crontab, desired_jobs, reconcile, run_scheduler
from miner.store import Database, locks
from miner.store.models import HarvestRun, JobRun, SchedulerLock

UTC = UTC


def at(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_cron_times_on_a_fixed_clock():
    harvest = crontab("15 7 * * *")
    assert harvest.get_next_fire_time(None, at(2026, 11, 23, 6, 0)) == at(2026, 11, 23, 7, 15)
    assert harvest.get_next_fire_time(None, at(2026, 11, 23, 7, 16)) == at(2026, 11, 24, 7, 15)
    # weekdays as crontab means them: 1 is Monday, 0 and 7 are Sunday (2026-11-29 is a Sunday)
    for expression, expected in (
        ("0 8 * * mon", at(2026, 11, 30, 8)),
        ("0 8 * * 1", at(2026, 11, 30, 8)),
        ("0 8 * * 0", at(2026, 11, 29, 8)),
        ("0 8 * * 7", at(2026, 11, 29, 8)),
    ):
        assert crontab(expression).get_next_fire_time(None, at(2026, 11, 28, 12)) == expected, expression
    jittered = crontab("15 7 * * *", jitter=600)
    for _ in range(20):
        fire = jittered.get_next_fire_time(None, at(2026, 11, 23, 6, 0))
        assert at(2026, 11, 23, 7, 15) <= fire <= at(2026, 11, 23, 7, 25)


@pytest.mark.parametrize("expression", ["15 7 * *", "61 7 * * *", "15 7 * * funday"])
def test_bad_cron_expressions_are_config_errors(expression):
    with pytest.raises(ConfigError, match="cron expression"):
        crontab(expression)


def settings_for(database_url: str, tmp_path, **extra):
    """A config file for `database_url`, with `extra` keys merged into its sections."""
    sections = {
        "database": {"url": database_url},
        "pubmed": {"email": "curator@example.org", "retry_base_seconds": 0.01},
    }
    for section, values in extra.items():
        sections.setdefault(section, {}).update(values)
    text = "".join(
        f"[{name}]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in values.items())
        for name, values in sections.items()
    )
    path = tmp_path / "config.toml"
    path.write_text(text)
    return load_settings(path, environ={}), str(path)


def test_jobs_keep_fixed_ids_and_survive_restarts(database_url, tmp_path):
    Database.open(database_url).dispose()
    settings, config = settings_for(database_url, tmp_path)
    first = build_scheduler(settings)
    first.start(paused=True)
    assert reconcile(first, desired_jobs(settings, config)) == [
        "harvest: added",
        "digest: added",
        "digest-retry: added",
    ]
    stored = {job.id: job.next_run_time for job in first.get_jobs()}
    assert set(stored) == {"harvest", "digest", "digest-retry"}
    job = first.get_job("harvest")
    assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, 86_400)
    first.shutdown(wait=False)
    # a restart keeps the stored jobs (and their next run times) when the schedule is unchanged …
    again = build_scheduler(settings)
    again.start(paused=True)
    assert [line.split(" (")[0] for line in reconcile(again, desired_jobs(settings, config))] == [
        "harvest: kept",
        "digest: kept",
        "digest-retry: kept",
    ]
    assert {job.id: job.next_run_time for job in again.get_jobs()} == stored
    again.shutdown(wait=False)
    # … and replaces them when the config changed
    changed, _ = settings_for(database_url, tmp_path, scheduler={"harvest_cron": "30 3 * * *"})
    third = build_scheduler(changed)
    third.start(paused=True)
    assert reconcile(third, desired_jobs(changed, config))[0] == "harvest: replaced"
    assert third.get_job("harvest").next_run_time.hour == 3
    third.shutdown(wait=False)


def test_a_run_missed_while_down_runs_once_at_start(database_url, tmp_path):
    Database.open(database_url).dispose()
    settings, _ = settings_for(database_url, tmp_path)
    marker = tmp_path / "ran.txt"
    spec = JobSpec("harvest", "scheduler_probe:record", crontab("0 * * * *"), {"path": str(marker)})
    down = build_scheduler(settings)
    down.start(paused=True)
    # stored as if the machine went down three hours before its run: three hourly runs missed
    down.add_job(
        spec.func, spec.trigger, id=spec.id, kwargs=spec.kwargs, next_run_time=datetime.now(UTC) - timedelta(hours=3)
    )
    down.shutdown(wait=False)
    up = build_scheduler(settings)
    up.start(paused=True)
    assert reconcile(up, [spec])[0].startswith("harvest: kept")
    up.resume()
    deadline = time.time() + 10
    while time.time() < deadline and not marker.exists():
        time.sleep(0.05)
    time.sleep(0.5)
    next_run = up.get_job("harvest").next_run_time
    up.shutdown(wait=True)
    assert marker.read_text() == "ran\n"  # once, not three times (coalesced)
    assert next_run > datetime.now(UTC)


def acquire_lock(database, holder, stale_seconds, now=None):
    locks.acquire(database, LOCK, holder, stale_seconds, "scheduler", now)


def release_lock(database, holder):
    locks.release(database, LOCK, holder)


def test_only_one_scheduler_per_database(database):
    acquire_lock(database, "otherhost:4242", stale_seconds=180)
    with pytest.raises(Busy, match=r"another scheduler \(otherhost:4242, started .* UTC, last seen .*\) is running"):
        acquire_lock(database, "thishost:1", stale_seconds=180)
    # silent for longer than the stale time: taken over
    later = datetime.now(UTC) + timedelta(seconds=200)
    acquire_lock(database, "thishost:1", stale_seconds=180, now=later)
    # a holder on this host whose process is gone: taken over at once
    dead = f"{socket.gethostname()}:999999"
    release_lock(database, "thishost:1")
    acquire_lock(database, dead, stale_seconds=180)
    acquire_lock(database, "thishost:2", stale_seconds=180)
    with database.session() as session:
        assert session.get(SchedulerLock, "scheduler").holder == "thishost:2"


def test_a_second_scheduler_exits_with_a_clear_message(database_url, tmp_path, capsys):
    database = Database.open(database_url)
    acquire_lock(database, "otherhost:4242", stale_seconds=180)
    _, config = settings_for(database_url, tmp_path)
    assert main(["--config", config, "schedule"]) == Busy.exit_code
    assert "another scheduler (otherhost:4242" in capsys.readouterr().err
    database.dispose()


@pytest.mark.slow
def test_the_daily_harvest_job_runs_when_missed_and_is_listed(database_url, tmp_path, capsys):
    database = Database.open(database_url)
    today = datetime.now(UTC).date()
    records = corpus(25, today - timedelta(days=20), today)
    with EutilsServer(records) as server:
        settings, config = settings_for(
            database_url,
            tmp_path,
            pubmed={"base_url": server.base_url, "email": "curator@example.org", "retry_base_seconds": 0.01},
        )
        specs = desired_jobs(settings, config)
        down = build_scheduler(settings)
        down.start(paused=True)
        harvest = specs[0]
        down.add_job(
            harvest.func,
            harvest.trigger,
            id=harvest.id,
            kwargs=harvest.kwargs,
            next_run_time=datetime.now(UTC) - timedelta(hours=1),
        )
        down.shutdown(wait=False)
        stop = threading.Event()
        runner = threading.Thread(target=run_scheduler, args=(settings, database, config, stop), daemon=True)
        runner.start()
        deadline = time.time() + 60
        while time.time() < deadline:
            with database.session() as session:
                if session.scalars(
                    select(JobRun).where(JobRun.job_id == "harvest", JobRun.status != "running")
                ).first():
                    break
            time.sleep(0.2)
        stop.set()
        runner.join(timeout=30)
    with database.session() as session:
        [job_run] = session.scalars(select(JobRun).where(JobRun.job_id == "harvest")).all()
        harvest_run = session.scalars(select(HarvestRun)).one()
        assert session.get(SchedulerLock, "scheduler") is None  # released on the way out
    assert job_run.status == "ok" and "25 new, 0 updated, 0 failed" in job_run.message
    assert (harvest_run.status, harvest_run.new) == ("ok", 25)
    assert main(["--config", config, "jobs"]) == 0
    listing = capsys.readouterr().out
    assert "harvest" in listing and "15 7 * * * UTC" in listing and "ok " in listing and "digest" in listing
    database.dispose()
