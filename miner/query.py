"""Reads shared by the CLI, and later the API, the pages and the digest: counts, top lists and
streamed rows for export. Nothing here writes.
Imports: SQLAlchemy, `miner.store.models`, `miner.conflicts`.
"""
from __future__ import annotations

from typing import Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from miner.conflicts import find_conflicts
from miner.store.models import Article, Disorder, IngestRun, Relation, Taxon

RELATION_COLUMNS = (
    "pmid", "taxon", "taxid", "rank", "disorder", "mesh", "disorder_group", "direction", "subject",
    "confidence", "evidence", "taxon_text", "taxon_start", "taxon_end", "disorder_text", "disorder_start",
    "disorder_end", "trigger", "section", "journal", "year", "doi", "pipeline_version",
)
ARTICLE_COLUMNS = (
    "pmid", "version", "title", "abstract", "journal", "year", "entrez_date", "doi", "language",
    "publication_types", "mesh", "authors", "relations", "pipeline_version",
)


def stats(session: Session) -> dict:
    by_direction = dict(session.execute(select(Relation.direction, func.count()).group_by(Relation.direction)).all())
    last_run = session.scalars(select(IngestRun).order_by(IngestRun.id.desc()).limit(1)).first()
    return {
        "articles": session.scalar(select(func.count()).select_from(Article)) or 0,
        "articles_with_relations": session.scalar(select(func.count(func.distinct(Relation.pmid)))) or 0,
        "relations": sum(by_direction.values()),
        "relations_by_direction": {d: by_direction.get(d, 0) for d in ("increased", "decreased", "unchanged", "associated")},
        "taxa": session.scalar(select(func.count(func.distinct(Relation.taxon_id)))) or 0,
        "disorders": session.scalar(select(func.count(func.distinct(Relation.mesh)))) or 0,
        "conflicts": len(find_conflicts(session)),
        "last_run": None
        if last_run is None
        else {"id": last_run.id, "kind": last_run.kind, "status": last_run.status, "finished_at": last_run.finished_at.isoformat() if last_run.finished_at else None},
    }


def top_taxa(session: Session, limit: int = 10) -> list[tuple[str, int | None, int, int]]:
    """(name, taxid, papers, relations) of the taxa named by the most papers."""
    papers = func.count(func.distinct(Relation.pmid))
    query = (
        select(Taxon.name, Taxon.taxid, papers, func.count())
        .join(Relation, Relation.taxon_id == Taxon.id)
        .group_by(Taxon.id, Taxon.name, Taxon.taxid)
        .order_by(papers.desc(), Taxon.name)
        .limit(limit)
    )
    return [tuple(row) for row in session.execute(query)]


def top_disorders(session: Session, limit: int = 10) -> list[tuple[str, str, int, int]]:
    """(group, representative name, papers, relations) by disorder group."""
    papers = func.count(func.distinct(Relation.pmid))
    query = (
        select(Disorder.group, func.min(Disorder.name), papers, func.count())
        .join(Relation, Relation.mesh == Disorder.mesh)
        .group_by(Disorder.group)
        .order_by(papers.desc(), Disorder.group)
        .limit(limit)
    )
    return [tuple(row) for row in session.execute(query)]


def relation_rows(session: Session, batch: int = 1000) -> Iterator[dict]:
    """Every relation with its article's citation, streamed in PMID order."""
    query = (
        select(Relation, Taxon, Disorder, Article.journal, Article.year, Article.doi)
        .join(Taxon, Relation.taxon_id == Taxon.id)
        .join(Disorder, Relation.mesh == Disorder.mesh)
        .join(Article, Relation.pmid == Article.pmid)
        .order_by(Relation.pmid, Relation.id)
        .execution_options(yield_per=batch)
    )
    for relation, taxon, disorder, journal, year, doi in session.execute(query):
        yield {
            "pmid": relation.pmid, "taxon": taxon.name, "taxid": taxon.taxid, "rank": taxon.rank,
            "disorder": disorder.name, "mesh": disorder.mesh, "disorder_group": disorder.group,
            "direction": relation.direction, "subject": relation.subject, "confidence": relation.confidence,
            "evidence": relation.evidence, "taxon_text": relation.taxon_text, "taxon_start": relation.taxon_start,
            "taxon_end": relation.taxon_end, "disorder_text": relation.disorder_text,
            "disorder_start": relation.disorder_start, "disorder_end": relation.disorder_end,
            "trigger": relation.trigger, "section": relation.section, "journal": journal, "year": year,
            "doi": doi, "pipeline_version": relation.pipeline_version,
        }


def article_rows(session: Session, batch: int = 500) -> Iterator[dict]:
    counts = select(Relation.pmid, func.count().label("n")).group_by(Relation.pmid).subquery()
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
