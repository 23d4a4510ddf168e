"""Open the database: engine, sessions, and the Alembic migrations that create its schema.

`Database.open(url)` gives an engine whose schema is current: an empty database is migrated to
the head revision by itself; an older schema asks for `miner db upgrade` instead of changing
silently. SQLite gets foreign keys and WAL; PostgreSQL is reached through psycopg 3.
Imports: SQLAlchemy, Alembic, `miner.errors`, `miner.resources`, `miner.reference` (the type of what
sessions carry).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from miner.errors import StoreError
from miner.reference import ReferenceData
from miner.resources import package_path


def alembic_config() -> Config:
    """Alembic pointed at the package's migrations; they run on the connection handed over in
    `attributes`."""
    config = Config()
    config.set_main_option("script_location", str(package_path("migrations")))
    return config


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head() or ""


def make_engine(url: str, echo: bool = False) -> Engine:
    try:
        if url.startswith("sqlite"):
            engine = create_engine(url, echo=echo, connect_args={"timeout": 30})
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = create_engine(url, echo=echo, pool_pre_ping=True)
    except (ArgumentError, ImportError) as exc:
        raise StoreError(f"bad database url {_safe(url)}: {exc}") from exc
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable url>"


class Database:
    """An engine plus a session factory over a schema that is known to be current."""

    def __init__(self, engine: Engine, trusted_confidence: float = 0.0, reference: ReferenceData | None = None):
        self.engine = engine
        self.reference = reference or ReferenceData.of()
        # every session knows from which confidence claims are trusted (`claims.trusted`) and the
        # reference data reads name taxa and disorders by (`miner.reference.reference_of`)
        self.sessions = sessionmaker(
            engine,
            expire_on_commit=False,
            info={"trusted_confidence": trusted_confidence, "reference": self.reference},
        )

    @classmethod
    def open(
        cls,
        url: str,
        *,
        echo: bool = False,
        create: bool = True,
        trusted_confidence: float = 0.0,
        reference: ReferenceData | None = None,
    ) -> Database:
        database = cls(make_engine(url, echo), trusted_confidence, reference)
        database.check_schema(create=create)
        return database

    def current_revision(self) -> str | None:
        try:
            with self.engine.connect() as connection:
                return MigrationContext.configure(connection).get_current_revision()
        except OperationalError as exc:
            raise StoreError(f"cannot open database {_safe(str(self.engine.url))}: {_first_line(exc)}") from exc

    def upgrade(self) -> tuple[str | None, str]:
        """Apply every pending migration; returns (revision before, revision after)."""
        before = self.current_revision()
        try:
            with self.engine.begin() as connection:
                config = alembic_config()
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        except SQLAlchemyError as exc:
            raise StoreError(f"migration failed: {_first_line(exc)}") from exc
        return before, self.current_revision() or ""

    def check_schema(self, *, create: bool = True) -> None:
        current, head = self.current_revision(), head_revision()
        if current == head:
            return
        if current is None and create and not self._has_tables():
            self.upgrade()
            return
        if current is None:
            raise StoreError("database has tables but no miner schema version: is it the right database?")
        raise StoreError(f"database schema is at revision {current}, this miner needs {head}: run `miner db upgrade`")

    def _has_tables(self) -> bool:
        with self.engine.connect() as connection:
            return bool(inspect(connection).get_table_names())

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error."""
        with self.sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        self.engine.dispose()


def _first_line(exc: Exception) -> str:
    return str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
