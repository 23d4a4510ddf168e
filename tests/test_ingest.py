"""The main job on real files and real databases: idempotency, replacement, deletions, bad
records, a crash mid-run, and re-extraction."""

from __future__ import annotations

import gzip

import pytest
from conftest import FIXTURES
from sqlalchemy import func, select, update

from miner import records
from miner.ingest import ingest, pending_reextraction, reextract
from miner.store.models import Article, IngestProblem, IngestRun, Relation

pytestmark = pytest.mark.slow

SAMPLE = FIXTURES / "gutbrain-20.xml"


def snapshot(database):
    """Everything a user could read back: articles and their relations as plain tuples."""
    with database.session() as session:
        articles = session.execute(
            select(Article.pmid, Article.title, Article.content_hash).order_by(Article.pmid)
        ).all()
        relations = session.execute(
            select(
                Relation.pmid, Relation.taxon_id, Relation.mesh, Relation.direction, Relation.subject, Relation.evidence
            ).order_by(Relation.pmid, Relation.taxon_id, Relation.mesh, Relation.direction)
        ).all()
    return [tuple(a) for a in articles], [tuple(r) for r in relations]


def test_ingest_stores_articles_and_relations_and_is_idempotent(database, extractor):
    first = ingest(database, extractor, [str(SAMPLE)], commit_every=7)
    assert (first.read, first.new, first.unchanged, first.problems) == (20, 20, 0, [])
    assert first.relations > 20  # hand check: these abstracts report many findings
    before = snapshot(database)
    second = ingest(database, extractor, [str(SAMPLE)], commit_every=7)
    assert (second.read, second.new, second.updated, second.unchanged, second.relations) == (20, 0, 0, 20, 0)
    assert snapshot(database) == before
    with database.session() as session:
        runs = session.execute(select(IngestRun.status, IngestRun.read, IngestRun.new)).all()
    assert [tuple(r) for r in runs] == [("ok", 20, 20), ("ok", 20, 0)]


def test_changed_record_replaces_its_relations(database, extractor, tmp_path):
    ingest(database, extractor, [str(SAMPLE)])
    text = SAMPLE.read_text()
    changed = text.replace("<ArticleTitle>", "<ArticleTitle>Revised: ", 1)
    path = tmp_path / "revised.xml"
    path.write_text(changed)
    summary = ingest(database, extractor, [str(path)])
    assert (summary.updated, summary.unchanged) == (1, 19)
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Article).where(Article.title.like("Revised: %"))) == 1
        duplicates = session.execute(
            select(Relation.pmid, Relation.taxon_id, Relation.mesh, Relation.direction, Relation.subject, func.count())
            .group_by(Relation.pmid, Relation.taxon_id, Relation.mesh, Relation.direction, Relation.subject)
            .having(func.count() > 1)
        ).all()
    assert duplicates == []


def test_delete_citation_removes_the_article(database, extractor, tmp_path):
    ingest(database, extractor, [str(SAMPLE)])
    deletion = tmp_path / "delete.xml.gz"
    with gzip.open(deletion, "wt") as handle:
        handle.write(
            "<PubmedArticleSet><DeleteCitation><PMID Version='1'>29857583</PMID><PMID "
            "Version='1'>1</PMID></DeleteCitation></PubmedArticleSet>"
        )
    summary = ingest(database, extractor, [str(deletion)])
    assert summary.deleted == 1
    with database.session() as session:
        assert session.get(Article, "29857583") is None
        assert session.scalar(select(func.count()).select_from(Relation).where(Relation.pmid == "29857583")) == 0
        assert session.scalar(select(func.count()).select_from(Article)) == 19


def test_malformed_record_is_reported_and_the_rest_goes_in(database, extractor, tmp_path):
    text = SAMPLE.read_text()
    broken = text.replace('<PMID Version="1">36564391</PMID>', '<PMID Version="1">36564391</PMID><Broken>', 1)
    path = tmp_path / "broken.xml"
    path.write_text(broken)
    summary = ingest(database, extractor, [str(path)])
    assert summary.read == 19
    assert [p.pmid for p in summary.problems] == ["36564391"]
    with database.session() as session:
        problem = session.scalars(select(IngestProblem)).one()
        assert problem.pmid == "36564391" and problem.source.endswith("broken.xml")
        assert session.get(Article, "36564391") is None
        assert session.scalar(select(func.count()).select_from(Article)) == 19


def test_crash_mid_run_resumes_without_loss_or_duplicates(database, extractor, database_url):
    from miner.store import Database

    reference = (
        Database.open(database_url.replace("miner.db", "reference.db")) if database_url.startswith("sqlite") else None
    )

    def crash_after_first_batch(n):
        raise KeyboardInterrupt  # what a kill leaves: the batch in hand committed, the rest not

    with pytest.raises(KeyboardInterrupt):
        ingest(database, extractor, [str(SAMPLE)], commit_every=6, progress=crash_after_first_batch)
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Article)) == 6
        assert session.scalars(select(IngestRun.status)).one() == "interrupted"
    resumed = ingest(database, extractor, [str(SAMPLE)], commit_every=6)
    assert (resumed.new, resumed.unchanged) == (14, 6)
    if reference is not None:
        ingest(reference, extractor, [str(SAMPLE)])
        assert snapshot(database)[1] == snapshot(reference)[1]
        reference.dispose()


def test_reextract_updates_older_pipeline_versions_only(database, extractor):
    ingest(database, extractor, [str(SAMPLE)])
    before = snapshot(database)[1]
    with database.session() as session:
        session.execute(
            update(Article).where(Article.pmid.in_(["29857583", "36564391"])).values(pipeline_version="0.0.1+old")
        )
    assert pending_reextraction(database, extractor.version) == 2
    summary = reextract(database, extractor)
    assert (summary.read, summary.updated) == (2, 2)
    assert pending_reextraction(database, extractor.version) == 0
    assert snapshot(database)[1] == before
    everything = reextract(database, extractor, everything=True)
    assert everything.read == 20


def test_jsonl_input(database, extractor, tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(
        '{"pmid": "1", "title": "Gut microbiota in schizophrenia", "abstract": "Blautia was increased in patients '
        'with schizophrenia."}\n'
        "{not json}\n"
    )
    summary = ingest(database, extractor, [str(path)])
    assert summary.new == 1 and len(summary.problems) == 1
    with database.session() as session:
        relation = session.scalars(select(Relation)).one()
        assert (relation.taxon.name, relation.mesh, relation.direction) == ("Blautia", "D012559", "increased")


def test_problem_record_type_round_trips():
    problem = records.Problem("f.xml", "no PMID", position=3)
    assert str(problem) == "f.xml: record 3: no PMID"
