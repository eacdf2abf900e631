"""The entry point for every adapter: an invocation or a click in, a `Reply` out. Nothing escapes:
a mistake becomes a Dutch answer to the person and an entry in the audit log, and changes nothing.
"""

from __future__ import annotations

import logging

from models.case import CASE_NUMBER

from . import access, casus, reports, views
from .casus import Request, refusal
from .model import Click, Env, Invocation, Reply
from .parse import ParseError, case_from_channel, split
from .ports import ConcurrentChange
from .unit import Failed

log = logging.getLogger("triagebot.commands")

CASUS: dict[str, casus.Handler] = {
    "nieuw": casus.nieuw, "besluit": casus.besluit, "overdracht": casus.overdracht, "dienst": casus.dienst,
    "contact": casus.contact, "huisverbod": casus.huisverbod, "monitoring": casus.monitoring,
    "stagnatie": casus.stagnatie, "sluiten": casus.sluiten, "status": views.status, "help": views.help_,
    "pauzeer": casus.pauzeer, "hervat": casus.hervat, "geinformeerd": casus.geinformeerd, "antwoord": casus.antwoord,
    "afsluiten": casus.afsluiten, "weging": casus.weging, "signaal": casus.signaal,
    "document": casus.document, "bevestig": casus.bevestig, "toewijzen": casus.toewijzen,
}
TAFEL: dict[str, casus.Handler] = {"agenda": views.agenda, "overzicht": views.overzicht, "rapport": reports.rapport,
                                  "help": views.help_}
COMMANDS = {"/casus": CASUS, "/tafel": TAFEL}


UNKNOWN = "?"     # in the audit log instead of a word that is no command: what people type is no log entry


def handle(env: Env, inv: Invocation) -> Reply:
    table = COMMANDS.get(inv.command)
    action = inv.command if table is not None else f"opdracht {UNKNOWN}"
    number = case_from_channel(inv.channel)
    try:
        if table is None:
            raise ParseError("onbekend_commando", commando=inv.command)
        member = access.member(env.directory, inv.user)
        args = split(inv.text)
        sub = args.pop_word() or "help"
        handler = table.get(sub)
        action = f"{inv.command} {sub if handler is not None else UNKNOWN}"
        if handler is None:
            raise ParseError("onbekende_opdracht", commando=inv.command, opdracht=sub, opdrachten=sorted(table))
        return handler(Request(env, member, args, inv.channel, action))
    except Exception as exc:
        return failure(env, inv.user, action, number, exc)


def handle_click(env: Env, click: Click) -> Reply:
    try:
        return casus.click(env, click)
    except Exception as exc:
        return failure(env, click.user, f"klik:{click.action}", click.value.partition(":")[0], exc)


def failure(env: Env, user: str, action: str, number: str | None, exc: Exception) -> Reply:
    """Whatever went wrong becomes a Dutch answer: a mistake says what to change, a change that another one
    kept getting in the way of says to try again, a failure of the bot says so. Nothing was changed."""
    if isinstance(exc, ParseError):
        return refused(env, user, action, number, exc)
    if isinstance(exc, ConcurrentChange):
        return refused(env, user, action, number, ParseError("bezet"))
    if isinstance(exc, Failed):            # rolled back and audited where it happened
        return Reply([refusal(user, "storing", {"case": number})])
    log.error("command failed", exc_info=exc, extra={"action": action})
    return refused(env, user, action, number, ParseError("storing"))


def refused(env: Env, user: str, action: str, number: str | None, exc: ParseError) -> Reply:
    """A mistake: audited, answered privately in Dutch, nothing changed. The audit entry names the case only
    by a well-formed case number (never other words that were typed where a number belongs)."""
    number = number if number and CASE_NUMBER.match(number) else None
    try:
        with env.unit() as uow:
            uow.audit.add(at=env.now, actor=user, action=action, outcome=f"geweigerd:{exc.key}", case_number=number)
            uow.commit()
    except Exception:   # the answer still goes out; the log says the entry is missing
        log.exception("audit entry for a refusal not written", extra={"action": action})
    return Reply([refusal(user, exc.key, {"case": number, **exc.params})])
