"""A generated year of cases (issue 15's bench and issue 16's report tests): meldingen of a region through the bot's
own commands and buttons on a simulated clock, with a realistic mix of routes, refusals, late confirmations,
first contacts, huisverboden and closings. `Year.log` keeps what the generator did, as the ground truth a test
checks the bot's figures against."""

from __future__ import annotations

import heapq
import random
from datetime import datetime, timedelta

from bot.app import Bot
from bot.console.console import SimClock
from commands.model import Click, Invocation
from models.calendar import AMS
from models.case import CASE_NUMBER, channel_name

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
        self.log: list[tuple] = []     # (what, case, ...): what the generator did, in order

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
            self.log.append(("nieuw", number, gemeente, datetime.strptime(received, "%Y-%m-%dT%H:%M")
                             .replace(tzinfo=AMS)))
            if rng.random() < 0.02:
                self.at(now + timedelta(minutes=10), "huisverbod", number)
            self.at(self.workday(rng.choice([0, 1, 1, 2, 3, 4, 6]), now), "besluit", number, gemeente,
                    "structureel" in signals)
        elif kind == "huisverbod":
            self.command(VT, f"huisverbod {args[0]} start", args[0])
        elif kind == "besluit":
            number, gemeente, structural = args
            route = "vv" if structural else rng.choices(["lt", "onderzoek", "geen", "zelf"], [62, 8, 20, 10])[0]
            self.log.append(("besluit", number, route, now))
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
            self.log.append(("weiger" if refuse else "bevestig", number, gemeente, now))
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


def free_texts(states) -> set[str]:
    """Every free text people typed into the cases (reasons, remarks, the oordeel): no report may hold one."""
    texts = set()
    for s in states:
        if s.decision:
            texts |= {s.decision.reasoning, s.decision.override_reason or ""}
        texts |= {h.refusal.reason for h in s.handovers if h.refusal}
        texts |= {r.text for r in s.records if r.kind not in ("opgepakt", "pauze", "hervat")}
        texts |= {s.closed_reason or "", s.oordeel or ""}
    return {t for t in texts if len(t) > 3 and not t.isdigit()}
