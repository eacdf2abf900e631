"""The case lifecycle as declared data, and the one function that changes a case: `apply`.

`TRANSITIONS` lists, per event, the statuses it may happen in, the status it leads to, the named
condition that picks between rows of one event, and the named guards (`rules.GUARDS`) that may refuse
it. `apply` refuses with a reason or returns the new state plus notes of what people must be told.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time

from . import deadlines as dl
from . import escalation, ledger, retention
from .calendar import AMS, Term, Unit
from .case import CaseState, Confirmation, Deadline, Decision, Handover, HouseBan, Note, Record
from .case import Refusal as HandoverRefusal
from .checklist import handover_checklist
from .events import (
    AfsluitingAkkoord,
    AfsluitingNietAkkoord,
    AfsluitingVoorgesteld,
    BewaartermijnVerstreken,
    DienstAfgerond,
    DirectbetrokkenenGeinformeerd,
    DocumentVerstuurd,
    EersteContact,
    Event,
    GemeenteAntwoord,
    GemeenteGeinformeerd,
    Gesloten,
    GezinGeinformeerd,
    HuisverbodAdvies,
    HuisverbodBeeindigd,
    HuisverbodGestart,
    HuisverbodVerlengd,
    KlokGepauzeerd,
    KlokHervat,
    MeldingOntvangen,
    Monitoringsmoment,
    MonitoringVervolg,
    Opgepakt,
    OverdrachtBevestigd,
    OverdrachtGevraagd,
    OverdrachtGeweigerd,
    SignalenGewijzigd,
    StagnatieGemeld,
    TijdVerstreken,
    Toegewezen,
    ToewijzingVervallen,
    TriageBesluit,
    WegingBesloten,
    WegingGevraagd,
    WegingOneens,
)
from .profile import Receipt, TransferMoment
from .rules import GUARDS, Context, Refused, next_handover_kind, receivers
from .types import (
    CLOSING_ROUTES,
    HANDOVER_ROUTES,
    OPEN_STATUSES,
    SERVICE_ROUTES,
    DeadlineKind,
    DeadlineState,
    HandoverKind,
    HandoverState,
    MonitorVervolg,
    MonitorVraag,
    Route,
    Status,
    WegingUitkomst,
)

S = Status
OPEN = OPEN_STATUSES


@dataclass(frozen=True)
class Transition:
    event: str
    sources: frozenset[Status]
    target: Status | None = None        # None: the case stays in its status
    when: str | None = None             # a named condition choosing between rows of one event
    guards: tuple[str, ...] = ()


def T(event: type[Event], sources, target=None, when=None, guards=()) -> Transition:  # noqa: N802
    return Transition(event.name, frozenset(sources), target, when, tuple(guards))


_DATE = ("datum_niet_in_toekomst", "datum_na_melding")
_DECIDE = ("forceer_met_reden", "gi_vereist_gezinsvoogd", "ontvanger_bekend",
           "gezinsvoogd_naar_gi", "vt_houdt_casus", "zwaar_vraagt_dienst", "geen_hulp_nodig")
_ANSWER = ("verzoek_open", "org_is_ontvanger")
_CONFIRM = (*_ANSWER, "document_eerst", "afspraak_bij_bevestiging")

TRANSITIONS: tuple[Transition, ...] = (
    T(MeldingOntvangen, {S.NIEUW}, S.TRIAGE, guards=("gemeenten_geldig", "ontvangst_niet_in_toekomst")),
    T(TriageBesluit, {S.TRIAGE}, S.DIENST, when="route_dienst", guards=_DECIDE),
    T(TriageBesluit, {S.TRIAGE}, S.TE_OVERDRAGEN, when="route_overdracht", guards=_DECIDE),
    T(TriageBesluit, {S.TRIAGE}, S.GESLOTEN, when="route_einde", guards=_DECIDE),
    T(OverdrachtGevraagd, {S.TE_OVERDRAGEN}, S.OVERDRACHT, guards=("heeft_ontvangers", "gezin_eerst")),
    # VT tells the family before a directe overdracht (000 §5.1), or records why it did not
    T(GezinGeinformeerd, {S.TRIAGE, S.DIENST, S.TE_OVERDRAGEN}, guards=("reden_bij_niet_informeren",)),
    T(OverdrachtBevestigd, {S.OVERDRACHT}, S.OVERGEDRAGEN, when="laatste_bevestiging", guards=_CONFIRM),
    T(OverdrachtBevestigd, {S.OVERDRACHT}, S.OVERDRACHT, guards=_CONFIRM),
    # the document goes with the request, or after the warm handover confirms what was agreed (001 §3)
    T(DocumentVerstuurd, {S.OVERDRACHT, S.OVERGEDRAGEN}, guards=("document_te_versturen",)),
    T(OverdrachtGeweigerd, {S.OVERDRACHT}, S.TE_OVERDRAGEN, guards=(*_ANSWER, "reden_verplicht")),
    T(DienstAfgerond, {S.DIENST}, S.TE_OVERDRAGEN, guards=("oordeel_na_onderzoek", "monitoring_overslaan_mag")),
    # also during triage: the joint conversation with the family during a huisverbod (000 §6 e)
    T(EersteContact, OPEN, guards=_DATE),
    T(DirectbetrokkenenGeinformeerd, {S.OVERDRACHT, S.OVERGEDRAGEN}, guards=("directbetrokkenen_open",)),
    T(HuisverbodGestart, OPEN, guards=("datum_niet_in_toekomst", "geen_lopend_huisverbod")),
    T(HuisverbodVerlengd, OPEN, guards=("datum_niet_in_toekomst", "lopend_huisverbod", "nog_niet_verlengd")),
    T(HuisverbodBeeindigd, OPEN, guards=("datum_niet_in_toekomst", "lopend_huisverbod")),
    T(HuisverbodAdvies, OPEN, guards=("datum_niet_in_toekomst", "lopend_huisverbod")),
    T(Monitoringsmoment, {S.OVERGEDRAGEN}, guards=("monitoring_loopt", *_DATE)),
    # 001 §4: after a moment that was not positive; VT taking the regie back starts a dienst again
    T(MonitoringVervolg, {S.OVERGEDRAGEN}, S.DIENST, when="regie_terug", guards=("na_negatief_moment",)),
    T(MonitoringVervolg, {S.OVERGEDRAGEN}, guards=("na_negatief_moment",)),
    # 000 bijlage 2: the lokaal team cannot get in; VT and the lokaal team weigh it together
    T(WegingGevraagd, {S.OVERGEDRAGEN}, guards=("lokaal_team_met_zicht", "geen_weging_open", "reden_verplicht")),
    T(WegingBesloten, {S.OVERGEDRAGEN}, S.GESLOTEN, when="weging_sluiten", guards=("weging_open",)),
    T(WegingBesloten, {S.OVERGEDRAGEN}, S.DIENST, when="weging_vv", guards=("weging_open",)),
    T(WegingBesloten, {S.OVERGEDRAGEN}, guards=("weging_open",)),
    T(WegingOneens, {S.OVERGEDRAGEN}, guards=("weging_open", "reden_verplicht")),
    T(StagnatieGemeld, OPEN, guards=("reden_verplicht",)),
    T(GemeenteGeinformeerd, OPEN),
    T(SignalenGewijzigd, OPEN, guards=("signalen_wijzigen",)),
    T(GemeenteAntwoord, OPEN, guards=("vraag_aan_gemeente_open",)),
    # VT closes what it holds; a case another organisation holds (always so once handed over) closes together
    # (000 §7.3): its holder proposes, VT agrees
    T(Gesloten, OPEN - {S.OVERGEDRAGEN}, S.GESLOTEN, guards=("reden_verplicht", "zicht_niet_bij_ander")),
    T(AfsluitingVoorgesteld, {S.OVERGEDRAGEN}, guards=(
        "regiehouder_stelt_voor", "geen_voorstel_open", "stabiele_veiligheid", "zonder_incidenten",
        "afsluiten_tijdens_monitoring")),
    T(AfsluitingAkkoord, {S.OVERGEDRAGEN}, S.GESLOTEN, guards=("voorstel_open", "vt_stemt_in")),
    T(AfsluitingNietAkkoord, {S.OVERGEDRAGEN}, guards=("voorstel_open", "vt_stemt_in", "reden_verplicht")),
    T(Opgepakt, OPEN, guards=("escalatie_open",)),
    T(Toegewezen, OPEN, guards=("toewijzen_mag",)),
    T(ToewijzingVervallen, OPEN, guards=("toewijzing_loopt",)),
    T(KlokGepauzeerd, OPEN, guards=("reden_verplicht", "lopende_termijnen")),
    T(KlokHervat, OPEN, guards=("gepauzeerde_termijnen",)),
    T(TijdVerstreken, OPEN),
    T(BewaartermijnVerstreken, {S.GESLOTEN}, guards=("bewaartermijn_om",)),
)

CONDITIONS: dict[str, Callable[[CaseState, Event, Context], bool]] = {
    "route_dienst": lambda s, e, c: e.route in SERVICE_ROUTES,
    "route_overdracht": lambda s, e, c: e.route in HANDOVER_ROUTES,
    "route_einde": lambda s, e, c: e.route in CLOSING_ROUTES,
    "regie_terug": lambda s, e, c: e.choice in (MonitorVervolg.VV, MonitorVervolg.ONDERZOEK),
    "weging_sluiten": lambda s, e, c: e.outcome is WegingUitkomst.SLUITEN,
    "weging_vv": lambda s, e, c: e.outcome is WegingUitkomst.VV,
    "laatste_bevestiging": lambda s, e, c: (
        s.open_handover is not None and s.open_handover.waiting_for == (e.org,)),
}


@dataclass(frozen=True)
class Accepted:
    state: CaseState
    notes: tuple[Note, ...] = ()


Outcome = Accepted | Refused
Effect = Callable[[CaseState, Event, Context, tuple[str, ...]], tuple[CaseState, list[Note]]]


def note(key: str, **params: object) -> Note:
    return Note(key, tuple(params.items()))


def recorded(s: CaseState, ctx: Context, kind: str, text: str = "", *, org: str | None = None,
             **fields: object) -> CaseState:
    """The case with one more dated fact: who did it (the actor, for their organisation unless `org` says
    otherwise), and what."""
    return replace(s, records=s.records + (Record(kind, ctx.now, ctx.actor, org or ctx.actor_org, text, **fields),))


# ---- the one function that changes a case ------------------------------------------------------
def apply(state: CaseState, event: Event, ctx: Context) -> Outcome:
    current, notes = catch_up(state, ctx)
    rows = [t for t in TRANSITIONS if t.event == event.name and current.status in t.sources]
    if not rows:
        return _explain_status(current, event)
    row = next(t for t in rows if t.when is None or CONDITIONS[t.when](current, event, ctx))
    overridden: list[str] = []
    for name in row.guards:
        refused = GUARDS[name](current, event, ctx)
        if refused is None:
            continue
        if refused.overridable and getattr(event, "override", False):
            overridden.append(refused.key)
            continue
        return refused
    new, effect_notes = EFFECTS[event.name](current, event, ctx, tuple(overridden))
    if row.target is not None:
        new = replace(new, status=row.target)
    new, late_notes = catch_up(new, ctx)
    problems = ledger.violations(new)
    if problems:
        raise ledger.LedgerError(f"{event.name} would break the ledger: {problems}")
    return Accepted(new, tuple(notes + effect_notes + late_notes))


def catch_up(state: CaseState, ctx: Context) -> tuple[CaseState, list[Note]]:
    """What the clock alone does: an overrun triage term makes VT hold (003 §2.1); terms lapse; the
    rungs of the escalation ladder whose moment has come fire, each once; a rung to the gemeente
    informs it (000 §8.2) and starts its answer term where the profile has one (002 §5.5)."""
    if state.status not in OPEN or state.orgs is None:
        return state, []
    notes: list[Note] = []
    triage = dl.first_active(state, dl.of(DeadlineKind.TRIAGE))
    if triage is not None and not triage.paused and triage.due <= ctx.now and not state.ledger:
        state = replace(state, ledger=ledger.transfer((), (state.orgs.vt,), triage.due,
                                                      "triagetermijn_overschreden"))
        notes.append(note("triagetermijn_overschreden", due=triage.due))
    deadlines, to_gemeente = [], []
    for d in state.deadlines:
        new, fired = escalation.advance(d, ctx.now, state.orgs.vt, ctx.profile, state.acute)
        if d.state is DeadlineState.OPEN and new.state is DeadlineState.VERLOPEN:
            notes.append(note("termijn_verlopen", deadline=d.seq, soort=d.kind.value, eigenaar=d.owner))
        for f in fired:
            notes.append(note("trede", deadline=d.seq, soort=d.kind.value, eigenaar=d.owner, ref=d.ref,
                              due=d.due, trede=f.index, rungsoort=f.rung.kind.value, naar=f.rung.target.value))
            if f.rung.target is escalation.Target.GEMEENTE:
                to_gemeente.append(d.owner)
        deadlines.append(new)
    state = replace(state, deadlines=tuple(deadlines))
    for owner in to_gemeente:
        for gemeente in state.orgs.gemeenten:
            state, more = _inform_gemeente(state, gemeente, owner, ctx)
            notes += more
    return state, notes


def _explain_status(state: CaseState, event: Event) -> Refused:
    """A precise refusal when an event does not fit the status (e.g. a second click on a handover)."""
    if isinstance(event, OverdrachtBevestigd | OverdrachtGeweigerd) and state.status is not S.NIEUW:
        refused = GUARDS["verzoek_open"](state, event, None)  # type: ignore[arg-type]
        if refused is not None:
            return refused
    if isinstance(event, Gesloten) and state.status is S.OVERGEDRAGEN:
        refused = GUARDS["zicht_niet_bij_ander"](state, event, None)  # type: ignore[arg-type]
        if refused is not None:
            return refused
    if state.status is S.NIEUW:
        return Refused.of("casus_onbekend")
    if state.status is S.GESLOTEN:
        return Refused.of("casus_gesloten", handeling=event.name)
    return Refused.of("niet_in_status", handeling=event.name, status=state.status.value)


# ---- effects, one per event --------------------------------------------------------------------
def _melding(s: CaseState, e: MeldingOntvangen, ctx: Context, _o) -> tuple[CaseState, list[Note]]:
    received = e.received_at.astimezone(UTC)
    s = replace(s, gemeenten=e.gemeenten, received_at=received, registered_at=ctx.now,
                spoed=e.spoed, anoniem=e.anoniem, gezinsvoogd=e.gezinsvoogd, signals=e.signals,
                orgs=e.orgs)
    # 000 §5.1.1; 003 §2.1; 001 §1: triage within 5 werkdagen of receipt
    s = dl.add(s, ctx.profile, DeadlineKind.TRIAGE, e.orgs.vt, received, ctx.profile.triage_term, ctx.now)
    if e.spoed:   # 003 §2.1: VT holds as soon as it learns the melding is urgent
        s = replace(s, ledger=ledger.transfer(s.ledger, (e.orgs.vt,), received, "spoed"))
    # 000 §7.3: during VT's involvement VT has the casusregie, unless a lokaal team was already involved
    regie = (e.orgs.lts, "lt_al_betrokken") if e.lt_betrokken else ((e.orgs.vt,), "melding")
    s = replace(s, regie=ledger.transfer((), regie[0], received, regie[1]))
    # the VT worker who registers the melding works on it for VT, until VT assigns someone else
    s = recorded(s, ctx, "toewijzing", ctx.actor, org=e.orgs.vt, source="melding")
    return s, [note("melding_ontvangen")]


def _decision(s: CaseState, e: TriageBesluit, ctx: Context, overridden) -> tuple[CaseState, list[Note]]:
    assert s.orgs is not None
    decision = Decision(route=e.route, weight=e.weight, reasoning=e.reasoning.strip(),
                        decided_at=ctx.now, decided_by=ctx.actor,
                        override_reason=e.override_reason.strip() if e.override else None,
                        overridden=overridden)
    s = replace(s, decision=decision)
    s = dl.meet(s, dl.of(DeadlineKind.TRIAGE), ctx.now)
    notes = [note("triagebesluit", route=e.route.value, overridden=overridden)]
    if e.route in CLOSING_ROUTES:
        return _close(s, ctx, f"triagebesluit_{e.route.value}"), notes
    if not s.ledger:   # 003 §2.1: VT holds when triage is finished
        s = replace(s, ledger=ledger.transfer(s.ledger, (s.orgs.vt,), ctx.now, "triage_afgerond"))
    if e.route in SERVICE_ROUTES:   # 003 §2.2 fn 6: VT's oordeel within 10 weeks of the vaststelling
        s = dl.add(s, ctx.profile, DeadlineKind.DIENST, s.orgs.vt, ctx.now, ctx.profile.service_term, ctx.now)
    return s, notes


def _request(s: CaseState, e: OverdrachtGevraagd, ctx: Context, _o) -> tuple[CaseState, list[Note]]:
    assert s.orgs is not None
    kind = next_handover_kind(s)
    to = receivers(s, kind)
    h = Handover(seq=len(s.handovers) + 1, kind=kind, receivers=to, requested_at=ctx.now,
                 requested_by=ctx.actor, checklist=handover_checklist(s, kind))
    s = replace(s, handovers=s.handovers + (h,))
    moment = ctx.profile.transfer_moment
    # 000 §5.1.5 (placing is the moment) and 002 §2 i (the table's decision counts); with two
    # gemeenten both lokale teams must confirm first (002 §5.2.4), and after a dienst always (000 §5.2.1).
    moves_now = kind is HandoverKind.DIRECT and len(to) == 1 and moment is not TransferMoment.BEVESTIGING
    # Once the case has moved, a missing receipt leaves nobody in doubt about zicht op veiligheid: where the
    # region says so it is at most a reminder to the receiver (002 §2 i), and nothing waits to be caught.
    formality = moves_now and ctx.profile.receipt_after_transfer is Receipt.HERINNERING
    ladder = dl.ladder_of(s, ctx.profile)
    for org in to:   # 001 §1: the receiver confirms, in NOG within 5 werkdagen
        s = dl.add(s, ctx.profile, DeadlineKind.BEVESTIGING, org, ctx.now, ctx.profile.confirmation_term, ctx.now,
                   ref=str(h.seq), ladder=escalation.reminders_only(ladder) if formality else None)
    if not formality:   # the safety net: a handover waiting too long goes to both sides' first step at once
        for org in (s.orgs.vt, *to):
            s = dl.add(s, ctx.profile, DeadlineKind.OVERDRACHT_WACHT, org, ctx.now, ctx.profile.handover_max_wait,
                       ctx.now, ref=str(h.seq), ladder=escalation.from_first_step(ladder))
    notes = [note("overdracht_gevraagd", verzoek=h.seq, soort=kind.value, ontvangers=to)]
    if s.route is not None and s.route.value == "gi":   # 002 bijlage 3a, 1: gemeente in cc
        notes.append(note("gemeente_cc", gemeenten=s.orgs.gemeenten))
    if moves_now:
        s, moved = _move_to(s, h, ctx, moment.value)
        notes += moved
    return s, notes


def _move_to(s: CaseState, h: Handover, ctx: Context, reason: str) -> tuple[CaseState, list[Note]]:
    """Zicht op veiligheid and the casusregie move to the receivers (000 §7.1, §7.3), and their terms
    towards the family start. A lokaal team that had the casusregie already keeps it."""
    s = replace(s, ledger=ledger.transfer(s.ledger, h.receivers, ctx.now, reason),
                regie=ledger.transfer(s.regie, h.receivers, ctx.now, reason))
    fc = ctx.profile.first_contact
    term = fc.acuut if s.acute else (fc.direct if h.kind is HandoverKind.DIRECT else fc.na_dienst)
    assert s.orgs is not None
    for org in h.receivers:
        if org not in s.orgs.lts:
            continue
        own = term
        confirmed = h.confirmation_by(org)
        agreed = confirmed.appointment if confirmed is not None and not s.acute else None
        if agreed is not None:   # 001 §1: the appointment is the term — never later than the region's own term
            days = Term(Unit.DAGEN, (agreed - ctx.today).days)
            if own is None or ctx.profile.calendar.due(ctx.now, days) <= ctx.profile.calendar.due(ctx.now, own):
                own = days
        if own is not None:   # 000 §3 a; 002 §2 f, j, k
            s = dl.add(s, ctx.profile, DeadlineKind.EERSTE_CONTACT, org, ctx.now, own, ctx.now, str(h.seq))
        if ctx.profile.directbetrokkenen_term is not None:   # 002 bijlage 3b: after 2 months, agree with VT
            s = dl.add(s, ctx.profile, DeadlineKind.DIRECTBETROKKENEN, org, ctx.now,
                       ctx.profile.directbetrokkenen_term, ctx.now, str(h.seq),
                       ladder=escalation.reminders_then(dl.ladder_of(s, ctx.profile), escalation.Target.AFSTEMMING))
    return s, [note("zicht_verschoven", naar=h.receivers, reden=reason)]


def _replace_handover(s: CaseState, h: Handover) -> CaseState:
    return replace(s, handovers=tuple(h if x.seq == h.seq else x for x in s.handovers))


def _confirm(s: CaseState, e: OverdrachtBevestigd, ctx: Context, _o) -> tuple[CaseState, list[Note]]:
    h = s.open_handover
    assert h is not None and s.orgs is not None
    h = replace(h, confirmations=h.confirmations + (Confirmation(e.org, ctx.actor, ctx.now, e.appointment),))
    s = dl.meet(s, dl.of(DeadlineKind.BEVESTIGING, e.org, str(h.seq)), ctx.now)
    # the receiver did its part: the "waiting too long" net is no longer its business (VT's stays until all did)
    s = dl.withdraw(s, dl.of(DeadlineKind.OVERDRACHT_WACHT, e.org, str(h.seq)), "bevestigd")
    notes = [note("overdracht_bevestigd", verzoek=h.seq, org=e.org, compleet=not h.waiting_for)]
    if h.waiting_for:
        return _replace_handover(s, h), notes
    h = replace(h, state=HandoverState.BEVESTIGD)
    s = _replace_handover(s, h)
    s = dl.meet(s, dl.of(DeadlineKind.OVERDRACHT_WACHT, ref=str(h.seq)), ctx.now)
    if s.holders != h.receivers:   # 001 §1; 002 §5.2.1; 000 §5.2.1: confirmation is the moment
        s, moved = _move_to(s, h, ctx, "bevestiging")
        notes += moved
    done = next((r for r in reversed(s.records) if r.kind == "dienst_afgerond"), None)
    skipped = done is not None and done.source == "zonder_monitoring"     # 002 §5.2.6: the file can close
    if h.kind is HandoverKind.NA_DIENST and not skipped:   # 000 §5.2.7; 001 §4: VT monitors after 3 and 12 months
        for months in ctx.profile.monitoring_months:
            s = dl.add(s, ctx.profile, DeadlineKind.MONITORING, s.orgs.vt, ctx.now,
                       Term(Unit.MAANDEN, months), ctx.now, ref=str(months))
        notes.append(note("monitoring_gestart", maanden=ctx.profile.monitoring_months))  # 000 §7.4
    return s, notes


def _refuse(s: CaseState, e: OverdrachtGeweigerd, ctx: Context, _o) -> tuple[CaseState, list[Note]]:
    h = s.open_handover
    assert h is not None and s.orgs is not None
    h = replace(h, state=HandoverState.GEWEIGERD,
                refusal=HandoverRefusal(e.org, ctx.actor, ctx.now, e.reason.strip()))
    s = _replace_handover(s, h)
    ref = str(h.seq)
    for kind in (DeadlineKind.BEVESTIGING, DeadlineKind.EERSTE_CONTACT, DeadlineKind.DIRECTBETROKKENEN,
                 DeadlineKind.OVERDRACHT_WACHT):
        s = dl.withdraw(s, lambda d, k=kind: d.kind is k and d.ref == ref, "overdracht_geweigerd")
    back = s.holders != (s.orgs.vt,)
    if back:   # never a gap: a refused handover returns to VT
        s = replace(s, ledger=ledger.transfer(s.ledger, (s.orgs.vt,), ctx.now, "overdracht_geweigerd"))
    if s.regie and s.regie_holders == h.receivers and s.regie[-1].reason != "lt_al_betrokken":
        s = replace(s, regie=ledger.transfer(s.regie, (s.orgs.vt,), ctx.now, "overdracht_geweigerd"))
    s = replace(s, records=s.records + (
        Record("stagnatie", ctx.now, ctx.actor, e.org, e.reason.strip(), source="weigering"),))
    s = _escalate_stagnation(s, (s.orgs.vt, *s.orgs.lts, e.org), ctx)
    return s, [note("overdracht_geweigerd", verzoek=h.seq, org=e.org, reden=e.reason.strip(), terug=back,
                    record=len(s.records)),
               note("stagnatie", org=e.org, bron="weigering", record=len(s.records))]


def _family_told(s: CaseState, e: GezinGeinformeerd, ctx: Context, _o) -> tuple[CaseState, list[Note]]:
    kind = "gezin_geinformeerd" if e.informed else "gezin_niet_geinformeerd"
    s = recorded(s, ctx, kind, e.reason.strip())
    return s, [note(kind, reden=e.reason.strip())]


def _document(s: CaseState, e: DocumentVerstuurd, ctx: Context, _o) -> tuple[CaseState, list[Note]]:
    s = recorded(s, ctx, "document_verstuurd", str(e.handover))
    return s, [note("document_verstuurd", verzoek=e.handover)]


def _service_done(s: CaseState, e: DienstAfgerond, ctx: Context, _o) -> tuple[CaseState, list[Note]]:
    s = dl.meet(s, dl.of(DeadlineKind.DIENST), ctx.now)
    s = recorded(s, ctx, "dienst_afgerond", source="" if e.monitoring else "zonder_monitoring")
    return replace(s, service_done_at=ctx.now, oordeel=e.oordeel.strip() or None), [
        note("dienst_afgerond", monitoring=e.monitoring)]


def _contact(s: CaseState, e: EersteContact, ctx: Context, _o) -> tuple[CaseState, list[Note]]:
    assert s.orgs is not None
    s = recorded(s, ctx, "contact", org=e.org, day=e.day)
    s = dl.meet(s, dl.of(DeadlineKind.EERSTE_CONTACT, e.org), ctx.now)
    ban = s.house_ban
    if ban and ban.active:   # 000 §6 e: VT and the lokaal team hold the conversation with the family together
        sides = {r.org for r in s.records if r.kind == "contact" and r.day is not None and r.day >= ban.start}
        if s.orgs.vt in sides and sides & set(s.orgs.lts):
            s = dl.meet(s, dl.of(DeadlineKind.THV_GESPREK), ctx.now)
    return s, [note("eerste_contact", org=e.org, datum=e.day)]


def _informed(s: CaseState, e: DirectbetrokkenenGeinformeerd, ctx: Context, _o) -> tuple[CaseState, list[Note]]:
    s = recorded(s, ctx, "directbetrokkenen_geinformeerd", org=e.org)
    return dl.meet(s, dl.of(DeadlineKind.DIRECTBETROKKENEN, e.org), ctx.now), [
        note("directbetrokkenen_geinformeerd", org=e.org)]


def _ban_start(s: CaseState, e: HuisverbodGestart, ctx: Context, _o) -> tuple[CaseState, list[Note]]:
    assert s.orgs is not None
    hv, vt = ctx.profile.house_ban, s.orgs.vt
    start = _day_start(e.day)
    s = replace(s, house_ban=HouseBan(start=e.day))
    notes: list[Note] = []
    if not s.holders:   # 000 §6: during a huisverbod VT does the casemanagement, so it holds zicht op veiligheid
        # from the moment the bot learns of it: the ledger never rewrites who held it before
        s = replace(s, ledger=ledger.transfer(s.ledger, (vt,), ctx.now, "huisverbod"))
        notes.append(note("zicht_verschoven", naar=(vt,), reden="huisverbod"))
    for kind, term in ((DeadlineKind.THV_LT_GEINFORMEERD, hv.lt_informeren),     # 000 §6 a: day 2
                       (DeadlineKind.THV_GESPREK, hv.gezamenlijk_gesprek),        # 000 §6 e: 2 werkdagen
                       (DeadlineKind.THV_ADVIES, hv.advies)):                     # 000 §6 c: day 8
        s = dl.add(s, ctx.profile, kind, vt, start, term, ctx.now)
    s = _ban_end_milestone(s, ctx, start, hv.duur)                               # 000 §6: 10 days
    # The bot informs the lokale teams in the case channel at once (000 §6 a).
    s = dl.meet(s, dl.of(DeadlineKind.THV_LT_GEINFORMEERD), ctx.now)
    return s, [note("huisverbod_gestart", datum=e.day, lokale_teams=s.orgs.lts), *notes]


def _ban_end_milestone(s: CaseState, ctx: Context, start: datetime, term: Term) -> CaseState:
    """The end of a huisverbod is a milestone, not a task anyone can fail: VT is reminded the werkdag
    before (to extend or to arrange what follows), and it never lapses or escalates."""
    assert s.orgs is not None
    return dl.add(s, ctx.profile, DeadlineKind.THV_EINDE, s.orgs.vt, start, term, ctx.now,
                  ladder=escalation.reminders_only(dl.ladder_of(s, ctx.profile)))


def _ban_extend(s: CaseState, e: HuisverbodVerlengd, ctx: Context, _o) -> tuple[CaseState, list[Note]]:
    assert s.house_ban is not None and s.orgs is not None
    s = dl.withdraw(s, dl.of(DeadlineKind.THV_EINDE), "huisverbod_verlengd")
    s = _ban_end_milestone(s, ctx, _day_start(s.house_ban.start),
                           ctx.profile.house_ban.verlengd_tot)   # 000 §6: once, to 28 days in total
    return replace(s, house_ban=replace(s.house_ban, extended=True)), [note("huisverbod_verlengd")]


def _ban_end(s: CaseState, e: HuisverbodBeeindigd, ctx: Context, _o) -> tuple[CaseState, list[Note]]:
    assert s.house_ban is not None
    s = dl.meet(s, dl.of(DeadlineKind.THV_EINDE), ctx.now)
    for kind in (DeadlineKind.THV_GESPREK, DeadlineKind.THV_ADVIES, DeadlineKind.THV_LT_GEINFORMEERD):
        s = dl.withdraw(s, dl.of(kind), "huisverbod_beeindigd")
    return replace(s, house_ban=replace(s.house_ban, ended=e.day)), [note("huisverbod_beeindigd")]


def _ban_advice(s: CaseState, e: HuisverbodAdvies, ctx: Context, _o) -> tuple[CaseState, list[Note]]:
    assert s.house_ban is not None
    s = dl.meet(s, dl.of(DeadlineKind.THV_ADVIES), ctx.now)
    return replace(s, house_ban=replace(s.house_ban, advised=True)), [note("huisverbod_advies")]


def _monitoring(s: CaseState, e: Monitoringsmoment, ctx: Context, _o) -> tuple[CaseState, list[Note]]:
    """VT's judgement on the four questions (000 §5.2.7). All four positive ends the monitoring; otherwise
    VT and the lokaal team choose what follows (001 §4) and VT looks again sooner ("vaker en langer als nodig")."""
    target = dl.first_active(s, dl.of(DeadlineKind.MONITORING))
    assert target is not None and s.orgs is not None
    s = dl.meet(s, lambda d: d.seq == target.seq, ctx.now)
    answers = ",".join(f"{q.value}={'ja' if q in e.yes else 'nee'}" for q in MonitorVraag)
    s = recorded(s, ctx, "monitoring", e.explanation.strip(), day=e.day, positive=e.positive, source=answers)
    notes = [note("monitoringsmoment", positief=e.positive, maand=target.ref, record=len(s.records))]
    if e.positive:   # 000 §5.2.7 ends it here; in NOG the planned moments stay (001 §4: at least two)
        if ctx.profile.monitoring_stops_when_positive:
            s = dl.withdraw(s, dl.of(DeadlineKind.MONITORING), "alle_vier_positief")
    else:
        notes.append(note("monitoring_negatief"))
        s = _look_again(s, target, ctx)
    if dl.first_active(s, dl.of(DeadlineKind.MONITORING)) is None:
        notes.append(note("monitoring_beeindigd"))   # 000 §7.4: VT tells LT monitoring ended
    return s, notes


def _look_again(s: CaseState, moment: Deadline, ctx: Context) -> CaseState:
    """A next moment, `monitoring_vervolg` months after the one just held (counted from the handover), unless
    one is planned before then or it would fall after the region's limit (001 §4: at most a year)."""
    assert s.orgs is not None
    follow, until = ctx.profile.monitoring_follow_up, ctx.profile.monitoring_until
    months = int(moment.ref) + follow.n
    if until is not None and months > until.n:
        return s
    start, term = moment.created_at, Term(Unit.MAANDEN, months)
    if ctx.profile.calendar.due(start, term) <= ctx.now:     # recorded late: the follow-up from now
        start, term = ctx.now, follow
    due = ctx.profile.calendar.due(start, term)
    if any(d.is_active and d.kind is DeadlineKind.MONITORING and d.due <= due for d in s.deadlines):
        return s
    return dl.add(s, ctx.profile, DeadlineKind.MONITORING, s.orgs.vt, start, term, ctx.now, ref=str(months))


