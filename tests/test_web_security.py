"""The findings of a security probe, each reproduced against the app called in process (httpx over
the ASGI app), a `miner serve` process, or a real database and SMTP server, and shown fixed: login
throttling and the bound on password hashes at once, weak session keys, sessions that outlive a
logout or a change of password, role or state, user names differing only in case, weak passwords,
SMTP logins without TLS, and pages of a logged-in user that a cache could keep. Only the throttle's
clock is faked. Tests that only log in and read share the session's copy of tests/web_seed.py
(each with an app and a throttle of its own); tests that change an account get a copy of their own."""

from __future__ import annotations

import io
import logging
import os
import re
import secrets
import smtplib
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime

import httpx
import pytest
from aiosmtpd.smtp import AuthResult
from alembic import command
from smtp_server import _Controller, _Handler
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from web_seed import PASSWORDS, seed
from web_server import Site, asgi_client, make_app

from miner.accounts import create_user, set_password
from miner.cli import main
from miner.config import Settings, SmtpSettings
from miner.digest.mail import Mailer, compose
from miner.errors import ConfigError, InvalidValue, StoreError
from miner.store import Database
from miner.store.database import alembic_config, head_revision, make_engine
from miner.store.models import User
from miner.web import create_app
from miner.web.auth import MAKE_KEY, MAX_DELAY, Backoff, LoginGuard

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
KEY = "yD3s7hQ0m6Xk1Vw9RzT5bN8cJ2fL4pG7aE0uK3iO6qY"


class Clock:
    """The throttle's clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Web(Site):
    """The app over a seeded database, its login throttle on a clock moved by hand."""

    def __init__(self, database: Database) -> None:
        super().__init__(make_app(database, secret_key=KEY), database)
        self.clock = Clock()
        self.guard = self.app.state.login_guard = LoginGuard(clock=self.clock, hash_wait=0.3)


@pytest.fixture
def web(seeded_copy):
    """For tests that change an account: a seeded database of the test's own."""
    site = Web(seeded_copy("web", seed))
    yield site
    site.close()


@pytest.fixture
def shared_web(seeded_databases):
    """For tests that only log in and read: the session's copy of the seed, a fresh app."""
    site = Web(seeded_databases.get("web", seed))
    yield site
    site.close()


def csrf(client: httpx.Client, path: str = "/login") -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    return TOKEN.search(page.text).group(1)


def log_in(client: httpx.Client, name: str, password: str) -> httpx.Response:
    return client.post(
        "/login", data={"username": name, "password": password, "next": "/audit", "csrf_token": csrf(client)}
    )


def logged_in(web: Site, name: str) -> httpx.Client:
    client = web.client()
    assert log_in(client, name, PASSWORDS[name.lower()]).status_code == 303
    return client


# 1. Throttling ------------------------------------------------------------------------------


def test_forty_wrong_passwords_then_the_right_one_is_refused_until_the_delay_passes(shared_web):
    client = shared_web.client()
    answers = [log_in(client, "alice", f"guess number {n:02d}") for n in range(40)]
    assert [a.status_code for a in answers[:5]] == [401] * 5
    assert {a.status_code for a in answers[5:]} == {429}
    assert answers[5].headers["retry-after"] == "1" and "Too many failed logins" in answers[5].text
    right = log_in(client, "alice", PASSWORDS["alice"])
    assert right.status_code == 429 and client.get("/audit").status_code == 401
    # each further failure doubles the wait
    for wait in (1, 2, 4):
        shared_web.clock.advance(wait)
        assert log_in(client, "Alice", "still guessing").status_code == 401  # names ignore case here too
        refused = log_in(client, "alice", PASSWORDS["alice"])
        assert refused.status_code == 429 and refused.headers["retry-after"] == str(wait * 2)
    shared_web.clock.advance(8)
    assert log_in(client, "alice", PASSWORDS["alice"]).status_code == 303
    assert client.get("/audit").status_code == 200


def test_a_success_clears_the_account_count(shared_web):
    client = shared_web.client()
    for _ in range(4):
        assert log_in(client, "bob", "not bob's password").status_code == 401
    assert log_in(client, "bob", PASSWORDS["bob"]).status_code == 303
    for _ in range(5):
        assert log_in(client, "bob", "not bob's password").status_code == 401
    assert log_in(client, "bob", PASSWORDS["bob"]).status_code == 429


