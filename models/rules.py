"""The named guards of the lifecycle: each refuses an event with a reason, or lets it pass.

A refusal is a message key plus parameters, rendered in Dutch by `templates/`. Guards marked
*overridable* may be overruled by VT with a written reason (`forceer reden: ...`), which is recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from . import retention
from .calendar import AMS
from .case import CaseState, Handover
from .profile import ClosingDuringMonitoring, Profile
from .types import DeadlineKind, HandoverKind, HandoverState, Route, Signal, Stabiel, Weight


@dataclass(frozen=True)
class Refused:
    key: str
    params: tuple[tuple[str, object], ...] = ()
    overridable: bool = False

    @staticmethod
    def of(key: str, overridable: bool = False, **params: object) -> Refused:
        return Refused(key, tuple(params.items()), overridable)

    def get(self, name: str, default: object = None) -> object:
        return dict(self.params).get(name, default)


@dataclass(frozen=True)
class Context:
    now: datetime
    actor: str          # member id of who does it
    actor_org: str      # their organisation
    profile: Profile

    def __post_init__(self) -> None:
        if self.now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        object.__setattr__(self, "now", self.now.astimezone(UTC))   # stored in UTC, shown in Amsterdam

    @property
    def today(self) -> date:
        return self.now.astimezone(AMS).date()


Guard = Callable[[CaseState, object, Context], Refused | None]

# The national reasons for VT to keep a case (003 §2.2): immediate intervention, structural serious
# unsafety, not enough information, anonymity promised to the melder, a request to the Raad voor de
# Kinderbescherming. A region adds its own in its profile (NOG: 001 §1).
NATIONAL_KEEP_SIGNALS = frozenset({Signal.ACUUT, Signal.STRUCTUREEL, Signal.ONVOLDOENDE_INFO, Signal.RVDK})


def keep_reasons(state: CaseState, profile: Profile) -> tuple[str, ...]:
    """Why VT must keep this case (no directe overdracht), as reason keys; empty if none applies."""
    reasons = {s.value for s in state.signals & (NATIONAL_KEEP_SIGNALS | profile.extra_keep_reasons)}
    if state.spoed:
        reasons.add("spoed")           # urgent: immediate intervention (003 §2.2)
    if state.anoniem:
        reasons.add("anoniem")         # anonymity promised to the melder (003 §2.2)
    return tuple(sorted(reasons))


def receivers(state: CaseState, kind: HandoverKind) -> tuple[str, ...]:
    """Who receives an overdracht: the lokale teams, the GI or the MDT (empty: nobody known)."""
    assert state.orgs is not None
    if kind is HandoverKind.NA_DIENST or state.route is Route.LT:
        return state.orgs.lts
    if state.route is Route.GI:
        return (state.orgs.gi,) if state.orgs.gi else ()
    if state.route is Route.MDT:
        return (state.orgs.mdt,) if state.orgs.mdt else ()
    return ()


def next_handover_kind(state: CaseState) -> HandoverKind:
    return HandoverKind.NA_DIENST if state.service_done_at else HandoverKind.DIRECT


# ---- melding ---------------------------------------------------------------------------------
def gemeenten_valid(state: CaseState, e, ctx: Context) -> Refused | None:
    if not 1 <= len(e.gemeenten) <= 2 or len(set(e.gemeenten)) != len(e.gemeenten):
        return Refused.of("gemeenten_aantal")
    if len(e.orgs.lts) != len(e.gemeenten):
        return Refused.of("geen_lokaal_team")
    return None


def received_not_future(state: CaseState, e, ctx: Context) -> Refused | None:
    if e.received_at > ctx.now:
        return Refused.of("ontvangst_in_toekomst")
    return None


# ---- triagebesluit ---------------------------------------------------------------------------
def override_has_reason(state: CaseState, e, ctx: Context) -> Refused | None:
    if e.override and len(e.override_reason.strip()) < 10:
        return Refused.of("forceer_zonder_reden")
    return None


def gi_needs_gezinsvoogd(state: CaseState, e, ctx: Context) -> Refused | None:
    if e.route is Route.GI and not state.gezinsvoogd:
        return Refused.of("gi_zonder_gezinsvoogd")
    return None


def gezinsvoogd_goes_to_gi(state: CaseState, e, ctx: Context) -> Refused | None:
    # 002 bijlage 3a, 1: with a gezinsvoogd involved the melding goes to the GI, gemeente in cc.
    if state.gezinsvoogd and e.route is not Route.GI:
        return Refused.of("gezinsvoogd_route_gi", overridable=True)
    return None


def vt_keeps_case(state: CaseState, e, ctx: Context) -> Refused | None:
    # 003 §2.2 (national) and 001 §1 (extra in NOG): no directe overdracht while a reason applies.
    if e.route is Route.LT:
        reasons = keep_reasons(state, ctx.profile)
        if reasons:
            return Refused.of("vt_houdt_casus", overridable=True, redenen=reasons)
    return None


def no_help_needed(state: CaseState, e, ctx: Context) -> Refused | None:
    # 001 §1: a family that needs no (extra) help from outside is not handed over; the case closes.
    if Signal.GEEN_HULP_NODIG in state.signals and e.route in (Route.LT, Route.GI, Route.MDT):
        return Refused.of("geen_hulp_nodig", overridable=True)
    return None


def signals_change(state: CaseState, e, ctx: Context) -> Refused | None:
    both = e.added & e.removed
    if both:
        return Refused.of("signaal_dubbel", signalen=sorted(s.value for s in both))
    if not (e.added - state.signals) and not (e.removed & state.signals):
        return Refused.of("signalen_ongewijzigd", signalen=sorted(s.value for s in state.signals))
    return None


def heavy_needs_service(state: CaseState, e, ctx: Context) -> Refused | None:
    # 004 Thema 4: a zware casus goes with V&V or Onderzoek, not straight to the lokaal veld.
    if e.weight is Weight.ZWAAR and e.route is Route.LT:
        return Refused.of("zwaar_vraagt_dienst", overridable=True)
    return None


def receiver_known(state: CaseState, e, ctx: Context) -> Refused | None:
    route = getattr(e, "route", state.route)
    assert state.orgs is not None
    if route is Route.MDT and not state.orgs.mdt:
        return Refused.of("geen_mdt")
    if route is Route.GI and not state.orgs.gi:
        return Refused.of("geen_gi")
    return None


# ---- overdracht ------------------------------------------------------------------------------
def _handover(state: CaseState, seq: int) -> Handover | None:
    return next((h for h in state.handovers if h.seq == seq), None)


def request_open(state: CaseState, e, ctx: Context) -> Refused | None:
    h = _handover(state, e.handover)
    if h is None:
        return Refused.of("verzoek_onbekend", verzoek=e.handover)
    confirmed = h.confirmation_by(e.org)
    if confirmed is not None:
        return Refused.of("al_bevestigd", door=confirmed.by, om=confirmed.at)
    if h.state is not HandoverState.OPEN:
        return Refused.of("verzoek_niet_open", verzoek=e.handover, toestand=h.state.value)
    return None


def org_receives(state: CaseState, e, ctx: Context) -> Refused | None:
    h = _handover(state, e.handover)
    if h is not None and e.org not in h.receivers:
        return Refused.of("niet_de_ontvanger", ontvangers=h.receivers)
    return None


def reason_when_not_told(state: CaseState, e, ctx: Context) -> Refused | None:
    if not e.informed and not e.reason.strip():
        return Refused.of("reden_verplicht")
    return None


def family_first(state: CaseState, e, ctx: Context) -> Refused | None:
    """000 §5.1; 001 §1; 002 §5.1: VT hands over directly only after it told the family (or recorded why not)."""
    if not ctx.profile.family_first or next_handover_kind(state) is not HandoverKind.DIRECT:
        return None
    if any(r.kind in ("gezin_geinformeerd", "gezin_niet_geinformeerd") for r in state.records):
        return None
    return Refused.of("gezin_niet_geinformeerd")


def appointment_at_confirmation(state: CaseState, e, ctx: Context) -> Refused | None:
    """001 §1: with its confirmation of a directe overdracht the lokaal team makes an appointment with the family."""
    h = _handover(state, e.handover)
    if h is None or h.kind is not HandoverKind.DIRECT or state.orgs is None or e.org not in state.orgs.lts:
        return None
    if e.appointment is None:
        return Refused.of("afspraak_ontbreekt", verzoek=h.seq) if ctx.profile.first_contact.at_confirmation else None
    if e.appointment < ctx.today:
        return Refused.of("afspraak_in_verleden", datum=e.appointment)
    return None


def document_first(state: CaseState, e, ctx: Context) -> Refused | None:
    """NOG (001 §1): VT sends the overdrachtsdocument to the family and the lokaal team; then LT confirms."""
    h = _handover(state, e.handover)
    if (ctx.profile.confirm_after_document and h is not None and h.kind is HandoverKind.DIRECT
            and state.document_sent(h.seq) is None):
        return Refused.of("document_nog_niet_verstuurd", verzoek=h.seq)
    return None


def document_not_sent(state: CaseState, e, ctx: Context) -> Refused | None:
    h = _handover(state, e.handover)
    if h is None or h.state in (HandoverState.GEWEIGERD, HandoverState.INGETROKKEN):
        return Refused.of("verzoek_onbekend", verzoek=e.handover) if h is None else \
            Refused.of("verzoek_niet_open", verzoek=e.handover, toestand=h.state.value)
    sent = state.document_sent(h.seq)
    if sent is not None:
        return Refused.of("document_al_verstuurd", door=sent.by, om=sent.at)
    return None


def reason_given(state: CaseState, e, ctx: Context) -> Refused | None:
    if not e.reason.strip():
        return Refused.of("reden_verplicht")
    return None


def has_receivers(state: CaseState, e, ctx: Context) -> Refused | None:
    if not receivers(state, next_handover_kind(state)):
        return Refused.of("geen_ontvanger")
    return None


def oordeel_after_onderzoek(state: CaseState, e, ctx: Context) -> Refused | None:
    # 000 §5.2.4: after Onderzoek the overdracht carries VT's oordeel.
    if state.route is Route.ONDERZOEK and not e.oordeel.strip():
        return Refused.of("oordeel_verplicht")
    return None


# ---- dates -----------------------------------------------------------------------------------
def day_not_future(state: CaseState, e, ctx: Context) -> Refused | None:
    if e.day > ctx.today:
        return Refused.of("datum_in_toekomst", datum=e.day)
    return None


def day_after_melding(state: CaseState, e, ctx: Context) -> Refused | None:
    assert state.received_at is not None
    received = state.received_at.astimezone(AMS).date()
    if e.day < received:
        return Refused.of("datum_voor_melding", datum=e.day, melding=received)
    return None


# ---- huisverbod, monitoring, gemeente ----------------------------------------------------------
def no_active_house_ban(state: CaseState, e, ctx: Context) -> Refused | None:
    if state.house_ban and state.house_ban.active:
        return Refused.of("huisverbod_loopt_al", sinds=state.house_ban.start)
    return None


def active_house_ban(state: CaseState, e, ctx: Context) -> Refused | None:
    if not (state.house_ban and state.house_ban.active):
        return Refused.of("geen_huisverbod")
    if e.day < state.house_ban.start:
        return Refused.of("datum_voor_huisverbod", datum=e.day, start=state.house_ban.start)
    return None


def not_extended(state: CaseState, e, ctx: Context) -> Refused | None:
    if state.house_ban and state.house_ban.extended:
        return Refused.of("huisverbod_al_verlengd")
    return None


def monitoring_running(state: CaseState, e, ctx: Context) -> Refused | None:
    if not any(d.is_active and d.kind is DeadlineKind.MONITORING for d in state.deadlines):
        return Refused.of("geen_monitoring")
    return None


def after_a_negative_moment(state: CaseState, e, ctx: Context) -> Refused | None:
    """001 §4: the choice follows a monitoring moment that was not positive, once."""
    last = next((r for r in reversed(state.records) if r.kind in ("monitoring", "monitoring_vervolg")), None)
    if last is None or last.kind != "monitoring" or last.positive:
        return Refused.of("geen_negatief_moment")
    return None


def lokaal_team_holds(state: CaseState, e, ctx: Context) -> Refused | None:
    """000 bijlage 2: the lokaal team that holds zicht op veiligheid asks for a gezamenlijke weging."""
    assert state.orgs is not None
    if ctx.actor_org not in state.holders or ctx.actor_org not in state.orgs.lts:
        return Refused.of("alleen_lokaal_team_met_zicht", houders=state.holders)
    return None


def _open_weighing(state: CaseState):
    for r in reversed(state.records):
        if r.kind == "weging_besloten" or r.kind == "stagnatie" and r.source == "weging":
            return None
        if r.kind == "weging_gevraagd":
            return r
    return None


def no_open_weighing(state: CaseState, e, ctx: Context) -> Refused | None:
    asked = _open_weighing(state)
    if asked is not None:
        return Refused.of("weging_loopt_al", door=asked.org, om=asked.at)
    return None


def weighing_open(state: CaseState, e, ctx: Context) -> Refused | None:
    if _open_weighing(state) is None:
        return Refused.of("geen_weging_open")
    return None


def monitoring_may_be_skipped(state: CaseState, e, ctx: Context) -> Refused | None:
    if not e.monitoring and not ctx.profile.monitoring_skippable:
        return Refused.of("monitoring_verplicht")
    return None


def gemeente_answer_open(state: CaseState, e, ctx: Context) -> Refused | None:
    if not any(d.is_active and d.kind is DeadlineKind.GEMEENTE_ANTWOORD and d.owner == e.gemeente_org
               for d in state.deadlines):
        return Refused.of("geen_open_vraag_aan_gemeente")
    return None


def informing_open(state: CaseState, e, ctx: Context) -> Refused | None:
    """The directbetrokkenen can be recorded as informed by an organisation that still has to (002 bijlage 3b)."""
    if not any(d.is_active and d.kind is DeadlineKind.DIRECTBETROKKENEN and d.owner == e.org for d in state.deadlines):
        return Refused.of("geen_open_informeren")
    return None


# ---- escalation -------------------------------------------------------------------------------------
def escalation_open(state: CaseState, e, ctx: Context) -> Refused | None:
    d = next((x for x in state.deadlines if x.seq == e.deadline), None)
    taken = next((r for r in state.records if r.kind == "opgepakt" and r.text == str(e.deadline)), None)
    if taken is not None:
        return Refused.of("al_opgepakt", door=taken.by, om=taken.at)
    # a stagnation or a handover left waiting stays open until someone takes it up, also when its ladder
    # has no step left; a term's escalation is open while the ladder can still climb
    escalation = d is not None and d.kind in (DeadlineKind.STAGNATIE, DeadlineKind.OVERDRACHT_WACHT)
    if d is None or not d.is_active or (d.next_rung >= len(d.ladder) and not escalation):
        return Refused.of("escalatie_niet_open")
    if d.owner != ctx.actor_org:
        return Refused.of("niet_de_eigenaar", eigenaar=d.owner)
    return None


def has_running_terms(state: CaseState, e, ctx: Context) -> Refused | None:
    if not any(d.is_active and not d.paused and d.owner == ctx.actor_org for d in state.deadlines):
        return Refused.of("geen_termijnen_om_te_pauzeren")
    return None


def has_paused_terms(state: CaseState, e, ctx: Context) -> Refused | None:
    if not any(d.is_active and d.paused and d.owner == ctx.actor_org for d in state.deadlines):
        return Refused.of("niet_gepauzeerd")
    return None


# ---- closing ----------------------------------------------------------------------------------------
def not_held_by_another(state: CaseState, e, ctx: Context) -> Refused | None:
    """VT closes only what it holds: closing its part never ends another organisation's zicht op veiligheid;
    a case another organisation holds closes together (000 §7.3; 002 §6.1)."""
    assert state.orgs is not None
    others = tuple(h for h in state.holders if h != state.orgs.vt)
    if others:
        return Refused.of("zicht_bij_ander", houders=others)
    return None


def regie_holder_proposes(state: CaseState, e, ctx: Context) -> Refused | None:
    assert state.orgs is not None
    if ctx.actor_org not in state.regie_holders or ctx.actor_org == state.orgs.vt:
        return Refused.of("niet_de_regiehouder", regiehouders=state.regie_holders)
    return None


def no_open_proposal(state: CaseState, e, ctx: Context) -> Refused | None:
    proposal = state.closing_proposal
    if proposal is not None:
        return Refused.of("voorstel_loopt_al", door=proposal.org, om=proposal.at)
    return None


def stable_safety(state: CaseState, e, ctx: Context) -> Refused | None:
    """Stabiele veiligheid is all three criteria (000 §7.1; 002 §6.1), each stated, not one free word."""
    missing = [c.value for c in Stabiel if c not in e.criteria]
    if missing:
        return Refused.of("stabiele_veiligheid_onvolledig", ontbreekt=missing)
    return None


def without_incidents(state: CaseState, e, ctx: Context) -> Refused | None:
    """What the bot itself knows contradicts "no incidents for six months": a huisverbod, a negative
    monitoring moment or a reported stagnation in that period."""
    since = ctx.profile.calendar.shift(ctx.now, ctx.profile.closing.without_incidents, before=True)
    incidents = [r.at for r in state.records if r.at > since and (
        r.kind == "stagnatie" and r.source == "melding" or r.kind == "monitoring" and r.positive is False)]
    if state.house_ban:
        started = datetime.combine(state.house_ban.start, time(0), AMS)
        if started > since:
            incidents.append(started)
    if incidents:
        return Refused.of("incident_te_recent", laatste=max(incidents),
                          periode=str(ctx.profile.closing.without_incidents))
    return None


def closing_during_monitoring(state: CaseState, e, ctx: Context) -> Refused | None:
    """002 §2 h: with structural unsafety the lokaal veld does not close while VT's monitoring runs."""
    monitoring = any(d.is_active and d.kind is DeadlineKind.MONITORING for d in state.deadlines)
    if monitoring and Signal.STRUCTUREEL in state.signals and \
            ctx.profile.closing.during_monitoring is ClosingDuringMonitoring.NIET_BIJ_STRUCTUREEL:
        return Refused.of("niet_afsluiten_tijdens_monitoring")
    return None


