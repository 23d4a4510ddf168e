"""Settings: file + environment, validation naming the key, secrets from the environment only."""

from __future__ import annotations

from dataclasses import FrozenInstanceError

import pytest
from conftest import ROOT

from miner.config import Settings, load_settings, render_defaults
from miner.errors import ConfigError


def write(tmp_path, text):
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_shipped_config_toml_is_the_declared_defaults():
    assert (ROOT / "config.toml").read_text() == render_defaults()
    assert load_settings(ROOT / "config.toml", environ={}) == Settings(source=str(ROOT / "config.toml"))


def test_file_values_and_environment_overrides(tmp_path):
    path = write(
        tmp_path, '[database]\nurl = "sqlite:///x.db"\n[pubmed]\nbatch_size = 50\n[digest]\nrecipients = ["a@x.org"]\n'
    )
    settings = load_settings(
        path, environ={"MINER_PUBMED_BATCH_SIZE": "75", "MINER_DIGEST_RECIPIENTS": "b@x.org, c@x.org"}
    )
    assert settings.database.url == "sqlite:///x.db"
    assert settings.pubmed.batch_size == 75
    assert settings.digest.recipients == ["b@x.org", "c@x.org"]
    assert settings.smtp.port == 587  # untouched default


def test_environment_booleans_and_secrets(tmp_path):
    settings = load_settings(
        write(tmp_path, "[pipeline]\nmin_confidence = 1\n"),
        environ={"MINER_DATABASE_ECHO": "yes", "MINER_PUBMED_API_KEY": "k3y", "MINER_PUBMED_TIMEOUT_SECONDS": "2.5"},
    )
    assert settings.database.echo is True
    assert settings.pubmed.timeout_seconds == 2.5 and settings.pipeline.min_confidence == 1.0
    assert settings.pubmed.api_key == "k3y"


@pytest.mark.parametrize(
    "text, environ, message",
    [
        ("[database]\nurll = 'x'\n", {}, "unknown config key database.urll"),
        ("[databse]\n", {}, r"unknown config section \[databse\]"),
        ("[pubmed]\nbatch_size = 'many'\n", {}, "pubmed.batch_size must be a whole number"),
        ("[pubmed]\nbatch_size = -3\n", {}, "pubmed.batch_size must not be negative"),
        ("[smtp]\nsecurity = 'tls'\n", {}, "smtp.security must be one of starttls, ssl, none"),
        (
            "[smtp]\npassword = 'hunter2'\n",
            {},
            "smtp.password is a secret: set it in the environment as MINER_SMTP_PASSWORD",
        ),
        ("[web]\nsecure_cookies = 'no'\n", {}, "web.secure_cookies must be true or false"),
        (
            "",
            {"MINER_PUBMED_BATCH_SIZE": "lots"},
            r"pubmed.batch_size \(from MINER_PUBMED_BATCH_SIZE\) must be a whole number",
        ),
        ("", {"MINER_DATABSE_URL": "x"}, "unknown environment setting MINER_DATABSE_URL"),
        ("[pipeline]\nmin_confidence = 'high'\n", {}, "pipeline.min_confidence must be a number"),
        ("[database\n", {}, "not valid TOML"),
    ],
)
def test_bad_settings_fail_naming_the_key(tmp_path, text, environ, message):
    with pytest.raises(ConfigError, match=message):
        load_settings(write(tmp_path, text), environ=environ)


def test_missing_explicit_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "nope.toml", environ={})


def test_miner_config_variable_picks_the_file(tmp_path):
    path = write(tmp_path, "[web]\nport = 9001\n")
    assert load_settings(None, environ={"MINER_CONFIG": str(path)}).web.port == 9001


def test_settings_are_frozen_and_replace_validates():
    settings = load_settings(None, environ={})
    with pytest.raises(FrozenInstanceError):
        settings.database.url = "x"  # type: ignore[misc]
    assert settings.replace("database", url="sqlite:///y.db").database.url == "sqlite:///y.db"
    with pytest.raises(ConfigError, match=r"web\.port must be a whole number"):
        settings.replace("web", port="eighty")
