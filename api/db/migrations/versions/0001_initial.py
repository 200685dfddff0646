"""The store's schema as the release before migrations made it (`SQLModel.metadata.create_all`):
every table of api/db/*. A store made by that release has no alembic_version table and is
stamped with this revision by `tender-ledger db upgrade` before the later ones run.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('anchorrecord',
    sa.Column('chain_key', AutoString(), nullable=False),
    sa.Column('root', AutoString(), nullable=False),
    sa.Column('issuer', AutoString(), nullable=False),
    sa.Column('kind', sa.Integer(), nullable=False),
    sa.Column('block_number', sa.Integer(), nullable=False),
    sa.Column('tx_hash', AutoString(), nullable=False),
    sa.Column('anchored_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('chain_key', 'root')
    )
    op.create_index(op.f('ix_anchorrecord_issuer'), 'anchorrecord', ['issuer'], unique=False)
    op.create_table('bidenvelope',
    sa.Column('chain_key', AutoString(), nullable=False),
    sa.Column('tender_id', AutoString(), nullable=False),
    sa.Column('section', sa.Integer(), nullable=False),
    sa.Column('bidder', AutoString(), nullable=False),
    sa.Column('commitment', AutoString(), nullable=False),
    sa.Column('envelope', sa.LargeBinary(), nullable=False),
    sa.Column('envelope_hash', AutoString(), nullable=False),
    sa.Column('credential_set_commitment', AutoString(), nullable=True),
    sa.Column('committed', sa.Boolean(), nullable=False),
    sa.Column('uploaded_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('chain_key', 'tender_id', 'section', 'bidder', 'commitment')
    )
    op.create_table('chainevent',
    sa.Column('chain_key', AutoString(), nullable=False),
    sa.Column('block_number', sa.Integer(), nullable=False),
    sa.Column('log_index', sa.Integer(), nullable=False),
    sa.Column('tx_hash', AutoString(), nullable=False),
    sa.Column('contract', AutoString(), nullable=False),
    sa.Column('name', AutoString(), nullable=False),
    sa.Column('args', AutoString(), nullable=False),
    sa.Column('block_time', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('chain_key', 'block_number', 'log_index')
    )
    op.create_index(op.f('ix_chainevent_name'), 'chainevent', ['name'], unique=False)
    op.create_index(op.f('ix_chainevent_tx_hash'), 'chainevent', ['tx_hash'], unique=False)
    op.create_table('commitmentletterrecord',
    sa.Column('chain_key', AutoString(), nullable=False),
    sa.Column('tender_id', AutoString(), nullable=False),
    sa.Column('section', sa.Integer(), nullable=False),
    sa.Column('bidder', AutoString(), nullable=False),
    sa.Column('letter', AutoString(), nullable=False),
    sa.Column('letter_hash', AutoString(), nullable=False),
    sa.Column('stored_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('chain_key', 'tender_id', 'section', 'bidder')
    )
    op.create_table('credentialrecord',
    sa.Column('chain_key', AutoString(), nullable=False),
    sa.Column('credential_id', AutoString(), nullable=False),
    sa.Column('root', AutoString(), nullable=False),
    sa.Column('kind', sa.Integer(), nullable=False),
    sa.Column('issuer', AutoString(), nullable=False),
    sa.Column('subject', AutoString(), nullable=False),
    sa.Column('signing_address', AutoString(), nullable=True),
    sa.Column('proof', AutoString(), nullable=False),
    sa.Column('sealed', AutoString(), nullable=False),
    sa.Column('tx_hash', AutoString(), nullable=False),
    sa.Column('block_number', sa.Integer(), nullable=False),
    sa.Column('anchored_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('chain_key', 'credential_id')
    )
    op.create_index(op.f('ix_credentialrecord_issuer'), 'credentialrecord', ['issuer'], unique=False)
    op.create_index(op.f('ix_credentialrecord_root'), 'credentialrecord', ['root'], unique=False)
    op.create_index(op.f('ix_credentialrecord_signing_address'), 'credentialrecord', ['signing_address'], unique=False)
    op.create_index(op.f('ix_credentialrecord_subject'), 'credentialrecord', ['subject'], unique=False)
    op.create_table('credentialuse',
    sa.Column('chain_key', AutoString(), nullable=False),
    sa.Column('tender_id', AutoString(), nullable=False),
    sa.Column('section', sa.Integer(), nullable=False),
    sa.Column('bidder', AutoString(), nullable=False),
    sa.Column('credential_id', AutoString(), nullable=False),
    sa.PrimaryKeyConstraint('chain_key', 'tender_id', 'section', 'bidder', 'credential_id')
    )
    op.create_table('document',
    sa.Column('chain_key', AutoString(), nullable=False),
    sa.Column('kind', AutoString(), nullable=False),
    sa.Column('key', AutoString(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('media_type', AutoString(), nullable=False),
    sa.Column('received_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('chain_key', 'kind', 'key')
    )
    op.create_table('eligibilitycheck',
    sa.Column('chain_key', AutoString(), nullable=False),
    sa.Column('tender_id', AutoString(), nullable=False),
    sa.Column('section', sa.Integer(), nullable=False),
    sa.Column('bidder', AutoString(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', AutoString(), nullable=False),
    sa.Column('status', AutoString(), nullable=False),
    sa.Column('reason', AutoString(), nullable=False),
    sa.PrimaryKeyConstraint('chain_key', 'tender_id', 'section', 'bidder', 'position')
    )
    op.create_table('guaranteeclaim',
    sa.Column('chain_key', AutoString(), nullable=False),
    sa.Column('guarantee_id', AutoString(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('cause', AutoString(), nullable=False),
    sa.Column('evidence', sa.LargeBinary(), nullable=True),
    sa.Column('evidence_hash', AutoString(), nullable=False),
    sa.Column('tx_hash', AutoString(), nullable=False),
    sa.Column('claimed_at', UTCDateTime(), nullable=False),
    sa.Column('contest_deadline', sa.Integer(), nullable=False),
    sa.Column('status', AutoString(), nullable=False),
    sa.Column('contest_reason', AutoString(), nullable=True),
    sa.Column('contest_reason_hash', AutoString(), nullable=True),
    sa.Column('contested_at', UTCDateTime(), nullable=True),
    sa.Column('contest_tx', AutoString(), nullable=True),
    sa.Column('upheld', sa.Boolean(), nullable=True),
    sa.Column('resolution_hash', AutoString(), nullable=True),
    sa.Column('resolved_at', UTCDateTime(), nullable=True),
    sa.Column('resolution_tx', AutoString(), nullable=True),
    sa.Column('paid_at', UTCDateTime(), nullable=True),
    sa.Column('paid_tx', AutoString(), nullable=True),
    sa.PrimaryKeyConstraint('chain_key', 'guarantee_id', 'number')
    )
    op.create_table('guaranteerecord',
    sa.Column('chain_key', AutoString(), nullable=False),
    sa.Column('guarantee_id', AutoString(), nullable=False),
    sa.Column('tender_id', AutoString(), nullable=False),
    sa.Column('section', sa.Integer(), nullable=False),
    sa.Column('applicant', AutoString(), nullable=False),
    sa.Column('applicant_uscc', AutoString(), nullable=False),
    sa.Column('issuer', AutoString(), nullable=False),
    sa.Column('application', AutoString(), nullable=False),
    sa.Column('application_hash', AutoString(), nullable=False),
    sa.Column('form', sa.Integer(), nullable=True),
    sa.Column('terms_commitment', AutoString(), nullable=True),
    sa.Column('terms', AutoString(), nullable=True),
    sa.Column('sealed_terms', sa.LargeBinary(), nullable=True),
    sa.Column('fee_fen', sa.Integer(), nullable=True),
    sa.Column('red_discount', AutoString(), nullable=True),
    sa.Column('rejection', AutoString(), nullable=True),
    sa.Column('verification', AutoString(), nullable=True),
    sa.Column('applied_tx', AutoString(), nullable=False),
    sa.Column('issued_tx', AutoString(), nullable=True),
    sa.Column('applied_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('chain_key', 'guarantee_id')
    )
    op.create_index(op.f('ix_guaranteerecord_applicant'), 'guaranteerecord', ['applicant'], unique=False)
    op.create_index(op.f('ix_guaranteerecord_issuer'), 'guaranteerecord', ['issuer'], unique=False)
    op.create_index(op.f('ix_guaranteerecord_tender_id'), 'guaranteerecord', ['tender_id'], unique=False)
    op.create_table('guarantorprofile',
    sa.Column('chain_key', AutoString(), nullable=False),
    sa.Column('issuer', AutoString(), nullable=False),
    sa.Column('name', AutoString(), nullable=False),
    sa.Column('uscc', AutoString(), nullable=False),
    sa.Column('red_discount', AutoString(), nullable=False),
    sa.Column('published_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('chain_key', 'issuer')
    )
    op.create_table('issuerkind',
    sa.Column('chain_key', AutoString(), nullable=False),
    sa.Column('issuer', AutoString(), nullable=False),
    sa.Column('kind', sa.Integer(), nullable=False),
    sa.Column('authorised', sa.Boolean(), nullable=False),
    sa.Column('changed_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('chain_key', 'issuer', 'kind')
    )
    op.create_table('openingrecord',
    sa.Column('chain_key', AutoString(), nullable=False),
    sa.Column('tender_id', AutoString(), nullable=False),
    sa.Column('section', sa.Integer(), nullable=False),
    sa.Column('bidder', AutoString(), nullable=False),
    sa.Column('outcome', AutoString(), nullable=False),
    sa.Column('reason', AutoString(), nullable=False),
    sa.Column('price', AutoString(), nullable=True),
    sa.Column('checked', sa.Boolean(), nullable=False),
    sa.Column('firm', AutoString(), nullable=True),
    sa.Column('eligible', sa.Boolean(), nullable=False),
    sa.Column('opened_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('chain_key', 'tender_id', 'section', 'bidder')
    )
    op.create_table('seatholderrow',
    sa.Column('chain_key', AutoString(), nullable=False),
    sa.Column('tender_id', AutoString(), nullable=False),
    sa.Column('section', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Integer(), nullable=False),
    sa.Column('seat', AutoString(), nullable=False),
    sa.Column('member', AutoString(), nullable=False),
    sa.Column('salt', AutoString(), nullable=False),
    sa.Column('filed_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('chain_key', 'tender_id', 'section', 'kind', 'seat')
    )
    op.create_table('synccursor',
    sa.Column('chain_key', AutoString(), nullable=False),
    sa.Column('contract', AutoString(), nullable=False),
    sa.Column('address', AutoString(), nullable=False),
    sa.Column('last_block', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('chain_key', 'contract')
    )
    op.create_table('tenderofficer',
    sa.Column('chain_key', AutoString(), nullable=False),
    sa.Column('tender_id', AutoString(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('officer', AutoString(), nullable=False),
    sa.PrimaryKeyConstraint('chain_key', 'tender_id', 'position')
    )
    op.create_table('tenderrecord',
    sa.Column('chain_key', AutoString(), nullable=False),
    sa.Column('tender_id', AutoString(), nullable=False),
    sa.Column('project_code', AutoString(), nullable=False),
    sa.Column('params', AutoString(), nullable=False),
    sa.Column('doc_hash', AutoString(), nullable=False),
    sa.Column('deadline', sa.Integer(), nullable=False),
    sa.Column('opening_public', AutoString(), nullable=False),
    sa.Column('threshold', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('tx_hash', AutoString(), nullable=False),
    sa.Column('published_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('chain_key', 'tender_id')
    )
    op.create_index(op.f('ix_tenderrecord_project_code'), 'tenderrecord', ['project_code'], unique=False)
    op.create_table('tendersharehash',
    sa.Column('chain_key', AutoString(), nullable=False),
    sa.Column('tender_id', AutoString(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('share_hash', AutoString(), nullable=False),
    sa.PrimaryKeyConstraint('chain_key', 'tender_id', 'position')
    )
    op.create_table('tenderversion',
    sa.Column('chain_key', AutoString(), nullable=False),
    sa.Column('tender_id', AutoString(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('params', AutoString(), nullable=False),
    sa.Column('doc_hash', AutoString(), nullable=False),
    sa.Column('deadline', sa.Integer(), nullable=False),
    sa.Column('reason', AutoString(), nullable=False),
    sa.Column('tx_hash', AutoString(), nullable=False),
    sa.Column('published_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('chain_key', 'tender_id', 'version')
    )
    op.create_table('usednonce',
    sa.Column('signer', AutoString(), nullable=False),
    sa.Column('nonce', AutoString(), nullable=False),
    sa.Column('used_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('signer', 'nonce')
    )


def downgrade() -> None:
    raise NotImplementedError("the first revision is not undone: drop the store and rebuild it from the chain")
