"""Several bot processes: whether a request's channel is a case channel is asked of the database each time (no
process keeps "not a case channel" in memory), by an index on the platform's channel id.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_platform_channels_channel_id', 'platform_channels', ['platform', 'channel_id'])


def downgrade() -> None:
    op.drop_index('ix_platform_channels_channel_id', table_name='platform_channels')
