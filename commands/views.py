"""Looking, not changing: `/casus status`, `/tafel agenda`, `/tafel overzicht` and the help. Every look is
audited."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from models.calendar import AMS
from models.case import CaseState, case_order, channel_name
from models.lifecycle import catch_up
from models.membership import involved
from models.overview import Line, overview
from models.rules import Context
from models.types import HandoverState, OrgKind, Role, Status

from . import access
from .casus import Request, answer
from .messages import case_view, handover_view, iso
from .model import Env, Reply
from .parse import ParseError, optional_date


def _audit_look(req: Request, number: str | None, detail: dict) -> None:
    with req.env.unit() as uow:
        uow.audit.add(at=req.env.now, actor=req.member.id, action=req.action, outcome="ok",
                      case_number=number, detail=detail)
        uow.commit()


def status(req: Request) -> Reply:
    number = req.case_number()
    req.args.no_more()
    with req.env.unit() as uow:      # the look and its audit entry in one transaction
        state = uow.cases.get(number)
        if state is None:
            raise ParseError("casus_onbekend", nummer=number)
        access.require_involved(state, req.member)     # refused: nothing written here (the refusal is audited)
        uow.audit.add(at=req.env.now, actor=req.member.id, action=req.action, outcome="ok", case_number=number,
                      detail={"kanaal": req.channel} if req.channel else {})
        uow.commit()
    state, _ = catch_up(state, req.ctx())      # show what the clock did, without changing anything
    view = case_view(state)
    return Reply([answer("status", req.member.id, view=view,
                         handovers=[handover_view(h, state.holders) for h in state.handovers])])


def agenda(req: Request) -> Reply:
    env = req.env
    kind = access.kind_of(env.directory, req.member)
    if kind not in (OrgKind.VT, OrgKind.LT, OrgKind.GI):
        raise access.Denied("alleen_tafel", handeling="agenda")
    day = optional_date(req.args) or req.ctx().today
    req.args.no_more()
    at = env.now if day == req.ctx().today else datetime.combine(day, time(9), AMS)
    served = set(env.directory.org(req.member.org_id).gemeenten)
    with env.unit() as uow:
        states = [s for s in uow.cases.open_cases()
                  if set(s.gemeenten) & served and req.member.org_id in access.involved(s)]
    soon = env.profile.calendar.werkdag_after(day, 1)
    per_gemeente: dict[str, dict[str, list]] = {}
    shown = []
    for s in sorted(states, key=lambda x: case_order(x.number)):
        s, _ = catch_up(s, Context(now=at, actor=req.member.id, actor_org=req.member.org_id,
                                   profile=env.profile))
        items = _items(s, soon)
        if not items:
            continue
        shown.append(s.number)
        for g in s.gemeenten:
            if g in served:
                bucket = per_gemeente.setdefault(g, {"nieuw": [], "termijn": [], "geweigerd": [], "open": []})
                for section, entry in items:
                    bucket[section].append(entry)
    _audit_look(req, None, {"datum": day.isoformat(), "casussen": shown})
    return Reply([answer("agenda", req.member.id, day=day.isoformat(),
                         gemeenten=[{"name": g, **v} for g, v in sorted(per_gemeente.items())])])


OVERVIEW_LIMIT = 40      # cases in one message; the rest (the least urgent) are counted
LEADS = (Role.LEIDINGGEVENDE, Role.GEDRAGSWETENSCHAPPER)


def overzicht(req: Request) -> Reply:
    """`/tafel overzicht`: the organisation's open cases for its leidinggevende or gedragswetenschapper, most
    urgent first (`models/overview.py`). Audited as one look, naming the cases shown."""
    if req.member.role not in LEADS:
        raise access.Denied("alleen_leidinggevende", handeling="overzicht")
    req.args.no_more()
    env, ctx = req.env, req.ctx()
    org = req.member.org_id
    with env.unit() as uow:
        states = [catch_up(s, ctx)[0] for s in uow.cases.open_cases() if org in involved(s)]
        lines = overview(states, {org}, _soon(env, ctx), env.profile.calendar)
        mine = uow.members.cases_of(req.member.id)
        shown = lines[:OVERVIEW_LIMIT]
        uow.audit.add(at=env.now, actor=req.member.id, action=req.action, outcome="ok",
                      detail={"casussen": [line.number for line in shown]})
        uow.commit()
    return Reply([answer("overzicht", req.member.id, org=org, now=iso(env.now),
                         cases=[line_view(line, line.number in mine) for line in shown],
                         more=len(lines) - len(shown))])


def start_page(env: Env, member_id: str, limit: int = OVERVIEW_LIMIT) -> Reply:
    """A person's start page (Slack's Home tab): the open cases whose channel they are in, with their terms, and
    for a leidinggevende or gedragswetenschapper also the organisation's overview. Audited as one look."""
    member = access.member(env.directory, member_id)
    ctx = Context(now=env.now, actor=member.id, actor_org=member.org_id, profile=env.profile)
    lead = member.role in LEADS
    with env.unit() as uow:
        mine = uow.members.cases_of(member.id)
        states = [catch_up(s, ctx)[0] for s in uow.cases.open_cases()
                  if s.number in mine or (lead and member.org_id in involved(s))]
        soon = _soon(env, ctx)
        own = overview([s for s in states if s.number in mine], None, soon, env.profile.calendar)[:limit]
        org = overview(states, {member.org_id}, soon, env.profile.calendar)[:limit] if lead else []
        uow.audit.add(at=env.now, actor=member.id, action="startpagina", outcome="ok",
                      detail={"casussen": sorted({line.number for line in own + org}, key=case_order)})
        uow.commit()
    return Reply([answer("startpagina", member.id, org=member.org_id, now=iso(env.now), lead=lead,
                         own=[line_view(line, True) for line in own],
                         org_cases=[line_view(line, line.number in mine) for line in org])])


