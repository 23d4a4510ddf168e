"""One harvest run: search PubMed window by window, fetch every record, store it, move the
watermark.

A plain run searches from the query's watermark minus an overlap (or `initial_days` back on the
first run) to today by Entrez date, then sweeps the records modified in the same window
(`datetype=mdat`) for corrections and new MeSH indexing. `since`/`until` harvest an explicit
range. Records are fetched from the history server in batches; PMIDs the search listed but the
fetch did not return are fetched again by id; what still lacks is counted as failed. Each batch
is stored in one transaction by the ingest job's own code, and the watermark moves only past
windows whose every record is stored, in date order: a run killed at any point is resumed by the
next without loss, and re-stored records are recognised as unchanged, so nothing is duplicated.
Fetching runs in a thread of its own, a few batches ahead of storing, so the requests go out at
the rate NCBI allows while the main thread extracts and stores (the only thread that touches the
database and the pipeline). A failure is recorded (harvest_run and ingest_run `error`) with the
client's secrets redacted, and an efetch answer `miner.parse` cannot open is a HarvestError.
Imports: stdlib, SQLAlchemy, `miner.errors`, `miner.records`, `miner.parse`, `miner.ingest`,
`miner.store`, `miner.extract`, `miner.harvest.{client,windows}`.
"""

from __future__ import annotations

import hashlib
import io
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from miner import records
from miner.errors import HarvestError, ParseError, StoreError
from miner.extract import Extractor
from miner.harvest.client import EutilsClient
from miner.harvest.windows import Window, windows
from miner.ingest import RunSummary, finish_run, start_run, store_batch
from miner.parse import read_pubmed
from miner.store import Database
from miner.store.models import HarvestRun, IngestProblem, Watermark, utcnow

Progress = Callable[[int], None]
Item = records.Article | records.Deletion | records.Problem  # what `miner.parse` reads from an efetch answer
REFETCH_CHUNK = 200


def query_key(query: str) -> str:
    return hashlib.sha256(" ".join(query.split()).encode()).hexdigest()[:32]


@dataclass
class HarvestSummary:
    run_id: int
    start: date
    end: date
    found: int = 0
    fetched: int = 0
    failed: int = 0
    requests: int = 0
    retries: int = 0
    seconds: float = 0.0
    status: str = "running"
    stored: RunSummary | None = None
    watermark: date | None = None
    lacking: set[str] = field(default_factory=set)  # PMIDs no fetch returned (counted once)

    def line(self) -> str:
        stored = self.stored
        return (
            f"harvest run {self.run_id} {self.start}..{self.end}: {self.found} found, {self.fetched} fetched, "
            f"{stored.new if stored else 0} new, {stored.updated if stored else 0} updated, {self.failed} failed; "
            f"{self.requests} requests, {self.retries} retries, {self.seconds:.1f} s; "
            f"watermark {self.watermark or 'none'}"
        )


@dataclass(frozen=True)
class HarvestPlan:
    query: str
    overlap_days: int = 3
    initial_days: int = 30
    sweep_modified: bool = True
    batch_size: int = 200


# What the fetching thread hands the storing one, per window in order: the window was searched,
# then a batch of parsed records per efetch answer, then the window is done.
@dataclass(frozen=True)
class _Searched:
    window: Window


@dataclass(frozen=True)
class _Records:
    window: Window
    items: list[Item]


@dataclass(frozen=True)
class _Done:
    window: Window
    missing: list[str]  # the PMIDs the search named and no fetch returned


@dataclass(frozen=True)
class _Failed:
    error: BaseException  # raised in the storing thread


Fetched = _Searched | _Records | _Done


def harvest(
    database: Database,
    extractor: Extractor,
    client: EutilsClient,
    plan: HarvestPlan,
    *,
    since: date | None = None,
    until: date | None = None,
    today: date | None = None,
    progress: Progress | None = None,
) -> HarvestSummary:
    today = today or datetime.now(UTC).date()
    key = query_key(plan.query)
    mark = read_watermark(database, key)
    incremental = since is None
    start = since or ((mark - timedelta(days=plan.overlap_days)) if mark else today - timedelta(days=plan.initial_days))
    end = until or today
    if start > end:
        raise HarvestError(f"nothing to harvest: {start} is after {end}")
    started = time.monotonic()
    requests, retries = client.stats.requests, client.stats.retries
    summary = HarvestSummary(_open_run(database, key, start, end), start, end, watermark=mark)
    stored = summary.stored = start_run(database, "harvest", f"pubmed {start}..{end}", extractor.version)
    try:
        datetypes = ["edat"] + (["mdat"] if incremental and plan.sweep_modified else [])
        complete = dict.fromkeys(datetypes, True)
        for event in _fetched(client, plan, start, end, datetypes):
            window = event.window
            if isinstance(event, _Searched):
                summary.found += window.search.count
            elif isinstance(event, _Records):
                _store(database, extractor, event.items, stored, summary, window, progress)
            else:  # done: the PMIDs the search named and no fetch returned
                missing = event.missing
                _record_missing(database, stored, window, [pmid for pmid in missing if pmid not in summary.lacking])
                summary.lacking.update(missing)
                summary.failed = len(summary.lacking)
                complete[window.datetype] = complete[window.datetype] and not missing
                if window.datetype == "edat" and complete["edat"] and (mark is None or window.end > mark):
                    mark = write_watermark(database, key, plan.query, window.end)
                    summary.watermark = mark
        summary.status = "ok" if not summary.failed else "partial"
    except BaseException as exc:
        summary.status = "failed" if isinstance(exc, Exception) else "interrupted"
        error = client.redact(str(exc) or type(exc).__name__)  # server text may echo a secret
        _close(database, summary, client, requests, retries, started, error)
        finish_run(database, stored, summary.status, error)
        raise
    _close(database, summary, client, requests, retries, started, None)
    finish_run(database, stored, "ok")
    return summary


