"""Saved analyses (issue 14): a crosstab or quality map a researcher named, kept with the study.

* saved_analysis: name, its folded key (unique), kind (krydstabel | kvalitetskort), the JSON spec
  (variables or grouping and the population's filters), who made it and when.

Revision ID: 0007_saved_analysis
Revises: 0006_privacy
Create Date: 2026-12-05 00:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007_saved_analysis'
down_revision = '0006_privacy'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('saved_analysis',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('spec', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )


def downgrade() -> None:
    op.drop_table('saved_analysis')
