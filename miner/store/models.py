"""SQLAlchemy 2 typed models: articles (with their study facts), taxa, disorders, relations (with
evidence), ingest runs.

The schema itself is created by the Alembic migrations in `db/versions/`; these classes must
match them (a test compares the two). Timestamps are timezone-aware UTC.
Imports: SQLAlchemy and stdlib only.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    Unicode,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeEngine


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC, also on SQLite (which stores no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: miner stores UTC-aware times only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[type, type[TypeEngine[Any]]]] = {datetime: UTCDateTime, dict: JSON, list: JSON}


class ClaimKey:
    """The natural key of a claim: which article says what of which taxon and descriptor, for
    whom. Relations and the verdicts on them share it."""

    pmid: Mapped[str] = mapped_column(ForeignKey("article.pmid", ondelete="CASCADE"), index=True)
    taxon_id: Mapped[int] = mapped_column(ForeignKey("taxon.id"))
    mesh: Mapped[str] = mapped_column(ForeignKey("disorder.mesh"))
    direction: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(16))

    def claim_key(self) -> tuple[str, int, str, str, str]:
        return (self.pmid, self.taxon_id, self.mesh, self.direction, self.subject)


class Article(Base):
    """One PubMed record as last ingested."""

    __tablename__ = "article"
    # the reviews' PMIDs without reading the rows: the consensus keeps reviews apart (miner.query.pairs)
    __table_args__ = (Index("ix_article_review_pmid", "is_review", "pmid"),)

    pmid: Mapped[str] = mapped_column(String(16), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    title: Mapped[str] = mapped_column(Text)
    title_italics: Mapped[list[Any]] = mapped_column(JSON, default=list)
    abstract: Mapped[str] = mapped_column(Text, default="")
    sections: Mapped[list[Any]] = mapped_column(JSON, default=list)
    journal: Mapped[str] = mapped_column(Text, default="")
    year: Mapped[int | None] = mapped_column(Integer, index=True)
    entrez_date: Mapped[datetime | None] = mapped_column(index=True)
    doi: Mapped[str | None] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(16), default="")
    authors: Mapped[list[Any]] = mapped_column(JSON, default=list)
    mesh: Mapped[list[Any]] = mapped_column(JSON, default=list)
    publication_types: Mapped[list[Any]] = mapped_column(JSON, default=list)
    is_review: Mapped[bool] = mapped_column(Boolean, default=False)
    is_retracted: Mapped[bool] = mapped_column(Boolean, default=False)
    # participants of the article's own study as its abstract states them (miner.study_facts), or None
    sample_size: Mapped[int | None] = mapped_column(Integer, index=True)
    cases: Mapped[int | None] = mapped_column(Integer)
    controls: Mapped[int | None] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    pipeline_version: Mapped[str | None] = mapped_column(String(64), index=True)
    source: Mapped[str] = mapped_column(Text, default="")
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    relations: Mapped[list[Relation]] = relationship(
        back_populates="article", cascade="all, delete-orphan", passive_deletes=True
    )


class StudyFact(Base):
    """One list fact of an article's own study (miner.study_facts): its kind ("design", "host",
    "body_site", "method", "country") and value ("case-control", "mouse", "stool", "16S rRNA", "China").
    Replaced with the article; indexed to find the articles with a given fact."""

    __tablename__ = "study_fact"
    __table_args__ = (Index("ix_study_fact_kind_value", "kind", "value", "pmid"),)

    pmid: Mapped[str] = mapped_column(String(16), ForeignKey("article.pmid", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(64), primary_key=True)


class Taxon(Base):
    """A taxon some relation names: an NCBI taxon (`key` "ncbi:<taxid>") or a reference-database
    label without a taxid (`key` "name:<lowercase name>")."""

    __tablename__ = "taxon"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    taxid: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    name: Mapped[str] = mapped_column(String(255), index=True)
    rank: Mapped[str] = mapped_column(String(32), default="")
    parent_taxid: Mapped[int | None] = mapped_column(BigInteger)
    # "/2/1239/186801/.../216851/": ancestors root-first, so descendants are `LIKE '%/<taxid>/%'`
    lineage: Mapped[str] = mapped_column(Text, default="")


class Disorder(Base):
    """A MeSH descriptor of the guidelines' table and its scoring group."""

    __tablename__ = "disorder"

    mesh: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    group: Mapped[str] = mapped_column("disorder_group", String(32), index=True)


