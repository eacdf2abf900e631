"""Operations, in front of a chat platform's WSGI app: `/healthz` (the process answers), `/readyz` (it can do its
work: the database answers, its schema is current, and neither the inbox nor the outbox is stuck) and `/metrics`
(Prometheus).
Every other request goes to the platform's app, timed and counted by platform and kind — never by case or
person. The answers are for the operators' tools; the texts are Dutch for the operators who read them."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.engine import Engine

from .delivery.inbox import backlog as inbox_backlog
from .delivery.outbox import backlog
from .metrics import CONTENT_TYPE, Metrics
from .storage.db import schema_behind

OUTBOX_STUCK = timedelta(minutes=15)    # a message due this long and not delivered: the bot is not doing its work
INBOX_STUCK = timedelta(minutes=1)      # a request received this long ago and not answered: no processor works
MAX_PEEK = 256 * 1024
KindOf = Callable[[dict, bytes], str]      # a platform's: what a request is (opdracht, knop, formulier, ...)


@dataclass(frozen=True)
class Readiness:
    problems: tuple[str, ...]

    @property
    def ready(self) -> bool:
        return not self.problems


def readiness(engine: Engine, now: datetime, stuck_after: timedelta = OUTBOX_STUCK) -> Readiness:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            behind = schema_behind(conn)
    except Exception:
        return Readiness(("de database is niet bereikbaar",))
    if behind:      # (then the outbox may not even exist)
        return Readiness((f"het databaseschema is niet bij ({behind}); voer 'triagebot db upgrade' uit",))
    problems = []
    try:
        count, oldest = backlog(engine, now)
        requests, waited = inbox_backlog(engine, now)
    except Exception:       # gone between the looks
        return Readiness(("de database is niet bereikbaar",))
    if oldest > stuck_after.total_seconds():
        problems.append(f"de bezorging staat stil: {count} bericht(en) wachten, het oudste al {int(oldest // 60)} "
                        "minuten")
    if waited > INBOX_STUCK.total_seconds():
        problems.append(f"de verwerking staat stil: {requests} ontvangen verzoek(en) wachten, het oudste al "
                        f"{int(waited)} seconden; draait er een verwerker (`triagebot start` of "
                        "`triagebot verwerker`)?")
    return Readiness(tuple(problems))


class Operations:
    def __init__(self, app, engine: Engine, metrics: Metrics, platform: str, kind_of: KindOf,
                 now: Callable[[], datetime], stuck_after: timedelta = OUTBOX_STUCK):
        self.app, self.engine, self.metrics, self.platform, self.kind_of = app, engine, metrics, platform, kind_of
        self.now, self.stuck_after = now, stuck_after

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        if path in ("/healthz", "/readyz", "/metrics"):
            if method not in ("GET", "HEAD"):
                return _answer(start_response, 405, b"Alleen GET.\n", "text/plain; charset=utf-8")
            if path == "/healthz":
                return _answer(start_response, 200, b"ok\n", "text/plain; charset=utf-8")
            if path == "/metrics":
                return _answer(start_response, 200, self.metrics.exposition(), CONTENT_TYPE)
            state = readiness(self.engine, self.now(), self.stuck_after)
            body = json.dumps({"klaar": state.ready, "problemen": list(state.problems)}, ensure_ascii=False)
            return _answer(start_response, 200 if state.ready else 503, body.encode() + b"\n",
                           "application/json; charset=utf-8")
        return self._timed(environ, start_response)

    def _timed(self, environ: dict, start_response) -> Iterable[bytes]:
        started = time.perf_counter()
        kind = "anders"
        length = environ.get("CONTENT_LENGTH") or ""
        if environ.get("REQUEST_METHOD") == "POST" and length.isdigit() and int(length) <= MAX_PEEK:
            body = environ["wsgi.input"].read(int(length))
            environ["wsgi.input"] = io.BytesIO(body)       # the app reads it as it came
            kind = self.kind_of(environ, body)
        status: list[str] = []

        def recording(code: str, headers, exc_info=None):
            status.append(code.split(" ", 1)[0])
            return start_response(code, headers, exc_info) if exc_info else start_response(code, headers)

        try:
            return self.app(environ, recording)
        finally:
            self.metrics.answer.labels(self.platform, kind).observe(time.perf_counter() - started)
            self.metrics.requests.labels(self.platform, kind, status[0] if status else "fout").inc()


def _answer(start_response, status: int, body: bytes, content_type: str) -> list[bytes]:
    reason = {200: "OK", 405: "Method Not Allowed", 503: "Service Unavailable"}[status]
    start_response(f"{status} {reason}", [("Content-Type", content_type), ("Content-Length", str(len(body))),
                                          ("Cache-Control", "no-store")])
    return [body]
