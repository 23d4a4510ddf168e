"""Serve an ASGI app to the tests: in process through httpx's ASGI transport (`asgi_client`, and
`Site` for a test that opens several clients; what most web tests use), or in a real uvicorn server
on a free loopback port in a thread of this process (`serve`, for the tests of the server itself
and the browser tests). `make_app` builds the app over a database the way the tests serve it.
Imports: anyio, httpx, uvicorn, `miner.config`, `miner.web`.
"""

from __future__ import annotations

import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import anyio.from_thread
import httpx
import uvicorn

from miner.config import Settings
from miner.store import Database
from miner.web import create_app


def make_app(database: Database, secret_key: str | None = None, **web):
    """The app over `database`: plain-HTTP cookies (not Secure) unless `web` says otherwise, and a
    fresh random session key unless one is given."""
    settings = Settings().replace(
        "web", **{"secure_cookies": False, **web, "secret_key": secret_key or secrets.token_urlsafe(32)}
    )
    return create_app(settings, database)


class _InProcess(httpx.BaseTransport):
    """A synchronous transport that hands each request to the app through httpx.ASGITransport,
    on an event loop of its own thread. The app sees a loopback client, as behind uvicorn; an
    exception in the app is a 500 answer, as a real server sends."""

    def __init__(self, app) -> None:
        self._asgi = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        self._stack = ExitStack()
        self._portal = self._stack.enter_context(anyio.from_thread.start_blocking_portal())

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def call() -> tuple[int, httpx.Headers, bytes]:
            answer = await self._asgi.handle_async_request(request)
            body = b"".join([part async for part in answer.stream])
            return answer.status_code, answer.headers, body

        status, headers, body = self._portal.call(call)
        return httpx.Response(status, headers=headers, stream=httpx.ByteStream(body), request=request)

    def close(self) -> None:
        self._stack.close()


@contextmanager
def asgi_client(app, **client) -> Iterator[httpx.Client]:
    """An httpx client of `app` running in this process (base URL http://testserver unless
    `client` says otherwise; it passes options such as follow_redirects on to httpx.Client)."""
    with httpx.Client(transport=_InProcess(app), **{"base_url": "http://testserver", **client}) as session:
        yield session


class Site:
    """An app over a database, and the in-process clients a test opens on it (closed by `close`)."""

    def __init__(self, app, database: Database) -> None:
        self.app, self.database = app, database
        self._clients = ExitStack()

    def client(self, **options) -> httpx.Client:
        """A new client (its own cookies) of the app; redirects are not followed."""
        return self._clients.enter_context(asgi_client(self.app, **options))

    def close(self) -> None:
        self._clients.close()


@contextmanager
def serve(app) -> Iterator[str]:
    """Yield the server's base URL (http://127.0.0.1:PORT) while it runs."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started:
        if time.time() > deadline or not thread.is_alive():
            raise RuntimeError("the test web server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
