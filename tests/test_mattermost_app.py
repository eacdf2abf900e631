"""The Mattermost adapter against the fake Mattermost server: the server calls the bot's endpoints (slash
commands, buttons, dialogs) and the bot calls the server's REST API; the tests look at both sides."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from bot.mattermost.client import MattermostClient, Unreachable
from bot.mattermost.serve import check, read_settings
from bot.mattermost.signing import Expired, Forged, Signer
from models.tables import AuditRow, OutboxRow, SpentState
from tests.test_delivery import as_if_claimed_by_a_dead_process
from tests.worlds import BOT_URL, MM_SECRET, MM_TOKENS, TEAM, mattermost_world


@pytest.fixture
def mm(tmp_path):
    fake, world = mattermost_world(tmp_path)
    try:
        yield world
        assert fake.server_errors == [] and fake.integration_errors == []
    finally:
        fake.stop()


def audits(world, outcome_prefix: str = "") -> list[AuditRow]:
    with Session(world.bot.engine) as s:
        rows = s.execute(select(AuditRow).order_by(AuditRow.id)).scalars().all()
    return [r for r in rows if r.outcome.startswith(outcome_prefix)]


def card(world, number: str = "VT-2025-0001", action: str = "bevestig") -> str:
    post_id = world.latest_button(number, action)
    assert post_id is not None
    return post_id


def context_of(world, post_id: str, action: str) -> dict:
    post = next(p for c in [world.fake.channel_named("casus-2025-0001")["id"]]
                for p in world.fake.posts_in(c) if p["id"] == post_id)
    return next(a["integration"]["context"] for att in post["props"]["attachments"] for a in att["actions"]
                if a["id"] == action)


# ---- channels and posts ----------------------------------------------------------------------------------
def test_a_melding_opens_a_private_channel_with_the_right_people(mm):
    answer = mm.line("vt-medewerker: /casus nieuw Arnhem")
    assert "VT-2025-0001 is geregistreerd" in answer
    channel = mm.fake.channel_named("casus-2025-0001")
    assert channel["type"] == "P" and "VT-2025-0001" in channel["header"]
    expected = {mm.users[m.id] for org in ("vt-gelderland-midden", "lt-arnhem") for m in mm.directory.at_table(org)}
    assert set(mm.fake.members_of(channel["id"])) == expected | {mm.fake.bot_user_id}
    first = mm.fake.posts_in(channel["id"])[0]["message"]
    assert "Nieuwe melding VT-2025-0001" in first and "**" in first      # Markdown, not Slack's mrkdwn


def test_a_taken_channel_name_is_reused_when_it_is_the_bots_own_and_suffixed_otherwise(mm):
    client = MattermostClient(mm.fake.base_url, mm.fake.token)
    team_id = client.team_by_name(TEAM)["id"]
    own = client.create_private_channel(team_id, "casus-2025-0001", "casus-2025-0001")   # made just before a crash
    mm.fake.add_channel("casus-2025-0002", private=True, members=(mm.users["lt-ede-medewerker"],))  # someone else's
    mm.line("vt-medewerker: /casus nieuw Arnhem")
    mm.line("vt-medewerker: /casus nieuw Ede")
    assert mm.bot.port.channel_id("casus-2025-0001") == own["id"]
    assert mm.bot.port.channel_id("casus-2025-0002") == mm.fake.channel_named("casus-2025-0002-2")["id"]


def test_the_handover_card_is_updated_and_loses_its_buttons_on_confirmation(mm):
    mm.line("vt-medewerker: /casus nieuw Arnhem")
    mm.line("vt-medewerker: /casus besluit VT-2025-0001 lt licht gezin-geinformeerd")
    post_id = card(mm)
    assert mm.line("lt-arnhem-medewerker: klik bevestig VT-2025-0001").startswith("U heeft de overdracht")
    post = next(p for p in mm.fake.posts_in(mm.fake.channel_named("casus-2025-0001")["id"]) if p["id"] == post_id)
    assert "Bevestigd door" in post["message"]
    assert mm.latest_button("VT-2025-0001", "bevestig") is None
    assert mm.line("vt-medewerker: klik document VT-2025-0001").startswith("Vastgelegd dat het overdrachtsdocument")
    post = next(p for p in mm.fake.posts_in(mm.fake.channel_named("casus-2025-0001")["id"]) if p["id"] == post_id)
    assert "Overdrachtsdocument verstuurd door" in post["message"]
    assert [a["id"] for att in post["props"]["attachments"] for a in att["actions"]] == ["toewijzen"]   # the receiver's


def test_escalations_go_by_direct_message_never_through_the_admin_ephemeral_endpoint(mm):
    mm.line("vt-medewerker: /casus nieuw Arnhem")
    mm.line("vt-medewerker: /casus besluit VT-2025-0001 lt licht gezin-geinformeerd")
    mm.line("klok +15wd")
    dm = mm.fake.direct_channel(mm.fake.bot_user_id, mm.users["lt-arnhem-leidinggevende"])
    assert dm is not None and any("VT-2025-0001" in p["message"] for p in mm.fake.posts_in(dm))
    assert [c for c in mm.fake.calls if c.path.startswith("/api/v4/posts/ephemeral")] == []


def test_a_rate_limit_holds_the_message_back_for_the_reset_time(mm):
    mm.line("vt-medewerker: /casus nieuw Arnhem")
    mm.fake.rate_limit("POST", "/api/v4/posts", times=1, reset=7)
    mm.line("vt-medewerker: /casus stagnatie VT-2025-0001 reden: geen reactie van het gezin")
    with Session(mm.bot.engine) as s:
        head = s.execute(select(OutboxRow).where(OutboxRow.state == "nieuw").order_by(OutboxRow.id)).scalars().first()
    assert head.attempts == 1 and head.next_attempt_at == mm.clock.now + timedelta(seconds=7)
    mm.bot.dispatcher.deliver(mm.clock.now + timedelta(seconds=7))
    posts = mm.fake.posts_in(mm.fake.channel_named("casus-2025-0001")["id"])
    assert any("Stagnatie gemeld" in p["message"] for p in posts)


def pending(world) -> list[OutboxRow]:
    with Session(world.bot.engine) as s:
        return s.execute(select(OutboxRow).where(OutboxRow.state == "nieuw")).scalars().all()


def stagnation_posts(world) -> list[str]:
    posts = world.fake.posts_in(world.fake.channel_named("casus-2025-0001")["id"])
    return [p["id"] for p in posts if "Stagnatie gemeld" in p["message"]]


def test_a_post_that_arrived_although_the_call_timed_out_is_not_sent_twice(mm, monkeypatch):
    mm.line("vt-medewerker: /casus nieuw Arnhem")
    real = mm.client.create_post

    def timed_out(*args):
        real(*args)                                   # Mattermost has the post,
        raise Unreachable("ReadTimeout")              # but its answer never came
    monkeypatch.setattr(mm.client, "create_post", timed_out)
    mm.line("vt-medewerker: /casus stagnatie VT-2025-0001 reden: geen reactie van het gezin")
    monkeypatch.undo()
    assert len(stagnation_posts(mm)) == 1 and pending(mm)          # sent, but the bot does not know
    mm.bot.dispatcher.deliver(mm.clock.now + timedelta(minutes=5))
    assert len(stagnation_posts(mm)) == 1 and pending(mm) == []


def test_after_a_restart_a_message_the_previous_process_sent_is_not_sent_again(mm):
    mm.line("vt-medewerker: /casus nieuw Arnhem")
    mm.bot.after_request = lambda: None               # this process dies before it marks what it sends
    mm.line("vt-medewerker: /casus stagnatie VT-2025-0001 reden: geen reactie van het gezin")
    for row in mm.bot.dispatcher._claim(mm.clock(), set()):
        mm.bot.dispatcher._send(row)                  # sent, and then the process died: never marked
    as_if_claimed_by_a_dead_process(mm.bot.engine, mm.bot.dispatcher)
    assert len(stagnation_posts(mm)) == 1
    mm.clock.now += timedelta(minutes=1)
    mm.restart()
    mm.bot.deliver_now()
    assert len(stagnation_posts(mm)) == 1 and pending(mm) == []


def test_closing_archives_the_channel_after_the_grace_period(mm):
    mm.line("vt-medewerker: /casus nieuw Arnhem")
    mm.line("vt-medewerker: /casus sluiten VT-2025-0001 reden: geen zorgen na gesprek")
    assert not mm.fake.channel_named("casus-2025-0001").get("delete_at")
    mm.line("klok +31d")
    assert mm.fake.channel_named("casus-2025-0001")["delete_at"] > 0


# ---- what is forged, stale or replayed ------------------------------------------------------------------
@pytest.mark.parametrize("token", ["vals-token", MM_TOKENS["/tafel"]])
def test_a_forged_command_token_is_refused_with_nothing_else(mm, token):
    before = len(audits(mm))
    reply = mm.fake.slash("vt-medewerker", "/casus nieuw Arnhem", mm.general, token=token)
    assert reply.status == 401
    assert len(audits(mm)) == before     # nobody's request: no entry in the append-only log
    assert mm.fake.channel_named("casus-2025-0001") is None and mm.report("VT-2025-0001") is None


def test_the_header_token_and_the_form_token_must_both_be_right(mm):
    http = httpx.Client(transport=httpx.WSGITransport(app=mm.app), base_url=BOT_URL)
    form = {"token": MM_TOKENS["/casus"], "command": "/casus", "text": "help", "user_id": mm.users["vt-medewerker"],
            "channel_id": mm.general}
    assert http.post("/mattermost/opdracht", data=form, headers={"Authorization": "Token vals"}).status_code == 401
    assert http.post("/mattermost/opdracht", data={**form, "token": ""},
                     headers={"Authorization": "Token vals"}).status_code == 401
    assert http.post("/mattermost/opdracht", data=form,
                     headers={"Authorization": f"Token {MM_TOKENS['/casus']}"}).status_code == 200


@pytest.mark.parametrize("tamper", ["value", "action", "signature", "missing"])
def test_a_forged_button_context_is_refused_with_nothing_else(mm, tamper):
    mm.line("vt-medewerker: /casus nieuw Arnhem")
    mm.line("vt-medewerker: /casus besluit VT-2025-0001 lt licht gezin-geinformeerd")
    post_id = card(mm)
    context = dict(context_of(mm, post_id, "bevestig"))
    if tamper == "value":
        context["waarde"] = "VT-2025-0001:2"
    elif tamper == "action":
        context["actie"] = "weiger"
    elif tamper == "signature":
        context["sig"] = "0" * 64
    else:
        context = {}
    before = len(audits(mm))
    reply = mm.fake.click("lt-arnhem-medewerker", post_id, "bevestig", context=context)
    assert reply.status == 401
    assert [e.split(":")[0] for e in mm.fake.integration_errors] == ["click bevestig"]   # Mattermost's own error
    mm.fake.integration_errors.clear()
    assert len(audits(mm)) == before
    assert mm.report("VT-2025-0001")["handovers"][0]["state"] == "open"


def test_a_stale_button_is_refused_when_its_request_is_no_longer_open(mm):
    mm.line("vt-medewerker: /casus nieuw Arnhem")
    mm.line("vt-medewerker: /casus besluit VT-2025-0001 lt licht gezin-geinformeerd")
    post_id = card(mm)
    old = context_of(mm, post_id, "bevestig")                 # a genuine context, kept by a client
    mm.line("lt-arnhem-medewerker: klik weiger VT-2025-0001 reden: hoort bij Ede")
    mm.line("vt-medewerker: /casus overdracht VT-2025-0001")  # a new request: the old button is stale
    reply = mm.fake.click("lt-arnhem-medewerker", card(mm), "bevestig", context=old)
    assert "niet (meer) open" in reply.json["ephemeral_text"] or "geweigerd" in reply.json["ephemeral_text"]
    report = mm.report("VT-2025-0001")
    assert [h["state"] for h in report["handovers"]] == ["geweigerd", "open"]
    assert audits(mm)[-1].outcome.startswith("geweigerd:") or audits(mm)[-2].outcome.startswith("geweigerd:")


# ---- dialogs -----------------------------------------------------------------------------------------------
def test_a_new_melding_and_a_decision_by_dialog(mm):
    assert mm.fake.slash("vt-medewerker", "/casus nieuw", mm.general).status == 200
    dialog = mm.fake.dialogs[-1]["dialog"]
    assert dialog["callback_id"] == "casus_nieuw" and len(dialog["title"]) <= 24
    assert all(len(e["display_name"]) <= 24 for e in dialog["elements"])
    mm.fake.submit_dialog("vt-medewerker", {"gemeenten": "Arnhem", "ontvangen": "2025-05-26T08:00", "vlaggen_0": True})
    report = mm.report("VT-2025-0001")
    assert report["spoed"] is True and report["received_at"] == "2025-05-26T06:00:00+00:00"
    assert "VT-2025-0001 is geregistreerd" in mm.fake.ephemeral_for("vt-medewerker")[-1]   # via response_url

    channel = mm.fake.channel_named("casus-2025-0001")["id"]
    assert mm.fake.slash("vt-medewerker", "/casus besluit", channel).status == 200
    assert mm.fake.dialogs[-1]["dialog"]["callback_id"] == "casus_besluit"
    mm.fake.submit_dialog("vt-medewerker", {"route": "vv", "zwaarte": "zwaar", "reden": "voorwaarden nodig"})
    report = mm.report("VT-2025-0001")
    assert (report["status"], report["route"], report["weight"]) == ("dienst", "vv", "zwaar")


def test_a_monitoring_moment_by_dialog(mm):
    for line in ("nieuw Arnhem", "besluit VT-2025-0001 vv", "dienst VT-2025-0001 afgerond"):
        mm.line(f"vt-medewerker: /casus {line}")
    mm.line("lt-arnhem-medewerker: klik bevestig VT-2025-0001")
    channel = mm.fake.channel_named("casus-2025-0001")["id"]
    assert mm.fake.slash("vt-medewerker", "/casus monitoring", channel).status == 200
    dialog = mm.fake.dialogs[-1]["dialog"]
    assert dialog["callback_id"] == "casus_monitoring" and len(dialog["elements"]) == 5
    mm.fake.submit_dialog("vt-medewerker", {"voorwaarden": "ja", "directe-veiligheid": "nee",
                                            "stabiele-veiligheid": "nee", "herstel": "ja"})
    record = mm.report("VT-2025-0001")["records"][-1]
    assert (record["kind"], record["bron"]) == (
        "monitoring", "voorwaarden=ja,directe-veiligheid=nee,stabiele-veiligheid=nee,herstel=ja")


def test_a_refused_dialog_stays_open_and_its_state_cannot_be_replayed(mm):
    mm.fake.slash("vt-medewerker", "/casus nieuw", mm.general)
    state = mm.fake.dialogs[-1]["dialog"]["state"]
    wrong = mm.fake.submit_dialog("vt-medewerker", {"gemeenten": "Arnhem", "ontvangen": "gisteren"})
    assert "error" in wrong.json and mm.report("VT-2025-0001") is None
    right = mm.fake.submit_dialog("vt-medewerker", {"gemeenten": "Arnhem"})   # corrected, same dialog
    assert right.status == 200 and not (right.json or {}).get("error") and mm.report("VT-2025-0001") is not None
    mm.fake.slash("vt-medewerker", "/casus nieuw", mm.general)                # a new dialog, the old state
    replay = mm.fake.submit_dialog("vt-medewerker", {"gemeenten": "Arnhem"}, state=state)
    assert "al verstuurd of verlopen" in replay.json["error"]
    assert mm.report("VT-2025-0002") is None
    assert [r.actor for r in audits(mm, "geweigerd:formulier_verlopen")] == [f"mattermost:{mm.users['vt-medewerker']}"]


def test_a_forged_dialog_state_is_refused_with_nothing_else(mm):
    mm.fake.slash("vt-medewerker", "/casus nieuw", mm.general)
    before = len(audits(mm))
    reply = mm.fake.submit_dialog("vt-medewerker", {"gemeenten": "Arnhem"}, state="eyJ2YWxzIjogdHJ1ZX0=.00")
    assert reply.status == 401 and len(audits(mm)) == before
    assert mm.report("VT-2025-0001") is None


@pytest.mark.parametrize("missing", ["voor", "nummer", "antwoord", "kanaal"])
def test_a_signed_dialog_state_that_lacks_what_the_form_needs_is_refused_audited_and_spends_nothing(mm, missing):
    mm.fake.slash("vt-medewerker", "/casus nieuw", mm.general)
    content = {"formulier": "casus_nieuw", "voor": mm.users["vt-medewerker"], "kanaal": mm.general, "nummer": "",
               "antwoord": ""}
    content.pop(missing)
    state = mm.app.signer.state(**content)            # signed with the bot's own key, but not a shape it makes
    reply = mm.fake.submit_dialog("vt-medewerker", {"gemeenten": "Arnhem"}, state=state)
    assert reply.status == 200 and "niet door de bot geopend" in reply.json["error"]
    assert mm.report("VT-2025-0001") is None
    assert len(audits(mm, "geweigerd:formulier_vervalst")) == 1
    with Session(mm.bot.engine) as s:
        assert s.execute(select(func.count()).select_from(SpentState)).scalar_one() == 0


# ---- settings and the administrator's check ----------------------------------------------------------
def good_env(world) -> dict[str, str]:
    return {"MATTERMOST_URL": world.fake.base_url, "MATTERMOST_BOT_TOKEN": world.fake.token,
            "MATTERMOST_TEAM": TEAM, "MATTERMOST_CASUS_TOKEN": MM_TOKENS["/casus"],
            "MATTERMOST_TAFEL_TOKEN": MM_TOKENS["/tafel"], "MATTERMOST_SIGNING_SECRET": MM_SECRET,
            "TRIAGEBOT_PUBLIC_URL": BOT_URL}


def test_serve_refuses_to_start_without_its_settings_and_says_which():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MATTERMOST_", "TRIAGEBOT_"))}
    done = subprocess.run([sys.executable, "-m", "bot.cli", "serve", "--platform", "mattermost"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "MATTERMOST_URL ontbreekt" in done.stderr and "MATTERMOST_SIGNING_SECRET ontbreekt" in done.stderr
    with pytest.raises(SystemExit, match="te kort"):
        read_settings({**dict.fromkeys(["MATTERMOST_URL", "MATTERMOST_BOT_TOKEN", "MATTERMOST_TEAM",
                                        "MATTERMOST_CASUS_TOKEN", "TRIAGEBOT_PUBLIC_URL"], "https://x"),
                       "MATTERMOST_TAFEL_TOKEN": "t", "MATTERMOST_SIGNING_SECRET": "kort"})


def test_the_check_passes_on_a_good_setup_and_names_what_is_wrong(mm, tmp_path):
    env = {**good_env(mm), "TRIAGEBOT_DIRECTORY": str(tmp_path / "adressen.yaml")}
    assert check(env, MattermostClient(mm.fake.base_url, mm.fake.token)) == []
    assert any("token wordt niet geaccepteerd" in p for p in check(env, MattermostClient(mm.fake.base_url, "fout")))
    unreachable = check({**env, "MATTERMOST_URL": "http://127.0.0.1:9"})[-1]
    assert "de server is niet bereikbaar (geen verbinding: controleer het adres" in unreachable
    problems = check({**env, "MATTERMOST_TEAM": "ander-team"}, MattermostClient(mm.fake.base_url, mm.fake.token))
    assert problems == ["Team 'ander-team' bestaat niet of de bot mag het niet zien."]
    data = (tmp_path / "adressen.yaml").read_text(encoding="utf-8").replace("mattermost: vt-medewerker",
                                                                            "mattermost: vt-medewerkr")
    (tmp_path / "adressen.yaml").write_text(data, encoding="utf-8")
    problems = check(env, MattermostClient(mm.fake.base_url, mm.fake.token))
    assert problems == ["vt-medewerker in de adressenlijst is in Mattermost niet gevonden (gebruikersnaam nakijken)."]
    (tmp_path / "kapot.yaml").write_text("organisaties: [1]\n", encoding="utf-8")
    problems = check({**env, "TRIAGEBOT_DIRECTORY": str(tmp_path / "kapot.yaml")},
                     MattermostClient(mm.fake.base_url, mm.fake.token))
    assert problems == [f"De adressenlijst klopt niet: {tmp_path / 'kapot.yaml'}: veld 'organisaties[0]': "
                        "verwacht een mapping (sleutel: waarde)."]
    env.pop("MATTERMOST_CASUS_TOKEN")
    problems = check(env, MattermostClient(mm.fake.base_url, mm.fake.token))
    assert problems[0].startswith("MATTERMOST_CASUS_TOKEN ontbreekt")


def test_a_failure_inside_the_bot_gets_a_dutch_answer_and_no_stack_trace(mm, monkeypatch):
    def broken(invocation):
        raise RuntimeError("database weg")

    monkeypatch.setattr(mm.bot, "command", broken)
    reply = mm.fake.slash("vt-medewerker", "/casus status VT-2025-0001", mm.general)
    assert reply.status == 200 and reply.json["text"].startswith("Er ging iets mis bij de bot")
    assert "database weg" not in reply.text and "Traceback" not in reply.text
    assert mm.fake.ephemeral_for("vt-medewerker")[-1].startswith("Er ging iets mis bij de bot")


def test_a_dialog_state_expires(mm):
    clock = [1000.0]
    signer = Signer(MM_SECRET, clock=lambda: clock[0], state_ttl=60)
    state = signer.state(formulier="casus_nieuw")
    assert signer.open_state(state)["formulier"] == "casus_nieuw"
    clock[0] += 61
    with pytest.raises(Expired):
        signer.open_state(state)
    with pytest.raises(Forged):
        signer.open_state(state.replace(".", ".0", 1))


def test_a_dialog_state_is_only_good_for_the_person_it_was_opened_for(mm):
    mm.fake.slash("lt-arnhem-medewerker", "/casus nieuw", mm.general)      # the form opens for anyone
    lt_state = mm.fake.dialogs[-1]["dialog"]["state"]
    mm.fake.slash("vt-medewerker", "/casus nieuw", mm.general)
    reply = mm.fake.submit_dialog("vt-medewerker", {"gemeenten": "Arnhem"}, state=lt_state)   # sent as VT
    assert "niet door de bot geopend" in reply.json["error"] and mm.report("VT-2025-0001") is None
    assert [r.actor for r in audits(mm, "geweigerd:formulier_vervalst")] == [f"mattermost:{mm.users['vt-medewerker']}"]
    own = mm.fake.submit_dialog("vt-medewerker", {"gemeenten": "Arnhem"})           # the real one still works
    assert not (own.json or {}).get("error") and mm.report("VT-2025-0001") is not None


def test_a_submitted_dialog_state_stays_spent_after_a_restart(mm):
    mm.fake.slash("vt-medewerker", "/casus nieuw", mm.general)
    state = mm.fake.dialogs[-1]["dialog"]["state"]
    assert not (mm.fake.submit_dialog("vt-medewerker", {"gemeenten": "Arnhem"}).json or {}).get("error")
    mm.restart()
    mm.fake.slash("vt-medewerker", "/casus nieuw", mm.general)
    replay = mm.fake.submit_dialog("vt-medewerker", {"gemeenten": "Arnhem"}, state=state)
    assert "al verstuurd of verlopen" in replay.json["error"] and mm.report("VT-2025-0002") is None


def test_in_noord_oost_gelderland_the_confirm_button_asks_the_appointment_in_a_dialog(tmp_path):
    fake, world = mattermost_world(tmp_path, profile="noord-oost-gelderland")
    try:
        for line in ("nieuw Arnhem", "besluit VT-2025-0001 lt licht gezin-geinformeerd", "document VT-2025-0001"):
            world.line(f"vt-medewerker: /casus {line}")
        fake.click("lt-arnhem-medewerker", world.latest_button("VT-2025-0001", "bevestig"), "bevestig")
        assert fake.dialogs[-1]["dialog"]["callback_id"] == "bevestig_afspraak"
        wrong = fake.submit_dialog("lt-arnhem-medewerker", {"afspraak": "2020-01-01"})
        assert "in het verleden" in wrong.json["error"]                     # the dialog stays open to correct
        fake.submit_dialog("lt-arnhem-medewerker", {"afspraak": "2025-06-03"})
        report = world.report("VT-2025-0001")
        assert report["status"] == "overgedragen"
        assert [d["last_day"] for d in report["deadlines"] if d["kind"] == "eerste_contact"] == ["2025-06-03"]
        assert fake.server_errors == [] and fake.integration_errors == []
    finally:
        fake.stop()