def _follow_up(s: CaseState, e: MonitoringVervolg, ctx: Context, _o) -> tuple[CaseState, list[Note]]:
    """001 §4: VT supports the lokaal team, the lokaal team goes to the beschermtafel, or VT takes the regie
    back with a dienst: then zicht op veiligheid and the casusregie are VT's again and the dienst's term runs."""
    s = recorded(s, ctx, "monitoring_vervolg", e.explanation.strip(), source=e.choice.value)
    if e.choice not in (MonitorVervolg.VV, MonitorVervolg.ONDERZOEK):
        return s, [note("monitoring_vervolg", keuze=e.choice.value)]
    s, notes = _take_back(s, Route(e.choice.value), ctx, e.explanation, "regie_hernomen")
    return s, [note("monitoring_vervolg", keuze=e.choice.value), *notes]


def _take_back(s: CaseState, route: Route, ctx: Context, explanation: str,
               reason: str) -> tuple[CaseState, list[Note]]:
    """VT (re)opens the dossier with a dienst (001 §4; 000 bijlage 2): zicht op veiligheid and the casusregie
    are VT's again, the lokaal team's terms towards the family and the monitoring stop, the dienst's term runs."""
    assert s.orgs is not None
    vt = s.orgs.vt
    monitoring = dl.first_active(s, dl.of(DeadlineKind.MONITORING)) is not None
    decision = Decision(route=route, weight=s.weight, reasoning=explanation.strip(), decided_at=ctx.now,
                        decided_by=ctx.actor)
    for kind in (DeadlineKind.MONITORING, DeadlineKind.EERSTE_CONTACT, DeadlineKind.DIRECTBETROKKENEN):
        s = dl.withdraw(s, dl.of(kind), reason)
    s = replace(s, decision=decision, service_done_at=None,
                ledger=ledger.transfer(s.ledger, (vt,), ctx.now, reason),
                regie=ledger.transfer(s.regie, (vt,), ctx.now, reason))
    s = dl.add(s, ctx.profile, DeadlineKind.DIENST, vt, ctx.now, ctx.profile.service_term, ctx.now)
    notes = [note("zicht_verschoven", naar=(vt,), reden=reason)]
    return s, notes + ([note("monitoring_beeindigd")] if monitoring else [])


