"""What the Slack app consists of, in one place: the manifest (`manifest.yml`) must say exactly this, and
a test checks that it does."""

from __future__ import annotations

COMMANDS: dict[str, tuple[str, str]] = {
    "/casus": ("Casuswerk aan de triagetafel: nieuw, besluit, overdracht, status, ...",
               "nieuw Arnhem | besluit lt licht | status VT-2025-0001 | help"),
    "/tafel": ("De triagetafel: de agenda, en het overzicht en het maandrapport voor leidinggevenden",
               "agenda [JJJJ-MM-DD] | overzicht | rapport [JJJJ-MM] [kanaal]"),
}

# The events the bot subscribes to (`settings.event_subscriptions.bot_events`), and the Home tab they come from
EVENTS: tuple[str, ...] = ("app_home_opened",)     # a person opened the bot's Home tab (bot/slack/home.py)

# The bot scopes the code needs, and why (per Web API method the bot calls):
SCOPES: dict[str, str] = {
    "commands": "the /casus and /tafel slash commands",
    "chat:write": "chat.postMessage, chat.update, chat.postEphemeral",
    "groups:write": "conversations.create (private), conversations.invite, conversations.setTopic, "
                    "conversations.archive for the private case channels",
    "im:write": "conversations.open for direct messages (escalations)",
    "groups:read": "conversations.list, to find a case channel the bot made before a crash (never a second one)",
    "groups:history": "conversations.history of the case channels, to find a message sent before a crash",
    "im:history": "conversations.history of direct messages, to find an escalation sent before a crash",
    "files:write": "files.getUploadURLExternal and files.completeUploadExternal, to share a month's report",
    "users:read": "users.info",
    "users:read.email": "users.lookupByEmail, to map directory members to Slack users",
}
