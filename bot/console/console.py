"""The console: the whole bot in a terminal, on a simulated clock. Interactive, or from a script.

Script lines:
    # commentaar
    <lid-id>: /casus ...            or  <lid-id>: /tafel ...
    <lid-id>: klik <knop> [<casusnummer>] [reden: <tekst>]      (<knop>: wat erop staat, of de actie: bevestig,
                                                                weiger, oppakken, akkoord, document)
    klok <JJJJ-MM-DDTUU:MM>         or  klok +<n>m|h|d|wd      (wd = werkdagen)

On a database that was used before, the console continues where the last session stopped (resume.py).
With `echo`, each typed line is shown before what it causes: an event of kind "invoer" whose `text` is the line
as typed and whose `to` is the member who typed it (None for `klok`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
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
from .resume import latest_moment, restore

MAX_STEP = timedelta(days=3660)      # one `klok` line moves at most ten years
CONSOLE = "console"                  # who moves the clock, in the audit log


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


class StartTooEarly(ValueError):
    """The clock would start before what the database already records: time cannot go back."""

    def __init__(self, latest: datetime):
        super().__init__(latest.isoformat())
        self.latest = latest


@dataclass
class Console:
    bot: Bot
    platform: ConsolePlatform
    clock: SimClock
    profile: Profile
    resumed_at: datetime | None = None    # the moment an earlier session stopped, when there was one
    echo: bool = False                    # show each typed line before its effects

    @staticmethod
    def build(directory: Directory, profile: Profile, db_url: str, start: datetime | None) -> Console:
        engine = make_engine(db_url)
        migrate(engine)
        return Console.on(engine, directory, profile, start)

    @staticmethod
    def on(engine, directory: Directory, profile: Profile, start: datetime | None,
           files_dir: Path | None = None) -> Console:
        """A console on a migrated database. `start` None: where the database's last session stopped, or now
        on an empty database. A `start` before what the database records raises StartTooEarly."""
        latest = latest_moment(engine)
        if start is None:
            start = latest or datetime.now(AMS).replace(second=0, microsecond=0)
        elif latest is not None and start < latest:
            raise StartTooEarly(latest)
        clock = SimClock(start)
        platform = ConsolePlatform(directory, clock, files_dir)
        bot = Bot(directory, profile, engine, platform, Renderer(directory, "console", profile.wording), clock)
        restore(platform, engine, bot.renderer)
        return Console(bot, platform, clock, profile, resumed_at=latest)

    # ---- one line -------------------------------------------------------------------------------------
    def line(self, text: str) -> None:
        text = text.strip()
        if not text or text.startswith("#"):
            return
        m = _ACTOR.match(text)
        if self.echo:
            self.platform._emit("invoer", to=m.group(1) if m else None, text=text)
        if text.lower().startswith("klok"):
            self._clock(text[4:].strip())
            return
        if not m:
            self.say("regel niet begrepen — gebruik '<lid-id>: /casus ...', '<lid-id>: klik ...' of 'klok ...'")
            return
        user, rest = m.group(1), m.group(2).strip()
        if rest.startswith("/"):
            command, _, args = rest.partition(" ")
            answers = self.bot.command(Invocation(user, command, args, self._channel_of(args)))
        elif rest.lower().startswith("klik"):
            answers = self._click(user, rest[4:].strip())
        else:
            self.say("na '<lid-id>:' volgt een opdracht (/casus, /tafel) of 'klik <knop>'")
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

    def buttons(self) -> dict[str, str]:
        """Every button's action and the label people see on it (templates/_woorden.j2, `knoppen`)."""
        return dict(self.bot.renderer.words.knoppen)

    def _button(self, rest: str) -> tuple[str | None, str, str]:
        """The button named at the start of `rest` — by its label or its action, in any case — as (action,
        the name as typed, what follows); the action is None when no button has that name."""
        lowered = rest.lower()
        names = sorted(((name, action) for action, label in self.buttons().items() for name in (label, action)),
                       key=lambda pair: -len(pair[0]))
        for name, action in names:
            if lowered == name.lower() or lowered.startswith(name.lower() + " "):
                return action, rest[:len(name)], rest[len(name):].strip()
        word, _, after = rest.partition(" ")
        return None, word, after

    def _click(self, user: str, rest: str) -> list:
        labels = ", ".join(self.buttons().values())
        action, typed, rest = self._button(rest)
        if action is None:
            self.say(f"onbekende knop '{typed}' — de knoppen heten: {labels}" if typed else
                     f"klik: welke knop? De knoppen heten: {labels}")
            return []
        try:
            args = split(rest)
        except ParseError as exc:
            return self.bot.command_error(user, "klik", exc)
        number = args.take_case_number()
        if number is None:
            number = self._last_case_with(action)
        value = self.platform.latest_button(channel_name(number), action, number, user) if number else None
        if value is None:
            self.say(f"geen knop '{typed}' gevonden" + (f" in {number}" if number else ""))
            return []
        return self.bot.click(Click(user, action, value, args.text("reden"), channel_name(number)))

    def _last_case_with(self, action: str) -> str | None:
        value = self.platform.latest_value_of(action)
        return value.partition(":")[0] if value else None

    def _clock(self, arg: str) -> None:
        try:
            target = self._target(arg)
        except TooFar:
            self.say("klok: zo ver vooruit kan niet in één keer; hoogstens tien jaar per regel")
            return
        except ValueError:
            self.say("klok: gebruik 'klok JJJJ-MM-DDTUU:MM' of 'klok +<n>m|h|d|wd'")
            return
        if target < self.clock.now:
            self.say("klok: de tijd kan niet terug")
            return
        before, seen = self.clock.now, len(self.platform.events)
        advance(self.bot, self.clock, target)
        self._record_clock(before, target)
        if len(self.platform.events) == seen:
            self.say(f"klok: het is nu {self.bot.renderer.moment(target)}; er was niets te doen")

    def _record_clock(self, before: datetime, target: datetime) -> None:
        """The clock's move goes in the audit log, so a next session on this database continues from here."""
        with self.bot.uow() as uow:
            uow.audit.add(at=target, actor=CONSOLE, action="klok", outcome="ok",
                          detail={"van": before.isoformat(), "naar": target.isoformat()})
            uow.commit()

    def _target(self, arg: str) -> datetime:
        return clock_target(self.clock.now, arg, self.profile.calendar)

    def say(self, text: str) -> None:
        self.platform._emit("console", text=text)

    def run(self, lines: Iterable[str]) -> None:
        for text in lines:
            self.line(text)


