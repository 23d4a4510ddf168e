"""The web face of miner: the curators' workbench (server-rendered pages) served by FastAPI.

`create_app(settings, database)` builds the application; `miner serve` runs it with uvicorn.
Imports: everything below `miner.web`, `miner.config`, `miner.store`.
"""

from miner.web.app import create_app

__all__ = ["create_app"]
