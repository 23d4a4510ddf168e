"""Shared fixtures: real databases (SQLite always; PostgreSQL when MINER_TEST_DATABASE_URL names
one, each test worker in a schema of its own), the real extraction pipeline (built once per
worker), and paths to fixture files."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from miner.store import Database
from miner.store.models import Base

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).parent.parent
PG_URL = os.environ.get("MINER_TEST_DATABASE_URL", "")

BACKENDS = [
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.skipif(not PG_URL, reason="MINER_TEST_DATABASE_URL not set")),
]


@pytest.fixture(scope="session")
def pg_url():
    """A PostgreSQL URL whose search_path is a fresh schema, dropped at the end."""
    if not PG_URL:
        pytest.skip("MINER_TEST_DATABASE_URL not set")
    schema = f"miner_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    """A URL of an empty database of each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'miner.db'}"
        return
    url = request.getfixturevalue("pg_url")
    _drop_everything(url)
    yield url


@pytest.fixture
def database(database_url):
    """An open, migrated database of each backend."""
    db = Database.open(database_url)
    yield db
    db.dispose()


def _drop_everything(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        tables = [t.name for t in Base.metadata.sorted_tables] + ["alembic_version"]
        for table in tables:
            connection.execute(text(f'DROP TABLE IF EXISTS "{table}" CASCADE'))
    engine.dispose()


@pytest.fixture(scope="session")
def extractor():
    """The real pipeline from pipelines/miner.cfg."""
    from miner.extract import Extractor

    return Extractor(ROOT / "pipelines" / "miner.cfg")


RULES_ONLY = {"components.decision.decide": "rules"}


@pytest.fixture(scope="session")
def rules(extractor):
    """The same pipeline with the rules deciding (the learned decision only gives confidence):
    what the construction tests pin down is the rules' reading of a sentence."""
    from miner.extract import Extractor

    return Extractor(ROOT / "pipelines" / "miner.cfg", overrides=RULES_ONLY)


@pytest.fixture(scope="session")
def nlp(extractor):
    return extractor.nlp


def kill_when_stored(command: list[str], env: dict, engine, at_least: int, timeout: float = 120) -> int:
    """Run `command` (a miner subprocess), SIGKILL it once `at_least` articles are stored, and
    return how many were stored then. Fails if the process ended on its own first."""
    import signal
    import subprocess
    import time

    from sqlalchemy import func, select

    from miner.store.models import Article

    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stored, deadline = 0, time.time() + timeout
    while time.time() < deadline and process.poll() is None:
        time.sleep(0.2)
        try:
            with engine.connect() as connection:
                stored = connection.execute(select(func.count()).select_from(Article)).scalar()
        except Exception:  # the schema may not exist yet
            continue
        if stored >= at_least:
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, f"{command[3]} finished before it could be killed"
    return stored


@pytest.fixture
def workbench(database):
    """The workbench over a seeded database (tests/web_seed.py), served by uvicorn on loopback;
    yields (base URL, database). Plain HTTP, so its cookies are not marked Secure."""
    from web_seed import seed
    from web_server import serve

    from miner.config import Settings
    from miner.web import create_app

    seed(database)
    settings = Settings().replace("web", secure_cookies=False, secret_key="Jxq28Mcf73DoVXzstiush8BWdjT4FqJqSXlzEykp7LE")
    with serve(create_app(settings, database)) as url:
        yield url, database


def chromium_path() -> str:
    """Debian's chromium (installed by `make test` where missing), or MINER_CHROMIUM."""
    import shutil

    found = os.environ.get("MINER_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail("no chromium on PATH: `make test` installs it (apt-get install chromium), or set MINER_CHROMIUM")
    return found


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium driven by Playwright, shared by a module's tests."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=chromium_path(), args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"]
        )
        yield chromium
        chromium.close()
