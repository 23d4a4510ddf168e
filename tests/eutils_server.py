"""A loopback stand-in for NCBI E-utilities (esearch + efetch for PubMed), for the harvest tests
and benchmark.

It answers in the format of the real recorded responses in tests/fixtures/eutils: esearch in the
shape of Biopython's esearch2.xml (Count, RetMax, RetStart, QueryKey, WebEnv, IdList) and efetch
as a PubmedArticleSet of real PubMed records (pubmed*.xml) whose PMID, title and Entrez date are
rewritten for each synthetic record of the corpus. It keeps a history server, serves at most
9,999 records of one search (a larger retstart answers with an HTTP 200 ERROR, as PubMed does),
requires tool and email, and injects faults on request or at random: 429 with Retry-After, 5xx,
a body cut short, an HTTP 200 with an ERROR, and a record silently left out of an efetch.
Every request is logged with its arrival time.
"""

from __future__ import annotations

import random
import re
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures" / "eutils"
CAP = 9_999
FAULTS = ("429", "503", "500", "cut", "error200", "drop")
POLL = 0.01  # how often a serving loop looks for shutdown(): its 0.5 s default is what `with` ends in


@dataclass
class Record:
    pmid: str
    edat: date
    mdat: date


def corpus(count: int, start: date, end: date, seed: int = 1, first_pmid: int = 30_000_000) -> list[Record]:
    """`count` synthetic records spread over [start, end] by Entrez date."""
    rng = random.Random(seed)
    days = (end - start).days
    out = []
    for n in range(count):
        edat = start + timedelta(days=rng.randint(0, days))
        out.append(Record(str(first_pmid + n), edat, edat + timedelta(days=rng.randint(0, 30))))
    return out


class _Templates:
    """Real PubMed records, ready to be stamped with a PMID, title and date."""

    def __init__(self, light: bool):
        records = []
        for path in sorted(FIXTURES.glob("pubmed[0-9]*.xml")):
            text = path.read_text(encoding="utf-8")
            records += re.findall(r"<PubmedArticle>.*?</PubmedArticle>", text, re.S)
        if light:  # no abstract: records that extract in a blink, for big corpora
            records = [re.sub(r"<Abstract>.*?</Abstract>", "", r, flags=re.S) for r in records]
        self.records = records
        head = (FIXTURES / "pubmed2.xml").read_text(encoding="utf-8")
        self.head = head[: head.index("<PubmedArticleSet>") + len("<PubmedArticleSet>")]
        search = (FIXTURES / "esearch2.xml").read_text(encoding="utf-8")
        self.search_head = search[: search.index("<eSearchResult>")]

    def record(self, rec: Record) -> str:
        text = self.records[int(rec.pmid) % len(self.records)]
        text = re.sub(r'<PMID Version="\d+">\d+</PMID>', f'<PMID Version="1">{rec.pmid}</PMID>', text, count=1)
        text = re.sub(
            r'<ArticleId IdType="pubmed">\d+</ArticleId>',
            f'<ArticleId IdType="pubmed">{rec.pmid}</ArticleId>',
            text,
            count=1,
        )
        text = re.sub(r"<ArticleTitle>", f"<ArticleTitle>[{rec.pmid}] ", text, count=1)
        entrez = (
            "<PubMedPubDate "
            f'PubStatus="entrez"><Year>{rec.edat.year}</Year><Month>{rec.edat.month}</Month><Day>{rec.edat.day}</Day></PubMedPubDate>'
        )
        text = re.sub(r'<PubMedPubDate PubStatus="entrez">.*?</PubMedPubDate>', entrez, text, count=1, flags=re.S)
        return text


def read_form(handler: BaseHTTPRequestHandler) -> dict:
    """The POSTed form of a request, one value per field (the last)."""
    length = int(handler.headers.get("Content-Length", 0))
    return {k: v[-1] for k, v in urllib.parse.parse_qs(handler.rfile.read(length).decode()).items()}