class TooFar(ValueError):
    """A `klok` line that would move the clock more than MAX_STEP."""


def clock_target(now: datetime, arg: str, calendar) -> datetime:
    """Where `klok <arg>` goes: `JJJJ-MM-DDTUU:MM`, or `+<n>m|h|d|wd` from `now` (wd = werkdagen).
    ValueError when `arg` is neither; TooFar when it is more than MAX_STEP ahead."""
    m = _STEP.match(arg)
    if m:
        n, unit = int(m.group(1)), m.group(2)
        days = {"m": n / 1440, "h": n / 24, "d": n, "wd": n * 7 / 5}[unit]
        if days > MAX_STEP.days:
            raise TooFar(arg)
        if unit == "wd":
            local = now.astimezone(AMS)
            return datetime.combine(calendar.werkdag_after(local.date(), n), local.time(), AMS)
        return now + {"m": timedelta(minutes=n), "h": timedelta(hours=n), "d": timedelta(days=n)}[unit]
    target = datetime.fromisoformat(arg if "T" in arg else arg + "T09:00").replace(tzinfo=AMS)
    if target - now > MAX_STEP:
        raise TooFar(arg)
    return target


# ---- output -----------------------------------------------------------------------------------------
def human(event: dict[str, Any]) -> str:
    at = datetime.fromisoformat(event["at"]).astimezone(AMS).strftime("%Y-%m-%d %H:%M")
    kind, text = event["kind"], event["text"]
    where = {
        "channel_created": f"#{event['channel']} aangemaakt (besloten)",
        "member_added": f"#{event['channel']} + {event['to']}",
        "member_removed": f"#{event['channel']} − {event['to']} (uit het kanaal)",
        "channel_deleted": f"#{event['channel']} verwijderd (bewaartermijn verstreken)",
        "post": f"#{event['channel']}",
        "update": f"#{event['channel']} (bijgewerkt)",
        "ephemeral": f"alleen voor {event['to']}",
        "dm": f"bericht aan {event['to']}",
        "files": f"bestanden aan {event['to']}" if event["to"] else f"bestanden in #{event['channel']}",
        "console": "console",
        "archived": f"#{event['channel']} gearchiveerd",
        "invoer": f"> {text}",
    }[kind]
    if kind == "invoer":
        return f"[{at}] {where}"
    buttons = "".join(f"\n    [{b['label']}]" for b in event["buttons"])
    buttons += "".join(f"\n    📎 {name}" for name in event.get("files", ()))
    body = ("\n    " + text.replace("\n", "\n    ")) if text and kind not in ("member_added", "member_removed") else ""
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