def _weighing_asked(s: CaseState, e: WegingGevraagd, ctx: Context, _o) -> tuple[CaseState, list[Note]]:
    """000 bijlage 2: VT's regioteam is asked; it answers within the profile's term, like any term."""
    assert s.orgs is not None
    s = recorded(s, ctx, "weging_gevraagd", e.reason.strip())
    s = dl.add(s, ctx.profile, DeadlineKind.WEGING, s.orgs.vt, ctx.now, ctx.profile.weighing_term, ctx.now,
               ref=str(len(s.records)))
    return s, [note("weging_gevraagd", org=ctx.actor_org, reden=e.reason.strip(), record=len(s.records))]


def _weighed(s: CaseState, e: WegingBesloten, ctx: Context, _o) -> tuple[CaseState, list[Note]]:
    s = recorded(s, ctx, "weging_besloten", e.explanation.strip(), source=e.outcome.value)
    s = dl.meet(s, dl.of(DeadlineKind.WEGING), ctx.now)
    notes = [note("weging_besloten", uitkomst=e.outcome.value, toelichting=e.explanation.strip())]
    if e.outcome is WegingUitkomst.SLUITEN:
        return _close(s, ctx, "gezamenlijke_weging"), [*notes, note("gesloten")]
    if e.outcome is WegingUitkomst.VV:   # VT 'opens' the dossier and starts V&V
        s, more = _take_back(s, Route.VV, ctx, e.explanation, "weging_vv")
        notes += more
    return s, notes


