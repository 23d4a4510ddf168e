"""The main job: PubMed records in, relations stored, one ingest run recorded.

Records stream from the parser in batches; each batch is one transaction (articles replaced
with their relations, deletions applied, problems logged, run counters moved), so a crash or
kill loses at most the batch in flight and a re-run redoes it without duplicates. An article
whose content and pipeline version are unchanged is neither re-extracted nor rewritten, which
makes re-running the same input cheap and harmless. `reextract` re-runs a new pipeline
version over stored articles.
Every record stands alone: the parser turns a record it cannot read into a Problem, the
extractor an article it fails on, and a batch whose transaction fails on one record is stored
again item by item, so the record at fault is logged as skipped and the rest go in. Only a
database that cannot be written at all (full, unreachable) stops a run, as one StoreError line.
One run writes at a time: a run holds the database's writer lock (`miner.store.locks`) from
start to finish, and a second run meanwhile stops at once with `Busy`.
Conflicts are refreshed in the same transaction for every taxon–disorder key the batch touched.
Each article re-extracted also gets its study facts (`miner.study_facts`), stored with it.
Imports: stdlib, SQLAlchemy, `miner.records`, `miner.record_checks`, `miner.errors`,
`miner.parse`, `miner.extract`, `miner.study_facts`, `miner.store`, `miner.conflicts`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from itertools import islice

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError

from miner import records
from miner.conflicts import affected_keys, refresh
from miner.errors import MinerError, StoreError
from miner.extract import Extractor, Failed
from miner.parse import read_records
from miner.record_checks import MAX_PMID_DIGITS, clean_text
from miner.store import Database
from miner.store.locks import acquire, beat, new_holder, release
from miner.store.models import Article, IngestProblem, IngestRun, utcnow
from miner.store.writer import article_record, content_hash, delete_articles, known_versions, save_article
from miner.study_facts import StudyFacts, facts_of

Progress = Callable[[int], None]
COUNTERS = ("read", "new", "updated", "unchanged", "deleted", "skipped", "relations")
WRITER_LOCK = "writer"
WRITER_STALE_SECONDS = 900  # a run commits a batch far more often than this


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
    holder: str = ""  # of the writer lock this run holds

    def counters(self) -> tuple:
        """The counters as they are now (to undo a transaction's counting when it rolls back)."""
        return (*(getattr(self, name) for name in COUNTERS), len(self.problems))

    def restore(self, saved: tuple) -> None:
        for name, value in zip(COUNTERS, saved, strict=False):  # `saved` ends with the problem count
            setattr(self, name, value)
        del self.problems[saved[-1] :]

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
        finish_run(
            database, summary, "failed" if isinstance(exc, Exception) else "interrupted", str(exc) or type(exc).__name__
        )
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
            store_batch(database, extractor, batch, summary, "reextract", force=True)
            if progress:
                progress(len(batch))
    except BaseException as exc:
        finish_run(
            database, summary, "failed" if isinstance(exc, Exception) else "interrupted", str(exc) or type(exc).__name__
        )
        raise
    finish_run(database, summary, "ok")
    return summary


def pending_reextraction(database: Database, version: str) -> int:
    with database.session() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(Article)
                .where(or_(Article.pipeline_version.is_(None), Article.pipeline_version != version))
            )
            or 0
        )


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


def store_batch(
    database: Database, extractor: Extractor, batch: list, summary: RunSummary, source: str, *, force: bool = False
) -> None:
    """Store one batch of parsed items (articles, deletions, problems) in one transaction,
    re-extracting only articles whose content or pipeline version changed (all with `force`).

    Each record stands alone: an article the pipeline fails on becomes a skipped Problem; when
    the batch's transaction fails on a record (a value the database refuses, say), the batch is
    stored again one item per transaction and the item that fails becomes a skipped Problem.
    Only a database that cannot be written at all stops the run (StoreError)."""
    articles = [item for item in batch if isinstance(item, records.Article)]
    last_of = {article.pmid: article for article in articles}  # a later copy in the batch supersedes
    digests = {pmid: content_hash(article) for pmid, article in last_of.items()}
    with _writing(database), database.session() as session:
        known = {} if force else known_versions(session, last_of)
    todo = [a for pmid, a in last_of.items() if known.get(pmid) != (digests[pmid], extractor.version)]
    outcome: dict[str, list[records.Relation] | records.Problem] = {}
    for article, found in extractor.extract(todo):
        outcome[article.pmid] = (
            records.Problem(source, found.reason, pmid=article.pmid) if isinstance(found, Failed) else found
        )
    facts = {pmid: facts_of(last_of[pmid]) for pmid, found in outcome.items() if not isinstance(found, records.Problem)}
    plan = _Plan(source, extractor.version, last_of, digests, outcome, facts)
    try:
        _store(database, batch, plan, summary)
    except Exception as exc:
        if not _record_fault(exc):
            raise
        for item in batch:
            _store_alone(database, item, plan, summary)


@dataclass
class _Plan:
    """What one batch's items need to be stored: their source, digests, extraction outcome and
    study facts."""

    source: str
    version: str
    last_of: dict[str, records.Article]
    digests: dict[str, str]
    outcome: dict[str, list[records.Relation] | records.Problem]
    facts: dict[str, StudyFacts]


