"""The article's year on each relation, so claim queries filter and sort by year without a join (0
when unknown; indexed with the id for keyset pages newest first), and a covering index for
the pair counts in place of the (taxon, descriptor) one.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("relation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("year", sa.Integer(), server_default="0", nullable=False))
    op.execute(
        "UPDATE relation SET year = coalesce((SELECT article.year FROM article WHERE article.pmid = relation.pmid), 0)"
    )
    with op.batch_alter_table("relation", schema=None) as batch_op:
        batch_op.create_index("ix_relation_year_id", ["year", "id"], unique=False)
        batch_op.drop_index("ix_relation_taxon_disorder")
        batch_op.create_index(
            "ix_relation_pair", ["taxon_id", "mesh", "subject", "direction", "pmid", "year"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("relation", schema=None) as batch_op:
        batch_op.drop_index("ix_relation_pair")
        batch_op.create_index("ix_relation_taxon_disorder", ["taxon_id", "mesh"], unique=False)
        batch_op.drop_index("ix_relation_year_id")
        batch_op.drop_column("year")
