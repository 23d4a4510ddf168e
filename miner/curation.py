"""Curators' verdicts on claims and statuses on conflicts: the only writes people make.

`give_verdict` stores (or replaces) the verdict on one claim, beside the extraction, records an
audit event with the verdict before and after, and refreshes the conflict the claim belongs to;
`withdraw_verdict` removes it the same way; `set_conflict_status` changes a conflict's status.
Imports: SQLAlchemy, `miner.errors`, `miner.records`, `miner.store`, `miner.conflicts`.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from miner.conflicts import refresh, set_status, verdict_of
from miner.errors import InvalidValue, NotFound, StoreError
from miner.records import DIRECTIONS
from miner.store.claims import CLAIM_KEY, VERDICTS
from miner.store.models import AuditEvent, Conflict, Disorder, Relation, User, Verdict, utcnow


def claim_target(relation: Relation) -> str:
    return "claim " + "/".join(map(str, relation.claim_key()))


def give_verdict(
    session: Session,
    relation_id: int,
    verdict: str,
    user: User,
    *,
    corrected_direction: str | None = None,
    note: str = "",
) -> Verdict:
    if verdict not in VERDICTS:
        raise InvalidValue(f"unknown verdict {verdict!r}; use one of {', '.join(VERDICTS)}")
    if corrected_direction and (verdict != "wrong direction" or corrected_direction not in DIRECTIONS[:3]):
        raise InvalidValue("a corrected direction (increased, decreased or unchanged) goes only with 'wrong direction'")
    relation = _relation(session, relation_id)
    row = verdict_of(session, relation)
    before = _state(row)
    if row is None:
        row = Verdict(**dict(zip(CLAIM_KEY, relation.claim_key(), strict=True)), created_at=utcnow())
        session.add(row)
    row.verdict, row.corrected_direction, row.note, row.user_id, row.updated_at = (
        verdict,
        corrected_direction or None,
        note,
        user.id,
        utcnow(),
    )
    session.add(
        AuditEvent(
            actor=user.username,
            action="verdict",
            target=claim_target(relation),
            before=before,
            after=_state(row),
            note=note,
        )
    )
    session.flush()
    _refresh_for(session, relation)
    return row


def withdraw_verdict(session: Session, relation_id: int, user: User, note: str = "") -> None:
    relation = _relation(session, relation_id)
    row = verdict_of(session, relation)
    if row is None:
        return
    session.add(
        AuditEvent(
            actor=user.username,
            action="verdict_withdrawn",
            target=claim_target(relation),
            before=_state(row),
            after=None,
            note=note,
        )
    )
    session.delete(row)
    session.flush()
    _refresh_for(session, relation)


def set_conflict_status(session: Session, conflict_id: int, status: str, user: User, reason: str = "") -> Conflict:
    return set_status(session, conflict_id, status, user.username, reason)


def verdicts_for(session: Session, relations: list[Relation]) -> dict[int, tuple[Verdict, str]]:
    """relation id → (its verdict, the curator's name), for the claims that have one."""
    found: dict[int, tuple[Verdict, str]] = {}
    pmids = sorted({r.pmid for r in relations})
    if not pmids:
        return found
    by_key = {r.claim_key(): r.id for r in relations}
    rows = session.execute(
        select(Verdict, User.username).join(User, Verdict.user_id == User.id).where(Verdict.pmid.in_(pmids))
    )
    for verdict, username in rows:
        relation_id = by_key.get(verdict.claim_key())
        if relation_id is not None:
            found[relation_id] = (verdict, username)
    return found


def history(session: Session, targets: list[str], limit: int = 200) -> list[AuditEvent]:
    """Audit events on these targets (claims, conflicts, users), newest first."""
    if not targets:
        return []
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.target.in_(targets))
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(limit)
        )
    )


def audit_log(
    session: Session,
    *,
    actor: str | None = None,
    action: str | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[AuditEvent]:
    """The audit trail, newest first, a page at a time (`before_id` is the last id of the previous page)."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if actor:
        query = query.where(AuditEvent.actor == actor)
    if action:
        query = query.where(AuditEvent.action == action)
    if before_id:
        query = query.where(AuditEvent.id < before_id)
    return list(session.scalars(query))


def _relation(session: Session, relation_id: int) -> Relation:
    relation = session.get(Relation, relation_id)
    if relation is None:
        raise NotFound(f"no claim {relation_id}")
    return relation


def _refresh_for(session: Session, relation: Relation) -> None:
    disorder = session.get(Disorder, relation.mesh)
    if disorder is None:  # the foreign key rules this out, short of a damaged database
        raise StoreError(f"claim {relation.id} names descriptor {relation.mesh}, which is not stored")
    refresh(session, {(relation.taxon_id, disorder.group, relation.subject)})


def _state(row: Verdict | None) -> dict | None:
    if row is None:
        return None
    return {"verdict": row.verdict, "corrected_direction": row.corrected_direction, "note": row.note}
