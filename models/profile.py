"""Regional werkafspraken as data: one `Profile` per region, validated when it is read.

Every difference between the regions (the table at the end of domain.md) is a field here, never a
constant in code. The shipped profiles are YAML files in `bot/profiles/`; reading files is `bot/`'s
job, turning their content into a `Profile` (and refusing a wrong one, naming the field) is this one's.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .calendar import Bevrijdingsdag, OfficeHours, Term, Unit, WorkCalendar
from .escalation import LADDER_TARGETS, Ladder, Rung, RungKind, Target
from .schema import ConfigError, Reader
from .types import REPORT_RECEIVERS, OrgKind, Signal


class TransferMoment(StrEnum):
    """When zicht op veiligheid moves to the receiver of a directe overdracht."""

    PLAATSING = "plaatsing"        # placing with LT is the moment (000 §5.1.5)
    BEVESTIGING = "bevestiging"    # only once LT confirmed (001 §1)
    TAFELBESLUIT = "tafelbesluit"  # the triagetafel's decision itself counts (002 §2 i)


class Receipt(StrEnum):
    """What a missing receipt of a handover leads to once zicht op veiligheid has already moved to the
    receiver (placing or the table decision was the moment)."""

    HERINNERING = "herinnering"    # at most a reminder to the receiver (002 §2 i: none needed at the table)
    OPSCHALEN = "opschalen"        # the profile's ladder, like any term (the region's choice)


class ClosingDuringMonitoring(StrEnum):
    """May the casusregie close while Veilig Thuis still monitors?"""

    IN_AFSTEMMING = "in_afstemming"    # yes, with Veilig Thuis told and agreeing (000 §7.4; 002 §6.3)
    NIET_BIJ_STRUCTUREEL = "niet_bij_structureel"   # not for structural unsafety (002 §2 h), else as above


@dataclass(frozen=True)
class Closing:
    """Closing together (000 §7.3): what the region asks before the casusregie ends."""

    without_incidents: Term             # stabiele veiligheid: this long without incidents (000 §7.1: 6 months)
    during_monitoring: ClosingDuringMonitoring


class TableStays(StrEnum):
    """How long the triagetafel's members stay in a case channel (need to know)."""

    TOT_TOEWIJZING = "tot_toewijzing"   # until the case left the table's agenda and its holders assigned a worker
    TOT_SLUITING = "tot_sluiting"       # until the channel is archived


@dataclass(frozen=True)
class Privacy:
    """Who stays in a case channel, and how long the bot keeps what it knows of a case."""

    table_stays: TableStays = TableStays.TOT_TOEWIJZING
    refusing_team_leaves: bool = True        # a lokaal team that refused, and was not asked again, leaves
    keep_case: Term = Term(Unit.MAANDEN, 12)     # after closing: then reduced to what audit and statistics need
    keep_audit: Term = Term(Unit.MAANDEN, 60)    # the audit log's own period (NEN 7513: at least five years)


@dataclass(frozen=True)
class Wording:
    """How the region names the receiving side: "lokaal team" (000, 001) or "lokaal veld" (002)."""

    lokaal_team: str = "lokaal team"             # "Lokaal team Arnhem bevestigt ..."
    het_lokale_team: str = "het lokale team"     # "Veilig Thuis ondersteunt het lokale team"
    de_lokale_teams: str = "de lokale teams"


@dataclass(frozen=True)
class FirstContact:
    direct: Term | None        # after a directe overdracht; None: agreed at the confirmation (001 §1)
    na_dienst: Term | None     # after a dienst; None: no term in this region's agreements
    acuut: Term                # acutely unsafe: immediately (000 §3; 002 §2 k)
    at_confirmation: bool = False   # the receiver names its appointment with the family when it confirms (001 §1)


@dataclass(frozen=True)
class HouseBan:
    """Tijdelijk huisverbod milestones (000 §6)."""

    lt_informeren: Term
    gezamenlijk_gesprek: Term
    advies: Term
    duur: Term
    verlengd_tot: Term


