"""Read PubMed XML and JSON Lines into plain records (`Article`, `Deletion`, `Problem`).

Public surface: `read_pubmed`, `read_jsonl`, `read_records` (sniffs which of the two), the
readers they return (`PubmedReader`, `JsonlReader`, both iterable, with `.stats`) and `ParseStats`.

Design. A PubMed efetch response or baseline/update file is one `PubmedArticleSet` holding a flat
run of small records (`PubmedArticle`, `PubmedBookArticle`, `DeleteCitation`); baseline files run
to ~2 GB uncompressed. The reader pulls the byte stream (gunzipped when it starts with the gzip
magic, whatever its name) in 1 MiB chunks, cuts it at record boundaries with a byte regex, and
parses each record's bytes alone with a locked-down lxml parser. Why not one streaming parser
(iterparse / XMLPullParser) over the whole document:
- an XML parser stops at the first fatal error, so one bad record would lose the rest of a
  30,000-record file, and its recover mode drops or mangles text silently; here a record that is
  not well-formed, has bad bytes, is cut off, or never closes becomes one `Problem` (with its PMID
  when a regex can still read it, else its 1-based record number) and the next record goes on;
- memory is one chunk plus one record whatever the file size (a record over `max_record_bytes`
  is reported and skipped without being held);
- the DOCTYPE sits outside the records, so the parser never sees one, and it runs with
  load_dtd=False, no_network=True, resolve_entities=False: no DTD fetch, no external entity
  (XXE), no entity expansion. The price: a namespace prefix declared only on the root (PubMed
  declares `mml` on each `mml:math` itself) is re-declared on a record that needs it.

Field extraction from a parsed record (text through inline markup and MathML, `<i>` spans,
dates, DOI, MeSH, authors) lives in miner.pubmed_record. Whitespace is collapsed the same way
for XML and JSON Lines. Invalid UTF-8 in a record becomes U+FFFD and a warning `Problem`.

Imports: stdlib, lxml, miner.errors, miner.records, miner.record_checks, miner.pubmed_record.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import re
import sys
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from miner.errors import ParseError
from miner.pubmed_record import DIGITS, article_from_element, text_of, unmark
from miner.record_checks import MAX_PMID_DIGITS, check_article, clean_text
from miner.records import Article, Deletion, Problem, Section

Source = str | Path | BinaryIO

CHUNK_BYTES = 1 << 20
HEAD_BYTES = 64 << 10
MAX_RECORD_BYTES = 64 << 20
_TAIL = 64  # bytes kept when a chunk is dropped: longer than any tag searched for
_GZIP_MAGIC = b"\x1f\x8b"
_UTF8_BOM = b"\xef\xbb\xbf"
_READ_ERRORS = (OSError, EOFError, zlib.error)  # gzip.BadGzipFile is an OSError

_START = re.compile(rb"<(PubmedArticle|PubmedBookArticle|DeleteCitation)(?=[\s/>])")
_END = {tag: re.compile(rb"</" + tag + rb"\s*>") for tag in (b"PubmedArticle", b"PubmedBookArticle", b"DeleteCitation")}
_SELF_CLOSED = re.compile(rb"[^<>]*/>")
_ROOT_END = re.compile(rb"</PubmedArticleSet\s*>")
_PMID = re.compile(rb"<PMID[^>]*>\s*([^<]*?)\s*</PMID>")
_PROLOG_ITEM = re.compile(rb"\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]|\[.*?\])*>", re.S)
_ROOT = re.compile(rb"<([A-Za-z_][\w.:-]*)([^>]*)>")
_ENCODING = re.compile(rb"""<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z][\w.-]*)["']""")
_XMLNS = re.compile(rb"""xmlns(?::[\w.-]+)?\s*=\s*(?:"[^"]*"|'[^']*')""")
_ROOTS = {"PubmedArticleSet", "PubmedBookArticleSet", "PubmedArticle", "PubmedBookArticle"}
_KNOWN_NS = (("mml", "http://www.w3.org/1998/Math/MathML"), ("xlink", "http://www.w3.org/1999/xlink"))


@dataclass
class ParseStats:
    """Counts of one pass over a file; `deletions` counts PMIDs, `records` every record element."""

    records: int = 0
    articles: int = 0
    deletions: int = 0
    books_skipped: int = 0
    problems: int = 0


