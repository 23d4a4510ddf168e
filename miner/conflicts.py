"""Conflicting findings, kept up to date as relations are stored and verdicts given.

A conflict is a (taxon, disorder group, subject) that at least two distinct PMIDs report in
opposite directions (increased vs decreased), read through the curators' verdicts and leaving
out retracted articles. `unchanged` reports are kept beside it as non-replications, never as a
side. Human and animal findings never conflict with each other. Each side lists one vote per
PMID: its highest extraction confidence, and whether the paper is secondary (a review or
meta-analysis, from PubMed's publication types). Only trusted claims count (`claims.trusted`:
confident enough by the measured reliability, or confirmed by a curator).

Statuses: `open` (new), `confirmed` (a real disagreement in the literature), `resolved` (it came
from an extraction error a verdict corrected), `dismissed`. `refresh` recomputes the evidence of
the keys it is given: a contradiction that appears opens a conflict (or reopens one the system had
resolved); one that disappears resolves an open or confirmed conflict, naming why. Curators'
resolved/dismissed decisions stand. Every status change is an audit event.
Imports: SQLAlchemy, `miner.errors`, `miner.store`, `miner.query.names`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import case, func, select, tuple_
from sqlalchemy.orm import Session

from miner.errors import InvalidValue, NotFound
from miner.query.names import disorder_groups
from miner.store.claims import REJECTING, claim_facts, claims, same_claim, trusted
from miner.store.models import AuditEvent, Conflict, Disorder, Relation, Taxon, Verdict, utcnow

STATUSES = ("open", "confirmed", "resolved", "dismissed")
Key = tuple[int, str, str]  # (taxon id, disorder group, subject)


@dataclass
class Side:
    votes: dict[str, dict] = field(default_factory=dict)  # pmid → {"pmid", "weight", "secondary"}

    def add(self, pmid: str, confidence: float, secondary: bool) -> None:
        vote = self.votes.setdefault(pmid, {"pmid": pmid, "weight": 0.0, "secondary": secondary})
        vote["weight"] = round(max(vote["weight"], confidence), 3)

    def listing(self) -> list[dict]:
        return sorted(self.votes.values(), key=lambda v: (v["secondary"], -v["weight"], v["pmid"]))


@dataclass
class Evidence:
    sides: dict[str, Side] = field(default_factory=lambda: defaultdict(Side))
    meshes: set[str] = field(default_factory=set)
    overridden: bool = False  # did a verdict change or remove any claim of this key?

    @property
    def contradicted(self) -> bool:
        up, down = self.sides["increased"].votes, self.sides["decreased"].votes
        return bool(up) and bool(down) and len(set(up) | set(down)) >= 2


def affected_keys(session: Session, pmids: Iterable[str]) -> set[Key]:
    """The conflict keys the claims of these articles belong to (call before and after a change)."""
    pmids = list(set(pmids))
    keys: set[Key] = set()
    for start in range(0, len(pmids), 500):
        rows = session.execute(
            select(Relation.taxon_id, Disorder.group, Relation.subject)
            .join(Disorder, Relation.mesh == Disorder.mesh)
            .where(Relation.pmid.in_(pmids[start : start + 500]))
            .distinct()
        )
        keys.update((taxon_id, group, subject) for taxon_id, group, subject in rows)
    return keys


def refresh(session: Session, keys: Iterable[Key] | None = None) -> int:
    """Recompute the conflicts of `keys` (all of them when None); returns how many changed status."""
    keys = None if keys is None else set(keys)
    if keys is not None and not keys:
        return 0
    evidence = _evidence(session, keys)
    query = select(Conflict)
    if keys is not None:
        query = query.where(Conflict.taxon_id.in_({k[0] for k in keys}))
    rows = {(c.taxon_id, c.disorder_group, c.subject): c for c in session.scalars(query)}
    changed = 0
    for key in keys if keys is not None else set(evidence) | set(rows):
        found = evidence.get(key, Evidence())
        row = rows.get(key)
        if row is None and not found.contradicted:
            continue
        if row is None:
            row = Conflict(
                taxon_id=key[0],
                disorder_group=key[1],
                subject=key[2],
                status="open",
                status_by="system",
                status_at=utcnow(),
            )
            session.add(row)
            session.flush()
            _audit(session, "system", "conflict_opened", row, None, "open", "papers report opposite directions")
            changed += 1
        elif found.contradicted and not row.contradicted and row.status == "resolved" and row.status_by == "system":
            changed += _change(session, row, "open", "system", "contradicted again by new evidence")
        elif not found.contradicted and row.contradicted and row.status in ("open", "confirmed"):
            why = (
                "a curator's verdict removed the contradiction"
                if found.overridden
                else "the current extraction no longer contradicts"
            )
            changed += _change(session, row, "resolved", "system", why)
        _fill(row, found)
    session.flush()
    return changed


def set_status(session: Session, conflict_id: int, status: str, actor: str, reason: str = "") -> Conflict:
    if status not in STATUSES:
        raise InvalidValue(f"unknown status {status!r}; use one of {', '.join(STATUSES)}")
    row = session.get(Conflict, conflict_id)
    if row is None:
        raise NotFound(f"no conflict {conflict_id}")
    _change(session, row, status, actor, reason)
    return row


def _change(session: Session, row: Conflict, status: str, actor: str, reason: str) -> int:
    if row.status == status and row.status_reason == reason:
        return 0
    before = row.status
    row.status, row.status_by, row.status_at, row.status_reason = status, actor, utcnow(), reason
    _audit(session, actor, "conflict_status", row, before, status, reason)
    return 1


def _audit(session: Session, actor: str, action: str, row: Conflict, before: str | None, after: str, note: str) -> None:
    session.add(
        AuditEvent(
            actor=actor,
            action=action,
            target=f"conflict {row.id}",
            before=None if before is None else {"status": before},
            after={"status": after},
            note=note,
        )
    )


def _fill(row: Conflict, found: Evidence) -> None:
    row.contradicted = found.contradicted
    row.meshes = sorted(found.meshes)
    row.increased = found.sides["increased"].listing()
    row.decreased = found.sides["decreased"].listing()
    row.unchanged = found.sides["unchanged"].listing()
    row.papers_increased = len(row.increased)
    row.papers_decreased = len(row.decreased)
    row.updated_at = utcnow()


def _evidence(session: Session, keys: set[Key] | None) -> dict[Key, Evidence]:
    query = claim_facts(include_rejected=True, include_retracted=False).where(trusted(session))
    if keys is not None:
        meshes = _meshes_by_group(session, {group for _, group, _ in keys})
        wanted = [(taxon_id, mesh, subject) for taxon_id, group, subject in keys for mesh in meshes.get(group, ())]
        if not wanted:
            return {}
        query = query.where(tuple_(Relation.taxon_id, Relation.mesh, Relation.subject).in_(wanted))
    found: dict[Key, Evidence] = defaultdict(Evidence)
    for row in session.execute(query):
        evidence = found[(row.taxon_id, row.disorder_group, row.subject)]
        if row.verdict is not None and row.verdict != "correct":
            evidence.overridden = True
        if row.verdict in REJECTING:
            continue
        evidence.meshes.add(row.mesh)
        evidence.sides[row.direction].add(row.pmid, row.confidence, row.is_review)
    return found


def _meshes_by_group(session: Session, groups: set[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    for mesh, group in session.execute(select(Disorder.mesh, Disorder.group).where(Disorder.group.in_(groups))):
        found[group].append(mesh)
    return found


@dataclass
class ConflictView:
    """A conflict as the CLI, the pages and the API show it."""

    id: int
    taxon: str
    taxid: int | None
    rank: str
    lineage: str
    group: str
    meshes: list[str]
    subject: str
    status: str
    status_by: str
    status_reason: str
    increased: list[dict]
    decreased: list[dict]
    unchanged: list[dict]
    updated_at: object

    @property
    def papers(self) -> int:
        return len({v["pmid"] for v in self.increased} | {v["pmid"] for v in self.decreased})

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "taxon": self.taxon,
            "taxid": self.taxid,
            "rank": self.rank,
            "disorder": self.group,
            "mesh": self.meshes,
            "subject": self.subject,
            "status": self.status,
            "status_by": self.status_by,
            "status_reason": self.status_reason,
            "increased": [v["pmid"] for v in self.increased],
            "decreased": [v["pmid"] for v in self.decreased],
            "unchanged": [v["pmid"] for v in self.unchanged],
            "evidence": {"increased": self.increased, "decreased": self.decreased, "unchanged": self.unchanged},
        }


def find_conflicts(
    session: Session,
    status: str | None = None,
    disorder: str | None = None,
    include_resolved: bool = True,
    *,
    limit: int | None = None,
    offset: int = 0,
) -> list[ConflictView]:
    """Conflicts, most evidence first (papers on the smaller side, then in all), sorted and cut
    in SQL. `disorder` is a disorder group, a MeSH descriptor or a disorder's name."""
    query = _conflict_query(session, status, disorder, include_resolved)
    smaller = case(
        (Conflict.papers_increased < Conflict.papers_decreased, Conflict.papers_increased),
        else_=Conflict.papers_decreased,
    )
    query = query.order_by(
        smaller.desc(),
        (Conflict.papers_increased + Conflict.papers_decreased).desc(),
        func.lower(Taxon.name),
        Conflict.disorder_group,
        Conflict.id,
    )
    return [_view(conflict, taxon) for conflict, taxon in session.execute(query.limit(limit).offset(offset))]


