"""Two `triagebot serve` processes and a `triagebot verwerker` on one PostgreSQL database (issue 15), as a load
balancer would use them: requests go to either server, 50 at once, one server is killed in the middle of the load,
and still every acknowledged request is applied once and answered, every message is posted and every channel
opened exactly once, and a signed request replayed to the other server is refused."""

from __future__ import annotations

import copy
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from models.tables import AuditRow
from tests.served import Served, free_port
from tests.test_hardening import assert_nothing_twice, served  # noqa: F401 (the fixture)


def alongside(first: Served, *args: str) -> Served:
    """A second bot process on the same database, platform and directory, on a port of its own."""
    second = copy.copy(first)
    second.port, second.proc = free_port(), None
    second.log = first.folder / "serve-tweede.log"
    return second.start(*args)


@pytest.mark.postgres
def test_two_servers_and_a_processor_with_a_killed_server_lose_nothing_and_do_nothing_twice(served):  # noqa: F811
    first = served("slack", "pg")                          # receives and processes
    second = alongside(first, "--alleen-ontvangen")        # only receives
    processor = first.processor()                          # only processes
    bots = [first, second]
    try:
        with ThreadPoolExecutor(50) as pool:
            answers = list(pool.map(lambda i: bots[i % 2].command("vt-medewerker", "nieuw Arnhem" if i % 3 else
                                                                  "nieuw Ede"), range(100)))
        assert [a.status for a in answers] == [200] * 100 and first.cases() == 100
        assert all("VT-" in a.text for a in answers)       # each answered through its response_url

        # a signed request the first process accepted is refused by the second: the replay guard is shared
        body = first.command_body("vt-medewerker", "nieuw Arnhem")
        headers = first.slack_headers(body)
        assert first.slack_post(body, headers).status == 200
        assert second.slack_post(body, headers).status == 401
        first.settled()
        assert first.cases() == 101

        # the first is killed while both take requests: what it acknowledged, the processor applies; what it had
        # not yet delivered, the others deliver
        acknowledged = []

        def some(i: int) -> None:
            try:
                answer = bots[i % 2].command("vt-medewerker", "nieuw Ede", wait=0)
            except OSError:
                return                   # the killed process never answered: nothing was promised
            if answer.status == 200:
                acknowledged.append(i)

        with ThreadPoolExecutor(50) as pool:
            futures = [pool.submit(some, i) for i in range(60)]
            time.sleep(0.3)
            first.kill()
            for f in futures:
                f.result()
        second.settled()
        second.delivered(timeout=120)
        assert first.cases() >= 101 + len(acknowledged)
        new = first.count(AuditRow, AuditRow.action == "/casus nieuw", AuditRow.outcome == "ok")
        assert new == first.cases()                    # one audit entry per case: nothing applied twice
        assert_nothing_twice(second)
    finally:
        second.stop()
        processor.terminate()
        processor.wait(timeout=10)