def test_one_address_guessing_many_names_is_slowed_too(shared_web):
    client = shared_web.client()
    for n in range(20):
        assert log_in(client, f"someone{n}", "a guessed password").status_code == 401
    refused = log_in(client, "root", PASSWORDS["root"])  # a name that never failed
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    shared_web.clock.advance(1)
    assert log_in(client, "root", PASSWORDS["root"]).status_code == 303


def test_the_wait_is_capped_and_forgotten_after_an_hour_of_quiet():
    clock = Clock()
    backoff = Backoff(5, clock)
    for _ in range(60):
        backoff.failed("alice")
    assert backoff.wait("alice") == MAX_DELAY
    clock.advance(3601)
    assert backoff.wait("alice") == 0
    backoff.failed("alice")
    assert backoff.wait("alice") == 0  # counting starts again from one failure


def test_at_most_two_passwords_are_checked_at_once(shared_web, real_password_hashing):
    """With hashes of the deployed cost, so that the logins overlap."""
    clients = [shared_web.client() for _ in range(12)]
    tokens = [csrf(c) for c in clients]
    start, answers = threading.Barrier(len(clients)), [None] * len(clients)

    def post(n: int) -> None:
        start.wait()
        answers[n] = clients[n].post(
            "/login", data={"username": f"nobody{n}", "password": "a guessed password", "csrf_token": tokens[n]}
        )

    threads = [threading.Thread(target=post, args=(n,)) for n in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert {a.status_code for a in answers} <= {401, 503}
    assert shared_web.guard.peak == 2 and shared_web.guard.in_flight == 0  # two ran together, never three


def test_a_login_that_cannot_get_a_slot_is_turned_away_quickly(shared_web):
    client = shared_web.client()
    token = csrf(client)
    with shared_web.guard.hashing() as first, shared_web.guard.hashing() as second:
        assert first and second
        began = time.monotonic()
        busy = client.post("/login", data={"username": "alice", "password": PASSWORDS["alice"], "csrf_token": token})
        took = time.monotonic() - began
    assert busy.status_code == 503 and busy.headers["retry-after"] == "1" and took < 2
    assert log_in(client, "alice", PASSWORDS["alice"]).status_code == 303  # not counted as a failure


# 2. The session key -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    ["secret", "a" * 64, "password" * 6, "correcthorsebatterystaple" * 2, "Password!" + "0123456789" * 4, " " * 50],
)
def test_weak_session_keys_stop_start_up_in_one_line(database, key):
    with pytest.raises(ConfigError) as refused:
        create_app(Settings().replace("web", secret_key=key), database)
    message = str(refused.value)
    assert "\n" not in message and MAKE_KEY in message and "MINER_WEB_SECRET_KEY" in message
    assert key not in message.replace(MAKE_KEY, "")  # the key itself is never shown


@pytest.mark.parametrize(
    "make_key",
    [lambda: secrets.token_urlsafe(32), lambda: secrets.token_hex(32), lambda: KEY],
    ids=["token_urlsafe", "token_hex", "fixed"],
)  # fresh keys, same test ids in every worker
def test_random_keys_are_accepted_without_a_warning(database, make_key):
    warnings: list[str] = []
    create_app(Settings().replace("web", secret_key=make_key()), database, warn=warnings.append)
    assert warnings == []


def test_without_a_key_a_random_one_is_made_with_a_warning(seeded_databases):
    database = seeded_databases.get("web", seed)
    warnings: list[str] = []
    app = create_app(Settings().replace("web", secure_cookies=False), database, warn=warnings.append)
    assert len(warnings) == 1 and "no MINER_WEB_SECRET_KEY" in warnings[0]
    with asgi_client(app) as client:
        assert log_in(client, "bob", PASSWORDS["bob"]).status_code == 303
        assert client.get("/audit").status_code == 200


@pytest.mark.slow
def test_miner_serve_refuses_a_weak_key(tmp_path, database):
    env = {**os.environ, "MINER_WEB_SECRET_KEY": "secret"}
    command = [
        sys.executable,
        "-m",
        "miner",
        "--config",
        str(cli_config(tmp_path, database)),
        "serve",
        "--port",
        str(free_port()),
    ]
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=60
    )  # a server that started would time out
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "secrets.token_urlsafe(32)" in done.stderr


# 3. Sessions end with a logout, a new password or role, or a disabled account ---------------


def test_a_copied_cookie_stops_working_after_logout(web):
    alice = logged_in(web, "alice")
    thief = web.client()
    thief.cookies.update(alice.cookies)
    assert thief.get("/audit").status_code == 200
    assert alice.post("/logout", data={"csrf_token": csrf(alice, "/conflicts")}).status_code == 303
    assert thief.get("/audit").status_code == 401
    assert alice.get("/audit").status_code == 401
    again = logged_in(web, "alice")  # a new login works, and the copy stays dead
    assert again.get("/audit").status_code == 200 and thief.get("/audit").status_code == 401


