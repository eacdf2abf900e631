"""What the case channel and the people around a case are told after an accepted change.

The domain's notes become messages (template + context); contexts hold plain JSON values, because
they wait in the outbox until they are delivered and rendered for one platform.
"""

from __future__ import annotations

from typing import Any

from models.calendar import last_day
from models.case import CaseState, Deadline, Handover, Note, channel_name
from models.directory import Directory
from models.types import HANDOVER_ROUTES, DeadlineKind, Role, Stabiel

from .ladder import Around, rung_messages
from .model import Audience, Button, Kind, Message

ESCALATIONS = (DeadlineKind.STAGNATIE, DeadlineKind.OVERDRACHT_WACHT)


def iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def deadline_view(d: Deadline) -> dict[str, Any]:
    return {"seq": d.seq, "kind": d.kind.value, "owner": d.owner, "due": iso(d.due),
            "last_day": iso(last_day(d.due)), "state": d.state.value, "ref": d.ref, "paused_at": iso(d.paused_at)}


def handover_key(number: str, seq: int) -> str:
    return f"{number}/overdracht/{seq}"


def handover_view(h: Handover, holders: tuple[str, ...] = (), document: Any = None) -> dict[str, Any]:
    return {
        "seq": h.seq, "kind": h.kind.value, "receivers": list(h.receivers), "state": h.state.value,
        # the receiver holds zicht op veiligheid already (placing or the table's decision was the moment)
        "moved": h.state.value == "open" and bool(h.receivers) and tuple(h.receivers) == tuple(holders),
        "requested_at": iso(h.requested_at), "checklist": list(h.checklist),
        "waiting_for": list(h.waiting_for),
        "confirmations": [{"org": c.org, "by": c.by, "at": iso(c.at)} for c in h.confirmations],
        "refusal": {"org": h.refusal.org, "by": h.refusal.by, "at": iso(h.refusal.at),
                    "reason": h.refusal.reason} if h.refusal else None,
        "document": {"by": document.by, "at": iso(document.at)} if document is not None else None,
    }


def case_view(s: CaseState) -> dict[str, Any]:
    since = s.ledger[-1].start if s.holders else None
    return {
        "number": s.number, "status": s.status.value, "gemeenten": list(s.gemeenten),
        "received_at": iso(s.received_at), "spoed": s.spoed, "anoniem": s.anoniem,
        "gezinsvoogd": s.gezinsvoogd, "signals": sorted(x.value for x in s.signals),
        "route": s.route.value if s.route else None, "weight": s.weight.value if s.weight else None,
        "holders": list(s.holders), "holders_since": iso(since),
        "holder_reason": s.ledger[-1].reason if s.holders else None,
        "regie": list(s.regie_holders),
        "assigned": s.assigned, "regie_since": iso(s.regie[-1].start) if s.regie_holders else None,
        "regie_reason": s.regie[-1].reason if s.regie_holders else None,
        "proposal": {"org": s.closing_proposal.org, "at": iso(s.closing_proposal.at)} if s.closing_proposal else None,
        # terms; a stagnation or a handover left waiting is an escalation, shown as such (below, handovers)
        "deadlines": [deadline_view(d) for d in s.active_deadlines() if d.kind not in ESCALATIONS],
        "stagnations": [stagnation_of(s, int(ref)) for ref in dict.fromkeys(
            d.ref for d in s.active_deadlines() if d.kind is DeadlineKind.STAGNATIE and d.ref.isdigit())],
        "house_ban": {"start": iso(s.house_ban.start), "extended": s.house_ban.extended,
                      "ended": iso(s.house_ban.ended)} if s.house_ban else None,
        "closed_reason": s.closed_reason,
    }


def stagnation_of(s: CaseState, record: int) -> dict[str, Any]:
    """A stagnation as its messages tell it: between whom, raised by whom, why, and who is asked first."""
    r = s.records[record - 1]
    mine = [d for d in s.deadlines if d.kind is DeadlineKind.STAGNATIE and d.ref == str(record)]
    first = mine[0].ladder[0].target.value if mine and mine[0].ladder else "leidinggevende"
    return {"tussen": list(dict.fromkeys(d.owner for d in mine)), "door": r.org, "reden": r.text, "bron": r.source,
            "naar": first, "sinds": iso(r.at)}


def around(s: CaseState, deadline_seq: int | None = None) -> Around:
    """What a rung of this case needs to know beyond its deadline."""
    stagnation: dict[str, Any] = {}
    d = next((x for x in s.deadlines if x.seq == deadline_seq), None)
    if d is not None and d.kind is DeadlineKind.STAGNATIE and d.ref.isdigit():
        stagnation = stagnation_of(s, int(d.ref))
    answer = next((x for x in s.deadlines if x.kind is DeadlineKind.GEMEENTE_ANTWOORD and x.is_active), None)
    return Around(vt=s.orgs.vt if s.orgs else "", lts=s.orgs.lts if s.orgs else (),
                  gemeenten=s.orgs.gemeenten if s.orgs else (), stagnation=stagnation,
                  answer_due=iso(answer.due) if answer else None, assigned=s.assigned)


