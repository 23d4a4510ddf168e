"""Workbench accounts: create, list, change role, check a password, end an account's sessions.

Passwords are hashed with Argon2id (argon2-cffi's defaults); a hash made with older parameters
is upgraded on the next successful login. A password has at least 10 characters, is not only
spaces, does not contain the user name and is not one of the 10,000 most common passwords
(`miner/data/common_passwords.txt`), even with digits or symbols around it. User names are unique
whatever their case ("Alice" is "alice"), and logging in takes either. Roles: reader (browse),
curator (verdicts and conflict statuses), admin (also accounts). Each account has a session
generation that every session carries: logging out, a new password, a new role and disabling
bump it, which ends every session made before. Every change is an audit event.
Imports: SQLAlchemy, argon2, stdlib, `miner.errors`, `miner.resources`, `miner.store`.
"""

from __future__ import annotations

import re
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from miner.errors import InvalidValue, NotFound
from miner.resources import package_path
from miner.store.models import AuditEvent, User

ROLES = ("reader", "curator", "admin")
_HASHER = PasswordHasher()
_NAME = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")
MIN_PASSWORD = 10
RESERVED = {"system", "cli"}  # actors the audit trail uses for the machine itself
COMMON_PASSWORDS = "common_passwords.txt"  # in miner/data/
_DECORATION = re.compile(r"^[\W\d_]+|[\W\d_]+$")  # digits and symbols around a word


def can_write(user: User | None) -> bool:
    return user is not None and not user.disabled and user.role in ("curator", "admin")


def create_user(session: Session, username: str, role: str, password: str, actor: str = "cli") -> User:
    if not _NAME.match(username):
        raise InvalidValue("user names are 2–64 letters, digits or _ . @ -")
    if username.lower() in RESERVED:
        raise InvalidValue(f"{username!r} is reserved for the system's own entries in the audit trail")
    if role not in ROLES:
        raise InvalidValue(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    check_password(password, username)
    existing = _named(session, username)
    if existing is not None:
        raise InvalidValue(f"user {existing.username} exists already (user names ignore case)")
    user = User(username=username, role=role, password_hash=_HASHER.hash(password), session_generation=0)
    session.add(user)
    session.add(
        AuditEvent(actor=actor, action="user_added", target=f"user {username}", before=None, after={"role": role})
    )
    session.flush()
    return user


def set_role(session: Session, username: str, role: str, actor: str = "cli") -> User:
    if role not in ROLES:
        raise InvalidValue(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    user = find_user(session, username)
    session.add(
        AuditEvent(
            actor=actor,
            action="user_role",
            target=f"user {user.username}",
            before={"role": user.role},
            after={"role": role},
        )
    )
    user.role = role
    end_sessions(user)
    return user


def set_password(session: Session, username: str, password: str, actor: str = "cli") -> User:
    user = find_user(session, username)
    check_password(password, user.username)
    user.password_hash = _HASHER.hash(password)
    end_sessions(user)
    session.add(
        AuditEvent(actor=actor, action="user_password", target=f"user {user.username}", before=None, after=None)
    )
    return user


def disable_user(session: Session, username: str, actor: str = "cli") -> User:
    user = find_user(session, username)
    session.add(
        AuditEvent(
            actor=actor,
            action="user_disabled",
            target=f"user {user.username}",
            before={"disabled": user.disabled},
            after={"disabled": True},
        )
    )
    user.disabled = True
    end_sessions(user)
    return user


def end_sessions(user: User) -> None:
    """Every session made for `user` so far stops counting as a login (they carry the old number)."""
    user.session_generation = (user.session_generation or 0) + 1


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def check_password(password: str, username: str) -> None:
    """Refuse, in one line, a password that is short, blank, holds the user name or is common."""
    if len(password) < MIN_PASSWORD:
        raise InvalidValue(f"passwords have at least {MIN_PASSWORD} characters")
    if not password.strip():
        raise InvalidValue("a password cannot be only spaces")
    if username.lower() in password.lower():
        raise InvalidValue("a password must not contain the user name")
    if _repeats(password.lower()):
        raise InvalidValue("a password cannot be a few characters said again and again")
    if is_common(password):
        raise InvalidValue(
            "that password is one of the most common ones (perhaps with digits or symbols added): choose another"
        )


def is_common(password: str) -> bool:
    """One of the common passwords, alone or with digits or symbols around it ("Monkey-2024!")."""
    lowered = password.lower()
    return lowered in common_passwords() or _DECORATION.sub("", lowered) in common_passwords()


def _repeats(text: str) -> bool:
    """Made of one piece of at most 4 characters said again and again ("abcabcabcabc")."""
    return any(len(text) % size == 0 and text == text[:size] * (len(text) // size) for size in range(1, 5))


@cache
def common_passwords() -> frozenset[str]:
    lines = package_path("data", COMMON_PASSWORDS).read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("# "))


def find_user(session: Session, username: str) -> User:
    user = _named(session, username)
    if user is None:
        raise NotFound(f"no user {username}")
    return user


def _named(session: Session, username: str) -> User | None:
    """The account of that name, whatever the case of either."""
    return session.scalars(select(User).where(func.lower(User.username) == username.lower())).first()


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The user if the password is right and the account enabled, else None (same work either way)."""
    user = _named(session, username)
    stored = user.password_hash if user is not None else _DUMMY
    try:
        _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or user.disabled:
        return None
    if _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = _HASHER.hash(password)
    return user


_DUMMY = _HASHER.hash("a password nobody has")
