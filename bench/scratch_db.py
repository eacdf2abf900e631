"""A database for one bench run: a fresh schema of a PostgreSQL database (dropped afterwards), or a fresh SQLite
file; migrated. Shared by the benches (`from scratch_db import scratch_database`: they run with bench/ on the
path)."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from bot.storage.db import make_engine, migrate


@contextmanager
def scratch_database(pg_url: str | None, prefix: str = "bench") -> Iterator[sa.Engine]:
    """PostgreSQL when `pg_url` is given, else SQLite."""
    schema, admin = f"{prefix}_{uuid.uuid4().hex[:8]}", None
    if pg_url is None:
        engine = make_engine(f"sqlite:///{Path(tempfile.mkdtemp(prefix=f'{prefix}-')) / 'bench.db'}")
    else:
        admin = make_engine(pg_url)
        with admin.begin() as c:
            c.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        engine = sa.create_engine(make_engine(pg_url).url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        migrate(engine)
        yield engine
    finally:
        engine.dispose()
        if admin is not None:
            with admin.begin() as c:
                c.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
