"""`miner conflicts` and `miner users` end to end on a seeded database (tests/web_seed.py)."""

from __future__ import annotations

import csv
import io
import json
import sys

import pytest
from web_seed import seed

from miner.accounts import authenticate
from miner.cli import main


@pytest.fixture
def config(tmp_path, database):
    seed(database)
    path = tmp_path / "config.toml"
    path.write_text(f'[database]\nurl = "{database.engine.url.render_as_string(hide_password=False)}"\n')
    return path


def run(capsys, monkeypatch, *args, stdin: str | None = None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main([*map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_conflicts_as_json_csv_and_table(capsys, monkeypatch, config):
    code, out, err = run(capsys, monkeypatch, "--config", config, "conflicts", "--format", "json")
    assert code == 0, err
    found = json.loads(out)
    assert [c["taxon"] for c in found] == ["Prevotella", "Bacteroides"]  # most evidence first
    prevotella = found[0]
    assert {"taxon", "taxid", "disorder", "mesh", "subject", "status", "increased", "decreased", "unchanged"} <= set(
        prevotella
    )
    assert (prevotella["taxid"], prevotella["disorder"], prevotella["mesh"], prevotella["subject"]) == (
        838,
        "depression",
        ["D003863"],
        "human",
    )
    assert (sorted(prevotella["increased"]), prevotella["decreased"], prevotella["unchanged"]) == (
        ["1002", "1003"],
        ["1001"],
        [],
    )

    code, out, _ = run(
        capsys, monkeypatch, "--config", config, "conflicts", "--format", "csv", "--disorder", "Depression"
    )
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["taxon"], r["status"], r["decreased"]) for r in rows] == [
        ("Prevotella", "open", "1001"),
        ("Bacteroides", "open", "1004"),
    ]

    code, out, _ = run(capsys, monkeypatch, "--config", config, "conflicts")
    assert code == 0 and "Prevotella" in out and "1001" in out

    code, out, _ = run(capsys, monkeypatch, "--config", config, "conflicts", "--status", "resolved", "--format", "json")
    assert json.loads(out) == []


def test_conflict_filters_fail_in_one_line(capsys, monkeypatch, config):
    code, _, err = run(capsys, monkeypatch, "--config", config, "conflicts", "--disorder", "gout")
    assert (
        code == 7
        and err.count("\n") == 1
        and "no disorder 'gout'" in err
        and "a group: " in err
        and "depression" in err
    )  # not found
    code, _, err = run(capsys, monkeypatch, "--config", config, "conflicts", "--status", "pending")
    assert code == 8 and "no status 'pending'" in err


def test_users_add_role_disable_and_list(capsys, monkeypatch, config, database):
    code, out, err = run(
        capsys,
        monkeypatch,
        "--config",
        config,
        "users",
        "add",
        "carol",
        "--role",
        "curator",
        "--password-stdin",
        stdin="curates-microbes-1\n",
    )
    assert code == 0 and "user carol added (curator)" in out, err
    with database.session() as session:
        assert authenticate(session, "carol", "curates-microbes-1").role == "curator"
    code, _, err = run(
        capsys,
        monkeypatch,
        "--config",
        config,
        "users",
        "add",
        "carol",
        "--password-stdin",
        stdin="curates-microbes-2\n",
    )
    assert code == 8 and "exists already" in err
    code, _, err = run(
        capsys, monkeypatch, "--config", config, "users", "add", "dave", "--password-stdin", stdin="short\n"
    )
    assert code == 8 and "at least 10 characters" in err
    code, _, err = run(
        capsys,
        monkeypatch,
        "--config",
        config,
        "users",
        "add",
        "erin",
        "--role",
        "owner",
        "--password-stdin",
        stdin="long-enough-pw\n",
    )
    assert code == 2 and "owner" in err
    assert run(capsys, monkeypatch, "--config", config, "users", "role", "carol", "admin")[0] == 0
    assert run(capsys, monkeypatch, "--config", config, "users", "disable", "carol")[0] == 0
    code, out, _ = run(capsys, monkeypatch, "--config", config, "users", "list")
    carol = next(line for line in out.splitlines() if "carol" in line)
    assert "admin" in carol and "disabled" in carol
    with database.session() as session:
        assert authenticate(session, "carol", "curates-microbes-1") is None
