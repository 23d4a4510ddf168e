"""The curators' workbench pages: the conflict queue, one conflict with the evidence of both sides
side by side, the forms that give verdicts and set statuses, and the audit trail.

Reading needs no account; every POST needs a curator and the session's CSRF token
(`require_curator`), then redirects back (post/redirect/get), so every page works without
JavaScript.
Imports: FastAPI, `miner.conflicts`, `miner.curation`, `miner.records`, `miner.store`, `miner.web.*`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, TypedDict

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from miner.conflicts import (
    STATUSES,
    conflict_claims,
    count_conflicts,
    disorder_groups_with_conflicts,
    find_conflicts,
    get_conflict,
    related_claims,
)
from miner.curation import (
    audit_log,
    claim_target,
    give_verdict,
    history,
    set_conflict_status,
    verdicts_for,
    withdraw_verdict,
)
from miner.records import DIRECTIONS
from miner.store.claims import REJECTING, VERDICTS
from miner.store.models import Article, Disorder, Relation, Taxon, User, Verdict
from miner.web.auth import safe_next
from miner.web.deps import DB_SESSION, current_user, require_curator, require_user
from miner.web.params import Id, page_bounds
from miner.web.rendering import render

router = APIRouter(include_in_schema=False)
QUEUES = ("unresolved", *STATUSES, "all")
QUEUE_PAGE = 100
QueuePage = Annotated[int, page_bounds(QUEUE_PAGE)]


class ConflictChoice(TypedDict):
    """Which conflicts a queue shows: the arguments `find_conflicts` and `count_conflicts` share."""

    status: str | None
    disorder: str | None
    include_resolved: bool


@dataclass
class ClaimCard:
    """One claim as the conflict page shows it."""

    relation: Relation
    taxon: Taxon
    disorder: Disorder
    article: Article
    direction: str  # as read through the verdict
    verdict: Verdict | None
    curator: str | None


@router.get("/conflicts")
def conflict_queue(
    request: Request,
    status: str = "unresolved",
    disorder: str = "",
    page: QueuePage = 1,
    session: Session = DB_SESSION,
    user: User | None = Depends(current_user),
):
    if status not in QUEUES:
        raise HTTPException(400, f"no queue {status!r}; use one of {', '.join(QUEUES)}")
    chosen = ConflictChoice(
        status=status if status in STATUSES else None,
        disorder=disorder or None,
        include_resolved=status != "unresolved",
    )
    page = max(page, 1)
    conflicts = find_conflicts(session, **chosen, limit=QUEUE_PAGE, offset=(page - 1) * QUEUE_PAGE)
    total = count_conflicts(session, **chosen)
    context = {
        "conflicts": conflicts,
        "status": status,
        "disorder": disorder,
        "queues": QUEUES,
        "groups": disorder_groups_with_conflicts(session),
        "total": total,
        "page": page,
        "pages": max(1, -(-total // QUEUE_PAGE)),
        "first": (page - 1) * QUEUE_PAGE + 1,
    }
    return render(request, "conflicts.html", context)


@router.get("/conflicts/{conflict_id}")
def conflict_page(
    request: Request, conflict_id: Id, session: Session = DB_SESSION, user: User | None = Depends(current_user)
):
    conflict = get_conflict(session, conflict_id)
    rows = conflict_claims(session, conflict)
    verdicts = verdicts_for(session, [row[0] for row in rows])
    sides: dict[str, list[ClaimCard]] = {"increased": [], "decreased": [], "unchanged": [], "set aside": []}
    for relation, taxon, disorder, article, verdict_label, direction in rows:
        verdict, curator = verdicts.get(relation.id, (None, None))
        card = ClaimCard(relation, taxon, disorder, article, direction, verdict, curator)
        if verdict_label in REJECTING or article.is_retracted:
            sides["set aside"].append(card)
        else:
            sides.setdefault(direction, []).append(card)
    for cards in sides.values():
        cards.sort(key=lambda c: (c.article.is_review, -c.relation.confidence, c.relation.pmid))
    targets = [f"conflict {conflict.id}"] + [claim_target(row[0]) for row in rows]
    context = {
        "conflict": conflict,
        "sides": sides,
        "related": related_claims(session, conflict),
        "events": history(session, targets),
        "verdicts": VERDICTS,
        "directions": DIRECTIONS[:3],
        "statuses": STATUSES,
    }
    return render(request, "conflict.html", context)


@router.post("/conflicts/{conflict_id}/status")
def conflict_status(
    conflict_id: Id,
    status: str = Form(...),
    reason: str = Form(""),
    session: Session = DB_SESSION,
    user: User = Depends(require_curator),
):
    set_conflict_status(session, conflict_id, status, user, reason.strip())
    return RedirectResponse(f"/conflicts/{conflict_id}#status", status_code=303)


@router.post("/claims/{relation_id}/verdict")
def claim_verdict(
    relation_id: Id,
    verdict: str = Form(...),
    corrected_direction: str = Form(""),
    note: str = Form(""),
    next: str = Form("/"),
    session: Session = DB_SESSION,
    user: User = Depends(require_curator),
):
    corrected = corrected_direction if verdict == "wrong direction" and corrected_direction else None
    give_verdict(session, relation_id, verdict, user, corrected_direction=corrected, note=note.strip())
    return RedirectResponse(f"{safe_next(next)}#claim-{relation_id}", status_code=303)


@router.post("/claims/{relation_id}/withdraw")
def claim_withdraw(
    relation_id: Id,
    next: str = Form("/"),
    session: Session = DB_SESSION,
    user: User = Depends(require_curator),
):
    withdraw_verdict(session, relation_id, user)
    return RedirectResponse(f"{safe_next(next)}#claim-{relation_id}", status_code=303)


@router.get("/audit")
def audit_page(
    request: Request,
    actor: str = "",
    action: str = "",
    before: Id | None = None,
    session: Session = DB_SESSION,
    user: User = Depends(require_user),
):
    events = audit_log(session, actor=actor or None, action=action or None, before_id=before, limit=100)
    return render(
        request, "audit.html", {"events": events, "actor": actor, "action": action, "more": len(events) == 100}
    )
