"""Shared fixtures: real databases (SQLite always; PostgreSQL when MINER_TEST_DATABASE_URL names
one, each test worker in a schema of its own), the real extraction pipeline (built once per
worker), and paths to fixture files.

Two kinds of database: `database` is empty and a test's own (tests that write use it), and
`seeded_databases` opens read-only corpora once per test session and backend, by name, for the
many tests that only read (`corpus` is the one of `tests/api_seed.py`); at the end of the session
each is checked to be as its seed left it. Passwords are hashed with Argon2id at its lowest cost
(`quick_password_hashing`) unless a test asks for the real one."""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, closing, contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from miner.store import Database
from miner.store.models import Base

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).parent.parent
PG_URL = os.environ.get("MINER_TEST_DATABASE_URL", "")

Seed = Callable[[Database], None]
BACKENDS = [
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.skipif(not PG_URL, reason="MINER_TEST_DATABASE_URL not set")),
]


@contextmanager
def _pg_schema() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped at the end."""
    schema = f"miner_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(autouse=True, scope="session")
def quick_password_hashing():
    """Argon2id at its lowest cost (about 1 ms a hash instead of about 0.1 s) for every test's
    accounts: each seed makes some and each login checks one. The same algorithm and code paths;
    a test that needs a hash to take its deployed time asks for `real_password_hashing`."""
    from argon2 import PasswordHasher

    from miner import accounts

    real = accounts._HASHER, accounts._DUMMY
    accounts._HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    accounts._DUMMY = accounts._HASHER.hash("a password nobody has")
    yield real
    accounts._HASHER, accounts._DUMMY = real


@pytest.fixture
def real_password_hashing(quick_password_hashing, monkeypatch):
    """The deployed cost of Argon2id (argon2-cffi's defaults) for one test."""
    from miner import accounts

    monkeypatch.setattr(accounts, "_HASHER", quick_password_hashing[0])
    monkeypatch.setattr(accounts, "_DUMMY", quick_password_hashing[1])


@pytest.fixture(scope="session")
def pg_url():
    """A PostgreSQL URL whose search_path is a fresh schema, dropped at the end."""
    if not PG_URL:
        pytest.skip("MINER_TEST_DATABASE_URL not set")
    with _pg_schema() as url:
        yield url


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
def database(request, database_url):
    """An open, migrated database of each backend. On SQLite it starts as a copy of an empty
    database the migrations made once per session (a copy takes a millisecond, migrating ~0.1 s)."""
    if database_url.startswith("sqlite:"):
        copy_sqlite(request.getfixturevalue("migrated_sqlite"), make_url(database_url).database)
    db = Database.open(database_url)
    yield db
    db.dispose()


def copy_sqlite(source: str | Path, target: str | Path) -> None:
    """Copy a SQLite database file page by page (what its WAL holds included)."""
    with closing(sqlite3.connect(source)) as reading, closing(sqlite3.connect(target)) as writing:
        reading.backup(writing)


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory) -> Path:
    """An empty SQLite database at the head revision, made by `Database.open` like any other."""
    path = tmp_path_factory.mktemp("migrated") / "miner.db"
    Database.open(f"sqlite:///{path}").dispose()
    return path


class SeededDatabases:
    """Databases of one backend, each seeded on first use and then only read, by name. On SQLite
    one may start as a copy of another (`on`), and a test that writes gets a copy of its own
    (`seeded_copy`): copying a file is faster than seeding it again."""

    def __init__(self, backend: str, folder: Path) -> None:
        self.backend, self.folder = backend, folder
        self.opened: dict[str, tuple[Database, dict[str, int]]] = {}
        self.apps: dict[str, object] = {}
        self._schemas = ExitStack()

    def get(self, name: str, seed: Seed, on: tuple[str, Seed] | None = None) -> Database:
        """The database called `name`, seeded by `seed` the first time it is asked for; with `on`,
        (name, seed) of another, `seed` adds to what that one holds."""
        if name not in self.opened:
            if self.backend == "sqlite":
                url = f"sqlite:///{self.file(name)}"
                if on is not None:
                    self.get(*on)
                    copy_sqlite(self.file(on[0]), self.file(name))
            else:
                url = self._schemas.enter_context(_pg_schema())
            database = Database.open(url)
            if on is not None and self.backend != "sqlite":
                on[1](database)
            seed(database)
            self.opened[name] = (database, _row_counts(database))
        return self.opened[name][0]

    def file(self, name: str) -> Path:
        return self.folder / f"{name}.db"

    def app(self, name: str, seed: Seed, on: tuple[str, Seed] | None = None):
        """The web app over that database (tests/web_server.py `make_app`), made once: an app's
        first answer is its slow one. Its login throttle is shared too: log in right, or make one."""
        if name not in self.apps:
            from web_server import make_app

            self.apps[name] = make_app(self.get(name, seed, on))
        return self.apps[name]

    def close(self) -> None:
        """Dispose of every database; fails if a test wrote to one."""
        changed = []
        for name, (database, counted) in self.opened.items():
            if _row_counts(database) != counted:
                changed.append(name)
            database.dispose()
        self._schemas.close()
        assert not changed, f"a test wrote to the shared read-only database(s) {changed}: give it its own"


