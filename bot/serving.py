"""What every chat adapter's server shares: the HTTP server, waking the delivery worker only when a
request wrote to the outbox, and settling the start-up heap."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from sqlalchemy import event
from sqlalchemy.engine import Engine

from .app import Bot
from .delivery.background import DeliveryWorker


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


def deliver_in_background(bot: Bot, engine: Engine) -> DeliveryWorker:
    """Start the delivery worker; after a request, wake it only if the request wrote to the outbox."""
    worker = DeliveryWorker(bot.deliver_now).start()
    wrote_outbox = outbox_writes(engine)
    bot.after_request = lambda: worker.nudge() if wrote_outbox() else None
    return worker


class _PoolServer(WSGIServer):
    """A WSGI server that hands each connection to a fixed pool of threads, instead of starting a thread
    per request: under a burst, the requests beyond the pool wait their turn in a queue instead of all
    contending for the interpreter (and the database) at once. A client that stalls holds a thread for
    at most `_QuietHandler.timeout` per read."""

    request_queue_size = 128    # the default of 5 resets connections when a table full of people click
    # the work is mostly Python under one interpreter lock on 2 cores: more threads only queue inside the
    # process (bench/ack.py at 50 at once: p99 ~300 ms with 4, ~400 with 8, ~830 with 16); a few stay so
    # that a request waiting on the network (a form opening, a first look-up of a user) blocks no one
    threads = 4

    def server_activate(self) -> None:
        super().server_activate()
        self.pool = ThreadPoolExecutor(self.threads, thread_name_prefix="http")

    def process_request(self, request, client_address) -> None:
        self.pool.submit(self._handle, request, client_address)

    def _handle(self, request, client_address) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)

    def server_close(self) -> None:
        super().server_close()
        self.pool.shutdown(wait=False, cancel_futures=True)


class _QuietHandler(WSGIRequestHandler):
    timeout = 10   # seconds per read or write on the connection: Slack gives up after 3

    def log_message(self, format, *args):   # noqa: A002 - no request lines (they carry no case data, but noise)
        pass


def http_server(host: str, port: int, wsgi_app) -> WSGIServer:
    """The bot's HTTP server (also used by bench/ack.py for the bare Bolt app it compares with)."""
    return make_server(host, port, wsgi_app, server_class=_PoolServer, handler_class=_QuietHandler)


def settle_heap() -> None:
    """What start-up made (modules, the directory, templates, the ORM) lives as long as the process: keep it
    out of the garbage collector's full collections, which otherwise walk all of it (some 130,000 objects,
    60 ms here) while every request thread waits."""
    gc.collect()
    gc.freeze()
