"""The forms (modals) that are kinder than a line of text: a new melding and a triagebesluit. A submitted
form becomes the same command line a fast typist would write, so both go through the same code."""

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

from models.directory import Directory
from models.types import Route, Signal, Weight

NEW_VIEW, DECIDE_VIEW = "casus_nieuw", "casus_besluit"


def _options(values: list[str]) -> list[Option]:
    return [Option(text=v, value=v) for v in values]


def new_case_form(directory: Directory, metadata: str) -> View:
    return View(type="modal", callback_id=NEW_VIEW, title="Nieuwe melding", submit="Registreer", close="Annuleer",
                private_metadata=metadata, blocks=[
        InputBlock(block_id="gemeenten", label="Gemeente(n), één of twee", element=StaticMultiSelectElement(
            action_id="v", options=_options(directory.gemeenten), max_selected_items=2)),
        InputBlock(block_id="ontvangen", label="Ontvangen (JJJJ-MM-DDTUU:MM), leeg: nu", optional=True,
                   element=PlainTextInputElement(action_id="v", placeholder="2025-05-26T10:00")),
        InputBlock(block_id="vlaggen", label="Kenmerken", optional=True, element=CheckboxesElement(
            action_id="v", options=_options(["spoed", "anoniem", "gezinsvoogd"]))),
        InputBlock(block_id="signalen", label="Signalen", optional=True, element=StaticMultiSelectElement(
            action_id="v", options=_options([s.value for s in Signal]))),
    ])


def decision_form(number: str, metadata: str) -> View:
    return View(type="modal", callback_id=DECIDE_VIEW, title="Triagebesluit", submit="Leg vast", close="Annuleer",
                private_metadata=metadata, blocks=[
        InputBlock(block_id="route", label=f"Route voor {number}", element=StaticSelectElement(
            action_id="v", options=_options([r.value for r in Route]))),
        InputBlock(block_id="zwaarte", label="Zwaarte", optional=True, element=StaticSelectElement(
            action_id="v", options=_options([w.value for w in Weight]))),
        InputBlock(block_id="forceer", label="Afwijken van een regel", optional=True, element=CheckboxesElement(
            action_id="v", options=_options(["forceer"]))),
        InputBlock(block_id="reden", label="Onderbouwing (bij forceren verplicht)", optional=True,
                   element=PlainTextInputElement(action_id="v", multiline=True)),
    ])


def _value(values: dict, block: str) -> list[str]:
    state = values.get(block, {}).get("v", {})
    if state.get("type") in ("multi_static_select", "checkboxes"):
        return [o["value"] for o in state.get("selected_options") or []]
    if state.get("type") == "static_select":
        return [state["selected_option"]["value"]] if state.get("selected_option") else []
    return [state["value"]] if state.get("value") else []


def new_case_line(values: dict) -> str:
    words = ["nieuw", ",".join(_value(values, "gemeenten"))]
    words += [f"ontvangen={v.strip()}" for v in _value(values, "ontvangen")]
    words += _value(values, "vlaggen")
    signals = _value(values, "signalen")
    if signals:
        words.append("signalen=" + ",".join(signals))
    return " ".join(words)


def decision_line(number: str, values: dict) -> str:
    words = ["besluit", number, *_value(values, "route"), *_value(values, "zwaarte"), *_value(values, "forceer")]
    reason = " ".join(_value(values, "reden")).strip()
    return " ".join(words) + (f" reden: {reason}" if reason else "")