def _store(database: Database, items: list, plan: _Plan, summary: RunSummary) -> None:
    """Store `items` in one transaction; on failure the summary's counters are as before."""
    before = summary.counters()
    touched = [item.pmid for item in items if isinstance(item, records.Article) and item.pmid in plan.outcome]
    touched += [pmid for item in items if isinstance(item, records.Deletion) for pmid in item.pmids]
    try:
        with _writing(database), database.session() as session:
            keys = affected_keys(session, touched)
            for item in items:
                _store_item(session, item, plan, summary)
            session.flush()
            refresh(session, keys | affected_keys(session, touched))
            _save_counters(session, summary)
    except BaseException:
        summary.restore(before)
        raise


def _store_alone(database: Database, item, plan: _Plan, summary: RunSummary) -> None:
    try:
        _store(database, [item], plan, summary)
    except Exception as exc:
        if not _record_fault(exc):
            raise
        pmid = getattr(item, "pmid", None)
        what = f"{len(item.pmids)} deletions" if isinstance(item, records.Deletion) else "record"
        problem = records.Problem(
            plan.source, f"{what} cannot be stored ({type(exc).__name__}: {_first_line(exc)})", pmid=pmid
        )
        if isinstance(item, records.Article):
            summary.read += 1
            summary.skipped += 1
        _store(database, [problem], plan, summary)


def _store_item(session, item, plan: _Plan, summary: RunSummary) -> None:
    if isinstance(item, records.Problem):
        _add_problem(session, summary, item)
    elif isinstance(item, records.Deletion):
        summary.deleted += delete_articles(session, item.pmids)
    elif isinstance(item, records.Article):
        summary.read += 1
        found = plan.outcome.get(item.pmid)
        if plan.last_of.get(item.pmid) is not item:
            return
        if found is None:
            summary.unchanged += 1
        elif isinstance(found, records.Problem):
            _add_problem(session, summary, found)
            summary.skipped += 1
        else:
            status = save_article(
                session,
                item,
                found,
                pipeline_version=plan.version,
                source=plan.source,
                digest=plan.digests[item.pmid],
                facts=plan.facts[item.pmid],
            )
            setattr(summary, status, getattr(summary, status) + 1)
            summary.relations += len(found)


def _add_problem(session, summary: RunSummary, problem: records.Problem) -> None:
    """Log a problem with the run; its text made storable in every backend (one place)."""
    summary.problems.append(problem)
    pmid = problem.pmid if problem.pmid and len(problem.pmid) <= MAX_PMID_DIGITS else None
    session.add(
        IngestProblem(
            run_id=summary.run_id,
            source=clean_text(problem.source),
            pmid=pmid,
            position=problem.position,
            severity=problem.severity,
            message=clean_text(problem.message),
        )
    )


def _record_fault(exc: BaseException) -> bool:
    """Whether an error is about the records being written (a value refused, a constraint),
    not about the database as a whole (unreachable, locked, full: those stop the run)."""
    return isinstance(exc, Exception) and not isinstance(exc, (OperationalError, InterfaceError, MinerError))


@contextmanager
def _writing(database: Database) -> Iterator[None]:
    """Database failures that stop a run (disk full, connection lost) as one-line StoreErrors."""
    try:
        yield
    except (OperationalError, InterfaceError) as exc:
        raise StoreError(
            f"cannot write to the database ({_first_line(exc)}); batches stored so far are kept, and a rerun resumes"
        ) from exc


def _first_line(exc: BaseException) -> str:
    lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return clean_text(lines[0][:300]) if lines else type(exc).__name__


def start_run(database: Database, kind: str, sources: str, version: str) -> RunSummary:
    """Take the database's writer lock (Busy when another run holds it), then open a run row;
    runs still marked running were killed, since only the lock's holder may be running."""
    holder = new_holder(unique=True)
    with _writing(database):
        acquire(database, WRITER_LOCK, holder, WRITER_STALE_SECONDS, "ingest or harvest run")
        try:
            with database.session() as session:
                session.execute(
                    update(IngestRun)
                    .where(IngestRun.status == "running")
                    .values(status="interrupted", finished_at=utcnow())
                )
                run = IngestRun(
                    kind=kind, sources=clean_text(sources[:2000]), pipeline_version=version, status="running"
                )
                session.add(run)
                session.flush()
                return RunSummary(run_id=run.id, kind=kind, holder=holder)
        except BaseException:
            release(database, WRITER_LOCK, holder)
            raise


def _save_counters(session, summary: RunSummary) -> None:
    run = session.get(IngestRun, summary.run_id)
    for name in COUNTERS:
        setattr(run, name, getattr(summary, name))
    run.problems = len(summary.problems)
    beat(session, WRITER_LOCK, summary.holder)


def finish_run(database: Database, summary: RunSummary, status: str, error: str | None = None) -> None:
    """Close a run row with its final counters and status, and let go of the writer lock. When
    the run failed because the database cannot be written, closing is tried and let go: the
    next run marks the row interrupted."""
    summary.status = status
    try:
        with _writing(database), database.session() as session:
            _save_counters(session, summary)
            run = session.get(IngestRun, summary.run_id)
            if run is None:
                raise StoreError(f"ingest run {summary.run_id} is no longer stored")
            run.status = status
            run.error = clean_text(error) if error else None
            run.finished_at = utcnow()
    except StoreError:
        if status == "ok":
            raise
    finally:
        with suppress(SQLAlchemyError):
            release(database, WRITER_LOCK, summary.holder)
