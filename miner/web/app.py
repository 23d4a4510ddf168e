"""Build the FastAPI application: settings and database on `app.state`, signed session cookies,
templates, static files, error pages, and the routers of each part.

The session key comes from `[web] secret_key` (MINER_WEB_SECRET_KEY); a weak one stops start-up
(`auth.session_key`); without one a random key is made, so logins last only as long as the
process (a warning says so). Responses to a logged-in session, and the login page, are
`Cache-Control: no-store`.
Imports: FastAPI/Starlette, SQLAlchemy (its DataError), `miner` (version), `miner.config`, `miner.errors`,
`miner.store`, `miner.web.*`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from miner import __version__
from miner.config import Settings
from miner.errors import MinerError
from miner.store import Database
from miner.web import api, auth, curation_pages, digest_pages, profile_pages, search_pages
from miner.web.deps import private
from miner.web.params import BlankQueryValuesAreAbsent
from miner.web.rendering import render

STATIC = Path(__file__).parent / "static"
DOCS_ASSETS = Path(fastapi_offline.__file__).parent / "static"  # Swagger UI, served from here: no CDN
SESSION_COOKIE = "miner_session"


def create_app(settings: Settings, database: Database, warn: Callable[[str], None] = lambda message: None) -> FastAPI:
    app = FastAPI(
        title="miner API",
        version=__version__,
        description=(
            "Taxon–disorder–direction claims extracted from gut–brain PubMed abstracts, "
            "each with its evidence sentence and PMID, read through curators' verdicts. "
            "An empty query value (`?taxon=`) is the same as leaving the parameter out. "
            'Errors are `{"error": {"status", "message"}}`: '
            "400 for a parameter of the wrong type, out of range or meaningless, "
            "404 for an unknown taxon, disorder or article."
        ),
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.settings = settings
    app.state.database = database
    key = auth.session_key(settings.web.secret_key, warn)
    app.state.login_guard = auth.LoginGuard()
    app.add_middleware(
        SessionMiddleware,
        secret_key=key,
        session_cookie=SESSION_COOKIE,
        max_age=settings.web.session_hours * 3600,
        same_site="lax",
        https_only=settings.web.secure_cookies,
    )
    app.middleware("http")(_security_headers)
    app.add_middleware(BlankQueryValuesAreAbsent)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.mount("/docs-assets", StaticFiles(directory=DOCS_ASSETS), name="docs-assets")
    app.include_router(auth.router)
    app.include_router(search_pages.router)
    app.include_router(profile_pages.router)
    app.include_router(curation_pages.router)
    app.include_router(digest_pages.router)
    app.include_router(api.router)
    api.describe(app)
    app.add_api_route("/docs", _docs, include_in_schema=False)
    app.add_api_route(
        "/favicon.ico",
        lambda: FileResponse(DOCS_ASSETS / "favicon.png", media_type="image/png"),
        include_in_schema=False,
    )
    # Starlette types every handler as taking any Exception; each of these is called with its own class only
    app.add_exception_handler(MinerError, _miner_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _invalid_request)  # type: ignore[arg-type]
    app.add_exception_handler(DataError, _unstorable)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected)
    return app


def _docs() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/api/v1/openapi.json",
        title="miner API",
        swagger_js_url="/docs-assets/swagger-ui-bundle.js",
        swagger_css_url="/docs-assets/swagger-ui.css",
        swagger_favicon_url="/docs-assets/favicon.png",
    )


CSP = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'"
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "frame-ancestors 'none'"
)


async def _security_headers(request: Request, call_next):
    response = await call_next(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Content-Security-Policy", DOCS_CSP if request.url.path == "/docs" else CSP)
    if private(request):
        response.headers["Cache-Control"] = "no-store"
    return response


def _error_page(request: Request, status: int, message: str, candidates: list[str] | None = None):
    if request.url.path.startswith("/api/"):
        return api.error_json(status, message, candidates)
    return render(request, "error.html", {"status": status, "message": message}, status_code=status)


async def _miner_error(request: Request, exc: MinerError):
    status = exc.http_status if exc.http_status != 500 else 400
    return _error_page(request, status, str(exc), getattr(exc, "candidates", None))


async def _http_error(request: Request, exc: StarletteHTTPException):
    response = _error_page(request, exc.status_code, str(exc.detail))
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


async def _unexpected(request: Request, exc: Exception):
    """A bug: a 500 in the shape the client expects (the traceback goes to the server's log)."""
    return _error_page(request, 500, "internal error: the server logged it")


async def _invalid_request(request: Request, exc: RequestValidationError):
    """A parameter of the wrong type or out of range: 400, naming the parameter."""
    problems = "; ".join(f"{'.'.join(str(p) for p in error['loc'][1:])}: {error['msg']}" for error in exc.errors())
    return _error_page(request, 400, f"bad request: {problems}")


async def _unstorable(request: Request, exc: DataError):
    """A value the database refuses (out of its range, or text with a NUL): the request's fault."""
    return _error_page(request, 400, "bad request: a value the database cannot hold")