@pytest.mark.parametrize(
    "change",
    [
        ("users", "password", "alice", "--password-stdin"),
        ("users", "role", "alice", "reader"),
        ("users", "disable", "alice"),
    ],
)
def test_a_copied_cookie_stops_working_after_an_account_change(web, tmp_path, capsys, monkeypatch, change):
    alice = logged_in(web, "alice")
    thief = web.client()
    thief.cookies.update(alice.cookies)
    assert thief.get("/audit").status_code == 200
    monkeypatch.setattr(sys, "stdin", io.StringIO("a-brand-new-secret-9\n"))
    assert main(["--config", str(cli_config(tmp_path, web.database)), *change]) == 0, capsys.readouterr().err
    assert thief.get("/audit").status_code == 401 and alice.get("/audit").status_code == 401


def test_a_password_changed_in_python_ends_sessions_too(web):
    bob = logged_in(web, "bob")
    with web.database.session() as session:
        set_password(session, "bob", "reads-other-papers-2", actor="root")
    assert bob.get("/audit").status_code == 401
    assert log_in(web.client(), "bob", "reads-other-papers-2").status_code == 303


# 4. User names ignore case ------------------------------------------------------------------


def test_user_names_are_unique_whatever_their_case_and_log_in_in_any_case(web):
    with web.database.session() as session, pytest.raises(InvalidValue, match="user alice exists already"):
        create_user(session, "ALICE", "reader", "another-long-secret-1")
    client = web.client()
    assert log_in(client, "ALICE", PASSWORDS["alice"]).status_code == 303
    assert client.get("/audit").status_code == 200


def test_the_database_refuses_names_differing_in_case(database):
    with database.session() as session:
        create_user(session, "Dana", "reader", "reads-gut-papers-3")
    with pytest.raises(IntegrityError), database.session() as session:
        session.execute(
            text(
                "INSERT INTO app_user (username, role, password_hash, disabled, created_at, session_generation) "
                "VALUES ('dana', 'reader', 'x', false, :now, 0)"
            ),
            {"now": datetime.now(UTC)},
        )


def test_the_migration_stops_on_names_differing_in_case(database_url):
    engine = make_engine(database_url)
    migrate(engine, "0006")
    with engine.begin() as connection:
        for name in ("Alice", "alice", "bob"):
            connection.execute(
                text(
                    "INSERT INTO app_user (username, role, password_hash, disabled, created_at) VALUES (:name, "
                    "'reader', 'x', false, :now)"
                ),
                {"name": name, "now": datetime.now(UTC)},
            )
    database = Database(engine)
    with pytest.raises(StoreError, match="differ only in case: Alice, alice;") as refused:
        database.upgrade()
    assert "\n" not in str(refused.value) and database.current_revision() == "0006"
    with engine.begin() as connection:
        connection.execute(text("UPDATE app_user SET username = 'alice2' WHERE username = 'alice'"))
    assert database.upgrade()[1] == head_revision()
    with database.session() as session:
        assert session.scalar(select(func.max(User.session_generation))) == 0
    engine.dispose()


# 5. Passwords --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password, problem",
    [
        (" " * 12, "only spaces"),
        ("\t \n" * 4, "only spaces"),
        ("Password123!", "most common"),
        ("qwertyuiop", "most common"),
        ("!!Monkey-2024", "most common"),
        ("erin-has-a-secret", "user name"),
        ("my name is ERIN!", "user name"),
        ("abcabcabcabc", "again and again"),
        ("short", "at least 10"),
    ],
)
def test_weak_passwords_are_refused_in_one_line(database, password, problem):
    with database.session() as session:
        with pytest.raises(InvalidValue, match=problem) as refused:
            create_user(session, "erin", "curator", password)
        assert "\n" not in str(refused.value)
        create_user(session, "frank", "reader", "reads-many-papers-4")
        with pytest.raises(InvalidValue, match=problem):
            set_password(session, "frank", password.replace("erin", "frank").replace("ERIN", "FRANK"))


def test_the_cli_refuses_a_common_password(tmp_path, database, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("iloveyou2024\n"))
    code = main(["--config", str(cli_config(tmp_path, database)), "users", "add", "gina", "--password-stdin"])
    err = capsys.readouterr().err
    assert code == 8 and err.count("\n") == 1 and "most common" in err


