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
import heapq
import random
import resource
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from scratch_db import scratch_database  # noqa: E402

from bot.app import Bot  # noqa: E402
from bot.config import load_directory, load_profile  # noqa: E402
from bot.console.console import SimClock  # noqa: E402
from bot.render import Renderer  # noqa: E402
from commands.model import Click, Invocation  # noqa: E402
from models.calendar import AMS  # noqa: E402
from models.case import CASE_NUMBER, channel_name  # noqa: E402

START = datetime(2025, 1, 6, 8, 0, tzinfo=AMS)
PROFILES = ("gelderland-midden", "noord-oost-gelderland", "zuid-limburg", "flevoland")
LT = {"Arnhem": "lt-arnhem-medewerker", "Ede": "lt-ede-medewerker"}
VT = "vt-medewerker"


class CountingPlatform:
    """A chat platform that keeps nothing: it counts what it was asked to do."""

    def __init__(self) -> None:
        self.calls = 0

    def _count(self, *args, **kwargs) -> str:
        self.calls += 1
        return f"ref{self.calls}"

    open_channel = post = dm = _count

    def update(self, *args) -> None:
        self.calls += 1

    add_members = remove_members = archive = update

    def delete_channel(self, channel: str) -> bool:
        self.calls += 1
        return True

    def find(self, key: str) -> None:
        return None

    def recover(self, key: str, channel, member) -> None:
        return None


