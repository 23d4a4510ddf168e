"""The workbench, called in process (httpx over the ASGI app), over the corpus of tests/web_seed.py:
reading, logging in, permissions, CSRF, verdicts and statuses flowing through to the conflicts,
escaping. Tests that only read (or log in) share the session's copy of the seed (`shared_workbench`);
tests that post a form, even one that must be refused, get a copy of their own (`workbench`)."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import func, select
from web_seed import HOSTILE, PASSWORDS
from web_server import Site

from miner.conflicts import find_conflicts
from miner.query import relation_rows
from miner.store.models import AuditEvent, Conflict, Relation, Verdict

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def token(client: httpx.Client, path: str = "/login") -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    return TOKEN.search(page.text).group(1)


def logged_in(site: Site, name: str) -> httpx.Client:
    client = site.client()
    answer = client.post(
        "/login",
        data={"username": name, "password": PASSWORDS[name], "next": "/conflicts", "csrf_token": token(client)},
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/conflicts"
    return client


def conflict_id(database, taxon_name: str) -> int:
    with database.session() as session:
        return next(c.id for c in find_conflicts(session) if c.taxon == taxon_name)


def claim_id(database, pmid: str) -> int:
    with database.session() as session:
        return session.scalar(select(Relation.id).where(Relation.pmid == pmid))


def count(database, model) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_anyone_can_read_the_queue_and_a_conflict(shared_workbench):
    database = shared_workbench.database
    anonymous = shared_workbench.client()
    queue = anonymous.get("/conflicts")
    assert queue.status_code == 200
    assert "Prevotella" in queue.text and "Bacteroides" in queue.text
    # most evidence first: Prevotella has 2 papers against 1, Bacteroides 1 against 1
    assert queue.text.index("Prevotella") < queue.text.index("Bacteroides")
    page = anonymous.get(f"/conflicts/{conflict_id(database, 'Prevotella')}")
    assert page.status_code == 200
    for pmid in ("1001", "1002", "1003"):
        assert f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" in page.text
    assert '<mark class="taxon">Prevotella</mark> was <mark class="trigger">decreased</mark>' in page.text
    assert '<mark class="disorder">depression</mark>' in page.text
    assert "secondary" in page.text  # 1003 is a review
    assert "Log in</a> as a curator" in page.text and 'action="/claims/' not in page.text


def test_filters_and_unknown_conflict(shared_workbench):
    anonymous = shared_workbench.client()
    assert "Prevotella" not in anonymous.get("/conflicts", params={"status": "resolved"}).text.split("<tbody>")[-1]
    both = anonymous.get("/conflicts", params={"disorder": "depression", "status": "all"}).text
    assert "Prevotella" in both and "Bacteroides" in both
    known = anonymous.get(
        "/conflicts", params={"disorder": "schizophrenia"}
    )  # a disorder the lexicon knows, without conflicts
    assert known.status_code == 200 and "Prevotella" not in known.text.split("<tbody>")[-1]
    unknown = anonymous.get("/conflicts", params={"disorder": "gout"})
    assert unknown.status_code == 404 and "no disorder &#39;gout&#39;" in unknown.text and "depression" in unknown.text
    missing = anonymous.get("/conflicts/99999")
    assert missing.status_code == 404 and "no conflict 99999" in missing.text
    bad = anonymous.get("/conflicts", params={"status": "nonsense"})
    assert bad.status_code == 400


def test_pages_escape_what_papers_contain(shared_workbench):
    database = shared_workbench.database
    anonymous = shared_workbench.client()
    page = anonymous.get(f"/conflicts/{conflict_id(database, 'Bacteroides')}").text
    assert HOSTILE not in page
    assert "&lt;script&gt;alert(" in page
    assert "&amp; anxiety" in page


def test_anonymous_cannot_write(workbench):
    database = workbench.database
    anonymous = workbench.client()
    client = workbench.client()
    csrf = token(client)
    answer = client.post(
        f"/claims/{claim_id(database, '1002')}/verdict",
        data={"verdict": "wrong direction", "csrf_token": csrf, "next": "/"},
    )
    assert answer.status_code == 401
    answer = client.post(
        f"/conflicts/{conflict_id(database, 'Prevotella')}/status", data={"status": "dismissed", "csrf_token": csrf}
    )
    assert answer.status_code == 401
    assert count(database, Verdict) == 0
    assert anonymous.get("/audit").status_code == 401


def test_a_reader_can_browse_but_not_write(workbench):
    database = workbench.database
    bob = logged_in(workbench, "bob")
    assert bob.get("/audit").status_code == 200
    page = bob.get(f"/conflicts/{conflict_id(database, 'Prevotella')}")
    assert "only curators can change the record" in page.text
    answer = bob.post(
        f"/claims/{claim_id(database, '1002')}/verdict",
        data={"verdict": "not a finding", "csrf_token": token(bob, "/conflicts"), "next": "/"},
    )
    assert answer.status_code == 403
    assert count(database, Verdict) == 0


@pytest.mark.parametrize("csrf", [None, "", "forged-token"])
def test_writes_without_the_session_csrf_token_are_rejected(workbench, csrf):
    database = workbench.database
    alice = logged_in(workbench, "alice")
    data = {"verdict": "not a finding", "next": "/"}
    if csrf is not None:
        data["csrf_token"] = csrf
    answer = alice.post(f"/claims/{claim_id(database, '1002')}/verdict", data=data)
    assert answer.status_code == 403 and "security token" in answer.text
    assert count(database, Verdict) == 0


def test_a_token_from_before_login_is_worthless_after_it(workbench):
    database = workbench.database
    client = workbench.client()
    planted = token(client)
    client.post("/login", data={"username": "alice", "password": PASSWORDS["alice"], "csrf_token": planted})
    answer = client.post(
        f"/claims/{claim_id(database, '1002')}/verdict", data={"verdict": "correct", "csrf_token": planted, "next": "/"}
    )
    assert answer.status_code == 403


def test_a_curator_verdict_resolves_the_conflict_everywhere(workbench):
    database = workbench.database
    alice = logged_in(workbench, "alice")
    prevotella, wrong = conflict_id(database, "Prevotella"), claim_id(database, "1002")
    csrf = token(alice, f"/conflicts/{prevotella}")
    # 1002 is about Blautia, not Prevotella: the taxon is wrong
    answer = alice.post(
        f"/claims/{wrong}/verdict",
        data={
            "verdict": "wrong taxon",
            "note": "the sentence is about Blautia",
            "csrf_token": csrf,
            "next": f"/conflicts/{prevotella}",
        },
    )
    assert answer.status_code == 303 and answer.headers["location"] == f"/conflicts/{prevotella}#claim-{wrong}"
    page = alice.get(f"/conflicts/{prevotella}").text
    assert 'id="conflict-status">open<' in page  # the review 1003 still says increased
    review = claim_id(database, "1003")
    alice.post(f"/claims/{review}/verdict", data={"verdict": "wrong direction", "csrf_token": csrf, "next": "/"})
    page = alice.get(f"/conflicts/{prevotella}").text
    assert 'id="conflict-status">resolved<' in page
    assert "Verdict: <b>wrong taxon</b>" in page and "the sentence is about Blautia" in page
    with database.session() as session:
        row = session.get(Conflict, prevotella)
        assert (row.status, row.status_by) == ("resolved", "system")
        assert session.scalar(select(func.count()).select_from(Relation).where(Relation.pmid == "1002")) == 1  # kept
        exported = {r["pmid"]: r for r in relation_rows(session) if r["taxon"] == "Prevotella"}
        assert set(exported) == {"1001", "1003"}
        assert (exported["1003"]["direction"], exported["1003"]["extracted_direction"]) == ("decreased", "increased")
        actions = [(e.actor, e.action) for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert ("alice", "verdict") in actions and ("system", "conflict_status") in actions
    # withdrawing the direction verdict brings the contradiction back
    alice.post(f"/claims/{review}/withdraw", data={"csrf_token": csrf, "next": "/"})
    assert 'id="conflict-status">open<' in alice.get(f"/conflicts/{prevotella}").text


def test_a_curator_sets_a_status_with_a_reason(workbench):
    database = workbench.database
    alice = logged_in(workbench, "alice")
    bacteroides = conflict_id(database, "Bacteroides")
    csrf = token(alice, f"/conflicts/{bacteroides}")
    answer = alice.post(
        f"/conflicts/{bacteroides}/status", data={"status": "confirmed", "reason": "cohorts differ", "csrf_token": csrf}
    )
    assert answer.status_code == 303
    assert "Bacteroides" in alice.get("/conflicts", params={"status": "confirmed"}).text
    audit = alice.get("/audit", params={"action": "conflict_status"}).text
    assert "cohorts differ" in audit and "alice" in audit
    bad = alice.post(f"/conflicts/{bacteroides}/status", data={"status": "maybe", "csrf_token": csrf})
    assert bad.status_code == 400 and "unknown status" in bad.text


def test_login_failures_and_redirects(shared_workbench):
    client = shared_workbench.client()
    wrong = client.post(
        "/login", data={"username": "alice", "password": "not her password", "csrf_token": token(client)}
    )
    assert wrong.status_code == 401 and "Wrong user name or password" in wrong.text
    away = client.post(
        "/login",
        data={
            "username": "alice",
            "password": PASSWORDS["alice"],
            "next": "//evil.example/",
            "csrf_token": token(client),
        },
    )
    assert away.status_code == 303 and away.headers["location"] == "/"
    cookie = away.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_a_disabled_account_loses_its_session(workbench):
    database = workbench.database
    alice = logged_in(workbench, "alice")
    assert alice.get("/audit").status_code == 200
    from miner.accounts import disable_user

    with database.session() as session:
        disable_user(session, "alice")
    assert alice.get("/audit").status_code == 401
