"""The events a case can undergo. Each names itself; `lifecycle.TRANSITIONS` says when it is allowed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import ClassVar

from .case import CaseOrgs
from .types import MonitorVervolg, MonitorVraag, Route, Signal, Stabiel, WegingUitkomst, Weight


@dataclass(frozen=True)
class Event:
    name: ClassVar[str]


@dataclass(frozen=True)
class MeldingOntvangen(Event):
    name: ClassVar[str] = "melding_ontvangen"
    gemeenten: tuple[str, ...]
    received_at: datetime
    orgs: CaseOrgs
    spoed: bool = False
    anoniem: bool = False
    gezinsvoogd: bool = False
    signals: frozenset[Signal] = frozenset()
    lt_betrokken: bool = False       # a lokaal team was already involved: it keeps the casusregie (000 §7.3)


@dataclass(frozen=True)
class TriageBesluit(Event):
    name: ClassVar[str] = "triagebesluit"
    route: Route
    weight: Weight | None = None
    reasoning: str = ""
    override: bool = False           # VT overrides a rule that would refuse this route ...
    override_reason: str = ""        # ... with a written reason, which is recorded


@dataclass(frozen=True)
class OverdrachtGevraagd(Event):
    name: ClassVar[str] = "overdracht_gevraagd"


@dataclass(frozen=True)
class OverdrachtBevestigd(Event):
    name: ClassVar[str] = "overdracht_bevestigd"
    handover: int                    # the seq of the request the button was made for
    org: str
    appointment: date | None = None  # the appointment with the family, where the region asks it (001 §1)


@dataclass(frozen=True)
class OverdrachtGeweigerd(Event):
    name: ClassVar[str] = "overdracht_geweigerd"
    handover: int
    org: str
    reason: str


@dataclass(frozen=True)
class GezinGeinformeerd(Event):
    """VT told the family that the case goes to the lokaal team (000 §5.1; 001 §1; 002 §5.1) — or records why
    it did not (`informed` False, with the reason)."""

    name: ClassVar[str] = "gezin_geinformeerd"
    informed: bool = True
    reason: str = ""


@dataclass(frozen=True)
class DocumentVerstuurd(Event):
    """VT sent the overdrachtsdocument of a handover (the bot keeps that it was sent, never its contents)."""

    name: ClassVar[str] = "document_verstuurd"
    handover: int


@dataclass(frozen=True)
class DienstAfgerond(Event):
    name: ClassVar[str] = "dienst_afgerond"
    oordeel: str = ""                # VT's oordeel; required after Onderzoek (000 §5.2.4)
    monitoring: bool = True          # False: the dienst showed the file can close, no monitoring (002 §5.2.6)


@dataclass(frozen=True)
class EersteContact(Event):
    name: ClassVar[str] = "eerste_contact"
    day: date
    org: str


@dataclass(frozen=True)
class HuisverbodGestart(Event):
    name: ClassVar[str] = "huisverbod_gestart"
    day: date


@dataclass(frozen=True)
class HuisverbodVerlengd(Event):
    name: ClassVar[str] = "huisverbod_verlengd"
    day: date


@dataclass(frozen=True)
class HuisverbodBeeindigd(Event):
    name: ClassVar[str] = "huisverbod_beeindigd"
    day: date


@dataclass(frozen=True)
class HuisverbodAdvies(Event):
    name: ClassVar[str] = "huisverbod_advies"
    day: date


ALL_YES = frozenset(MonitorVraag)


@dataclass(frozen=True)
class Monitoringsmoment(Event):
    """VT's judgement on the four questions (000 §5.2.7): `yes` holds those answered positively."""

    name: ClassVar[str] = "monitoringsmoment"
    day: date
    yes: frozenset[MonitorVraag]
    explanation: str = ""

    @property
    def positive(self) -> bool:
        return self.yes == ALL_YES


@dataclass(frozen=True)
class MonitoringVervolg(Event):
    """After a moment that was not positive, VT (with the lokaal team) chooses what follows (001 §4)."""

    name: ClassVar[str] = "monitoring_vervolg"
    choice: MonitorVervolg
    explanation: str = ""


@dataclass(frozen=True)
class StagnatieGemeld(Event):
    name: ClassVar[str] = "stagnatie_gemeld"
    reason: str


@dataclass(frozen=True)
class GemeenteGeinformeerd(Event):
    """The gemeente was told an organisation fails the agreements (000 §8.2)."""

    name: ClassVar[str] = "gemeente_geinformeerd"
    gemeente_org: str
    about_org: str


@dataclass(frozen=True)
class GemeenteAntwoord(Event):
    """The gemeente's answer to a report, recorded by its bestuurlijk contact (002 §5.5; 000 §8.2)."""

    name: ClassVar[str] = "gemeente_antwoord"
    gemeente_org: str
    explanation: str = ""


@dataclass(frozen=True)
class DirectbetrokkenenGeinformeerd(Event):
    """The directbetrokkenen were told about the handover and who does what (002 §5.1.2; bijlage 3b): a
    fact of its own, not the same as a first contact with one member of the family."""

    name: ClassVar[str] = "directbetrokkenen_geinformeerd"
    org: str