class Year:
    def __init__(self, bot: Bot, clock: SimClock, rng: random.Random, meldingen: int):
        self.bot, self.clock, self.rng, self.meldingen = bot, clock, rng, meldingen
        self.queue: list[tuple[datetime, int, str, tuple]] = []
        self.seq = 0
        self.commands = self.refused = 0
        self.calendar = bot.profile.calendar

    # ---- planning --------------------------------------------------------------------------------------------
    def at(self, when: datetime, kind: str, *args) -> None:
        self.seq += 1
        heapq.heappush(self.queue, (when, self.seq, kind, args))

    def workday(self, day_offset: int, after: datetime) -> datetime:
        """A moment in office hours `day_offset` working days after `after`."""
        day = self.calendar.werkdag_after(after.astimezone(AMS).date(), day_offset) if day_offset else \
            after.astimezone(AMS).date()
        moment = datetime.combine(day, datetime.min.time(), AMS) + timedelta(hours=self.rng.uniform(8.5, 16.5))
        return max(moment, after + timedelta(minutes=5))

    def plan_registrations(self) -> None:
        days, day = [], START.date()
        while day < START.date() + timedelta(days=365):
            if self.calendar.is_werkdag(day):
                days.append(day)
            day += timedelta(days=1)
        for i in range(self.meldingen):
            day = days[i * len(days) // self.meldingen]
            moment = datetime.combine(day, datetime.min.time(), AMS) + timedelta(hours=self.rng.uniform(8.5, 16.5))
            self.at(moment, "nieuw")

    # ---- one step --------------------------------------------------------------------------------------------
    def command(self, actor: str, text: str, number: str | None = None) -> str:
        self.commands += 1
        answers = self.bot.command(Invocation(actor, "/casus", text, channel_name(number) if number else None))
        self.refused += any(a.refused for a in answers)
        return "\n".join(a.text for a in answers)

    def click(self, actor: str, action: str, value: str, reason: str = "") -> None:
        self.commands += 1
        number = value.partition(":")[0]
        answers = self.bot.click(Click(actor, action, value, reason, channel_name(number)))
        self.refused += any(a.refused for a in answers)

    def step(self, kind: str, args: tuple) -> None:
        rng, now = self.rng, self.clock.now
        if kind == "nieuw":
            gemeente = rng.choices(["Arnhem", "Ede", "Arnhem,Ede"], [55, 40, 5])[0]
            signals = rng.choices(["", " signalen=acuut", " signalen=structureel", " signalen=letsel"],
                                  [85, 3, 7, 5])[0]
            received = (now - timedelta(hours=rng.uniform(1, 40))).strftime("%Y-%m-%dT%H:%M")
            answer = self.command(VT, f"nieuw {gemeente} ontvangen={received}{signals}")
            number = next((w.rstrip(".;,") for w in answer.split() if CASE_NUMBER.match(w.rstrip(".;,"))), None)
            if number is None:
                return
            if rng.random() < 0.02:
                self.at(now + timedelta(minutes=10), "huisverbod", number)
            self.at(self.workday(rng.choice([0, 1, 1, 2, 3, 4, 6]), now), "besluit", number, gemeente,
                    "structureel" in signals)
        elif kind == "huisverbod":
            self.command(VT, f"huisverbod {args[0]} start", args[0])
        elif kind == "besluit":
            number, gemeente, structural = args
            route = "vv" if structural else rng.choices(["lt", "onderzoek", "geen", "zelf"], [62, 8, 20, 10])[0]
            if route == "lt":
                self.command(VT, f"besluit {number} lt licht gezin-geinformeerd reden: hulp in het lokale veld",
                             number)
                for g in gemeente.split(","):
                    self.plan_answer(number, g, 1, now)
            elif route in ("vv", "onderzoek"):
                self.command(VT, f"besluit {number} {route} middelzwaar reden: eerst Veilig Thuis", number)
                self.at(now + timedelta(days=rng.randint(30, 70)), "dienst", number, gemeente, route)
            else:
                self.command(VT, f"besluit {number} {route} reden: geen zorgen over de veiligheid", number)
        elif kind == "antwoord":
            number, gemeente, seq, refuse = args
            if refuse:
                self.click(LT[gemeente], "weiger", f"{number}:{seq}", "hoort bij een ander team")
                self.at(self.workday(rng.choice([1, 2]), now), "opnieuw", number, gemeente, seq + 1)
            else:
                self.click(LT[gemeente], "bevestig", f"{number}:{seq}")
                self.at(self.workday(rng.choice([1, 2, 3, 5, 8]), now), "contact", number, gemeente)
        elif kind == "opnieuw":
            number, gemeente, seq = args
            self.command(VT, f"overdracht {number} opnieuw", number)
            self.plan_answer(number, gemeente, seq, now, refuse=False)
        elif kind == "contact":
            number, gemeente = args
            self.command(LT[gemeente], f"contact {number}", number)
            self.at(now + timedelta(days=rng.randint(60, 150)), "afsluiten", number, gemeente)
        elif kind == "dienst":
            number, gemeente, route = args
            oordeel = " oordeel: kindermishandeling vastgesteld" if route == "onderzoek" else ""
            self.command(VT, f"dienst {number} afgerond{oordeel}", number)
            for g in gemeente.split(","):
                self.plan_answer(number, g, 1, now, refuse=False)
        elif kind == "afsluiten":
            number, gemeente = args
            self.command(LT[gemeente], f"afsluiten {number} geen-incidenten risicofactoren herstel", number)
            self.at(now + timedelta(hours=2), "akkoord", number)
        elif kind == "akkoord":
            self.command(VT, f"afsluiten {args[0]} akkoord", args[0])

    def plan_answer(self, number: str, gemeente: str, seq: int, now: datetime, refuse: bool | None = None) -> None:
        refuse = self.rng.random() < 0.07 if refuse is None else refuse
        late = self.rng.random() < 0.12          # past the confirmation term: it lapses, the ladder climbs
        self.at(self.workday(self.rng.choice([4, 6, 8]) if late else self.rng.choice([0, 0, 1, 1, 2]), now),
                "antwoord", number, gemeente, seq, refuse)

    # ---- the year --------------------------------------------------------------------------------------------
    def run(self) -> None:
        self.plan_registrations()
        end = START + timedelta(days=365)
        next_hour = START + timedelta(hours=1)
        while self.queue and self.queue[0][0] < end:
            when, _, kind, args = heapq.heappop(self.queue)
            while next_hour <= when:          # the clock's jobs, every simulated hour
                self.clock.now = next_hour
                self.bot.tick()
                next_hour += timedelta(hours=1)
            self.clock.now = max(self.clock.now, when)
            self.step(kind, args)
        while next_hour <= end:
            self.clock.now = next_hour
            self.bot.tick()
            next_hour += timedelta(hours=1 if next_hour.hour in range(7, 19) else 4)


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
