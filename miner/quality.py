"""The extraction quality `miner train` measured, from `pipelines/quality.json`: the
cross-validated figures the digest quotes, the reliability table (confidence → precision), and
the confidence from which unreviewed claims are trusted, which conflicts and the digest use.
Imports: stdlib, `miner.errors`, `miner.resources`.
"""
from __future__ import annotations

import json
from functools import lru_cache

from miner.errors import PipelineError
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


def trusted_confidence(configured: float = -1.0) -> float:
    """The configured threshold, or (when it is negative) the one `miner train` chose."""
    if configured >= 0:
        return configured
    return float(measured().get("trusted_confidence", 0.0))
