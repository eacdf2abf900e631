"""Reports in the chat (`/tafel rapport`, the monthly report): the figures of one month for one organisation
(`models/report.py` `Scope`) as two files the outbox shares — a PNG summary to see at a glance in the chat, and the
whole report as one self-contained HTML file. Built when the message is delivered, from the cases as they are
then; the outbox row holds only the month and the organisation, never figures or case data."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from models.directory import Directory
from models.profile import Profile
from models.report import scope_of

from ..port import Attachment, PlatformError
from ..render import Renderer
from . import figures, render_html

HTML = "text/html"
PNG = "image/png"


class Reports:
    """What the outbox needs to deliver a report message (`Kind.REPORT`): its files, and where an organisation's
    reports go on this platform."""

    def __init__(self, uow: Callable, directory: Directory, profile: Profile, platform: str):
        self.uow, self.directory, self.profile, self.platform = uow, directory, profile, platform
        self._renderer: Renderer | None = None

    @property
    def renderer(self) -> Renderer:
        """The words of the files (made once, when the first report is)."""
        if self._renderer is None:
            self._renderer = Renderer(self.directory, "console", self.profile.wording)
        return self._renderer

    def files(self, context: dict) -> list[Attachment]:
        from . import charts  # matplotlib: loaded only where a report is made

        org = self.directory.organisations.get(context["organisatie"])
        if org is None:        # the organisation left the directory since: nobody to report to
            raise PlatformError(f"organisation {context['organisatie']} is not in the directory", permanent=True)
        start, end = date.fromisoformat(context["van"]), date.fromisoformat(context["tot"])
        words = self.renderer.words
        rep = figures(self.uow, self.directory, self.profile, start, end, words, scope=scope_of(org))
        month = self.renderer.month(start)
        title = f"{org.name}, {month}" if org.name == self.profile.title else \
            f"{self.profile.title} — {org.name}, {month}"
        stem = f"rapport-{start:%Y-%m}-{org.id}"
        names = words.rapport_bestanden
        return [Attachment(f"{stem}.png", PNG, f"{names['samenvatting']} {month}", charts.summary(rep, title, words)),
                Attachment(f"{stem}.html", HTML, f"{names['rapport']} {month} {names['browser']}",
                           render_html(rep, title, charts.all_charts(rep, words), words).encode())]

    def channel(self, org_id: str) -> str:
        """The platform id of the organisation's report channel (`rapportkanaal` in the directory)."""
        org = self.directory.organisations.get(org_id)
        channel = org.report_channels.get(self.platform) if org else None
        if channel is None:
            raise PlatformError(f"no report channel for {org_id} on {self.platform}", permanent=True)
        return channel
