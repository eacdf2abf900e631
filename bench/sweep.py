"""Benchmark: one sweep with 1,000 due items among N cases, on SQLite and PostgreSQL.

    python bench/sweep.py [--sizes 10000 1000000] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/test]

Fills a fresh database per size with a realistic mix of cases (most closed or waiting, each with its
deadlines and ledger), of which a fixed 1,000 have a rung that is due now, then times one sweep (the
claim, the domain's decision per item, the row updates and the outbox rows, committed). Prints the time
per database and size, and the ratio between the largest and the smallest size: the sweep's cost should
grow with the number of due items, not with the number of cases. Targets on a 2-core machine: under
200 ms on PostgreSQL for 1,000 due among 1,000,000 cases, and a ratio under 2.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from bot.config import load_directory, load_profile  # noqa: E402
from bot.delivery.sweep import Sweeper  # noqa: E402
from bot.storage.db import make_engine, migrate  # noqa: E402
from bot.storage.uow import uow_factory  # noqa: E402
from models.escalation import ladder_to_data  # noqa: E402

DUE = 1000
WARM = 100             # due a day earlier: the warm-up sweep handles them, on the same code path as the measured one
NOW = datetime(2025, 6, 16, 10, 0, tzinfo=UTC)
PROFILE = load_profile("gelderland-midden")
LADDER = json.dumps(ladder_to_data(PROFILE.escalation.ladder))
ORGS = json.dumps({"vt": "vt-gelderland-midden", "lts": ["lt-arnhem"], "gi": "gi-gelderland", "mdt": None,
                   "gemeenten": ["gemeente-arnhem"]})


def rows(n: int, rng: random.Random):
    """Cases, deadlines and ledger entries: a mix of closed, running and waiting cases."""
    picked = rng.sample(range(1, n + 1), DUE + WARM)
    due_ids, warm_ids = set(picked[:DUE]), set(picked[DUE:])
    cases, deadlines, ledger = [], [], []
    for i in range(1, n + 1):
        received = NOW - timedelta(days=rng.randint(1, 700))
        status = rng.choices(["gesloten", "overgedragen", "dienst", "overdracht", "triage"], [60, 20, 8, 7, 5])[0]
        if i in due_ids or i in warm_ids:
            status = "overdracht"
        closed = received + timedelta(days=30) if status == "gesloten" else None
        cases.append((i, f"VT-{2000 + i // 10000:04d}-{i % 10000:04d}", "gelderland-midden", status,
                      '["Arnhem"]', received, received, ORGS, closed))
        if status != "triage":
            ledger.append((i, 1, "vt-gelderland-midden", received, closed, "triage_afgerond"))
        if i in due_ids or i in warm_ids:   # a confirmation lapsed last week: the leidinggevende rung is due now
            lapsed = NOW - timedelta(days=5)
            due = NOW - timedelta(hours=1) if i in due_ids else NOW - timedelta(days=2)
            deadlines.append((i, 1, "bevestiging", "lt-arnhem", lapsed, received, LADDER, 4, "1", "verlopen",
                              lapsed, 2, "vt-gelderland-midden", False, due))
        elif status in ("overgedragen", "dienst", "overdracht"):
            future = NOW + timedelta(days=rng.randint(2, 60))
            deadlines.append((i, 1, "eerste_contact", "lt-arnhem", future, received, LADDER, 4, "1", "open",
                              None, 0, "vt-gelderland-midden", False, future - timedelta(days=1)))
        elif status == "gesloten":
            deadlines.append((i, 1, "triage", "vt-gelderland-midden", received + timedelta(days=7), received,
                              LADDER, 4, "", "gehaald", None, 0, "vt-gelderland-midden", False, None))
    return cases, deadlines, ledger


CASE_COLS = ("id", "number", "profile", "status", "gemeenten", "received_at", "registered_at", "orgs", "closed_at")
DL_COLS = ("case_id", "seq", "kind", "owner", "due", "created_at", "ladder", "ladder_len", "ref", "state",
           "lapsed_at", "next_rung", "vt_org", "acute", "next_action_at")
LEDGER_COLS = ("case_id", "seq", "holders", "start", '"end"', "reason")
DEFAULTS = {"cases": {"spoed": False, "anoniem": False, "gezinsvoogd": False, "version": 1},
            "deadlines": {"paused_at": None}}


def fill(engine, n: int) -> None:
    cases, deadlines, ledger = rows(n, random.Random(n))
    if engine.dialect.name == "postgresql":
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            flags = ("spoed", "anoniem", "gezinsvoogd", "version")
            for table, cols, data, extra in (("cases", CASE_COLS, cases, flags),
                                             ("deadlines", DL_COLS, deadlines, ()),
                                             ("ledger_entries", LEDGER_COLS, ledger, ())):
                values = [(*r, False, False, False, 1) if extra else r for r in data]
                with cur.copy(f"COPY {table} ({', '.join((*cols, *extra))}) FROM STDIN") as copy:
                    for r in values:
                        copy.write_row(r)
            cur.execute("SELECT setval('cases_id_seq', (SELECT max(id) FROM cases))")
            cur.execute("ANALYZE")
            raw.commit()
        finally:
            raw.close()
        return
    with engine.begin() as c:
        c.exec_driver_sql(
            f"INSERT INTO cases ({', '.join(CASE_COLS)}, spoed, anoniem, gezinsvoogd, version) "
            f"VALUES ({', '.join('?' * len(CASE_COLS))}, 0, 0, 0, 1)", [_sqlite(r) for r in cases])
        c.exec_driver_sql(f"INSERT INTO deadlines ({', '.join(DL_COLS)}) VALUES ({', '.join('?' * len(DL_COLS))})",
                          [_sqlite(r) for r in deadlines])
        c.exec_driver_sql(f"INSERT INTO ledger_entries ({', '.join(LEDGER_COLS)}) VALUES "
                          f"({', '.join('?' * len(LEDGER_COLS))})", [_sqlite(r) for r in ledger])
        c.exec_driver_sql("ANALYZE")


def _sqlite(row):
    return tuple(v.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ") if isinstance(v, datetime) else v
                 for v in row)


def one_sweep(engine) -> tuple[float, int]:
    directory = load_directory()
    uow = uow_factory(engine, load_profile)
    sweeper = Sweeper(engine, directory, PROFILE, load_profile, uow)
    # warm up like a running bot, on the same code path: the WARM items due a day earlier (modules imported,
    # statements compiled and planned, this year's holidays known, the ladders parsed)
    warm = sweeper.run(NOW - timedelta(days=1))
    assert warm.fired == WARM, f"the warm-up fired {warm.fired} rungs, not {WARM}"
    start = time.perf_counter()
    result = sweeper.run(NOW)
    elapsed = time.perf_counter() - start
    return elapsed, result.fired


def measure(url_for, sizes: list[int], label: str) -> dict[int, float]:
    times = {}
    for n in sizes:
        url, cleanup = url_for(n)
        engine = make_engine(url) if not isinstance(url, sa.Engine) else url
        try:
            migrate(engine)
            t0 = time.perf_counter()
            fill(engine, n)
            filled = time.perf_counter() - t0
            warm = make_engine(url) if not isinstance(url, sa.Engine) else url
            elapsed, fired = one_sweep(warm)
            assert fired == DUE, f"expected {DUE} rungs, fired {fired}"
            times[n] = elapsed
            print(f"{label:10s} {n:>9,} cases, {DUE} due: one sweep {elapsed * 1000:8.1f} ms "
                  f"(filled in {filled:.0f} s)", flush=True)
        finally:
            engine.dispose()
            cleanup()
    return times


def sqlite_urls():
    folder = Path(tempfile.mkdtemp(prefix="bench-sweep-"))

    def url_for(n):
        path = folder / f"{n}.db"
        return f"sqlite:///{path}", lambda: path.unlink(missing_ok=True)
    return url_for


def pg_urls(base: str):
    def url_for(n):
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = make_engine(base)
        with admin.begin() as c:
            c.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        engine = sa.create_engine(make_engine(base).url, connect_args={"options": f"-csearch_path={schema}"})

        def cleanup():
            with admin.begin() as c:
                c.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
            admin.dispose()
        return engine, cleanup
    return url_for


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    p.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    p.add_argument("--skip-sqlite", action="store_true")
    args = p.parse_args()
    results = {}
    if not args.skip_sqlite:
        results["SQLite"] = measure(sqlite_urls(), args.sizes, "SQLite")
    results["PostgreSQL"] = measure(pg_urls(args.pg), args.sizes, "PostgreSQL")
    small, large = min(args.sizes), max(args.sizes)
    for label, times in results.items():
        print(f"{label:10s} ratio {large:,} / {small:,} cases: {times[large] / times[small]:.2f}")


if __name__ == "__main__":
    main()
