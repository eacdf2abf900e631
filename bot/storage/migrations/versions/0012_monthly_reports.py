"""The monthly report (issue 16): which organisation got which month's report from the clock, so it goes once.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'monthly_reports',
        sa.Column('month', sa.String(length=7), primary_key=True),
        sa.Column('org_id', sa.String(length=64), primary_key=True),
        sa.Column('queued_at', sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table('monthly_reports')
