"""Where miner's files live: all of them inside the package, found with `importlib.resources`, so an
installed copy works from any directory.

- `miner/pipelines/`: the bundled spaCy pipeline (config, gazetteers, lexicons, the trained
  decision and its measured quality); `[pipeline] config = "bundled"` names its config.
- `miner/migrations/`: the Alembic migrations.
- `miner/data/`: data that is not part of a pipeline (countries, common passwords).
- `miner/samples/`: the demo's sample corpus.

A path a user gives (a pipeline config of their own) is taken as written: absolute, or relative to
the working directory.
Imports: stdlib only.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

BUNDLED = "bundled"  # `[pipeline] config` value naming the package's own pipeline


def package_path(*parts: str) -> Path:
    """A file or folder inside the installed package (a real path: miner is installed as files,
    never zipped, so its resources are the files themselves)."""
    return Path(str(files("miner").joinpath(*parts)))


def pipeline_config(config: str | Path) -> Path:
    """The pipeline config a setting names: `bundled` → the package's own; else the path, made
    absolute from the working directory."""
    if str(config).strip() in (BUNDLED, ""):
        return package_path("pipelines", "miner.cfg")
    return Path(config).expanduser().resolve()
