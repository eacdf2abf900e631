"""Benchmark: a simulated year of a large region, through the bot's own command path and its sweep.

    python bench/year.py [--meldingen 12000] [--pg URL | --sqlite] [--landelijk] [--seed 1]

A year (from the first Monday of 2025) of meldingen, registered on working days in office hours by the VT
worker, decided at the triagetafel within a few working days with a realistic mix of routes (a directe overdracht
to the lokaal team most often; Voorwaarden & Vervolg, onderzoek, none or the family itself otherwise), handovers
confirmed — mostly in time, some late (their terms lapse and the ladder climbs), some refused and asked again —,
first contacts, huisverboden, services that end and are handed over, and cases closed together. Every step is a
`/casus` command or a button click as a person would give it (`Bot.command`, `Bot.click`), on a simulated clock;
the sweep runs every simulated hour and the outbox is delivered to a platform that only counts.

Prints the wall time, the peak memory of the process, the number of commands and refusals, and the sweep's total
time over the year. `--landelijk`: 120,000 meldingen across the four shipped profiles (each region in its own
schema or file, one after the other). Targets here: ≤ 10 minutes and ≤ 300 MB for --landelijk.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from scratch_db import scratch_database  # noqa: E402

from bot.app import Bot  # noqa: E402
from bot.config import load_directory, load_profile  # noqa: E402
from bot.console.console import SimClock  # noqa: E402
from bot.render import Renderer  # noqa: E402
from tests.year_of_cases import PROFILES, START, CountingPlatform, Year  # noqa: E402 (shared with tests)


def one_region(profile_name: str, meldingen: int, url: str | None, seed: int) -> dict:
    with scratch_database(url, "year") as engine:
        directory, profile = load_directory(None), load_profile(profile_name)
        clock = SimClock(START)
        platform = CountingPlatform()
        bot = Bot(directory, profile, engine, platform, Renderer(directory, "console", profile.wording), clock)
        year = Year(bot, clock, random.Random(seed), meldingen)
        started = time.perf_counter()
        year.run()
        wall = time.perf_counter() - started
        sweep = bot.metrics.registry.get_sample_value("triagebot_sweep_seconds_sum") or 0.0
        sweeps = bot.metrics.registry.get_sample_value("triagebot_sweep_seconds_count") or 0.0
        rungs = sum(s.value for m in bot.metrics.registry.collect() if m.name == "triagebot_escalations"
                    for s in m.samples if s.name.endswith("_total"))
        return {"wall": wall, "commands": year.commands, "refused": year.refused, "sweep": sweep,
                "sweeps": int(sweeps), "rungs": int(rungs), "sent": platform.calls}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--meldingen", type=int, default=12_000)
    p.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    p.add_argument("--sqlite", action="store_true", help="on a SQLite file instead of PostgreSQL")
    p.add_argument("--landelijk", action="store_true", help="120,000 meldingen across the four shipped profiles")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    regions = [(name, 30_000) for name in PROFILES] if args.landelijk else [("gelderland-midden", args.meldingen)]
    url = None if args.sqlite else args.pg
    started = time.perf_counter()
    total: dict[str, float] = {}
    for name, meldingen in regions:
        r = one_region(name, meldingen, url, args.seed)
        print(f"{name:24s} {meldingen:>7,} meldingen: {r['wall']:7.1f} s, {r['commands']:>7,} opdrachten en klikken "
              f"({r['refused']:,} geweigerd), {r['sweeps']:,} sweeps in {r['sweep']:.1f} s, {r['rungs']:,} "
              f"opschalingstreden, {r['sent']:,} platformaanroepen", flush=True)
        for k, v in r.items():
            total[k] = total.get(k, 0) + v
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"totaal: {time.perf_counter() - started:.1f} s, piekgeheugen {peak_mb:.0f} MB, "
          f"{'SQLite' if args.sqlite else 'PostgreSQL'}")


if __name__ == "__main__":
    main()
