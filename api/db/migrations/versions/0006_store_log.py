"""The store's log (storelogentry): one record per write of a filed document, a used request nonce
or a seat holder, placed in an append-only order that CheckpointBook checkpoints. The rows a store
already holds are logged once, in table order, without a position (the first checkpoint places them).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel import Session, select
from sqlmodel.sql.sqltypes import AutoString

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "storelogentry",
        sa.Column("id", sa.Integer(), primary_key=True, nullable=False),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("kind", AutoString(), nullable=False),
        sa.Column("key", AutoString(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("logged_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_storelogentry_position", "storelogentry", ["position"], unique=True)
    from api.db.storelog import LOGGED, _entry

    conn = op.get_bind()
    with Session(bind=conn) as session:
        entries = [_entry(row) for model in LOGGED for row in session.exec(select(model))]
    if entries:
        table = sa.table("storelogentry", sa.column("kind"), sa.column("key"), sa.column("data"),
                         sa.column("logged_at"))
        conn.execute(table.insert(), [{"kind": e.kind, "key": e.key, "data": e.data, "logged_at": e.logged_at}
                                      for e in entries])


def downgrade() -> None:
    op.drop_index("ix_storelogentry_position", table_name="storelogentry")
    op.drop_table("storelogentry")