# ---------------------------------------------------------------------------------------- input


class _Replay(io.RawIOBase):
    """A raw stream that first gives back bytes already read (the sniffed head), then the rest."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head = head
        # read1 returns what one underlying read produced, so a truncated gzip stream raises
        # only once every byte before the cut has come out.
        self._read = getattr(rest, "read1", rest.read)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._head:
            data, self._head = self._head[: len(buffer)], self._head[len(buffer) :]
        else:
            data = self._read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _read_head(stream: BinaryIO, size: int) -> tuple[bytes, BaseException | None]:
    """Up to `size` bytes (fewer at the end), and the read error that stopped it early, if any."""
    read = getattr(stream, "read1", stream.read)
    parts: list[bytes] = []
    got = 0
    while got < size:
        try:
            data = read(size - got)
        except _READ_ERRORS as exc:
            return b"".join(parts), exc
        if isinstance(data, str):
            raise TypeError("a binary file object is needed (open the file with 'rb')")
        if not data:
            break
        parts.append(data)
        got += len(data)
    return b"".join(parts), None


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _decoded(raw: BinaryIO, name: str) -> tuple[BinaryIO, bytes]:
    """`raw` gunzipped if it starts with the gzip magic, and its first HEAD_BYTES (replayed)."""
    magic, _ = _read_head(raw, 2)
    stream: BinaryIO = io.BufferedReader(_Replay(magic, raw))
    if magic == _GZIP_MAGIC:
        stream = gzip.GzipFile(fileobj=stream, mode="rb")  # type: ignore[assignment]
    head, error = _read_head(stream, HEAD_BYTES)
    if error is not None and not head:
        raise ParseError(f"{name}: not a readable gzip file ({_one_line(error)})")
    return io.BufferedReader(_Replay(head, stream), CHUNK_BYTES), head


class _Input:
    """One byte source: a path (read afresh on each pass) or a binary stream (read once)."""

    def __init__(self, source: Source, name: str | None = None) -> None:
        self._path: Path | None = None
        self._stream: BinaryIO | None = None
        if isinstance(source, (str, Path)):
            self._path = Path(source)
            self.name = name or str(source)
            with self._open_path() as raw:
                _, self.head = _decoded(raw, self.name)
        else:
            self.name = name or str(getattr(source, "name", "") or "<stream>")
            self._stream, self.head = _decoded(source, self.name)

    def _open_path(self) -> BinaryIO:
        assert self._path is not None
        try:
            return open(self._path, "rb")
        except OSError as exc:
            raise ParseError(f"{self.name}: cannot open ({exc.strerror or _one_line(exc)})") from exc

    @contextmanager
    def reading(self) -> Iterator[BinaryIO]:
        if self._path is None:
            if self._stream is None:
                raise ValueError(f"{self.name}: a stream can be read only once")
            stream, self._stream = self._stream, None
            yield stream
            return
        with self._open_path() as raw:
            stream, _ = _decoded(raw, self.name)
            yield stream

    def start(self) -> bytes:
        """The head without BOM and leading whitespace; ParseError for an empty or UTF-16 file."""
        if self.head[:2] in (b"\xff\xfe", b"\xfe\xff"):
            raise ParseError(f"{self.name}: UTF-16 text is not supported (save it as UTF-8)")
        start = self.head.removeprefix(_UTF8_BOM).lstrip()
        if not start:
            raise ParseError(f"{self.name}: empty file" if not self.head else f"{self.name}: only whitespace")
        return start

    def describe(self) -> str:
        """The first characters, for an error message: "'hello'"."""
        first = self.start().split(b"\n", 1)[0][:24]
        return repr(first.decode("utf-8", "replace"))


def _chunks(stream: BinaryIO) -> Iterator[bytes | str]:
    """The stream's bytes in chunks; a str item is a read error (the last item)."""
    read = getattr(stream, "read1", stream.read)
    while True:
        try:
            chunk = read(CHUNK_BYTES)
        except EOFError:
            yield "the compressed data ends early (truncated file?)"
            return
        except _READ_ERRORS as exc:
            yield f"cannot read further: {_one_line(exc)}"
            return
        if not chunk:
            return
        yield chunk


