"""`triagebot profielen`: what the database holds, looked at without changing it (no file made, no migration)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlmodel import Session

from models.tables import CaseRow

from ..storage.db import make_engine
from .errors import UserError
from .failures import DATABASE_HINT, database_error, shown


def database_state(url: str) -> str:
    """One Dutch line about the database; a database that cannot be used raises a Dutch UserError."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise database_error(url, exc) from None
    if parsed.drivername.startswith("sqlite") and parsed.database not in (None, "", ":memory:") \
            and not Path(parsed.database).exists():
        if not Path(parsed.database).parent.is_dir():
            raise UserError(f"De database {shown(url)} kan niet worden aangemaakt: de map "
                            f"{Path(parsed.database).parent} bestaat niet.\n{DATABASE_HINT}")
        return "bestaat nog niet; de bot maakt hem bij de eerste start"
    try:
        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                if not inspect(conn).has_table(CaseRow.__tablename__):
                    return "bereikbaar, nog leeg"
            with Session(engine) as session:
                cases = session.execute(select(func.count()).select_from(CaseRow)).scalar_one()
        finally:
            engine.dispose()
    except (SQLAlchemyError, ImportError) as exc:
        raise database_error(url, exc) from None
    return f"bereikbaar, {cases} {'casus' if cases == 1 else 'casussen'}"
