"""The servers' shared parts: the HTTP server's pool of threads, and waking the delivery worker only
after a request that wrote to the outbox."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from bot.serving import http_server, outbox_writes
from commands.model import Invocation
from tests.harness import make_console


def test_only_a_request_that_wrote_to_the_outbox_wakes_the_delivery_worker():
    console = make_console()
    wrote = outbox_writes(console.bot.engine)
    console.bot.command(Invocation("vt-medewerker", "/casus", "nieuw Arnhem"))
    assert wrote() is True and wrote() is False                  # asking resets it
    console.bot.command(Invocation("vt-medewerker", "/casus", "status VT-2025-0001"))
    assert wrote() is False                                      # a look writes only its audit entry
    console.bot.command(Invocation("vt-medewerker", "/casus", "besluit VT-2025-0001 xyz"))
    assert wrote() is False                                      # a refusal sends nothing


def test_the_http_server_answers_a_burst_larger_than_its_pool():
    inside, most = [0], [0]
    lock = threading.Lock()

    def app(environ, start_response):
        with lock:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        time.sleep(0.05)
        with lock:
            inside[0] -= 1
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    server = http_server("127.0.0.1", 0, app).start()
    try:
        url = f"http://127.0.0.1:{server.port}/"
        with ThreadPoolExecutor(30) as pool:
            statuses = list(pool.map(lambda _: httpx.get(url, timeout=10).status_code, range(30)))
    finally:
        server.stop()
    assert statuses == [200] * 30
    assert 1 < most[0] <= server.SETTINGS["threads"]      # in parallel, but never more than the pool