# -------------------------------------------------------------------------------------- records


class _Splitter:
    """Cuts a byte stream into records, yielding (kind, tag, data): kind "record", "unclosed"
    (another record starts before this one's end tag), "cut" (the stream ends inside it),
    "oversize" (data = its first bytes; the rest is skipped) or "error" (data = message)."""

    def __init__(self, stream: BinaryIO, max_record_bytes: int) -> None:
        self._chunks = _chunks(stream)
        self._max = max_record_bytes
        self.root_closed = False
        self.cut = False

    def _fill(self, buf: bytearray) -> tuple[bool, str | None]:
        """Append a chunk; (at end of stream, read error message)."""
        item = next(self._chunks, b"")
        if isinstance(item, str):
            return True, item
        buf.extend(item)
        return not item, None

    def __iter__(self) -> Iterator[tuple[str, bytes, bytes | str]]:
        buf = bytearray()
        pos, eof = 0, False
        while True:
            found = _START.search(buf, pos)
            if found is None:
                if _ROOT_END.search(buf, pos):
                    self.root_closed = True
                if eof:
                    return
                del buf[: max(pos, len(buf) - _TAIL)]
                pos = 0
                eof, error = self._fill(buf)
                if error:
                    yield "error", b"", error
                continue
            self.root_closed = False
            start, tag = found.start(), found.group(1)
            closed = _SELF_CLOSED.match(buf, found.end())
            if closed:
                yield "record", tag, bytes(buf[start : closed.end()])
                pos = closed.end()
                continue
            look, skipping = found.end(), False
            while True:
                end = _END[tag].search(buf, look)
                after = _START.search(buf, look, end.start() if end else len(buf))
                if after is not None:
                    if not skipping:
                        yield "unclosed", tag, bytes(buf[start : after.start()])
                    pos = after.start()
                    break
                if end is not None:
                    if not skipping and end.end() - start > self._max:
                        yield "oversize", tag, bytes(buf[start : start + HEAD_BYTES])
                    elif not skipping:
                        yield "record", tag, bytes(buf[start : end.end()])
                    pos = end.end()
                    break
                if eof:
                    if not skipping:
                        yield "cut", tag, bytes(buf[start:])
                    self.cut = True
                    pos = len(buf)
                    break
                if not skipping and len(buf) - start > self._max:
                    yield "oversize", tag, bytes(buf[start : start + HEAD_BYTES])
                    skipping = True
                look = max(look, len(buf) - _TAIL)
                drop = max(0, min(look, len(buf) - _TAIL)) if skipping else start
                del buf[:drop]
                look, start = look - drop, start - drop
                eof, error = self._fill(buf)
                if error:
                    yield "error", tag, error


def _prolog(head: bytes, name: str) -> tuple[str | None, str, str | None]:
    """(root element name or None if beyond the head, root xmlns declarations, codec or None)."""
    head = head.removeprefix(_UTF8_BOM)
    codec = None
    declared = _ENCODING.match(head)
    if declared:
        try:
            codec = codecs.lookup(declared.group(1).decode("ascii")).name
        except LookupError as exc:
            raise ParseError(f"{name}: unknown encoding {declared.group(1).decode('ascii')!r}") from exc
        if codec.startswith(("utf-16", "utf-32")):
            raise ParseError(f"{name}: {codec} is not supported (save it as UTF-8)")
        if codec in ("utf-8", "ascii"):
            codec = None
    pos = 0
    while (item := _PROLOG_ITEM.match(head, pos)) and item.end() > pos:
        pos = item.end()
    root = _ROOT.match(head, pos)
    if root is None:
        if len(head) >= HEAD_BYTES - 3:
            return None, "", codec
        raise ParseError(f"{name}: not XML (no root element)")
    declarations = b" ".join(_XMLNS.findall(root.group(2))).decode("utf-8", "replace")
    return root.group(1).decode("ascii"), declarations, codec


def _guess_pmid(tag: bytes, data: bytes) -> str | None:
    """The PMID of a record that could not be parsed, if its first <PMID> reads as one."""
    found = _PMID.search(data) if tag == b"PubmedArticle" else None
    pmid = found.group(1).decode("ascii", "replace") if found else ""
    return pmid if _is_pmid(pmid) else None