def count_conflicts(
    session: Session, status: str | None = None, disorder: str | None = None, include_resolved: bool = True
) -> int:
    query = _conflict_query(session, status, disorder, include_resolved)
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


def _conflict_query(session: Session, status: str | None, disorder: str | None, include_resolved: bool):
    if status and status not in STATUSES:
        raise InvalidValue(f"no status {status!r}; use one of {', '.join(STATUSES)}")
    query = select(Conflict, Taxon).join(Taxon, Conflict.taxon_id == Taxon.id)
    if status:
        query = query.where(Conflict.status == status)
    elif not include_resolved:
        query = query.where(Conflict.status.in_(("open", "confirmed")))
    if disorder:
        query = query.where(Conflict.disorder_group.in_(disorder_groups(session, disorder)))
    return query


def disorder_groups_with_conflicts(session: Session) -> list[tuple[str, int]]:
    """(group, conflicts) for the queue's filter."""
    return [
        (group, count)
        for group, count in session.execute(
            select(Conflict.disorder_group, func.count())
            .group_by(Conflict.disorder_group)
            .order_by(Conflict.disorder_group)
        )
    ]


def get_conflict(session: Session, conflict_id: int) -> ConflictView:
    row = session.execute(
        select(Conflict, Taxon).join(Taxon, Conflict.taxon_id == Taxon.id).where(Conflict.id == conflict_id)
    ).first()
    if row is None:
        raise NotFound(f"no conflict {conflict_id}")
    return _view(*row)


