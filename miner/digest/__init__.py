"""The weekly digest for practitioners: what the literature of the ISO week just ended says, as
HTML (inline CSS and an inline chart), plain text and Markdown, stored per week, written to
`[digest] out_dir`, sent by SMTP once per week and recipient, and published as an Atom feed by
`miner serve`. `send_weekly_digest` is the scheduler's job.

- `weeks`: ISO weeks; `calendar`: which articles a week's digest speaks of (PubMed's calendar,
  late additions); `content`: what the digest says, as data; `chart`: the PNG and its alt text;
  `render`: the three renderings; `mail`: the message and the SMTP session; `publish`: issues,
  files and deliveries; `feed`: the Atom feed.
Imports: `miner.config`, `miner.errors`, `miner.store`, `miner.digest.*` (whose modules import
`miner.conflicts`, `miner.query`, Jinja2, matplotlib).
"""

from __future__ import annotations

from datetime import datetime

from miner.config import Settings
from miner.digest.publish import deliver, pending_deliveries, publish, write_files
from miner.digest.weeks import Week
from miner.errors import DeliveryError
from miner.store import Database
from miner.store.models import utcnow


def send_weekly_digest(settings: Settings, database: Database, now: datetime | None = None) -> str:
    """Build the digest of the week just ended, write its files and send it to the recipients
    (and retry earlier failures). Raises DeliveryError, after trying everyone, if any send failed."""
    now = now or utcnow()
    week = Week.just_ended(now)
    issue = publish(database, settings, week, now)
    write_files(issue, settings.digest.out_dir)
    line = f"digest {week}: {issue.summary}"
    if not settings.digest.recipients:
        return line + " No recipients set ([digest] recipients)."
    report = deliver(database, settings, week, settings.digest.recipients, now)
    if report.failed:
        raise DeliveryError(f"digest {week}: {report.line()}")
    return f"{line} Mail: {report.line()}."


def retry_failed(settings: Settings, database: Database, now: datetime | None = None) -> str:
    """Send again the deliveries that failed (the scheduler's hourly retry)."""
    report = deliver(database, settings, None, [], now)
    if report.failed:
        raise DeliveryError(f"digest retry: {report.line()}")
    return f"digest retry: {report.line()}"


__all__ = ["pending_deliveries", "retry_failed", "send_weekly_digest"]