def _is_pmid(text: str) -> bool:
    """A PMID as the database can hold it: digits only, at most MAX_PMID_DIGITS of them."""
    return len(text) <= MAX_PMID_DIGITS and DIGITS.fullmatch(text) is not None


def _unexpected(exc: BaseException) -> str:
    """An unexpected error as a short one-line reason: "RecursionError: maximum recursion …"."""
    return f"{type(exc).__name__}: {_one_line(exc)[:200]}"


def _checked(article: Article, problem, stats: ParseStats) -> Iterator[Article | Problem]:
    """The article past the record boundary (`check_article`), with a Problem per change, or
    a Problem alone when it cannot be used. `problem(message, severity)` makes the Problem."""
    checked = check_article(article)
    for warning in checked.warnings:
        yield problem(warning, "warning")
    if checked.article is None:
        yield problem(checked.reason or "unusable record", "error")
        return
    stats.articles += 1
    yield checked.article


class PubmedReader:
    """Iterates the records of one PubMed XML file in file order: `Article`, `Deletion`, `Problem`.

    Book records are skipped and counted. `stats` is reset on each pass and filled as it goes.
    """

    def __init__(
        self, source: Source | _Input, name: str | None = None, *, max_record_bytes: int = MAX_RECORD_BYTES
    ) -> None:
        self._input = source if isinstance(source, _Input) else _Input(source, name)
        self.name = self._input.name
        if not self._input.start().startswith(b"<"):
            raise ParseError(f"{self.name}: not XML (starts with {self._input.describe()})")
        self._root, namespaces, self._codec = _prolog(self._input.head, self.name)
        if self._root is not None and self._root not in _ROOTS:
            raise ParseError(f"{self.name}: XML root element is <{self._root}>, not <PubmedArticleSet>")
        for prefix, uri in _KNOWN_NS:
            if f"xmlns:{prefix}=" not in namespaces:
                namespaces += f' xmlns:{prefix}="{uri}"'
        self._namespaces = namespaces.strip()
        self._max = max_record_bytes
        self._parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=True,
            remove_comments=True,
            remove_pis=True,
        )
        self.stats = ParseStats()

    def _problem(
        self, message: str, pmid: str | None = None, position: int | None = None, severity: str = "error"
    ) -> Problem:
        self.stats.problems += 1
        return Problem(self.name, message, pmid=pmid, position=position, severity=severity)

    def __iter__(self) -> Iterator[Article | Deletion | Problem]:
        self.stats = ParseStats()
        with self._input.reading() as stream:
            splitter = _Splitter(stream, self._max)
            for kind, tag, data in splitter:
                if kind == "error":
                    yield self._problem(str(data))
                    continue
                self.stats.records += 1
                position = self.stats.records
                assert isinstance(data, bytes)
                if kind == "record":
                    yield from self._record(tag, data, position)
                    continue
                pmid = _guess_pmid(tag, data)
                element = tag.decode()
                message = {
                    "cut": f"the file ends inside this <{element}> (truncated file?)",
                    "unclosed": f"<{element}> has no end tag (another record starts inside it)",
                    "oversize": f"<{element}> is larger than {self._max:,} bytes; skipped",
                }[kind]
                yield self._problem(message, pmid, position)
            if self._root == "PubmedArticleSet" and not splitter.root_closed and not splitter.cut:
                yield self._problem("the file ends before </PubmedArticleSet> (truncated file?)")

    def _record(self, tag: bytes, data: bytes, position: int) -> Iterator[Article | Deletion | Problem]:
        """One record's items; anything unexpected while reading it is a Problem, never a crash."""
        try:
            yield from self._read_record(tag, data, position)
        except Exception as exc:  # noqa: BLE001  one record's failure must not stop the file
            yield self._problem(f"cannot be read ({_unexpected(exc)})", _guess_pmid(tag, data), position)

    def _read_record(self, tag: bytes, data: bytes, position: int) -> Iterator[Article | Deletion | Problem]:
        try:
            element, replaced = self._parse(data)
        except etree.XMLSyntaxError as exc:
            yield self._problem(f"not well-formed XML: {_one_line(exc)}", _guess_pmid(tag, data), position)
            return
        if tag == b"PubmedBookArticle":
            self.stats.books_skipped += 1
            return
        if tag == b"DeleteCitation":
            pmids = [" ".join((p.text or "").split()) for p in element.iter("PMID")]
            bad = [p[:40] for p in pmids if not _is_pmid(p)]
            if bad:
                yield self._problem(
                    f"<DeleteCitation> holds PMIDs that are not numbers: {bad[:5]!r}", position=position
                )
            good = tuple(p for p in pmids if _is_pmid(p))
            if good:
                self.stats.deletions += len(good)
                yield Deletion(good)
            return
        article = article_from_element(element)
        if isinstance(article, str):
            pmid = text_of(element.find("MedlineCitation/PMID"))
            yield self._problem(article, pmid if _is_pmid(pmid) else None, position)
            return
        if replaced:
            yield self._problem(
                "invalid UTF-8 bytes replaced by U+FFFD (record kept)", article.pmid, position, "warning"
            )
        yield from _checked(
            article, lambda message, severity: self._problem(message, article.pmid, position, severity), self.stats
        )

    def _parse(self, data: bytes) -> tuple[etree._Element, bool]:
        """The record's element, and whether undecodable bytes were replaced by U+FFFD."""
        codec = self._codec or "utf-8"
        try:
            text, replaced = data.decode(codec), False
        except UnicodeDecodeError:
            text, replaced = data.decode(codec, "replace"), True
        source: bytes | str = data if self._codec is None and not replaced else text
        try:
            return etree.fromstring(source, self._parser), replaced
        except etree.XMLSyntaxError as exc:
            if "Namespace prefix" not in str(exc):
                raise
        # a prefix declared on the root only: declare it on the record as well
        cut = text.index(">")
        cut -= text[cut - 1] == "/"
        return etree.fromstring(f"{text[:cut]} {self._namespaces}{text[cut:]}", self._parser), replaced


