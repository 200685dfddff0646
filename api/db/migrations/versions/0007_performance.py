"""履约 in the store: PerformanceBook's entries, rulings on complaints and completions, projected
from its events. The events a store already journalled are projected here, oldest first.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op
from sqlmodel import Session, col, select
from sqlmodel.sql.sqltypes import AutoString

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_KEY = ("chain_key", "tender_id", "section")


def _key() -> list[sa.Column[object]]:
    return [sa.Column("chain_key", AutoString(), nullable=False), sa.Column("tender_id", AutoString(), nullable=False),
            sa.Column("section", sa.Integer(), nullable=False)]


def upgrade() -> None:
    op.create_table(
        "performanceentryrecord", *_key(),
        sa.Column("entry_index", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Integer(), nullable=False),
        sa.Column("by", AutoString(), nullable=False),
        sa.Column("winner", AutoString(), nullable=False),
        sa.Column("document_hash", AutoString(), nullable=False),
        sa.Column("recorded_at", sa.Integer(), nullable=False),
        sa.Column("tx_hash", AutoString(), nullable=False),
        sa.Column("acknowledged_at", sa.Integer(), nullable=False),
        sa.Column("acknowledged_by", AutoString(), nullable=True),
        sa.Column("acknowledged_tx", AutoString(), nullable=True),
        sa.PrimaryKeyConstraint(*_KEY, "entry_index"),
    )
    op.create_table(
        "performancerulingrecord", *_key(),
        sa.Column("entry_index", sa.Integer(), nullable=False),
        sa.Column("upheld", sa.Boolean(), nullable=False),
        sa.Column("ruling_hash", AutoString(), nullable=False),
        sa.Column("by", AutoString(), nullable=False),
        sa.Column("ruled_at", sa.Integer(), nullable=False),
        sa.Column("tx_hash", AutoString(), nullable=False),
        sa.PrimaryKeyConstraint(*_KEY, "entry_index"),
    )
    op.create_table(
        "performancecompletionrecord", *_key(),
        sa.Column("entry_index", sa.Integer(), nullable=False),
        sa.Column("evaluation_hash", AutoString(), nullable=False),
        sa.Column("completed_at", sa.Integer(), nullable=False),
        sa.Column("winner", AutoString(), nullable=False),
        sa.PrimaryKeyConstraint(*_KEY),
    )
    from api.db.events import ChainEvent
    from api.db.performance import project_performance_book

    with Session(bind=op.get_bind()) as session:
        events = list(session.exec(select(ChainEvent).where(ChainEvent.contract == "PerformanceBook").order_by(
            col(ChainEvent.chain_key), col(ChainEvent.block_number), col(ChainEvent.log_index))))
        for ev in events:
            project_performance_book(session, ev.chain_key, ev, json.loads(ev.args))
            session.flush()  # an acknowledgement finds its entry
        session.commit()  # into the migration's transaction (the session joined it)


def downgrade() -> None:
    op.drop_table("performancecompletionrecord")
    op.drop_table("performancerulingrecord")
    op.drop_table("performanceentryrecord")
