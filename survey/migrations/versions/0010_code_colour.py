"""A code's colour (issue 15): kept from a REFI-QDA codebook or project (NVivo, MAXQDA, ATLAS.ti,
QualCoder) and written back by the .qdc and .qdpx exports.

* codebook_code.colour: ``#RRGGBB`` or NULL (no colour of its own: the exports colour by
  top-level code, as before).

Revision ID: 0010_code_colour
Revises: 0009_segment_question
Create Date: 2026-12-05 17:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010_code_colour'
down_revision = '0009_segment_question'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('codebook_code') as batch:
        batch.add_column(sa.Column('colour', sa.String(length=7), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('codebook_code') as batch:
        batch.drop_column('colour')
