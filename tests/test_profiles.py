"""The regional profiles (table at the end of domain.md) and the validation of profile and directory files.

Each test of a table row compares the regions, so it fails if the profiles are swapped.
"""

from __future__ import annotations

import copy
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
import yaml

from bot.config import load_profile
from models.calendar import Term, Unit, last_day
from models.directory import Directory
from models.escalation import RungKind, Target
from models.events import (
    DienstAfgerond,
    GemeenteAntwoord,
    GemeenteGeinformeerd,
    TriageBesluit,
)
from models.profile import Profile, TransferMoment
from models.schema import ConfigError
from models.types import DeadlineKind as K
from models.types import DeadlineState, OrgKind, Route, Signal, Weight
from tests.factories import LT_ARNHEM, VT, Driver, ams, confirmation, melding, request_handover, send_document_if_needed

GM, NOG, ZL, FL = "gelderland-midden", "noord-oost-gelderland", "zuid-limburg", "flevoland"
PROFILES = (GM, NOG, ZL, FL)
ROOT = Path(__file__).resolve().parents[1]
T0 = ams(2025, 6, 16, 10, 0)          # Monday 16 June 2025


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def last_days(d: Driver, kind: K) -> list[date]:
    return [last_day(x.due) for x in d.state.deadlines if x.kind is kind and x.is_active]


def direct(profile: str, **kw) -> Driver:
    """A directe overdracht to lokaal team Arnhem, requested Monday 16 June 2025 12:00."""
    d = Driver.for_profile(profile)
    d.do(melding(T0, **kw), at(0))
    d.do(TriageBesluit(Route.LT, override=bool(kw), override_reason="gezin vraagt zelf om hulp"), at(1))
    request_handover(d, at(2))
    return d


def after_dienst(profile: str) -> Driver:
    """V&V, then a warme overdracht confirmed by lokaal team Arnhem on Monday 16 June 2025 14:00."""
    d = Driver.for_profile(profile)
    d.do(melding(T0), at(0))
    d.do(TriageBesluit(Route.VV), at(1))
    d.do(DienstAfgerond(), at(2))
    request_handover(d, at(3))
    send_document_if_needed(d, at(4))
    d.do(confirmation(d, 1, LT_ARNHEM, at(4)), at(4), "lt-arnhem-medewerker")
    return d


def confirm(d: Driver, when: datetime) -> None:
    send_document_if_needed(d, when)
    d.do(confirmation(d, 1, LT_ARNHEM, when), when, "lt-arnhem-medewerker")


# ---- the table, row by row ---------------------------------------------------------------------------
@pytest.mark.parametrize("profile", PROFILES)
def test_triage_term_and_monitoring_are_shared(profile):
    p = load_profile(profile)
    assert p.triage_term == Term(Unit.WERKDAGEN, 5)
    assert p.monitoring_months == ((3, 6, 12) if profile == FL else (3, 12))     # 004 Thema 4: also at 6 months


def test_flevoland_is_the_practice_of_004():
    p = load_profile(FL)
    assert (p.monitoring_months, p.monitoring_stops_when_positive, p.monitoring_until) == ((3, 6, 12), False, None)
    assert p.wording.het_lokale_team == "het lokale veld"
    text = (ROOT / "bot/profiles/flevoland.yaml").read_text(encoding="utf-8")
    assert text.count("keuze van de regio") >= 10       # what 004 leaves open is marked, not invented
    d = Driver.for_profile(FL)                            # a zware casus goes with a dienst: the warme overdracht
    d.do(melding(T0), at(0))
    assert d.refused(TriageBesluit(Route.LT, Weight.ZWAAR), at(1)).key == "zwaar_vraagt_dienst"


