"""The reason of an eligibility check as a code with its arguments (`ledger.rules.reasons`), for the
portal to word it in the page's language: a nullable column of JSON. Checks projected before have
none (the portal shows their English reason).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("eligibilitycheck") as batch:
        batch.add_column(sa.Column("words", AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("eligibilitycheck") as batch:
        batch.drop_column("words")
