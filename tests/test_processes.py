"""Two `triagebot serve` processes and a `triagebot verwerker` on one PostgreSQL database (issue 15), as a load
balancer would use them: requests go to either server, 50 at once, one server is killed in the middle of the load,
and still every acknowledged request is applied once and answered, every message is posted and every channel
opened exactly once, and a signed request replayed to the other server is refused."""

from __future__ import annotations

import copy
import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

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


def children_of(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def tree(pid: int) -> str:
    """The process and its children as the kernel sees them (state, threads, where they wait): for a failure."""
    lines = []
    for p in [pid, *sorted(children_of(pid))]:
        try:
            status = dict(line.split(":\t", 1) for line in Path(f"/proc/{p}/status").read_text().splitlines()
                          if ":\t" in line)
            wchan = Path(f"/proc/{p}/wchan").read_text()
        except OSError:
            lines.append(f"{p}: weg")
            continue
        lines.append(f"{p}: {status.get('State')} threads={status.get('Threads')} wchan={wchan}")
    return "\n".join(lines)


@pytest.mark.postgres
def test_serve_in_two_processes_shares_one_port_and_replaces_a_killed_one(served):  # noqa: F811
    bot = served("slack", "pg", ("--processen", "2"))
    parent = bot.proc.pid
    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda i: bot.command("vt-medewerker", "nieuw Arnhem"), range(40)))
    assert all(a.status == 200 and "VT-" in a.text for a in answers)
    first = children_of(parent)
    assert len(first) == 2

    victim = sorted(first)[0]
    os.kill(victim, signal.SIGKILL)
    end = time.time() + 30
    while time.time() < end and (len(children_of(parent)) != 2 or victim in children_of(parent)):
        time.sleep(0.1)
    assert len(children_of(parent)) == 2 and victim not in children_of(parent), \
        f"{tree(parent)}\n{bot.log.read_text()[-3000:]}"      # another took its place
    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda i: bot.command("vt-medewerker", "nieuw Ede"), range(20)))
    assert all(a.status == 200 and "VT-" in a.text for a in answers)
    bot.settled()
    bot.delivered(timeout=120)
    assert bot.cases() >= 60           # what the killed one had acknowledged is applied too
    assert bot.count(AuditRow, AuditRow.action == "/casus nieuw", AuditRow.outcome == "ok") == bot.cases()
    assert_nothing_twice(bot)

    survivors = children_of(parent)
    bot.stop()                          # SIGTERM to the parent: it stops its server processes
    end = time.time() + 15
    while time.time() < end and any(Path(f"/proc/{pid}").exists() for pid in survivors):
        time.sleep(0.1)
    assert not [pid for pid in survivors if Path(f"/proc/{pid}").exists()]