def _post(s: CaseState, template: str, **context: Any) -> Message:
    return Message(template, {"case": s.number, **context}, Audience.CHANNEL, channel=channel_name(s.number))


def _dm(to: str, template: str, **context: Any) -> Message:
    return Message(template, context, Audience.DM, to=to)


def archive_message(number: str, not_before) -> Message:
    return Message("kanaal_archief", {"case": number}, Audience.CHANNEL, kind=Kind.ARCHIVE,
                   channel=channel_name(number), not_before=not_before)


def delete_message(number: str) -> Message:
    return Message("kanaal_verwijderd", {"case": number}, Audience.CHANNEL, kind=Kind.DELETE,
                   channel=channel_name(number))


def handover_card(s: CaseState, h: Handover, kind: Kind = Kind.POST) -> Message:
    """The request: the receiver's buttons while it is open, VT's "document sent" until it is."""
    open_ = h.state.value == "open"
    value = f"{s.number}:{h.seq}"
    document = s.document_sent(h.seq)
    buttons = (Button("bevestig", value, "primary"), Button("weiger", value, "danger")) if open_ else ()
    if document is None and h.state.value in ("open", "bevestigd") and s.status.value != "gesloten":
        buttons += (Button("document", value, "primary"),)
    if h.state.value == "bevestigd" and s.status.value != "gesloten":   # the receiver names who works on it
        buttons += (Button("toewijzen", value, "primary"),)
    return Message("overdracht_verzoek", {"case": s.number, "handover": handover_view(h, s.holders, document)},
                   Audience.CHANNEL, kind=kind, channel=channel_name(s.number), buttons=buttons,
                   key=handover_key(s.number, h.seq))


def closing_card(s: CaseState, record: int, *, monitoring: bool = False, outcome: str | None = None,
                 kind: Kind = Kind.POST) -> Message:
    """The proposal to close, with Veilig Thuis's button while it waits; updated once VT answered."""
    r = s.records[record - 1]
    criteria = [c.value for c in Stabiel if c.value in r.source.split(",")]
    context = {"case": s.number, "org": r.org, "by": r.by, "criteria": criteria, "toelichting": r.text,
               "monitoring": monitoring, "uitkomst": outcome}
    buttons = () if outcome else (Button("akkoord", f"{s.number}:r{record}", "primary"),)
    return Message("afsluiting_voorgesteld", context, Audience.CHANNEL, kind=kind, channel=channel_name(s.number),
                   buttons=buttons, key=f"{s.number}/afsluiten/{record}")


