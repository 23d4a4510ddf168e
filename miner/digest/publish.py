"""Make a week's digest an issue (stored, written to files) and deliver it to each recipient once.

`publish` builds the digest of a week, renders it and stores it as a `DigestIssue`; an issue
already sent to anyone is kept as it was sent. `write_files` puts digest-YYYY-Www.html (with its
chart beside it), .txt, .md and .png in a folder. `deliver` sends every pending or failed delivery
(this week's recipients, and earlier weeks' failures that are less than four weeks old) through
one SMTP session, recording each result as it goes: a recipient who got a week's digest never
gets it again, and a failure is tried again by the next run (the hourly retry job, or the next
weekly one), up to MAX_ATTEMPTS times.
Imports: SQLAlchemy, stdlib, `miner.config`, `miner.errors`, `miner.store`, `miner.digest.*`.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Select, func, select

from miner.config import Settings
from miner.digest.chart import chart_png
from miner.digest.content import build_digest
from miner.digest.mail import CHART_CID, Mailer, compose
from miner.digest.render import render
from miner.digest.weeks import Week
from miner.errors import StoreError
from miner.store import Database
from miner.store.models import DigestDelivery, DigestIssue, utcnow

MAX_ATTEMPTS = 8
RETRY_WEEKS = 4


def image_name(week: str) -> str:
    return f"digest-{week}.png"


def publish(
    database: Database, settings: Settings, week: Week, now: datetime | None = None, *, rebuild: bool = False
) -> DigestIssue:
    """The stored issue of `week`, built now unless it exists (and, with `rebuild`, was never sent)."""
    now = now or utcnow()
    with database.session() as session:
        issue = session.get(DigestIssue, str(week))
        sent = session.scalar(
            select(DigestDelivery.id).where(DigestDelivery.week == str(week), DigestDelivery.status == "sent").limit(1)
        )
        if issue is not None and (not rebuild or sent is not None):
            session.expunge(issue)
            return issue
        digest = build_digest(session, week, settings.digest.public_url, now)
        web = render(digest, image_name(str(week)))
        mail = render(digest, f"cid:{CHART_CID}")
        if issue is None:
            issue = DigestIssue(week=str(week))
            session.add(issue)
        issue.generated_at, issue.title, issue.summary = now, digest.title, digest.summary
        issue.html, issue.email_html, issue.text, issue.markdown = web.html, mail.html, web.text, web.markdown
        issue.chart_png = chart_png(digest.chart_weeks, digest.chart_series)
        issue.figures = digest.numbers
        session.flush()
        session.expunge(issue)
    return issue


def write_files(issue: DigestIssue, folder: str | Path) -> list[Path]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / f"digest-{issue.week}"
    written = [
        stem.with_suffix(".html"),
        stem.with_suffix(".txt"),
        stem.with_suffix(".md"),
        folder / image_name(issue.week),
    ]
    written[0].write_text(issue.html, encoding="utf-8")
    written[1].write_text(issue.text, encoding="utf-8")
    written[2].write_text(issue.markdown, encoding="utf-8")
    written[3].write_bytes(issue.chart_png)
    return written


@dataclass
class DeliveryReport:
    sent: list[tuple[str, str]] = field(default_factory=list)  # (week, recipient)
    failed: list[tuple[str, str, str]] = field(default_factory=list)  # (week, recipient, error)
    skipped: int = 0  # already sent before

    def line(self) -> str:
        text = f"{len(self.sent)} sent, {len(self.failed)} failed, {self.skipped} sent before"
        if self.failed:
            text += ": " + "; ".join(f"{recipient} ({week}): {error}" for week, recipient, error in self.failed[:5])
        return text


def pending_deliveries(database: Database, now: datetime | None = None) -> int:
    """Deliveries waiting to be (re)sent: pending or failed, recent, not given up."""
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(_retryable(now or utcnow()).subquery())) or 0


def _retryable(now: datetime) -> Select[DigestDelivery]:
    oldest = str(Week.containing(now - timedelta(weeks=RETRY_WEEKS)))
    return select(DigestDelivery).where(
        DigestDelivery.status.in_(("pending", "failed")),
        DigestDelivery.attempts < MAX_ATTEMPTS,
        DigestDelivery.week >= oldest,
    )


def deliver(
    database: Database, settings: Settings, week: Week | None, recipients: list[str], now: datetime | None = None
) -> DeliveryReport:
    """Send `week`'s digest to `recipients` (each once), and every retryable earlier failure;
    with `week` None, only the failures."""
    now = now or utcnow()
    report = DeliveryReport()
    with database.session() as session:
        known = (
            {
                row.recipient: row
                for row in session.scalars(select(DigestDelivery).where(DigestDelivery.week == str(week)))
            }
            if week
            else {}
        )
        for recipient in dict.fromkeys(r.strip() for r in recipients if r.strip()) if week else ():
            if recipient not in known:
                session.add(DigestDelivery(week=str(week), recipient=recipient, status="pending", updated_at=now))
            elif known[recipient].status == "sent":
                report.skipped += 1
    current = set(settings.digest.recipients) | set(recipients)
    with database.session() as session:
        todo = []
        for row in session.scalars(_retryable(now).order_by(DigestDelivery.week, DigestDelivery.id)):
            if row.recipient in current:
                todo.append((row.id, row.week, row.recipient))
            else:  # no longer a recipient: give it up rather than mail someone who left the list
                row.status, row.updated_at = "cancelled", now
    mailer = Mailer(settings.smtp)
    issues: dict[str, DigestIssue] = {}
    try:
        for delivery_id, issue_week, recipient in todo:
            if issue_week not in issues:
                with database.session() as session:
                    found = session.get(DigestIssue, issue_week)
                    if found is None:  # deliveries cascade with their issue: only a damaged database gets here
                        raise StoreError(f"digest delivery {delivery_id}: no issue {issue_week} is stored")
                    session.expunge(found)
                    issues[issue_week] = found
            issue = issues[issue_week]
            message = compose(
                sender=settings.smtp.sender,
                recipient=recipient,
                subject=issue.title,
                text=issue.text,
                html=issue.email_html,
                png=issue.chart_png,
                week=issue.week,
            )
            try:
                mailer.send(message)
            except (smtplib.SMTPException, OSError) as exc:
                mailer.reset()
                error = _describe(exc)
                _record(database, delivery_id, "failed", error, "")
                report.failed.append((issue_week, recipient, error))
                continue
            _record(database, delivery_id, "sent", "", message["Message-ID"])
            report.sent.append((issue_week, recipient))
    finally:
        mailer.close()
    return report


def _record(database: Database, delivery_id: int, status: str, error: str, message_id: str) -> None:
    with database.session() as session:
        row = session.get(DigestDelivery, delivery_id)
        if row is None:  # deleted with its issue while it was being sent
            raise StoreError(f"digest delivery {delivery_id} is no longer stored")
        row.status, row.last_error, row.message_id = status, error[:2000], message_id
        row.attempts += 1
        row.updated_at = utcnow()
        if status == "sent":
            row.sent_at = row.updated_at


def _describe(exc: BaseException) -> str:
    """One line about a failed send; SMTP replies are bytes, and never hold the password."""
    if isinstance(exc, smtplib.SMTPResponseException):
        reply = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"SMTP {exc.smtp_code}: {reply}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "recipient refused: " + ", ".join(
            f"{r} (SMTP {code}: {reply.decode('utf-8', 'replace') if isinstance(reply, bytes) else reply})"
            for r, (code, reply) in exc.recipients.items()
        )
    return f"{type(exc).__name__}: {exc}"
