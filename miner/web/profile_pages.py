"""The transdiagnostic page: which taxa move the same way across disorders, as a heat map
(`miner.web.heatmap`, server-rendered SVG) of the consensus matrix `miner.query.profile` gives
(the same numbers as /api/v1/profile), with the taxa shared by at least k of the groups listed
under it. A name nobody knows or a value that means nothing is shown on the page with its status.
Imports: FastAPI, `miner.errors`, `miner.query`, `miner.store`, `miner.web.*`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from miner.errors import InvalidValue, NotFound
from miner.query import PairOptions
from miner.query.pairs import CONSENSUS_TEXT, EVIDENCE, ROLL_UP_RANKS
from miner.query.profile import PROFILE_SORTS, ProfileSortName, profile
from miner.store.models import User
from miner.web.deps import DB_SESSION, current_user
from miner.web.heatmap import FULL_STRENGTH_PAPERS, claims_link, heat_map
from miner.web.params import Text, between, pair_options
from miner.web.rendering import render

router = APIRouter(include_in_schema=False)
DEFAULT_DISORDERS = "depression, bipolar, schizophrenia, anxiety"  # the meta-analysis's four


@router.get("/transdiagnostic")
def transdiagnostic_page(
    request: Request,
    disorders: Text = DEFAULT_DISORDERS,
    taxa: Text | None = None,
    subject: Literal["human", "animal"] = "human",
    sort: Annotated[ProfileSortName, Query()] = "agreement",
    k: Annotated[int, between(1, 50)] = 2,
    limit: Annotated[int, between(1, 200)] = 40,
    options: PairOptions = Depends(pair_options),
    session: Session = DB_SESSION,
    user: User | None = Depends(current_user),
):
    context = {
        "form": {
            "disorders": disorders,
            "taxa": taxa or "",
            "subject": subject,
            "sort": sort,
            "k": k,
            "limit": limit,
            "options": options,
        },
        "sorts": PROFILE_SORTS,
        "evidence_choices": EVIDENCE,
        "ranks": ROLL_UP_RANKS,
        "consensus": CONSENSUS_TEXT,
        "full_strength": FULL_STRENGTH_PAPERS,
        "problem": None,
        "matrix": None,
        "svg": None,
        "shared": [],
        "api_url": "/api/v1/profile?" + str(request.query_params),
    }
    status = 200
    try:
        matrix = profile(session, disorders, taxa=taxa, subject=subject, options=options, sort=sort, limit=limit)
    except (NotFound, InvalidValue) as exc:
        context["problem"], status = str(exc), exc.http_status
    else:
        context["matrix"] = matrix
        context["svg"] = heat_map(
            matrix["rows"], matrix["disorders"], claims_link(subject, pooled=options.roll_up is not None)
        )
        context["shared"] = [row for row in matrix["rows"] if row["agreeing"] >= k]
    return render(request, "transdiagnostic.html", context, status_code=status)
