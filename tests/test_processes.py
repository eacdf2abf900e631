"""Two `triagebot serve` processes on one PostgreSQL database (issue 15), as a load balancer would use them: requests
go to either, one of them is killed in the middle of the load, and still every message is posted and every
channel opened exactly once, every answered request is applied once, and a signed request replayed to the other
process is refused."""

from __future__ import annotations

import copy
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from models.tables import AuditRow
from tests.served import Served, free_port
from tests.test_hardening import assert_nothing_twice, served  # noqa: F401 (the fixture)


def alongside(first: Served) -> Served:
    """A second bot process on the same database, platform and directory, on a port of its own."""
    second = copy.copy(first)
    second.port, second.proc = free_port(), None
    second.log = first.folder / "serve-tweede.log"
    return second.start()


@pytest.mark.postgres
def test_two_processes_and_a_killed_one_lose_nothing_and_do_nothing_twice(served):  # noqa: F811
    first = served("slack", "pg")
    second = alongside(first)
    bots = [first, second]
    try:
        with ThreadPoolExecutor(10) as pool:
            answers = list(pool.map(lambda i: bots[i % 2].command("vt-medewerker", "nieuw Arnhem" if i % 3 else
                                                                  "nieuw Ede"), range(40)))
        assert [a.status for a in answers] == [200] * 40 and first.cases() == 40

        # a signed request the first process accepted is refused by the second: the replay guard is shared
        body = first.command_body("vt-medewerker", "nieuw Arnhem")
        headers = first.slack_headers(body)
        assert first.slack_post(body, headers).status == 200
        assert second.slack_post(body, headers).status == 401
        first.settled()
        assert first.cases() == 41

        # the first is killed while both take requests; what it answered stays, what it had not yet delivered
        # the second delivers
        answered = []

        def some(i: int) -> None:
            try:
                answer = bots[i % 2].command("vt-medewerker", "nieuw Ede")
            except OSError:
                return                   # the killed process never answered: nothing was promised
            if answer.status == 200:
                answered.append(i)

        with ThreadPoolExecutor(6) as pool:
            futures = [pool.submit(some, i) for i in range(30)]
            time.sleep(0.3)
            first.kill()
            for f in futures:
                f.result()
        second.settled()         # what the killed one stored and acknowledged, the other applies
        second.delivered(timeout=120)
        assert first.cases() >= 41 + len(answered)
        new = first.count(AuditRow, AuditRow.action == "/casus nieuw", AuditRow.outcome == "ok")
        assert new == first.cases()                    # one audit entry per case: nothing applied twice
        assert_nothing_twice(second)
    finally:
        second.stop()
