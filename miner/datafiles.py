"""Read the pipeline's JSON and JSON Lines data files, with one-line errors that name the file (and
the line): the one reader for the extraction's lexicons and cues and for the reference data reads.
Imports: stdlib, `miner.errors`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from miner.errors import PipelineError


def read_json_object(path: str | Path) -> dict[str, Any]:
    """A JSON file holding one object."""
    try:
        loaded = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise PipelineError(f"cannot read {path}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise PipelineError(f"{path}: not JSON: {exc.msg}") from exc
    if not isinstance(loaded, dict):
        raise PipelineError(f"{path}: not a JSON object")
    return loaded


def read_json_lines(path: str | Path) -> list[dict[str, Any]]:
    """The rows of a JSON Lines file; blank lines are skipped."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise PipelineError(f"cannot read {path}: {exc.strerror}") from exc
    rows = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise PipelineError(f"{path}:{number}: not JSON: {exc.msg}") from exc
    return rows
