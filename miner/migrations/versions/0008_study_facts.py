"""Study facts per article (miner.study_facts): the list facts (design, host, body site, method,
country) as rows of `study_fact`, indexed by kind and value to find the articles with a fact, and
the numbers of participants (sample size, cases, controls) on the article.

The upgrade fills them for the stored articles, from their title, abstract and publication types
as the writer does for new ones, 500 articles at a time.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

from miner.study_facts import study_facts

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BATCH = 500
NUMBERS = ("sample_size", "cases", "controls")


def upgrade() -> None:
    op.create_table(
        "study_fact",
        sa.Column("pmid", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["pmid"], ["article.pmid"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("pmid", "kind", "value"),
    )
    with op.batch_alter_table("study_fact", schema=None) as batch_op:
        batch_op.create_index("ix_study_fact_kind_value", ["kind", "value", "pmid"], unique=False)

    with op.batch_alter_table("article", schema=None) as batch_op:
        for name in NUMBERS:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=True))
    _fill()


def downgrade() -> None:
    with op.batch_alter_table("article", schema=None) as batch_op:
        for name in reversed(NUMBERS):
            batch_op.drop_column(name)

    with op.batch_alter_table("study_fact", schema=None) as batch_op:
        batch_op.drop_index("ix_study_fact_kind_value")

    op.drop_table("study_fact")


def _fill() -> None:
    """The facts of every stored article, page by page in PMID order."""
    article = sa.table(
        "article",
        sa.column("pmid", sa.String),
        sa.column("title", sa.Text),
        sa.column("abstract", sa.Text),
        sa.column("publication_types", sa.JSON),
        *(sa.column(name, sa.Integer) for name in NUMBERS),
    )
    fact = sa.table(
        "study_fact", sa.column("pmid", sa.String), sa.column("kind", sa.String), sa.column("value", sa.String)
    )
    set_numbers = (
        article.update()
        .where(article.c.pmid == sa.bindparam("key"))
        .values({name: sa.bindparam(name) for name in NUMBERS})
    )
    bind, last = op.get_bind(), ""
    while True:
        page = bind.execute(
            sa.select(article.c.pmid, article.c.title, article.c.abstract, article.c.publication_types)
            .where(article.c.pmid > last)
            .order_by(article.c.pmid)
            .limit(BATCH)
        ).all()
        if not page:
            return
        found = {row.pmid: study_facts(row.title, row.abstract, row.publication_types or ()) for row in page}
        rows = [
            {"pmid": pmid, "kind": kind, "value": value}
            for pmid, facts in found.items()
            for kind, value in facts.rows()
        ]
        numbers = [
            {"key": pmid, **{name: getattr(facts, name) for name in NUMBERS}}
            for pmid, facts in found.items()
            if any(getattr(facts, name) is not None for name in NUMBERS)
        ]
        if rows:
            bind.execute(fact.insert(), rows)
        if numbers:
            bind.execute(set_numbers, numbers)
        last = page[-1].pmid
