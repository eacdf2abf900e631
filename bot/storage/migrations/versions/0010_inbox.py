"""The durable inbox (issue 15): a request is stored and answered at once, and applied once by a processor.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'inbox',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('request_key', sa.String(length=128), nullable=False, unique=True),
        sa.Column('platform', sa.String(length=16), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('queue', sa.String(length=96), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=True),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('claimed_by', sa.String(length=96), nullable=True),
        sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index('ix_inbox_open', 'inbox', ['state', 'queue', 'id'])
    op.create_index('ix_inbox_answered_at', 'inbox', ['answered_at'])


def downgrade() -> None:
    op.drop_index('ix_inbox_answered_at', table_name='inbox')
    op.drop_index('ix_inbox_open', table_name='inbox')
    op.drop_table('inbox')