# ---------------------------------------------------------------------------------- JSON Lines


class JsonlReader:
    """Iterates `{"pmid", "title", "abstract"}` lines as `Article`s; a bad line is a `Problem`
    whose `position` is its line number. Lines are cut from the stream in one linear pass; a
    line longer than `max_line_bytes` is skipped without being held, like an oversized XML record."""

    def __init__(
        self, source: Source | _Input, name: str | None = None, *, max_line_bytes: int = MAX_RECORD_BYTES
    ) -> None:
        self._input = source if isinstance(source, _Input) else _Input(source, name)
        self.name = self._input.name
        self._max = max_line_bytes
        self.stats = ParseStats()

    def _problem(self, message: str, line: int | None, pmid: str | None = None, severity: str = "error") -> Problem:
        self.stats.problems += 1
        return Problem(self.name, message, pmid=pmid, position=line, severity=severity)

    def __iter__(self) -> Iterator[Article | Problem]:
        self.stats = ParseStats()
        with self._input.reading() as stream:
            for number, line in enumerate(_lines(_chunks(stream), self._max), 1):
                if isinstance(line, _Oversize):
                    self.stats.records += 1
                    yield self._problem(
                        f"line is longer than {self._max:,} bytes; skipped", number, _jsonl_pmid(line.head)
                    )
                elif isinstance(line, str):
                    yield self._problem(line, None)
                else:
                    yield from self._line(line, number)

    def _line(self, raw: bytes, number: int) -> Iterator[Article | Problem]:
        """One line's items; anything unexpected while reading it is a Problem, never a crash."""
        try:
            yield from self._read_line(raw, number)
        except Exception as exc:  # noqa: BLE001  one line's failure must not stop the file
            yield self._problem(f"cannot be read ({_unexpected(exc)})", number, _jsonl_pmid(raw[:HEAD_BYTES]))

    def _read_line(self, raw: bytes, number: int) -> Iterator[Article | Problem]:
        if number == 1:
            raw = raw.removeprefix(_UTF8_BOM)
        if not raw.strip():
            return
        self.stats.records += 1
        try:
            line, replaced = raw.decode("utf-8"), False
        except UnicodeDecodeError:
            line, replaced = raw.decode("utf-8", "replace"), True
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            yield self._problem(f"line is not valid JSON ({exc.msg}, column {exc.colno})", number)
            return
        except (RecursionError, ValueError) as exc:  # nesting too deep, an integer of > 4,300 digits
            yield self._problem(f"line is not usable JSON ({_unexpected(exc)})", number, _jsonl_pmid(raw[:HEAD_BYTES]))
            return
        if not isinstance(data, dict):
            yield self._problem(f"line is a JSON {type(data).__name__}, not an object", number)
            return
        pmid = data.get("pmid")
        pmid = (
            str(pmid).strip()
            if isinstance(pmid, str)
            or (isinstance(pmid, int) and not isinstance(pmid, bool) and 0 <= pmid < 10**MAX_PMID_DIGITS)
            else ""
        )
        if not _is_pmid(pmid):
            yield self._problem(f"PMID {clean_text(pmid[:40])!r} is not a number" if pmid else "no pmid", number)
            return
        fields = [data.get("title"), data.get("abstract")]
        if any(value is not None and not isinstance(value, str) for value in fields):
            yield self._problem("title and abstract must be strings", number, pmid)
            return
        title, title_italics = unmark(fields[0] or "")
        abstract, italics = unmark(fields[1] or "")
        if not title and not abstract:
            yield self._problem("no title and no abstract", number, pmid)
            return
        if replaced:
            yield self._problem("invalid UTF-8 bytes replaced by U+FFFD (record kept)", number, pmid, "warning")
        article = Article(
            pmid=pmid,
            title=title,
            sections=(Section(abstract, italics=italics),) if abstract else (),
            title_italics=title_italics,
        )
        yield from _checked(
            article, lambda message, severity: self._problem(message, number, pmid, severity), self.stats
        )


