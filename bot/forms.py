"""The forms that are kinder than a line of text: a new melding, a triagebesluit, the reason for a refusal.

Defined once, platform-neutral; Slack shows them as modals (`bot/slack/forms.py`), Mattermost as
interactive dialogs (`bot/mattermost/dialogs.py`). A submitted form becomes the command line a fast typist
would write, so both go through the same code.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.directory import Directory
from models.types import Route, Signal, Weight

NEW, DECIDE, REFUSE = "casus_nieuw", "casus_besluit", "weiger_reden"


@dataclass(frozen=True)
class Field:
    name: str
    label: str                      # ≤ 24 characters (Mattermost's limit for a dialog field's name)
    kind: str                       # "choose" (pick from options), "text", "long" (multi-line text)
    options: tuple[str, ...] = ()
    optional: bool = False
    max_selected: int | None = 1    # "choose": how many may be picked (None: any number)
    placeholder: str = ""
    help: str = ""                  # a line under the field (≤ 150 characters)


@dataclass(frozen=True)
class Form:
    callback: str
    title: str                      # ≤ 24 characters (both platforms)
    submit: str
    fields: tuple[Field, ...]


Values = dict[str, list[str]]       # field name → what was filled in or picked


def new_case(directory: Directory) -> Form:
    return Form(NEW, "Nieuwe melding", "Registreer", (
        Field("gemeenten", "Gemeente(n)", "choose", tuple(directory.gemeenten), max_selected=2,
              help="Eén gemeente, of twee als het gezin in twee gemeenten woont."),
        Field("ontvangen", "Ontvangen", "text", optional=True, placeholder="2025-05-26T10:00",
              help="Wanneer de melding binnenkwam (JJJJ-MM-DDTUU:MM); leeg: nu."),
        Field("vlaggen", "Kenmerken", "choose", ("spoed", "anoniem", "gezinsvoogd"), optional=True, max_selected=None),
        Field("signalen", "Signalen", "choose", tuple(s.value for s in Signal), optional=True, max_selected=None),
    ))


def decision(number: str) -> Form:
    return Form(DECIDE, "Triagebesluit", "Leg vast", (
        Field("route", "Route", "choose", tuple(r.value for r in Route), help=f"Waar {number} heen gaat."),
        Field("zwaarte", "Zwaarte", "choose", tuple(w.value for w in Weight), optional=True),
        Field("forceer", "Afwijken van een regel", "choose", ("forceer",), optional=True, max_selected=None),
        Field("reden", "Onderbouwing", "long", optional=True, help="Verplicht als u van een regel afwijkt."),
    ))


def refusal() -> Form:
    return Form(REFUSE, "Overdracht weigeren", "Weiger", (
        Field("reden", "Reden", "long", help="Waarom uw organisatie de overdracht niet aanneemt."),))


def new_case_line(values: Values) -> str:
    words = ["nieuw", ",".join(values.get("gemeenten", []))]
    words += [f"ontvangen={v.strip()}" for v in values.get("ontvangen", []) if v.strip()]
    words += values.get("vlaggen", [])
    if signals := values.get("signalen"):
        words.append("signalen=" + ",".join(signals))
    return " ".join(words)


def decision_line(number: str, values: Values) -> str:
    words = ["besluit", number, *values.get("route", []), *values.get("zwaarte", []), *values.get("forceer", [])]
    reason = " ".join(values.get("reden", [])).strip()
    return " ".join(words) + (f" reden: {reason}" if reason else "")


def reason_of(values: Values) -> str:
    return " ".join(values.get("reden", [])).strip()
