"""Triangulation (issue 7): interviews with other informants and Bilag C's reasons.

* interview.informant: bruger | sagsbehandler | kontaktperson | leder | journal (existing rows:
  bruger, the only kind there was).
* interview.subject_interview_id: the user's interview a source is about (FK interview.id).
* source_status: why a source about a respondent (or a site's leader interview) is missing.

Revision ID: 0004_triangulation
Revises: 0003_app_user
Create Date: 2026-12-02 02:35:01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004_triangulation'
down_revision = '0003_app_user'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('source_status',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_interview_id', sa.String(length=36), nullable=True),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('kilde', sa.String(length=30), nullable=False),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('recorded_by', sa.String(length=200), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], ),
    sa.ForeignKeyConstraint(['subject_interview_id'], ['interview.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('site_id', 'kilde', name='uq_source_status_site_kilde'),
    sa.UniqueConstraint('subject_interview_id', 'kilde', name='uq_source_status_subject_kilde')
    )
    with op.batch_alter_table('interview', schema=None) as batch_op:
        # every interview before this revision is a user's own
        batch_op.add_column(sa.Column('informant', sa.String(length=20), nullable=False,
                                      server_default=sa.text("'bruger'")))
        batch_op.add_column(sa.Column('subject_interview_id', sa.String(length=36), nullable=True))
        batch_op.create_index(batch_op.f('ix_interview_informant'), ['informant'], unique=False)
        batch_op.create_index(batch_op.f('ix_interview_subject_interview_id'), ['subject_interview_id'], unique=False)
        batch_op.create_foreign_key('fk_interview_subject_interview_id_interview', 'interview',
                                    ['subject_interview_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('interview', schema=None) as batch_op:
        batch_op.drop_constraint('fk_interview_subject_interview_id_interview', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_interview_subject_interview_id'))
        batch_op.drop_index(batch_op.f('ix_interview_informant'))
        batch_op.drop_column('subject_interview_id')
        batch_op.drop_column('informant')
    op.drop_table('source_status')
