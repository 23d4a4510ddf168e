"""Two indexes on article for the queries of issue 14: the reviews' PMIDs (is_review, pmid) — the
consensus of a pair keeps reviews and meta-analyses apart (miner.query.pairs), asking "is this
claim's PMID a review's?" for every claim it counts, and the index answers from a few pages
instead of the article rows — and the participants (sample_size), for `min_sample_size`.

Revision ID: 0009
Revises: 0008
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.create_index("ix_article_review_pmid", ["is_review", "pmid"], unique=False)
        batch_op.create_index(batch_op.f("ix_article_sample_size"), ["sample_size"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_sample_size"))
        batch_op.drop_index("ix_article_review_pmid")