def _weighing_disagreed(s: CaseState, e: WegingOneens, ctx: Context, _o) -> tuple[CaseState, list[Note]]:
    """No agreement: the gedragswetenschappers of VT and the lokaal team(s) decide, at once (000 bijlage 2)."""
    assert s.orgs is not None
    s = dl.meet(recorded(s, ctx, "stagnatie", e.reason.strip(), source="weging"), dl.of(DeadlineKind.WEGING), ctx.now)
    s = _escalate_stagnation(s, (s.orgs.vt, *s.holders), ctx,
                             escalation.via_gedragswetenschappers(dl.ladder_of(s, ctx.profile)))
    return s, [note("stagnatie", org=ctx.actor_org, bron="weging", record=len(s.records))]


def _signals(s: CaseState, e: SignalenGewijzigd, ctx: Context, _o) -> tuple[CaseState, list[Note]]:
    """The signals as they are now; the change is kept as a record (which, never why: no free text)."""
    change = ",".join([f"+{x.value}" for x in sorted(e.added - s.signals)]
                      + [f"-{x.value}" for x in sorted(e.removed & s.signals)])
    s = recorded(replace(s, signals=(s.signals | e.added) - e.removed), ctx, "signalen", source=change)
    return s, [note("signalen_gewijzigd", wijziging=change, record=len(s.records))]


