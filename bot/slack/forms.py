"""The bot's forms (`bot/forms.py`) as Slack modals, built with slack_sdk's block classes (which check
Block Kit's limits), and a submitted modal's state back as the form's values."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    CheckboxesElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    StaticMultiSelectElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from ..forms import Field, Form, Values

CHECKBOXES_UP_TO = 5     # a choice among a few is a row of checkboxes; among more, a multi-select


def modal(form: Form, metadata: str) -> View:
    return View(type="modal", callback_id=form.callback, title=form.title, submit=form.submit, close=form.cancel,
                private_metadata=metadata, blocks=[
                    InputBlock(block_id=f.name, label=f.label, element=_element(f), optional=f.optional,
                               hint=f.help or None) for f in form.fields])


def _element(f: Field):
    placeholder = f.placeholder or None
    if f.kind in ("text", "long"):
        return PlainTextInputElement(action_id="v", multiline=f.kind == "long", placeholder=placeholder,
                                     max_length=f.max_length)
    options = [Option(text=o, value=o) for o in f.options]
    if f.max_selected == 1:
        return StaticSelectElement(action_id="v", options=options, placeholder=placeholder)
    if f.max_selected is None and len(options) <= CHECKBOXES_UP_TO:
        return CheckboxesElement(action_id="v", options=options)
    return StaticMultiSelectElement(action_id="v", options=options, max_selected_items=f.max_selected,
                                    placeholder=placeholder)


def values_of(state: dict) -> Values:
    """A modal's `state.values` as field name → what was picked or typed."""
    out: Values = {}
    for name, actions in state.items():
        element = actions.get("v", {})
        if element.get("type") in ("multi_static_select", "checkboxes"):
            picked = [o["value"] for o in element.get("selected_options") or []]
        elif element.get("type") == "static_select":
            picked = [element["selected_option"]["value"]] if element.get("selected_option") else []
        else:
            picked = [element["value"]] if element.get("value") else []
        if picked:
            out[name] = picked
    return out
