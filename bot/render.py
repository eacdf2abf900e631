"""Turning a message (template + context) into Dutch text for one platform.

Every word the bot says is in `templates/`: the messages, the vocabulary (`_woorden.j2`: route names,
months, ...) and the per-platform markup macros (`_markup/<platform>.j2`: bold, mentions). Rendering is
strict: a missing value is an error, never an empty gap.

What a template writes itself is markup; every value it inserts is text, escaped for the platform (Jinja's
autoescape, with the platform's escaping instead of HTML's). So what a person typed — a reason, a remark —
can never become a mention that notifies (`<!channel>`, `@all`, `<@U123>`), a disguised link
(`<https://…|uitleg>`, `[tekst](url)`) or other formatting: on Slack `&`, `<` and `>` are escaped as Slack
documents; on Mattermost Markdown's characters get a backslash; on both an `@` before a word is kept from
becoming a mention by an invisible word joiner. The markup macros and the `lid` / `lijst` filters return
markup (`Markup`), which is not escaped again.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from models.calendar import AMS, last_day
from models.case import channel_name
from models.directory import Directory
from models.profile import Wording

PLATFORMS = ("console", "slack", "mattermost")
_MENTION = re.compile(r"@(?=\w)")                       # @all, @channel, @here, @username
_MARKDOWN = re.compile(r"([\\`*_~\[\]()#<>|!{}])")     # what Mattermost's Markdown would act on
_SLACK = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}       # Slack's own escaping (its only control characters)
WORD_JOINER = "\u2060"
_BLANK_LINES = re.compile(r"\n{3,}")                    # never more than one empty line in a row


def escape(platform: str, text: str) -> str:
    """A value as plain text on `platform`: nothing in it formats, links or mentions."""
    if platform == "slack":
        text = "".join(_SLACK.get(c, c) for c in text)
    elif platform == "mattermost":
        text = _MARKDOWN.sub(r"\\\1", text)
    else:
        return text
    return _MENTION.sub("@" + WORD_JOINER, " ".join(text.splitlines()))


def templates_dir() -> Path:
    return Path(str(resources.files("templates")))


class Renderer:
    def __init__(self, directory: Directory, platform: str = "console", wording: Wording | None = None,
                 channel_ref: Callable[[str], str | None] | None = None):
        if platform not in PLATFORMS:
            raise ValueError(f"unknown platform {platform!r}")
        self.directory = directory
        self.platform = platform
        self.channel_ref = channel_ref or (lambda name: None)   # a case channel's id on the platform (Slack's links)
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(templates_dir()),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False,
            # every inserted value passes `finalize`, which escapes it for the platform and marks it done
            autoescape=True, finalize=self._text,
            auto_reload=False,   # the templates do not change under a running bot: no stat() per render
        )
        # how the region names the receiving side ("lokaal team", "lokaal veld"): also in the vocabulary
        self.env.globals.update(lokaal=wording or Wording())
        self.words = self.env.get_template("_woorden.j2").module
        self.env.filters.update(
            datum=self.day, maand=self.month, moment=self.moment, org=self.org, lid=self.member, lijst=self.listing,
            kanaal=self.channel,
            laatste_dag=self.last_day, uiterlijk=self.due, vertaal=lambda values, names: [names[v] for v in values])
        self.env.globals.update(w=self.words)
        self.markup = self.env.get_template(f"_markup/{platform}.j2").make_module({"w": self.words})
        self.env.globals.update(m=self.markup)

    def _text(self, value: Any) -> Markup:
        if isinstance(value, Markup):
            return value
        return Markup(escape(self.platform, str(value)))

    # ---- filters --------------------------------------------------------------------------------
    def day(self, value: str | date | None) -> str:
        if value is None:
            return "—"
        d = date.fromisoformat(value) if isinstance(value, str) else value
        return f"{self.words.dagen[d.weekday()]} {d.day} {self.words.maanden[d.month - 1]} {d.year}"

    def month(self, value: str | date) -> str:
        """The month a day falls in: "juni 2025"."""
        d = date.fromisoformat(value) if isinstance(value, str) else value
        return f"{self.words.maanden[d.month - 1]} {d.year}"

    def moment(self, value: str | datetime | None) -> str:
        if value is None:
            return "—"
        t = (datetime.fromisoformat(value) if isinstance(value, str) else value).astimezone(AMS)
        return f"{self.day(t.date())} {t:%H:%M}"

    def last_day(self, due: str | datetime) -> str:
        """A due moment (the exclusive end of a term) as the day a person reads: 'uiterlijk dinsdag'."""
        return self.day(last_day(datetime.fromisoformat(due) if isinstance(due, str) else due))

    def due(self, due: str | datetime) -> str:
        """What 'uiterlijk' means for a term: its last day when it runs in days (it ends at midnight), the day
        and the time when it runs in hours ('vrijdag 6 maart 2026 18:00')."""
        t = (datetime.fromisoformat(due) if isinstance(due, str) else due).astimezone(AMS)
        return self.last_day(t) if t.time() == time(0) else self.moment(t)

    def org(self, org_id: str | None) -> str:
        if org_id is None:
            return "—"
        o = self.directory.organisations.get(org_id)
        return o.name if o else org_id

    def member(self, member_id: str | None) -> str:
        if member_id is None:
            return "—"
        m = self.directory.member(member_id)
        chat_id = m.chat_ids.get(self.platform) if m else None
        return Markup(self.markup.mention(m.name if m else member_id, chat_id or ""))

    def channel(self, number: str) -> Markup:
        """A link to a case's channel (for who is in it: the platform shows the link only to its members)."""
        name = channel_name(number)
        return Markup(self.markup.kanaal(name, self.channel_ref(name)))

    def listing(self, values: list[Any]) -> Markup:
        items = [self._text(v) for v in values]
        if len(items) <= 1:
            return Markup("").join(items)
        return Markup(", ").join(items[:-1]) + Markup(f" {self.words.en} ") + items[-1]

    # ---- rendering ------------------------------------------------------------------------------
    def render(self, template: str, context: dict[str, Any]) -> str:
        text = str(self.env.get_template(f"{template}.j2").render(**context))
        return _BLANK_LINES.sub("\n\n", "\n".join(line.rstrip() for line in text.strip().splitlines()))

    def button_label(self, action: str) -> str:
        return self.words.knoppen[action]

    def exists(self, template: str) -> bool:
        return (templates_dir() / f"{template}.j2").is_file()
