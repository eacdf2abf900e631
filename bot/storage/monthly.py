"""Which organisation got which month's report from the clock (`monthly_reports`), in the unit of work's session."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from models.tables import MonthlyReportRow


class MonthlyReports:
    def __init__(self, session: Session):
        self.session = session

    def mark(self, month: str, org_id: str, at: datetime) -> bool:
        """Mark the month's report of `org_id` as queued; False when it was before (also by another process at the
        same moment: the insert waits for it and then does nothing)."""
        dialect = self.session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        table = MonthlyReportRow.__table__
        stmt = insert(table).values(month=month, org_id=org_id, queued_at=at).on_conflict_do_nothing()
        # the row it wrote, if it wrote one (psycopg gives no row count here)
        return self.session.execute(stmt.returning(table.c.org_id)).first() is not None
