"""The database: engine creation and migrations (Alembic), built from configuration, never at import."""

from __future__ import annotations

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import create_engine

MIGRATIONS = Path(__file__).with_name("migrations")


# A server has some 16 threads that may hold a connection at once (HTTP pool, work after the answer,
# delivery, the clock's jobs); the default pool of 5 (+10 overflow) made the rest open and close a
# connection per use, or wait for one.
POOL = {"pool_size": 16, "max_overflow": 16}


def make_engine(url: str, *, durable: bool = True) -> Engine:
    """`durable=False`: commits that survive the process being killed but not the machine losing power
    (SQLite: WAL with synchronous=NORMAL), for records where that is enough and an fsync per request is not."""
    if url.startswith("sqlite"):
        memory = ":memory:" in url or url.rstrip("/") == "sqlite:"
        # isolation_level=None: the driver leaves transactions to us, so that `_begin` can start each one
        # with BEGIN IMMEDIATE
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30, "isolation_level": None},
                               **({} if memory else POOL))

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:   # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            if not memory:
                # WAL: readers never wait for the writer. synchronous stays FULL (WAL's NORMAL would be
                # faster, but can lose the last commits, audit entries included, on a power failure)
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=" + ("FULL" if durable else "NORMAL"))
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn) -> None:
            # A transaction that starts as a reader and then writes fails at once with "database is locked"
            # when another connection wrote in between (SQLite cannot wait for that: its snapshot is stale).
            # Taking the write lock at BEGIN makes every transaction wait its turn instead (busy_timeout),
            # in this process and in others on the same file: SQLite's stand-in for PostgreSQL's row locks.
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # no ping before every checkout (a round trip per request): a dead connection shows as an error that the
    # unit of work retries on a fresh one (uow.Disconnected); the pool drops every connection older than the error
    return create_engine(url, **POOL)


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision`; an upgrade keeps the data."""
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    command.downgrade(alembic_config(engine), revision)


@functools.cache
def _head() -> str | None:
    """The newest migration this version of the bot carries (read from disk once per process)."""
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(cfg).get_current_head()


def schema_behind(conn) -> str | None:
    """What is missing from the database's schema, in Dutch, or None when it is current (`triagebot db upgrade`
    brings it there). A server checks this at start and refuses an old schema: upgrading is the administrator's
    step, after a backup, and never two processes' race."""
    from alembic.runtime.migration import MigrationContext

    current = MigrationContext.configure(conn).get_current_revision()
    head = _head()
    if current == head:
        return None
    if current is None:
        return "de database is leeg"
    return f"versie {current}, de bot verwacht {head}"


class SchemaBehind(RuntimeError):
    """The database's schema is not the one this bot needs; `triagebot db upgrade` brings it there."""


def require_current_schema(engine: Engine) -> None:
    with engine.connect() as conn:
        behind = schema_behind(conn)
    if behind:
        raise SchemaBehind(behind)


def schema_refusal(exc: SchemaBehind) -> str:
    return (f"De bot start niet: het databaseschema is niet bij ({exc}). Voer eerst `triagebot db upgrade` uit, met "
            "dezelfde DATABASE_URL (maak vooraf een back-up), en start de bot dan opnieuw.")
