"""What every chat adapter's server shares: the HTTP server, the inbox's processor, waking the delivery worker
only when a request wrote to the outbox, and settling the start-up heap."""

from __future__ import annotations

import ctypes
import gc
import itertools
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable

import waitress
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .app import Bot
from .delivery.background import DeliveryWorker
from .delivery.inbox import Inbox, Listener, Processor

# a server's roles: everything in one process (the default); only receiving (storing requests in the inbox and
# answering at once, `triagebot start --alleen-ontvangen`); only processing (`triagebot verwerker`)
ALL, RECEIVE, PROCESS = "alles", "ontvangen", "verwerken"
HOW = {ALL: "", RECEIVE: "; alleen ontvangen: een `triagebot verwerker` voert de verzoeken uit",
       PROCESS: " de ontvangen verzoeken, bezorgt de berichten en houdt de termijnen bij"}
MAX_BODY = 256 * 1024     # bytes: Slack's and Mattermost's requests to the bot are a few kilobytes


def outbox_writes(engine: Engine) -> Callable[[], bool]:
    """Whether this thread wrote to the outbox since it last asked. A request that wrote nothing there
    (a look, a refusal) has nothing to deliver; waking the delivery worker for it would only cost a scan
    of the outbox, in this process, while other requests wait for their answer."""
    seen = threading.local()

    @event.listens_for(engine, "after_cursor_execute")
    def _note(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.startswith("INSERT INTO outbox"):
            seen.wrote = True

    def wrote() -> bool:
        result, seen.wrote = getattr(seen, "wrote", False), False
        return result
    return wrote


def process_in_background(processor: Processor, inbox: Inbox | None, engine: Engine) -> DeliveryWorker:
    """Start the inbox's processor: woken at once by a request this process stored, on PostgreSQL also by one
    another process stored (NOTIFY), and every second in any case (on SQLite, a `triagebot verwerker`: ten times
    a second)."""
    # a processor beside no front of its own, on SQLite (no NOTIFY), looks often: what a server stored waits for it
    alone_on_sqlite = inbox is None and engine.dialect.name == "sqlite"
    worker = DeliveryWorker(processor.run, interval=0.1 if alone_on_sqlite else 1.0, name="inbox").start()
    if inbox is not None:
        inbox.stored = worker.nudge
    if engine.dialect.name == "postgresql":
        Listener(engine.url.set(drivername="postgresql").render_as_string(hide_password=False), worker.nudge).start()
    return worker


def deliver_in_background(bot: Bot, engine: Engine) -> DeliveryWorker:
    """Start the delivery worker; after a request, wake it only if the request wrote to the outbox."""
    worker = DeliveryWorker(bot.deliver_now).start()
    wrote_outbox = outbox_writes(engine)
    bot.after_request = lambda: worker.nudge() if wrote_outbox() else None
    return worker


class HttpServer:
    """The bot's HTTP server: waitress, a production WSGI server that reads each request whole, on one
    thread of non-blocking sockets, before one of a few worker threads runs the app. So a client that
    idles, trickles its request or disconnects early holds no worker and stops nobody; a body or a header
    larger than the limits is refused (413 / 431) from its Content-Length, before it is read; an idle
    connection is closed after `channel_timeout`. (Also used by bench/ack.py for the bare apps it
    compares with.)"""

    SETTINGS = dict(
        # the work is mostly Python under one interpreter lock on 2 cores: more threads only queue inside the
        # process (bench/ack.py at 50 at once: p99 ~300 ms with 4, ~400 with 8, ~830 with 16)
        threads=4,
        max_request_body_size=MAX_BODY,
        max_request_header_size=64 * 1024,
        channel_timeout=30,         # an idle or stalled connection is closed after 30 s (Slack gives up after 3)
        cleanup_interval=5,
        connection_limit=500,
        backlog=1024,
        asyncore_use_poll=True,     # select() stops at 1,024 sockets
        expose_tracebacks=False,
        ident="triagebot",
    )

    def __init__(self, host: str, port: int, wsgi_app, sock: socket.socket | None = None):
        # waitress warns at every request that waits for a worker ("Task queue depth is 2"): under a burst that
        # is one line per request, which hides the lines that matter
        logging.getLogger("waitress.queue").setLevel(logging.ERROR)
        where = dict(sockets=[sock]) if sock is not None else dict(host=host, port=port)
        self.server = waitress.create_server(wsgi_app, **where, **self.SETTINGS)

    @property
    def port(self) -> int:
        return self.server.effective_port

    def serve_forever(self) -> None:
        self.server.run()

    def start(self) -> HttpServer:
        """Serve in a background thread (tests, the bench)."""
        self._thread = threading.Thread(target=self.server.run, name="http", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        for channel in list(self.server._map.values()):   # the listening socket and every connection
            channel.close()
        self.server.task_dispatcher.shutdown()
        if getattr(self, "_thread", None) is not None:
            self._thread.join(timeout=5)


def http_server(host: str, port: int, wsgi_app, sock: socket.socket | None = None) -> HttpServer:
    return HttpServer(host, port, wsgi_app, sock)


def serve_in(processes: int, port: int, listening: str, make: Callable[[socket.socket | None], HttpServer],
             settings) -> int:
    """Serve in this process, or in `processes` of them on one socket (`in_processes`); `listening` says where, for
    the administrator (the role's words and the number of processes are added)."""
    if processes > 1:
        checked_before_forking(settings)
        print(f"{listening}, met {processes} processen.", file=sys.stderr)
        return in_processes(processes, port, lambda sock: make(sock).serve_forever())
    server = make(None)
    print(f"{listening}.", file=sys.stderr)
    server.serve_forever()
    return 0


def checked_before_forking(settings) -> None:
    """What would stop every server process (the directory, the schema) is said once, before they start."""
    from .config import load_directory
    from .storage.db import SchemaBehind, make_engine, require_current_schema, schema_refusal

    load_directory(settings.directory)
    engine = make_engine(settings.database_url)
    try:
        require_current_schema(engine)
    except SchemaBehind as exc:
        raise SystemExit(schema_refusal(exc)) from None
    finally:
        engine.dispose()


QUICK_DEATH = 10.0      # seconds: a server process that ends this soon after its start will not do better again


def in_processes(n: int, port: int, serve_on: Callable[[socket.socket], None]) -> int:
    """`triagebot start --processen N`: N server processes on one listening socket (the kernel hands each new
    connection to one of them), each with its own processor and delivery loop; the clock's jobs run in the one
    that holds the clock lock. A process that dies is started again; one that stops by itself within
    `QUICK_DEATH` seconds of its start stops them all (a mistake that a new start would repeat). SIGTERM or
    SIGINT stops them all. A child follows its parent: if this process is killed, they get SIGTERM."""
    sock = socket.create_server(("0.0.0.0", port), backlog=1024)
    children: dict[int, float] = {}
    state = {"stopping": False, "failed": False}

    def spawn() -> None:
        while True:
            try:
                pid = os.fork()
                break
            except OSError:          # no process to be had right now (a limit): try again shortly
                logging.getLogger("triagebot").exception("no new server process; trying again")
                time.sleep(1)
        if pid == 0:        # the child: its own database connections, threads and server
            _follow_parent()
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            code = 0
            try:
                serve_on(sock)
            except SystemExit as exc:
                if exc.code not in (None, 0):
                    print(exc.code, file=sys.stderr)
                code = 1
            except BaseException:
                logging.getLogger("triagebot").exception("server process failed")
                code = 1
            os._exit(code)
        children[pid] = time.monotonic()
        logging.getLogger("triagebot").info("server process started", extra={"pid": pid})

    def stop(*_: object) -> None:
        state["stopping"] = True
        for pid in list(children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for _ in range(n):
        spawn()
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        started = children.pop(pid, None)
        if started is None or state["stopping"]:
            continue
        how = f"signaal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status) else f"code {os.WEXITSTATUS(status)}"
        logging.getLogger("triagebot").warning("server process ended", extra={"pid": pid, "hoe": how})
        if not os.WIFSIGNALED(status) and time.monotonic() - started < QUICK_DEATH:    # it stopped itself
            print("Een serverproces stopte direct na de start; de bot stopt. Zie de regels hierboven.",
                  file=sys.stderr)
            state["failed"] = True
            stop()
        else:
            spawn()
    return 1 if state["failed"] else 0


def _follow_parent() -> None:
    """Linux: this process gets SIGTERM when its parent ends (also by SIGKILL), so no server is left behind."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)     # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def killed_after(n: int) -> Callable[[], None]:
    """For the crash tests (`triagebot verwerker --crash-na N`, not in the help): the process kills itself, with
    SIGKILL, right after the N-th request's change committed and before it is answered. 0: never."""

    count = itertools.count(1)

    def applied() -> None:
        if n and next(count) >= n:
            os.kill(os.getpid(), signal.SIGKILL)
    return applied


def wait_forever() -> int:
    """A process without a server of its own (`triagebot verwerker`): its threads do the work until it is
    stopped (SIGTERM, SIGINT)."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    return 0


def settle_heap() -> None:
    """What start-up made (modules, the directory, templates, the ORM) lives as long as the process: keep it
    out of the garbage collector's full collections, which otherwise walk all of it (some 130,000 objects,
    60 ms here) while every request thread waits."""
    gc.collect()
    gc.freeze()
