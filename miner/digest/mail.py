"""Compose the digest e-mail and hand it to an SMTP server.

The message is multipart: plain text and HTML alternatives, the chart inline in the HTML (cid:)
and attached too, so it reads in any mail client, with or without images. The SMTP connection
follows `[smtp]`: STARTTLS, SSL or none; a login when a user name is set, with the password from
MINER_SMTP_PASSWORD only. The password is never part of a message or a log line. A login over a
connection with neither STARTTLS nor SSL sends it readable on the wire: the "miner.digest" log
warns of that once per process and server (the login still happens).
Imports: stdlib (email, logging, smtplib, ssl, threading), `miner.config`.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from miner.config import SmtpSettings

CHART_CID = "chart@miner"
log = logging.getLogger("miner.digest")
_warned: set[tuple[str, int, str]] = set()  # (host, port, user name) already warned of
_warned_lock = threading.Lock()


def compose(*, sender: str, recipient: str, subject: str, text: str, html: str, png: bytes, week: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = recipient
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(idstring=f"digest-{week}", domain=sender.rpartition("@")[2] or "miner.local")
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    html_part = list(message.iter_parts())[1]  # the alternatives just added: text, then HTML
    html_part.add_related(
        png, maintype="image", subtype="png", cid=f"<{CHART_CID}>", disposition="inline", filename=f"digest-{week}.png"
    )
    message.add_attachment(png, maintype="image", subtype="png", filename=f"digest-{week}.png")
    return message


class Mailer:
    """One SMTP session for a run's messages (opened on first use, closed by `close`)."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def send(self, message: EmailMessage) -> None:
        smtp = self._connect()
        refused = smtp.send_message(message)
        if refused:
            raise smtplib.SMTPRecipientsRefused(refused)

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None

    def reset(self) -> None:
        """After a failure: drop the session so the next message opens a fresh one."""
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None

    def _connect(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        s = self.settings
        if s.security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                s.host, s.port, timeout=s.timeout_seconds, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout_seconds)
            if s.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
        if s.username:
            if s.security == "none":
                warn_cleartext_login(s)
            smtp.login(s.username, s.password)
        self._smtp = smtp
        return smtp


def warn_cleartext_login(settings: SmtpSettings) -> None:
    """Warn (once per process and server) that the SMTP login goes out without TLS."""
    key = (settings.host, settings.port, settings.username)
    with _warned_lock:
        if key in _warned:
            return
        _warned.add(key)
    log.warning(
        "SMTP login as %s to %s:%d without TLS ([smtp] security = none): the password crosses the network readable; "
        "use security = starttls or ssl",
        settings.username,
        settings.host,
        settings.port,
    )
