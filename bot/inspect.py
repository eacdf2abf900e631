"""The administrator's view of one case (`triagebot casus show`), audited like every other look."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from commands.messages import deadline_view, handover_view, iso


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
                   "outcome": a.outcome} for a in uow.audit.for_case(number)]
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
        "override": {"reason": state.decision.override_reason, "rules": list(state.decision.overridden)}
        if state.decision and state.decision.override_reason else None,
        "ledger": [{"holders": list(e.holders), "start": iso(e.start), "end": iso(e.end), "reason": e.reason,
                    "end_reason": e.end_reason} for e in state.ledger],
        "deadlines": [{**deadline_view(d), "owner": d.owner, "met_at": iso(d.met_at)} for d in state.deadlines],
        "handovers": [handover_view(h) for h in state.handovers],
        "records": [{"kind": r.kind, "at": iso(r.at), "by": r.by, "org": r.org} for r in state.records],
        "closed_at": iso(state.closed_at), "closed_reason": state.closed_reason,
        "audit": audit,
    }


def render_report(r: dict[str, Any]) -> str:
    lines = [f"Casus {r['number']} ({r['profile']}) — {r['status']}, route {r['route'] or '—'}",
             f"Gemeenten: {', '.join(r['gemeenten'])}; ontvangen {r['received_at']}",
             f"Zicht op veiligheid nu: {', '.join(r['holders']) or '—'}", "Grootboek:"]
    lines += [f"  {e['start']} – {e['end'] or '...'}: {', '.join(e['holders'])} ({e['reason']})" for e in r["ledger"]]
    lines.append("Termijnen:")
    lines += [f"  {d['kind']} [{d['owner']}] uiterlijk {d['last_day']}: {d['state']}" for d in r["deadlines"]]
    lines.append("Auditlog:")
    lines += [f"  {a['at']} {a['actor']}: {a['action']} → {a['outcome']}" for a in r["audit"]]
    return "\n".join(lines)