class LoopbackServing:
    """What every loopback stand-in shares: its E-utilities address, and serving while inside
    `with` (the class sets `_httpd` and `_thread`)."""

    _httpd: ThreadingHTTPServer
    _thread: threading.Thread

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/entrez/eutils/"

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@dataclass
class EutilsServer(LoopbackServing):
    records: list[Record]
    fault_rate: float = 0.0
    forced: dict[int, str] = field(default_factory=dict)  # request number → fault
    seed: int = 7
    light: bool = True
    rewrite: Callable[[str, str], str] = lambda pmid, text: text  # (PMID, record XML) → what efetch serves
    unfetchable: set[str] = field(default_factory=set)  # listed by esearch, never returned by efetch
    log: list[tuple[float, str, dict]] = field(default_factory=list)

    def __post_init__(self):
        self._templates = _Templates(self.light)
        self._history: dict[str, list[str]] = {}
        self._by_pmid = {r.pmid: r for r in self.records}
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()
        self._count = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                form = read_form(self)
                server._answer(self, self.path.rsplit("/", 1)[-1], form)

            def log_message(self, *args):
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(POLL,), daemon=True)

    # ------------------------------------------------------------------ answers
    def _answer(self, handler, endpoint: str, form: dict) -> None:
        with self._lock:
            self._count += 1
            number = self._count
            self.log.append((time.monotonic(), endpoint, form))
            fault = self.forced.get(number) or (
                self._rng.choice(FAULTS) if self._rng.random() < self.fault_rate else None
            )
        if not form.get("tool") or not form.get("email"):
            return self._send(
                handler, 400, b"<eSearchResult><ERROR>tool and email are required</ERROR></eSearchResult>"
            )
        if fault is not None and fault not in FAULTS:
            return self._send(handler, 404, b"<eSearchResult><ERROR>not found</ERROR></eSearchResult>")
        if fault == "429":
            return self._send(handler, 429, b"Too Many Requests", {"Retry-After": "1"})
        if fault in ("500", "503"):
            return self._send(handler, int(fault), b"<html>Service unavailable</html>")
        if fault == "error200":
            root = "eSearchResult" if endpoint == "esearch.fcgi" else "eFetchResult"
            return self._send(handler, 200, f"<{root}><ERROR>Unable to obtain query #1</ERROR></{root}>".encode())
        if endpoint == "esearch.fcgi":
            body = self._esearch(form)
        elif endpoint == "efetch.fcgi":
            body = self._efetch(form, drop=fault == "drop")
        else:
            return self._send(handler, 404, b"unknown endpoint")
        if fault == "cut":
            return self._send(handler, 200, body, cut=True)
        self._send(handler, 200, body)

    def _esearch(self, form: dict) -> bytes:
        if int(form.get("retstart", 0)) > CAP - 1:
            return (
                b"<eSearchResult><ERROR>Search Backend failed: Exception:\n'retstart' cannot be larger than "
                b"9998. For PubMed, ESearch can only retrieve the first 9,999 records matching the "
                b"query.</ERROR></eSearchResult>"
            )
        low, high = (date(*map(int, form[k].split("/"))) for k in ("mindate", "maxdate"))
        field_ = "mdat" if form.get("datetype") == "mdat" else "edat"
        pmids = sorted((r.pmid for r in self.records if low <= getattr(r, field_) <= high), key=int, reverse=True)
        with self._lock:
            webenv = f"MCID_{len(self._history) + 1:024x}"
            self._history[webenv] = pmids
        shown = pmids[: min(int(form.get("retmax", 20)), CAP)]
        ids = "".join(f"\n<Id>{p}</Id>" for p in shown)
        return (
            f"{self._templates.search_head}<eSearchResult><Count>{len(pmids)}</Count><RetMax>{len(shown)}</RetMax><RetStart>0</RetStart>"
            f"<QueryKey>1</QueryKey><WebEnv>{webenv}</WebEnv><IdList>{ids}\n</IdList><TranslationSet/>"
            f"<QueryTranslation>{form.get('term', '')[:50]}</QueryTranslation></eSearchResult>\n"
        ).encode()

    def _efetch(self, form: dict, drop: bool) -> bytes:
        if "id" in form:
            pmids = [p for p in form["id"].split(",") if p in self._by_pmid]
        else:
            start, count = int(form.get("retstart", 0)), int(form.get("retmax", 20))
            if start + count > CAP:
                return (
                    b"<eFetchResult><ERROR>Cannot retrieve more than 9,999 records of one search</ERROR></eFetchResult>"
                )
            pmids = self._history.get(form.get("WebEnv", ""), [])[start : start + count]
        if drop and pmids:
            pmids = pmids[1:]
        pmids = [p for p in pmids if p not in self.unfetchable]
        records = "\n".join(self.rewrite(p, self._templates.record(self._by_pmid[p])) for p in pmids)
        return f"{self._templates.head}\n{records}\n</PubmedArticleSet>\n".encode()

    @staticmethod
    def _send(handler, status: int, body: bytes, headers: dict | None = None, cut: bool = False) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", "text/xml; charset=UTF-8")
        handler.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        if cut:
            handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.write(body[: len(body) // 2] if cut else body)
        if cut:
            handler.close_connection = True

    # ------------------------------------------------------------------ facts for tests
    def requests_in_any_second(self) -> int:
        times = sorted(t for t, _, _ in self.log)
        best, first = 0, 0
        for last in range(len(times)):
            while times[last] - times[first] >= 1.0:
                first += 1
            best = max(best, last - first + 1)
        return best
