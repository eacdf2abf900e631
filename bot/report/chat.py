"""Reports in the chat (`/tafel rapport`, the monthly report): the figures of one month for one organisation
(`models/report.py` `Scope`) as two files the outbox shares — a PNG summary to see at a glance in the chat, and the
whole report as one self-contained HTML file. Built when the message is delivered, from the cases as they are
then; the outbox row holds only the month and the organisation, never figures or case data."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

from models.calendar import AMS, Unit
from models.directory import Directory
from models.profile import Profile
from models.report import STEPS, Report, Scope, report, scope_of

from ..port import Attachment, PlatformError
from ..render import Renderer
from . import render_html

HTML = "text/html"
PNG = "image/png"


def norms(profile: Profile) -> dict[str, int]:
    """The profile's terms per step, where they run in working days."""
    terms = {STEPS[0]: profile.triage_term, STEPS[1]: profile.confirmation_term, STEPS[2]: profile.first_contact.direct}
    return {step: t.n for step, t in terms.items() if t is not None and t.unit is Unit.WERKDAGEN}


def vocabulary(directory: Directory, profile: Profile) -> Any:
    """The bot's words (templates/_woorden.j2), with the region's name for the lokaal team."""
    return Renderer(directory, "console", profile.wording).words


def figures(uow: Callable, directory: Directory, profile: Profile, start: date, end: date, words: Any, *,
            gemeente: str | None = None, scope: Scope | None = None) -> Report:
    """The report over the meldingen received from `start` up to `end`, for a gemeente or an organisation."""
    with uow() as u:
        states = u.cases.received_between(*(datetime.combine(d, time(0), AMS) for d in (start, end)))
    return report(states, profile.calendar, start, end, gemeente=gemeente,
                  only=scope.covers if scope else None, hide=scope.hide if scope else None, norms=norms(profile),
                  org_name=lambda org_id: (o.name if (o := directory.organisations.get(org_id)) else org_id),
                  word=lambda vocabulary, key: getattr(words, vocabulary).get(key, key))


def month_name(words, start: date) -> str:
    return f"{words.maanden[start.month - 1]} {start.year}"


class Reports:
    """What the outbox needs to deliver a report message (`Kind.REPORT`): its files, and where an organisation's
    reports go on this platform."""

    def __init__(self, uow: Callable, directory: Directory, profile: Profile, platform: str):
        self.uow, self.directory, self.profile, self.platform = uow, directory, profile, platform
        self._words: Any = None

    @property
    def words(self) -> Any:
        if self._words is None:        # made once, when the first report is
            self._words = vocabulary(self.directory, self.profile)
        return self._words

    def files(self, context: dict) -> list[Attachment]:
        from . import charts  # matplotlib: loaded only where a report is made

        org = self.directory.organisations.get(context["organisatie"])
        if org is None:        # the organisation left the directory since: nobody to report to
            raise PlatformError(f"organisation {context['organisatie']} is not in the directory", permanent=True)
        start, end = date.fromisoformat(context["van"]), date.fromisoformat(context["tot"])
        rep = figures(self.uow, self.directory, self.profile, start, end, self.words, scope=scope_of(org))
        month = month_name(self.words, start)
        title = f"{org.name}, {month}" if org.name == self.profile.title else \
            f"{self.profile.title} — {org.name}, {month}"
        stem = f"rapport-{start:%Y-%m}-{org.id}"
        names = self.words.rapport_bestanden
        return [Attachment(f"{stem}.png", PNG, f"{names['samenvatting']} {month}",
                           charts.summary(rep, title, self.words)),
                Attachment(f"{stem}.html", HTML, f"{names['rapport']} {month} {names['browser']}",
                           render_html(rep, title, charts.all_charts(rep, self.words), self.words).encode())]

    def channel(self, org_id: str) -> str:
        """The platform id of the organisation's report channel (`rapportkanaal` in the directory)."""
        org = self.directory.organisations.get(org_id)
        channel = org.report_channels.get(self.platform) if org else None
        if channel is None:
            raise PlatformError(f"no report channel for {org_id} on {self.platform}", permanent=True)
        return channel