# 6. SMTP logins without TLS -----------------------------------------------------------------


def test_a_login_without_tls_warns_once(caplog):
    caplog.set_level(logging.WARNING, logger="miner.digest")
    with login_smtp_server() as (port, logins, handler):
        settings = SmtpSettings(
            host="127.0.0.1", port=port, security="none", username="digest", password="hunter2-never-logged"
        )
        for recipient in ("ada@example.org", "ben@example.org"):
            mailer = Mailer(settings)  # a new session (and login) each time, as each run makes
            mailer.send(message(recipient))
            mailer.close()
    assert logins == [("digest", "hunter2-never-logged")] * 2  # readable by anyone on the path
    assert len(handler.received) == 2
    warned = [r.getMessage() for r in caplog.records if r.name == "miner.digest"]
    assert len(warned) == 1 and "without TLS" in warned[0] and f"127.0.0.1:{port}" in warned[0]
    assert "hunter2" not in caplog.text


def test_no_warning_without_a_login_or_with_starttls(caplog):
    caplog.set_level(logging.WARNING, logger="miner.digest")
    with login_smtp_server() as (port, logins, handler):
        plain = Mailer(SmtpSettings(host="127.0.0.1", port=port, security="none"))
        plain.send(message("ada@example.org"))
        plain.close()
        tls = Mailer(
            SmtpSettings(
                host="127.0.0.1", port=port, security="starttls", username="digest", password="hunter2-never-logged"
            )
        )
        with pytest.raises(smtplib.SMTPNotSupportedError):  # this server offers no STARTTLS: no login is tried
            tls.send(message("ben@example.org"))
        tls.reset()
    assert logins == [] and len(handler.received) == 1
    assert not [r for r in caplog.records if r.name == "miner.digest"]


# 7. Nothing a logged-in user sees is stored by a cache ---------------------------------------


def test_responses_to_a_logged_in_user_are_not_stored(shared_web):
    anonymous = shared_web.client()
    assert "no-store" not in anonymous.get("/conflicts").headers.get("cache-control", "")
    assert anonymous.get("/login").headers["cache-control"] == "no-store"
    client = shared_web.client()
    login = log_in(client, "alice", PASSWORDS["alice"])
    assert login.status_code == 303 and login.headers["cache-control"] == "no-store"
    for path in (
        "/conflicts",
        "/audit",
        "/search",
        "/digest/",
        "/api/v1/stats",
        "/api/v1/conflicts",
        "/conflicts/99999",
        "/api/v1/articles/0",
    ):
        answer = client.get(path)
        assert answer.headers.get("cache-control") == "no-store", (path, answer.status_code)
    static = client.get("/static/" + next(name for name in static_files()))
    assert static.status_code == 200 and static.headers.get("cache-control") != "no-store"  # the same file for everyone


# helpers -------------------------------------------------------------------------------------


def cli_config(tmp_path, database):
    path = tmp_path / "config.toml"
    path.write_text(f'[database]\nurl = "{database.engine.url.render_as_string(hide_password=False)}"\n')
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def migrate(engine, revision: str) -> None:
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def static_files() -> list[str]:
    from miner.web.app import STATIC

    return sorted(p.name for p in STATIC.iterdir() if p.is_file())


def message(recipient: str):
    return compose(
        sender="miner@example.org",
        recipient=recipient,
        subject="digest",
        text="text",
        html="<p>html</p>",
        png=b"\x89PNG",
        week="2024-W01",
    )


class _LoginController(_Controller):
    """tests/smtp_server.py's server, but offering AUTH on a plain connection (as a careless real
    server may), and keeping every user name and password it is sent."""

    def __init__(self, handler: _Handler, sock: socket.socket, logins: list):
        def authenticator(server, session, envelope, mechanism, data):
            logins.append((data.login.decode(), data.password.decode()))
            return AuthResult(success=True)

        super(_Controller, self).__init__(
            handler,
            hostname="127.0.0.1",
            port=sock.getsockname()[1],
            server_hostname="smtp.test",
            auth_require_tls=False,
            authenticator=authenticator,
        )
        self._sock = sock


class login_smtp_server:
    """Yields (port, logins, handler) while the server runs."""

    def __enter__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.logins: list = []
        self.handler = _Handler()
        self.controller = _LoginController(self.handler, self.sock, self.logins)
        self.controller.start()
        return self.sock.getsockname()[1], self.logins, self.handler

    def __exit__(self, *exc):
        self.controller.stop()