@dataclass(frozen=True)
class Gesloten(Event):
    name: ClassVar[str] = "gesloten"
    reason: str


@dataclass(frozen=True)
class AfsluitingVoorgesteld(Event):
    """Who holds the casusregie proposes to close it: stabiele veiligheid, with its criteria (000 §7.1, §7.3;
    002 §6.1, §6.3). Closing is decided together: Veilig Thuis agrees or not."""

    name: ClassVar[str] = "afsluiting_voorgesteld"
    criteria: frozenset[Stabiel]
    explanation: str = ""


@dataclass(frozen=True)
class AfsluitingAkkoord(Event):
    """Veilig Thuis agrees to the proposal: the case closes, monitoring included (000 §7.3, §7.4)."""

    name: ClassVar[str] = "afsluiting_akkoord"
    proposal: int = 0                # the record of the proposal a button was made for; 0: the open one


@dataclass(frozen=True)
class AfsluitingNietAkkoord(Event):
    """Veilig Thuis does not agree, and says why: the casusregie stays where it is."""

    name: ClassVar[str] = "afsluiting_niet_akkoord"
    reason: str


@dataclass(frozen=True)
class SignalenGewijzigd(Event):
    """VT adds or removes signals after registration; the guards look at the signals as they are now."""

    name: ClassVar[str] = "signalen_gewijzigd"
    added: frozenset[Signal] = frozenset()
    removed: frozenset[Signal] = frozenset()


@dataclass(frozen=True)
class WegingGevraagd(Event):
    """The lokaal team cannot get in with the family and asks VT's regioteam for a gezamenlijke weging
    (000 bijlage 2; 002 §5.3)."""

    name: ClassVar[str] = "weging_gevraagd"
    reason: str


@dataclass(frozen=True)
class WegingBesloten(Event):
    """The outcome VT and the lokaal team agreed on (000 bijlage 2)."""

    name: ClassVar[str] = "weging_besloten"
    outcome: WegingUitkomst
    explanation: str = ""


@dataclass(frozen=True)
class WegingOneens(Event):
    """VT and the lokaal team do not agree: the gedragswetenschappers of both decide (000 bijlage 2)."""

    name: ClassVar[str] = "weging_oneens"
    reason: str


@dataclass(frozen=True)
class Opgepakt(Event):
    """A leidinggevende (or gedragswetenschapper) takes up an escalation: its further rungs stop."""

    name: ClassVar[str] = "opgepakt"
    deadline: int


@dataclass(frozen=True)
class Toegewezen(Event):
    """An organisation of the case assigns one of its workers (casusregisseur, behandelaar, gezinsvoogd)."""

    name: ClassVar[str] = "toegewezen"
    member: str
    org: str


@dataclass(frozen=True)
class ToewijzingVervallen(Event):
    """The assigned worker left the organisation (the directory says so): the assignment lapses, and the
    organisation's leidinggevende is told; nobody is assigned in their place without a person deciding it."""

    name: ClassVar[str] = "toewijzing_vervallen"
    member: str
    org: str


@dataclass(frozen=True)
class KlokGepauzeerd(Event):
    """The owning organisation pauses its terms in this case, e.g. waiting for the Raad."""

    name: ClassVar[str] = "klok_gepauzeerd"
    reason: str


@dataclass(frozen=True)
class KlokHervat(Event):
    name: ClassVar[str] = "klok_hervat"


@dataclass(frozen=True)
class BewaartermijnVerstreken(Event):
    """The profile's retention period after closing has passed: the case keeps only what the audit log and
    anonymous statistics need (models/retention.py)."""

    name: ClassVar[str] = "bewaartermijn_verstreken"


@dataclass(frozen=True)
class TijdVerstreken(Event):
    """No news but the clock: lets terms lapse (and the triage overrun start the ledger)."""

    name: ClassVar[str] = "tijd_verstreken"


ALL_EVENTS: tuple[type[Event], ...] = (
    MeldingOntvangen, TriageBesluit, OverdrachtGevraagd, OverdrachtBevestigd, OverdrachtGeweigerd,
    DienstAfgerond, EersteContact, HuisverbodGestart, HuisverbodVerlengd, HuisverbodBeeindigd,
    HuisverbodAdvies, Monitoringsmoment, StagnatieGemeld, GemeenteGeinformeerd, GemeenteAntwoord,
    Gesloten, Opgepakt, KlokGepauzeerd, KlokHervat, TijdVerstreken, DirectbetrokkenenGeinformeerd,
    AfsluitingVoorgesteld, AfsluitingAkkoord, AfsluitingNietAkkoord, MonitoringVervolg, WegingGevraagd,
    WegingBesloten, WegingOneens, SignalenGewijzigd, DocumentVerstuurd, GezinGeinformeerd, Toegewezen,
    ToewijzingVervallen, BewaartermijnVerstreken,
)
