"""Workbench accounts: create, list, change role, check a password.

Passwords are hashed with Argon2id (argon2-cffi's defaults); a hash made with older parameters
is upgraded on the next successful login. Roles: reader (browse), curator (verdicts and conflict
statuses), admin (also accounts). Every change is an audit event.
Imports: SQLAlchemy, argon2, `miner.errors`, `miner.store`.
"""
from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from miner.errors import InvalidValue, NotFound
from miner.store.models import AuditEvent, User

ROLES = ("reader", "curator", "admin")
_HASHER = PasswordHasher()
_NAME = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")
MIN_PASSWORD = 10
RESERVED = {"system", "cli"}  # actors the audit trail uses for the machine itself


def can_write(user: User | None) -> bool:
    return user is not None and not user.disabled and user.role in ("curator", "admin")


def create_user(session: Session, username: str, role: str, password: str, actor: str = "cli") -> User:
    if not _NAME.match(username):
        raise InvalidValue("user names are 2–64 letters, digits or _ . @ -")
    if username.lower() in RESERVED:
        raise InvalidValue(f"{username!r} is reserved for the system's own entries in the audit trail")
    if role not in ROLES:
        raise InvalidValue(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    _check_password(password)
    if session.scalars(select(User).where(User.username == username)).first() is not None:
        raise InvalidValue(f"user {username} exists already")
    user = User(username=username, role=role, password_hash=_HASHER.hash(password))
    session.add(user)
    session.add(AuditEvent(actor=actor, action="user_added", target=f"user {username}", before=None, after={"role": role}))
    session.flush()
    return user


def set_role(session: Session, username: str, role: str, actor: str = "cli") -> User:
    if role not in ROLES:
        raise InvalidValue(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    user = find_user(session, username)
    session.add(AuditEvent(actor=actor, action="user_role", target=f"user {username}", before={"role": user.role}, after={"role": role}))
    user.role = role
    return user


def set_password(session: Session, username: str, password: str, actor: str = "cli") -> User:
    _check_password(password)
    user = find_user(session, username)
    user.password_hash = _HASHER.hash(password)
    session.add(AuditEvent(actor=actor, action="user_password", target=f"user {username}", before=None, after=None))
    return user


def disable_user(session: Session, username: str, actor: str = "cli") -> User:
    user = find_user(session, username)
    session.add(AuditEvent(actor=actor, action="user_disabled", target=f"user {username}", before={"disabled": user.disabled}, after={"disabled": True}))
    user.disabled = True
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidValue(f"passwords have at least {MIN_PASSWORD} characters")


def find_user(session: Session, username: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise NotFound(f"no user {username}")
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The user if the password is right and the account enabled, else None (same work either way)."""
    user = session.scalars(select(User).where(User.username == username)).first()
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
