"""The weekly digest for practitioners: built from query results, rendered as HTML, text and an
Atom feed, sent by SMTP once per week and recipient. Public surface: `send_weekly_digest`.
Imports: config, query, store (and the standard library's email and smtplib)."""
from __future__ import annotations

from miner.config import Settings
from miner.store import Database


def send_weekly_digest(settings: Settings, database: Database) -> str:
    """Build and send the digest of the ISO week just ended (filled in by the digest issue)."""
    return "weekly digest not built yet"
