"""What a request may carry, declared once for the API and the pages alike.

- Integers: every integer a route reads from its path or query string is an `Annotated[int, …]`
  bounded by `between` (`Offset`, `Id`, `Year`, `page_bounds`, or bounds of its own), so none reaches the
  database out of the range it can hold (at most 2^63−1, `MAX_INTEGER`); a number out of range,
  negative or huge, is a 400 like any other bad parameter, and the bounds are in the OpenAPI
  document.
- Text: `Text` is a query or path string of at most `MAX_TEXT` characters without control
  characters (PostgreSQL refuses NUL in text; none of the others means anything in a name).
- Blank values: `BlankQueryValuesAreAbsent` drops every `name=` pair whose value is empty or
  only spaces from the query string before any route reads it, so an empty value always means
  the same as a missing one (HTML forms send their blank fields).
- `relation_filter`: the claim filter (`miner.query.RelationFilter`) as typed query parameters,
  for /api/v1 and the search pages; `pair_options` how pairs are counted (`PairOptions`).
Imports: FastAPI, annotated-types, `miner.query`, `miner.study_facts`.
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import unquote_plus

from annotated_types import Interval
from fastapi import Query
from pydantic import StringConstraints

from miner.query import PairOptions, RelationFilter
from miner.query.filters import MAX_INTEGER, MAX_SAMPLE_SIZE, YEARS
from miner.query.pairs import EvidenceName, RollUpRank
from miner.study_facts import BODY_SITES, DESIGNS, METHODS

MAX_TEXT = 200


def between(low: int = 0, high: int = MAX_INTEGER) -> Interval:
    """The bounds of an integer parameter, from `low` to `high` (both included):
    `Annotated[int, between(1, 50)]` (a type the checker can read, as a call would not be)."""
    return Interval(ge=low, le=high)


def page_bounds(page_size: int) -> Interval:
    """Page numbers from 1, as far as the page's offset stays in range."""
    return between(1, MAX_INTEGER // page_size)


Offset = Annotated[int, between(0)]
Id = Annotated[int, between(1)]
Year = Annotated[int, between(*YEARS)]
Text = Annotated[str, StringConstraints(max_length=MAX_TEXT, pattern=r"^[^\x00-\x1f\x7f]*$")]
Evidence = Annotated[
    EvidenceName,
    Query(
        description="primary: only primary studies vote, reviews and meta-analyses are shown apart; all: they vote too."
    ),
]


class BlankQueryValuesAreAbsent:
    """ASGI middleware: `?taxon=&verdict=%20&rank=genus` reaches the routes as `?rank=genus`."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope.get("query_string"):
            # in place: the outer layers (the error pages) must see what the inner ones add, the session
            scope["query_string"] = without_blank_values(scope["query_string"])
        await self.app(scope, receive, send)


def without_blank_values(query: bytes) -> bytes:
    """The raw query string less its pairs with an empty (or all-space) value; the others are
    kept byte for byte."""
    kept = [pair for pair in query.split(b"&") if _value(pair).strip()]
    return b"&".join(kept)


def _value(pair: bytes) -> str:
    _, _, value = pair.partition(b"=")
    return unquote_plus(value.decode("latin-1"))


def relation_filter(
    taxon: Annotated[
        Text | None, Query(description="Taxon names (any NCBI name or synonym) or NCBI taxids, comma-separated.")
    ] = None,
    include_descendants: Annotated[
        bool,
        Query(
            description="With the taxon, every taxon below it in the NCBI lineage "
            "(a family returns its genera's findings)."
        ),
    ] = False,
    rank: Annotated[Text | None, Query(description="Only taxa of this rank (genus, species, family…).")] = None,
    disorder: Annotated[
        Text | None,
        Query(
            description="MeSH descriptors (D003865), disorder names, terms or abbreviations "
            "(MDD, first-episode psychosis) or groups (depression), comma-separated."
        ),
    ] = None,
    direction: Annotated[
        Literal["increased", "decreased", "unchanged", "associated"] | None,
        Query(description="As read through curators' verdicts."),
    ] = None,
    subject: Literal["human", "animal"] | None = None,
    year_from: Year | None = None,
    year_to: Year | None = None,
    min_confidence: Annotated[float | None, Query(ge=0, le=1, description="Extraction confidence, 0–1.")] = None,
    pmid: Annotated[str | None, Query(pattern=r"^[0-9]{1,16}$", description="A PubMed id.")] = None,
    conflict_only: Annotated[bool, Query(description="Only pairs with an open or confirmed conflict.")] = False,
    verdict: Annotated[
        Text | None,
        Query(
            description="unreviewed, reviewed, rejected, any, or one verdict (correct, wrong direction…); "
            "default: all but rejected."
        ),
    ] = None,
    design: Annotated[
        Text | None, Query(description=f"Study designs of the paper, comma-separated: {', '.join(DESIGNS)}.")
    ] = None,
    host: Annotated[
        Text | None, Query(description="Hosts the paper's data come from (human, mouse, rat…), comma-separated.")
    ] = None,
    body_site: Annotated[
        Text | None, Query(description=f"Where the samples were taken, comma-separated: {', '.join(BODY_SITES)}.")
    ] = None,
    method: Annotated[
        Text | None, Query(description=f"How the microbiota was measured, comma-separated: {', '.join(METHODS)}.")
    ] = None,
    country: Annotated[
        Text | None, Query(description="Countries the study was done in (China, United States…), comma-separated.")
    ] = None,
    min_sample_size: Annotated[
        Annotated[int, between(1, MAX_SAMPLE_SIZE)] | None,
        Query(description="Only papers stating at least this many participants."),
    ] = None,
) -> RelationFilter:
    return RelationFilter(
        taxon,
        include_descendants,
        rank,
        disorder,
        direction,
        subject,
        year_from,
        year_to,
        min_confidence,
        pmid,
        conflict_only,
        verdict,
        design,
        host,
        body_site,
        method,
        country,
        min_sample_size,
    )


def pair_options(
    evidence: Evidence = "primary",
    min_papers: Annotated[
        Annotated[int, between(1, 1_000_000)], Query(description="Only pairs with at least this many counted papers.")
    ] = 1,
    roll_up: Annotated[
        RollUpRank | None,
        Query(
            description="Pool each taxon into its ancestor at this rank "
            "(family: one row per family and disorder, a paper counted once)."
        ),
    ] = None,
) -> PairOptions:
    return PairOptions(evidence, min_papers, roll_up)