def _fetched(
    client: EutilsClient, plan: HarvestPlan, start: date, end: date, datetypes: list[str]
) -> Iterator[Fetched]:
    """Each window's events in order, produced by a fetching thread a few batches ahead:
    _Searched(w), then _Records(w, parsed items) per batch, then _Done(w, missing)."""
    ahead: queue.Queue[Fetched | _Failed | None] = queue.Queue(maxsize=4)  # None: the fetching is done
    stop = threading.Event()

    def put(item: Fetched | _Failed | None) -> None:
        while not stop.is_set():
            try:
                ahead.put(item, timeout=0.2)
                return
            except queue.Full:
                continue

    def produce() -> None:
        try:
            for datetype in datetypes:
                for window in windows(client, plan.query, start, end, datetype):
                    if stop.is_set():
                        return
                    put(_Searched(window))
                    put(_Done(window, _fetch_window(client, window, plan.batch_size, put, stop)))
            put(None)
        except BaseException as exc:  # noqa: BLE001  handed to the consumer, raised there
            put(_Failed(exc))

    producer = threading.Thread(target=produce, name="miner-harvest-fetch", daemon=True)
    producer.start()
    try:
        while True:
            event = ahead.get()
            if event is None:
                return
            if isinstance(event, _Failed):
                raise event.error
            yield event
    finally:
        stop.set()
        producer.join(timeout=30)


def _fetch_window(
    client: EutilsClient, window: Window, batch_size: int, put: Callable[[_Records], None], stop: threading.Event
) -> list[str]:
    """Fetch every record of one window (by history, then the missing ones by id); returns the
    PMIDs still missing."""
    source = _source(window)
    seen: set[str] = set()

    def parsed(body: bytes) -> None:
        try:
            items = list(read_pubmed(io.BytesIO(body), name=source))
        except ParseError as exc:  # the envelope itself (its encoding, its root): not a record problem
            raise HarvestError(f"efetch answer unreadable: {client.quote(str(exc))}") from exc
        # a record that came but is skipped (a Problem naming its PMID) was returned: it must not
        # be fetched again, nor hold the watermark, day after day
        seen.update(item.pmid for item in items if isinstance(item, (records.Article, records.Problem)) and item.pmid)
        put(_Records(window, items))

    for retstart in range(0, window.search.count, batch_size):
        if stop.is_set():
            return []
        parsed(client.efetch_history(window.search, retstart, min(batch_size, window.search.count - retstart)))
    missing = [pmid for pmid in window.search.ids if pmid not in seen]
    for chunk_start in range(0, len(missing), REFETCH_CHUNK):
        parsed(client.efetch_ids(missing[chunk_start : chunk_start + REFETCH_CHUNK]))
    return [pmid for pmid in window.search.ids if pmid not in seen]


def _source(window: Window) -> str:
    return f"pubmed {window.datetype} {window.start}..{window.end}"


def _store(
    database: Database,
    extractor: Extractor,
    items: list[Item],
    stored: RunSummary,
    summary: HarvestSummary,
    window: Window,
    progress: Progress | None,
) -> None:
    store_batch(database, extractor, items, stored, _source(window))
    fetched = sum(1 for item in items if isinstance(item, records.Article))
    summary.fetched += fetched
    if progress:
        progress(fetched)


def _record_missing(database: Database, stored: RunSummary, window: Window, lacking: list[str]) -> None:
    if not lacking:
        return
    with database.session() as session:
        for pmid in lacking:
            session.add(
                IngestProblem(
                    run_id=stored.run_id,
                    source=_source(window),
                    pmid=pmid,
                    severity="error",
                    message="listed by esearch, not returned by efetch",
                )
            )


def read_watermark(database: Database, key: str) -> date | None:
    with database.session() as session:
        row = session.get(Watermark, key)
        return row.watermark if row else None


def write_watermark(database: Database, key: str, query: str, value: date) -> date:
    with database.session() as session:
        row = session.get(Watermark, key)
        if row is None:
            session.add(Watermark(query_key=key, query=query, watermark=value, updated_at=utcnow()))
        elif value > row.watermark:
            row.watermark, row.updated_at = value, utcnow()
        return max(value, row.watermark) if row else value


def _open_run(database: Database, key: str, start: date, end: date) -> int:
    with database.session() as session:
        for stale in session.scalars(select(HarvestRun).where(HarvestRun.status == "running")):
            stale.status, stale.finished_at = "interrupted", utcnow()
        run = HarvestRun(query_key=key, window_start=start, window_end=end, status="running")
        session.add(run)
        session.flush()
        return run.id


def _close(
    database: Database,
    summary: HarvestSummary,
    client: EutilsClient,
    requests: int,
    retries: int,
    started: float,
    error: str | None,
) -> None:
    summary.requests = client.stats.requests - requests
    summary.retries = client.stats.retries - retries
    summary.seconds = time.monotonic() - started
    stored = summary.stored
    with database.session() as session:
        run = session.get(HarvestRun, summary.run_id)
        if run is None:  # _open_run stored it; only a damaged database or a deletion meanwhile gets here
            raise StoreError(f"harvest run {summary.run_id} is no longer stored")
        run.status, run.error, run.finished_at = summary.status, error, utcnow()
        run.found, run.fetched, run.failed = summary.found, summary.fetched, summary.failed
        run.requests, run.retries, run.duration_seconds = summary.requests, summary.retries, round(summary.seconds, 3)
        if stored is not None:
            run.new, run.updated, run.unchanged, run.deleted, run.ingest_run_id = (
                stored.new,
                stored.updated,
                stored.unchanged,
                stored.deleted,
                stored.run_id,
            )
