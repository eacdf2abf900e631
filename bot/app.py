"""The running bot, platform-neutral: commands in, private answers back, the outbox delivered, the
clock's jobs run. Adapters (console, Slack, Mattermost) wrap this; none of them changes state."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from commands import dispatch, reports, views
from commands.membership import SYSTEM
from commands.model import Click, Env, Invocation, Kind, Message
from commands.parse import ParseError
from commands.retention import RetentionReport, expire
from commands.sync import SyncReport, synchronise
from models.directory import Directory
from models.profile import Profile
from models.tables import DeadlineRow, OutboxRow

from .config import load_profile
from .delivery.inbox import backlog as inbox_backlog
from .delivery.janitor import Janitor
from .delivery.outbox import Dispatcher, backlog
from .delivery.sweep import Sweeper
from .metrics import Metrics, error_code
from .port import PlatformError, PlatformPort
from .render import Renderer
from .report.chat import Reports
from .storage.uow import uow_factory


@dataclass(frozen=True)
class Private:
    """A rendered private answer for the person who acted."""

    to: str
    text: str
    refused: bool = False   # the answer says no (nothing was changed)


class Bot:
    def __init__(self, directory: Directory, profile: Profile, engine: Engine, port: PlatformPort,
                 renderer: Renderer, clock: Callable[[], datetime]):
        self.directory, self.profile, self.engine = directory, profile, engine
        self.port, self.renderer, self.clock = port, renderer, clock
        self.uow = uow_factory(engine, self.profile_for)
        with self.uow() as uow:     # who left the directory but may still be in a channel: to be removed
            directory.remember_former(uow.members.contacts())
        self.metrics = Metrics()
        self.metrics.watch_backlog("outbox", lambda now: backlog(engine, now), clock)
        self.metrics.watch_backlog("inbox", lambda now: inbox_backlog(engine, now), clock)
        self.dispatcher = Dispatcher(engine, port, renderer, channel_done=self._channel_done, failed=self._failed,
                                     delivered=lambda cases: self.cases_changed(cases),
                                     reports=Reports(self.uow, directory, profile, renderer.platform),
                                     gave_up=self._gave_up)
        # told of the cases whose messages went out (something changed in them): Slack publishes Home tabs again
        self.cases_changed: Callable[[set[str]], None] = lambda cases: None
        self.sweeper = Sweeper(engine, directory, profile, self.profile_for, self.uow)
        self.janitor = Janitor(engine, directory, self.uow)
        # what happens to the outbox after a request: the console delivers at once; a server answers
        # first and lets its background worker deliver (Slack wants an answer within 3 seconds)
        self.after_request: Callable[[], None] = self.deliver_now

    def profile_for(self, profile_name: str) -> Profile:
        return self.profile if profile_name == self.profile.name else load_profile(profile_name)

    def env(self) -> Env:
        return Env(self.directory, self.profile, self.uow, self.clock())

    # ---- requests -----------------------------------------------------------------------------------
    def command(self, inv: Invocation) -> list[Private]:
        reply = dispatch.handle(self.env(), inv)
        self.after_request()
        return self._render(reply.private)

    def click(self, click: Click) -> list[Private]:
        reply = dispatch.handle_click(self.env(), click)
        self.after_request()
        return self._render(reply.private)

    def home(self, member_id: str) -> str:
        """A person's start page (Slack's Home tab), rendered: their cases and terms, for a leidinggevende also the
        organisation's (`commands/views.py`). Audited as a look; someone the directory does not know is told so."""
        try:
            reply = views.start_page(self.env(), member_id)
        except ParseError as exc:
            reply = dispatch.refused(self.env(), member_id, "startpagina", None, exc)
        return "\n\n".join(p.text for p in self._render(reply.private))

    def command_error(self, user: str, action: str, exc: ParseError) -> list[Private]:
        """A mistake found before dispatch (the console's own parsing): answered and audited the same way."""
        return self._render(dispatch.refused(self.env(), user, action, None, exc).private)

    def _render(self, messages: list[Message]) -> list[Private]:
        return [Private(m.to or "", self.renderer.render(m.template, m.context), m.template.startswith("weigering/"))
                for m in messages]

    # ---- the clock's jobs ---------------------------------------------------------------------------
    def next_job_at(self, after: datetime) -> datetime | None:
        """The first moment after `after` at which the clock has work: a deadline to look at, or a
        message to (re)try. What is due but waits behind an earlier message of its queue is not work."""
        with Session(self.engine) as session:
            moments = [
                session.execute(select(func.min(DeadlineRow.next_action_at)).where(
                    DeadlineRow.next_action_at > after)).scalar_one(),
                session.execute(select(func.min(OutboxRow.next_attempt_at)).where(
                    OutboxRow.state == "nieuw", OutboxRow.next_attempt_at > after)).scalar_one(),
            ]
        moments = [m for m in moments if m is not None]
        return min(moments) if moments else None

    def tick(self) -> None:
        """The simulated clock's step: the sweep, then delivery of what it wrote."""
        self.sweep_now()
        self.deliver_now()

    def sweep_now(self) -> None:
        started = time.perf_counter()
        result = self.sweeper.run(self.clock())
        self.metrics.sweep.observe(time.perf_counter() - started)
        for rung, n in result.rungs.items():
            self.metrics.rungs.labels(rung).inc(n)
        for kind, n in result.lapsed.items():
            self.metrics.lapsed.labels(kind).inc(n)

    def _failed(self, error: PlatformError) -> None:
        self.metrics.delivery_failures.labels(self.renderer.platform, error_code(str(error))).inc()

    def _gave_up(self, row, error: PlatformError) -> None:
        """A report that could not be shared: whoever asked for it (or was to get it) hears why, in a direct
        message, with what to do about it."""
        if row.kind != Kind.REPORT.value:
            return
        message = reports.failed_message(row.context, row.recipient, error_code(str(error)))
        if message is not None:
            with self.uow() as uow:
                uow.outbox.add(message, case=None, at=self.clock())
                uow.commit()

    def deliver_now(self) -> None:
        self.dispatcher.deliver(self.clock())

    def monthly_reports_now(self) -> list[str]:
        """Last month's report to the organisations the profile names, once, from the first working day on."""
        done = reports.monthly(self.uow, self.directory, self.profile, self.clock())
        if done:
            self.after_request()
        return done

    def janitor_now(self) -> None:
        self.janitor.run(self.clock())

    def synchronise_now(self, on_behalf_of: str | None = None) -> SyncReport:
        """Joiners, movers and leavers: every case channel in line with the directory (`commands/sync.py`)."""
        report = synchronise(self.uow, self.directory, self.profile_for, self.clock(), on_behalf_of=on_behalf_of)
        self.after_request()
        return report

    def retention_now(self, *, dry_run: bool = False, on_behalf_of: str | None = None) -> RetentionReport:
        """Closed cases past their retention period reduced, their channels deleted (`commands/retention.py`)."""
        report = expire(self.uow, self.directory, self.profile, self.profile_for, self.clock(), dry_run=dry_run,
                        on_behalf_of=on_behalf_of)
        self.after_request()
        return report

    def _channel_done(self, kind: str, number: str, at: datetime, ref: str) -> None:
        """The platform archived a case channel, with everyone but the bot taken out, or (after the retention
        period) deleted it or left it archived: so it is recorded."""
        with self.uow() as uow:
            gone = uow.members.forget_case(number)
            if kind == Kind.ARCHIVE.value:
                uow.audit.add(at=at, actor=SYSTEM, action="kanaal_gearchiveerd", outcome="ok", case_number=number,
                              detail={"verwijderd": gone})
            else:   # DELETE: "verwijderd", or "blijft_gearchiveerd" where the platform does not let the bot
                uow.audit.add(at=at, actor=SYSTEM, action="kanaal_verwijderd", outcome=ref, case_number=number,
                              detail={"verwijderd": gone} if gone else None)
            uow.commit()
