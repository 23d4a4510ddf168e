"""A small NCBI E-utilities client: esearch (with the history server) and efetch for PubMed.

Every request identifies itself (`tool`, `email`, and `api_key` when there is one), waits for the
process-wide rate limit (3/s, 10/s with a key), and is retried with exponential backoff and
jitter on 429 (honouring Retry-After), 5xx, timeouts, connection errors, a body cut short, an
answer over the deadline or the size cap, a malformed answer, and an HTTP 200 whose body holds an
ERROR instead of the result; any other 4xx, and any redirect, fails at once. Requests are POSTed
as forms, so the API key never appears in a URL; redirects are never followed, so the form is
never re-sent elsewhere. Each request has a total deadline (a watchdog shuts the connection down
when it passes, however slowly the server trickles) and its body is streamed and counted against
a size cap. Server text quoted in an error or a log line goes through `redact` first. The httpx
client is passed in (tests point it at a loopback server). Errors leave as `HarvestError`.
Imports: httpx (httpcore, its transport, for a type only), lxml, stdlib, `miner.errors`, `miner.harvest.ratelimit`.
"""

from __future__ import annotations

import contextlib
import email.utils
import html
import logging
import random
import re
import socket
import threading
import time
import urllib.parse
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, TypeVar, overload

import httpx
from lxml import etree

from miner.errors import HarvestError
from miner.harvest.ratelimit import RateLimiter

if TYPE_CHECKING:
    import httpcore

log = logging.getLogger("miner.harvest")

