"""The Slack app manifest: valid against Slack's published schema, and saying exactly what the code uses."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml

from bot.slack.spec import COMMANDS, EVENTS, SCOPES

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = Path(__file__).resolve().parent / "specs" / "slack-manifest.schema.1.0.0.json"  # Slack's published schema
MANIFEST = yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))


def test_the_manifest_is_valid_against_slacks_schema():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(MANIFEST), key=str)
    assert errors == []


def test_an_invalid_manifest_is_caught_by_the_same_check():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    broken = {**MANIFEST, "display_information": {"name": "x" * 36}}
    assert list(jsonschema.Draft7Validator(schema).iter_errors(broken))


def test_commands_and_scopes_in_the_manifest_are_those_of_the_code():
    commands = {c["command"]: (c["description"], c["usage_hint"]) for c in MANIFEST["features"]["slash_commands"]}
    assert commands == COMMANDS
    assert set(MANIFEST["oauth_config"]["scopes"]["bot"]) == set(SCOPES)
    assert MANIFEST["settings"]["event_subscriptions"]["bot_events"] == list(EVENTS)
    assert MANIFEST["features"]["app_home"]["home_tab_enabled"] is True      # the Home tab (bot/slack/home.py)


def test_both_modes_are_described():
    assert MANIFEST["settings"]["interactivity"]["is_enabled"] is True
    assert MANIFEST["settings"]["socket_mode_enabled"] is True
    assert all(c["url"].endswith("/slack/events") for c in MANIFEST["features"]["slash_commands"])
