"""Which bot process runs the clock's jobs (the sweep, the janitor, the directory's synchronisation, retention):
the one that holds the clock lock, so that with several processes on one database each job runs in exactly one
of them at a time. Every process still delivers the outbox (its rows are claimed one by one) and answers requests.

PostgreSQL: a session-level advisory lock, on a connection the lock keeps for itself; the server lets it go when
that connection breaks or its process dies, and another process takes it at its next job. SQLite (one file, one
machine): an exclusive lock on a file beside the database, which the operating system lets go when the process
dies. A database in memory belongs to one process: its lock is always held.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading

from sqlalchemy import text
from sqlalchemy.engine import Engine

log = logging.getLogger("triagebot.clock")
KEY = 7514             # the advisory lock's first key (the audit chain's is 7513); the second is the schema


class ClockLock:
    def __init__(self, engine: Engine):
        self.engine = engine
        self._conn = None          # PostgreSQL: the connection that holds the lock
        self._file: int | None = None   # SQLite: the open lock file
        self._mutex = threading.Lock()

    def held(self) -> bool:
        """Whether this process may run the clock's jobs now: it holds the lock, or takes it if it is free."""
        with self._mutex:
            if self.engine.dialect.name == "postgresql":
                return self._postgres()
            return self._sqlite()

    def release(self) -> None:
        with self._mutex:
            if self._conn is not None:
                try:      # the session must end (not go back to the pool, where it would keep the lock)
                    self._conn.invalidate()
                    self._conn.close()
                except Exception:
                    pass
                self._conn = None
            if self._file is not None:
                os.close(self._file)
                self._file = None

    # ---- PostgreSQL ---------------------------------------------------------------------------------------
    def _postgres(self) -> bool:
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT 1"))      # still our session, so still our lock
                return True
            except Exception:
                log.warning("the clock lock's connection broke; trying to take the lock again")
                try:
                    self._conn.invalidate()
                except Exception:
                    pass
                self._conn = None
        try:
            conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        except Exception:
            return False
        try:
            # one lock per schema: bots of other regions (or tests) may share the database in other schemas
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k, hashtext(current_schema()))"),
                               {"k": KEY}).scalar_one()
        except Exception:
            conn.close()
            return False
        if got:
            self._conn = conn
            log.info("this process runs the clock's jobs")
            return True
        conn.close()
        return False

    # ---- SQLite ---------------------------------------------------------------------------------------------
    def _sqlite(self) -> bool:
        path = self.engine.url.database
        if not path or path == ":memory:":
            return True
        if self._file is not None:
            return True
        fd = os.open(path + ".klok", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._file = fd
        return True
