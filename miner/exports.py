"""Write rows (dicts) as JSON Lines or CSV to a text stream, one row at a time (memory flat).
Lists become "a; b" in CSV; None becomes an empty cell. Imports: stdlib only."""
from __future__ import annotations

import csv
import json
from typing import IO, Iterable, Sequence

FORMATS = ("jsonl", "csv")


def write_rows(rows: Iterable[dict], stream: IO[str], fmt: str, columns: Sequence[str]) -> int:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    count = 0
    if fmt == "jsonl":
        for row in rows:
            stream.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
            count += 1
        return count
    writer = csv.DictWriter(stream, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _cell(value) for key, value in row.items()})
        count += 1
    return count


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "; ".join(str(item) for item in value)
    return value
