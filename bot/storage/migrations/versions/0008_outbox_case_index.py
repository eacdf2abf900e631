"""Retention: the messages of one case are found (and, after its retention period, removed) by an index.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_outbox_case_number', 'outbox', ['case_number'])


def downgrade() -> None:
    op.drop_index('ix_outbox_case_number', table_name='outbox')