@pytest.mark.parametrize("profile, at_request, reason", [
    (GM, (LT_ARNHEM,), "plaatsing"),       # 000 §5.1.5: placing with LT is the moment
    (NOG, (VT,), "bevestiging"),           # 001 §1: only once LT confirmed
    (ZL, (LT_ARNHEM,), "tafelbesluit"),    # 002 §2 i: the table's decision counts
])
def test_transfer_moment_of_a_directe_overdracht(profile, at_request, reason):
    d = direct(profile)
    assert d.state.holders == at_request
    confirm(d, at(3))
    assert d.state.holders == (LT_ARNHEM,)
    moved = d.state.ledger[-1]
    assert moved.reason == reason
    assert moved.start == (at(3) if reason == "bevestiging" else at(2))


def test_transfer_moment_values():
    assert [load_profile(p).transfer_moment for p in PROFILES] == [
        TransferMoment.PLAATSING, TransferMoment.BEVESTIGING, TransferMoment.TAFELBESLUIT, TransferMoment.BEVESTIGING]


@pytest.mark.parametrize("profile, expected", [
    (GM, [date(2025, 6, 30)]),             # 000 §3 a: 14 days from 16/6
    (ZL, [date(2025, 7, 7)]),              # 002 §2 f: 3 weeks
    (NOG, [date(2025, 6, 23)]),            # 001 §1: the appointment made at the confirmation (a week on, here)
])
def test_first_contact_after_a_directe_overdracht(profile, expected):
    d = direct(profile)
    confirm(d, at(3))
    assert last_days(d, K.EERSTE_CONTACT) == expected


@pytest.mark.parametrize("profile, expected", [
    (ZL, [date(2025, 6, 23)]),             # 002 §2 j: 5 werkdagen, Tue 17 .. Mon 23
    (GM, []),
    (NOG, []),                             # 001 §3: at the warme overdracht
])
def test_first_contact_after_a_dienst(profile, expected):
    assert last_days(after_dienst(profile), K.EERSTE_CONTACT) == expected


@pytest.mark.parametrize("profile", PROFILES)
def test_first_contact_when_acute_is_immediate(profile):
    d = direct(profile, signals=("acuut",))
    confirm(d, at(3))
    (fc,) = [x for x in d.state.deadlines if x.kind is K.EERSTE_CONTACT]
    moved_at = d.state.ledger[-1].start
    assert fc.due - moved_at == timedelta(hours=4)


@pytest.mark.parametrize("profile, expected", [
    (NOG, {"letsel", "ongeboren", "psychiatrie", "eergerelateerd", "stalking", "strafbaar", "multiprobleem",
           "geen-hulp-gewenst"}),                          # 001 §1, the whole tenzij list
    (GM, set()),
    (ZL, set()),
])
def test_extra_keep_reasons(profile, expected):
    assert {s.value for s in load_profile(profile).extra_keep_reasons} == expected
    d = Driver.for_profile(profile)
    d.do(melding(T0, signals=("letsel",)), at(0))
    outcome = d.try_(TriageBesluit(Route.LT), at(1))
    assert (getattr(outcome, "key", None) == "vt_houdt_casus") is bool(expected)


@pytest.mark.parametrize("profile, expected", [(ZL, [date(2025, 7, 28)]), (GM, []), (NOG, [])])
def test_gemeente_answers_within_six_weeks_in_zuid_limburg(profile, expected):
    d = after_dienst(profile)
    d.do(GemeenteGeinformeerd("gemeente-arnhem", LT_ARNHEM), at(5))     # Mon 16/6 + 6 weeks = Mon 28/7
    assert last_days(d, K.GEMEENTE_ANTWOORD) == expected
    if expected:
        (q,) = [x for x in d.state.deadlines if x.kind is K.GEMEENTE_ANTWOORD]
        assert (q.owner, q.ref) == ("gemeente-arnhem", LT_ARNHEM)
        d.do(GemeenteAntwoord("gemeente-arnhem"), at(6), "gemeente-arnhem")
        assert next(x for x in d.state.deadlines if x.seq == q.seq).state is DeadlineState.GEHAALD
    else:
        assert d.refused(GemeenteAntwoord("gemeente-arnhem"), at(6), "gemeente-arnhem").key == \
            "geen_open_vraag_aan_gemeente"