@dataclass(frozen=True)
class Escalation:
    ladder: Ladder
    gemeente_bij_herhaling: int         # lapses of one organisation that count as "repeatedly"
    herhaling_periode: Term             # ... within this period
    acute_ladder: Ladder                # an acute case's terms escalate in hours, not werkdagen


@dataclass(frozen=True)
class Profile:
    name: str
    title: str
    calendar: WorkCalendar
    lt_hours: OfficeHours
    vt_hours: OfficeHours               # when VT can be reached: 24/7, for crises (000 §8.1)
    vt_workday: OfficeHours             # when a VT worker's working day is: non-acute messages go then
    gemeente_hours: OfficeHours         # the bestuurlijk contact's office hours
    lt_acuut_buiten_kantoortijd: bool   # acute: every message goes at once, whoever it is for
    triage_term: Term
    transfer_moment: TransferMoment
    receipt_after_transfer: Receipt
    confirm_after_document: bool        # the receiver confirms a directe overdracht only once the document was sent
    family_first: bool                  # VT tells the family before a directe overdracht (or records why not)
    confirmation_term: Term
    handover_max_wait: Term
    extra_keep_reasons: frozenset[Signal]
    first_contact: FirstContact
    directbetrokkenen_term: Term | None
    monitoring_months: tuple[int, ...]
    monitoring_follow_up: Term          # a moment that is not positive: the next one at most this much later
    monitoring_until: Term | None       # never monitor longer than this after the handover (001 §4: a year)
    monitoring_skippable: bool          # the dienst may show that no monitoring is needed (002 §5.2.6)
    monitoring_stops_when_positive: bool   # all four positive ends it (000 §5.2.7), or the planned moments stay
    service_term: Term                  # VT's oordeel after a dienst (003 §2.2 fn 6: 10 weeks)
    weighing_term: Term                 # VT answers a request for a gezamenlijke weging (000 bijlage 2)
    closing: Closing
    house_ban: HouseBan
    gemeente_answer_term: Term | None
    escalation: Escalation
    archive_after: Term
    wording: Wording
    privacy: Privacy = Privacy()
    # who gets last month's report on the first working day of a month (`rapport: {maandelijks: [...]}`): the
    # leidinggevenden of these kinds of organisation, a gemeente's bestuurlijk contact; nobody by default
    monthly_report: frozenset[OrgKind] = frozenset()

    @staticmethod
    def from_dict(data: Any, source: str) -> Profile:
        return _read_profile(Reader(data, source))


_DAY_UNITS = (Unit.WERKDAGEN, Unit.DAGEN, Unit.WEKEN, Unit.MAANDEN, Unit.UREN)


def _privacy(r: Reader) -> Privacy:
    default = Privacy()
    members = r.sub("kanaalleden") if r.has("kanaalleden") else Reader({}, r.source, "kanaalleden")
    keep = r.sub("bewaartermijn") if r.has("bewaartermijn") else Reader({}, r.source, "bewaartermijn")
    privacy = Privacy(
        table_stays=members.choice("tafelleden", TableStays, default.table_stays),
        refusing_team_leaves=members.boolean("weigerend_team_verlaat_kanaal", default.refusing_team_leaves),
        keep_case=keep.term("casus", {default.keep_case.unit.value: default.keep_case.n},
                            allowed=(Unit.DAGEN, Unit.WEKEN, Unit.MAANDEN)),
        keep_audit=keep.term("auditlog", {default.keep_audit.unit.value: default.keep_audit.n},
                             allowed=(Unit.MAANDEN,)),
    )
    members.done()
    keep.done()
    if privacy.keep_audit.n < 60:
        raise r.error("bewaartermijn.auditlog",
                      "NEN 7513 vraagt de auditlog minstens vijf jaar (60 maanden) te bewaren")
    return privacy


