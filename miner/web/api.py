"""The researchers' JSON API under /api/v1 (OpenAPI and a browsable reference at /docs).

Every endpoint reads through `miner.query`, so the API, the search page, the CLI and the exports
agree. Filters are shared (`relation_filter`); a bad filter is a 400 and an unknown taxon,
disorder or article a 404, as JSON `{"error": {"status", "message"}}`. Pages are capped at 500
items; claims page by cursor, pairs by offset. Exports stream (CSV or JSON Lines) from a session
of their own, so they run in flat memory however many rows match.
Imports: FastAPI, `miner.conflicts`, `miner.exports`, `miner.query`, `miner.web.deps`.
"""
from __future__ import annotations

import re
from typing import Callable, Iterator, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy.orm import Session

from miner.conflicts import count_conflicts, find_conflicts
from miner.exports import MEDIA_TYPES, formatted
from miner.query import (
    RELATION_COLUMNS, SIGNATURE_COLUMNS, RelationFilter, article_detail, disorder_detail, disorders, pairs, relation_page,
    relation_rows, signature_rows, stats, suggest, taxon_detail,
)
from miner.query.filters import conditions
from miner.query.pairs import CONSENSUS_TEXT, MAX_PAIRS, PAIR_COLUMNS, PAIR_SORTS
from miner.query.relations import MAX_PAGE, SORTS
from miner.web.deps import DB_SESSION

router = APIRouter(prefix="/api/v1", tags=["miner API v1"])
CONSENSUS = CONSENSUS_TEXT


def relation_filter(
    taxon: str | None = Query(None, description="A taxon name (any NCBI name or synonym) or NCBI taxid."),
    include_descendants: bool = Query(False, description="With the taxon, every taxon below it in the NCBI lineage (a family returns its genera's findings)."),
    rank: str | None = Query(None, description="Only taxa of this rank (genus, species, family…)."),
    disorder: str | None = Query(None, description="A MeSH descriptor (D003865), a disorder name or a disorder group (depression)."),
    direction: Literal["increased", "decreased", "unchanged", "associated"] | None = Query(None, description="As read through curators' verdicts."),
    subject: Literal["human", "animal"] | None = Query(None),
    year_from: int | None = Query(None, ge=1800, le=2100),
    year_to: int | None = Query(None, ge=1800, le=2100),
    min_confidence: float | None = Query(None, ge=0, le=1, description="Extraction confidence, 0–1."),
    pmid: str | None = Query(None, pattern=r"^\d+$"),
    conflict_only: bool = Query(False, description="Only pairs with an open or confirmed conflict."),
    verdict: str | None = Query(None, description="unreviewed, reviewed, rejected, any, or one verdict (correct, wrong direction…); default: all but rejected."),
) -> RelationFilter:
    return RelationFilter(taxon, include_descendants, rank, disorder, direction, subject, year_from, year_to, min_confidence, pmid, conflict_only, verdict)


def _json(payload) -> JSONResponse:
    return JSONResponse(payload)


@router.get("/relations", summary="Claims with their evidence")
def relations_endpoint(
    request: Request,
    f: RelationFilter = Depends(relation_filter),
    sort: Literal[tuple(SORTS)] = Query("-id", description="-id (most recently stored first), id, -year, year, -confidence, confidence."),
    limit: int = Query(50, ge=1, le=MAX_PAGE),
    cursor: str | None = Query(None, description="`next_cursor` of the previous page."),
    session: Session = DB_SESSION,
):
    """Every claim matching the filters: taxon, disorder, direction (read through curators'
    verdicts), the evidence sentence with character offsets of the taxon, disorder and trigger,
    PMID, journal, year, DOI and verdict. Page with `cursor`: pages never skip or repeat claims,
    even while new ones are stored."""
    page = relation_page(session, f, sort=sort, limit=limit, cursor=cursor)
    response = _json({"items": page.items, "next_cursor": page.next_cursor, "limit": limit, "sort": sort, "filter": f.__dict__})
    if page.next_cursor:
        response.headers["Link"] = f'<{request.url.include_query_params(cursor=page.next_cursor)}>; rel="next"'
    return response


@router.get("/pairs", summary="Consensus per taxon–disorder pair", description=CONSENSUS)
def pairs_endpoint(
    f: RelationFilter = Depends(relation_filter),
    sort: Literal[tuple(PAIR_SORTS)] = Query("papers"),
    limit: int = Query(100, ge=1, le=MAX_PAIRS),
    offset: int = Query(0, ge=0),
    session: Session = DB_SESSION,
):
    found = pairs(session, f, sort=sort, limit=limit, offset=offset)
    return _json({"items": found, "limit": limit, "offset": offset, "sort": sort, "consensus": CONSENSUS, "filter": f.__dict__})


