"""The only code that writes articles and relations: idempotent upserts and deletions.

`save_article` replaces one article, its study facts and its relation set inside the caller's
transaction, so a re-ingested PMID never leaves a half-written state; an article whose content and
pipeline version are unchanged is left alone. Taxa and disorders are created on first use. The
study facts come with the record (ingest computes them beside the relations); `is_review` is the
facts' (their review design is `miner.reviews`'s decision).
Imports: SQLAlchemy, `miner.records`, `miner.study_facts`, `miner.store.models`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.orm import Session

from miner import records
from miner.store.models import Article, Disorder, Relation, StudyFact, Taxon, utcnow
from miner.study_facts import StudyFacts, facts_of

RETRACTED_TYPES = {"Retracted Publication"}


def content_hash(article: records.Article) -> str:
    """A fingerprint of everything miner reads from a record: equal hashes mean nothing changed."""
    payload = json.dumps(article.to_json(), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def taxon_key(taxid: int | None, name: str) -> str:
    """Identity of a taxon row: its NCBI id, or its lowercase name for labels without one."""
    if taxid is not None:
        return f"ncbi:{taxid}"
    return "name:" + " ".join(name.replace("[", "").replace("]", "").lower().split())


def known_versions(session: Session, pmids: Iterable[str]) -> dict[str, tuple[str, str | None]]:
    """pmid → (content hash, pipeline version) of the stored articles among `pmids`."""
    pmids = list(set(pmids))
    found: dict[str, tuple[str, str | None]] = {}
    for start in range(0, len(pmids), 500):
        chunk = pmids[start : start + 500]
        rows = session.execute(
            select(Article.pmid, Article.content_hash, Article.pipeline_version).where(Article.pmid.in_(chunk))
        )
        found.update({pmid: (digest, version) for pmid, digest, version in rows})
    return found


def save_article(
    session: Session,
    article: records.Article,
    relations: Sequence[records.Relation],
    *,
    pipeline_version: str,
    source: str = "",
    digest: str | None = None,
    facts: StudyFacts | None = None,
) -> str:
    """Insert or replace one article, its study facts and its relations; returns "new" or
    "updated". `facts` are the article's (`miner.study_facts.facts_of`); a caller without them
    (a test, a seed) gets them computed here."""
    digest = digest or content_hash(article)
    facts = facts if facts is not None else facts_of(article)
    row = session.get(Article, article.pmid)
    status = "updated" if row is not None else "new"
    if row is None:
        row = Article(pmid=article.pmid, first_seen_at=utcnow())
        session.add(row)
    _fill_article(row, article, digest, pipeline_version, source, facts)
    session.execute(delete(Relation).where(Relation.pmid == article.pmid))
    session.execute(delete(StudyFact).where(StudyFact.pmid == article.pmid))
    session.flush()
    session.add_all(StudyFact(pmid=article.pmid, kind=kind, value=value) for kind, value in facts.rows())
    taxon_ids = ensure_taxa(session, relations)
    ensure_disorders(session, relations)
    for relation in _unique_findings(relations, taxon_ids):
        session.add(_relation_row(relation, taxon_ids, pipeline_version, article.year))
    return status


def delete_articles(session: Session, pmids: Iterable[str]) -> int:
    """Remove articles PubMed deleted, with their relations and study facts; returns how many existed."""
    pmids = list(pmids)
    if not pmids:
        return 0
    session.execute(delete(Relation).where(Relation.pmid.in_(pmids)))
    session.execute(delete(StudyFact).where(StudyFact.pmid.in_(pmids)))
    # a DELETE answers with a CursorResult (its rowcount); Session.execute is typed as the plain Result
    result = cast("CursorResult[*tuple[Any, ...]]", session.execute(delete(Article).where(Article.pmid.in_(pmids))))
    return result.rowcount or 0


def ensure_taxa(session: Session, relations: Iterable[records.Relation]) -> dict[str, int]:
    """Taxon rows for every taxon the relations name, created where missing; key → row id."""
    wanted: dict[str, records.Relation] = {}
    for relation in relations:
        wanted.setdefault(taxon_key(relation.taxid, relation.taxon), relation)
    if not wanted:
        return {}
    ids = dict(session.execute(select(Taxon.key, Taxon.id).where(Taxon.key.in_(list(wanted)))).all())
    for key, relation in wanted.items():
        if key in ids:
            continue
        row = Taxon(
            key=key,
            taxid=relation.taxid,
            name=relation.taxon,
            rank=relation.rank or "",
            parent_taxid=relation.parent_taxid,
            lineage="/" + "".join(f"{taxid}/" for taxid in relation.taxon_lineage) if relation.taxon_lineage else "",
        )
        session.add(row)
        session.flush()
        ids[key] = row.id
    return ids


def ensure_disorders(session: Session, relations: Iterable[records.Relation]) -> None:
    """Disorder rows for every MeSH descriptor the relations name."""
    wanted = {relation.mesh: relation for relation in relations}
    if not wanted:
        return
    present = set(session.scalars(select(Disorder.mesh).where(Disorder.mesh.in_(list(wanted)))))
    for mesh, relation in wanted.items():
        if mesh not in present:
            session.add(Disorder(mesh=mesh, name=relation.disorder, group=relation.disorder_group or ""))
    session.flush()


def article_record(row: Article) -> records.Article:
    """The plain record back from a stored row (for re-extraction and exports)."""
    section_fields = {f.name for f in dataclasses.fields(records.Section)}
    sections = tuple(
        records.Section(**{k: _tuples(v) for k, v in section.items() if k in section_fields})
        for section in row.sections
    )
    mesh = tuple(
        records.MeshHeading(
            ui=m["ui"], name=m["name"], major=m.get("major", False), qualifiers=tuple(m.get("qualifiers", ()))
        )
        for m in row.mesh
    )
    return records.Article(
        pmid=row.pmid,
        title=row.title,
        sections=sections,
        version=row.version,
        journal=row.journal,
        year=row.year,
        entrez_date=row.entrez_date,
        doi=row.doi,
        language=row.language,
        authors=tuple(row.authors),
        mesh=mesh,
        publication_types=tuple(row.publication_types),
        title_italics=_tuples(row.title_italics or []),
    )


def _tuples(value: Any) -> Any:
    """JSON's lists back as the tuples the records hold (nested too); other values as they are."""
    if isinstance(value, list):
        return tuple(_tuples(item) for item in value)
    return value


