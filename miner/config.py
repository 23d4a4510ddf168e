"""Load `config.toml` plus `MINER_<SECTION>_<KEY>` environment overrides into one frozen `Settings`.

Every setting is declared once below, with its type, default and help text; `config.toml` at the
project root is the commented copy of these defaults. Unknown sections or keys and values of the
wrong type fail at start-up with a `ConfigError` naming the key. Secrets (API keys, passwords)
are declared `secret` and are accepted only from the environment, never from a file.

Imports: stdlib, `miner.errors`, `miner.resources` (the name of the bundled pipeline).
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import textwrap
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from miner.errors import ConfigError
from miner.resources import BUNDLED

ENV_PREFIX = "MINER_"


def setting(default: Any, help: str, *, secret: bool = False) -> Any:
    """Declare one setting: its default and the help text shown in config.toml and docs."""
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata={"help": help, "secret": secret})
    return field(default=default, metadata={"help": help, "secret": secret})


@dataclass(frozen=True)
class DatabaseSettings:
    url: str = setting(
        "sqlite:///miner.db",
        "SQLAlchemy URL. SQLite file (relative to the working directory) by default; "
        "production uses postgresql+psycopg://user@host:5432/dbname.",
    )
    echo: bool = setting(False, "Log every SQL statement (debugging only).")


@dataclass(frozen=True)
class PubmedSettings:
    base_url: str = setting(
        "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/",
        "E-utilities base URL; esearch.fcgi / efetch.fcgi are appended.",
    )
    query: str = setting(
        '("Gastrointestinal Microbiome"[Mesh] OR "gut microbiota"[tiab] OR "gut microbiome"[tiab] OR '
        '"intestinal microbiota"[tiab] OR "fecal microbiota"[tiab] OR "faecal microbiota"[tiab]) AND '
        '("Mental Disorders"[Mesh] OR "Nervous System Diseases"[Mesh] OR depress*[tiab] OR anxiety[tiab] OR '
        'bipolar[tiab] OR schizophreni*[tiab] OR autis*[tiab] OR psychiatr*[tiab] OR "mental health"[tiab])',
        "PubMed search term for the harvest.",
    )
    tool: str = setting("miner", "Tool name sent to NCBI with every request.")
    email: str = setting("", "Contact e-mail sent to NCBI with every request (required to harvest).")
    api_key: str = setting("", "NCBI API key (environment only: MINER_PUBMED_API_KEY).", secret=True)
    batch_size: int = setting(200, "Records per efetch request.")
    overlap_days: int = setting(3, "Days re-searched before the watermark on each incremental run.")
    timeout_seconds: float = setting(60.0, "Timeout of one E-utilities request.")
    deadline_seconds: float = setting(
        120.0,
        "Longest one E-utilities request may take in all, answer included (timeout_seconds bounds each wait for "
        "data, not a server trickling it); a request over it is retried like a timeout.",
    )
    max_response_mib: int = setting(
        256,
        "Largest E-utilities answer accepted, in MiB, counted as it streams in; a larger one is dropped and retried.",
    )
    max_retries: int = setting(6, "Retries of one request (429, 5xx, timeouts, cut bodies) before failing.")
    retry_base_seconds: float = setting(
        1.0, "First retry delay; each further retry doubles it (plus jitter, at most 60 s)."
    )
    initial_days: int = setting(30, "Days the first harvest of a query goes back when no --since is given.")
    sweep_modified: bool = setting(
        True, "Also fetch records modified in the window (corrections, new MeSH indexing) on incremental runs."
    )


@dataclass(frozen=True)
class PipelineSettings:
    config: str = setting(
        BUNDLED,
        "spaCy pipeline config: \"bundled\" (miner's own, inside the package), or the path of another pipeline's "
        ".cfg (relative to the working directory); its folder holds its data files, and extraction, the API, "
        "suggestions, signatures and the digest all read that pipeline's reference data.",
    )
    batch_size: int = setting(64, "Abstracts per spaCy batch.")
    n_process: int = setting(1, "Worker processes for extraction (1 = in process).")
    min_confidence: float = setting(0.0, "Relations below this confidence are not stored.")
    trusted_confidence: str = setting(
        "measured",
        "Conflicts and the digest count unreviewed claims from this confidence on (curator-confirmed ones always): "
        'a number from 0 to 1, or "measured" for the value `miner train` chose from the reliability table '
        "(the pipeline's quality.json).",
    )


@dataclass(frozen=True)
class IngestSettings:
    commit_every: int = setting(200, "Articles per database transaction while ingesting.")


@dataclass(frozen=True)
class DigestSettings:
    recipients: list[str] = setting([], "E-mail addresses that receive the weekly digest.")
    out_dir: str = setting("digests", "Folder the rendered digests are written to.")
    public_url: str = setting("http://localhost:8000", "Public address of `miner serve`, used for links in the digest.")


@dataclass(frozen=True)
class SmtpSettings:
    host: str = setting("localhost", "SMTP server host.")
    port: int = setting(587, "SMTP server port.")
    security: Literal["starttls", "ssl", "none"] = setting("starttls", "Transport security.")
    username: str = setting("", "SMTP login (empty: no login).")
    password: str = setting("", "SMTP password (environment only: MINER_SMTP_PASSWORD).", secret=True)
    sender: str = setting("miner@localhost", "From: address of the digest.")
    timeout_seconds: float = setting(30.0, "SMTP connection timeout.")


@dataclass(frozen=True)
class WebSettings:
    host: str = setting("127.0.0.1", "Address `miner serve` listens on.")
    port: int = setting(8000, "Port `miner serve` listens on.")
    secret_key: str = setting(
        "", "Key that signs session cookies (environment only: MINER_WEB_SECRET_KEY).", secret=True
    )
    secure_cookies: bool = setting(
        True,
        "Send session cookies over HTTPS only (browsers treat http://localhost as secure; set false only for "
        "plain-HTTP testing).",
    )
    session_hours: int = setting(12, "A login lasts this many hours.")


@dataclass(frozen=True)
class SchedulerSettings:
    timezone: str = setting("UTC", "Time zone of the cron expressions.")
    harvest_cron: str = setting("15 7 * * *", "Daily harvest (crontab: minute hour day month weekday).")
    harvest_jitter_seconds: int = setting(600, "Random delay added to each harvest start.")
    digest_cron: str = setting("0 8 * * mon", "Weekly digest (crontab).")
    digest_retry_cron: str = setting(
        "40 * * * *", "Retry digest e-mails that failed (crontab); does nothing, and records nothing, when none did."
    )
    misfire_grace_seconds: int = setting(
        86400, "A run missed while the scheduler was down still runs at start-up within this delay."
    )
    lock_stale_seconds: int = setting(
        180, "A scheduler that has not shown a sign of life for this long is taken to be gone."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = setting(
        "INFO", "Level of `miner schedule`'s log lines on stderr (INFO: one line per job start, finish or failure)."
    )


@dataclass(frozen=True)
class Settings:
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    pubmed: PubmedSettings = field(default_factory=PubmedSettings)
    pipeline: PipelineSettings = field(default_factory=PipelineSettings)
    ingest: IngestSettings = field(default_factory=IngestSettings)
    digest: DigestSettings = field(default_factory=DigestSettings)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    web: WebSettings = field(default_factory=WebSettings)
    scheduler: SchedulerSettings = field(default_factory=SchedulerSettings)
    source: str = "defaults"

    def replace(self, section: str, **values: Any) -> Settings:
        """A copy with some keys of one section changed (values are validated like the file's)."""
        current = getattr(self, section)
        hints = typing.get_type_hints(type(current))
        checked = {key: _coerce(f"{section}.{key}", hints[key], value) for key, value in values.items()}
        return dataclasses.replace(self, **{section: dataclasses.replace(current, **checked)})


SECTIONS: dict[str, type] = {
    f.name: typing.get_type_hints(Settings)[f.name] for f in dataclasses.fields(Settings) if f.name != "source"
}


def load_settings(path: str | Path | None = None, environ: typing.Mapping[str, str] | None = None) -> Settings:
    """Read settings from `path` (or the default config.toml when present) and the environment.

    `path` given explicitly must exist. Without it, `MINER_CONFIG` names the file, else
    `config.toml` in the working directory is used when present, else the defaults.
    """
    environ = os.environ if environ is None else environ
    chosen = Path(path) if path else None
    if chosen is None and environ.get(f"{ENV_PREFIX}CONFIG"):
        chosen = Path(environ[f"{ENV_PREFIX}CONFIG"])
    if chosen is not None and not chosen.is_file():
        raise ConfigError(f"config file not found: {chosen}")
    if chosen is None and Path("config.toml").is_file():
        chosen = Path("config.toml")
    data: dict[str, Any] = {}
    if chosen is not None:
        try:
            data = tomllib.loads(chosen.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{chosen}: not valid TOML: {exc}") from exc
    sections = {name: _load_section(name, cls, data.pop(name, {}), environ) for name, cls in SECTIONS.items()}
    if data:
        raise ConfigError(f"unknown config section [{sorted(data)[0]}]; known: {', '.join(SECTIONS)}")
    _reject_unknown_env(environ)
    return Settings(**sections, source=str(chosen) if chosen else "defaults")


def _load_section(name: str, cls: type, table: Any, environ: typing.Mapping[str, str]) -> Any:
    if not isinstance(table, dict):
        raise ConfigError(f"[{name}] must be a table of keys")
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    known = {f.name: f for f in dataclasses.fields(cls)}
    for key, raw in table.items():
        if key not in known:
            raise ConfigError(f"unknown config key {name}.{key}; known in [{name}]: {', '.join(known)}")
        if known[key].metadata.get("secret"):
            env_name = f"{ENV_PREFIX}{name.upper()}_{key.upper()}"
            raise ConfigError(f"{name}.{key} is a secret: set it in the environment as {env_name}, not in a file")
        values[key] = _coerce(f"{name}.{key}", hints[key], raw)
    for key in known:
        env_name = f"{ENV_PREFIX}{name.upper()}_{key.upper()}"
        if env_name in environ:
            values[key] = _coerce(f"{name}.{key} (from {env_name})", hints[key], environ[env_name], from_env=True)
    return cls(**values)


def _reject_unknown_env(environ: typing.Mapping[str, str]) -> None:
    """A misspelt MINER_* variable would silently do nothing: refuse it instead."""
    allowed = {f"{ENV_PREFIX}CONFIG", f"{ENV_PREFIX}HOME", f"{ENV_PREFIX}TEST_DATABASE_URL"}
    prefixes = {f"{ENV_PREFIX}{name.upper()}_": cls for name, cls in SECTIONS.items()}
    for env_name in environ:
        if not env_name.startswith(ENV_PREFIX) or env_name in allowed:
            continue
        for prefix, cls in prefixes.items():
            key = env_name[len(prefix) :].lower()
            if env_name.startswith(prefix) and key in {f.name for f in dataclasses.fields(cls)}:
                break
        else:
            raise ConfigError(f"unknown environment setting {env_name}")


def _coerce(name: str, hint: Any, raw: Any, *, from_env: bool = False) -> Any:
    origin = typing.get_origin(hint)
    if origin is Literal:
        choices = typing.get_args(hint)
        if raw not in choices:
            raise ConfigError(f"{name} must be one of {', '.join(map(str, choices))}, not {raw!r}")
        return raw
    if origin is list:
        if from_env and isinstance(raw, str):
            raw = [item.strip() for item in raw.split(",") if item.strip()]
        if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
            raise ConfigError(f"{name} must be a list of strings")
        return list(raw)
    if hint is bool:
        if isinstance(raw, bool):
            return raw
        if from_env and isinstance(raw, str) and raw.strip().lower() in _BOOLEANS:
            return _BOOLEANS[raw.strip().lower()]
        raise ConfigError(f"{name} must be true or false, not {raw!r}")
    if hint in (int, float):
        # a file must hold the right TOML type; the environment holds text to convert
        accepted = (int,) if hint is int else (int, float)
        try:
            if isinstance(raw, bool) or (not from_env and not isinstance(raw, accepted)):
                raise ValueError
            value = hint(raw)
        except ValueError as exc:
            kind = "a whole number" if hint is int else "a number"
            raise ConfigError(f"{name} must be {kind}, not {raw!r}") from exc
        if value < 0:
            raise ConfigError(f"{name} must not be negative")
        return value
    if not isinstance(raw, str):
        raise ConfigError(f"{name} must be a string, not {raw!r}")
    return raw


_BOOLEANS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}


_SECRET_NOTE = "environment only"


def render_defaults() -> str:
    """config.toml as shipped: every setting, commented, at its default (secrets as comments)."""
    lines = [
        "# miner configuration: every setting with its default.",
        "# Any key can be overridden by an environment variable MINER_<SECTION>_<KEY>",
        "# (e.g. [database] url -> MINER_DATABASE_URL; lists are comma-separated there).",
        "# Secrets (pubmed.api_key, smtp.password, web.secret_key) are read only from the environment.",
        "# Unknown keys or bad values stop miner at start-up with the key's name.",
        "# This file is generated from miner/config.py: `python -m miner.config > config.toml`.",
    ]
    for name, cls in SECTIONS.items():
        lines += ["", f"[{name}]"]
        for f in dataclasses.fields(cls):
            default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
            lines += [f"# {line}" for line in textwrap.wrap(f.metadata["help"], 96)]
            if f.metadata["secret"]:
                lines.append(f"# {f.name}: {_SECRET_NOTE} (MINER_{name.upper()}_{f.name.upper()})")
            elif isinstance(default, bool):
                lines.append(f"{f.name} = {'true' if default else 'false'}")
            elif isinstance(default, (int, float)):
                lines.append(f"{f.name} = {default!r}")
            elif isinstance(default, list):
                lines.append(f"{f.name} = [{', '.join(json.dumps(item) for item in default)}]")
            else:
                text = str(default)
                lines.append(f"{f.name} = " + (f"'{text}'" if '"' in text else json.dumps(text)))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render_defaults())