class Relation(ClaimKey, Base):
    """One extracted (taxon, disorder, direction, subject) finding of one article, with the
    sentence it came from. Unique per article; re-extraction replaces an article's set."""

    __tablename__ = "relation"
    __table_args__ = (
        UniqueConstraint("pmid", "taxon_id", "mesh", "direction", "subject", name="uq_relation_finding"),
        # covers the pair counts (miner.query.pairs) without reading the table
        Index("ix_relation_pair", "taxon_id", "mesh", "subject", "direction", "pmid", "year"),
        Index("ix_relation_disorder_direction", "mesh", "direction"),
        Index("ix_relation_year_id", "year", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    confidence: Mapped[float] = mapped_column(Float)
    evidence: Mapped[str] = mapped_column(Text)
    sentence_start: Mapped[int] = mapped_column(Integer, default=0)
    section: Mapped[str] = mapped_column(String(64), default="")
    taxon_text: Mapped[str] = mapped_column(String(255), default="")
    taxon_start: Mapped[int] = mapped_column(Integer, default=0)
    taxon_end: Mapped[int] = mapped_column(Integer, default=0)
    disorder_text: Mapped[str] = mapped_column(String(255), default="")
    disorder_start: Mapped[int | None] = mapped_column(Integer)
    disorder_end: Mapped[int | None] = mapped_column(Integer)
    trigger: Mapped[str] = mapped_column(String(255), default="")
    trigger_start: Mapped[int | None] = mapped_column(Integer)
    trigger_end: Mapped[int | None] = mapped_column(Integer)
    pipeline_version: Mapped[str] = mapped_column(String(64))
    # the article's year (0 when unknown), copied so queries filter and sort by it without a join
    year: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    article: Mapped[Article] = relationship(back_populates="relations")
    taxon: Mapped[Taxon] = relationship(lazy="joined")
    disorder: Mapped[Disorder] = relationship(lazy="joined")


class IngestRun(Base):
    """One run of `miner ingest` / `miner reextract` / the demo: what it read and what it changed."""

    __tablename__ = "ingest_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    sources: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="running", index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
    pipeline_version: Mapped[str] = mapped_column(String(64), default="")
    read: Mapped[int] = mapped_column(Integer, default=0)
    new: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    deleted: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    problems: Mapped[int] = mapped_column(Integer, default=0)
    relations: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)


class IngestProblem(Base):
    """A record a run could not use (or used with a warning), kept so nothing is lost silently."""

    __tablename__ = "ingest_problem"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("ingest_run.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(Text, default="")
    pmid: Mapped[str | None] = mapped_column(String(16))
    position: Mapped[int | None] = mapped_column(Integer)
    severity: Mapped[str] = mapped_column(String(16), default="error")
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class HarvestRun(Base):
    """One run of the E-utilities harvester: its window and what it found, fetched and stored."""

    __tablename__ = "harvest_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    query_key: Mapped[str] = mapped_column(String(64), index=True)
    window_start: Mapped[date] = mapped_column(Date)
    window_end: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="running", index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
    found: Mapped[int] = mapped_column(Integer, default=0)
    fetched: Mapped[int] = mapped_column(Integer, default=0)
    new: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    deleted: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    retries: Mapped[int] = mapped_column(Integer, default=0)
    duration_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str | None] = mapped_column(Text)
    ingest_run_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_run.id"))


class Watermark(Base):
    """How far the harvest of one query has stored everything (by Entrez date)."""

    __tablename__ = "harvest_watermark"

    query_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    query: Mapped[str] = mapped_column(Text)
    watermark: Mapped[date] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SchedulerLock(Base):
    """The one scheduler allowed to run against this database, and its last sign of life."""

    __tablename__ = "scheduler_lock"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(255))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(default=utcnow)


class SchedulerJob(Base):
    """APScheduler's SQLAlchemy job store, declared here (as APScheduler 3.11 defines it) so that
    the migrations own every table of the database."""

    __tablename__ = "apscheduler_jobs"

    id: Mapped[str] = mapped_column(Unicode(191), primary_key=True)
    next_run_time: Mapped[float | None] = mapped_column(Float(25), index=True)
    job_state: Mapped[bytes] = mapped_column(LargeBinary)