def _stagnation(s: CaseState, e: StagnatieGemeld, ctx: Context, _o) -> tuple[CaseState, list[Note]]:
    assert s.orgs is not None
    s = recorded(s, ctx, "stagnatie", e.reason.strip(), source="melding")
    # between VT and the lokale teams — with two gemeenten both (002 §5.2.4) — and whoever holds it now
    parties = (s.orgs.vt, *s.orgs.lts, *s.holders, ctx.actor_org)
    return _escalate_stagnation(s, parties, ctx), [
        note("stagnatie", org=ctx.actor_org, bron="melding", record=len(s.records))]


def _escalate_stagnation(s: CaseState, parties: tuple[str, ...], ctx: Context,
                         ladder: escalation.Ladder | None = None) -> CaseState:
    """Workers who cannot agree escalate to their leidinggevenden (000 §8.2; in Zuid-Limburg first the
    gedragswetenschappers, 002 §5.5): the ladder starts at that step, for every party, now. It is an
    escalation, not a term: it names the record of the stagnation (`ref`), its parties and its reason.
    A disagreement at a gezamenlijke weging goes to the gedragswetenschappers first (`ladder`)."""
    ladder = escalation.from_first_step(dl.ladder_of(s, ctx.profile)) if ladder is None else ladder
    ref = str(len(s.records))
    for org in dict.fromkeys(parties):
        s = dl.add(s, ctx.profile, DeadlineKind.STAGNATIE, org, ctx.now, Term(Unit.UREN, 0), ctx.now,
                   ref=ref, ladder=ladder)
    return s


