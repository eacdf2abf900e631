"""Delivery survives crashes, a second process and a failing platform: every expected message arrives,
none twice, in order per channel.

The worker (`triagebot worker`) runs the clock's jobs over a simulated month and writes each message to
a journal. A reference run without trouble says what must arrive; the other runs must give the same.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from bot.console.journal_platform import JournalPlatform
from tests.harness import make_console, play

START, END = "2025-06-02T08:00", "2025-07-04T08:00"

# A month at one table: direct handovers left unconfirmed, a refusal, a V&V, a case for two gemeenten,
# a melding left lying: deadlines lapse and the ladder climbs for weeks.
SCENARIO = "klok 2025-06-02T09:00\n" + "".join(
    f"vt-medewerker: /casus nieuw {g}\nvt-medewerker: /casus besluit VT-2025-{n:04d} {route}\nklok +2h\n"
    for n, (g, route) in enumerate([
        ("Arnhem", "lt licht"), ("Ede", "lt middelzwaar"), ("Arnhem", "vv zwaar"), ("Arnhem,Ede", "lt licht"),
        ("Ede", "lt licht"), ("Arnhem", "lt licht"), ("Ede", "onderzoek middelzwaar"), ("Arnhem", "lt licht"),
    ], start=1)
) + """
lt-ede-medewerker: klik weiger VT-2025-0005 reden: hoort bij een ander team
vt-medewerker: /casus nieuw Arnhem
"""


def build_scenario(db_url: str) -> None:
    console = make_console(start=START, db_url=db_url)
    events = play(console, SCENARIO)
    assert not [e for e in events if e["kind"] == "ephemeral" and "kan niet" in e["text"]]
    console.bot.engine.dispose()


def worker(db_url: str, journal: Path, *extra: str) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "bot.cli", "worker", "--db", db_url, "--journaal", str(journal),
           "--van", START, "--tot", END, "--stap", "1h", *extra]
    return subprocess.Popen(cmd, cwd=Path(__file__).parent.parent, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"})


def finish(proc: subprocess.Popen, timeout: float = 240) -> int:
    _, err = proc.communicate(timeout=timeout)
    if proc.returncode not in (0, -signal.SIGKILL):
        pytest.fail(f"worker failed ({proc.returncode}): {err.decode()[-2000:]}")
    return proc.returncode


def content(journal: Path) -> Counter:
    return Counter((r["kind"], r.get("channel"), r.get("to"), r["text"])
                   for r in JournalPlatform(journal).records())


def per_queue(journal: Path) -> dict[str, list[str]]:
    queues: dict[str, list[str]] = {}
    for r in JournalPlatform(journal).records():
        queues.setdefault(r.get("channel") or "@" + r["to"], []).append(r["text"])
    return queues


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("reference")
    url = f"sqlite:///{folder / 'bot.db'}"
    build_scenario(url)
    shutil.copy(folder / "bot.db", folder / "pristine.db")
    journal = folder / "journal.jsonl"
    assert finish(worker(url, journal)) == 0
    expected = content(journal)
    assert sum(expected.values()) > 40, "the scenario should make the ladder climb for weeks"
    assert max(expected.values()) == 1 or all(k[0] == "dm" for k, v in expected.items() if v > 1)
    return folder


def test_sigkill_at_many_points_loses_nothing_and_repeats_nothing(reference, tmp_path):
    db = tmp_path / "bot.db"
    shutil.copy(reference / "pristine.db", db)
    url, journal = f"sqlite:///{db}", tmp_path / "journal.jsonl"
    kills = 0
    for n in (1, 3, 7, 12, 20):          # the process kills itself right after the n-th message went out,
        kills += finish(worker(url, journal, "--crash-na", str(n))) == -signal.SIGKILL   # before marking it
    rng = random.Random(7)
    for _ in range(5):                    # ... and is killed from outside at random moments
        proc = worker(url, journal, "--traag-ms", "15")
        time.sleep(rng.uniform(0.4, 2.0))
        proc.send_signal(signal.SIGKILL)
        kills += finish(proc) == -signal.SIGKILL
    assert finish(worker(url, journal)) == 0
    assert kills >= 6
    assert content(journal) == content(reference / "journal.jsonl")
    assert per_queue(journal) == per_queue(reference / "journal.jsonl")


@pytest.mark.postgres
def test_two_processes_on_one_postgresql_deliver_each_message_once(reference, tmp_path, pg_engine):
    # the test's own schema (see conftest), passed to the worker processes through libpq options
    url = f"{pg_engine.url.render_as_string(hide_password=False)}?options=-csearch_path%3D{_search_path(pg_engine)}"
    build_scenario(url)
    journal = tmp_path / "journal.jsonl"
    # each send takes 30 ms, so that the work (65 messages) outlasts the difference in the two processes' starts
    # on a busy machine: with 2 ms the one that started first could be through it all before the other began
    first, second = worker(url, journal, "--traag-ms", "30"), worker(url, journal, "--traag-ms", "30")
    assert finish(first) == 0 and finish(second) == 0
    assert content(journal) == content(reference / "journal.jsonl")
    senders = Counter(r["pid"] for r in JournalPlatform(journal).records())
    assert set(senders) == {first.pid, second.pid}, f"both processes must have delivered: {senders}"


def _search_path(engine) -> str:
    with engine.connect() as c:
        return c.exec_driver_sql("SHOW search_path").scalar_one()
