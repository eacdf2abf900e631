"""The forms that are kinder than a line of text: a new melding, a triagebesluit, a monitoring moment, the reason
for a refusal.

Defined once, platform-neutral; Slack shows them as modals (`bot/slack/forms.py`), Mattermost as
interactive dialogs (`bot/mattermost/dialogs.py`). A submitted form becomes the command line a fast typist
would write, so both go through the same code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from commands.privacy import LIMITS
from models.directory import Directory
from models.types import MonitorVraag, Route, Signal, Weight

NEW, DECIDE, MONITOR, REFUSE = "casus_nieuw", "casus_besluit", "casus_monitoring", "weiger_reden"
CONFIRM = "bevestig_afspraak"    # "Bevestig overdracht" where the region asks the appointment with the family
ASSIGN = "toewijzen_lid"         # "Medewerker toewijzen": who works on the case for the organisation
LINE_FORMS = (CONFIRM, ASSIGN)   # forms a button opens that submit as the command line a typist would write
COMMAND_FORMS = (NEW, DECIDE, MONITOR)     # the forms a bare command opens; each submits as a command line


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
    max_length: int | None = None   # "text", "long": as many characters as the command accepts there


@dataclass(frozen=True)
class Form:
    callback: str
    title: str                      # ≤ 24 characters (both platforms)
    submit: str
    fields: tuple[Field, ...]
    cancel: str


Values = dict[str, list[str]]       # field name → what was filled in or picked


def _form(words: Any, callback: str, *fields: tuple, **params: str) -> Form:
    """A form with its Dutch texts from `templates/_woorden.j2` (`formulieren`): (name, kind, options, extra)."""
    texts = words.formulieren[callback]
    made = []
    for name, kind, options, extra in fields:
        label, help_ = texts["velden"][name]
        made.append(Field(name, label, kind, options, help=help_.format(**params), **extra))
    return Form(callback, texts["titel"], texts["verstuur"], tuple(made), words.annuleer)


def new_case(directory: Directory, words: Any) -> Form:
    return _form(words, NEW,
                 ("gemeenten", "choose", tuple(directory.gemeenten), {"max_selected": 2}),
                 ("ontvangen", "text", (), {"optional": True, "placeholder": "2025-05-26T10:00"}),
                 ("vlaggen", "choose", ("spoed", "anoniem", "gezinsvoogd"), {"optional": True, "max_selected": None}),
                 ("signalen", "choose", tuple(s.value for s in Signal), {"optional": True, "max_selected": None}))


def decision(number: str, words: Any) -> Form:
    return _form(words, DECIDE,
                 ("route", "choose", tuple(r.value for r in Route), {}),
                 ("zwaarte", "choose", tuple(w.value for w in Weight), {"optional": True}),
                 ("gezin", "choose", ("gezin-geinformeerd",), {"optional": True, "max_selected": None}),
                 ("forceer", "choose", ("forceer",), {"optional": True, "max_selected": None}),
                 ("reden", "long", (), {"optional": True, "max_length": LIMITS["reden"]}), nummer=number)


def monitoring(number: str, words: Any) -> Form:
    """The four questions of a monitoring moment (000 §5.2.7), each ja or nee, and a toelichting."""
    return _form(words, MONITOR,
                 *((q.value, "choose", ("ja", "nee"), {}) for q in MonitorVraag),
                 ("toelichting", "long", (), {"optional": True, "max_length": LIMITS["toelichting"]}), nummer=number)


def for_command(text: str, number: str | None, directory: Directory, words: Any) -> Form | None:
    """The form a bare command opens on a chat platform: `nieuw` anywhere; `besluit` and `monitoring` in a case
    channel (where the case is known). None: the command runs as typed."""
    if text == "nieuw":
        return new_case(directory, words)
    if number and text == "besluit":
        return decision(number, words)
    if number and text == "monitoring":
        return monitoring(number, words)
    return None


def named(callback: str, number: str, directory: Directory, words: Any) -> Form:
    """A command form again, by its callback (to check what was submitted against it)."""
    if callback == NEW:
        return new_case(directory, words)
    if callback == DECIDE:
        return decision(number, words)
    if callback == MONITOR:
        return monitoring(number, words)
    raise KeyError(callback)


def line_of(callback: str, number: str, values: Values) -> str:
    """The command line a submitted command form stands for."""
    if callback == NEW:
        return new_case_line(values)
    if callback == DECIDE:
        return decision_line(number, values)
    if callback == MONITOR:
        return monitoring_line(number, values)
    raise KeyError(callback)


def refusal(words: Any) -> Form:
    return _form(words, REFUSE, ("reden", "long", (), {"max_length": LIMITS["reden"]}))


def new_case_line(values: Values) -> str:
    words = ["nieuw", ",".join(values.get("gemeenten", []))]
    words += [f"ontvangen={v.strip()}" for v in values.get("ontvangen", []) if v.strip()]
    words += values.get("vlaggen", [])
    if signals := values.get("signalen"):
        words.append("signalen=" + ",".join(signals))
    return " ".join(words)


def decision_line(number: str, values: Values) -> str:
    words = ["besluit", number, *values.get("route", []), *values.get("zwaarte", []), *values.get("gezin", []),
             *values.get("forceer", [])]
    reason = " ".join(values.get("reden", [])).strip()
    return " ".join(words) + (f" reden: {reason}" if reason else "")


def monitoring_line(number: str, values: Values) -> str:
    words = ["monitoring", number] + [f"{q.value}={v}" for q in MonitorVraag for v in values.get(q.value, [])[:1]]
    text = " ".join(values.get("toelichting", [])).strip()
    return " ".join(words) + (f" toelichting: {text}" if text else "")


def confirmation(words: Any) -> Form:
    """001 §1: the lokaal team confirms with the date of its appointment with the family."""
    return _form(words, CONFIRM, ("afspraak", "text", (), {"optional": True, "placeholder": "2025-06-12"}))


def assignment(words: Any) -> Form:
    """The receiving organisation (or VT) names who works on the case for it."""
    return _form(words, ASSIGN, ("lid", "text", (), {"placeholder": "lt-arnhem-medewerker", "max_length": 80}))


def for_button(action: str, profile: Any, words: Any) -> Form | None:
    """The form a button opens on a chat platform before anything happens: a refusal asks its reason; a
    confirmation its appointment with the family where the region asks that (001 §1); an assignment the worker.
    None: the click acts."""
    if action == "weiger":
        return refusal(words)
    if action == "bevestig" and profile.first_contact.at_confirmation:
        return confirmation(words)
    if action == "toewijzen":
        return assignment(words)
    return None


def button_form(callback: str, words: Any) -> Form:
    """A form a button opened, again by its callback (to check what was submitted against it)."""
    return {REFUSE: refusal, CONFIRM: confirmation, ASSIGN: assignment}[callback](words)


def button_line(callback: str, value: str, values: Values) -> str:
    """What a button's form (`LINE_FORMS`) stands for: the button's value (`<casusnummer>:<verzoek>`) and what was
    filled in, as the line a typist would write."""
    number, _, seq = value.partition(":")
    if callback == ASSIGN:
        return f"toewijzen {number} " + " ".join(values.get("lid", [])).strip()
    day = " ".join(values.get("afspraak", [])).strip()
    return f"bevestig {number} {seq}" + (f" afspraak={day}" if day else "")


def reason_of(values: Values) -> str:
    return " ".join(values.get("reden", [])).strip()
