"""Where miner's data folders live: `pipelines/` (spaCy configs, gazetteers) and `db/` (migrations).

In a source checkout (editable install) they sit beside the `miner` package; an installed copy
finds them through `MINER_HOME` (the Docker image sets it) or the working directory.
Imports: stdlib and `miner.errors` only.
"""

from __future__ import annotations

import os
from pathlib import Path

from miner.errors import MinerError


def project_root() -> Path:
    """The folder holding `pipelines/` and `db/`."""
    candidates = []
    if os.environ.get("MINER_HOME"):
        candidates.append(Path(os.environ["MINER_HOME"]))
    candidates += [Path(__file__).resolve().parent.parent, Path.cwd()]
    for candidate in candidates:
        if (candidate / "pipelines").is_dir() and (candidate / "db").is_dir():
            return candidate
    raise MinerError("cannot find miner's pipelines/ and db/ folders: set MINER_HOME to the project folder")


def resolve(path: str | Path) -> Path:
    """An absolute path; relative ones are taken from the project root."""
    path = Path(path)
    return path if path.is_absolute() else project_root() / path
