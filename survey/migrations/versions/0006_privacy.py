"""Privacy by design (issue 12): withdrawal of consent, deletion tombstones, the study's end date.

* consent_withdrawal: a respondent's withdrawal of consent to the interview or to the case file
  (journal), with the day, the reason, who recorded it and when; one row per interview and purpose.
* study_setting: settings of the study as a whole (key/value): the end of the retention period
  (``slutdato``) and when the raw data was deleted (``raadata_slettet``).
* audit_entry.entity indexed: a deleted interview's tombstone is an audit entry (entity
  ``sletning``) and field packages carry all of them.

Revision ID: 0006_privacy
Revises: 0005_sessions_versions
Create Date: 2026-12-04 15:06:14
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006_privacy'
down_revision = '0005_sessions_versions'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('study_setting',
    sa.Column('key', sa.String(length=50), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('updated_by', sa.String(length=200), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('consent_withdrawal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=36), nullable=False),
    sa.Column('interview_id', sa.String(length=36), nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('withdrawn_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.String(length=200), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['interview_id'], ['interview.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('interview_id', 'purpose', name='uq_consent_withdrawal_interview_purpose')
    )
    with op.batch_alter_table('consent_withdrawal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_withdrawal_interview_id'), ['interview_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consent_withdrawal_uid'), ['uid'], unique=True)
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entry_entity'), ['entity'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entry_entity'))
    with op.batch_alter_table('consent_withdrawal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_withdrawal_uid'))
        batch_op.drop_index(batch_op.f('ix_consent_withdrawal_interview_id'))
    op.drop_table('consent_withdrawal')
    op.drop_table('study_setting')
