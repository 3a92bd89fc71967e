"""Segment times (issue 15): where a transcript segment is in the recording.

* transcript_segment.t_start, t_end: seconds from the start of the recording (nullable: a
  transcript without time stamps has none).

Revision ID: 0008_segment_times
Revises: 0007_saved_analysis
Create Date: 2026-12-05 10:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008_segment_times'
down_revision = '0007_saved_analysis'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('transcript_segment') as batch:
        batch.add_column(sa.Column('t_start', sa.Float(), nullable=True))
        batch.add_column(sa.Column('t_end', sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('transcript_segment') as batch:
        batch.drop_column('t_end')
        batch.drop_column('t_start')
