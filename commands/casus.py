"""`/casus ...`: the case work at the triagetafel. One handler per subcommand, all through `_change`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from models import escalation
from models.case import CaseOrgs, CaseState, channel_name
from models.directory import Member
from models.events import (
    ALL_YES,
    AfsluitingAkkoord,
    AfsluitingNietAkkoord,
    AfsluitingVoorgesteld,
    DienstAfgerond,
    DirectbetrokkenenGeinformeerd,
    DocumentVerstuurd,
    EersteContact,
    Event,
    GemeenteAntwoord,
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
    Toegewezen,
    TriageBesluit,
    WegingBesloten,
    WegingGevraagd,
    WegingOneens,
)
from models.lifecycle import Accepted
from models.rules import Context, Refused
from models.types import (
    HANDOVER_ROUTES,
    MonitorVervolg,
    MonitorVraag,
    OrgKind,
    Role,
    Route,
    Signal,
    Stabiel,
    Status,
    WegingUitkomst,
    Weight,
)

from . import access
from .access import Denied
from .membership import write_after
from .messages import archive_message, handover_key
from .model import Audience, Click, Env, Message, Reply
from .parse import Args, ParseError, case_from_channel, optional_date, parse_date, parse_moment
from .privacy import check_free_text
from .unit import run


@dataclass
class Request:
    env: Env
    member: Member
    args: Args
    channel: str | None
    action: str

    def ctx(self) -> Context:
        return Context(now=self.env.now, actor=self.member.id, actor_org=self.member.org_id,
                       profile=self.env.profile)

    def case_number(self) -> str:
        number = self.args.take_case_number() or case_from_channel(self.channel)
        if number is None:
            raise ParseError("geen_casusnummer")
        return number

    def load(self, number: str) -> CaseState:
        with self.env.unit() as uow:
            state = uow.cases.get(number)
        if state is None:
            raise ParseError("casus_onbekend", nummer=number)
        return state


def answer(template: str, to: str, **context: Any) -> Message:
    return Message(template, context, Audience.USER, to=to)


def vt_only(req: Request, action: str) -> Callable[[CaseState], None]:
    """Only the VT that holds the case's melding may do this (checked in the change's own transaction)."""
    return lambda state: access.require_case_vt(state, req.member, action)


def involved_only(req: Request) -> Callable[[CaseState], None]:
    """Only an organisation involved in the case may do this (checked in the change's own transaction)."""
    return lambda state: access.require_involved(state, req.member)


def refusal(to: str, key: str, params: dict[str, Any]) -> Message:
    return answer(f"weigering/{key}", to, **params)


def _change(req: Request, number: str | None, events: Event | Sequence[Event], done: str, *,
            check: Callable[[CaseState], None] | None = None, **context: Any) -> Reply:
    """Run events in one unit of work; write the messages to the outbox in the same transaction. `check`: who
    may do this to this case, decided on the case as locked for the change (`unit.run`)."""
    def outbox(uow, before, after, accepted: Accepted) -> None:
        env = req.env
        write_after(uow, env.directory, env.profile, before, after, accepted.notes, req.member.id, env.now,
                    by_clock=False)
        if after.status is Status.GESLOTEN and (before is None or before.status is not Status.GESLOTEN):
            profile = req.env.profile   # the channel stays readable for a while, then it is archived
            uow.outbox.add(archive_message(after.number, profile.calendar.due(req.env.now, profile.archive_after)),
                           case=after.number, at=req.env.now)

    result = run(req.env.uow, number, events, req.ctx(), action=req.action, after=outbox, check=check,
                 detail={"kanaal": req.channel} if req.channel else None)
    if isinstance(result.outcome, Refused):
        params = {k: v for k, v in result.outcome.params}
        return Reply([refusal(req.member.id, result.outcome.key, {"case": number, **params})])
    return Reply([answer(done, req.member.id, case=result.number, channel=channel_name(result.number),
                         **context)])


# ---- nieuw -------------------------------------------------------------------------------------
def nieuw(req: Request) -> Reply:
    env, args = req.env, req.args
    access.require_vt(env.directory, req.member, "nieuw")
    word = args.pop_word()
    if not word or "=" in word:
        raise ParseError("gemeente_ontbreekt", gemeenten=env.directory.gemeenten)
    names = [n for n in word.split(",") if n]
    gemeenten = []
    for name in names:
        g = env.directory.gemeente(name)
        if g is None:
            raise ParseError("onbekende_gemeente", gemeente=name, gemeenten=env.directory.gemeenten)
        gemeenten.append(g)
    if not 1 <= len(gemeenten) <= 2 or len(set(gemeenten)) != len(gemeenten):
        raise ParseError("gemeenten_aantal")
    received = args.take_option("ontvangen")
    signals_text = args.take_option("signalen")
    signals = set()
    for s in (signals_text or "").split(","):
        if not s:
            continue
        try:
            signals.add(Signal(s.lower()))
        except ValueError:
            raise ParseError("onbekend_signaal", signaal=s, signalen=[x.value for x in Signal]) from None
    spoed, anoniem, gv = args.take_flag("spoed"), args.take_flag("anoniem"), args.take_flag("gezinsvoogd")
    involved = args.take_flag("lt-betrokken")   # a lokaal team is already involved: it keeps the casusregie
    args.no_more()
    orgs = _orgs(req, tuple(gemeenten), gv)
    event = MeldingOntvangen(gemeenten=tuple(gemeenten), received_at=parse_moment(received) if received else env.now,
                             orgs=orgs, spoed=spoed, anoniem=anoniem, gezinsvoogd=gv, signals=frozenset(signals),
                             lt_betrokken=involved)
    return _change(req, None, event, "klaar/nieuw")


def _orgs(req: Request, gemeenten: tuple[str, ...], gezinsvoogd: bool) -> CaseOrgs:
    d = req.env.directory
    vts = d.serving(gemeenten[0], OrgKind.VT)
    if req.member.org_id not in {o.id for o in vts}:
        raise ParseError("gemeente_niet_van_uw_vt", gemeente=gemeenten[0])
    lts = []
    for g in gemeenten:
        found = d.serving(g, OrgKind.LT)
        if not found:
            raise ParseError("geen_lokaal_team", gemeente=g)
        lts.append(found[0].id)
    gi = d.serving(gemeenten[0], OrgKind.GI)
    if gezinsvoogd and not gi:
        raise ParseError("geen_gi")
    mdt = d.serving(gemeenten[0], OrgKind.MDT)
    return CaseOrgs(vt=req.member.org_id, lts=tuple(lts), gi=gi[0].id if gi else None,
                    mdt=mdt[0].id if mdt else None,
                    gemeenten=tuple(o.id for g in gemeenten for o in d.serving(g, OrgKind.GEMEENTE)))


# ---- besluit, overdracht, dienst -------------------------------------------------------------
def besluit(req: Request) -> Reply:
    number = req.case_number()
    state = req.load(number)
    access.require_case_vt(state, req.member, "besluit")
    word = req.args.pop_word()
    try:
        route = Route(word or "")
    except ValueError:
        raise ParseError("onbekende_route", route=word or "", routes=[r.value for r in Route]) from None
    weights = [w for w in Weight if req.args.take_flag(w.value)]
    if len(weights) > 1:
        raise ParseError("onbekende_woorden", woorden=" ".join(w.value for w in weights[1:]))
    weight = weights[0] if weights else None
    override = req.args.take_flag("forceer")
    told = req.args.take_flag("gezin-geinformeerd")       # VT told the family of the handover (000 §5.1)
    req.args.no_more(labels=("reden",))
    reason = req.args.text("reden")
    check_free_text(reason)
    event = TriageBesluit(route=route, weight=weight, reasoning=reason, override=override,
                          override_reason=reason if override else "")
    events: list[Event] = [GezinGeinformeerd(), event] if told else [event]
    if route in HANDOVER_ROUTES:
        events.append(OverdrachtGevraagd())
    return _change(req, number, events, "klaar/besluit", route=route.value)


def overdracht(req: Request) -> Reply:
    number = req.case_number()
    req.args.take_flag("opnieuw")
    req.args.no_more()
    return _change(req, number, OverdrachtGevraagd(), "klaar/overdracht", check=vt_only(req, "overdracht"))


def dienst(req: Request) -> Reply:
    number = req.case_number()
    if req.args.pop_word() != "afgerond":
        raise ParseError("dienst_afgerond_verwacht")
    without = req.args.take_flag("zonder-monitoring")      # 002 §5.2.6, where the region allows it
    req.args.no_more(labels=("oordeel",))
    oordeel = req.args.text("oordeel")
    check_free_text(oordeel, veld="oordeel")
    return _change(req, number, [DienstAfgerond(oordeel, monitoring=not without), OverdrachtGevraagd()],
                   "klaar/dienst", check=vt_only(req, "dienst"))


def click(env: Env, c: Click) -> Reply:
    """A handover button: only the receiving organisation; a second click says who already did."""
    m = access.member(env.directory, c.user)
    if c.action == "oppakken":
        return take_up(env, c, m)
    if c.action == "akkoord":
        return agree(env, c, m)
    if c.action == "toewijzen":     # the platforms ask who in a form first, and type it as the command
        raise ParseError("lid_ontbreekt", voorbeeld=f"/casus toewijzen {c.value.partition(':')[0]} <lid>")
    if c.action == "document":
        number, _, seq = c.value.partition(":")
        if not seq.isdigit():
            raise ParseError("knop_onbekend")
        req = Request(env, m, Args([]), c.channel, "klik:document")
        return _change(req, number, DocumentVerstuurd(int(seq)), "klaar/document", check=vt_only(req, "document"))
    number, _, seq = c.value.partition(":")
    if not seq.isdigit():
        raise ParseError("knop_onbekend")
    req = Request(env, m, Args([]), c.channel, f"klik:{c.action}")
    if c.action == "bevestig":
        return _change(req, number, OverdrachtBevestigd(int(seq), m.org_id), "klaar/bevestigd",
                       key=handover_key(number, int(seq)))
    if c.action == "weiger":
        check_free_text(c.reason)
        if not c.reason.strip():
            raise ParseError("weigering_zonder_reden", case=number)
        return _change(req, number, OverdrachtGeweigerd(int(seq), m.org_id, c.reason), "klaar/geweigerd")
    raise ParseError("knop_onbekend")


# ---- facts during the case ---------------------------------------------------------------------
def contact(req: Request) -> Reply:
    number = req.case_number()
    day = optional_date(req.args) or req.ctx().today
    req.args.no_more()
    return _change(req, number, EersteContact(day, req.member.org_id), "klaar/contact", day=day.isoformat(),
                   check=involved_only(req))


_BAN = {"start": HuisverbodGestart, "verlengd": HuisverbodVerlengd, "einde": HuisverbodBeeindigd,
        "advies": HuisverbodAdvies}


def huisverbod(req: Request) -> Reply:
    number = req.case_number()
    word = req.args.pop_word()
    if word not in _BAN:
        raise ParseError("huisverbod_soort", soort=word or "")
    day = optional_date(req.args) or req.ctx().today
    req.args.no_more()
    return _change(req, number, _BAN[word](day), "klaar/huisverbod", soort=word, check=vt_only(req, "huisverbod"))


def monitoring(req: Request) -> Reply:
    """`monitoring [datum] <vraag>=ja|nee ... [toelichting: ...]` — the four questions of 000 §5.2.7 (`positief`:
    all four ja); `monitoring vervolg <keuze> [toelichting: ...]` — what follows a moment that was not (001 §4)."""
    number = req.case_number()
    if req.args.take_flag("vervolg"):
        word = req.args.pop_word()
        try:
            choice = MonitorVervolg(word or "")
        except ValueError:
            raise ParseError("monitoring_keuze", keuze=word or "", keuzes=[c.value for c in MonitorVervolg]) from None
        req.args.no_more(labels=("toelichting",))
        text = req.args.text("toelichting")
        check_free_text(text, veld="toelichting")
        return _change(req, number, MonitoringVervolg(choice, text), "klaar/monitoring_vervolg", keuze=choice.value,
                       check=vt_only(req, "monitoring"))
    day = optional_date(req.args) or req.ctx().today
    yes = set(ALL_YES) if req.args.take_flag("positief") else set()
    answered = set(yes)
    for q in MonitorVraag:
        value = req.args.take_option(q.value)
        if value is None:
            continue
        if value.lower() not in ("ja", "nee"):
            raise ParseError("monitoring_antwoord", vraag=q.value, antwoord=value)
        answered.add(q)
        (yes.add if value.lower() == "ja" else yes.discard)(q)
    if answered != set(MonitorVraag):
        raise ParseError("monitoring_uitkomst", ontbreekt=[q.value for q in MonitorVraag if q not in answered],
                         woorden=" ".join(req.args.words))
    req.args.no_more(labels=("toelichting",))
    text = req.args.text("toelichting")
    check_free_text(text, veld="toelichting")
    return _change(req, number, Monitoringsmoment(day, frozenset(yes), text), "klaar/monitoring",
                   check=vt_only(req, "monitoring"))


def stagnatie(req: Request) -> Reply:
    number = req.case_number()
    req.args.no_more(labels=("reden",))
    reason = req.args.text("reden")
    if not reason:
        raise ParseError("reden_ontbreekt", voorbeeld="/casus stagnatie reden: ...")
    check_free_text(reason)
    first = escalation.from_first_step(req.env.profile.escalation.ladder)
    return _change(req, number, StagnatieGemeld(reason), "klaar/stagnatie", check=involved_only(req),
                   naar=first[0].target.value if first else "leidinggevende")


def geinformeerd(req: Request) -> Reply:
    """Veilig Thuis, before a directe overdracht: it told the family (000 §5.1), or `niet reden: ...` why not.
    The lokaal team, after the handover: it informed the directbetrokkenen (002 §5.1.2; bijlage 3b)."""
    number = req.case_number()
    state = req.load(number)
    access.require_involved(state, req.member)
    if state.orgs is not None and req.member.org_id == state.orgs.vt:
        informed = not req.args.take_flag("niet")
        req.args.no_more(labels=("reden",))
        reason = req.args.text("reden")
        check_free_text(reason)
        return _change(req, number, GezinGeinformeerd(informed, reason), "klaar/gezin_geinformeerd",
                       geinformeerd=informed)
    req.args.no_more()
    return _change(req, number, DirectbetrokkenenGeinformeerd(req.member.org_id), "klaar/geinformeerd")


def antwoord(req: Request) -> Reply:
    """The gemeente's bestuurlijk contact records the gemeente's answer to a report (002 §5.5; 000 §8.2)."""
    number = req.case_number()
    state = req.load(number)
    if req.member.role is not Role.BESTUURLIJK_CONTACT or state.orgs is None \
            or req.member.org_id not in state.orgs.gemeenten:
        raise Denied("alleen_bestuurlijk_contact", casus=number)
    req.args.no_more(labels=("toelichting",))
    explanation = req.args.text("toelichting")
    check_free_text(explanation, veld="toelichting")
    return _change(req, number, GemeenteAntwoord(req.member.org_id, explanation), "klaar/antwoord")


def sluiten(req: Request) -> Reply:
    number = req.case_number()
    req.args.no_more(labels=("reden",))
    reason = req.args.text("reden")
    if not reason:
        raise ParseError("reden_ontbreekt", voorbeeld="/casus sluiten reden: ...")
    check_free_text(reason)
    return _change(req, number, Gesloten(reason), "klaar/sluiten", check=vt_only(req, "sluiten"))


def bevestig(req: Request) -> Reply:
    """`bevestig [verzoek] [afspraak=JJJJ-MM-DD]`: the receiver confirms by typing, with its appointment with the
    family where the region asks it (001 §1); the same as the button."""
    number = req.case_number()
    state = req.load(number)
    access.require_involved(state, req.member)
    seq = next((int(w) for w in req.args.words if w.isdigit()), None)
    req.args.words = [w for w in req.args.words if not w.isdigit()]
    day = req.args.take_option("afspraak")
    req.args.no_more()
    if seq is None:
        if not state.handovers:
            raise ParseError("verzoek_onbekend", verzoek=1)
        seq = state.handovers[-1].seq
    appointment = parse_date(day) if day else None
    return _change(req, number, OverdrachtBevestigd(seq, req.member.org_id, appointment), "klaar/bevestigd",
                   key=handover_key(number, seq))


def document(req: Request) -> Reply:
    """`document [verzoeknummer]`: VT records that it sent the overdrachtsdocument (never its contents)."""
    number = req.case_number()
    state = req.load(number)
    access.require_case_vt(state, req.member, "document")
    seq = next((int(w) for w in req.args.words if w.isdigit()), None)
    req.args.words = [w for w in req.args.words if not w.isdigit()]
    req.args.take_flag("verstuurd")
    req.args.no_more()
    if seq is None:
        if not state.handovers:
            raise ParseError("verzoek_onbekend", verzoek=1)
        seq = state.handovers[-1].seq
    return _change(req, number, DocumentVerstuurd(seq), "klaar/document")


# ---- signals after registration -----------------------------------------------------------------------
def signaal(req: Request) -> Reply:
    """`signaal +<signaal> -<signaal> ...`: VT adds (+, or no sign) or removes (-) signals of a case."""
    number = req.case_number()
    added, removed = set(), set()
    while (word := req.args.pop_word()) is not None:
        sign, name = (word[0], word[1:]) if word[:1] in "+-" else ("+", word)
        try:
            signal = Signal(name)
        except ValueError:
            raise ParseError("onbekend_signaal", signaal=name, signalen=[x.value for x in Signal]) from None
        (added if sign == "+" else removed).add(signal)
    if not added and not removed:
        raise ParseError("signaal_ontbreekt", signalen=[x.value for x in Signal])
    req.args.no_more()
    return _change(req, number, SignalenGewijzigd(frozenset(added), frozenset(removed)), "klaar/signaal",
                   check=vt_only(req, "signaal"))


# ---- when the lokaal team cannot get in (000 bijlage 2) ----------------------------------------------------
def weging(req: Request) -> Reply:
    """`weging reden: ...` (the lokaal team asks VT's regioteam), `weging uitkomst <sluiten|advies|vv>
    [toelichting: ...]` and `weging oneens reden: ...` (VT or the lokaal team, who weigh it together)."""
    number = req.case_number()
    state = req.load(number)
    if state.orgs is None or req.member.org_id not in (state.orgs.vt, *state.orgs.lts):
        raise Denied("alleen_vt_en_lokaal_team", casus=number)
    if req.args.take_flag("uitkomst"):
        word = req.args.pop_word()
        try:
            outcome = WegingUitkomst(word or "")
        except ValueError:
            raise ParseError("weging_uitkomst", uitkomst=word or "",
                             uitkomsten=[o.value for o in WegingUitkomst]) from None
        req.args.no_more(labels=("toelichting",))
        text = req.args.text("toelichting")
        check_free_text(text, veld="toelichting")
        return _change(req, number, WegingBesloten(outcome, text), "klaar/weging_uitkomst", uitkomst=outcome.value)
    disagree = req.args.take_flag("oneens")
    req.args.no_more(labels=("reden",))
    reason = req.args.text("reden")
    if not reason:
        example = f"/casus weging {number} {'oneens ' if disagree else ''}reden: ..."
        raise ParseError("reden_ontbreekt", voorbeeld=example)
    check_free_text(reason)
    if disagree:
        return _change(req, number, WegingOneens(reason), "klaar/weging_oneens")
    return _change(req, number, WegingGevraagd(reason), "klaar/weging")


# ---- closing together (000 §7.3; 002 §6) ------------------------------------------------------------
def afsluiten(req: Request) -> Reply:
    """`afsluiten <criteria> [toelichting: ...]` by who holds the casusregie; `afsluiten akkoord` and
    `afsluiten niet-akkoord reden: ...` by Veilig Thuis."""
    number = req.case_number()
    check = involved_only(req)
    if req.args.take_flag("akkoord"):          # only Veilig Thuis: the domain refuses anyone else
        req.args.no_more()
        return _change(req, number, AfsluitingAkkoord(), "klaar/afsluiten_akkoord", check=check)
    if req.args.take_flag("niet-akkoord"):
        req.args.no_more(labels=("reden",))
        reason = req.args.text("reden")
        if not reason:
            raise ParseError("reden_ontbreekt", voorbeeld=f"/casus afsluiten {number} niet-akkoord reden: ...")
        check_free_text(reason)
        return _change(req, number, AfsluitingNietAkkoord(reason), "klaar/afsluiten_niet_akkoord", check=check)
    criteria = {c for c in Stabiel if req.args.take_flag(c.value)}
    if req.args.words:
        raise ParseError("onbekend_criterium", woorden=" ".join(req.args.words), criteria=[c.value for c in Stabiel])
    req.args.no_more(labels=("toelichting",))
    explanation = req.args.text("toelichting")
    check_free_text(explanation, veld="toelichting")
    return _change(req, number, AfsluitingVoorgesteld(frozenset(criteria), explanation), "klaar/afsluiten",
                   check=check)


def agree(env: Env, c: Click, m: Member) -> Reply:
    """The button under a proposal to close: Veilig Thuis agrees."""
    number, _, ref = c.value.partition(":")
    if not (ref.startswith("r") and ref[1:].isdigit()):
        raise ParseError("knop_onbekend")
    req = Request(env, m, Args([]), c.channel, "klik:akkoord")
    return _change(req, number, AfsluitingAkkoord(int(ref[1:])), "klaar/afsluiten_akkoord", check=involved_only(req))


Handler = Callable[[Request], Reply]


# ---- who works on the case ------------------------------------------------------------------------------
def toewijzen(req: Request) -> Reply:
    """`toewijzen <lid>`: an organisation of the case names its worker on it (casusregisseur, behandelaar,
    gezinsvoogd), who joins the case channel. Only a colleague of one's own organisation."""
    number = req.case_number()
    word = req.args.words.pop(0) if req.args.words else None     # as typed: a chat id keeps its capitals
    if word is None:
        raise ParseError("lid_ontbreekt", voorbeeld=f"/casus toewijzen {number} <lid>")
    req.args.no_more()
    worker = access.colleague(req.env.directory, req.member, word)
    return _change(req, number, Toegewezen(worker.id, req.member.org_id), "klaar/toewijzen", lid=worker.id,
                   check=involved_only(req))


# ---- escalation: pausing the clock, taking an escalation up ------------------------------------------
def _require_role(req: Request, action: str, *roles: Role) -> None:
    if req.member.role not in roles:
        raise Denied("alleen_leidinggevende", handeling=action)


def lead_of_involved(req: Request, action: str) -> Callable[[CaseState], None]:
    """A leidinggevende of an organisation involved in the case (checked in the change's own transaction)."""
    def check(state: CaseState) -> None:
        access.require_involved(state, req.member)
        _require_role(req, action, Role.LEIDINGGEVENDE)
    return check


def pauzeer(req: Request) -> Reply:
    """The owning organisation's leidinggevende pauses its terms, e.g. while waiting for the Raad."""
    number = req.case_number()
    req.args.no_more(labels=("reden",))
    reason = req.args.text("reden")
    if not reason:
        raise ParseError("reden_ontbreekt", voorbeeld="/casus pauzeer reden: wachten op de Raad")
    check_free_text(reason)
    return _change(req, number, KlokGepauzeerd(reason), "klaar/pauzeer", check=lead_of_involved(req, "pauzeer"))


def hervat(req: Request) -> Reply:
    number = req.case_number()
    req.args.no_more()
    return _change(req, number, KlokHervat(), "klaar/hervat", check=lead_of_involved(req, "hervat"))


def take_up(env: Env, c: Click, m: Member) -> Reply:
    """"Ik pak dit op": the leidinggevende (or gedragswetenschapper) of the owning organisation."""
    number, _, ref = c.value.partition(":")
    if not (ref.startswith("d") and ref[1:].isdigit()):
        raise ParseError("knop_onbekend")
    req = Request(env, m, Args([]), c.channel, "klik:oppakken")
    _require_role(req, "opgepakt", Role.LEIDINGGEVENDE, Role.GEDRAGSWETENSCHAPPER)
    return _change(req, number, Opgepakt(int(ref[1:])), "klaar/opgepakt")
