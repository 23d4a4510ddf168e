"""Curation: accounts, verdicts on claims, conflicts with their status, the audit trail, and
trigger offsets on relations.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("target", sa.String(length=255), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_target"), ["target"], unique=False)

    op.create_table(
        "conflict",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("taxon_id", sa.Integer(), nullable=False),
        sa.Column("disorder_group", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_by", sa.String(length=64), nullable=False),
        sa.Column("status_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=False),
        sa.Column("contradicted", sa.Boolean(), nullable=False),
        sa.Column("meshes", sa.JSON(), nullable=False),
        sa.Column("increased", sa.JSON(), nullable=False),
        sa.Column("decreased", sa.JSON(), nullable=False),
        sa.Column("unchanged", sa.JSON(), nullable=False),
        sa.Column("papers_increased", sa.Integer(), nullable=False),
        sa.Column("papers_decreased", sa.Integer(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["taxon_id"],
            ["taxon.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("taxon_id", "disorder_group", "subject", name="uq_conflict_key"),
    )
    with op.batch_alter_table("conflict", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_conflict_disorder_group"), ["disorder_group"], unique=False)
        batch_op.create_index(batch_op.f("ix_conflict_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_conflict_taxon_id"), ["taxon_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_conflict_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "verdict",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pmid", sa.String(length=16), nullable=False),
        sa.Column("taxon_id", sa.Integer(), nullable=False),
        sa.Column("mesh", sa.String(length=16), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=16), nullable=False),
        sa.Column("verdict", sa.String(length=32), nullable=False),
        sa.Column("corrected_direction", sa.String(length=16), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["mesh"],
            ["disorder.mesh"],
        ),
        sa.ForeignKeyConstraint(["pmid"], ["article.pmid"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["taxon_id"],
            ["taxon.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("pmid", "taxon_id", "mesh", "direction", "subject", name="uq_verdict_claim"),
    )
    with op.batch_alter_table("verdict", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_verdict_pmid"), ["pmid"], unique=False)

    with op.batch_alter_table("relation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("trigger_start", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("trigger_end", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("relation", schema=None) as batch_op:
        batch_op.drop_column("trigger_end")
        batch_op.drop_column("trigger_start")

    with op.batch_alter_table("verdict", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_verdict_pmid"))

    op.drop_table("verdict")
    with op.batch_alter_table("conflict", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conflict_updated_at"))
        batch_op.drop_index(batch_op.f("ix_conflict_taxon_id"))
        batch_op.drop_index(batch_op.f("ix_conflict_status"))
        batch_op.drop_index(batch_op.f("ix_conflict_disorder_group"))

    op.drop_table("conflict")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_target"))
        batch_op.drop_index(batch_op.f("ix_audit_event_at"))
        batch_op.drop_index(batch_op.f("ix_audit_event_action"))

    op.drop_table("audit_event")
    op.drop_table("app_user")
