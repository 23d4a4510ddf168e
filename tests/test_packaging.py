"""A plain install works from any directory: the wheel carries the pipeline, the migrations and the
sample, so `miner demo` in an empty folder, with no checkout in sight, sets up its database and
ingests the sample.

The wheel is built from the checkout (pip, with build isolation) and installed without
dependencies into a fresh virtual environment that borrows the test environment's installed
dependencies (a path entry, not a site folder, so the checkout's editable install is not seen).
Imports: stdlib, pytest.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # from a copy of what the package is made of: a build leaves build/ behind, and an old build/
    # would hide files the checkout no longer has
    source = out / "source"
    shutil.copytree(ROOT / "miner", source / "miner", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(source)], cwd=out)
    [built] = out.glob("miner-*.whl")
    return built


def test_the_wheel_carries_the_data_miner_reads(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "miner/pipelines/miner.cfg",
        "miner/pipelines/taxa/taxa.tsv.gz",
        "miner/pipelines/relation_model.json",
        "miner/pipelines/quality.json",
        "miner/migrations/env.py",
        "miner/migrations/versions/0001_initial_schema.py",
        "miner/data/countries.tsv",
        "miner/samples/gutbrain-sample.xml.gz",
        "miner/web/templates/search.html",
        "miner/digest/templates/digest.html.j2",
    ):
        assert needed in names, needed
    assert not any(name.startswith(("tests/", "bench/", "corpus/")) for name in names)


def test_miner_demo_runs_from_an_empty_folder_after_a_plain_install(wheel, tmp_path):
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=tmp_path)
    [site] = (venv / "lib").glob("python*/site-packages")
    (site / "test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(venv / "bin" / "python"),
            "install",
            "--no-deps",
            "-q",
            str(wheel),
        ],
        cwd=tmp_path,
    )
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MINER_", "PYTHON", "VIRTUAL_ENV"))}
    env["MINER_DATABASE_URL"] = f"sqlite:///{empty / 'miner.db'}"
    where = run([str(venv / "bin" / "python"), "-c", "import miner; print(miner.__file__)"], cwd=empty, env=env)
    assert where.stdout.strip().startswith(str(site))
    demo = run([str(venv / "bin" / "miner"), "demo"], cwd=empty, env=env)
    assert "articles" in demo.stdout and (empty / "miner.db").is_file()
    found = run([str(venv / "bin" / "miner"), "query", "--disorder", "depression"], cwd=empty, env=env)
    assert "depress" in found.stdout.lower()
