"""The confidence from which unreviewed claims are trusted, which conflicts and the digest use:
a configured number, or the one `miner train` chose and wrote into the pipeline's quality report
(`ReferenceData.quality`, the pipeline's quality.json, which also holds the cross-validated figures
the digest quotes and the reliability table).
Imports: stdlib, `miner.errors`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from miner.errors import ConfigError


def trusted_confidence(configured: str, quality: Mapping[str, Any]) -> float:
    """`[pipeline] trusted_confidence`: a number from 0 to 1, or "measured" for the one `miner
    train` chose (in `quality`)."""
    if configured.strip() == "measured":
        return float(quality.get("trusted_confidence", 0.0))
    try:
        value = float(configured)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise ConfigError(f'pipeline.trusted_confidence must be a number from 0 to 1 or "measured", not {configured!r}')
    return value
