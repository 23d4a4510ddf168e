"""The store: typed models, the database handle and the only code that writes articles and
relations. Imports: config, errors, records, resources (and SQLAlchemy/Alembic)."""

from miner.store.database import Database

__all__ = ["Database"]
