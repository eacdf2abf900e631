"""The forms, defined once with their Dutch texts in templates/_woorden.j2, fit both platforms' limits."""

from __future__ import annotations

import pytest

from bot import forms
from bot.config import load_directory
from bot.mattermost.dialogs import dialog, values
from bot.render import Renderer
from bot.slack.forms import modal

WORDS = Renderer(load_directory(), "slack").words
FORMS = [forms.new_case(load_directory(), WORDS), forms.decision("VT-2025-0001", WORDS),
         forms.monitoring("VT-2025-0001", WORDS), forms.refusal(WORDS), forms.confirmation(WORDS),
         forms.assignment(WORDS)]


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f.callback)
def test_every_form_fits_slack_and_mattermost(form):
    assert 0 < len(form.title) <= 24 and form.submit and form.cancel == "Annuleer"
    assert all(0 < len(f.label) <= 24 and len(f.help) <= 150 for f in form.fields)
    modal(form, "VT-2025-0001|C1").validate_json()          # slack_sdk checks Block Kit's limits
    elements = dialog(form, "staat")["elements"]
    assert all(0 < len(e["display_name"]) <= 24 and len(e["help_text"]) <= 150 for e in elements)
    assert len({e["name"] for e in elements}) == len(elements)


def test_the_texts_come_from_the_templates():
    decision = FORMS[1]
    assert decision.title == WORDS.formulieren["casus_besluit"]["titel"]
    assert decision.fields[0].help == "Waar VT-2025-0001 heen gaat."


def test_a_dialog_submission_becomes_the_line_a_typist_would_write():
    form = FORMS[0]
    submitted = {"gemeenten": "Arnhem", "gemeenten_2": "Ede", "ontvangen": " 2025-05-26T08:00 ",
                 "vlaggen_0": True, "vlaggen_1": "false", "signalen_4": "true", "onbekend": "x"}
    assert forms.new_case_line(values(form, submitted)) == \
        "nieuw Arnhem,Ede ontvangen=2025-05-26T08:00 spoed signalen=letsel"


def test_the_monitoring_form_asks_the_four_questions_and_becomes_the_typed_line():
    form = forms.monitoring("VT-2025-0001", WORDS)
    assert [f.name for f in form.fields] == ["voorwaarden", "directe-veiligheid", "stabiele-veiligheid", "herstel",
                                             "toelichting"]
    assert all(f.options == ("ja", "nee") and not f.optional for f in form.fields[:4])
    submitted = {"voorwaarden": "ja", "directe-veiligheid": "nee", "stabiele-veiligheid": "nee", "herstel": "ja",
                 "toelichting": " afspraken deels nagekomen "}
    assert forms.monitoring_line("VT-2025-0001", values(form, submitted)) == (
        "monitoring VT-2025-0001 voorwaarden=ja directe-veiligheid=nee stabiele-veiligheid=nee herstel=ja "
        "toelichting: afspraken deels nagekomen")
    assert forms.for_command("monitoring", "VT-2025-0001", load_directory(), WORDS) == form
    assert forms.for_command("monitoring", None, load_directory(), WORDS) is None     # outside a case channel


def test_a_button_asks_first_only_what_the_region_needs():
    from bot.config import load_profile

    gm, nog = load_profile("gelderland-midden"), load_profile("noord-oost-gelderland")
    assert forms.for_button("weiger", gm, WORDS).callback == forms.REFUSE            # a refusal always has a reason
    assert forms.for_button("bevestig", gm, WORDS) is None                           # Gelderland-Midden: at once
    assert forms.for_button("bevestig", nog, WORDS).callback == forms.CONFIRM        # NOG: the appointment (001 §1)
    assert forms.for_button("akkoord", nog, WORDS) is None
    assert forms.for_button("toewijzen", gm, WORDS).callback == forms.ASSIGN         # who works on it, always
    assert forms.button_line(forms.ASSIGN, "VT-2025-0001:2", {"lid": [" lt-arnhem-medewerker "]}) == \
        "toewijzen VT-2025-0001 lt-arnhem-medewerker"
    assert forms.button_line(forms.CONFIRM, "VT-2025-0001:2", {"afspraak": [" 2025-06-12 "]}) == \
        "bevestig VT-2025-0001 2 afspraak=2025-06-12"