def _row_counts(database: Database) -> dict[str, int]:
    with database.engine.connect() as connection:
        return {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in Base.metadata.sorted_tables
        }


@pytest.fixture(scope="session", params=BACKENDS)
def seeded_databases(request, tmp_path_factory):
    """Read-only seeded databases of each backend, shared by the tests of this session (with
    xdist, of this worker)."""
    databases = SeededDatabases(request.param, tmp_path_factory.mktemp(f"seeded-{request.param}"))
    yield databases
    databases.close()


@pytest.fixture
def seeded_copy(request, seeded_databases, tmp_path):
    """`seeded_copy(name, seed)`: a database of the test's own holding what the shared one of that
    name does, for a test that writes. On SQLite a copy of its file; on PostgreSQL the worker's
    schema (`pg_url`) emptied and seeded again, so one such database a test."""
    opened: list[Database] = []

    def make(name: str, seed: Seed) -> Database:
        if seeded_databases.backend == "sqlite":
            seeded_databases.get(name, seed)
            copy_sqlite(seeded_databases.file(name), tmp_path / f"{name}.db")
            database = Database.open(f"sqlite:///{tmp_path / f'{name}.db'}")
        else:
            assert not opened, "one seeded copy a test on PostgreSQL"
            url = request.getfixturevalue("pg_url")
            _drop_everything(url)
            database = Database.open(url)
            seed(database)
        opened.append(database)
        return database

    yield make
    for database in opened:
        database.dispose()


@pytest.fixture(scope="session")
def corpus(seeded_databases):
    """The corpus of tests/api_seed.py, seeded once per session and backend; read it, never write."""
    from api_seed import seed

    return seeded_databases.get("api", seed)


@pytest.fixture
def corpus_client(seeded_databases):
    """An httpx client of the app over `corpus`, in process (no server)."""
    from api_seed import seed
    from web_server import asgi_client

    with asgi_client(seeded_databases.app("api", seed)) as client:
        yield client


@pytest.fixture
def corpus_site(seeded_databases):
    """The base URL of a real uvicorn server on loopback over `corpus` (for the browser tests)."""
    from api_seed import seed
    from web_server import serve

    with serve(seeded_databases.app("api", seed)) as url:
        yield url


def _drop_everything(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        tables = [t.name for t in Base.metadata.sorted_tables] + ["alembic_version"]
        for table in tables:
            connection.execute(text(f'DROP TABLE IF EXISTS "{table}" CASCADE'))
    engine.dispose()


@pytest.fixture(scope="session")
def extractor():
    """The real pipeline from miner/pipelines/miner.cfg."""
    from miner.extract import Extractor

    return Extractor(ROOT / "miner" / "pipelines" / "miner.cfg")


RULES_ONLY = {"components.decision.decide": "rules"}


@pytest.fixture(scope="session")
def rules(extractor):
    """The same pipeline with the rules deciding (the learned decision only gives confidence):
    what the construction tests pin down is the rules' reading of a sentence."""
    from miner.extract import Extractor

    return Extractor(ROOT / "miner" / "pipelines" / "miner.cfg", overrides=RULES_ONLY)


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
        except SQLAlchemyError:  # the schema may not exist yet
            continue
        if stored >= at_least:
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, f"{command[3]} finished before it could be killed"
    return stored


@pytest.fixture
def workbench(seeded_copy):
    """The workbench over a seeded database of the test's own (tests/web_seed.py), for tests that
    write: a `web_server.Site` whose clients call the app in process. Plain HTTP, so its cookies
    are not marked Secure."""
    from web_seed import seed
    from web_server import Site, make_app

    database = seeded_copy("web", seed)
    site = Site(make_app(database), database)
    yield site
    site.close()


@pytest.fixture
def shared_workbench(seeded_databases):
    """The same over the session's shared copy of that seed, for tests that only read (and log in:
    the app, its login throttle with it, is shared too)."""
    from web_seed import seed
    from web_server import Site

    site = Site(seeded_databases.app("web", seed), seeded_databases.get("web", seed))
    yield site
    site.close()


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