def _taken_up(s: CaseState, e: Opgepakt, ctx: Context, _o) -> tuple[CaseState, list[Note]]:
    d = next(x for x in s.deadlines if x.seq == e.deadline)
    stopped = replace(d, next_rung=len(d.ladder))
    if d.kind in (DeadlineKind.STAGNATIE, DeadlineKind.OVERDRACHT_WACHT):
        stopped = replace(stopped, state=DeadlineState.GEHAALD, met_at=ctx.now)
    s = replace(s, deadlines=tuple(stopped if x.seq == d.seq else x for x in s.deadlines),
                records=s.records + (Record("opgepakt", ctx.now, ctx.actor, ctx.actor_org, str(d.seq)),))
    return s, [note("opgepakt", deadline=d.seq, soort=d.kind.value, door=ctx.actor, org=ctx.actor_org)]


def _assigned(s: CaseState, e: Toegewezen, ctx: Context, _o) -> tuple[CaseState, list[Note]]:
    before = s.assigned.get(e.org)
    s = recorded(s, ctx, "toewijzing", e.member, org=e.org)
    return s, [note("toegewezen", lid=e.member, org=e.org, vorige=before)]


def _assignment_lapsed(s: CaseState, e: ToewijzingVervallen, ctx: Context, _o) -> tuple[CaseState, list[Note]]:
    s = recorded(s, ctx, "toewijzing_vervallen", e.member, org=e.org)
    return s, [note("toewijzing_vervallen", lid=e.member, org=e.org)]


