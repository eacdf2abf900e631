"""`triagebot db upgrade`: the database's schema brought to what this version of the bot needs (Alembic
migrations, which keep the data). The servers (`start`, `socket`) do not do this themselves: they refuse an old
schema and name this command, so an upgrade is the administrator's step, after a backup, and never a race between
two starting processes."""

from __future__ import annotations

import argparse

from alembic.runtime.migration import MigrationContext
from alembic.util.exc import CommandError
from sqlalchemy.exc import SQLAlchemyError

from ..storage.db import make_engine, migrate
from .failures import database_error
from .run import settings_of


def db(args: argparse.Namespace) -> int:
    url = settings_of(argparse.Namespace(db=args.db, profiel=None, adressenlijst=None)).database_url
    try:
        engine = make_engine(url)
        try:
            before = _revision(engine)
            migrate(engine)
            after = _revision(engine)
        finally:
            engine.dispose()
    except (SQLAlchemyError, ImportError, CommandError) as exc:
        raise database_error(url, exc) from None
    if before == after:
        print(f"Het databaseschema was al bij (versie {after}); er is niets veranderd.")
    else:
        print(f"Het databaseschema is bijgewerkt: van {'een lege database' if before is None else 'versie ' + before} "
              f"naar versie {after}. De bot kan nu starten.")
    return 0


def _revision(engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
