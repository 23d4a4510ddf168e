"""The weekly digests on the web: an index at /digest/, each week's HTML at /digest/YYYY-Www
(its chart beside it), and the Atom feed at /digest/feed.xml. Anyone may read them.
Imports: FastAPI, SQLAlchemy, `miner.digest`, `miner.store`, `miner.web.*`.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from miner.digest.feed import atom_feed
from miner.digest.weeks import Week
from miner.store.models import DigestIssue, User
from miner.web.deps import DB_SESSION, current_user
from miner.web.rendering import render

router = APIRouter(include_in_schema=False)
# a digest is a self-contained e-mail page: inline styles, its own image, no script
DIGEST_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; frame-ancestors 'none'"


@router.get("/digest")
@router.get("/digest/")
def digest_index(request: Request, session: Session = DB_SESSION, user: User | None = Depends(current_user)):
    issues = session.execute(
        select(DigestIssue.week, DigestIssue.title, DigestIssue.summary, DigestIssue.generated_at).order_by(
            DigestIssue.week.desc()
        )
    ).all()
    return render(request, "digests.html", {"issues": issues})


@router.get("/digest/feed.xml")
def digest_feed(request: Request, session: Session = DB_SESSION):
    issues = list(session.scalars(select(DigestIssue).order_by(DigestIssue.week.desc()).limit(52)))
    body = atom_feed(issues, request.app.state.settings.digest.public_url)
    return Response(body, media_type="application/atom+xml; charset=utf-8")


@router.get("/digest/digest-{week}.png")
def digest_chart(week: str, session: Session = DB_SESSION):
    issue = _issue(session, week)
    return Response(issue.chart_png, media_type="image/png", headers={"Cache-Control": "public, max-age=86400"})


@router.get("/digest/{week}")
def digest_page(week: str, session: Session = DB_SESSION):
    issue = _issue(session, week)
    return HTMLResponse(issue.html, headers={"Content-Security-Policy": DIGEST_CSP})


def _issue(session: Session, week: str) -> DigestIssue:
    issue = session.get(DigestIssue, str(Week.parse(week)))
    if issue is None:
        raise HTTPException(404, f"no digest for {week} yet")
    return issue