def _org_kind(r: Reader, value: Any, where: str) -> OrgKind:
    """One kind of organisation a monthly report goes to: one with someone to receive it."""
    kinds = tuple(REPORT_RECEIVERS)
    if value not in {k.value for k in kinds}:
        raise ConfigError(r.source, where, f"kies uit {', '.join(k.value for k in kinds)}; kreeg {value!r}")
    return OrgKind(value)


def _hours(r: Reader, key: str) -> OfficeHours:
    value = r.raw(key)
    if value == "altijd":
        return OfficeHours(always=True)
    sub = r.sub(key)
    hours = OfficeHours(open_at=sub.clock("open"), close_at=sub.clock("dicht"))
    sub.done()
    if hours.open_at >= hours.close_at:
        raise r.error(key, "'open' moet vóór 'dicht' liggen")
    return hours


def _ladder(r: Reader, units: tuple[Unit, ...] = _DAY_UNITS) -> Ladder:
    rungs: list[Rung] = []
    reminder = r.term("herinnering", None, allowed=units, optional=True)
    if reminder is not None:
        rungs.append(Rung(RungKind.HERINNERING, Target.EIGENAAR, reminder))

    def step(value: Any, where: str) -> Rung:
        s = Reader(value, r.source, where)
        rung = Rung(RungKind.VERLOPEN, s.choice("naar", Target), s.term("na", allowed=units))
        s.done()
        return rung

    steps = r.listing("treden", step)
    if not steps or steps[0].target is not Target.EIGENAAR:
        raise r.error("treden", "de eerste trede gaat naar de eigenaar ('naar: eigenaar')")
    if any(s.target not in LADDER_TARGETS for s in steps):
        raise r.error("treden", "een trede gaat naar eigenaar, gedragswetenschapper, leidinggevende of gemeente")
    rungs.extend(steps)
    return tuple(rungs)