def _view(conflict: Conflict, taxon: Taxon) -> ConflictView:
    return ConflictView(
        conflict.id,
        taxon.name,
        taxon.taxid,
        taxon.rank,
        taxon.lineage,
        conflict.disorder_group,
        list(conflict.meshes),
        conflict.subject,
        conflict.status,
        conflict.status_by,
        conflict.status_reason,
        list(conflict.increased),
        list(conflict.decreased),
        list(conflict.unchanged),
        conflict.updated_at,
    )


def conflict_claims(session: Session, conflict: ConflictView):
    """Every claim behind a conflict, verdicts shown (rejected ones too, marked), for review."""
    query = (
        claims(include_rejected=True)
        .where(Relation.taxon_id == select(Conflict.taxon_id).where(Conflict.id == conflict.id).scalar_subquery())
        .where(Disorder.group == conflict.group, Relation.subject == conflict.subject)
        .order_by(Relation.pmid)
    )
    return session.execute(query).all()


def related_claims(session: Session, conflict: ConflictView, limit: int = 50):
    """Claims about taxa above or below this one (a genus and its species), same disorder group
    and subject: shown beside a conflict, never merged into it."""
    if not conflict.lineage:
        return []
    ancestors = [
        int(t) for t in conflict.lineage.strip("/").split("/") if t and t.isdigit() and int(t) != conflict.taxid
    ]
    below = Taxon.lineage.like(f"%/{conflict.taxid}/%") & (Taxon.taxid != conflict.taxid)
    above = Taxon.taxid.in_(ancestors) if ancestors else False
    query = (
        claims()
        .where(below | above)
        .where(Disorder.group == conflict.group, Relation.subject == conflict.subject)
        .order_by(Taxon.name, Relation.pmid)
        .limit(limit)
    )
    return session.execute(query).all()


def verdict_of(session: Session, relation: Relation) -> Verdict | None:
    return session.scalars(select(Verdict).where(same_claim(Verdict, relation))).first()
