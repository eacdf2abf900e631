"""The bot's forms (`bot/forms.py`) as Mattermost interactive dialogs, and a submission back as values.

Dialog elements have no multi-select on every server version, so a choice of at most two becomes two
selects, and a choice of any number one checkbox (`bool`) per option.
"""

from __future__ import annotations

from typing import Any

from ..forms import Field, Form, Values


def dialog(form: Form, state: str) -> dict[str, Any]:
    return {"callback_id": form.callback, "title": form.title, "submit_label": form.submit, "state": state,
            "notify_on_cancel": False, "elements": [e for f in form.fields for e in _elements(f)]}


def _elements(f: Field) -> list[dict[str, Any]]:
    base = {"optional": f.optional, "help_text": f.help, "placeholder": f.placeholder}
    if f.kind in ("text", "long"):
        return [{**base, "display_name": f.label, "name": f.name, "type": "textarea" if f.kind == "long" else "text",
                 **({"max_length": f.max_length or 3000} if f.kind == "long" or f.max_length else {})}]
    options = [{"text": o, "value": o} for o in f.options]
    if f.max_selected is None:
        return [{"display_name": o, "name": f"{f.name}_{i}", "type": "bool", "placeholder": "", "optional": True,
                 "help_text": f.label if i == 0 else ""} for i, o in enumerate(f.options)]
    return [{**base, "display_name": f.label if i == 0 else f"{f.label} ({i + 1})", "name": _name(f, i),
             "type": "select", "options": options, "optional": f.optional or i > 0}
            for i in range(f.max_selected)]


def _name(f: Field, i: int) -> str:
    return f.name if i == 0 else f"{f.name}_{i + 1}"


def values(form: Form, submission: Any) -> Values:
    """What was filled in, per field of the form; anything else in the submission is ignored."""
    submission = submission if isinstance(submission, dict) else {}
    out: Values = {}
    for f in form.fields:
        if f.kind == "choose" and f.max_selected is None:
            picked = [o for i, o in enumerate(f.options) if submission.get(f"{f.name}_{i}") in (True, "true")]
        else:
            count = 1 if f.kind != "choose" else f.max_selected
            raw = [submission.get(_name(f, i)) for i in range(count)]
            picked = list(dict.fromkeys(str(v).strip() for v in raw if isinstance(v, str | int) and str(v).strip()))
        if picked:
            out[f.name] = picked
    return out
