"""Need to know: who the bot let into each case channel (and why); when a case was reduced after its
retention period.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'channel_members',
        sa.Column('case_number', sa.String(length=16), primary_key=True),
        sa.Column('member_id', sa.String(length=64), primary_key=True),
        sa.Column('reason', sa.String(length=16), nullable=False),
        sa.Column('since', sa.DateTime(timezone=True), nullable=False),
        sa.Column('contact', sa.JSON(), nullable=True),
    )
    op.create_index('ix_channel_members_member_id', 'channel_members', ['member_id'])
    op.add_column('cases', sa.Column('reduced_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column('cases', 'reduced_at')
    op.drop_index('ix_channel_members_member_id', table_name='channel_members')
    op.drop_table('channel_members')
