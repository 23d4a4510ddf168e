"""Log in and out of the workbench.

A login checks the password (Argon2), then starts a fresh session: the old session's contents,
CSRF token included, are dropped, so a token planted before login is worthless after it. The
login form itself carries a CSRF token too. `next` only ever redirects within this site.
Imports: FastAPI, `miner.accounts`, `miner.web.deps`, `miner.web.rendering`.
"""
from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from miner.accounts import authenticate
from miner.store.models import User
from miner.web.deps import DB_SESSION, check_csrf, current_user
from miner.web.rendering import render

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    """A local path to go to after a form, never another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


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
    user = authenticate(session, username.strip(), password)
    if user is None:
        request.state.user = None
        return render(request, "login.html", {"next": safe_next(next), "error": "Wrong user name or password.", "username": username}, status_code=401)
    request.session.clear()
    request.session["user_id"] = user.id
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout", dependencies=[Depends(check_csrf)])
def logout(request: Request):
    request.session.clear()
    return RedirectResponse("/", status_code=303)
