"""Tamper-evident audit log: each entry carries a hash over its content and the previous entry's hash.

Entries written before this revision have no hash; the chain starts after them. Columns are added with a plain
ALTER TABLE (no table copy), so the triggers that refuse UPDATE and DELETE stay in place.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('audit_log', sa.Column('prev_hash', sa.String(length=64), nullable=True))
    op.add_column('audit_log', sa.Column('hash', sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column('audit_log', 'hash')
    op.drop_column('audit_log', 'prev_hash')
