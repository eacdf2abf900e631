"""Spent form states: a submitted dialog state cannot be submitted again, also after a restart.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'spent_states',
        sa.Column('nonce', sa.String(length=32), nullable=False),
        sa.Column('until', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('nonce'),
    )
    op.create_index('ix_spent_states_until', 'spent_states', ['until'])


def downgrade() -> None:
    op.drop_index('ix_spent_states_until', table_name='spent_states')
    op.drop_table('spent_states')
