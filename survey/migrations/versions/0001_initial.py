"""Initial schema: the store as create_all made it before Alembic (issue 6).

Revision ID: 0001_initial
Revises: 
Create Date: 2026-12-02 01:46:09.708422
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0001_initial'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the tables of the first versioned schema that are missing.

    On an empty store that is all of them. On a store made by create_all before Alembic it is
    none (or the tables of a module that did not exist yet when the store was made), so for
    such a store this revision is a stamp: existing tables are never touched.
    """
    existing = set(sa.inspect(op.get_bind()).get_table_names())

    if 'audit_entry' not in existing:
        op.create_table('audit_entry',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('interview_id', sa.String(length=36), nullable=True),
        sa.Column('entity', sa.String(length=30), nullable=False),
        sa.Column('code', sa.String(length=100), nullable=False),
        sa.Column('old_value', sa.Text(), nullable=True),
        sa.Column('new_value', sa.Text(), nullable=True),
        sa.Column('who', sa.String(length=200), nullable=True),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id')
        )
        with op.batch_alter_table('audit_entry', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_audit_entry_interview_id'), ['interview_id'], unique=False)

    if 'codebook_code' not in existing:
        op.create_table('codebook_code',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=80), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('parent_id', sa.Integer(), nullable=True),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('cues', sa.Text(), nullable=False),
        sa.Column('sort_order', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['parent_id'], ['codebook_code.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name')
        )
        with op.batch_alter_table('codebook_code', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_codebook_code_key'), ['key'], unique=True)
            batch_op.create_index(batch_op.f('ix_codebook_code_parent_id'), ['parent_id'], unique=False)

    if 'coder_value' not in existing:
        op.create_table('coder_value',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_kind', sa.String(length=20), nullable=False),
        sa.Column('unit_id', sa.String(length=100), nullable=False),
        sa.Column('variable', sa.String(length=150), nullable=False),
        sa.Column('coder', sa.String(length=200), nullable=False),
        sa.Column('value', sa.Text(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('unit_kind', 'unit_id', 'variable', 'coder', name='uq_coder_value')
        )
        with op.batch_alter_table('coder_value', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_coder_value_coder'), ['coder'], unique=False)
            batch_op.create_index(batch_op.f('ix_coder_value_unit_id'), ['unit_id'], unique=False)
            batch_op.create_index(batch_op.f('ix_coder_value_unit_kind'), ['unit_kind'], unique=False)
            batch_op.create_index(batch_op.f('ix_coder_value_variable'), ['variable'], unique=False)

    if 'mask_term' not in existing:
        op.create_table('mask_term',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('term', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('added_by', sa.String(length=200), nullable=True),
        sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('term', name='uq_mask_term_term')
        )

    if 'settled_value' not in existing:
        op.create_table('settled_value',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_kind', sa.String(length=20), nullable=False),
        sa.Column('unit_id', sa.String(length=100), nullable=False),
        sa.Column('variable', sa.String(length=150), nullable=False),
        sa.Column('value', sa.Text(), nullable=False),
        sa.Column('who', sa.String(length=200), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('unit_kind', 'unit_id', 'variable', name='uq_settled_value')
        )
        with op.batch_alter_table('settled_value', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_settled_value_unit_id'), ['unit_id'], unique=False)
            batch_op.create_index(batch_op.f('ix_settled_value_unit_kind'), ['unit_kind'], unique=False)
            batch_op.create_index(batch_op.f('ix_settled_value_variable'), ['variable'], unique=False)

    if 'site' not in existing:
        op.create_table('site',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('site_type', sa.String(length=20), nullable=False),
        sa.Column('prefix', sa.String(length=12), nullable=False),
        sa.PrimaryKeyConstraint('id')
        )
        with op.batch_alter_table('site', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_site_name'), ['name'], unique=True)

    if 'code_decision' not in existing:
        op.create_table('code_decision',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('target_kind', sa.String(length=20), nullable=False),
        sa.Column('target_id', sa.String(length=64), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('code_id', sa.Integer(), nullable=False),
        sa.Column('decision', sa.String(length=20), nullable=False),
        sa.Column('source', sa.String(length=20), nullable=False),
        sa.Column('who', sa.String(length=200), nullable=True),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['code_id'], ['codebook_code.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('target_kind', 'target_id', 'code_id', name='uq_code_decision_target_code')
        )
        with op.batch_alter_table('code_decision', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_code_decision_code_id'), ['code_id'], unique=False)
            batch_op.create_index(batch_op.f('ix_code_decision_target_id'), ['target_id'], unique=False)

    if 'interview' not in existing:
        op.create_table('interview',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('respondent_id', sa.String(length=40), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=True),
        sa.Column('interviewer', sa.String(length=200), nullable=True),
        sa.Column('interview_date', sa.Date(), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('guide_form_id', sa.String(length=100), nullable=False),
        sa.Column('guide_version', sa.String(length=50), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('completion_note', sa.Text(), nullable=True),
        sa.Column('source', sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(['site_id'], ['site.id'], ),
        sa.PrimaryKeyConstraint('id')
        )
        with op.batch_alter_table('interview', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_interview_respondent_id'), ['respondent_id'], unique=True)
            batch_op.create_index(batch_op.f('ix_interview_site_id'), ['site_id'], unique=False)

    if 'answer' not in existing:
        op.create_table('answer',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('interview_id', sa.String(length=36), nullable=False),
        sa.Column('code', sa.String(length=100), nullable=False),
        sa.Column('value', sa.Text(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by', sa.String(length=200), nullable=True),
        sa.Column('source', sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(['interview_id'], ['interview.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('interview_id', 'code', name='uq_answer_interview_code')
        )

    if 'coding_decision' not in existing:
        op.create_table('coding_decision',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('interview_id', sa.String(length=36), nullable=False),
        sa.Column('code', sa.String(length=100), nullable=False),
        sa.Column('value', sa.Text(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('who', sa.String(length=200), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['interview_id'], ['interview.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id')
        )
        with op.batch_alter_table('coding_decision', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_coding_decision_interview_id'), ['interview_id'], unique=False)

    if 'consent_record' not in existing:
        op.create_table('consent_record',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('interview_id', sa.String(length=36), nullable=False),
        sa.Column('item_code', sa.String(length=100), nullable=False),
        sa.Column('value', sa.String(length=50), nullable=True),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('guide_form_id', sa.String(length=100), nullable=False),
        sa.Column('guide_version', sa.String(length=50), nullable=False),
        sa.Column('recorded_by', sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(['interview_id'], ['interview.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id')
        )
        with op.batch_alter_table('consent_record', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_consent_record_interview_id'), ['interview_id'], unique=False)

    if 'quote' not in existing:
        op.create_table('quote',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('interview_id', sa.String(length=36), nullable=False),
        sa.Column('item_code', sa.String(length=100), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('for_report', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(['interview_id'], ['interview.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id')
        )
        with op.batch_alter_table('quote', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_quote_interview_id'), ['interview_id'], unique=False)

    if 'transcript' not in existing:
        op.create_table('transcript',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('interview_id', sa.String(length=36), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('fmt', sa.String(length=10), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('imported_by', sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(['interview_id'], ['interview.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('interview_id', 'filename', name='uq_transcript_interview_filename'),
        sqlite_autoincrement=True
        )
        with op.batch_alter_table('transcript', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_transcript_interview_id'), ['interview_id'], unique=False)

    if 'decision_evidence' not in existing:
        op.create_table('decision_evidence',
        sa.Column('decision_id', sa.Integer(), nullable=False),
        sa.Column('quote_id', sa.Integer(), nullable=False),
        sa.Column('linked_by', sa.String(length=200), nullable=True),
        sa.Column('linked_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['decision_id'], ['coding_decision.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['quote_id'], ['quote.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('decision_id', 'quote_id')
        )

    if 'quote_code' not in existing:
        op.create_table('quote_code',
        sa.Column('quote_id', sa.Integer(), nullable=False),
        sa.Column('code_id', sa.Integer(), nullable=False),
        sa.Column('who', sa.String(length=200), nullable=True),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['code_id'], ['codebook_code.id'], ),
        sa.ForeignKeyConstraint(['quote_id'], ['quote.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('quote_id', 'code_id')
        )
        with op.batch_alter_table('quote_code', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_quote_code_code_id'), ['code_id'], unique=False)

    if 'transcript_segment' not in existing:
        op.create_table('transcript_segment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('transcript_id', sa.Integer(), nullable=False),
        sa.Column('idx', sa.Integer(), nullable=False),
        sa.Column('speaker', sa.String(length=1), nullable=False),
        sa.Column('label', sa.String(length=40), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('start', sa.Integer(), nullable=False),
        sa.Column('end', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['transcript_id'], ['transcript.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sqlite_autoincrement=True
        )
        with op.batch_alter_table('transcript_segment', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_transcript_segment_transcript_id'), ['transcript_id'], unique=False)

    if 'segment_code' not in existing:
        op.create_table('segment_code',
        sa.Column('segment_id', sa.Integer(), nullable=False),
        sa.Column('code_id', sa.Integer(), nullable=False),
        sa.Column('memo', sa.Text(), nullable=True),
        sa.Column('who', sa.String(length=200), nullable=True),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['code_id'], ['codebook_code.id'], ),
        sa.ForeignKeyConstraint(['segment_id'], ['transcript_segment.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('segment_id', 'code_id')
        )
        with op.batch_alter_table('segment_code', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_segment_code_code_id'), ['code_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('segment_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_segment_code_code_id'))

    op.drop_table('segment_code')
    with op.batch_alter_table('transcript_segment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transcript_segment_transcript_id'))

    op.drop_table('transcript_segment')
    with op.batch_alter_table('quote_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quote_code_code_id'))

    op.drop_table('quote_code')
    op.drop_table('decision_evidence')
    with op.batch_alter_table('transcript', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transcript_interview_id'))

    op.drop_table('transcript')
    with op.batch_alter_table('quote', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quote_interview_id'))

    op.drop_table('quote')
    with op.batch_alter_table('consent_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_record_interview_id'))

    op.drop_table('consent_record')
    with op.batch_alter_table('coding_decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_coding_decision_interview_id'))

    op.drop_table('coding_decision')
    op.drop_table('answer')
    with op.batch_alter_table('interview', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_interview_site_id'))
        batch_op.drop_index(batch_op.f('ix_interview_respondent_id'))

    op.drop_table('interview')
    with op.batch_alter_table('code_decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_code_decision_target_id'))
        batch_op.drop_index(batch_op.f('ix_code_decision_code_id'))

    op.drop_table('code_decision')
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_site_name'))

    op.drop_table('site')
    with op.batch_alter_table('settled_value', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_settled_value_variable'))
        batch_op.drop_index(batch_op.f('ix_settled_value_unit_kind'))
        batch_op.drop_index(batch_op.f('ix_settled_value_unit_id'))

    op.drop_table('settled_value')
    op.drop_table('mask_term')
    with op.batch_alter_table('coder_value', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_coder_value_variable'))
        batch_op.drop_index(batch_op.f('ix_coder_value_unit_kind'))
        batch_op.drop_index(batch_op.f('ix_coder_value_unit_id'))
        batch_op.drop_index(batch_op.f('ix_coder_value_coder'))

    op.drop_table('coder_value')
    with op.batch_alter_table('codebook_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_codebook_code_parent_id'))
        batch_op.drop_index(batch_op.f('ix_codebook_code_key'))

    op.drop_table('codebook_code')
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entry_interview_id'))

    op.drop_table('audit_entry')