def proposal_open(state: CaseState, e, ctx: Context) -> Refused | None:
    number = state.closing_proposal_number
    if number is None or getattr(e, "proposal", 0) not in (0, number):
        return Refused.of("geen_voorstel_open")
    return None


def vt_decides(state: CaseState, e, ctx: Context) -> Refused | None:
    assert state.orgs is not None
    if ctx.actor_org != state.orgs.vt:
        return Refused.of("alleen_vt_stemt_in")
    return None


# ---- who works on the case ---------------------------------------------------------------------------
def may_assign(state: CaseState, e, ctx: Context) -> Refused | None:
    """An organisation assigns its own workers, once the case is its to work on: Veilig Thuis always; a receiver
    once it confirmed a handover (or holds zicht op veiligheid or the casusregie); the GI when a gezinsvoogd is
    involved."""
    if e.org != ctx.actor_org:
        return Refused.of("alleen_eigen_medewerker")
    orgs = state.orgs
    if orgs is None:
        return Refused.of("casus_onbekend")
    if e.org == orgs.vt or e.org in state.holders or e.org in state.regie_holders \
            or any(h.confirmation_by(e.org) for h in state.handovers) or (e.org == orgs.gi and state.gezinsvoogd):
        if state.assigned.get(e.org) == e.member:
            return Refused.of("al_toegewezen", lid=e.member)
        return None
    return Refused.of("eerst_bevestigen")


