"""Test helpers: the shipped profiles and demo directory, and a small driver for one case."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.config import load_directory, load_profile
from models.calendar import AMS
from models.case import CaseOrgs, CaseState
from models.directory import Directory
from models.events import Event, MeldingOntvangen
from models.lifecycle import Accepted, apply
from models.profile import Profile
from models.rules import Context, Refused
from models.types import OrgKind, Signal

DIRECTORY: Directory = load_directory()
VT, LT_ARNHEM, LT_EDE, GI = "vt-gelderland-midden", "lt-arnhem", "lt-ede", "gi-gelderland"


def ams(*args: int) -> datetime:
    return datetime(*args, tzinfo=AMS)


def orgs_for(gemeenten: tuple[str, ...], directory: Directory = DIRECTORY) -> CaseOrgs:
    def one(g: str, kind: OrgKind) -> str | None:
        found = directory.serving(g, kind)
        return found[0].id if found else None
    return CaseOrgs(
        vt=one(gemeenten[0], OrgKind.VT),
        lts=tuple(x for g in gemeenten if (x := one(g, OrgKind.LT))),
        gi=one(gemeenten[0], OrgKind.GI),
        mdt=one(gemeenten[0], OrgKind.MDT),
        gemeenten=tuple(x for g in gemeenten if (x := one(g, OrgKind.GEMEENTE))),
    )


def melding(received: datetime, gemeenten=("Arnhem",), spoed=False, anoniem=False,
            gezinsvoogd=False, signals: tuple[str, ...] = ()) -> MeldingOntvangen:
    return MeldingOntvangen(gemeenten=tuple(gemeenten), received_at=received, orgs=orgs_for(tuple(gemeenten)),
                            spoed=spoed, anoniem=anoniem, gezinsvoogd=gezinsvoogd,
                            signals=frozenset(Signal(s) for s in signals))


MEMBER_OF = {m.id: m.org_id for m in DIRECTORY.members.values()}


@dataclass
class Driver:
    """Applies events to one case like the commands will: keeps the state, fails loudly on surprises."""

    profile: Profile
    state: CaseState = field(default_factory=lambda: CaseState(number="VT-2025-0001", profile="test"))
    notes: list = field(default_factory=list)

    @staticmethod
    def for_profile(name: str) -> Driver:
        return Driver(load_profile(name))

    def ctx(self, at: datetime, actor: str = "vt-medewerker") -> Context:
        # the bot itself acts for no organisation (as commands.membership.SYSTEM does)
        return Context(now=at, actor=actor, actor_org=actor if actor == "triagebot" else MEMBER_OF[actor],
                       profile=self.profile)

    def try_(self, event: Event, at: datetime, actor: str = "vt-medewerker") -> Accepted | Refused:
        outcome = apply(self.state, event, self.ctx(at, actor))
        if isinstance(outcome, Accepted):
            self.state = outcome.state
            self.notes.extend(outcome.notes)
        return outcome

    def do(self, event: Event, at: datetime, actor: str = "vt-medewerker") -> CaseState:
        outcome = self.try_(event, at, actor)
        assert isinstance(outcome, Accepted), f"refused: {outcome}"
        return self.state

    def refused(self, event: Event, at: datetime, actor: str = "vt-medewerker") -> Refused:
        before = self.state
        outcome = self.try_(event, at, actor)
        assert isinstance(outcome, Refused), f"accepted: {event}"
        assert self.state == before
        return outcome


def send_document_if_needed(d: Driver, when: datetime) -> None:
    """Where the region asks it (NOG, 001 §1), VT sends the overdrachtsdocument before the receiver confirms."""
    from models.events import DocumentVerstuurd
    from models.types import HandoverKind

    h = d.state.open_handover
    if (h is not None and d.profile.confirm_after_document and h.kind is HandoverKind.DIRECT
            and d.state.document_sent(h.seq) is None):
        d.do(DocumentVerstuurd(h.seq), when)


def request_handover(d: Driver, when: datetime) -> CaseState:
    """VT asks for the handover; before a directe overdracht it tells the family first (000 §5.1)."""
    from models.events import GezinGeinformeerd, OverdrachtGevraagd
    from models.rules import next_handover_kind
    from models.types import HandoverKind

    if d.profile.family_first and next_handover_kind(d.state) is HandoverKind.DIRECT and not any(
            r.kind == "gezin_geinformeerd" for r in d.state.records):
        d.do(GezinGeinformeerd(), when)
    return d.do(OverdrachtGevraagd(), when)


def confirmation(d: Driver, seq: int, org: str, when: datetime):
    """The receiver's confirmation as the region asks it: in NOG with its appointment with the family (001 §1)."""
    from datetime import timedelta

    from models.events import OverdrachtBevestigd

    h = next(x for x in d.state.handovers if x.seq == seq)
    needs = d.profile.first_contact.at_confirmation and h.kind.value == "direct" and org in (d.state.orgs.lts or ())
    return OverdrachtBevestigd(seq, org, (when.astimezone(AMS).date() + timedelta(days=7)) if needs else None)
