"""The administrator's view of one case (`triagebot casus show`), audited like every other look."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from commands.messages import deadline_view, handover_view, iso

from .render import Renderer

# records whose free text is part of what happened (checked free text, never the family's details)
TEXT_SHOWN = ("stagnatie", "gemeente_antwoord", "afsluiting_voorstel", "afsluiting_niet_akkoord", "weging_gevraagd",
              "weging_besloten", "monitoring", "monitoring_vervolg", "gezin_niet_geinformeerd")
# what the administrator's text shows of the course of a case, in the bot's own words
COURSE = {"monitoring": "monitoringsmoment", "monitoring_vervolg": "vervolg na de monitoring",
          "weging_gevraagd": "gezamenlijke weging gevraagd", "weging_besloten": "gezamenlijke weging besloten",
          "afsluiting_voorstel": "afsluiten voorgesteld", "afsluiting_akkoord": "afsluiten: akkoord Veilig Thuis",
          "afsluiting_niet_akkoord": "afsluiten: niet akkoord Veilig Thuis", "gezin_geinformeerd": "gezin geïnformeerd",
          "gezin_niet_geinformeerd": "gezin niet vooraf geïnformeerd",
          "document_verstuurd": "overdrachtsdocument verstuurd", "signalen": "signalen gewijzigd",
          "stagnatie": "stagnatie"}


def case_report(uow_factory, number: str, *, actor: str, on_behalf_of: str | None,
                now: datetime) -> dict[str, Any] | None:
    with uow_factory() as uow:
        state = uow.cases.get(number)
        uow.audit.add(at=now, actor=actor, on_behalf_of=on_behalf_of, action="casus show",
                      outcome="ok" if state else "geweigerd:casus_onbekend", case_number=number if state else None)
        uow.commit()
        if state is None:
            return None
        audit = [{"at": iso(a.at), "actor": a.actor, "on_behalf_of": a.on_behalf_of, "action": a.action,
                   "outcome": a.outcome, **({"lid": a.detail["lid"]} if (a.detail or {}).get("lid") else {})}
                 for a in uow.audit.for_case(number)]
        members = uow.members.of_case(number)
    return {
        "number": state.number,
        "profile": state.profile,
        "status": state.status.value,
        "route": state.route.value if state.route else None,
        "weight": state.weight.value if state.weight else None,
        "gemeenten": list(state.gemeenten),
        "received_at": iso(state.received_at),
        "spoed": state.spoed, "anoniem": state.anoniem, "gezinsvoogd": state.gezinsvoogd,
        "signals": sorted(s.value for s in state.signals),
        "holders": list(state.holders),
        "assigned": state.assigned,                 # per organisation, who works on the case
        "channel_members": members,                 # who the bot let into the case channel, and why
        "override": {"reason": state.decision.override_reason, "rules": list(state.decision.overridden)}
        if state.decision and state.decision.override_reason else None,
        "ledger": [{"holders": list(e.holders), "start": iso(e.start), "end": iso(e.end), "reason": e.reason,
                    "end_reason": e.end_reason} for e in state.ledger],
        "regie": list(state.regie_holders),
        "regie_ledger": [{"holders": list(e.holders), "start": iso(e.start), "end": iso(e.end), "reason": e.reason,
                          "end_reason": e.end_reason} for e in state.regie],
        "deadlines": [{**deadline_view(d), "owner": d.owner, "met_at": iso(d.met_at)} for d in state.deadlines],
        "handovers": [handover_view(h) for h in state.handovers],
        "records": [{"kind": r.kind, "at": iso(r.at), "by": r.by, "org": r.org,
                     **({"tekst": r.text} if r.kind in TEXT_SHOWN and r.text else {}),
                     **({"bron": r.source} if r.source else {})} for r in state.records],
        "closed_at": iso(state.closed_at), "closed_reason": state.closed_reason,
        "reduced_at": iso(state.reduced_at),
        "audit": audit,
    }


def render_report(r: dict[str, Any], renderer: Renderer) -> str:
    """The report for a person: local times (Europe/Amsterdam) and the bot's own words for every code, from the
    vocabulary (templates/_woorden.j2); the JSON keeps the codes."""
    w, moment, org = renderer.words, renderer.moment, renderer.org

    def word(table: dict[str, str], code: str | None) -> str:
        return "—" if code is None else table.get(code, code.replace("_", " "))

    def orgs(ids: list[str]) -> str:
        return ", ".join(org(i) for i in ids) or "—"

    route = word(w.routes, r["route"]) + (f"; zwaarte {word(w.gewicht, r['weight'])}" if r["weight"] else "")
    flags = [name for name, on in (("spoed", r["spoed"]), ("anoniem", r["anoniem"]), ("gezinsvoogd", r["gezinsvoogd"]))
             if on]
    lines = [f"Casus {r['number']} (profiel {r['profile']}) — {word(w.statussen, r['status'])}",
             f"Route: {route if r['route'] else '—'}",
             f"Gemeenten: {', '.join(r['gemeenten'])}; ontvangen {moment(r['received_at'])}"]
    if flags or r["signals"]:
        lines.append("Kenmerken: " + ", ".join(flags + [word(w.signalen, s) for s in r["signals"]]))
    lines.append(f"Zicht op veiligheid nu: {orgs(r['holders'])}")
    lines.append(f"Casusregie nu: {orgs(r['regie'])}")
    lines.append("Toegewezen: " + (", ".join(f"{renderer.member(m)} ({org(o)})" for o, m in r["assigned"].items())
                                   or "—"))
    lines.append("In het casuskanaal: " + (", ".join(f"{renderer.member(m)} ({why})" for m, why in
                                                     sorted(r["channel_members"].items())) or "niemand"))
    if r["override"]:
        reason = r["override"]["reason"] or "(de reden is na de bewaartermijn niet meer bewaard)"
        lines.append(f"Afgeweken van de regels ({', '.join(r['override']['rules'])}): {reason}")
    if r["closed_at"]:
        lines.append(f"Gesloten {moment(r['closed_at'])}: {w.sluitredenen.get(r['closed_reason'], r['closed_reason'])}")
    if r["reduced_at"]:
        lines.append(f"Ingekort na de bewaartermijn op {moment(r['reduced_at'])}: vrije teksten en wie wat deed "
                     "staan alleen nog in de auditlog")
    lines.append("Grootboek:")
    lines += [f"  {moment(e['start'])} – {moment(e['end']) if e['end'] else 'nu'}: {orgs(e['holders'])} "
              f"({word(w.verschuivingen, e['reason'])})" for e in r["ledger"]]
    lines.append("Casusregie:")
    lines += [f"  {moment(e['start'])} – {moment(e['end']) if e['end'] else 'nu'}: {orgs(e['holders'])} "
              f"({word(w.verschuivingen, e['reason'])})" for e in r["regie_ledger"]]
    lines.append("Termijnen:")
    lines += [f"  {word(w.termijnen, d['kind'])} — {org(d['owner'])}, uiterlijk {renderer.day(d['last_day'])}: "
              f"{word(w.termijnstanden, d['state'])}" for d in r["deadlines"]]
    if r["handovers"]:
        lines.append("Overdrachten:")
        lines += [f"  {h['seq']}. {word(w.overdrachtsoorten, h['kind'])} aan {orgs(h['receivers'])}, gevraagd "
                  f"{moment(h['requested_at'])}: {word(w.overdrachtstanden, h['state'])}"
                  + (f" — {h['refusal']['reason']}" if h["refusal"] else "") for h in r["handovers"]]
    course = [r for r in r["records"] if r["kind"] in COURSE]
    if course:
        lines.append("Verloop:")
        lines += [f"  {moment(x['at'])} {COURSE[x['kind']]} ({org(x['org'])})"
                  + (f": {x['bron']}" if x.get("bron") else "") + (f" — {x['tekst']}" if x.get("tekst") else "")
                  for x in course]
    lines.append("Auditlog:")
    lines += [f"  {moment(a['at'])} {a['actor']}"
              + (f" (namens {a['on_behalf_of']})" if a["on_behalf_of"] else "")
              + f": {_action(a['action'], w.knoppen)}" + (f" {a['lid']}" if a.get("lid") else "")
              + f" → {_outcome(a['outcome'])}" for a in r["audit"]]
    return "\n".join(lines)


def _action(action: str, buttons: dict[str, str]) -> str:
    kind, _, name = action.partition(":")
    return f"klik {buttons.get(name, name)}" if kind == "klik" and name else action


def _outcome(outcome: str) -> str:
    if outcome == "ok":
        return "gelukt"
    verdict, _, why = outcome.partition(":")
    return f"{verdict}: {why.replace('_', ' ')}" if why else verdict.replace("_", " ")
