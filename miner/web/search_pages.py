"""The researchers' search page: find a taxon and a disorder (with suggestions as you type), see
the pairs with their paper counts and consensus, and drill down to every evidence sentence.
Server-rendered like the curator pages; the suggestions are the only script, and optional.
The filter's fields are the API's (`relation_filter`): a value that cannot parse or is out of
range is the 400 error page; a filter that cannot mean anything (400) or names nothing known
(404) is shown on the search page, with that status and suggestions.
Imports: FastAPI, `miner.errors`, `miner.query`, `miner.study_facts`, `miner.store`, `miner.web.*`.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from miner.errors import InvalidValue, NotFound
from miner.query import RelationFilter, most_reported, pairs, relation_page, suggest
from miner.query.pairs import CONSENSUS_TEXT
from miner.store.models import User
from miner.study_facts import DESIGNS
from miner.web.deps import DB_SESSION, current_user
from miner.web.params import Text, relation_filter
from miner.web.rendering import render

router = APIRouter(include_in_schema=False)
SHOWN_PAIRS = 100


@router.get("/")
def home():
    return RedirectResponse("/search", status_code=303)


@router.get("/search")
def search_page(
    request: Request,
    f: RelationFilter = Depends(relation_filter),
    session: Session = DB_SESSION,
    user: User | None = Depends(current_user),
):
    context = {
        "f": f,
        "pairs": [],
        "problem": None,
        "suggestions": None,
        "consensus": CONSENSUS_TEXT,
        "query": _query(request),
        "popular": None,
        "designs": DESIGNS,
    }
    status = 200
    try:
        if f.is_empty():  # nothing asked yet: where to start, from the kept counts (no scan of every claim)
            context["popular"] = most_reported(session)
            return render(request, "search.html", {**context, "shown": SHOWN_PAIRS})
        context["pairs"] = pairs(session, f, limit=SHOWN_PAIRS)
    except NotFound as exc:
        # the candidates become links; without any, names starting like the taxon
        context["problem"], status = exc.plain, exc.http_status
        context["suggestions"] = exc.candidates or (
            [t["name"] for t in suggest(session, f.taxon[:4])["taxa"]] if f.taxon else []
        )
    except InvalidValue as exc:
        context["problem"], status = str(exc), exc.http_status
    context["shown"] = SHOWN_PAIRS
    return render(request, "search.html", context, status_code=status)


@router.get("/search/claims")
def claims_page(
    request: Request,
    f: RelationFilter = Depends(relation_filter),
    cursor: Text | None = None,
    session: Session = DB_SESSION,
    user: User | None = Depends(current_user),
):
    page = relation_page(session, f, sort="-year", limit=50, cursor=cursor)
    summary = pairs(session, f, limit=5)
    next_url = str(request.url.include_query_params(cursor=page.next_cursor)) if page.next_cursor else None
    return render(
        request,
        "search_claims.html",
        {"f": f, "page": page, "summary": summary, "next_url": next_url, "query": _query(request)},
    )


def _query(request: Request) -> str:
    """The query string without the cursor (blank fields never arrive), for export and back links."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "cursor"]
    return urlencode(kept)