@router.get("/taxa/{taxid}", summary="A taxon: lineage, names, findings by disorder")
def taxon_endpoint(
    taxid: int,
    include_descendants: bool = Query(False, description="Count the descendants' findings with the taxon's own."),
    session: Session = DB_SESSION,
):
    return _json(taxon_detail(session, taxid, descendants=include_descendants))


@router.get("/disorders", summary="Every disorder descriptor with its group and counts")
def disorders_endpoint(session: Session = DB_SESSION):
    return _json({"items": disorders(session)})


@router.get("/disorders/{mesh}", summary="A disorder: terms, taxa most reported up and down")
def disorder_endpoint(mesh: str, session: Session = DB_SESSION):
    return _json(disorder_detail(session, mesh))


@router.get("/articles/{pmid}", summary="An article and every claim extracted from it")
def article_endpoint(pmid: str, session: Session = DB_SESSION):
    return _json(article_detail(session, pmid))


@router.get("/conflicts", summary="Conflicting findings, most evidence first")
def conflicts_endpoint(
    status: Literal["open", "confirmed", "resolved", "dismissed"] | None = None,
    disorder: str | None = Query(None, description="A disorder group, MeSH descriptor or disorder name."),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
    session: Session = DB_SESSION,
):
    """Each conflict: taxon, taxid, disorder group, MeSH descriptors, subject, status (with who
    set it and why), and the PMIDs on each side (`increased`, `decreased`; `unchanged` ones are
    non-replications), with their weights and whether each paper is secondary."""
    found = find_conflicts(session, status=status, disorder=disorder, limit=limit, offset=offset)
    total = count_conflicts(session, status=status, disorder=disorder)
    return _json({"items": [c.to_json() for c in found], "total": total, "limit": limit, "offset": offset})


@router.get("/stats", summary="Counts of articles, claims, taxa, disorders and conflicts")
def stats_endpoint(session: Session = DB_SESSION):
    return _json(stats(session))


@router.get("/suggest", summary="Taxa and disorders whose names contain the text (for search boxes)")
def suggest_endpoint(q: str = Query(..., min_length=1, max_length=100), session: Session = DB_SESSION):
    return _json(suggest(session, q))


@router.get("/export/relations", summary="Every matching claim, streamed as CSV or JSON Lines")
def export_relations(request: Request, f: RelationFilter = Depends(relation_filter), format: Literal["csv", "jsonl"] = "csv", session: Session = DB_SESSION):
    conditions(session, f)  # a bad filter fails here, as a 400, before the stream starts
    return _stream(request, lambda s: relation_rows(s, f, as_tuples=True), RELATION_COLUMNS, format, f"miner-relations-{_slug(f)}")


@router.get("/export/signatures", summary="BugSigDB-style signatures, streamed as CSV or JSON Lines")
def export_signatures(request: Request, f: RelationFilter = Depends(relation_filter), format: Literal["csv", "jsonl"] = "csv", session: Session = DB_SESSION):
    """One row per (PMID, MeSH descriptor, subject, direction): the taxa reported increased, or
    decreased, with NCBI taxids, NCBI lineages (`2|1239|…|216851`) and MetaPhlAn-style names."""
    conditions(session, f)
    return _stream(request, lambda s: signature_rows(s, f), SIGNATURE_COLUMNS, format, f"miner-signatures-{_slug(f)}")


@router.get("/export/pairs", summary="Every matching pair's consensus as CSV or JSON Lines", description=CONSENSUS)
def export_pairs(request: Request, f: RelationFilter = Depends(relation_filter), format: Literal["csv", "jsonl"] = "csv", session: Session = DB_SESSION):
    conditions(session, f)
    return _stream(request, lambda s: iter(pairs(s, f, limit=None)), PAIR_COLUMNS, format, f"miner-pairs-{_slug(f)}")


def _stream(request: Request, rows: Callable[[Session], Iterator[dict]], columns, fmt: str, name: str) -> StreamingResponse:
    database = request.app.state.database

    def chunks() -> Iterator[str]:
        with database.session() as session:
            yield from formatted(rows(session), fmt, columns)

    headers = {"Content-Disposition": f'attachment; filename="{name}.{fmt}"'}
    return StreamingResponse(chunks(), media_type=MEDIA_TYPES[fmt], headers=headers)


def _slug(f: RelationFilter) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", f.described()).strip("-")[:80] or "all"
