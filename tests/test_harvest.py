"""The harvester against a real HTTP server on loopback that answers like E-utilities
(tests/eutils_server.py): retries, the rate limit, completeness under faults, the 9,999 cap,
the watermark, and a kill in the middle of a run."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from datetime import date, timedelta

import httpx
import pytest
from conftest import ROOT, kill_when_stored
from eutils_server import EutilsServer, corpus
from sqlalchemy import create_engine, func, select, text

from miner.errors import HarvestError
from miner.harvest import EutilsClient, HarvestPlan, RateLimiter, harvest
from miner.harvest.runner import query_key, read_watermark
from miner.store import Database
from miner.store.models import Article, HarvestRun, IngestProblem

QUERY = "gut microbiota AND depression"


def client_for(server, *, sleeps=None, limiter=None, api_key="", max_retries=6, tool="miner"):
    return EutilsClient(
        httpx.Client(timeout=10),
        base_url=server.base_url,
        tool=tool,
        email="curator@example.org",
        api_key=api_key,
        max_retries=max_retries,
        retry_base_seconds=0.01,
        limiter=limiter or RateLimiter(1000),
        sleep=(sleeps.append if sleeps is not None else lambda seconds: None),
    )


def stored_pmids(database) -> list[str]:
    with database.session() as session:
        return sorted(session.scalars(select(Article.pmid)))


# ------------------------------------------------------------------------------ the client


def test_every_fault_kind_is_retried():
    with EutilsServer(
        corpus(30, date(2024, 1, 1), date(2024, 1, 31)), forced={1: "429", 2: "503", 3: "cut", 4: "error200", 5: "500"}
    ) as server:
        sleeps: list[float] = []
        client = client_for(server, sleeps=sleeps)
        result = client.esearch(QUERY, mindate=date(2024, 1, 1), maxdate=date(2024, 1, 31))
    assert result.count == 30 and len(result.ids) == 30 and result.webenv
    assert (client.stats.requests, client.stats.retries) == (6, 5)
    assert sleeps[0] >= 1.0  # the 429 said Retry-After: 1
    assert all(later >= 0.01 for later in sleeps[1:])


def test_other_client_errors_fail_at_once():
    with EutilsServer(corpus(5, date(2024, 1, 1), date(2024, 1, 31))) as server:
        client = client_for(server, tool="")  # the server requires tool
        with pytest.raises(HarvestError, match=r"refused the request \(400\): tool and email are required"):
            client.esearch(QUERY, mindate=date(2024, 1, 1), maxdate=date(2024, 1, 31))
        assert client.stats.requests == 1


def test_gives_up_after_the_last_retry():
    with EutilsServer(
        corpus(5, date(2024, 1, 1), date(2024, 1, 31)), forced=dict.fromkeys(range(1, 10), "503")
    ) as server:
        client = client_for(server, max_retries=3)
        with pytest.raises(HarvestError, match=r"esearch\.fcgi: gave up after 4 tries: server error 503"):
            client.esearch(QUERY, mindate=date(2024, 1, 1), maxdate=date(2024, 1, 31))


def test_an_email_is_required():
    with pytest.raises(HarvestError, match="contact e-mail"):
        EutilsClient(httpx.Client(), base_url="http://127.0.0.1:9/", tool="miner", email="")


@pytest.mark.slow
def test_a_hostile_record_is_skipped_and_the_watermark_moves_past_it(database, extractor):
    records = corpus(30, date(2024, 8, 1), date(2024, 8, 31))
    bad, deep = records[4].pmid, records[9].pmid

    def rewrite(pmid: str, text: str) -> str:
        if pmid == bad:  # a version number of 5,000 digits: int() itself fails on it
            return text.replace('<PMID Version="1">', f'<PMID Version="{"9" * 5000}">', 1)
        if pmid == deep:  # markup nested 1,500 deep: once a RecursionError
            return text.replace("<ArticleTitle>", "<ArticleTitle>" + "<i>" * 1500 + "Blautia" + "</i>" * 1500 + " ", 1)
        return text

    with EutilsServer(records, rewrite=rewrite) as server:
        summary = harvest(
            database, extractor, client_for(server), HarvestPlan(QUERY, batch_size=10), today=date(2024, 8, 31)
        )
    assert summary.status == "ok"
    assert read_watermark(database, query_key(QUERY)) == date(2024, 8, 31)
    assert stored_pmids(database) == sorted(r.pmid for r in records if r.pmid != bad)
    with database.session() as session:
        problem = session.scalars(select(IngestProblem)).one()
    assert problem.pmid == bad and problem.message.startswith("cannot be read (ValueError")


@pytest.mark.slow
def test_no_more_than_three_requests_in_any_second():
    with EutilsServer(corpus(20, date(2024, 1, 1), date(2024, 1, 31))) as server:
        client = client_for(server, limiter=RateLimiter(3))
        started = time.monotonic()
        for _ in range(10):
            client.esearch(QUERY, mindate=date(2024, 1, 1), maxdate=date(2024, 1, 31))
        elapsed = time.monotonic() - started
        assert server.requests_in_any_second() <= 3
    assert 3.0 <= elapsed < 5.0  # close to the allowed rate, not far below it


def test_api_key_is_sent_but_never_logged(caplog):
    caplog.set_level(logging.DEBUG)
    secret = "k3y-5ecr3t-123"
    with EutilsServer(corpus(5, date(2024, 1, 1), date(2024, 1, 31)), forced={1: "503"}) as server:
        client = client_for(server, api_key=secret)
        client.esearch(QUERY, mindate=date(2024, 1, 1), maxdate=date(2024, 1, 31))
        assert all(form.get("api_key") == secret for _, _, form in server.log)
    assert secret not in caplog.text and "503" in caplog.text
    assert RateLimiter.shared(10) is RateLimiter.shared(10) and RateLimiter.shared(3).per_second == 3


# ------------------------------------------------------------------------------ harvest runs


@pytest.mark.slow
def test_harvest_is_complete_without_duplicates_under_faults(database, extractor):
    records = corpus(600, date(2024, 3, 1), date(2024, 4, 30), seed=3)
    with EutilsServer(records, fault_rate=0.05, seed=11) as server:
        client = client_for(server)
        plan = HarvestPlan(QUERY, batch_size=40)
        summary = harvest(database, extractor, client, plan, since=date(2024, 3, 1), until=date(2024, 4, 30))
        assert summary.retries > 0, "the 5% faults should have cost retries"
        faults_seen = len(server.log) - summary.requests
    assert faults_seen == 0
    assert stored_pmids(database) == sorted(r.pmid for r in records)
    assert (summary.found, summary.fetched, summary.failed, summary.status) == (600, 600, 0, "ok")
    assert summary.stored.new == 600
    with database.session() as session:
        run = session.scalars(select(HarvestRun)).one()
        assert (run.status, run.found, run.new, run.requests, run.retries) == (
            "ok",
            600,
            600,
            summary.requests,
            summary.retries,
        )
    # the same window again: everything is recognised, nothing duplicated
    with EutilsServer(records, fault_rate=0.05, seed=12) as server:
        again = harvest(
            database,
            extractor,
            client_for(server),
            HarvestPlan(QUERY, batch_size=40),
            since=date(2024, 3, 1),
            until=date(2024, 4, 30),
        )
    assert (again.stored.new, again.stored.unchanged) == (0, 600)
    assert stored_pmids(database) == sorted(r.pmid for r in records)


@pytest.mark.slow
def test_a_record_left_out_is_fetched_again_by_id(database, extractor):
    records = corpus(30, date(2024, 5, 1), date(2024, 5, 31))
    with EutilsServer(records, forced={2: "drop"}) as server:
        summary = harvest(
            database,
            extractor,
            client_for(server),
            HarvestPlan(QUERY, batch_size=100),
            since=date(2024, 5, 1),
            until=date(2024, 5, 31),
        )
        by_id = [form for _, endpoint, form in server.log if endpoint == "efetch.fcgi" and "id" in form]
    assert len(by_id) == 1 and len(by_id[0]["id"].split(",")) == 1
    assert summary.failed == 0 and stored_pmids(database) == sorted(r.pmid for r in records)


@pytest.mark.slow
def test_more_than_9999_records_are_split_by_date(tmp_path, extractor):
    database = Database.open(f"sqlite:///{tmp_path}/big.db")
    records = corpus(10_200, date(2023, 1, 1), date(2023, 12, 31), seed=5)
    with EutilsServer(records) as server:
        summary = harvest(
            database,
            extractor,
            client_for(server),
            HarvestPlan(QUERY, batch_size=2_000),
            since=date(2023, 1, 1),
            until=date(2023, 12, 31),
        )
        searches = [form for _, endpoint, form in server.log if endpoint == "esearch.fcgi"]
        fetches = [form for _, endpoint, form in server.log if endpoint == "efetch.fcgi"]
    assert len(searches) == 3  # the whole year (10,200 > 9,999), then its two halves
    assert all(int(form.get("retstart", 0)) + int(form.get("retmax", 0)) <= 9_999 for form in fetches)
    assert (summary.found, summary.fetched, summary.failed) == (10_200, 10_200, 0)
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Article)) == 10_200
    database.dispose()


@pytest.mark.slow
def test_plain_runs_start_from_the_watermark_and_sweep_modified_records(database, extractor):
    today = date(2024, 6, 30)
    records = corpus(40, date(2024, 5, 1), today)
    with EutilsServer(records) as server:
        plan = HarvestPlan(QUERY, overlap_days=3, initial_days=60, batch_size=100)
        first = harvest(database, extractor, client_for(server), plan, today=today)
        assert first.start == today - timedelta(days=60) and first.watermark == today
        second = harvest(database, extractor, client_for(server), plan, today=today + timedelta(days=1))
        searches = [
            (form["datetype"], form["mindate"], form["maxdate"])
            for _, endpoint, form in server.log
            if endpoint == "esearch.fcgi"
        ]
    assert searches[-2:] == [("edat", "2024/06/27", "2024/07/01"), ("mdat", "2024/06/27", "2024/07/01")]
    assert read_watermark(database, query_key(QUERY)) == today + timedelta(days=1) == second.watermark
    assert stored_pmids(database) == sorted(r.pmid for r in records)


@pytest.mark.slow
def test_the_watermark_moves_only_after_the_records_are_stored(database, extractor):
    records = corpus(60, date(2024, 2, 1), date(2024, 2, 29))
    # an unknown fault: the server answers 404
    with EutilsServer(records, forced={3: "bad"}) as server, pytest.raises(HarvestError):
        harvest(database, extractor, client_for(server), HarvestPlan(QUERY, batch_size=20), today=date(2024, 2, 29))
    assert read_watermark(database, query_key(QUERY)) is None
    with database.session() as session:
        run = session.scalars(select(HarvestRun)).one()
        assert run.status == "failed" and "404" in run.error


@pytest.mark.slow
def test_records_that_never_come_are_failed_and_hold_the_watermark(database, extractor):
    records = corpus(20, date(2024, 7, 1), date(2024, 7, 31))
    with EutilsServer(records, unfetchable={records[0].pmid}) as server:
        summary = harvest(
            database, extractor, client_for(server), HarvestPlan(QUERY, batch_size=50), today=date(2024, 7, 31)
        )
    assert (summary.failed, summary.status) == (1, "partial")
    assert read_watermark(database, query_key(QUERY)) is None
    with database.session() as session:
        problem = session.scalars(select(IngestProblem)).one()
        assert problem.pmid == records[0].pmid and "not returned by efetch" in problem.message


@pytest.mark.slow
def test_killed_mid_harvest_the_next_run_completes_it(tmp_path, database_url):
    records = corpus(400, date(2024, 9, 1), date(2024, 9, 30), seed=9)
    env = {
        **os.environ,
        "MINER_DATABASE_URL": database_url,
        "MINER_PUBMED_EMAIL": "curator@example.org",
        "MINER_PUBMED_BATCH_SIZE": "20",
        "MINER_PUBMED_RETRY_BASE_SECONDS": "0.05",
    }
    command = [sys.executable, "-m", "miner", "harvest", "--since", "2024-09-01", "--until", "2024-09-30"]
    engine = create_engine(database_url)
    with EutilsServer(records, fault_rate=0.05, seed=21) as server:
        env["MINER_PUBMED_BASE_URL"] = server.base_url
        stored = kill_when_stored(command, env, engine, at_least=60)
        assert 60 <= stored < 400
        finished = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr
    assert "400 found, 400 fetched" in finished.stdout
    with engine.connect() as connection:
        pmids = [row[0] for row in connection.execute(text("SELECT pmid FROM article ORDER BY pmid"))]
        statuses = [row[0] for row in connection.execute(text("SELECT status FROM harvest_run ORDER BY id"))]
    engine.dispose()
    assert pmids == sorted(r.pmid for r in records)
    assert statuses == ["interrupted", "ok"]
