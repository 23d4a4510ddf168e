"""Summaries of the whole database: counts, the most-reported taxa and disorders, and the
articles streamed for export, read through the curators' verdicts (`miner.store.claims`).
Imports: SQLAlchemy, `miner.records`, `miner.store`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from miner.records import DIRECTIONS
from miner.store.claims import REJECTING, claim_facts, effective_direction, not_rejected, verdict_on_relation
from miner.store.models import Article, Conflict, IngestRun, Relation, Verdict

ARTICLE_COLUMNS = (
    "pmid",
    "version",
    "title",
    "abstract",
    "journal",
    "year",
    "entrez_date",
    "doi",
    "language",
    "publication_types",
    "mesh",
    "authors",
    "relations",
    "pipeline_version",
)


def stats(session: Session) -> dict[str, Any]:
    """Counts of the whole database, read through the verdicts. Counted from the relation table
    and its indexes; the few judged claims are then moved (turned round) or taken out (rejected)."""
    extracted = dict(session.execute(select(Relation.direction, func.count()).group_by(Relation.direction)).all())
    by_direction = {d: extracted.get(d, 0) for d in DIRECTIONS}
    judged = session.execute(
        select(Relation.direction, Verdict.verdict, effective_direction).join(Verdict, verdict_on_relation)
    ).all()
    for direction, verdict, reads_as in judged:
        if verdict in REJECTING or verdict == "wrong direction":
            by_direction[direction] -= 1
        if verdict == "wrong direction":
            by_direction[reads_as] = by_direction.get(reads_as, 0) + 1
    kept = not_rejected()
    last_run = session.scalars(select(IngestRun).order_by(IngestRun.id.desc()).limit(1)).first()
    by_status = dict(
        session.execute(
            select(Conflict.status, func.count()).where(Conflict.contradicted.is_(True)).group_by(Conflict.status)
        ).all()
    )
    return {
        "articles": session.scalar(select(func.count()).select_from(Article)) or 0,
        "articles_with_relations": _distinct(session, Relation.pmid, kept),
        "relations": sum(by_direction.values()),
        "relations_by_direction": by_direction,
        "taxa": _distinct(session, Relation.taxon_id, kept),
        "disorders": _distinct(session, Relation.mesh, kept),
        "conflicts": sum(n for status, n in by_status.items() if status in ("open", "confirmed")),
        "conflicts_by_status": by_status,
        "last_run": None
        if last_run is None
        else {
            "id": last_run.id,
            "kind": last_run.kind,
            "status": last_run.status,
            "finished_at": last_run.finished_at.isoformat() if last_run.finished_at else None,
        },
    }


def _distinct(session: Session, column: InstrumentedAttribute[Any], where: ColumnElement[bool]) -> int:
    """count(*) of SELECT DISTINCT (PostgreSQL hashes it; count(DISTINCT) would sort)."""
    return session.scalar(select(func.count()).select_from(select(column).where(where).distinct().subquery())) or 0


def top_taxa(session: Session, limit: int = 10) -> list[tuple[str, int | None, int, int]]:
    """(name, taxid, papers, relations) of the taxa named by the most papers."""
    counted = claim_facts().subquery()
    papers = func.count(func.distinct(counted.c.pmid))
    query = (
        select(counted.c.taxon, counted.c.taxid, papers, func.count())
        .group_by(counted.c.taxon_id, counted.c.taxon, counted.c.taxid)
        .order_by(papers.desc(), counted.c.taxon)
        .limit(limit)
    )
    return [tuple(row) for row in session.execute(query)]


def top_disorders(session: Session, limit: int = 10) -> list[tuple[str, str, int, int]]:
    """(group, representative name, papers, relations) by disorder group."""
    counted = claim_facts().subquery()
    papers = func.count(func.distinct(counted.c.pmid))
    query = (
        select(counted.c.disorder_group, func.min(counted.c.disorder), papers, func.count())
        .group_by(counted.c.disorder_group)
        .order_by(papers.desc(), counted.c.disorder_group)
        .limit(limit)
    )
    return [tuple(row) for row in session.execute(query)]


def article_rows(session: Session, batch: int = 500) -> Iterator[dict[str, Any]]:
    counted = claim_facts().subquery()
    counts = select(counted.c.pmid, func.count().label("n")).group_by(counted.c.pmid).subquery()
    query = (
        select(Article, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.pmid == Article.pmid)
        .order_by(Article.pmid)
        .execution_options(yield_per=batch)
    )
    for article, relations in session.execute(query):
        yield {
            "pmid": article.pmid,
            "version": article.version,
            "title": article.title,
            "abstract": article.abstract,
            "journal": article.journal,
            "year": article.year,
            "entrez_date": article.entrez_date.isoformat() if article.entrez_date else None,
            "doi": article.doi,
            "language": article.language,
            "publication_types": article.publication_types,
            "mesh": [m["ui"] for m in article.mesh],
            "authors": article.authors,
            "relations": relations,
            "pipeline_version": article.pipeline_version,
        }
