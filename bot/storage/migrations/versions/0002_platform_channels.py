"""Platform channels: the id of each case channel on Slack or Mattermost.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'platform_channels',
        sa.Column('platform', sa.String(length=16), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('channel_id', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('platform', 'name'),
    )


def downgrade() -> None:
    op.drop_table('platform_channels')
