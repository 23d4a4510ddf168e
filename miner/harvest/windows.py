"""Date windows small enough for PubMed to serve whole.

PubMed returns at most 9,999 records of one search. A window with more is halved by date, again
and again, until each part fits; the windows come out in date order, each with its search
result on the history server, one at a time (history sessions expire, so each is fetched soon
after it is searched). Imports: stdlib, `miner.errors`, `miner.harvest.client`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from miner.errors import HarvestError
from miner.harvest.client import MAX_RECORDS_PER_SEARCH, EutilsClient, SearchResult


@dataclass(frozen=True)
class Window:
    start: date
    end: date
    datetype: str
    search: SearchResult


def windows(client: EutilsClient, term: str, start: date, end: date, datetype: str = "edat") -> Iterator[Window]:
    pending = [(start, end)]
    while pending:
        first, last = pending.pop(0)
        search = client.esearch(term, mindate=first, maxdate=last, datetype=datetype)
        if search.count <= MAX_RECORDS_PER_SEARCH:
            yield Window(first, last, datetype, search)
            continue
        if first == last:
            raise HarvestError(
                f"{first}: {search.count} records in one day, "
                f"more than PubMed serves for one search ({MAX_RECORDS_PER_SEARCH}); narrow the query"
            )
        middle = first + timedelta(days=(last - first).days // 2)
        pending[0:0] = [(first, middle), (middle + timedelta(days=1), last)]