def assignment_runs(state: CaseState, e, ctx: Context) -> Refused | None:
    if state.assigned.get(e.org) != e.member:
        return Refused.of("geen_toewijzing", lid=e.member)
    return None


def retention_over(state: CaseState, e, ctx: Context) -> Refused | None:
    if state.reduced_at is not None:
        return Refused.of("al_ingekort", op=state.reduced_at)
    due = retention.reduction_due(state, ctx.profile)
    if due is None or ctx.now < due:
        return Refused.of("bewaartermijn_loopt", tot=due)
    return None


GUARDS: dict[str, Guard] = {
    "gemeenten_geldig": gemeenten_valid,
    "ontvangst_niet_in_toekomst": received_not_future,
    "forceer_met_reden": override_has_reason,
    "gi_vereist_gezinsvoogd": gi_needs_gezinsvoogd,
    "gezinsvoogd_naar_gi": gezinsvoogd_goes_to_gi,
    "vt_houdt_casus": vt_keeps_case,
    "zwaar_vraagt_dienst": heavy_needs_service,
    "geen_hulp_nodig": no_help_needed,
    "signalen_wijzigen": signals_change,
    "ontvanger_bekend": receiver_known,
    "verzoek_open": request_open,
    "org_is_ontvanger": org_receives,
    "reden_verplicht": reason_given,
    "document_eerst": document_first,
    "afspraak_bij_bevestiging": appointment_at_confirmation,
    "gezin_eerst": family_first,
    "reden_bij_niet_informeren": reason_when_not_told,
    "document_te_versturen": document_not_sent,
    "heeft_ontvangers": has_receivers,
    "oordeel_na_onderzoek": oordeel_after_onderzoek,
    "datum_niet_in_toekomst": day_not_future,
    "datum_na_melding": day_after_melding,
    "geen_lopend_huisverbod": no_active_house_ban,
    "lopend_huisverbod": active_house_ban,
    "nog_niet_verlengd": not_extended,
    "monitoring_loopt": monitoring_running,
    "na_negatief_moment": after_a_negative_moment,
    "monitoring_overslaan_mag": monitoring_may_be_skipped,
    "lokaal_team_met_zicht": lokaal_team_holds,
    "geen_weging_open": no_open_weighing,
    "weging_open": weighing_open,
    "vraag_aan_gemeente_open": gemeente_answer_open,
    "directbetrokkenen_open": informing_open,
    "escalatie_open": escalation_open,
    "lopende_termijnen": has_running_terms,
    "gepauzeerde_termijnen": has_paused_terms,
    "zicht_niet_bij_ander": not_held_by_another,
    "regiehouder_stelt_voor": regie_holder_proposes,
    "geen_voorstel_open": no_open_proposal,
    "stabiele_veiligheid": stable_safety,
    "zonder_incidenten": without_incidents,
    "afsluiten_tijdens_monitoring": closing_during_monitoring,
    "voorstel_open": proposal_open,
    "vt_stemt_in": vt_decides,
    "toewijzen_mag": may_assign,
    "toewijzing_loopt": assignment_runs,
    "bewaartermijn_om": retention_over,
}
