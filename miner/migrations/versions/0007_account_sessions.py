"""Workbench accounts: a session generation per user (logging out, a new password or role, or
disabling the account bumps it and so ends every session made before), and user names unique
whatever their case (a unique index on lower(username)).

An existing database whose user names differ only in case ("Alice" and "alice") is not changed:
the upgrade stops, naming them, until all but one of each are renamed (in SQL) or removed.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

from miner.errors import StoreError

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _refuse_names_differing_in_case()
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_generation", sa.Integer(), server_default="0", nullable=False))
    op.create_index("ix_app_user_username_lower", "app_user", [sa.text("lower(username)")], unique=True)


def downgrade() -> None:
    op.drop_index("ix_app_user_username_lower", table_name="app_user")
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_column("session_generation")


def _refuse_names_differing_in_case() -> None:
    rows = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT username FROM app_user WHERE lower(username) IN "
                "(SELECT lower(username) FROM app_user GROUP BY lower(username) HAVING count(*) > 1) "
                "ORDER BY lower(username), username"
            )
        )
        .scalars()
        .all()
    )
    if rows:
        raise StoreError(
            "user names must now be unique whatever their case, "
            f"but these differ only in case: {', '.join(rows)}; "
            "rename (UPDATE app_user SET username = ...) or delete all but one of each, "
            "then run `miner db upgrade` again"
        )
