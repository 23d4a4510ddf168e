"""The main job: PubMed records in, relations stored, one ingest run recorded.

Records stream from the parser in batches; each batch is one transaction (articles replaced
with their relations, deletions applied, problems logged, run counters moved), so a crash or
kill loses at most the batch in flight and a re-run redoes it without duplicates. An article
whose content and pipeline version are unchanged is neither re-extracted nor rewritten, which
makes re-running the same input cheap and harmless. `reextract` re-runs a new pipeline
version over stored articles.
Conflicts are refreshed in the same transaction for every taxon–disorder key the batch touched.
Imports: stdlib, SQLAlchemy, `miner.records`, `miner.parse`, `miner.extract`, `miner.store`,
`miner.conflicts`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import islice
from typing import Callable, Iterable, Iterator

from sqlalchemy import func, or_, select, update

from miner import records
from miner.conflicts import affected_keys, refresh
from miner.extract import Extractor
from miner.parse import read_records
from miner.store import Database
from miner.store.models import Article, IngestProblem, IngestRun, utcnow
from miner.store.writer import article_record, content_hash, delete_articles, known_versions, save_article

Progress = Callable[[int], None]


@dataclass
class RunSummary:
    run_id: int
    kind: str
    read: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    skipped: int = 0
    problems: list[records.Problem] = field(default_factory=list)
    relations: int = 0
    status: str = "running"

    def line(self) -> str:
        return (
            f"{self.kind} run {self.run_id}: {self.read} records read, {self.new} new, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.deleted} deleted, {self.skipped} skipped, "
            f"{len(self.problems)} problems, {self.relations} relations stored"
        )


def ingest(
    database: Database,
    extractor: Extractor,
    sources: Iterable[str],
    *,
    commit_every: int = 200,
    kind: str = "ingest",
    progress: Progress | None = None,
) -> RunSummary:
    """Parse, extract and store every record of `sources` (paths, or "-" for stdin)."""
    sources = list(sources)
    summary = start_run(database, kind, ", ".join(sources), extractor.version)
    try:
        for source in sources:
            reader = read_records(source)
            for batch in _batches(reader, commit_every):
                store_batch(database, extractor, batch, summary, source)
                if progress:
                    progress(len(batch))
            stats = getattr(reader, "stats", None)
            summary.skipped += stats.books_skipped if stats is not None else 0
    except BaseException as exc:
        finish_run(database, summary, "failed" if isinstance(exc, Exception) else "interrupted", str(exc) or type(exc).__name__)
        raise
    finish_run(database, summary, "ok")
    return summary


def reextract(
    database: Database,
    extractor: Extractor,
    *,
    everything: bool = False,
    commit_every: int = 200,
    progress: Progress | None = None,
) -> RunSummary:
    """Re-run extraction over stored articles made by another pipeline version (or all)."""
    summary = start_run(database, "reextract", "database", extractor.version)
    try:
        for batch in _batches(_stored_articles(database, None if everything else extractor.version), commit_every):
            with database.session() as session:
                pmids = [article.pmid for article in batch]
                keys = affected_keys(session, pmids)
                for article, relations in extractor.extract(batch):
                    save_article(session, article, relations, pipeline_version=extractor.version, source="reextract")
                    summary.read += 1
                    summary.updated += 1
                    summary.relations += len(relations)
                session.flush()
                refresh(session, keys | affected_keys(session, pmids))
                _save_counters(session, summary)
            if progress:
                progress(len(batch))
    except BaseException as exc:
        finish_run(database, summary, "failed" if isinstance(exc, Exception) else "interrupted", str(exc) or type(exc).__name__)
        raise
    finish_run(database, summary, "ok")
    return summary


def pending_reextraction(database: Database, version: str) -> int:
    with database.session() as session:
        return session.scalar(
            select(func.count()).select_from(Article).where(or_(Article.pipeline_version.is_(None), Article.pipeline_version != version))
        ) or 0


def _stored_articles(database: Database, skip_version: str | None) -> Iterator[records.Article]:
    """Stored articles in PMID order, read page by page (memory flat however many there are)."""
    last = ""
    while True:
        with database.session() as session:
            query = select(Article).where(Article.pmid > last).order_by(Article.pmid).limit(500)
            if skip_version is not None:
                query = query.where(or_(Article.pipeline_version.is_(None), Article.pipeline_version != skip_version))
            rows = list(session.scalars(query))
            page = [article_record(row) for row in rows]
        if not page:
            return
        yield from page
        last = page[-1].pmid


def _batches(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, max(1, size))):
        yield batch


def store_batch(database: Database, extractor: Extractor, batch: list, summary: RunSummary, source: str) -> None:
    """Store one batch of parsed items (articles, deletions, problems) in one transaction,
    re-extracting only articles whose content or pipeline version changed."""
    articles = [item for item in batch if isinstance(item, records.Article)]
    last_of = {article.pmid: article for article in articles}  # a later copy in the batch supersedes
    digests = {pmid: content_hash(article) for pmid, article in last_of.items()}
    with database.session() as session:
        known = known_versions(session, last_of)
    todo = [a for pmid, a in last_of.items() if known.get(pmid) != (digests[pmid], extractor.version)]
    extracted = {article.pmid: relations for article, relations in extractor.extract(todo)}
    touched = [item.pmid for item in todo] + [pmid for item in batch if isinstance(item, records.Deletion) for pmid in item.pmids]
    with database.session() as session:
        keys = affected_keys(session, touched)
        for item in batch:
            if isinstance(item, records.Problem):
                summary.problems.append(item)
                session.add(
                    IngestProblem(run_id=summary.run_id, source=item.source, pmid=item.pmid, position=item.position, severity=item.severity, message=item.message)
                )
            elif isinstance(item, records.Deletion):
                summary.deleted += delete_articles(session, item.pmids)
            elif isinstance(item, records.Article):
                summary.read += 1
                if last_of.get(item.pmid) is not item:
                    continue
                if item.pmid not in extracted:
                    summary.unchanged += 1
                    continue
                relations = extracted[item.pmid]
                status = save_article(session, item, relations, pipeline_version=extractor.version, source=source, digest=digests[item.pmid])
                setattr(summary, status, getattr(summary, status) + 1)
                summary.relations += len(relations)
        session.flush()
        refresh(session, keys | affected_keys(session, touched))
        _save_counters(session, summary)


def start_run(database: Database, kind: str, sources: str, version: str) -> RunSummary:
    """Open a run row; runs still marked running were killed (one writer at a time)."""
    with database.session() as session:
        session.execute(
            update(IngestRun).where(IngestRun.status == "running").values(status="interrupted", finished_at=utcnow())
        )
        run = IngestRun(kind=kind, sources=sources[:2000], pipeline_version=version, status="running")
        session.add(run)
        session.flush()
        return RunSummary(run_id=run.id, kind=kind)


def _save_counters(session, summary: RunSummary) -> None:
    run = session.get(IngestRun, summary.run_id)
    for name in ("read", "new", "updated", "unchanged", "deleted", "skipped", "relations"):
        setattr(run, name, getattr(summary, name))
    run.problems = len(summary.problems)


def finish_run(database: Database, summary: RunSummary, status: str, error: str | None = None) -> None:
    """Close a run row with its final counters and status."""
    summary.status = status
    with database.session() as session:
        _save_counters(session, summary)
        run = session.get(IngestRun, summary.run_id)
        run.status = status
        run.error = error
        run.finished_at = utcnow()
