"""What the scheduler's jobs say and what they leave open: one log line when a job starts and
one when it ends (ok, or failed with its reason), `miner schedule` printing them to stderr, and
every database connection and HTTP connection a job opened closed when it returns, however it
ends. Connections are counted from /proc: the open files and sockets of this process."""

from __future__ import annotations

import json
import logging
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from conftest import ROOT
from eutils_server import EutilsServer, corpus

from miner.config import load_settings
from miner.errors import HarvestError
from miner.jobs import digest_retry_job, harvest_job
from miner.scheduler import build_scheduler, desired_jobs, logging_to_stderr
from miner.store import Database

pytestmark = pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts connections through /proc")


def open_files_named(path: Path) -> int:
    """File descriptors of this process open on `path` (an SQLite database: one per connection)."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink(f"/proc/self/fd/{fd}") == str(path)
        except OSError:
            continue
    return count


def sockets_to(port: int) -> int:
    """Sockets of this process connected to `port` on 127.0.0.1 (the client side of them)."""
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    count = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[2].split(":")[1], 16) == port and fields[9] in inodes:
            count += 1
    return count


def config_for(tmp_path, **pubmed) -> tuple[str, Path]:
    """A config file on an SQLite database in tmp_path; returns its path and the database's."""
    db = tmp_path / "jobs.db"
    sections = {
        "database": {"url": f"sqlite:///{db}"},
        "pubmed": {"email": "curator@example.org", "retry_base_seconds": 0.01, **pubmed},
    }
    text = "".join(
        f"[{name}]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in values.items())
        for name, values in sections.items()
    )
    path = tmp_path / "config.toml"
    path.write_text(text)
    return str(path.resolve()), db


def job_lines(caplog) -> list[tuple[str, str, bool]]:
    return [(r.levelname, r.getMessage(), r.exc_info is not None) for r in caplog.records if r.name == "miner.jobs"]


@pytest.mark.slow
def test_a_harvest_job_logs_start_and_end_and_closes_what_it_opened(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="miner")
    today = datetime.now(UTC).date()
    with EutilsServer(corpus(5, today - timedelta(days=10), today)) as server:
        config, db = config_for(tmp_path, base_url=server.base_url)
        message = harvest_job(config)
        port = int(server.base_url.split(":")[2].split("/")[0])
        assert (open_files_named(db), sockets_to(port)) == (0, 0)
    assert "5 new, 0 updated, 0 failed" in message
    assert job_lines(caplog) == [
        ("INFO", "harvest job started (run 1)", False),
        ("INFO", f"harvest job ok: {message}", False),
    ]


def test_a_failing_harvest_job_logs_one_line_and_still_closes_what_it_opened(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="miner")
    with EutilsServer(
        corpus(5, date(2024, 1, 1), date(2024, 1, 31)), forced=dict.fromkeys(range(1, 10), "503")
    ) as server:
        config, db = config_for(tmp_path, base_url=server.base_url, max_retries=1)
        with pytest.raises(HarvestError):
            harvest_job(config)
        port = int(server.base_url.split(":")[2].split("/")[0])
        assert (open_files_named(db), sockets_to(port)) == (0, 0)
    assert job_lines(caplog) == [
        ("INFO", "harvest job started (run 1)", False),
        ("ERROR", "harvest job failed: HarvestError: esearch.fcgi: gave up after 2 tries: server error 503", False),
    ]


def test_the_digest_retry_job_closes_its_database_when_there_is_nothing_to_do(tmp_path):
    config, db = config_for(tmp_path)
    assert digest_retry_job(config) == "no digest to retry"
    assert open_files_named(db) == 0


def test_log_lines_go_to_stderr_one_each_only_while_inside(capsys):
    log = logging.getLogger("miner.jobs")
    with logging_to_stderr("INFO"):
        log.info("harvest job started (run 7)")
        log.debug("not at INFO")
        logging.getLogger("apscheduler.scheduler").info("not below WARNING")
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            logging.getLogger("apscheduler.executors.default").exception('Job "harvest" raised an exception')
    log.info("after: not shown")
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].endswith(" INFO miner.jobs: harvest job started (run 7)")
    assert logging.getLogger("miner").handlers == []


@pytest.mark.slow
def test_miner_schedule_prints_what_it_does(tmp_path):
    """The Docker image's command: a harvest missed while it was down runs at start and fails
    against a server that only answers 503; stderr says so, one line per event."""
    with EutilsServer(
        corpus(5, date(2024, 1, 1), date(2024, 1, 31)), forced=dict.fromkeys(range(1, 100), "503")
    ) as server:
        config, _ = config_for(tmp_path, base_url=server.base_url, max_retries=0)
        settings = load_settings(config, environ={})
        Database.open(settings.database.url).dispose()
        stored = build_scheduler(settings)
        stored.start(paused=True)
        spec = desired_jobs(settings, config)[0]
        stored.add_job(
            spec.func,
            spec.trigger,
            id=spec.id,
            kwargs=spec.kwargs,
            next_run_time=datetime.now(UTC) - timedelta(hours=1),
        )
        stored.shutdown(wait=False)
        env = {k: v for k, v in os.environ.items() if not k.startswith("MINER_")}
        process = subprocess.Popen(
            [sys.executable, "-m", "miner", "--config", config, "schedule"],
            cwd=ROOT,
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=lambda: [lines.put(line.rstrip("\n")) for line in process.stderr], daemon=True).start()
        seen = []
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not any("harvest job failed" in line for line in seen):
            try:
                seen.append(lines.get(timeout=1))
            except queue.Empty:
                continue
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        time.sleep(0.2)
        while not lines.empty():
            seen.append(lines.get())
    events = [line.split(": ", 1)[1] for line in seen if " miner." in line]
    assert [e.split(" (next run")[0] for e in events if e.startswith("job ")] == [
        "job harvest: kept",
        "job digest: added",
        "job digest-retry: added",
    ]
    assert "harvest job started (run 1)" in events
    assert "harvest job failed: HarvestError: esearch.fcgi: gave up after 1 tries: server error 503" in events
    assert "Traceback" not in "\n".join(seen) and seen[-1] == "scheduler stopped"
