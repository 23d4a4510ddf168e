"""Log in and out of the workbench, keep password guessing slow and cheap, and check the key
that signs the session cookies.

A login checks the password (Argon2), then starts a fresh session: the old session's contents,
CSRF token included, are dropped, so a token planted before login is worthless after it. The
login form itself carries a CSRF token too. `next` only ever redirects within this site.
Logging out ends every session of the account (its session generation moves on).

`LoginGuard` throttles guessing, in this process's memory (each server process counts on its
own, and a restart forgets): after 5 failed logins in a row for one user name, or 20 from one
client address, tries are refused with 429 and Retry-After, for 1 s, doubling with each further
failure up to 15 minutes, before any password is checked. A success clears the user name's count
(not the address's); a count with no failure for an hour is forgotten. At most 2 passwords are
checked at once (Argon2 takes 64 MiB each); a login that cannot start within a second gets 503.

`session_key` refuses, at start-up, a MINER_WEB_SECRET_KEY shorter than 43 characters (what
`secrets.token_urlsafe(32)` prints for 32 random bytes) or plainly not random; without a key a
random one is made for the process, with a warning.
Imports: FastAPI, stdlib, `miner.accounts`, `miner.errors`, `miner.store`, `miner.web.deps`,
`miner.web.rendering`.
"""

from __future__ import annotations

import math
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from miner.accounts import authenticate, end_sessions, is_common
from miner.errors import ConfigError
from miner.store.models import User
from miner.web.deps import DB_SESSION, check_csrf, current_user, remember_login
from miner.web.rendering import render

router = APIRouter(include_in_schema=False)

ACCOUNT_FREE_TRIES = 5  # failures in a row for one user name before it waits
CLIENT_FREE_TRIES = 20  # failures from one address (any user names) before it waits
FIRST_DELAY = 1.0  # seconds, doubling with each further failure
MAX_DELAY = 900.0
FORGET_AFTER = 3600.0  # a count with no failure for this long starts again from 0
MAX_TRACKED = 10_000  # counts kept per kind; the longest quiet go first
MAX_HASHES = 2  # passwords checked at once
HASH_WAIT = 1.0  # seconds a login waits for a free slot before a 503

MIN_KEY = 43
MAKE_KEY = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'


def safe_next(target: str | None) -> str:
    """A local path to go to after a form, never another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@dataclass
class _Count:
    failures: int = 0
    last: float = 0.0  # when the last failure was
    until: float = 0.0  # tries are refused before this


class Backoff:
    """Failures per key (a user name or a client address), and until when each key must wait."""

    def __init__(self, free_tries: int, clock: Callable[[], float]):
        self.free_tries, self.clock = free_tries, clock
        self._counts: OrderedDict[str, _Count] = OrderedDict()

    def wait(self, key: str) -> float:
        """Seconds before `key` may try again (0: now)."""
        count = self._current(key)
        return max(0.0, count.until - self.clock()) if count is not None else 0.0

    def failed(self, key: str) -> None:
        now = self.clock()
        count = self._current(key) or _Count()
        count.failures, count.last = count.failures + 1, now
        beyond = count.failures - self.free_tries
        if beyond >= 0:
            count.until = now + min(FIRST_DELAY * 2 ** min(beyond, 30), MAX_DELAY)
        self._counts[key] = count
        self._counts.move_to_end(key)
        while len(self._counts) > MAX_TRACKED:
            self._counts.popitem(last=False)

    def succeeded(self, key: str) -> None:
        self._counts.pop(key, None)

    def _current(self, key: str) -> _Count | None:
        count = self._counts.get(key)
        if count is not None and self.clock() - count.last > FORGET_AFTER:
            del self._counts[key]
            return None
        return count


class LoginGuard:
    """The throttle of one server process: backoff per user name and per client address, and a
    bound on the passwords checked at once (`in_flight` now, `peak` the most there ever were)."""

    def __init__(
        self, clock: Callable[[], float] = time.monotonic, max_hashes: int = MAX_HASHES, hash_wait: float = HASH_WAIT
    ):
        self.accounts = Backoff(ACCOUNT_FREE_TRIES, clock)
        self.clients = Backoff(CLIENT_FREE_TRIES, clock)
        self.hash_wait = hash_wait
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(max_hashes)
        self.in_flight = self.peak = 0

    def wait(self, name: str, client: str) -> int:
        """Whole seconds before this user name, from this address, may try (0: now)."""
        with self._lock:
            return math.ceil(max(self.accounts.wait(_account(name)), self.clients.wait(client)))

    def failed(self, name: str, client: str) -> None:
        with self._lock:
            self.accounts.failed(_account(name))
            self.clients.failed(client)

    def succeeded(self, name: str) -> None:
        with self._lock:
            self.accounts.succeeded(_account(name))

    @contextmanager
    def hashing(self) -> Iterator[bool]:
        """A slot to check a password in: True once one is free, False if none freed in time."""
        if not self._slots.acquire(timeout=self.hash_wait):
            yield False
            return
        with self._lock:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        try:
            yield True
        finally:
            with self._lock:
                self.in_flight -= 1
            self._slots.release()


def _account(name: str) -> str:
    """The count's key for a user name: names ignore case and have at most 64 characters (a
    longer one is nobody's, and must not cost more memory)."""
    return name.lower()[:64]


