"""Reads shared by the CLI, and later the API, the pages and the digest: counts, top lists and
streamed rows for export. All of them read claims through the curators' verdicts
(`miner.store.claims`): a verdict overrides the extraction in every read. Nothing here writes.
Imports: SQLAlchemy, `miner.store`, `miner.conflicts`.
"""
from __future__ import annotations

from typing import Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from miner.store.claims import claim_facts, claims
from miner.store.models import Article, Conflict, IngestRun, Relation

RELATION_COLUMNS = (
    "pmid", "taxon", "taxid", "rank", "disorder", "mesh", "disorder_group", "direction", "extracted_direction",
    "verdict", "subject", "confidence", "evidence", "taxon_text", "taxon_start", "taxon_end", "disorder_text",
    "disorder_start", "disorder_end", "trigger", "trigger_start", "trigger_end", "section", "journal", "year", "doi",
    "pipeline_version",
)
ARTICLE_COLUMNS = (
    "pmid", "version", "title", "abstract", "journal", "year", "entrez_date", "doi", "language",
    "publication_types", "mesh", "authors", "relations", "pipeline_version",
)


def stats(session: Session) -> dict:
    counted = claim_facts().subquery()
    by_direction = dict(session.execute(select(counted.c.direction, func.count()).group_by(counted.c.direction)).all())
    last_run = session.scalars(select(IngestRun).order_by(IngestRun.id.desc()).limit(1)).first()
    by_status = dict(session.execute(select(Conflict.status, func.count()).where(Conflict.contradicted.is_(True)).group_by(Conflict.status)).all())
    return {
        "articles": session.scalar(select(func.count()).select_from(Article)) or 0,
        "articles_with_relations": session.scalar(select(func.count(func.distinct(counted.c.pmid)))) or 0,
        "relations": sum(by_direction.values()),
        "relations_by_direction": {d: by_direction.get(d, 0) for d in ("increased", "decreased", "unchanged", "associated")},
        "taxa": session.scalar(select(func.count(func.distinct(counted.c.taxon_id)))) or 0,
        "disorders": session.scalar(select(func.count(func.distinct(counted.c.mesh)))) or 0,
        "conflicts": sum(n for status, n in by_status.items() if status in ("open", "confirmed")),
        "conflicts_by_status": by_status,
        "last_run": None
        if last_run is None
        else {"id": last_run.id, "kind": last_run.kind, "status": last_run.status, "finished_at": last_run.finished_at.isoformat() if last_run.finished_at else None},
    }


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


def relation_rows(session: Session, batch: int = 1000, include_rejected: bool = False) -> Iterator[dict]:
    """Every claim, read through its verdict, with its article's citation, in PMID order."""
    query = claims(include_rejected=include_rejected).order_by(Relation.pmid, Relation.id).execution_options(yield_per=batch)
    for relation, taxon, disorder, article, verdict, direction in session.execute(query):
        yield {
            "pmid": relation.pmid, "taxon": taxon.name, "taxid": taxon.taxid, "rank": taxon.rank,
            "disorder": disorder.name, "mesh": disorder.mesh, "disorder_group": disorder.group,
            "direction": direction, "extracted_direction": relation.direction, "verdict": verdict,
            "subject": relation.subject, "confidence": relation.confidence, "evidence": relation.evidence,
            "taxon_text": relation.taxon_text, "taxon_start": relation.taxon_start, "taxon_end": relation.taxon_end,
            "disorder_text": relation.disorder_text, "disorder_start": relation.disorder_start,
            "disorder_end": relation.disorder_end, "trigger": relation.trigger, "trigger_start": relation.trigger_start,
            "trigger_end": relation.trigger_end, "section": relation.section, "journal": article.journal,
            "year": article.year, "doi": article.doi, "pipeline_version": relation.pipeline_version,
        }


def article_rows(session: Session, batch: int = 500) -> Iterator[dict]:
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
            "pmid": article.pmid, "version": article.version, "title": article.title, "abstract": article.abstract,
            "journal": article.journal, "year": article.year,
            "entrez_date": article.entrez_date.isoformat() if article.entrez_date else None,
            "doi": article.doi, "language": article.language, "publication_types": article.publication_types,
            "mesh": [m["ui"] for m in article.mesh], "authors": article.authors, "relations": relations,
            "pipeline_version": article.pipeline_version,
        }
