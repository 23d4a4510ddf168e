"""Store round trips on real SQLite and PostgreSQL: migrations, upserts, replacement, deletion."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from builders import make_article, make_relation
from sqlalchemy import func, select

from miner import records
from miner.errors import StoreError
from miner.store import Database
from miner.store.database import head_revision
from miner.store.models import Article, Base, Disorder, Relation, Taxon
from miner.store.writer import article_record, content_hash, delete_articles, known_versions, save_article, taxon_key


def count(db: Database, model) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(model))


# SQLite cannot reflect the expression index on lower(username), so neither side compares it there;
# PostgreSQL compares it
@pytest.mark.filterwarnings(
    "ignore:Skipped unsupported reflection of expression-based index:sqlalchemy.exc.SAWarning",
    "ignore:autogenerate skipping metadata-specified expression-based index:UserWarning",
)
def test_migration_creates_exactly_the_models(database):
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        assert context.get_current_revision() == head_revision()
        assert compare_metadata(context, Base.metadata) == []


def test_article_round_trip_keeps_every_field(database):
    article = make_article()
    with database.session() as session:
        assert save_article(session, article, [make_relation()], pipeline_version="v1", source="test.xml") == "new"
    with database.session() as session:
        row = session.get(Article, "100")
        assert article_record(row) == article
        assert row.entrez_date == datetime(2021, 3, 4, 5, 6, tzinfo=UTC)
        assert row.content_hash == content_hash(article)
        relation = session.scalars(select(Relation)).one()
        assert (relation.taxon.name, relation.taxon.taxid, relation.taxon.lineage) == (
            "Faecalibacterium",
            216851,
            "/2/1239/216851/",
        )
        assert (relation.disorder.mesh, relation.disorder.group) == ("D003865", "depression")
        assert (relation.direction, relation.disorder_start, relation.trigger) == ("decreased", 29, "lower")


def test_resaving_replaces_relations_without_duplicates(database):
    with database.session() as session:
        save_article(
            session,
            make_article(),
            [make_relation(), make_relation(taxon="Coprococcus", taxid=33042)],
            pipeline_version="v1",
        )
    with database.session() as session:
        status = save_article(
            session, make_article(text="changed"), [make_relation(direction="increased")], pipeline_version="v2"
        )
        assert status == "updated"
    with database.session() as session:
        assert [(r.taxon.name, r.direction) for r in session.scalars(select(Relation))] == [
            ("Faecalibacterium", "increased")
        ]
        assert session.get(Article, "100").pipeline_version == "v2"
    assert count(database, Article) == 1
    assert count(database, Taxon) == 2  # taxa are kept for other articles


def test_same_finding_twice_is_stored_once_with_best_confidence(database):
    with database.session() as session:
        save_article(
            session,
            make_article(),
            [make_relation(confidence=0.5), make_relation(confidence=0.8)],
            pipeline_version="v1",
        )
    with database.session() as session:
        assert session.scalars(select(Relation.confidence)).all() == [0.8]


def test_label_without_taxid_is_keyed_by_name(database):
    label = make_relation(taxon="Ruminococcaceae UCG-002", taxid=None)
    same_label = make_relation(pmid="101", taxon="ruminococcaceae  UCG-002", taxid=None)
    with database.session() as session:
        save_article(session, make_article(), [label], pipeline_version="v1")
        save_article(session, make_article(pmid="101"), [same_label], pipeline_version="v1")
    with database.session() as session:
        taxon = session.scalars(select(Taxon)).one()
        assert (taxon.key, taxon.taxid) == ("name:ruminococcaceae ucg-002", None)
    assert taxon_key(None, "[Eubacterium] rectale") == "name:eubacterium rectale"


def test_delete_removes_article_and_relations(database):
    with database.session() as session:
        save_article(session, make_article(), [make_relation()], pipeline_version="v1")
        save_article(session, make_article(pmid="200"), [make_relation(pmid="200")], pipeline_version="v1")
    with database.session() as session:
        assert delete_articles(session, ["100", "999"]) == 1
    assert count(database, Article) == 1
    with database.session() as session:
        assert session.scalars(select(Relation.pmid)).all() == ["200"]


def test_known_versions_reports_hash_and_pipeline(database):
    article = make_article()
    with database.session() as session:
        save_article(session, article, [], pipeline_version="v7")
    with database.session() as session:
        assert known_versions(session, ["100", "404"]) == {"100": (content_hash(article), "v7")}


def test_failed_transaction_leaves_nothing_behind(database):
    with pytest.raises(RuntimeError), database.session() as session:
        save_article(session, make_article(), [make_relation()], pipeline_version="v1")
        raise RuntimeError("crash mid-batch")
    assert count(database, Article) == 0
    assert count(database, Relation) == 0


def test_review_and_retraction_flags_come_from_publication_types(database):
    review = make_article(pmid="300")
    review = records.Article(
        **{**review.__dict__, "publication_types": ("Journal Article", "Meta-Analysis", "Retracted Publication")}
    )
    with database.session() as session:
        save_article(session, review, [], pipeline_version="v1")
    with database.session() as session:
        row = session.get(Article, "300")
        assert (row.is_review, row.is_retracted) == (True, True)


def test_old_schema_asks_for_upgrade(database_url):
    db = Database.open(database_url)
    with db.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0000'")
    with pytest.raises(StoreError, match="miner db upgrade"):
        Database.open(database_url)
    db.dispose()


def test_unreachable_database_is_one_clear_error(tmp_path):
    with pytest.raises(StoreError, match="cannot open database"):
        Database.open(f"sqlite:///{tmp_path}/missing/dir/miner.db")
    with pytest.raises(StoreError, match="bad database url"):
        Database.open("nosuchdriver://x")


def test_disorder_rows_created_once(database):
    with database.session() as session:
        save_article(session, make_article(), [make_relation()], pipeline_version="v1")
        save_article(session, make_article(pmid="101"), [make_relation(pmid="101")], pipeline_version="v1")
    with database.session() as session:
        assert session.scalars(select(Disorder.mesh)).all() == ["D003865"]
