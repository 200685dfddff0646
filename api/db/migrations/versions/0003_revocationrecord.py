"""Revoked credentials projected from `Revoked` and `RevokedAt` (bulk revocation by leaf
position): the table, filled from the revocations the journal already holds, so an upgraded store
equals its rebuild from the chain.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel import Session
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('revocationrecord',
    sa.Column('chain_key', AutoString(), nullable=False),
    sa.Column('credential_id', AutoString(), nullable=False),
    sa.Column('root', AutoString(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Integer(), nullable=False),
    sa.Column('revoked_at', UTCDateTime(), nullable=False),
    sa.Column('block_number', sa.Integer(), nullable=False),
    sa.Column('tx_hash', AutoString(), nullable=False),
    sa.Column('event', AutoString(), nullable=False),
    sa.PrimaryKeyConstraint('chain_key', 'credential_id')
    )
    op.create_index(op.f('ix_revocationrecord_root'), 'revocationrecord', ['root'], unique=False)
    from api.db.credentials import backfill_revocations

    session = Session(bind=op.get_bind())
    backfill_revocations(session)
    session.flush()


def downgrade() -> None:
    op.drop_index(op.f('ix_revocationrecord_root'), table_name='revocationrecord')
    op.drop_table('revocationrecord')
