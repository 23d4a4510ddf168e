"""Runs that cannot hurt each other or lose data: one writer at a time (a second ingest stops
with one line and leaves the first run's row alone; a dead holder's lock is taken over), and a
full disk stops a run with one line and exit code 5, keeping what was stored, the rerun
resuming. The record boundary's sizes are the database's."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import String, func, select

from miner import record_checks
from miner.cli import main
from miner.errors import Busy
from miner.ingest import WRITER_LOCK, start_run
from miner.store import Database, locks
from miner.store.models import Article, IngestRun, Relation

FINDING = "Faecalibacterium was decreased in patients with major depressive disorder compared with healthy controls."


def write_jsonl(path: Path, first: int, count: int) -> Path:
    path.write_text(
        "".join(
            json.dumps({"pmid": str(n), "title": f"Gut microbiota {n}", "abstract": FINDING}) + "\n"
            for n in range(first, first + count)
        )
    )
    return path


def config_for(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[database]\nurl = "{url}"\n[ingest]\ncommit_every = 5\n')
    return path


def test_a_second_ingest_stops_with_one_line_and_leaves_the_first_alone(capsys, tmp_path, database):
    url = database.engine.url.render_as_string(hide_password=False)
    first = start_run(database, "ingest", "first.jsonl", "v1")  # a live run of this very process
    code = main(["--config", str(config_for(tmp_path, url)), "ingest", str(write_jsonl(tmp_path / "a.jsonl", 1, 3))])
    err = capsys.readouterr().err
    assert code == Busy.exit_code == 10
    [line] = err.strip().splitlines()
    assert line.startswith("miner: error: another ingest or harvest run (") and "try again when it has finished" in line
    with database.session() as session:
        runs = list(session.scalars(select(IngestRun).order_by(IngestRun.id)))
        assert [(run.id, run.status) for run in runs] == [(first.run_id, "running")]
        assert session.scalar(select(func.count()).select_from(Article)) == 0


@pytest.mark.slow
def test_the_lock_of_a_dead_run_is_taken_over_and_its_row_marked_interrupted(capsys, tmp_path, database):
    url = database.engine.url.render_as_string(hide_password=False)
    dead = subprocess.Popen(["true"])
    dead.wait()  # a pid that no longer runs on this host
    holder = f"{socket.gethostname()}:{dead.pid}:deadbeef"
    locks.acquire(database, WRITER_LOCK, holder, 900, "ingest or harvest run")
    with database.session() as session:
        session.add(IngestRun(kind="ingest", sources="killed.jsonl", pipeline_version="v0", status="running"))
    code = main(["--config", str(config_for(tmp_path, url)), "ingest", str(write_jsonl(tmp_path / "a.jsonl", 1, 3))])
    assert code == 0, capsys.readouterr().err
    with database.session() as session:
        statuses = list(session.scalars(select(IngestRun.status).order_by(IngestRun.id)))
        assert session.scalar(select(func.count()).select_from(locks.SchedulerLock)) == 0  # released at the end
    assert statuses == ["interrupted", "ok"]


@pytest.fixture
def small_disk(tmp_path):
    """A real 1.5 MB file system (tmpfs), for a database that runs out of room."""
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1536k", "tmpfs", str(mount)], capture_output=True)
    if made.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.mark.slow
def test_a_full_disk_stops_the_run_with_one_line_and_exit_5_and_the_rerun_resumes(capsys, tmp_path, small_disk):
    database_file = small_disk / "miner.db"
    url = f"sqlite:///{database_file}"
    Database.open(url).dispose()
    big = write_jsonl(tmp_path / "big.jsonl", 1, 1_500)
    code = main(["--config", str(config_for(tmp_path, url)), "ingest", str(big)])
    err = capsys.readouterr().err
    assert code == 5, err
    [line] = err.strip().splitlines()
    assert (
        line.startswith("miner: error: cannot write to the database (") and "full" in line and "a rerun resumes" in line
    )
    stored_before = _count(url)
    assert 0 < stored_before < 1_500

    # room again (the database moves to a roomy disk, as an operator would do), and the rerun finishes
    roomy = tmp_path / "roomy"
    roomy.mkdir()
    for path in small_disk.iterdir():
        shutil.copy(path, roomy / path.name)
    url = f"sqlite:///{roomy / 'miner.db'}"
    code = main(["--config", str(config_for(tmp_path, url)), "ingest", str(big)])
    assert code == 0, capsys.readouterr().err
    assert _count(url) == 1_500
    database = Database.open(url)
    with database.session() as session:
        duplicates = session.execute(
            select(Relation.pmid, Relation.taxon_id, Relation.mesh, Relation.direction, Relation.subject)
            .group_by(Relation.pmid, Relation.taxon_id, Relation.mesh, Relation.direction, Relation.subject)
            .having(func.count() > 1)
        ).all()
        statuses = list(session.scalars(select(IngestRun.status).order_by(IngestRun.id)))
    database.dispose()
    assert duplicates == [] and statuses[-1] == "ok"


def _count(url: str) -> int:
    database = Database.open(url)
    try:
        with database.session() as session:
            return session.scalar(select(func.count()).select_from(Article)) or 0
    finally:
        database.dispose()


def test_the_record_boundary_fits_the_database_columns():
    from miner.store.models import Article as ArticleRow
    from miner.store.models import IngestProblem, Taxon
    from miner.store.models import Relation as RelationRow

    def length(column) -> int:
        assert isinstance(column.type, String)
        return column.type.length

    assert (
        length(ArticleRow.__table__.c.pmid) == length(IngestProblem.__table__.c.pmid) == record_checks.MAX_PMID_DIGITS
    )
    assert length(ArticleRow.__table__.c.doi) == record_checks.MAX_DOI
    assert length(ArticleRow.__table__.c.language) == record_checks.MAX_LANGUAGE
    assert length(RelationRow.__table__.c.section) == record_checks.MAX_LABEL
    for column in ("taxon_text", "disorder_text", "trigger"):
        assert length(RelationRow.__table__.c[column]) == record_checks.MAX_NAME
    from miner.extract.extractor import MAX_TAXON_NAME

    assert len("name:") + MAX_TAXON_NAME <= length(Taxon.__table__.c.key)