@pytest.mark.parametrize("profile, expected", [(ZL, [date(2025, 8, 16)]), (GM, []), (NOG, [])])
def test_directbetrokkenen_informed_within_two_months_in_zuid_limburg(profile, expected):
    d = direct(profile)
    confirm(d, at(3))
    assert last_days(d, K.DIRECTBETROKKENEN) == expected      # 002 bijlage 3b: 2 months from 16/6


@pytest.mark.parametrize("profile, targets, receipt", [
    (GM, [Target.EIGENAAR, Target.LEIDINGGEVENDE, Target.GEMEENTE], "the ladder"),
    (NOG, [Target.EIGENAAR, Target.LEIDINGGEVENDE, Target.GEMEENTE], "the ladder"),
    # 002 §2 i: once the table's decision moved the case, a missing receipt is at most a reminder
    (ZL, [Target.EIGENAAR, Target.GEDRAGSWETENSCHAPPER, Target.LEIDINGGEVENDE, Target.GEMEENTE], "a reminder"),
])
def test_escalation_ladder(profile, targets, receipt):
    assert [r.target for r in load_profile(profile).escalation.ladder if r.kind is RungKind.VERLOPEN] == targets
    d = direct(profile)
    (bevestiging,) = [x for x in d.state.deadlines if x.kind is K.BEVESTIGING]
    expected = targets if receipt == "the ladder" else []
    assert [r.target for r in bevestiging.ladder if r.kind is RungKind.VERLOPEN] == expected
    assert [r.kind for r in bevestiging.ladder if r.kind is RungKind.HERINNERING] == [RungKind.HERINNERING]


@pytest.mark.parametrize("profile, expected", [
    (NOG, date(2025, 6, 23)),              # 001 §1: by phone within 5 werkdagen (Tue 17 .. Mon 23)
    (GM, date(2025, 6, 18)),               # not in the agreements: the region's choice of 2 werkdagen
    (ZL, date(2025, 6, 18)),
])
def test_confirmation_term(profile, expected):
    assert last_days(direct(profile), K.BEVESTIGING) == [expected]


