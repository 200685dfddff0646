"""Anchors' reservations of credential ids while their transactions are relayed (the anchor no
longer holds a store-wide guard until mined). Not a projection: a new, empty table.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('anchorreservation',
    sa.Column('chain_key', AutoString(), nullable=False),
    sa.Column('credential_id', AutoString(), nullable=False),
    sa.Column('root', AutoString(), nullable=False),
    sa.Column('reserved_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('chain_key', 'credential_id')
    )


def downgrade() -> None:
    op.drop_table('anchorreservation')
