"""Claims as every read must see them: each extracted relation with the verdict given on it.

A verdict overrides the extraction without touching it: "wrong direction" turns the direction
round (or to the direction the curator gave), "wrong taxon", "wrong disorder" and "not a
finding" take the claim out of every read, and "correct" marks it confirmed. Queries, conflicts,
exports and the digest all start from `claims()`, so none can forget the verdicts. `trusted()`
is the one condition for claims confident enough to count in conflicts and the digest.
Imports: SQLAlchemy, `miner.store.models`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select, true
from sqlalchemy.orm import Session

from miner.store.models import Article, Disorder, Relation, Taxon, Verdict

VERDICTS = ("correct", "wrong direction", "wrong taxon", "wrong disorder", "not a finding")
REJECTING = ("wrong taxon", "wrong disorder", "not a finding")

_OPPOSITE = case(
    (Relation.direction == "increased", "decreased"),
    (Relation.direction == "decreased", "increased"),
    else_=Relation.direction,
)
effective_direction = case(
    (Verdict.verdict == "wrong direction", func.coalesce(Verdict.corrected_direction, _OPPOSITE)),
    else_=Relation.direction,
).label("effective_direction")

CLAIM_KEY = ("pmid", "taxon_id", "mesh", "direction", "subject")


def same_claim(verdict: object, relation: object) -> ColumnElement[bool]:
    """SQL: this verdict is on this relation (the two share the claim's natural key); either
    side may be a model class or an instance."""
    return and_(*(getattr(verdict, name) == getattr(relation, name) for name in CLAIM_KEY))


verdict_on_relation = same_claim(Verdict, Relation)


def trusted_confidence(session: Session) -> float:
    """The confidence from which this session's reads trust an unreviewed claim (0: all)."""
    return float(session.info.get("trusted_confidence", 0.0))


def trusted(session: Session) -> ColumnElement[bool]:
    """SQL: the claim is trusted: confident enough, or confirmed by a curator. Conflicts and the
    digest count only these; the API and exports show every claim with its confidence."""
    threshold = trusted_confidence(session)
    if threshold <= 0:
        return true()
    return or_(Relation.confidence >= threshold, Verdict.verdict == "correct")


def claims(*, include_rejected: bool = False, include_retracted: bool = True) -> Select[*tuple[Any, ...]]:
    """Relations joined with their taxon, disorder, article and verdict; columns: Relation,
    Taxon, Disorder, Article, `verdict` (or None) and `effective_direction`."""
    query = select(Relation, Taxon, Disorder, Article, Verdict.verdict.label("verdict"), effective_direction)
    return joined_claims(query, include_rejected=include_rejected, include_retracted=include_retracted)


def claim_facts(*, include_rejected: bool = False, include_retracted: bool = True) -> Select[*tuple[Any, ...]]:
    """The same claims as flat, uniquely named columns (no ORM objects: fast over many rows):
    relation_id, pmid, taxon_id, taxon, taxid, rank, mesh, disorder, disorder_group, subject,
    direction (read through the verdict), extracted_direction, verdict, confidence, is_review,
    year."""
    query = select(
        Relation.id.label("relation_id"),
        Relation.pmid.label("pmid"),
        Relation.taxon_id.label("taxon_id"),
        Taxon.name.label("taxon"),
        Taxon.taxid.label("taxid"),
        Taxon.rank.label("rank"),
        Relation.mesh.label("mesh"),
        Disorder.name.label("disorder"),
        Disorder.group.label("disorder_group"),
        Relation.subject.label("subject"),
        effective_direction.label("direction"),
        Relation.direction.label("extracted_direction"),
        Verdict.verdict.label("verdict"),
        Relation.confidence.label("confidence"),
        Article.is_review.label("is_review"),
        Article.year.label("year"),
    )
    return joined_claims(query, include_rejected=include_rejected, include_retracted=include_retracted)


def joined_claims(
    query: Select[*tuple[Any, ...]], *, include_rejected: bool = True, include_retracted: bool = True
) -> Select[*tuple[Any, ...]]:
    """`query` over Relation with its taxon, disorder, article and (outer) verdict joined, less
    the rejected claims and the retracted articles' claims unless they are asked for."""
    query = (
        query.select_from(Relation)
        .join(Taxon, Relation.taxon_id == Taxon.id)
        .join(Disorder, Relation.mesh == Disorder.mesh)
        .join(Article, Relation.pmid == Article.pmid)
        .outerjoin(Verdict, verdict_on_relation)
    )
    if not include_rejected:
        query = query.where(Verdict.verdict.is_(None) | Verdict.verdict.not_in(REJECTING))
    if not include_retracted:
        query = query.where(Article.is_retracted.is_(False))
    return query


def not_rejected() -> ColumnElement[bool]:
    """SQL over Relation alone: the claim has no rejecting verdict (a subquery of the few that do)."""
    return Relation.id.not_in(
        select(Relation.id).join(Verdict, verdict_on_relation).where(Verdict.verdict.in_(REJECTING))
    )