def _fill_article(
    row: Article, article: records.Article, digest: str, pipeline_version: str, source: str, facts: StudyFacts
) -> None:
    row.version = article.version
    row.title = article.title
    row.title_italics = [list(span) for span in article.title_italics]
    row.abstract = article.abstract
    row.sections = [dataclasses.asdict(section) for section in article.sections]
    row.journal = article.journal
    row.year = article.year
    row.entrez_date = article.entrez_date
    row.doi = article.doi
    row.language = article.language
    row.authors = list(article.authors)
    row.mesh = [dataclasses.asdict(heading) for heading in article.mesh]
    row.publication_types = list(article.publication_types)
    row.is_review = facts.is_review  # the design holds "review" exactly when miner.reviews.is_review says so
    row.sample_size, row.cases, row.controls = facts.sample_size, facts.cases, facts.controls
    row.is_retracted = bool(RETRACTED_TYPES.intersection(article.publication_types))
    row.content_hash = digest
    row.pipeline_version = pipeline_version
    row.source = source
    row.updated_at = utcnow()


def _unique_findings(relations: Iterable[records.Relation], taxon_ids: dict[str, int]) -> list[records.Relation]:
    """One relation per (taxon, disorder, direction, subject): the most confident one."""
    best: dict[tuple[int, str, str, str], records.Relation] = {}
    for relation in relations:
        key = (
            taxon_ids[taxon_key(relation.taxid, relation.taxon)],
            relation.mesh,
            relation.direction,
            relation.subject,
        )
        if key not in best or relation.confidence > best[key].confidence:
            best[key] = relation
    return list(best.values())


def _relation_row(
    relation: records.Relation, taxon_ids: dict[str, int], pipeline_version: str, year: int | None
) -> Relation:
    return Relation(
        year=year or 0,
        pmid=relation.pmid,
        taxon_id=taxon_ids[taxon_key(relation.taxid, relation.taxon)],
        mesh=relation.mesh,
        direction=relation.direction,
        subject=relation.subject,
        confidence=relation.confidence,
        evidence=relation.evidence,
        sentence_start=relation.sentence_start,
        section=relation.section,
        taxon_text=relation.taxon_text[:255],
        taxon_start=relation.taxon_start,
        taxon_end=relation.taxon_end,
        disorder_text=relation.disorder_text[:255],
        disorder_start=relation.disorder_start,
        disorder_end=relation.disorder_end,
        trigger=relation.trigger[:255],
        trigger_start=relation.trigger_start,
        trigger_end=relation.trigger_end,
        pipeline_version=relation.pipeline_version or pipeline_version,
    )
