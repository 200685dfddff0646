"""The journal's events indexed by contract (the audit export and a contract's events read by it).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f("ix_chainevent_contract"), "chainevent", ["contract"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_chainevent_contract"), table_name="chainevent")
