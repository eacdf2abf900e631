"""Mattermost does not sign what it sends to the bot's button and dialog URLs, and a dialog's `state`
travels through the user's client. So the bot signs them itself (HMAC-SHA256 with a secret only the
bot knows) and checks them when they come back.

- A button context is bound to the action and its value (the case and the pending request); the domain
  refuses a button whose request is no longer open, so a changed state makes the button stale.
- A dialog state is bound to what it is for and to whom, expires, and carries a nonce that is spent
  (`spent.py`, in the database) when the dialog is submitted: the same state twice is a replay.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from typing import Any


class Forged(ValueError):
    """Not made by this bot (or altered)."""


class Malformed(ValueError):
    """Made with this bot's key, but not of a shape this bot makes."""


class Expired(ValueError):
    """Made by this bot, but too long ago."""


class Replayed(ValueError):
    """Made by this bot and already used."""


class Signer:
    def __init__(self, secret: str, clock: Callable[[], float] = time.time, state_ttl: float = 3600.0):
        if len(secret) < 16:
            raise ValueError("the signing secret must be at least 16 characters")
        self.key, self.clock, self.state_ttl = secret.encode(), clock, state_ttl

    def _mac(self, purpose: str, text: str) -> str:
        return hmac.new(self.key, f"{purpose}\n{text}".encode(), hashlib.sha256).hexdigest()

    # ---- button contexts ----------------------------------------------------------------------------
    def context(self, action: str, value: str) -> dict[str, str]:
        return {"actie": action, "waarde": value, "sig": self._mac("knop", f"{action}\n{value}")}

    def check_context(self, context: Any, action_id: str | None = None) -> tuple[str, str]:
        """(action, value) of a context this bot made; `Forged` otherwise (also when the button pressed
        is not the one the context was made for)."""
        if not isinstance(context, dict):
            raise Forged("no context")
        action, value, sig = (context.get(k) for k in ("actie", "waarde", "sig"))
        if not all(isinstance(x, str) for x in (action, value, sig)):
            raise Forged("incomplete context")
        if not hmac.compare_digest(sig.encode(), self._mac("knop", f"{action}\n{value}").encode()):
            raise Forged("bad signature")
        if action_id is not None and action_id != action:
            raise Forged("context of another button")
        return action, value

    # ---- dialog states ------------------------------------------------------------------------------
    def state(self, **content: str) -> str:
        body = {**content, "nonce": secrets.token_urlsafe(12), "tot": int(self.clock() + self.state_ttl)}
        text = base64.urlsafe_b64encode(json.dumps(body, sort_keys=True).encode()).decode()
        return f"{text}.{self._mac('dialoog', text)}"

    def open_state(self, state: Any) -> dict[str, Any]:
        """The content of a state this bot made and that has not expired; raises otherwise. Whether it was
        used before is for `SpentStates` to say."""
        if not isinstance(state, str) or "." not in state:
            raise Forged("no state")
        text, _, sig = state.rpartition(".")
        if not hmac.compare_digest(sig.encode(), self._mac("dialoog", text).encode()):
            raise Forged("bad signature")
        try:
            body = json.loads(base64.urlsafe_b64decode(text.encode()))
        except ValueError:
            raise Malformed("state is no JSON") from None
        if not isinstance(body, dict) or not isinstance(body.get("tot"), int) or not isinstance(body.get("nonce"), str):
            raise Malformed("state without expiry or nonce")
        if body["tot"] < self.clock():
            raise Expired("state expired")
        return body