def _read_profile(r: Reader) -> Profile:
    cal = r.sub("kalender")
    calendar = WorkCalendar(
        goede_vrijdag=cal.boolean("goede_vrijdag"),
        bevrijdingsdag=cal.choice("bevrijdingsdag", Bevrijdingsdag),
        extra_closing_days=frozenset(cal.dates("extra_sluitingsdagen", [])),
    )
    cal.done()

    reach = r.sub("bereikbaarheid")
    lt_hours, vt_hours = _hours(reach, "lt"), _hours(reach, "vt")
    vt_workday, gemeente_hours = _hours(reach, "vt_werkdag"), _hours(reach, "gemeente")
    lt_acute = reach.boolean("lt_acuut_buiten_kantoortijd")
    reach.done()

    over = r.sub("overdracht")
    moment = over.choice("moment", TransferMoment)
    receipt = over.choice("ontvangst_na_overgang", Receipt)
    after_document = over.boolean("bevestigen_na_document")
    family_first = over.boolean("gezin_eerst_informeren")
    confirmation = over.term("bevestiging_termijn", allowed=_DAY_UNITS)
    max_wait = over.term("maximale_wachttijd", allowed=_DAY_UNITS)
    over.done()

    def signal(value: Any, where: str) -> Signal:
        try:
            return Signal(value)
        except ValueError:
            options = ", ".join(s.value for s in Signal)
            raise ConfigError(r.source, where, f"{value!r} is geen signaal (kies uit: {options})") from None

    extra = frozenset(r.listing("extra_redenen_vt_houdt", signal, []))

    fc = r.sub("eerste_contact")
    first_contact = FirstContact(
        direct=fc.term("direct", allowed=_DAY_UNITS, optional=True),
        na_dienst=fc.term("na_dienst", allowed=_DAY_UNITS, optional=True),
        acuut=fc.term("acuut", allowed=_DAY_UNITS),
        at_confirmation=fc.boolean("afspraak_bij_bevestiging", False),
    )
    fc.done()

    def month(value: Any, where: str) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ConfigError(r.source, where, f"verwacht een aantal maanden ≥ 1, kreeg {value!r}")
        return value

    months = tuple(r.listing("monitoring_maanden", month))
    if list(months) != sorted(set(months)):
        raise r.error("monitoring_maanden", "verwacht oplopende, verschillende maanden")

    close = r.sub("afsluiten")
    closing = Closing(close.term("zonder_incidenten", allowed=(Unit.MAANDEN, Unit.WEKEN)),
                      close.choice("tijdens_monitoring", ClosingDuringMonitoring))
    close.done()

    hv = r.sub("huisverbod")
    house_ban = HouseBan(
        lt_informeren=hv.term("lt_informeren", allowed=(Unit.DAG,)),
        gezamenlijk_gesprek=hv.term("gezamenlijk_gesprek", allowed=(Unit.WERKDAGEN,)),
        advies=hv.term("advies", allowed=(Unit.DAG,)),
        duur=hv.term("duur", allowed=(Unit.DAG,)),
        verlengd_tot=hv.term("verlengd_tot", allowed=(Unit.DAG,)),
    )
    hv.done()
    if house_ban.verlengd_tot.n <= house_ban.duur.n:
        raise r.error("huisverbod.verlengd_tot", "moet later vallen dan 'duur'")

    esc = r.sub("escalatie")
    ladder = _ladder(esc)
    rep = esc.sub("gemeente_bij_herhaling")
    acute = esc.sub("acuut")
    acute_ladder = _ladder(acute, units=(Unit.UREN,))
    acute.done()
    escalation = Escalation(ladder, rep.integer("aantal", minimum=1), rep.term("periode", allowed=_DAY_UNITS),
                            acute_ladder)
    rep.done()
    esc.done()

    privacy = _privacy(r)
    reports = r.sub("rapport") if r.has("rapport") else Reader({}, r.source, "rapport")
    monthly = frozenset(reports.listing("maandelijks", lambda v, w: _org_kind(reports, v, w), []))
    reports.done()

    words = r.sub("woorden")
    wording = Wording(words.text("lokaal_team"), words.text("het_lokale_team"), words.text("de_lokale_teams"))
    words.done()

    profile = Profile(
        name=r.text("naam"),
        title=r.text("titel"),
        calendar=calendar,
        lt_hours=lt_hours,
        vt_hours=vt_hours,
        vt_workday=vt_workday,
        gemeente_hours=gemeente_hours,
        lt_acuut_buiten_kantoortijd=lt_acute,
        triage_term=r.term("triage_termijn", allowed=(Unit.WERKDAGEN,)),
        transfer_moment=moment,
        receipt_after_transfer=receipt,
        confirm_after_document=after_document,
        family_first=family_first,
        confirmation_term=confirmation,
        handover_max_wait=max_wait,
        extra_keep_reasons=extra,
        first_contact=first_contact,
        directbetrokkenen_term=r.term("directbetrokkenen_geinformeerd", allowed=_DAY_UNITS, optional=True),
        monitoring_months=months,
        monitoring_follow_up=r.term("monitoring_vervolg", allowed=(Unit.MAANDEN,)),
        monitoring_until=r.term("monitoring_hoogstens", allowed=(Unit.MAANDEN,), optional=True),
        monitoring_skippable=r.boolean("monitoring_overslaan"),
        monitoring_stops_when_positive=r.boolean("monitoring_stopt_als_positief"),
        service_term=r.term("dienst_termijn", allowed=_DAY_UNITS),
        weighing_term=r.term("weging_termijn", allowed=_DAY_UNITS),
        closing=closing,
        house_ban=house_ban,
        gemeente_answer_term=r.term("gemeente_antwoord", allowed=_DAY_UNITS, optional=True),
        escalation=escalation,
        archive_after=r.term("kanaal_archiveren_na", allowed=_DAY_UNITS),
        wording=wording,
        privacy=privacy,
        monthly_report=monthly,
    )
    r.raw("bron", None)   # documentation only: the source document of the werkafspraken
    r.done()
    return profile
