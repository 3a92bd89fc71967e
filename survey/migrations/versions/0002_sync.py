"""Field laptops → central store (survey.sync): stable ids, merge base, merge conflicts.

* quote.uid, audit_entry.uid, consent_record.uid: a UUID that is the same in every store, so a
  merge matches quotes and never copies an audit entry or consent record twice. Existing rows
  get a new UUID each.
* interview.merged_from_hash: the content hash of the version last merged in from a package.
* merge_conflict: interviews a merge left alone for a person to settle, with both versions.

Revision ID: 0002_sync
Revises: 0001_initial
Create Date: 2026-12-02 01:49:34
"""
from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = '0002_sync'
down_revision = '0001_initial'
branch_labels = None
depends_on = None

UID_TABLES = ('quote', 'audit_entry', 'consent_record')


def _backfill_uids(table: str) -> None:
    conn = op.get_bind()
    t = sa.table(table, sa.column('id', sa.Integer), sa.column('uid', sa.String))
    ids = [r[0] for r in conn.execute(sa.select(t.c.id).where(t.c.uid.is_(None)))]
    stmt = t.update().where(t.c.id == sa.bindparam('_id')).values(uid=sa.bindparam('_uid'))
    for i in range(0, len(ids), 5000):
        conn.execute(stmt, [{'_id': x, '_uid': str(uuid.uuid4())} for x in ids[i:i + 5000]])


def upgrade() -> None:
    with op.batch_alter_table('interview', schema=None) as batch_op:
        batch_op.add_column(sa.Column('merged_from_hash', sa.String(length=64), nullable=True))

    for table in UID_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('uid', sa.String(length=36), nullable=True))
        _backfill_uids(table)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('uid', existing_type=sa.String(length=36), nullable=False)
            batch_op.create_index(batch_op.f(f'ix_{table}_uid'), ['uid'], unique=True)

    op.create_table('merge_conflict',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('interview_id', sa.String(length=36), nullable=False),
    sa.Column('respondent_id', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('package_id', sa.String(length=36), nullable=False),
    sa.Column('base_hash', sa.String(length=64), nullable=True),
    sa.Column('central_hash', sa.String(length=64), nullable=True),
    sa.Column('laptop_hash', sa.String(length=64), nullable=False),
    sa.Column('central_version', sa.Text(), nullable=True),
    sa.Column('laptop_version', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by', sa.String(length=200), nullable=True),
    sa.Column('resolution', sa.String(length=20), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('merge_conflict', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_merge_conflict_interview_id'), ['interview_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('merge_conflict', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_merge_conflict_interview_id'))
    op.drop_table('merge_conflict')
    for table in reversed(UID_TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_uid'))
            batch_op.drop_column('uid')
    with op.batch_alter_table('interview', schema=None) as batch_op:
        batch_op.drop_column('merged_from_hash')
