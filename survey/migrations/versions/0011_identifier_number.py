"""The study's pseudonym numbers, once given, kept («Interviewer N» never moves: docs/method.md).

* identifier_number: a field the guide marks ``ja`` (``interviewer``), its number, and a keyed
  hash of the value (never the name; NULL when the number is retired). Created empty: an older
  store gets its numbers by the rule it was numbered by before, on first use (`survey.store.identifier_numbers`).

Revision ID: 0011_identifier_number
Revises: 0010_code_colour
Create Date: 2026-12-06 10:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011_identifier_number'
down_revision = '0010_code_colour'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('identifier_number',
    sa.Column('code', sa.String(length=100), nullable=False),
    sa.Column('number', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=True),
    sa.Column('numbered_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('code', 'number'),
    sa.UniqueConstraint('code', 'digest', name='uq_identifier_number_code_digest')
    )


def downgrade() -> None:
    op.drop_table('identifier_number')
