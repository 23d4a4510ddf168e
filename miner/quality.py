"""The extraction quality `miner train` measured, from `pipelines/quality.json`: the
cross-validated figures the digest quotes, the reliability table (confidence → precision), and
the confidence from which unreviewed claims are trusted, which conflicts and the digest use.
Imports: stdlib, `miner.errors`, `miner.resources`.
"""

from __future__ import annotations

import json
from functools import lru_cache

from miner.errors import ConfigError, PipelineError
from miner.resources import resolve

QUALITY = "pipelines/quality.json"


@lru_cache(maxsize=1)
def measured() -> dict:
    path = resolve(QUALITY)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PipelineError(f"cannot read {path}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise PipelineError(f"{path}: not JSON: {exc.msg}") from exc


def trusted_confidence(configured: str = "measured") -> float:
    """`[pipeline] trusted_confidence`: a number from 0 to 1, or "measured" for the one `miner
    train` chose."""
    if configured.strip() == "measured":
        return float(measured().get("trusted_confidence", 0.0))
    try:
        value = float(configured)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise ConfigError(f'pipeline.trusted_confidence must be a number from 0 to 1 or "measured", not {configured!r}')
    return value
