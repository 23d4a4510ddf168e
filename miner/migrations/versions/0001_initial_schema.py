"""Initial schema: articles, taxa, disorders, relations with evidence, ingest runs and problems.

Revision ID: 0001
Revises: (none)
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "article",
        sa.Column("pmid", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("title_italics", sa.JSON(), nullable=False),
        sa.Column("abstract", sa.Text(), nullable=False),
        sa.Column("sections", sa.JSON(), nullable=False),
        sa.Column("journal", sa.Text(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("entrez_date", sa.DateTime(timezone=True), nullable=True),
        sa.Column("doi", sa.String(length=255), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("authors", sa.JSON(), nullable=False),
        sa.Column("mesh", sa.JSON(), nullable=False),
        sa.Column("publication_types", sa.JSON(), nullable=False),
        sa.Column("is_review", sa.Boolean(), nullable=False),
        sa.Column("is_retracted", sa.Boolean(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("pipeline_version", sa.String(length=64), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("pmid"),
    )
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_article_entrez_date"), ["entrez_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_article_pipeline_version"), ["pipeline_version"], unique=False)
        batch_op.create_index(batch_op.f("ix_article_updated_at"), ["updated_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_article_year"), ["year"], unique=False)

    op.create_table(
        "disorder",
        sa.Column("mesh", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("disorder_group", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("mesh"),
    )
    with op.batch_alter_table("disorder", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_disorder_disorder_group"), ["disorder_group"], unique=False)

    op.create_table(
        "ingest_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("sources", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pipeline_version", sa.String(length=64), nullable=False),
        sa.Column("read", sa.Integer(), nullable=False),
        sa.Column("new", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("problems", sa.Integer(), nullable=False),
        sa.Column("relations", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("ingest_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ingest_run_status"), ["status"], unique=False)

    op.create_table(
        "taxon",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("taxid", sa.BigInteger(), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("rank", sa.String(length=32), nullable=False),
        sa.Column("parent_taxid", sa.BigInteger(), nullable=True),
        sa.Column("lineage", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
        sa.UniqueConstraint("taxid"),
    )
    with op.batch_alter_table("taxon", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_taxon_name"), ["name"], unique=False)

    op.create_table(
        "ingest_problem",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("pmid", sa.String(length=16), nullable=True),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["ingest_run.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("ingest_problem", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ingest_problem_run_id"), ["run_id"], unique=False)

    op.create_table(
        "relation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pmid", sa.String(length=16), nullable=False),
        sa.Column("taxon_id", sa.Integer(), nullable=False),
        sa.Column("mesh", sa.String(length=16), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=16), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("sentence_start", sa.Integer(), nullable=False),
        sa.Column("section", sa.String(length=64), nullable=False),
        sa.Column("taxon_text", sa.String(length=255), nullable=False),
        sa.Column("taxon_start", sa.Integer(), nullable=False),
        sa.Column("taxon_end", sa.Integer(), nullable=False),
        sa.Column("disorder_text", sa.String(length=255), nullable=False),
        sa.Column("disorder_start", sa.Integer(), nullable=True),
        sa.Column("disorder_end", sa.Integer(), nullable=True),
        sa.Column("trigger", sa.String(length=255), nullable=False),
        sa.Column("pipeline_version", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["mesh"],
            ["disorder.mesh"],
        ),
        sa.ForeignKeyConstraint(["pmid"], ["article.pmid"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["taxon_id"],
            ["taxon.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("pmid", "taxon_id", "mesh", "direction", "subject", name="uq_relation_finding"),
    )
    with op.batch_alter_table("relation", schema=None) as batch_op:
        batch_op.create_index("ix_relation_disorder_direction", ["mesh", "direction"], unique=False)
        batch_op.create_index(batch_op.f("ix_relation_pmid"), ["pmid"], unique=False)
        batch_op.create_index("ix_relation_taxon_disorder", ["taxon_id", "mesh"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("relation", schema=None) as batch_op:
        batch_op.drop_index("ix_relation_taxon_disorder")
        batch_op.drop_index(batch_op.f("ix_relation_pmid"))
        batch_op.drop_index("ix_relation_disorder_direction")

    op.drop_table("relation")
    with op.batch_alter_table("ingest_problem", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ingest_problem_run_id"))

    op.drop_table("ingest_problem")
    with op.batch_alter_table("taxon", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_taxon_name"))

    op.drop_table("taxon")
    with op.batch_alter_table("ingest_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ingest_run_status"))

    op.drop_table("ingest_run")
    with op.batch_alter_table("disorder", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disorder_disorder_group"))

    op.drop_table("disorder")
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_year"))
        batch_op.drop_index(batch_op.f("ix_article_updated_at"))
        batch_op.drop_index(batch_op.f("ix_article_pipeline_version"))
        batch_op.drop_index(batch_op.f("ix_article_entrez_date"))

    op.drop_table("article")