def _reduce(s: CaseState, e: BewaartermijnVerstreken, ctx: Context, _o) -> tuple[CaseState, list[Note]]:
    return retention.reduced(s, ctx.now), []


def _pause(s: CaseState, e: KlokGepauzeerd, ctx: Context, _o) -> tuple[CaseState, list[Note]]:
    s = replace(s, deadlines=tuple(
        replace(d, paused_at=ctx.now) if d.is_active and not d.paused and d.owner == ctx.actor_org else d
        for d in s.deadlines),
        records=s.records + (Record("pauze", ctx.now, ctx.actor, ctx.actor_org, e.reason.strip()),))
    return s, [note("klok_gepauzeerd", org=ctx.actor_org, reden=e.reason.strip())]


def _resume(s: CaseState, e: KlokHervat, ctx: Context, _o) -> tuple[CaseState, list[Note]]:
    """A paused term is extended by the time it was paused."""
    def resume(d):
        return replace(d, due=d.due + (ctx.now - d.paused_at), paused_at=None)
    s = replace(s, deadlines=tuple(
        resume(d) if d.is_active and d.paused and d.owner == ctx.actor_org else d for d in s.deadlines),
        records=s.records + (Record("hervat", ctx.now, ctx.actor, ctx.actor_org),))
    return s, [note("klok_hervat", org=ctx.actor_org)]


