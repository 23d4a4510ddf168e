"""Request-scoped building blocks every route uses: a database session per request, the logged-in
user, role checks and the CSRF token that every form carries.

Sessions are signed cookies holding the user's id, the account's session generation and a CSRF
token; the user is re-read on each request, and a session whose generation is not the account's
(it was made before a logout, a new password or role, or disabling) is anonymous, so all of
these take effect at once. Anonymous visitors may read; writes need the curator (or admin) role
*and* the session's CSRF token in the form. `private` tells which responses must not be stored
by browsers or proxies (`Cache-Control: no-store`).
Imports: FastAPI/Starlette, `miner.accounts`, `miner.store`.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import Depends, Form, HTTPException, Request
from sqlalchemy.orm import Session

from miner.accounts import can_write
from miner.store.models import User

CSRF_FIELD = "csrf_token"


@dataclass(frozen=True)
class Viewer:
    """Who is looking, detached from the database session (error pages render after it closes)."""

    username: str
    role: str
    disabled: bool = False


def db_session(request: Request) -> Iterator[Session]:
    with request.app.state.database.session() as session:
        yield session


# Committed before the response leaves: a redirect after a write never outruns the commit, and
# a failed commit is an error page, not a success.
DB_SESSION = Depends(db_session, scope="function")


def current_user(request: Request, session: Session = DB_SESSION) -> User | None:
    user_id = request.session.get("user_id")
    user = session.get(User, user_id) if user_id is not None else None
    if user is not None and (user.disabled or request.session.get("generation") != user.session_generation):
        user = None
    if user is None:
        forget_login(request)
    request.state.user = Viewer(user.username, user.role, user.disabled) if user is not None else None
    return user


def remember_login(request: Request, user: User) -> None:
    """A fresh session for `user`: whatever the old one held (a planted CSRF token too) is gone."""
    request.session.clear()
    request.session["user_id"] = user.id
    request.session["generation"] = user.session_generation


def forget_login(request: Request) -> None:
    """The session stays (its CSRF token too) but no longer names anyone."""
    for key in ("user_id", "generation"):
        request.session.pop(key, None)


PUBLIC_PREFIXES = ("/static/", "/docs-assets/")  # the same files for everyone


def private(request: Request) -> bool:
    """Whether a response must not be stored: the login page, and anything a logged-in session
    gets (read after the response, so a login or a logout that just happened counts)."""
    if request.url.path.startswith(PUBLIC_PREFIXES):
        return False
    return request.url.path in ("/login", "/logout") or request.scope.get("session", {}).get("user_id") is not None


def csrf_token(request: Request) -> str:
    """The session's CSRF token (made on first use)."""
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def check_csrf(request: Request, csrf_token: str = Form("")) -> None:
    expected = request.session.get("csrf")
    if not expected or not secrets.compare_digest(expected, csrf_token):
        raise HTTPException(403, "the form's security token is missing or stale: reload the page and try again")


def require_user(user: User | None = Depends(current_user)) -> User:
    if user is None:
        raise HTTPException(401, "log in first", headers={"WWW-Authenticate": 'FormLogin realm="miner"'})
    return user


def require_curator(user: User = Depends(require_user), _: None = Depends(check_csrf)) -> User:
    """A write: the curator or admin role and a valid CSRF token."""
    if not can_write(user):
        raise HTTPException(403, f"{user.username} is a {user.role}; only curators and admins can change the record")
    return user
