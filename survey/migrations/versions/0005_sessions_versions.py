"""Field trust (issue 10): answer versions and signed-in browser sessions.

* answer.version: raised by one at every change (existing rows: 1); a save made from a stale
  view does not silently replace a newer answer.
* app_session: a signed-in browser, by the SHA-256 of its random token (never the token itself),
  with the one-time ticket that sets the HttpOnly cookie, last use, expiry and revocation.

Revision ID: 0005_sessions_versions
Revises: 0004_triangulation
Create Date: 2026-12-04 10:50:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005_sessions_versions'
down_revision = '0004_triangulation'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
    op.create_table('app_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=True),
    sa.Column('ticket_hash', sa.String(length=64), nullable=True),
    sa.Column('ticket_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('username', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('app_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_app_session_token_hash'), ['token_hash'], unique=True)
        batch_op.create_index(batch_op.f('ix_app_session_ticket_hash'), ['ticket_hash'], unique=True)
        batch_op.create_index(batch_op.f('ix_app_session_username'), ['username'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('app_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_app_session_username'))
        batch_op.drop_index(batch_op.f('ix_app_session_ticket_hash'))
        batch_op.drop_index(batch_op.f('ix_app_session_token_hash'))
    op.drop_table('app_session')
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.drop_column('version')
