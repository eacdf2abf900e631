"""The running bot, platform-neutral: commands in, private answers back, the outbox delivered, the
clock's jobs run. Adapters (console, Slack, Mattermost) wrap this; none of them changes state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from commands import dispatch
from commands.messages import for_notes
from commands.model import Click, Env, Invocation, Message
from commands.unit import run
from models.calendar import WorkCalendar
from models.directory import Directory
from models.events import TijdVerstreken
from models.profile import Profile
from models.rules import Context
from models.tables import CaseRow, DeadlineRow

from .config import load_profile
from .outbox import Dispatcher
from .port import PlatformPort
from .render import Renderer
from .uow import uow_factory

SYSTEM = "triagebot"


@dataclass(frozen=True)
class Private:
    """A rendered private answer for the person who acted."""

    to: str
    text: str


class Bot:
    def __init__(self, directory: Directory, profile: Profile, engine: Engine, port: PlatformPort,
                 renderer: Renderer, clock: Callable[[], datetime]):
        self.directory, self.profile, self.engine = directory, profile, engine
        self.port, self.renderer, self.clock = port, renderer, clock
        self.uow = uow_factory(engine, self.calendar_for)
        self.dispatcher = Dispatcher(engine, port, renderer)

    def calendar_for(self, profile_name: str) -> WorkCalendar:
        if profile_name == self.profile.name:
            return self.profile.calendar
        return load_profile(profile_name).calendar

    def env(self) -> Env:
        return Env(self.directory, self.profile, self.uow, self.clock())

    # ---- requests -----------------------------------------------------------------------------------
    def command(self, inv: Invocation) -> list[Private]:
        reply = dispatch.handle(self.env(), inv)
        self.dispatcher.deliver(self.clock())
        return self._render(reply.private)

    def click(self, click: Click) -> list[Private]:
        reply = dispatch.handle_click(self.env(), click)
        self.dispatcher.deliver(self.clock())
        return self._render(reply.private)

    def _render(self, messages: list[Message]) -> list[Private]:
        return [Private(m.to or "", self.renderer.render(m.template, m.context)) for m in messages]

    # ---- the clock's jobs ---------------------------------------------------------------------------
    def next_job_at(self) -> datetime | None:
        """The earliest moment a deadline needs attention (for the simulated clock)."""
        with Session(self.engine) as session:
            stmt = (select(DeadlineRow.due).where(DeadlineRow.state == "open").order_by(DeadlineRow.due).limit(1))
            return session.execute(stmt).scalar_one_or_none()

    def sweep(self) -> int:
        """Let the clock act on every case with an open deadline that is due: lapse it, tell the channel."""
        now = self.clock()
        with Session(self.engine) as session:
            stmt = (select(CaseRow.number).join(DeadlineRow, DeadlineRow.case_id == CaseRow.id)
                    .where(DeadlineRow.state == "open", DeadlineRow.due <= now).distinct())
            numbers = list(session.execute(stmt).scalars())
        ctx = Context(now=now, actor=SYSTEM, actor_org=SYSTEM, profile=self.profile)
        for number in numbers:
            def outbox(uow, before, after, accepted) -> None:
                for message in for_notes(self.directory, before, after, accepted.notes, SYSTEM):
                    uow.outbox.add(message, case=after.number, at=now)
            run(self.uow, number, TijdVerstreken(), ctx, action="klok", after=outbox)
        self.dispatcher.deliver(now)
        return len(numbers)