MAX_RECORDS_PER_SEARCH = 9_999  # PubMed serves at most this many records of one search
REDACTED = "[redacted]"
_ERROR = re.compile(rb"<ERROR>(.*?)</ERROR>", re.S)
_FIRST_TAG = re.compile(rb"<([A-Za-z_][^\s/>]*)")
_DIGITS = re.compile(r"[0-9]+")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)
_T = TypeVar("_T")


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


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret replaced by "[redacted]": as given, URL-encoded or XML-escaped, in
    any letter case. The one place server text is cleaned before it is quoted anywhere."""
    forms = {form for secret in secrets if secret for form in _spellings(secret)}
    for form in sorted(forms, key=len, reverse=True):
        text = re.sub(re.escape(form), REDACTED, text, flags=re.I)
    return text


def _spellings(secret: str) -> set[str]:
    return {secret, urllib.parse.quote(secret, safe=""), urllib.parse.quote_plus(secret), html.escape(secret)}


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
        deadline_seconds: float = 120.0,
        max_body_bytes: int = 256 * 2**20,
        secrets: Sequence[str] = (),
        limiter: RateLimiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ):
        if not email:
            raise HarvestError(
                "NCBI asks every E-utilities user for a contact e-mail: set [pubmed] email or MINER_PUBMED_EMAIL"
            )
        self.http = http
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.identity = {"tool": tool, "email": email, **({"api_key": api_key} if api_key else {})}
        self.secrets = tuple(secret for secret in (api_key, *secrets) if secret)
        self.max_retries = max_retries
        self.retry_base = retry_base_seconds
        self.deadline = deadline_seconds
        self.max_body = max_body_bytes
        self.limiter = limiter or RateLimiter.shared(10 if api_key else 3)
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.stats = ClientStats()
        self._timeouts = _capped(http.timeout, deadline_seconds)
        self._streams: weakref.WeakSet[httpcore.NetworkStream] = weakref.WeakSet()  # the connections this client opened
        self._streams_lock = threading.Lock()

    def close(self) -> None:
        """Close the httpx client and its connections."""
        self.http.close()

    def __enter__(self) -> EutilsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def redact(self, text: str) -> str:
        return redact(text, self.secrets)

    def quote(self, text: str | bytes, limit: int = 200) -> str:
        """Server text fit for a message, a log line or the database: secrets redacted, one line,
        at most `limit` characters."""
        if isinstance(text, bytes):
            text = text.decode(errors="replace")
        return " ".join(self.redact(text).split())[:limit]

    def esearch(self, term: str, *, mindate: date, maxdate: date, datetype: str = "edat") -> SearchResult:
        """Search one date window, keeping the result on the history server; the PMIDs come too
        (up to 9,999, which is all a window may hold)."""
        return self._post(
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
            read=self._search_result,
        )

    def efetch_history(self, search: SearchResult, retstart: int, retmax: int) -> bytes:
        """PubmedArticleSet XML of records retstart … retstart+retmax-1 of a stored search."""
        return self._post(
            "efetch.fcgi",
            {
                "db": "pubmed",
                "WebEnv": search.webenv,
                "query_key": search.query_key,
                "retstart": str(retstart),
                "retmax": str(retmax),
                "retmode": "xml",
            },
            root="PubmedArticleSet",
        )

    def efetch_ids(self, pmids: Sequence[str]) -> bytes:
        """PubmedArticleSet XML of the given PMIDs (POSTed: the list can be long)."""
        return self._post(
            "efetch.fcgi", {"db": "pubmed", "id": ",".join(pmids), "retmode": "xml"}, root="PubmedArticleSet"
        )

    @overload
    def _post(self, endpoint: str, params: dict[str, str], *, root: str) -> bytes: ...
    @overload
    def _post(self, endpoint: str, params: dict[str, str], *, root: str, read: Callable[[bytes], _T]) -> _T: ...
    def _post(
        self, endpoint: str, params: dict[str, str], *, root: str, read: Callable[[bytes], _T] | None = None
    ) -> _T | bytes:
        url = self.base_url + endpoint
        form = {**params, **self.identity}
        for attempt in range(self.max_retries + 1):
            self.stats.requests += 1
            try:
                with self.limiter.slot():
                    answer = self._exchange(url, form)
                body = self._checked(*answer, root)
                return read(body) if read else body
            except _Retry as problem:
                reason, asked = str(problem), problem.wait
            except httpx.TimeoutException:
                reason, asked = "timed out", None
            except httpx.DecodingError:
                reason, asked = "body not decodable as its Content-Encoding says", None
            except httpx.TransportError as exc:
                reason, asked = f"connection failed ({type(exc).__name__})", None
            if attempt == self.max_retries:
                raise HarvestError(f"{endpoint}: gave up after {attempt + 1} tries: {reason}")
            delay = max(asked or 0.0, self._backoff(attempt))
            log.info("%s: %s; retry %d in %.1f s", endpoint, reason, attempt + 1, delay)
            self.stats.retries += 1
            self.sleep(delay)
        raise AssertionError("unreachable")

    # ------------------------------------------------------------------ one exchange
    def _exchange(self, url: str, form: dict[str, str]) -> tuple[httpx.Response, bytes]:
        """POST the form and read the whole answer, within the deadline and the size cap.

        httpx's timeouts bound each read, not the request: a server trickling a byte at a time
        could hold it for ever. A watchdog shuts this client's sockets down when the deadline
        passes (whatever phase the request is in), and the body loop checks it too."""
        due = time.monotonic() + self.deadline
        watchdog = threading.Timer(self.deadline, self._cut_connections)
        watchdog.daemon = True
        watchdog.start()
        try:
            with self.http.stream(
                "POST",
                url,
                data=form,
                timeout=self._timeouts,
                follow_redirects=False,
                extensions={"trace": self._trace},
            ) as response:
                return response, self._body(response, due)
        except httpx.TransportError as exc:
            if time.monotonic() >= due:
                raise _Retry(self._late()) from exc
            raise
        finally:
            watchdog.cancel()

    def _body(self, response: httpx.Response, due: float) -> bytes:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_body:
            raise _Retry(self._too_big())
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self.max_body:
                raise _Retry(self._too_big())
            if time.monotonic() >= due:
                raise _Retry(self._late())
            chunks.append(chunk)
        return b"".join(chunks)

    def _late(self) -> str:
        return f"no complete answer within {self.deadline:g} s"

    def _too_big(self) -> str:
        return f"answer larger than {self.max_body:,} bytes"

    def _trace(self, event: str, info: dict[str, Any]) -> None:
        """httpcore's trace hook: remember each connection this client opens. (`info` holds whatever
        each event carries; for these two, "return_value" is the connection's NetworkStream.)"""
        if event in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            with self._streams_lock:
                self._streams.add(info["return_value"])

    def _cut_connections(self) -> None:
        """Shut this client's sockets down: a read blocked on one returns at once."""
        with self._streams_lock:
            streams = list(self._streams)
        for stream in streams:
            sock = stream.get_extra_info("socket")
            with contextlib.suppress(OSError, AttributeError):
                sock.shutdown(socket.SHUT_RDWR)

    # ------------------------------------------------------------------ what came back
    def _checked(self, response: httpx.Response, body: bytes, root: str) -> bytes:
        status = response.status_code
        if status == 429:
            raise _Retry("429 too many requests", _retry_after(response.headers.get("Retry-After")))
        if status >= 500:
            raise _Retry(f"server error {status}")
        if 300 <= status < 400:
            # not retried: the same request gets the same redirect; not followed: the form (and
            # the API key in it) must not go to an address nobody configured
            raise HarvestError(self._redirect(response))
        if status >= 400:
            detail = _ERROR.search(body[:65536])
            message = self.quote(detail.group(1) if detail else response.reason_phrase)
            raise HarvestError(f"E-utilities refused the request ({status}): {message}")
        # A malformed answer (empty, not XML, another root, cut short, missing or unreadable
        # fields) is retried: NCBI's front ends do answer HTTP 200 with half-rendered or foreign
        # pages that a later try gets right, and retries are bounded, so a server that keeps
        # sending garbage still ends in one HarvestError after max_retries.
        error = _ERROR.search(body[:5000])
        complete = body[-200:].rstrip().endswith(f"</{root}>".encode())
        if error and (root == "eSearchResult" or not complete):
            raise _Retry("error instead of a result: " + self.quote(error.group(1)))
        if not body.strip():
            raise _Retry("empty answer")
        first = _FIRST_TAG.search(body[:65536])
        if first is None:
            raise _Retry(f"malformed answer: not XML (starts with {self.quote(body[:40], 40)!r})")
        if first.group(1) != root.encode():
            raise _Retry(f"malformed answer: root is {self.quote(first.group(1), 60)}, not {root}")
        if not complete:
            raise _Retry(f"body cut short ({len(body)} bytes, no </{root}>)")
        return body

    def _redirect(self, response: httpx.Response) -> str:
        location = response.headers.get("Location", "")
        try:
            target = httpx.URL(self.base_url).join(location)
        except (httpx.InvalidURL, ValueError):
            return (
                f"E-utilities answered with a redirect ({response.status_code}) to an unreadable address: not followed"
            )
        if target.host != httpx.URL(self.base_url).host:
            return (
                f"E-utilities answered with a redirect to another host ({self.quote(target.host, 100)}): not followed"
            )
        return (
            f"E-utilities answered with a redirect ({response.status_code}) to "
            f"{self.quote(str(target.copy_with(query=None)), 200)}: "
            "not followed; set [pubmed] base_url to the address it names"
        )

    def _search_result(self, body: bytes) -> SearchResult:
        """The esearch answer's fields; a malformed one is retried (see `_checked`)."""
        try:
            tree = etree.fromstring(body, _PARSER)
        except etree.XMLSyntaxError as exc:
            raise _Retry(f"malformed esearch answer: not XML ({self.quote(str(exc), 120)})") from exc
        count = (tree.findtext("Count") or "").strip()
        if not _DIGITS.fullmatch(count):
            raise _Retry(f"malformed esearch answer: Count is {self.quote(count, 40)!r}, not a number")
        if tree.tag != "eSearchResult":
            raise _Retry(f"malformed esearch answer: root is {self.quote(str(tree.tag), 60)}")
        webenv, key = (tree.findtext("WebEnv") or "").strip(), (tree.findtext("QueryKey") or "").strip()
        if int(count) and not (webenv and key):
            raise _Retry("malformed esearch answer: no WebEnv or QueryKey")
        ids = tuple(node.text.strip() for node in tree.iterfind("IdList/Id") if node.text)
        if not all(_DIGITS.fullmatch(pmid) for pmid in ids):
            raise _Retry("malformed esearch answer: an Id that is not a PMID")
        return SearchResult(int(count), webenv, key, ids)

    def _backoff(self, attempt: int) -> float:
        return min(60.0, self.retry_base * (2.0**attempt)) * (1 + 0.5 * self.rng.random())


def _capped(timeout: httpx.Timeout, deadline: float) -> httpx.Timeout:
    """The client's own timeouts, none longer than the deadline (the watchdog cannot cut a
    connection that is not open yet)."""

    def cap(value: float | None) -> float:
        return deadline if value is None else min(value, deadline)

    return httpx.Timeout(
        connect=cap(timeout.connect), read=cap(timeout.read), write=cap(timeout.write), pool=cap(timeout.pool)
    )


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
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
