"""Write rows (dicts) as JSON Lines or CSV to a text stream, or as text chunks for an HTTP
response, a few hundred rows at a time (memory flat however many rows). Lists become "a; b" in
CSV; None becomes an empty cell.

Signatures also come as BugSigDB's CSV (`commented_csv`: one "# …" line, then the CSV) and as GMT
(`gmt_lines`: one tab-separated line per set), with their media types in SIGNATURE_MEDIA_TYPES.

Every CSV miner writes goes through `formatted`, and every text cell through `safe_cell`: a cell
that starts with =, +, -, @, a tab or a carriage return is written with a leading single quote
(as OWASP advises against CSV formula injection), so a spreadsheet shows the text and never runs
it as a formula. Numbers are written as numbers: a negative score stays -0.5. CSV lines end in
CRLF (RFC 4180). JSON Lines are written as they are. Imports: stdlib only."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import IO, Any, cast

FORMATS = ("jsonl", "csv")


MEDIA_TYPES = {"jsonl": "application/x-ndjson; charset=utf-8", "csv": "text/csv; charset=utf-8"}
# the signature export's formats: those, BugSigDB's own CSV (`commented_csv`) and GMT (`gmt_lines`);
# kept apart so the other exports neither take nor document text/plain
SIGNATURE_MEDIA_TYPES = {**MEDIA_TYPES, "bugsigdb": "text/csv; charset=utf-8", "gmt": "text/plain; charset=utf-8"}


# a row: a dict, or the values in `columns` order (a tuple or a database row: the fast path)
ExportRow = Mapping[str, Any] | Sequence[Any]


def write_rows(rows: Iterable[ExportRow], stream: IO[str], fmt: str, columns: Sequence[str]) -> int:
    """Write every row to `stream`; returns how many."""
    counter = _Counter(rows)
    for chunk in formatted(counter, fmt, columns):
        stream.write(chunk)
    return counter.count


def formatted(rows: Iterable[ExportRow], fmt: str, columns: Sequence[str], rows_per_chunk: int = 1000) -> Iterator[str]:
    """The rows as text, one chunk per `rows_per_chunk` rows (CSV: the header first). Rows are
    dicts, or tuples of scalars in `columns` order (the fast path of large exports)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    rows = iter(rows)
    if fmt == "jsonl":
        while batch := list(islice(rows, rows_per_chunk)):
            # a batch is all dicts or all value rows: one check a batch keeps the fast path fast
            objects = (
                cast(list[Mapping[str, Any]], batch)
                if isinstance(batch[0], Mapping)
                else [dict(zip(columns, cast(Sequence[Any], row), strict=True)) for row in batch]
            )
            yield "".join(json.dumps(row, ensure_ascii=False, default=str) + "\n" for row in objects)
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180; a cell holding \r or \n is quoted then
    writer.writerow(columns)
    yield buffer.getvalue()
    while batch := list(islice(rows, rows_per_chunk)):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(
            (_cells(cast(Mapping[str, Any], row), columns) for row in batch)
            if isinstance(batch[0], Mapping)
            else map(_safe_row, cast(list[Sequence[Any]], batch))
        )
        yield buffer.getvalue()


def commented_csv(rows: Iterable, columns: Sequence[str], comment: str) -> Iterator[str]:
    """CSV as `formatted` writes it after one "# comment" line, as BugSigDB's exports open (and
    bugsigdbr's importBugSigDB skips the first line)."""
    yield "# " + " ".join(comment.split()) + "\r\n"
    yield from formatted(rows, "csv", columns)


def gmt_lines(sets: Iterable[tuple[str, str, Sequence]], sets_per_chunk: int = 1000) -> Iterator[str]:
    """GMT text, one line per (name, description, members): `name<TAB>description<TAB>member…`,
    a chunk per `sets_per_chunk` sets. A tab or line break inside a cell becomes a space."""
    sets = iter(sets)
    while batch := list(islice(sets, sets_per_chunk)):
        yield "".join(
            "\t".join(_gmt_cell(cell) for cell in (name, description, *members)) + "\n"
            for name, description, members in batch
        )


def _gmt_cell(value) -> str:
    return " ".join(str(value).replace("\t", " ").splitlines())


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A text cell a spreadsheet would read as a formula, quoted as text ("'=1+2"); any other
    value as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _safe_row(values: Sequence[Any]) -> list[Any]:
    return [safe_cell(value) for value in values]


def _cells(row: Mapping[str, Any], columns: Sequence[str]) -> list[Any]:
    return [safe_cell(_cell(row.get(column))) for column in columns]


class _Counter:
    def __init__(self, rows: Iterable[ExportRow]):
        self._rows = iter(rows)
        self.count = 0

    def __iter__(self) -> _Counter:
        return self

    def __next__(self) -> ExportRow:
        row = next(self._rows)
        self.count += 1
        return row


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "; ".join(str(item) for item in value)
    return value