@dataclass(frozen=True)
class _Oversize:
    """A line longer than the cap: only its first bytes are kept (to name its PMID)."""

    head: bytes


_JSONL_PMID = re.compile(rb'"pmid"\s*:\s*"?\s*([0-9]{1,16})\b')


def _jsonl_pmid(head: bytes) -> str | None:
    found = _JSONL_PMID.search(head)
    return found.group(1).decode("ascii") if found else None


def _lines(chunks: Iterator[bytes | str], max_bytes: int) -> Iterator[bytes | _Oversize | str]:
    """The lines of a chunk stream in one linear pass (each byte looked at once): bytes, an
    `_Oversize` for a line past `max_bytes`, or a str read error (the last item)."""
    parts: list[bytes] = []
    size, head, over = 0, b"", False
    for chunk in chunks:
        if isinstance(chunk, str):
            yield chunk
            return
        start = 0
        while True:
            end = chunk.find(b"\n", start)
            piece = chunk[start:] if end < 0 else chunk[start:end]
            if not over:
                size += len(piece)
                if size > max_bytes:
                    over, head = True, (b"".join(parts) + piece)[:HEAD_BYTES]
                    parts = []
                else:
                    parts.append(piece)
            if end < 0:
                break
            yield _Oversize(head) if over else b"".join(parts)
            parts, size, head, over = [], 0, b"", False
            start = end + 1
    if over:
        yield _Oversize(head)
    elif size:
        yield b"".join(parts)


# ------------------------------------------------------------------------------------- entrances


def read_pubmed(source: Source, name: str | None = None) -> PubmedReader:
    """A reader over PubMed XML (a path to .xml or .xml.gz, or a binary file object).

    Raises ParseError at once when the input is empty, not XML, or not a PubmedArticleSet.
    """
    return PubmedReader(source, name)


def read_jsonl(source: Source, name: str | None = None) -> JsonlReader:
    """A reader over JSON Lines `{"pmid", "title", "abstract"}` (path or binary file object, gzip or not)."""
    return JsonlReader(source, name)


def read_records(path_or_dash: str | Path) -> PubmedReader | JsonlReader:
    """The right reader for a file (or stdin for "-"), chosen by content, not by name."""
    if str(path_or_dash) == "-":
        source = _Input(sys.stdin.buffer, "<stdin>")
    else:
        source = _Input(path_or_dash)
    start = source.start()
    if start.startswith(b"<"):
        return PubmedReader(source)
    if start.startswith(b"{"):
        return JsonlReader(source)
    raise ParseError(f"{source.name}: not PubMed XML or JSON Lines (starts with {source.describe()})")