def _gemeente_told(s: CaseState, e: GemeenteGeinformeerd, ctx: Context, _o) -> tuple[CaseState, list[Note]]:
    return _inform_gemeente(s, e.gemeente_org, e.about_org, ctx)


def _inform_gemeente(s: CaseState, gemeente: str, about: str, ctx: Context) -> tuple[CaseState, list[Note]]:
    if any(r.kind == "gemeente_geinformeerd" and r.org == gemeente and r.text == about for r in s.records):
        return s, []   # the gemeente knows already; a second lapse of the same party changes nothing here
    s = recorded(s, ctx, "gemeente_geinformeerd", about, org=gemeente)
    term = ctx.profile.gemeente_answer_term
    if term is not None:   # 002 §5.5: the gemeente answers within 6 weeks; if not, those who reported are told
        ladder = escalation.reminders_then(dl.ladder_of(s, ctx.profile), escalation.Target.MELDERS)
        s = dl.add(s, ctx.profile, DeadlineKind.GEMEENTE_ANTWOORD, gemeente, ctx.now, term, ctx.now, ref=about,
                   ladder=ladder)
    return s, [note("gemeente_geinformeerd", gemeente=gemeente, over=about)]


def _gemeente_answer(s: CaseState, e: GemeenteAntwoord, ctx: Context, _o) -> tuple[CaseState, list[Note]]:
    s = recorded(s, ctx, "gemeente_antwoord", e.explanation.strip(), org=e.gemeente_org)
    return dl.meet(s, dl.of(DeadlineKind.GEMEENTE_ANTWOORD, e.gemeente_org), ctx.now), [
        note("gemeente_antwoord", gemeente=e.gemeente_org, toelichting=e.explanation.strip())]


def _closed(s: CaseState, e: Gesloten, ctx: Context, _o) -> tuple[CaseState, list[Note]]:
    return _close(s, ctx, e.reason.strip()), [note("gesloten")]


def _close(s: CaseState, ctx: Context, reason: str) -> CaseState:
    s = dl.withdraw(s, lambda d: True, "gesloten")
    s = replace(s, handovers=tuple(replace(h, state=HandoverState.INGETROKKEN)
                                   if h.state is HandoverState.OPEN else h for h in s.handovers))
    return replace(s, ledger=ledger.close(s.ledger, ctx.now, "gesloten"),
                   regie=ledger.close(s.regie, ctx.now, "gesloten"), closed_at=ctx.now, closed_reason=reason)


def _propose_closing(s: CaseState, e: AfsluitingVoorgesteld, ctx: Context, _o) -> tuple[CaseState, list[Note]]:
    """The criteria are kept with the proposal (as their keys, never as free text); VT is asked to agree."""
    criteria = ",".join(sorted(c.value for c in e.criteria))
    s = recorded(s, ctx, "afsluiting_voorstel", e.explanation.strip(), source=criteria)
    monitoring = dl.first_active(s, dl.of(DeadlineKind.MONITORING)) is not None
    return s, [note("afsluiting_voorgesteld", org=ctx.actor_org, record=len(s.records), monitoring=monitoring)]


def _agree_closing(s: CaseState, e: AfsluitingAkkoord, ctx: Context, _o) -> tuple[CaseState, list[Note]]:
    proposal, number = s.closing_proposal, s.closing_proposal_number
    assert proposal is not None
    monitoring = dl.first_active(s, dl.of(DeadlineKind.MONITORING)) is not None
    s = recorded(s, ctx, "afsluiting_akkoord")
    notes = [note("afsluiting_akkoord", org=proposal.org, voorstel=number)]
    if monitoring:   # 000 §7.4: VT tells the lokaal team that monitoring ends
        notes.append(note("monitoring_beeindigd"))
    return _close(s, ctx, "stabiele_veiligheid"), [*notes, note("gesloten")]


def _refuse_closing(s: CaseState, e: AfsluitingNietAkkoord, ctx: Context, _o) -> tuple[CaseState, list[Note]]:
    proposal, number = s.closing_proposal, s.closing_proposal_number
    assert proposal is not None
    s = recorded(s, ctx, "afsluiting_niet_akkoord", e.reason.strip())
    return s, [note("afsluiting_niet_akkoord", org=proposal.org, voorstel=number, reden=e.reason.strip())]


def _nothing(s: CaseState, e: Event, ctx: Context, _o) -> tuple[CaseState, list[Note]]:
    return s, []


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), AMS)


EFFECTS: dict[str, Effect] = {
    MeldingOntvangen.name: _melding,
    TriageBesluit.name: _decision,
    OverdrachtGevraagd.name: _request,
    OverdrachtBevestigd.name: _confirm,
    OverdrachtGeweigerd.name: _refuse,
    DienstAfgerond.name: _service_done,
    DocumentVerstuurd.name: _document,
    GezinGeinformeerd.name: _family_told,
    EersteContact.name: _contact,
    DirectbetrokkenenGeinformeerd.name: _informed,
    HuisverbodGestart.name: _ban_start,
    HuisverbodVerlengd.name: _ban_extend,
    HuisverbodBeeindigd.name: _ban_end,
    HuisverbodAdvies.name: _ban_advice,
    Monitoringsmoment.name: _monitoring,
    MonitoringVervolg.name: _follow_up,
    SignalenGewijzigd.name: _signals,
    WegingGevraagd.name: _weighing_asked,
    WegingBesloten.name: _weighed,
    WegingOneens.name: _weighing_disagreed,
    StagnatieGemeld.name: _stagnation,
    GemeenteGeinformeerd.name: _gemeente_told,
    GemeenteAntwoord.name: _gemeente_answer,
    Gesloten.name: _closed,
    AfsluitingVoorgesteld.name: _propose_closing,
    AfsluitingAkkoord.name: _agree_closing,
    AfsluitingNietAkkoord.name: _refuse_closing,
    Opgepakt.name: _taken_up,
    Toegewezen.name: _assigned,
    ToewijzingVervallen.name: _assignment_lapsed,
    KlokGepauzeerd.name: _pause,
    KlokHervat.name: _resume,
    TijdVerstreken.name: _nothing,
    BewaartermijnVerstreken.name: _reduce,
}

__all__ = ["TRANSITIONS", "CONDITIONS", "EFFECTS", "Accepted", "Refused", "Context", "apply", "catch_up"]
