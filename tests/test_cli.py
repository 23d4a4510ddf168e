"""The `miner` command end to end: ingest a fixture file, export, compare; errors as one line;
and a real kill -9 in the middle of an ingest, then a resume."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import pytest
from conftest import FIXTURES, ROOT, kill_when_stored
from sqlalchemy import create_engine, func, select, text

from miner.cli import main
from miner.errors import ParseError
from miner.store.models import Article

pytestmark = pytest.mark.slow

SAMPLE = FIXTURES / "gutbrain-20.xml"


@pytest.fixture
def config(tmp_path, database_url):
    path = tmp_path / "config.toml"
    path.write_text(f'[database]\nurl = "{database_url}"\n[ingest]\ncommit_every = 5\n')
    return path


def run(capsys, *args):
    code = main([*map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_ingest_export_and_stats_agree_with_extract(capsys, config, tmp_path):
    code, out, err = run(capsys, "--config", config, "ingest", SAMPLE)
    assert code == 0, err
    assert "20 records read, 20 new" in out

    code, out, _ = run(capsys, "--config", config, "extract", SAMPLE)
    assert code == 0
    extracted = [json.loads(line) for line in out.splitlines()]
    assert len(extracted) == 20 and all(set(r) == {"pmid", "relations"} for r in extracted)
    expected = {
        (r["pmid"], x["taxon"], x["mesh"], x["direction"], x["subject"]) for r in extracted for x in r["relations"]
    }

    target = tmp_path / "relations.csv"
    code, _, err = run(capsys, "--config", config, "export", "relations", "--format", "csv", "--output", target)
    assert code == 0 and "written to" in err
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert {(r["pmid"], r["taxon"], r["mesh"], r["direction"], r["subject"]) for r in rows} == expected
    assert all(r["evidence"] and r["pipeline_version"] for r in rows)

    code, out, _ = run(capsys, "--config", config, "export", "articles", "--format", "jsonl")
    articles = [json.loads(line) for line in out.splitlines()]
    assert sorted(a["pmid"] for a in articles) == sorted(r["pmid"] for r in extracted)
    assert sum(a["relations"] for a in articles) == len(rows)

    code, out, _ = run(capsys, "--config", config, "stats", "--json")
    figures = json.loads(out)
    assert figures["articles"] == 20 and figures["relations"] == len(rows)
    assert sum(figures["relations_by_direction"].values()) == len(rows)


def test_extract_reads_json_lines_from_stdin(monkeypatch, capsys, config):
    lines = '{"pmid": "7", "title": "t", "abstract": "Coprococcus was depleted in patients with depression."}\n'
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(lines.encode())))
    code, out, _ = run(capsys, "--config", config, "extract", "-")
    assert code == 0
    [record] = [json.loads(line) for line in out.splitlines()]
    assert record["pmid"] == "7"
    assert [(r["taxon"], r["taxid"], r["mesh"], r["direction"]) for r in record["relations"]] == [
        ("Coprococcus", 33042, "D003863", "decreased")
    ]


def test_bad_input_is_one_line_and_exit_code(capsys, config, tmp_path):
    junk = tmp_path / "notes.txt"
    junk.write_text("hello, this is not XML\n")
    code, _, err = run(capsys, "--config", config, "ingest", junk)
    assert code == 3
    assert err.strip().count("\n") == 0 and err.startswith("miner: error:") and "notes.txt" in err
    assert "Traceback" not in err
    code, _, err = run(capsys, "--config", config, "ingest", tmp_path / "missing.xml")
    assert code == 3 and "missing.xml" in err


def test_debug_shows_the_traceback(capsys, config, tmp_path):
    junk = tmp_path / "notes.txt"
    junk.write_text("hello")
    with pytest.raises(ParseError):
        main(["--config", str(config), "--debug", "ingest", str(junk)])


def test_bad_config_names_the_key(capsys, tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[pipeline]\nbatch_sise = 3\n")
    code, _, err = run(capsys, "--config", path, "stats")
    assert code == 2 and "pipeline.batch_sise" in err


def test_db_upgrade_on_an_empty_database(capsys, config):
    code, out, _ = run(capsys, "--config", config, "db", "upgrade")
    assert code == 0 and "(was empty)" in out
    code, out, _ = run(capsys, "--config", config, "db", "upgrade")
    assert code == 0 and "already current" in out


def test_usage_errors_exit_2(capsys):
    code, _, err = run(capsys, "export", "everything")
    assert code == 2 and "everything" in err


def test_kill_9_mid_ingest_then_resume(tmp_path, database_url):
    """A real process killed at a random point of a real ingest; the re-run finishes the job."""
    big = tmp_path / "big.xml"
    body = SAMPLE.read_text()
    start, end = body.index("<PubmedArticle>"), body.rindex("</PubmedArticleSet>")
    copies = []
    for n in range(8):  # 160 distinct PMIDs
        copies.append(body[start:end].replace('<PMID Version="1">', f'<PMID Version="1">{n + 1}'))
    big.write_text(body[:start] + "".join(copies) + "</PubmedArticleSet>\n")
    env = {**os.environ, "MINER_DATABASE_URL": database_url, "MINER_INGEST_COMMIT_EVERY": "10"}
    command = [sys.executable, "-m", "miner", "ingest", str(big)]
    engine = create_engine(database_url)
    stored = kill_when_stored(command, env, engine, at_least=20)
    assert 20 <= stored < 160
    finished = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(Article)).scalar() == 160
        statuses = [row[0] for row in connection.execute(text("SELECT status FROM ingest_run ORDER BY id"))]
        duplicates = connection.execute(
            text(
                "SELECT count(*) FROM (SELECT pmid, taxon_id, mesh, direction, subject FROM relation GROUP BY "
                "1,2,3,4,5 HAVING count(*) > 1) d"
            )
        ).scalar()
    engine.dispose()
    assert statuses == ["interrupted", "ok"]
    assert duplicates == 0
