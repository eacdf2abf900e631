"""The entry point for every adapter: an invocation or a click in, a `Reply` out. Nothing escapes:
a mistake becomes a Dutch answer to the person and an entry in the audit log, and changes nothing.
"""

from __future__ import annotations

from . import access, casus, views
from .casus import Request, refusal
from .model import Click, Env, Invocation, Reply
from .parse import ParseError, case_from_channel, split

CASUS: dict[str, casus.Handler] = {
    "nieuw": casus.nieuw, "besluit": casus.besluit, "overdracht": casus.overdracht, "dienst": casus.dienst,
    "contact": casus.contact, "huisverbod": casus.huisverbod, "monitoring": casus.monitoring,
    "stagnatie": casus.stagnatie, "sluiten": casus.sluiten, "status": views.status, "help": views.help_,
    "pauzeer": casus.pauzeer, "hervat": casus.hervat,
}
TAFEL: dict[str, casus.Handler] = {"agenda": views.agenda, "help": views.help_}
COMMANDS = {"/casus": CASUS, "/tafel": TAFEL}


def handle(env: Env, inv: Invocation) -> Reply:
    action = inv.command
    try:
        table = COMMANDS.get(inv.command)
        if table is None:
            raise ParseError("onbekend_commando", commando=inv.command)
        member = access.member(env.directory, inv.user)
        args = split(inv.text)
        sub = args.pop_word() or "help"
        action = f"{inv.command} {sub}"
        handler = table.get(sub)
        if handler is None:
            raise ParseError("onbekende_opdracht", commando=inv.command, opdracht=sub, opdrachten=sorted(table))
        return handler(Request(env, member, args, inv.channel, action))
    except ParseError as exc:
        return refused(env, inv.user, action, case_from_channel(inv.channel), exc)


def handle_click(env: Env, click: Click) -> Reply:
    action = f"klik:{click.action}"
    try:
        return casus.click(env, click)
    except ParseError as exc:
        return refused(env, click.user, action, click.value.partition(":")[0] or None, exc)


def refused(env: Env, user: str, action: str, number: str | None, exc: ParseError) -> Reply:
    """A mistake: audited, answered privately in Dutch, nothing changed."""
    with env.unit() as uow:
        uow.audit.add(at=env.now, actor=user, action=action, outcome=f"geweigerd:{exc.key}",
                      case_number=number if number and number.startswith("VT-") else None)
        uow.commit()
    return Reply([refusal(user, exc.key, {"case": number, **exc.params})])