class JobRun(Base):
    """One execution of a scheduled job (or of the same job run by hand): when and how it ended."""

    __tablename__ = "job_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[str] = mapped_column(String(64), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="running")
    message: Mapped[str] = mapped_column(Text, default="")


class User(Base):
    """A person who uses the workbench: `reader` browses, `curator` gives verdicts and sets
    conflict statuses, `admin` also manages accounts."""

    __tablename__ = "app_user"
    __table_args__ = (Index("ix_app_user_username_lower", text("lower(username)"), unique=True),)  # "Alice" is "alice"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # sessions carry this number; logging out, a new password or role, disabling bump it
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Verdict(ClaimKey, Base):
    """A curator's judgement of one extracted claim, stored beside it, never over it. The claim is
    named by its natural key (article, taxon, descriptor, extracted direction, subject), so a
    re-extraction that yields the same claim keeps the verdict."""

    __tablename__ = "verdict"
    __table_args__ = (UniqueConstraint("pmid", "taxon_id", "mesh", "direction", "subject", name="uq_verdict_claim"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    verdict: Mapped[str] = mapped_column(String(32))
    corrected_direction: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Conflict(Base):
    """A (taxon, disorder group, subject) that papers report in opposite directions, its evidence
    as of the last refresh, and the status curators gave it."""

    __tablename__ = "conflict"
    __table_args__ = (UniqueConstraint("taxon_id", "disorder_group", "subject", name="uq_conflict_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    taxon_id: Mapped[int] = mapped_column(ForeignKey("taxon.id"), index=True)
    disorder_group: Mapped[str] = mapped_column(String(32), index=True)
    subject: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    status_by: Mapped[str] = mapped_column(String(64), default="system")
    status_at: Mapped[datetime] = mapped_column(default=utcnow)
    status_reason: Mapped[str] = mapped_column(Text, default="")
    contradicted: Mapped[bool] = mapped_column(Boolean, default=True)
    meshes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    increased: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{"pmid", "weight", "secondary"}]
    decreased: Mapped[list[Any]] = mapped_column(JSON, default=list)
    unchanged: Mapped[list[Any]] = mapped_column(JSON, default=list)
    papers_increased: Mapped[int] = mapped_column(Integer, default=0)
    papers_decreased: Mapped[int] = mapped_column(Integer, default=0)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class AuditEvent(Base):
    """Every change a person (or the system) made to verdicts, conflicts and accounts."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32), index=True)
    target: Mapped[str] = mapped_column(String(255), index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")


class DigestIssue(Base):
    """The weekly digest of one ISO week as it was built: the three renderings and the chart, so
    the web pages, the feed and any late delivery show exactly what was sent."""

    __tablename__ = "digest_issue"

    week: Mapped[str] = mapped_column(String(8), primary_key=True)  # "2026-W47"
    generated_at: Mapped[datetime] = mapped_column(default=utcnow)
    title: Mapped[str] = mapped_column(String(255))
    summary: Mapped[str] = mapped_column(Text)  # one paragraph, for the feed
    html: Mapped[str] = mapped_column(Text)  # for the web and files: the chart as a file beside it
    email_html: Mapped[str] = mapped_column(Text)  # the chart as an inline cid: image
    text: Mapped[str] = mapped_column(Text)
    markdown: Mapped[str] = mapped_column(Text)
    chart_png: Mapped[bytes] = mapped_column(LargeBinary)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class DigestDelivery(Base):
    """One digest to one recipient: sent once; a failure is kept and tried again by the next run."""

    __tablename__ = "digest_delivery"
    __table_args__ = (UniqueConstraint("week", "recipient", name="uq_digest_delivery"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    week: Mapped[str] = mapped_column(ForeignKey("digest_issue.week", ondelete="CASCADE"), index=True)
    recipient: Mapped[str] = mapped_column(String(320))
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)  # pending, sent, failed, cancelled
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    message_id: Mapped[str] = mapped_column(String(255), default="")
    sent_at: Mapped[datetime | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
