"""The one exception tree of miner; every error a user can cause is one of these.

    MinerError                      base: a one-line message fit for a terminal
    ├── ConfigError                 bad or unknown setting (names the key)
    ├── ParseError                  input that is not PubMed XML / JSON Lines at all
    ├── PipelineError               the spaCy pipeline or its data files cannot be built
    ├── StoreError                  the database cannot be reached or migrated
    ├── HarvestError                E-utilities failures that retries could not cure
    ├── NotFound                    a requested object does not exist
    ├── DeliveryError               digests that could not be sent (each is tried again next run)
    ├── InvalidValue                a verdict, status, role or name that is not one of those allowed
    └── Busy                        another process holds the work (an ingest, the scheduler)

The CLI maps each to a single stderr line and `exit_code`; the web layer maps them to
`http_status`. Imports: stdlib only.
"""

from __future__ import annotations


class MinerError(Exception):
    """Base of every error miner raises on purpose."""

    exit_code = 1
    http_status = 500


class ConfigError(MinerError):
    """A setting is unknown, malformed or missing."""

    exit_code = 2
    http_status = 500


class ParseError(MinerError):
    """An input file cannot be read as PubMed XML or JSON Lines at all."""

    exit_code = 3
    http_status = 400


class PipelineError(MinerError):
    """The extraction pipeline or its data cannot be assembled."""

    exit_code = 4


class StoreError(MinerError):
    """The database is unreachable or its schema is unusable."""

    exit_code = 5


class HarvestError(MinerError):
    """A PubMed E-utilities request failed for good."""

    exit_code = 6
    http_status = 502


class NotFound(MinerError):
    """A requested article, taxon, disorder or record does not exist; `candidates` are names
    the asker may have meant (the message ends with "did you mean …?")."""

    exit_code = 7
    http_status = 404

    def __init__(self, message: str, *, candidates: list[str] | tuple[str, ...] = ()):
        self.candidates = list(candidates)
        self.plain = message  # without the candidates, for pages that link them
        super().__init__(f"{message}; did you mean {', '.join(self.candidates)}?" if self.candidates else message)


class InvalidValue(MinerError, ValueError):
    """A value a person typed is not one of those allowed (a verdict, a status, a role, a name)."""

    exit_code = 8
    http_status = 400


class DeliveryError(MinerError):
    """Some digests could not be sent; they stay pending and the next run tries them again."""

    exit_code = 9
    http_status = 502


class Busy(MinerError):
    """Another process is doing this work against the same database (an ingest, the scheduler)."""

    exit_code = 10
    http_status = 503
