"""Benchmark: what one request costs the database — statements, transactions and time —
for a look (`/casus status`), a change (`/casus stagnatie`) and a click (`oppakken`), on SQLite and PostgreSQL.

    python bench/roundtrips.py [--pg postgresql+psycopg://postgres@127.0.0.1:5432/test] [--n 200]

The request path only: the bot answers, and what it wrote to the outbox is not delivered (that is the delivery
worker's, after the answer). Prints per kind of request the statements and transactions per request and the mean
time, so a change to the request path can be measured against the figures in the README.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scratch_db import scratch_database  # noqa: E402
from sqlalchemy import event  # noqa: E402

from bot.app import Bot  # noqa: E402
from bot.config import load_directory, load_profile  # noqa: E402
from bot.console.console import SimClock  # noqa: E402
from bot.console.console_platform import ConsolePlatform  # noqa: E402
from bot.render import Renderer  # noqa: E402
from commands.model import Click, Invocation  # noqa: E402
from models.calendar import AMS  # noqa: E402


class Counter:
    def __init__(self, engine):
        self.statements = self.transactions = 0
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "begin", self._transaction)

    def _statement(self, *args) -> None:
        self.statements += 1

    def _transaction(self, *args) -> None:
        self.transactions += 1

    def reset(self) -> tuple[int, int]:
        out = (self.statements, self.transactions)
        self.statements = self.transactions = 0
        return out


def measure(engine, n: int) -> list[tuple[str, float, float, float]]:
    directory, profile = load_directory(None), load_profile("gelderland-midden")
    clock = SimClock(datetime(2025, 6, 2, 9, tzinfo=AMS))
    bot = Bot(directory, profile, engine, ConsolePlatform(directory, clock), Renderer(directory), clock)
    bot.after_request = lambda: None          # the request path only
    for _ in range(n + 2):      # a case for every change, so that no case grows with the bench
        bot.command(Invocation("vt-medewerker", "/casus", "nieuw Arnhem", None))
    number, channel = "VT-2025-0001", "casus-2025-0001"
    bot.command(Invocation("vt-medewerker", "/casus", f"besluit {number} lt gezin-geinformeerd", channel))
    counter = Counter(engine)
    rows = []
    requests = {
        "look (/casus status)": lambda i: bot.command(Invocation("lt-arnhem-medewerker", "/casus",
                                                                 f"status {number}", channel)),
        "change (/casus stagnatie)": lambda i: bot.command(Invocation(
            "vt-medewerker", "/casus", f"stagnatie VT-2025-{i + 3:04d} reden: loopt vast", f"casus-2025-{i + 3:04d}")),
        "click (oppakken, refused)": lambda i: bot.click(Click("lt-arnhem-medewerker", "oppakken", f"{number}:d1",
                                                               "", channel)),
    }
    for name, request in requests.items():
        request(-1)                # warm
        counter.reset()
        times = []
        for i in range(n):
            start = time.perf_counter()
            request(i)
            times.append(time.perf_counter() - start)
        statements, transactions = counter.reset()
        rows.append((name, statements / n, transactions / n, statistics.mean(times) * 1000))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", default=None)
    parser.add_argument("--n", type=int, default=200)
    args = parser.parse_args()
    for label, pg in [("SQLite", None)] + ([("PostgreSQL", args.pg)] if args.pg else []):
        with scratch_database(pg) as engine:
            print(f"\n{label}, {args.n} requests each")
            print(f"  {'request':28} {'statements':>10} {'transactions':>13} {'ms':>7}")
            for name, statements, transactions, ms in measure(engine, args.n):
                print(f"  {name:28} {statements:10.1f} {transactions:13.1f} {ms:7.2f}")


if __name__ == "__main__":
    main()
