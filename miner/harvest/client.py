"""A small NCBI E-utilities client: esearch (with the history server) and efetch for PubMed.

Every request identifies itself (`tool`, `email`, and `api_key` when there is one), waits for the
process-wide rate limit (3/s, 10/s with a key), and is retried with exponential backoff and
jitter on 429 (honouring Retry-After), 5xx, timeouts, connection errors, a body cut short, and an
HTTP 200 whose body holds an ERROR instead of the result; any other 4xx fails at once. Requests
are POSTed as forms, so the API key never appears in a URL or a log line. The httpx client is
passed in (tests point it at a loopback server). Errors leave as `HarvestError`.
Imports: httpx, lxml, stdlib, `miner.errors`, `miner.harvest.ratelimit`.
"""
from __future__ import annotations

import email.utils
import logging
import random
import re
import time
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Callable, Sequence

import httpx
from lxml import etree

from miner.errors import HarvestError
from miner.harvest.ratelimit import RateLimiter

log = logging.getLogger("miner.harvest")

MAX_RECORDS_PER_SEARCH = 9_999  # PubMed serves at most this many records of one search
_ERROR = re.compile(rb"<ERROR>(.*?)</ERROR>", re.S)
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)


@dataclass(frozen=True)
class SearchResult:
    count: int
    webenv: str
    query_key: str
    ids: tuple[str, ...]


@dataclass
class ClientStats:
    requests: int = 0
    retries: int = 0


class _Retry(Exception):
    """A failure worth another try; `wait` is what the server asked for, if anything."""

    def __init__(self, reason: str, wait: float | None = None):
        super().__init__(reason)
        self.wait = wait


class EutilsClient:
    def __init__(
        self,
        http: httpx.Client,
        *,
        base_url: str,
        tool: str,
        email: str,
        api_key: str = "",
        max_retries: int = 6,
        retry_base_seconds: float = 1.0,
        limiter: RateLimiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ):
        if not email:
            raise HarvestError("NCBI asks every E-utilities user for a contact e-mail: set [pubmed] email or MINER_PUBMED_EMAIL")
        self.http = http
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.identity = {"tool": tool, "email": email, **({"api_key": api_key} if api_key else {})}
        self.max_retries = max_retries
        self.retry_base = retry_base_seconds
        self.limiter = limiter or RateLimiter.shared(10 if api_key else 3)
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.stats = ClientStats()

    def esearch(self, term: str, *, mindate: date, maxdate: date, datetype: str = "edat") -> SearchResult:
        """Search one date window, keeping the result on the history server; the PMIDs come too
        (up to 9,999, which is all a window may hold)."""
        body = self._post(
            "esearch.fcgi",
            {
                "db": "pubmed",
                "term": term,
                "usehistory": "y",
                "datetype": datetype,
                "mindate": mindate.strftime("%Y/%m/%d"),
                "maxdate": maxdate.strftime("%Y/%m/%d"),
                "retmax": str(MAX_RECORDS_PER_SEARCH),
                "sort": "pub_date",
            },
            root="eSearchResult",
        )
        tree = etree.fromstring(body, _PARSER)
        count = int(tree.findtext("Count") or 0)
        ids = tuple(node.text.strip() for node in tree.iterfind("IdList/Id") if node.text)
        return SearchResult(count, tree.findtext("WebEnv") or "", tree.findtext("QueryKey") or "", ids)

    def efetch_history(self, search: SearchResult, retstart: int, retmax: int) -> bytes:
        """PubmedArticleSet XML of records retstart … retstart+retmax-1 of a stored search."""
        return self._post(
            "efetch.fcgi",
            {"db": "pubmed", "WebEnv": search.webenv, "query_key": search.query_key, "retstart": str(retstart), "retmax": str(retmax), "retmode": "xml"},
            root="PubmedArticleSet",
        )

    def efetch_ids(self, pmids: Sequence[str]) -> bytes:
        """PubmedArticleSet XML of the given PMIDs (POSTed: the list can be long)."""
        return self._post("efetch.fcgi", {"db": "pubmed", "id": ",".join(pmids), "retmode": "xml"}, root="PubmedArticleSet")

    def _post(self, endpoint: str, params: dict[str, str], *, root: str) -> bytes:
        url = self.base_url + endpoint
        form = {**params, **self.identity}
        for attempt in range(self.max_retries + 1):
            self.limiter.wait()
            self.stats.requests += 1
            try:
                return self._checked(self.http.post(url, data=form), root)
            except _Retry as problem:
                reason, asked = str(problem), problem.wait
            except httpx.TimeoutException:
                reason, asked = "timed out", None
            except httpx.TransportError as exc:
                reason, asked = f"connection failed ({type(exc).__name__})", None
            if attempt == self.max_retries:
                raise HarvestError(f"{endpoint}: gave up after {attempt + 1} tries: {reason}")
            delay = max(asked or 0.0, self._backoff(attempt))
            log.info("%s: %s; retry %d in %.1f s", endpoint, reason, attempt + 1, delay)
            self.stats.retries += 1
            self.sleep(delay)
        raise AssertionError("unreachable")

    def _checked(self, response: httpx.Response, root: str) -> bytes:
        status = response.status_code
        if status == 429:
            raise _Retry("429 too many requests", _retry_after(response.headers.get("Retry-After")))
        if status >= 500:
            raise _Retry(f"server error {status}")
        if status >= 400:
            detail = _ERROR.search(response.content)
            message = detail.group(1).decode(errors="replace").strip() if detail else response.reason_phrase
            raise HarvestError(f"E-utilities refused the request ({status}): {message[:200]}")
        body = response.content
        tail = body[-200:].rstrip()
        if not tail.endswith(f"</{root}>".encode()):
            error = _ERROR.search(body[:5000])
            if error:
                raise _Retry("error instead of a result: " + error.group(1).decode(errors="replace").strip()[:200])
            raise _Retry(f"body cut short ({len(body)} bytes, no </{root}>)")
        if root == "eSearchResult" and b"<ERROR>" in body[:5000]:
            raise _Retry("error instead of a result: " + _ERROR.search(body).group(1).decode(errors="replace").strip()[:200])
        return body

    def _backoff(self, attempt: int) -> float:
        return min(60.0, self.retry_base * (2**attempt)) * (1 + 0.5 * self.rng.random())


def _retry_after(value: str | None) -> float | None:
    """Retry-After as seconds, whether given as a number or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
