"""The researchers' JSON API under /api/v1 (OpenAPI and a browsable reference at /docs).

Every endpoint reads through `miner.query`, so the API, the search page, the CLI and the exports
agree. Filters are shared (`miner.web.params.relation_filter`); a bad parameter (wrong type, out
of range, or meaningless) is a 400 and an unknown taxon, disorder or article a 404, as JSON
`{"error": {"status", "message", "did_you_mean"}}` (`ErrorBody`, documented per operation; never
a 422); an unknown query parameter is a 400 too. Every answer's shape is declared in
`miner.web.schemas` (`response_model`), so the OpenAPI document shows it.
Integers and texts have the bounded types of `miner.web.params`. Pages are capped at 500 items;
claims page by cursor, pairs by offset. Exports stream (CSV or JSON Lines, documented as
text/csv and application/x-ndjson) from a session of their own, so they run in flat memory
however many rows match.
Imports: FastAPI, pydantic, `miner.conflicts`, `miner.errors`, `miner.exports`, `miner.query`, `miner.web.deps`,
`miner.web.params`, `miner.web.schemas`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from miner.conflicts import count_conflicts, find_conflicts
from miner.errors import InvalidValue
from miner.exports import MEDIA_TYPES, SIGNATURE_MEDIA_TYPES, ExportRow, commented_csv, formatted, gmt_lines
from miner.query import (
    RELATION_COLUMNS,
    SIGNATURE_COLUMNS,
    RelationFilter,
    article_detail,
    disorder_detail,
    disorders,
    pairs,
    relation_page,
    relation_rows,
    signature_rows,
    stats,
    suggest,
    taxon_detail,
)
from miner.query.filters import conditions
from miner.query.names import one_taxid
from miner.query.pairs import CONSENSUS_TEXT, MAX_PAIRS, PAIR_COLUMNS, PAIR_SORTS, PairOptions, PairSortName
from miner.query.profile import PROFILE_SORTS, ProfileSortName, profile, shared
from miner.query.relations import MAX_PAGE, SortName
from miner.query.signatures import BUGSIGDB_COLUMNS, bugsigdb_comment, bugsigdb_rows, gmt_sets
from miner.web import schemas
from miner.web.deps import DB_SESSION
from miner.web.params import Evidence, Offset, Text, between, pair_options, relation_filter


def known_parameters(request: Request) -> None:
    """An unknown query parameter is a 400 naming it and the ones the endpoint takes: a typo
    (`disorders=` for `disorder=`) must not silently answer for everything."""
    route = request.scope.get("route")
    allowed = _query_names(route) if isinstance(route, APIRoute) else set()
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        raise InvalidValue(
            f"unknown parameter{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}; "
            f"this endpoint takes {', '.join(sorted(allowed)) or 'none'}"
        )


_QUERY_NAMES: dict[str, frozenset[str]] = {}


def _query_names(route: APIRoute) -> frozenset[str]:
    """The query parameters a route and its dependencies declare, kept per route."""
    known = _QUERY_NAMES.get(route.unique_id)
    if known is not None:
        return known
    names: set[str] = set()
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        names.update(param.alias for param in dependant.query_params)
        pending.extend(dependant.dependencies)
    known = _QUERY_NAMES[route.unique_id] = frozenset(names)
    return known


CONSENSUS = CONSENSUS_TEXT
ClaimPage = Annotated[int, between(1, MAX_PAGE)]
PairPage = Annotated[int, between(1, MAX_PAIRS)]
ConflictPage = Annotated[int, between(1, 1000)]


class ErrorDetail(BaseModel):
    status: int
    message: str
    did_you_mean: list[str] | None = Field(
        None, description="For an unknown name: names that exist and are spelled alike."
    )


class ErrorBody(BaseModel):
    """Every error of the API: its HTTP status and a one-line message."""

    error: ErrorDetail


def error_json(status: int, message: str, candidates: list[str] | None = None) -> JSONResponse:
    detail = ErrorDetail(status=status, message=message, did_you_mean=candidates or None)
    return JSONResponse(ErrorBody(error=detail).model_dump(exclude_none=True), status_code=status)


# OpenAPI `responses` of the routes: status → what FastAPI documents for it
Responses = dict[int | str, dict[str, Any]]
BAD: Responses = {
    400: {
        "model": ErrorBody,
        "description": "A parameter of the wrong type, out of range, or that cannot mean anything.",
    }
}
UNKNOWN: Responses = {
    404: {"model": ErrorBody, "description": "An unknown taxon, taxid, disorder descriptor or article."}
}
EXPORTED: Responses = {
    200: {
        "description": "The rows, streamed: CSV with a header line (`format=csv`) "
        "or one JSON object a line (`format=jsonl`).",
        "content": {MEDIA_TYPES[fmt].split(";")[0]: {"schema": {"type": "string"}} for fmt in MEDIA_TYPES},
    },
    **BAD,
    **UNKNOWN,
}
SIGNATURES_EXPORTED: Responses = {
    **EXPORTED,
    200: {
        "description": "The signatures, streamed: CSV (`csv`, `bugsigdb`), JSON Lines (`jsonl`) "
        "or GMT gene sets (`gmt`).",
        "content": {media.split(";")[0]: {"schema": {"type": "string"}} for media in SIGNATURE_MEDIA_TYPES.values()},
    },
}
# every endpoint: an unknown query parameter is a 400
router = APIRouter(prefix="/api/v1", tags=["miner API v1"], dependencies=[Depends(known_parameters)], responses=BAD)


def describe(app: FastAPI) -> None:
    """Make `app`'s OpenAPI document say what the API answers: a parameter that fails validation
    is a 400 (the app's handler, documented per operation), never FastAPI's 422, so its 422
    responses and their schemas are dropped."""
    made = app.openapi

    def document() -> dict[str, Any]:
        schema = made()  # FastAPI's, kept until the routes change
        for operations in schema["paths"].values():
            for operation in operations.values():
                operation["responses"].pop("422", None)
        for name in ("HTTPValidationError", "ValidationError"):
            schema.get("components", {}).get("schemas", {}).pop(name, None)
        return schema

    app.openapi = document  # type: ignore[method-assign]  # FastAPI's documented way to change the document


def _json(payload) -> JSONResponse:
    return JSONResponse(payload)


@router.get(
    "/relations", response_model=schemas.ClaimPage, summary="Claims with their evidence", responses={**BAD, **UNKNOWN}
)
def relations_endpoint(
    request: Request,
    f: RelationFilter = Depends(relation_filter),
    sort: Annotated[
        SortName,
        Query(description="-id (most recently stored first), id, -year, year, -confidence, confidence."),
    ] = "-id",
    limit: ClaimPage = 50,
    cursor: Annotated[Text | None, Query(description="`next_cursor` of the previous page.")] = None,
    session: Session = DB_SESSION,
):
    """Every claim matching the filters: taxon, disorder, direction (read through curators'
    verdicts), the evidence sentence with character offsets of the taxon, disorder and trigger,
    PMID, journal, year, DOI and verdict. Page with `cursor`: pages never skip or repeat claims,
    even while new ones are stored."""
    page = relation_page(session, f, sort=sort, limit=limit, cursor=cursor)
    response = _json(
        {"items": page.items, "next_cursor": page.next_cursor, "limit": limit, "sort": sort, "filter": f.__dict__}
    )
    if page.next_cursor:
        response.headers["Link"] = f'<{request.url.include_query_params(cursor=page.next_cursor)}>; rel="next"'
    return response


PairSort = Annotated[
    PairSortName,
    Query(description="; ".join(f"`{name}`: {what}" for name, what in PAIR_SORTS.items()) + "."),
]


@router.get(
    "/pairs",
    response_model=schemas.PairPage,
    summary="Consensus per taxon–disorder pair",
    description=CONSENSUS,
    responses={**BAD, **UNKNOWN},
)
def pairs_endpoint(
    f: RelationFilter = Depends(relation_filter),
    options: PairOptions = Depends(pair_options),
    sort: PairSort = "papers",
    limit: PairPage = 100,
    offset: Offset = 0,
    session: Session = DB_SESSION,
):
    found = pairs(session, f, sort=sort, limit=limit, offset=offset, options=options)
    return _json(
        {
            "items": found,
            "limit": limit,
            "offset": offset,
            "sort": sort,
            "evidence": options.evidence,
            "min_papers": options.min_papers,
            "roll_up": options.roll_up,
            "consensus": CONSENSUS,
            "filter": f.__dict__,
        }
    )


@router.get(
    "/taxa/{taxon}",
    response_model=schemas.TaxonDetail,
    summary="A taxon by NCBI taxid or any name: lineage, names, findings by disorder",
    responses={**BAD, **UNKNOWN},
)
def taxon_endpoint(
    taxon: Annotated[
        Text, Path(description="An NCBI taxid (853) or any name or synonym of the taxon (Faecalibacterium, Bacillota).")
    ],
    include_descendants: Annotated[
        bool, Query(description="Count the descendants' findings with the taxon's own.")
    ] = False,
    evidence: Evidence = "primary",
    session: Session = DB_SESSION,
):
    return _json(taxon_detail(session, one_taxid(session, taxon), descendants=include_descendants, evidence=evidence))


Subject = Annotated[Literal["human", "animal"], Query(description="Human or animal findings (kept apart).")]


@router.get(
    "/profile",
    response_model=schemas.Profile,
    summary="Taxon × disorder matrix of consensus (the transdiagnostic view)",
    responses={**BAD, **UNKNOWN},
)
def profile_endpoint(
    disorders: Annotated[
        Text,
        Query(
            description="Disorder groups or any disorder names, comma-separated "
            "(depression,bipolar,schizophrenia,anxiety)."
        ),
    ],
    taxa: Annotated[
        Text | None,
        Query(description="Taxon names or taxids, comma-separated; default: the taxa with the most papers."),
    ] = None,
    subject: Subject = "human",
    options: PairOptions = Depends(pair_options),
    sort: Annotated[
        ProfileSortName, Query(description="; ".join(f"`{k}`: {v}" for k, v in PROFILE_SORTS.items()))
    ] = "agreement",
    limit: PairPage = 50,
    session: Session = DB_SESSION,
):
    """One row per taxon, one cell per disorder group: papers increased, decreased, unchanged and
    the consensus label (as /pairs), with the direction most groups agree on and how many agree."""
    return _json(profile(session, disorders, taxa=taxa, subject=subject, options=options, sort=sort, limit=limit))


@router.get(
    "/shared",
    response_model=schemas.Shared,
    summary="Taxa that move the same way in at least k of the disorders",
    responses={**BAD, **UNKNOWN},
)
def shared_endpoint(
    disorders: Annotated[Text, Query(description="Two or more disorder groups or names, comma-separated.")],
    k: Annotated[
        Annotated[int, between(2, 50)] | None,
        Query(description="In how many of them the consensus must agree (default: all)."),
    ] = None,
    subject: Subject = "human",
    options: PairOptions = Depends(pair_options),
    limit: PairPage = 100,
    session: Session = DB_SESSION,
):
    """Each taxon whose consensus label is the same direction (increased or decreased) in at least
    `k` of the groups: the direction, the groups that agree, those that disagree, and every cell."""
    return _json(shared(session, disorders, k=k, subject=subject, options=options, limit=limit))


@router.get(
    "/disorders", response_model=schemas.Disorders, summary="Every disorder descriptor with its group and counts"
)
def disorders_endpoint(session: Session = DB_SESSION):
    return _json({"items": disorders(session)})


@router.get(
    "/disorders/{mesh}",
    response_model=schemas.DisorderDetail,
    summary="A disorder: terms, taxa most reported up and down",
    responses={**BAD, **UNKNOWN},
)
def disorder_endpoint(mesh: Text, session: Session = DB_SESSION):
    return _json(disorder_detail(session, mesh))


@router.get(
    "/articles/{pmid}",
    response_model=schemas.ArticleDetail,
    summary="An article and every claim extracted from it",
    responses={**BAD, **UNKNOWN},
)
def article_endpoint(pmid: Text, session: Session = DB_SESSION):
    return _json(article_detail(session, pmid))


@router.get(
    "/conflicts",
    response_model=schemas.Conflicts,
    summary="Conflicting findings, most evidence first",
    responses={**BAD, **UNKNOWN},
)
def conflicts_endpoint(
    status: Literal["open", "confirmed", "resolved", "dismissed"] | None = None,
    disorder: Annotated[Text | None, Query(description="A disorder group, MeSH descriptor or disorder name.")] = None,
    limit: ConflictPage = 100,
    offset: Offset = 0,
    session: Session = DB_SESSION,
):
    """Each conflict: taxon, taxid, disorder group, MeSH descriptors, subject, status (with who
    set it and why), and the PMIDs on each side (`increased`, `decreased`; `unchanged` ones are
    non-replications), with their weights and whether each paper is secondary."""
    found = find_conflicts(session, status=status, disorder=disorder, limit=limit, offset=offset)
    total = count_conflicts(session, status=status, disorder=disorder)
    return _json({"items": [c.to_json() for c in found], "total": total, "limit": limit, "offset": offset})


@router.get("/stats", response_model=schemas.Stats, summary="Counts of articles, claims, taxa, disorders and conflicts")
def stats_endpoint(session: Session = DB_SESSION):
    return _json(stats(session))


@router.get(
    "/suggest",
    response_model=schemas.Suggestions,
    summary="Taxa and disorders whose names contain the text (for search boxes)",
    responses=BAD,
)
def suggest_endpoint(q: Annotated[Text, Query(min_length=1, max_length=100)], session: Session = DB_SESSION):
    return _json(suggest(session, q))


Format = Annotated[Literal["csv", "jsonl"], Query(description="csv (text/csv) or jsonl (application/x-ndjson).")]


@router.get(
    "/export/relations",
    summary="Every matching claim, streamed as CSV or JSON Lines",
    response_class=StreamingResponse,
    responses=EXPORTED,
)
def export_relations(
    request: Request,
    f: RelationFilter = Depends(relation_filter),
    format: Format = "csv",
    session: Session = DB_SESSION,
):
    conditions(session, f)  # a bad filter fails here, as a 400, before the stream starts
    return _stream(
        request, lambda s: relation_rows(s, f, as_tuples=True), RELATION_COLUMNS, format, f"miner-relations-{_slug(f)}"
    )


@router.get(
    "/export/signatures",
    summary="Signatures, streamed as CSV, JSON Lines, BugSigDB CSV or GMT",
    response_class=StreamingResponse,
    responses=SIGNATURES_EXPORTED,
)
def export_signatures(
    request: Request,
    f: RelationFilter = Depends(relation_filter),
    format: Annotated[
        Literal["csv", "jsonl", "bugsigdb", "gmt"],
        Query(
            description="csv (text/csv), jsonl (application/x-ndjson), "
            "bugsigdb (text/csv: BugSigDB's full_dump.csv, read by bugsigdbr's importBugSigDB/getSignatures) "
            "or gmt (text/plain: as bugsigdbr's writeGMT writes)."
        ),
    ] = "csv",
    gmt_ids: Annotated[
        Literal["ncbi", "metaphlan", "taxname"],
        Query(description="GMT members: NCBI taxids, MetaPhlAn names or taxon names."),
    ] = "ncbi",
    session: Session = DB_SESSION,
):
    """One signature per (PMID, MeSH descriptor, subject, direction): the taxa reported increased,
    or decreased. csv/jsonl: miner's rows with NCBI taxids, NCBI lineages (`2|1239|…|216851`) and
    MetaPhlAn-style names. bugsigdb: BugSigDB's own columns and separators, ranked lineages only
    (`k__…|p__…|…|g__…` and the matching taxids). gmt: `name<TAB>NA<TAB>member…` a signature."""
    conditions(session, f)
    if format in ("csv", "jsonl"):
        return _stream(
            request, lambda s: signature_rows(s, f), SIGNATURE_COLUMNS, format, f"miner-signatures-{_slug(f)}"
        )
    database = request.app.state.database
    comment = bugsigdb_comment(f)

    def chunks() -> Iterator[str]:
        with database.session() as s:
            yield from (
                gmt_lines(gmt_sets(s, f, gmt_ids))
                if format == "gmt"
                else commented_csv(bugsigdb_rows(s, f), BUGSIGDB_COLUMNS, comment)
            )

    name = (
        f"miner-signatures-{_slug(f)}-{gmt_ids}.gmt" if format == "gmt" else f"miner-signatures-{_slug(f)}-bugsigdb.csv"
    )
    return StreamingResponse(
        chunks(),
        media_type=SIGNATURE_MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/export/pairs",
    summary="Every matching pair's consensus as CSV or JSON Lines",
    description=CONSENSUS,
    response_class=StreamingResponse,
    responses=EXPORTED,
)
def export_pairs(
    request: Request,
    f: RelationFilter = Depends(relation_filter),
    format: Format = "csv",
    session: Session = DB_SESSION,
):
    conditions(session, f)
    return _stream(request, lambda s: iter(pairs(s, f, limit=None)), PAIR_COLUMNS, format, f"miner-pairs-{_slug(f)}")


def _stream(
    request: Request, rows: Callable[[Session], Iterator[ExportRow]], columns: Sequence[str], fmt: str, name: str
) -> StreamingResponse:
    database = request.app.state.database

    def chunks() -> Iterator[str]:
        with database.session() as session:
            yield from formatted(rows(session), fmt, columns)

    headers = {"Content-Disposition": f'attachment; filename="{name}.{fmt}"'}
    return StreamingResponse(chunks(), media_type=MEDIA_TYPES[fmt], headers=headers)


def _slug(f: RelationFilter) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", f.described()).strip("-")[:80] or "all"
