"""A real SMTP server (aiosmtpd) on a free loopback port, run in a thread of this process, that
keeps every message it accepts; `refuse` makes it answer RCPT TO for a recipient with an error
reply (and `accept_all` undoes that). `closed_port` gives a loopback port nothing listens on, for
a server that is down. Plain SMTP, no AUTH offered (aiosmtpd offers it only over TLS).
Imports: aiosmtpd, stdlib.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class Received:
    """One message as the server took it: the envelope and the bytes after DATA."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.data, policy=policy.default)


class _Handler:
    """aiosmtpd handler hooks: refuse chosen recipients, keep what DATA delivers."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: list[Received] = []
        self.refused: dict[str, str] = {}  # lowercase address → reply

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            reply = self.refused.get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        data = envelope.original_content or envelope.content
        with self.lock:
            self.received.append(Received(envelope.mail_from, tuple(envelope.rcpt_tos), bytes(data)))
        return "250 Message accepted for delivery"


class _Controller(Controller):
    """aiosmtpd's threaded controller, listening on a socket bound beforehand (to port 0), so
    parallel test workers never race for a port."""

    def __init__(self, handler: _Handler, sock: socket.socket):
        super().__init__(handler, hostname="127.0.0.1", port=sock.getsockname()[1], server_hostname="smtp.test")
        self._sock = sock

    def _create_server(self):
        return self.loop.create_server(self._factory_invoker, sock=self._sock)


class SmtpServer:
    """The running server: `host`, `port`, `messages` (a copy of what it accepted so far)."""

    def __init__(self, handler: _Handler, port: int):
        self._handler = handler
        self.host = "127.0.0.1"
        self.port = port

    @property
    def messages(self) -> list[Received]:
        with self._handler.lock:
            return list(self._handler.received)

    def to(self, recipient: str) -> list[Received]:
        return [m for m in self.messages if recipient in m.rcpt_tos]

    def refuse(self, address: str, reply: str = "550 5.1.1 no such user") -> None:
        with self._handler.lock:
            self._handler.refused[address.lower()] = reply

    def accept_all(self) -> None:
        with self._handler.lock:
            self._handler.refused.clear()


@contextmanager
def smtp_server() -> Iterator[SmtpServer]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    handler = _Handler()
    controller = _Controller(handler, sock)
    controller.start()
    try:
        yield SmtpServer(handler, sock.getsockname()[1])
    finally:
        controller.stop()


@contextmanager
def closed_port() -> Iterator[int]:
    """A loopback port held bound but not listening: connecting to it is refused."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()
