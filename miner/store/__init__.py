"""The store: typed models, the database handle and the only code that writes articles and
relations. Imports: `miner.store.database`."""

from miner.store.database import Database

__all__ = ["Database"]
