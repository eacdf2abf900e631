"""A month's report in the chat (issue 16): `/tafel rapport` for a leidinggevende, and the monthly report the
clock sends where the profile asks for it. Both queue a report message (`Kind.REPORT`); its files are built when it
is delivered (`bot/report/chat.py`). The message holds the month and the organisation, nothing of a case."""

from __future__ import annotations

import re
from datetime import date, datetime

from models.calendar import AMS
from models.directory import Directory, Organisation
from models.profile import Profile
from models.report import month_before, scope_of
from models.types import REPORT_RECEIVERS, Role

from . import access
from .casus import Request, answer
from .membership import SYSTEM
from .model import Audience, Kind, Message, Reply
from .parse import ParseError


def report_message(org: Organisation, start: date, end: date, *, to: str | None, asked_by: str | None) -> Message:
    """The report of `org` over [start, end): to a person (`to`), or else to the organisation's report channel."""
    context = {"van": start.isoformat(), "tot": end.isoformat(), "organisatie": org.id, "soort": org.kind.value,
               "verborgen": scope_of(org).hide, "gevraagd_door": asked_by}
    if to is not None:
        return Message("rapport", context, Audience.DM, kind=Kind.REPORT, to=to)
    return Message("rapport", context, Audience.CHANNEL, kind=Kind.REPORT, channel=f"rapport:{org.id}")


def failed_message(context: dict, recipient: str | None, error: str) -> Message | None:
    """The report of `context` could not be shared (`error`: the platform's code): a direct message to whoever asked
    for it, or else to whom it was going; a monthly report to a channel has nobody to tell (the janitor reports
    it to the administrator)."""
    to = context.get("gevraagd_door") or recipient
    if to is None:
        return None
    return Message("rapport_mislukt", {"van": context["van"], "organisatie": context["organisatie"], "fout": error,
                                       "kanaal": recipient is None}, Audience.DM, to=to)


def _month(req: Request, today: date) -> tuple[date, date]:
    """The month asked for (JJJJ-MM), by default the last one; only a month that is over."""
    for i, word in enumerate(req.args.words):
        if re.fullmatch(r"\d{4}-\d{1,2}", word):
            del req.args.words[i]
            year, month = (int(x) for x in word.split("-"))
            if not 1 <= month <= 12 or date(year, month, 1) >= today.replace(day=1):     # no month, or not over
                raise ParseError("rapport_maand", maand=word, vorige=f"{month_before(today)[0]:%Y-%m}")
            return date(year, month, 1), date(year + month // 12, month % 12 + 1, 1)
    return month_before(today)


def rapport(req: Request) -> Reply:
    """`/tafel rapport [JJJJ-MM] [kanaal]`: the month's report of the leidinggevende's organisation, to them or to
    its report channel. Audited."""
    if req.member.role is not Role.LEIDINGGEVENDE:
        raise access.Denied("alleen_leidinggevende", handeling="rapport")
    env = req.env
    org = env.directory.org(req.member.org_id)
    to_channel = req.args.take_flag("kanaal")
    start, end = _month(req, req.ctx().today)
    req.args.no_more()
    if to_channel and not org.report_channels:
        raise ParseError("geen_rapportkanaal", org=org.id)
    message = report_message(org, start, end, to=None if to_channel else req.member.id, asked_by=req.member.id)
    with env.unit() as uow:
        uow.outbox.add(message, case=None, at=env.now)
        uow.audit.add(at=env.now, actor=req.member.id, action=req.action, outcome="ok",
                      detail={"maand": f"{start:%Y-%m}", "organisatie": org.id,
                              "naar": "rapportkanaal" if to_channel else "prive"})
        uow.commit()
    return Reply([answer("rapport_onderweg", req.member.id, maand=start.isoformat(), org=org.id,
                         kanaal=to_channel, verborgen=scope_of(org).hide)])


def monthly_due(profile: Profile, now: datetime) -> tuple[date, date] | None:
    """The month whose report goes out now: from 09:00 on the first working day of the next month; None while
    it is not yet time."""
    local = now.astimezone(AMS)
    first = local.date().replace(day=1)
    first_workday = first if profile.calendar.is_werkdag(first) else profile.calendar.werkdag_after(first, 1)
    if local.date() < first_workday or (local.date() == first_workday and local.hour < 9):
        return None
    return month_before(local.date())


def monthly(uow_factory, directory: Directory, profile: Profile, now: datetime) -> list[str]:
    """Queue last month's report for every organisation of the kinds the profile names that has not had it yet,
    each in its own transaction with the mark that it went (`uow.reports`), so that it goes once, whichever
    process runs the clock and however often. Returns the organisations that got it now."""
    month = monthly_due(profile, now)
    if month is None or not profile.monthly_report:
        return []
    done = []
    for org in directory.organisations.values():
        if org.kind not in profile.monthly_report:
            continue
        receivers = [] if org.report_channels else [m.id for m in directory.members_of(org.id)
                                                       if m.role is REPORT_RECEIVERS[org.kind]]
        if not org.report_channels and not receivers:
            continue
        with uow_factory() as uow:
            if not uow.reports.mark(f"{month[0]:%Y-%m}", org.id, now):
                continue                       # sent before
            messages = [report_message(org, *month, to=m, asked_by=None) for m in receivers] or \
                [report_message(org, *month, to=None, asked_by=None)]
            for message in messages:
                uow.outbox.add(message, case=None, at=now)
            uow.audit.add(at=now, actor=SYSTEM, action="maandrapport", outcome="ok",
                          detail={"maand": f"{month[0]:%Y-%m}", "organisatie": org.id,
                                  "naar": receivers or "rapportkanaal"})
            uow.commit()
        done.append(org.id)
    return done