def _soon(env: Env, ctx: Context) -> datetime:
    """Due within two working days: by the end of the second working day from today."""
    return datetime.combine(env.profile.calendar.werkdag_after(ctx.today, 2) + timedelta(days=1), time(0), AMS)


def line_view(line: Line, in_channel: bool) -> dict:
    return {"number": line.number, "channel": channel_name(line.number), "in_channel": in_channel,
            "status": line.status, "zicht": list(line.zicht), "regie": list(line.regie),
            "terms": [{"kind": t.kind, "owner": t.owner, "due": iso(t.due), "late": t.late, "reached": t.reached,
                       "taken_up_by": t.taken_up_by} for t in line.terms]}


def _items(s: CaseState, soon) -> list[tuple[str, dict]]:
    items: list[tuple[str, dict]] = []
    view = case_view(s)
    if s.status is Status.TRIAGE:
        triage = next((d for d in view["deadlines"] if d["kind"] == "triage"), None)
        items.append(("nieuw", view))
        if triage and (triage["state"] == "verlopen" or triage["last_day"] <= iso(soon)):
            items.append(("termijn", {**view, "triage": triage}))
    last = s.handovers[-1] if s.handovers else None
    if s.status is Status.TE_OVERDRAGEN and last and last.state is HandoverState.GEWEIGERD:
        items.append(("geweigerd", {**view, "handover": handover_view(last)}))
    if s.status is Status.OVERDRACHT and last:
        items.append(("open", {**view, "handover": handover_view(last)}))
    return items


def help_(req: Request) -> Reply:
    topic = req.args.pop_word()
    if topic is not None and topic not in HELP_TOPICS:
        raise ParseError("onbekend_onderwerp", onderwerp=topic, onderwerpen=list(HELP_TOPICS))
    return Reply([answer("help", req.member.id, topic=topic)])


HELP_TOPICS = ("nieuw", "besluit", "overdracht", "bevestig", "document", "dienst", "contact", "geinformeerd",
               "huisverbod", "monitoring", "signaal", "weging", "stagnatie", "antwoord", "pauzeer", "status", "sluiten",
               "afsluiten", "agenda", "overzicht", "rapport", "knoppen")
