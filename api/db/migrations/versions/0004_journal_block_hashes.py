"""The journal keeps the hash of each event's block and of each cursor's last block, by which it
sees a reorg of what it has projected. Rows journalled before have none (NULL): a reorg reaching
below the first hashed block rebuilds the store from the chain.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("chainevent") as batch:
        batch.add_column(sa.Column("block_hash", AutoString(), nullable=True))
    with op.batch_alter_table("synccursor") as batch:
        batch.add_column(sa.Column("block_hash", AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("synccursor") as batch:
        batch.drop_column("block_hash")
    with op.batch_alter_table("chainevent") as batch:
        batch.drop_column("block_hash")