def for_notes(directory: Directory, before: CaseState | None, s: CaseState, notes: tuple[Note, ...],
              actor: str) -> list[Message]:
    old = {d.seq for d in before.deadlines} if before else set()
    started = [deadline_view(d) for d in s.deadlines if d.seq not in old and d.is_active and d.kind not in ESCALATIONS]
    out: list[Message] = []
    for n in notes:
        k = n.key
        if k == "melding_ontvangen":
            out.append(Message("casus_kanaal", {"case": s.number, "gemeenten": list(s.gemeenten)},
                               Audience.CHANNEL, kind=Kind.OPEN_CHANNEL, channel=channel_name(s.number)))
            out.append(_post(s, "casus_geopend", view=case_view(s), by=actor))
        elif k == "triagebesluit":
            last = s.handovers[-1] if s.handovers else None
            checklist = list(last.checklist) if last and s.route in HANDOVER_ROUTES else []
            out.append(_post(s, "triagebesluit", view=case_view(s), by=actor, started=started,
                             reasoning=s.decision.reasoning if s.decision else "",
                             overridden=list(s.decision.overridden) if s.decision else [],
                             override_reason=s.decision.override_reason if s.decision else None,
                             checklist=checklist, gezin=any(x.key == "gezin_geinformeerd" for x in notes)))
        elif k == "overdracht_gevraagd":
            h = next(h for h in s.handovers if h.seq == n.get("verzoek"))
            out.append(handover_card(s, h))
        elif k == "gemeente_cc":
            for org in n.get("gemeenten") or ():
                for m in directory.members_of(org, Role.BESTUURLIJK_CONTACT):
                    out.append(_dm(m.id, "gemeente_cc", case=s.number, gi=s.orgs.gi if s.orgs else None))
        elif k == "zicht_verschoven":
            out.append(_post(s, "zicht_verschoven", to=list(n.get("naar")), reason=n.get("reden"),
                             started=[d for d in started if d["kind"] != "bevestiging"]))
        elif k in ("gezin_geinformeerd", "gezin_niet_geinformeerd"):
            if not any(x.key == "triagebesluit" for x in notes):    # with the decision: said in its post
                out.append(_post(s, k, by=actor, reden=n.get("reden")))
        elif k == "document_verstuurd":
            out.append(handover_card(s, next(h for h in s.handovers if h.seq == n.get("verzoek")), Kind.UPDATE))
        elif k in ("overdracht_bevestigd", "overdracht_geweigerd"):
            h = next(h for h in s.handovers if h.seq == n.get("verzoek"))
            out.append(handover_card(s, h, Kind.UPDATE))
            if k == "overdracht_geweigerd":
                out.append(_post(s, "overdracht_geweigerd", handover=handover_view(h), terug=n.get("terug"),
                                 stagnatie=stagnation_of(s, n.get("record"))))
        elif k == "trede":
            out += rung_messages(directory, s.number, deadline=n.get("deadline"), kind=n.get("soort"),
                                 owner=n.get("eigenaar"), due=n.get("due"), ref=n.get("ref"),
                                 rungsoort=n.get("rungsoort"), naar=n.get("naar"), around=around(s, n.get("deadline")))
        elif k == "stagnatie":
            if n.get("bron") != "weigering":    # a refusal says it in its own post (above)
                out.append(_post(s, "stagnatie", stagnatie=stagnation_of(s, n.get("record"))))
        elif k == "gesloten" and before is not None:
            was_open = {h.seq for h in before.handovers if h.state.value == "open"}
            out += [handover_card(s, h, Kind.UPDATE) for h in s.handovers if h.seq in was_open]
            out.append(_post(s, k, view=case_view(s), by=actor, started=started))
        elif k in ("opgepakt", "klok_gepauzeerd", "klok_hervat", "gemeente_geinformeerd", "gemeente_antwoord",
                   "directbetrokkenen_geinformeerd"):
            params = {key: iso(v) for key, v in n.params}
            out.append(_post(s, k, **params))
        elif k == "afsluiting_voorgesteld":
            out.append(closing_card(s, n.get("record"), monitoring=bool(n.get("monitoring"))))
        elif k in ("afsluiting_akkoord", "afsluiting_niet_akkoord"):
            out.append(closing_card(s, n.get("voorstel"), outcome=k, kind=Kind.UPDATE))
            out.append(_post(s, k, by=actor, **{key: iso(v) for key, v in n.params}))
        elif k == "monitoringsmoment":
            r = s.records[n.get("record") - 1]
            answers = dict(pair.split("=") for pair in r.source.split(",")) if r.source else {}
            out.append(_post(s, k, positief=r.positive, maand=n.get("maand"), antwoorden=answers,
                             toelichting=r.text, by=actor))
        elif k == "signalen_gewijzigd":
            out.append(_post(s, k, by=actor, wijziging=n.get("wijziging").split(","),
                             signalen=sorted(x.value for x in s.signals)))
        elif k in ("weging_gevraagd", "weging_besloten"):
            out.append(_post(s, k, by=actor, started=started,
                             **{key: iso(v) for key, v in n.params if key != "record"}))
        elif k == "toegewezen":
            out.append(_post(s, k, by=actor, lid=n.get("lid"), org=n.get("org"), vorige=n.get("vorige")))
        elif k == "toewijzing_vervallen":
            out.append(_post(s, k, lid=n.get("lid"), org=n.get("org")))
            out += [_dm(m.id, "toewijzing_vervallen_dm", case=s.number, lid=n.get("lid"), org=n.get("org"))
                    for m in directory.members_of(str(n.get("org")), Role.LEIDINGGEVENDE)]
        elif k == "monitoring_vervolg":
            out.append(_post(s, k, keuze=n.get("keuze"), by=actor))
        elif k == "monitoring_gestart":
            out.append(_post(s, "monitoring_gestart", months=list(n.get("maanden")), started=started))
        elif k in ("dienst_afgerond", "eerste_contact", "huisverbod_gestart", "huisverbod_verlengd",
                   "huisverbod_beeindigd", "huisverbod_advies", "monitoring_negatief",
                   "monitoring_beeindigd", "gesloten", "triagetermijn_overschreden"):
            params = {key: iso(v) if not isinstance(v, tuple) else list(v) for key, v in n.params}
            out.append(_post(s, k, view=case_view(s), by=actor, started=started, **params))
            if k == "triagetermijn_overschreden" and s.orgs:
                for m in directory.members_of(s.orgs.vt, Role.LEIDINGGEVENDE):
                    out.append(_dm(m.id, "triagetermijn_overschreden_lg", case=s.number))
    return out