def session_key(configured: str, warn: Callable[[str], None]) -> str:
    """The key that signs session cookies: the configured one if strong enough, else a ConfigError;
    without one, a random key for this process (logins end with it)."""
    if not configured:
        warn("no MINER_WEB_SECRET_KEY set: a random session key is used, logins end when the server stops")
        return secrets.token_urlsafe(32)
    problem = key_weakness(configured)
    if problem:
        raise ConfigError(f"MINER_WEB_SECRET_KEY is too weak to sign sessions ({problem}); make one with {MAKE_KEY}")
    return configured


def key_weakness(key: str) -> str | None:
    """Why `key` cannot be 32 random bytes, or None when it may be."""
    if len(key) < MIN_KEY:
        return f"{len(key)} characters, fewer than {MIN_KEY}"
    if len(set(key)) < 12:
        return "too few different characters"
    if any(key == (key[:size] * (len(key) // size + 1))[: len(key)] for size in range(1, len(key) // 2 + 1)):
        return "one piece repeated"
    if is_common(key):
        return "a common password"
    return None


def client_address(request: Request) -> str:
    """The client's address (uvicorn puts a trusted proxy's X-Forwarded-For here)."""
    return request.client.host if request.client else "unknown"


@router.get("/login")
def login_form(request: Request, next: str = "/", user: User | None = Depends(current_user)):
    return render(request, "login.html", {"next": safe_next(next), "error": None, "username": ""})


@router.post("/login", dependencies=[Depends(check_csrf)])
def login(
    request: Request,
    username: str = Form(...),
    password: str = Form(...),
    next: str = Form("/"),
    session: Session = DB_SESSION,
):
    guard: LoginGuard = request.app.state.login_guard
    name, client = username.strip(), client_address(request)
    form = {"next": safe_next(next), "username": username}
    if wait := guard.wait(name, client):
        return _throttled(request, form, wait)
    with guard.hashing() as ready:
        if not ready:
            return _login_page(
                request, form, "Too many logins are being checked at once: try again in a moment.", 503, retry_after=1
            )
        if wait := guard.wait(name, client):  # tries that ran meanwhile may have failed
            return _throttled(request, form, wait)
        user = authenticate(session, name, password)
    if user is None:
        guard.failed(name, client)
        return _login_page(request, form, "Wrong user name or password.", 401)
    guard.succeeded(name)
    remember_login(request, user)
    return RedirectResponse(form["next"], status_code=303)


def _throttled(request: Request, form: dict, wait: int):
    return _login_page(request, form, f"Too many failed logins: try again in {wait} s.", 429, retry_after=wait)


def _login_page(request: Request, form: dict, error: str, status: int, retry_after: int | None = None):
    request.state.user = None
    response = render(request, "login.html", {**form, "error": error}, status_code=status)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


@router.post("/logout", dependencies=[Depends(check_csrf)])
def logout(request: Request, session: Session = DB_SESSION, user: User | None = Depends(current_user)):
    """Ends this session and every other of the account (a copied cookie too)."""
    if user is not None:
        end_sessions(user)
    request.session.clear()
    return RedirectResponse("/", status_code=303)