# ---- a wrong profile file names the field -----------------------------------------------------------
def shipped(name: str) -> dict:
    return yaml.safe_load((ROOT / "bot" / "profiles" / f"{name}.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("profile", PROFILES)
def test_shipped_yaml_reads_back_to_the_shipped_profile(profile):
    assert Profile.from_dict(shipped(profile), "x.yaml") == load_profile(profile)


def _rename(d: dict, old: str, new: str) -> None:
    d[new] = d.pop(old)


PROFILE_ERRORS = [
    # misspelled keys: an optional one is reported as unknown, a required one as missing
    ("typo-optional", lambda p: _rename(p["kalender"], "extra_sluitingsdagen", "extra_sluitingsdagn"),
     "kalender.extra_sluitingsdagn"),
    ("typo-herinnering", lambda p: _rename(p["escalatie"], "herinnering", "herinering"), "escalatie.herinering"),
    ("typo-top", lambda p: p.update(bronn="x"), "bronn"),
    ("typo-required", lambda p: _rename(p, "triage_termijn", "triage_termjin"), "triage_termijn"),
    # bad enum values
    ("enum-moment", lambda p: p["overdracht"].update(moment="plaatsen"), "overdracht.moment"),
    ("enum-bevrijdingsdag", lambda p: p["kalender"].update(bevrijdingsdag="soms"), "kalender.bevrijdingsdag"),
    ("enum-signal", lambda p: p.update(extra_redenen_vt_houdt=["letsel", "honger"]), "extra_redenen_vt_houdt[1]"),
    ("enum-target", lambda p: p["escalatie"]["treden"][1].update(naar="burgemeester"), "escalatie.treden[1].naar"),
    # bad terms
    ("term-unit", lambda p: p.update(triage_termijn={"dagen": 5}), "triage_termijn"),
    ("term-unknown-unit", lambda p: p["eerste_contact"].update(direct={"jaren": 1}), "eerste_contact.direct"),
    ("term-dag-only", lambda p: p["huisverbod"].update(duur={"dagen": 10}), "huisverbod.duur"),
    ("term-negative", lambda p: p["overdracht"].update(bevestiging_termijn={"werkdagen": -1}),
     "overdracht.bevestiging_termijn"),
    ("term-shape", lambda p: p["overdracht"].update(maximale_wachttijd="5 werkdagen"), "overdracht.maximale_wachttijd"),
    # missing fields
    ("missing-naam", lambda p: p.pop("naam"), "naam"),
    ("missing-advies", lambda p: p["huisverbod"].pop("advies"), "huisverbod.advies"),
    ("missing-treden", lambda p: p["escalatie"].pop("treden"), "escalatie.treden"),
    ("missing-acuut", lambda p: p["eerste_contact"].pop("acuut"), "eerste_contact.acuut"),
    # bad times and other checks
    ("time", lambda p: p["bereikbaarheid"]["lt"].update(open="9 uur"), "bereikbaarheid.lt.open"),
    ("time-order", lambda p: p["bereikbaarheid"]["lt"].update(open="18:00"), "bereikbaarheid.lt"),
    ("bool", lambda p: p["kalender"].update(goede_vrijdag="ja"), "kalender.goede_vrijdag"),
    ("date", lambda p: p["kalender"].update(extra_sluitingsdagen=["2025-13-01"]), "kalender.extra_sluitingsdagen[0]"),
    ("months", lambda p: p.update(monitoring_maanden=[12, 3]), "monitoring_maanden"),
    ("verlengd", lambda p: p["huisverbod"].update(verlengd_tot={"dag": 10}), "huisverbod.verlengd_tot"),
    ("first-rung", lambda p: p["escalatie"]["treden"].pop(0), "escalatie.treden"),
    ("monthly-kind", lambda p: p.update(rapport={"maandelijks": ["vt", "mdt"]}), "rapport.maandelijks[1]"),
    ("monthly-list", lambda p: p.update(rapport={"maandelijks": "vt"}), "rapport.maandelijks"),
    ("monthly-key", lambda p: p.update(rapport={"wekelijks": ["vt"]}), "rapport.wekelijks"),
]


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("change, field", [pytest.param(c, f, id=i) for i, c, f in PROFILE_ERRORS])
def test_wrong_profile_names_the_field(profile, change, field):
    data = copy.deepcopy(shipped(profile))
    change(data)
    with pytest.raises(ConfigError) as exc:
        Profile.from_dict(data, "fout.yaml")
    assert exc.value.field == field
    assert f"'{field}'" in str(exc.value) and "fout.yaml" in str(exc.value)


def test_unquoted_closing_time_is_not_silently_misread():
    text = (ROOT / "bot" / "profiles" / f"{GM}.yaml").read_text(encoding="utf-8")
    assert 'dicht: "17:00"' in text
    data = yaml.safe_load(text.replace('dicht: "17:00"', "dicht: 17:00"))
    try:
        profile = Profile.from_dict(data, "fout.yaml")
    except ConfigError as exc:
        assert exc.field == "bereikbaarheid.lt.dicht"
    else:
        assert profile.lt_hours.close_at == time(17, 0)


def test_load_profile_unknown_name():
    with pytest.raises(ConfigError) as exc:
        load_profile("utrecht")
    assert exc.value.field == "naam" and "utrecht" in exc.value.problem


def test_load_profile_from_a_wrong_file(tmp_path):
    data = shipped(ZL)
    data["overdracht"]["moment"] = "nooit"
    path = tmp_path / "regio.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_profile(str(path))
    assert exc.value.field == "overdracht.moment" and exc.value.source == str(path)
    with pytest.raises(ConfigError):
        load_profile(str(tmp_path / "bestaat-niet.yaml"))


# ---- a wrong directory names the field ----------------------------------------------------------------
def demo() -> dict:
    return yaml.safe_load((ROOT / "bot" / "demo" / "directory.yaml").read_text(encoding="utf-8"))


def _no_vt(d: dict) -> None:
    d["organisaties"].append({"id": "lt-zutphen", "naam": "LT Zutphen", "soort": "lt", "gemeenten": ["Zutphen"]})


DIRECTORY_ERRORS = [
    ("kind", lambda d: d["organisaties"][1].update(soort="ziekenhuis"), "organisaties[1].soort"),
    ("org-id", lambda d: d["organisaties"][0].update(id="VT Gelderland"), "organisaties[0].id"),
    ("org-dup", lambda d: d["organisaties"][2].update(id="lt-arnhem"), "organisaties[2].id"),
    ("role", lambda d: d["organisaties"][0]["leden"][0].update(rol="baas"), "organisaties[0].leden[0].rol"),
    ("member-dup", lambda d: d["organisaties"][2]["leden"][0].update(id="lt-arnhem-medewerker"),
     "organisaties[2].leden[0].id"),
    ("member-key", lambda d: d["organisaties"][1]["leden"][1].update(telefoon="06"),
     "organisaties[1].leden[1].telefoon"),
    ("chat", lambda d: d["organisaties"][1]["leden"][0].update(chat="U0123"), "organisaties[1].leden[0].chat"),
    ("no-gemeente", lambda d: d["organisaties"][1].update(gemeenten=[]), "organisaties[1].gemeenten"),
    ("missing-naam", lambda d: d["organisaties"][3].pop("naam"), "organisaties[3].naam"),
    ("org-key", lambda d: d["organisaties"][3].update(adres="Markt 1"), "organisaties[3].adres"),
    ("no-vt", _no_vt, "organisaties"),
    ("report-channel", lambda d: d["organisaties"][1].update(rapportkanaal="C0123"), "organisaties[1].rapportkanaal"),
    ("report-channel-id", lambda d: d["organisaties"][1].update(rapportkanaal={"slack": ""}),
     "organisaties[1].rapportkanaal"),
    ("top", lambda d: d.update(organisatie=[]), "organisatie"),
]


def test_demo_directory_reads():
    directory = Directory.from_dict(demo(), "demo.yaml")
    assert directory.gemeenten == ["Arnhem", "Ede"]
    assert directory.org_of("lt-ede-medewerker").id == "lt-ede"
    assert all(not o.report_channels for o in directory.organisations.values())


def test_an_organisations_report_channel_is_read_per_platform():
    data = demo()
    data["organisaties"][1]["rapportkanaal"] = {"slack": "C0REPORTS1", "mattermost": "abc123"}
    directory = Directory.from_dict(data, "adressen.yaml")
    assert dict(directory.org("lt-arnhem").report_channels) == {"slack": "C0REPORTS1", "mattermost": "abc123"}


def test_the_monthly_report_is_read_from_the_profile_and_off_by_default():
    data = copy.deepcopy(shipped("gelderland-midden"))
    assert Profile.from_dict(data, "p.yaml").monthly_report == frozenset()
    data["rapport"] = {"maandelijks": ["vt", "gemeente"]}
    assert Profile.from_dict(data, "p.yaml").monthly_report == {OrgKind.VT, OrgKind.GEMEENTE}
    data.pop("rapport")
    assert Profile.from_dict(data, "p.yaml").monthly_report == frozenset()


@pytest.mark.parametrize("change, field", [pytest.param(c, f, id=i) for i, c, f in DIRECTORY_ERRORS])
def test_wrong_directory_names_the_field(change, field):
    data = demo()
    change(data)
    with pytest.raises(ConfigError) as exc:
        Directory.from_dict(data, "adressen.yaml")
    assert exc.value.field == field
    assert exc.value.source == "adressen.yaml"


def test_signal_names_in_profiles_are_signals():
    assert {s.value for s in Signal} >= {s.value for p in PROFILES for s in load_profile(p).extra_keep_reasons}
