"""The console: the whole bot in a terminal, on a simulated clock. Interactive, or from a script.

Script lines:
    # commentaar
    <lid-id>: /casus ...            or  <lid-id>: /tafel ...
    <lid-id>: klik <knop> [<casusnummer>] [reden: <tekst>]
    klok <JJJJ-MM-DDTUU:MM>         or  klok +<n>m|h|d|wd      (wd = werkdagen)
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TextIO

from commands.model import Click, Invocation
from commands.parse import ParseError, split
from models.calendar import AMS
from models.case import CASE_NUMBER, channel_name
from models.directory import Directory
from models.profile import Profile

from ..app import Bot
from ..render import Renderer
from ..storage.db import make_engine, migrate
from .console_platform import ConsolePlatform


class SimClock:
    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def advance(bot: Bot, clock: SimClock, target: datetime) -> None:
    """Move the simulated clock to `target`, running every job whose time passes, in order."""
    bot.tick()
    while (due := bot.next_job_at(after=clock.now)) is not None and due <= target:
        clock.now = due
        bot.tick()
    clock.now = target
    bot.tick()


_STEP = re.compile(r"^\+(\d+)(m|h|d|wd)$")
_ACTOR = re.compile(r"^([a-z0-9._-]+)\s*:\s*(.*)$")


@dataclass
class Console:
    bot: Bot
    platform: ConsolePlatform
    clock: SimClock
    profile: Profile

    @staticmethod
    def build(directory: Directory, profile: Profile, db_url: str, start: datetime) -> Console:
        clock = SimClock(start)
        engine = make_engine(db_url)
        migrate(engine)
        platform = ConsolePlatform(directory, clock)
        bot = Bot(directory, profile, engine, platform, Renderer(directory, "console"), clock)
        return Console(bot, platform, clock, profile)

    # ---- one line -------------------------------------------------------------------------------------
    def line(self, text: str) -> None:
        text = text.strip()
        if not text or text.startswith("#"):
            return
        if text.lower().startswith("klok"):
            self._clock(text[4:].strip())
            return
        m = _ACTOR.match(text)
        if not m:
            self._say("regel niet begrepen — gebruik '<lid-id>: /casus ...', '<lid-id>: klik ...' of 'klok ...'")
            return
        user, rest = m.group(1), m.group(2).strip()
        if rest.startswith("/"):
            command, _, args = rest.partition(" ")
            answers = self.bot.command(Invocation(user, command, args, self._channel_of(args)))
        elif rest.lower().startswith("klik"):
            answers = self._click(user, rest[4:].strip())
        else:
            self._say("na '<lid-id>:' volgt een opdracht (/casus, /tafel) of 'klik <knop>'")
            return
        for a in answers:
            self.platform.ephemeral(a.to, None, a.text)

    def _channel_of(self, args: str) -> str | None:
        """The console types everything in the case's own channel when it names a case number."""
        try:
            words = split(args).words if args else []
        except ParseError:
            return None        # dispatch gives the answer; the console only guesses the channel
        number = next((w.upper() for w in words if CASE_NUMBER.match(w.upper())), None)
        return channel_name(number) if number else None

    def _click(self, user: str, rest: str) -> list:
        try:
            args = split(rest)
        except ParseError as exc:
            return self.bot.command_error(user, "klik", exc)
        action = args.pop_word() or ""
        number = args.take_case_number()
        if number is None:
            number = self._last_case_with(action)
        value = self.platform.latest_button(channel_name(number), action, number) if number else None
        if value is None:
            self._say(f"geen knop '{action}' gevonden" + (f" in {number}" if number else ""))
            return []
        return self.bot.click(Click(user, action, value, args.text("reden"), channel_name(number)))

    def _last_case_with(self, action: str) -> str | None:
        value = self.platform.latest_value_of(action)
        return value.partition(":")[0] if value else None

    def _clock(self, arg: str) -> None:
        try:
            target = self._target(arg)
        except ValueError:
            self._say("klok: gebruik 'klok JJJJ-MM-DDTUU:MM' of 'klok +<n>m|h|d|wd'")
            return
        if target < self.clock.now:
            self._say("klok: de tijd kan niet terug")
            return
        advance(self.bot, self.clock, target)

    def _target(self, arg: str) -> datetime:
        return clock_target(self.clock.now, arg, self.profile.calendar)

    def _say(self, text: str) -> None:
        self.platform._emit("console", text=text)

    def run(self, lines: Iterable[str]) -> None:
        for text in lines:
            self.line(text)


def clock_target(now: datetime, arg: str, calendar) -> datetime:
    """Where `klok <arg>` goes: `JJJJ-MM-DDTUU:MM`, or `+<n>m|h|d|wd` from `now` (wd = werkdagen)."""
    m = _STEP.match(arg)
    if m:
        n, unit = int(m.group(1)), m.group(2)
        if unit == "wd":
            local = now.astimezone(AMS)
            return datetime.combine(calendar.werkdag_after(local.date(), n), local.time(), AMS)
        return now + {"m": timedelta(minutes=n), "h": timedelta(hours=n), "d": timedelta(days=n)}[unit]
    return datetime.fromisoformat(arg).replace(tzinfo=AMS) if "T" in arg else datetime.fromisoformat(
        arg + "T09:00").replace(tzinfo=AMS)


# ---- output -----------------------------------------------------------------------------------------
def human(event: dict[str, Any]) -> str:
    at = datetime.fromisoformat(event["at"]).astimezone(AMS).strftime("%Y-%m-%d %H:%M")
    kind, text = event["kind"], event["text"]
    where = {
        "channel_created": f"#{event['channel']} aangemaakt (besloten)",
        "member_added": f"#{event['channel']} + {event['to']}",
        "post": f"#{event['channel']}",
        "update": f"#{event['channel']} (bijgewerkt)",
        "ephemeral": f"alleen voor {event['to']}",
        "dm": f"bericht aan {event['to']}",
        "console": "console",
        "archived": f"#{event['channel']} gearchiveerd",
    }[kind]
    buttons = "".join(f"\n    [{b['label']}]" for b in event["buttons"])
    body = ("\n    " + text.replace("\n", "\n    ")) if text and kind not in ("member_added",) else ""
    if kind == "channel_created":
        body = ""
    return f"[{at}] {where}{body}{buttons}"


class ReaderGone(BaseException):
    """Whoever read the console's output has gone (`triagebot demo | head`): the run stops, quietly. Not an
    Exception, so that nothing on the way (the outbox's delivery, say) takes it for a failure to retry."""


def attach(console: Console, out: TextIO, as_json: bool) -> None:
    def text(event: dict[str, Any]) -> str:
        return json.dumps(event, ensure_ascii=False) if as_json else human(event)

    def write(event: dict[str, Any]) -> None:
        try:
            out.write(text(event) + "\n")
        except BrokenPipeError:
            raise ReaderGone() from None
    console.platform.listeners.append(write)
