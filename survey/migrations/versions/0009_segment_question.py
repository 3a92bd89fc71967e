"""Transcripts linked to the guide (issue 15): which guide question an interviewer's turn asks.

* transcript_segment.question: the guide item's code the interviewer's turn asks (set on
  interviewer turns only); NULL = a follow-up that continues the question before it; '' = the
  researcher's «uden for guiden» (the talk after it belongs to no question).
* transcript_segment.question_by: who confirmed or corrected it; NULL = the tool's suggestion.

Revision ID: 0009_segment_question
Revises: 0008_segment_times
Create Date: 2026-12-05 12:20:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009_segment_question'
down_revision = '0008_segment_times'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('transcript_segment') as batch:
        batch.add_column(sa.Column('question', sa.String(length=80), nullable=True))
        batch.add_column(sa.Column('question_by', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('transcript_segment') as batch:
        batch.drop_column('question_by')
        batch.drop_column('question')
