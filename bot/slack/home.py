"""The bot's Home tab in Slack (issue 16): a person's own open cases and terms, and for a leidinggevende or
gedragswetenschapper the organisation's overview (`Bot.home`). Published when they open the tab
(`app_home_opened`), and again whenever a message about one of the cases that concern them went out — the sign
that something changed. Who opened the tab is kept in the database (`home_tabs`), so a restart or another process
keeps them up to date. Mattermost has no Home tab: there `/tafel overzicht` is the way."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import ContextBlock, MarkdownTextObject, SectionBlock
from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.membership import involved
from models.tables import HomeTabRow

from ..app import Bot
from .blocks import chunks

log = logging.getLogger("triagebot.slack")
MAX_BLOCKS = 100          # Slack's limit for a Home tab


MAX_TEXT = 200_000        # characters in all: a view may be 250 kB, its JSON included


def home_blocks(text: str, left_out: str) -> list[dict]:
    """The text in sections, within Slack's limits for a Home tab (`MAX_BLOCKS`, 250 kB); if it does not all fit,
    `left_out` says so at the end."""
    parts, size = [], 0
    for part in chunks(text):
        if len(parts) == MAX_BLOCKS - 1 or size + len(part) > MAX_TEXT:
            note = ContextBlock(elements=[MarkdownTextObject(text=left_out)])
            return [*(SectionBlock(text=MarkdownTextObject(text=c)).to_dict() for c in parts), note.to_dict()]
        parts.append(part)
        size += len(part)
    return [SectionBlock(text=MarkdownTextObject(text=c)).to_dict() for c in parts]


class HomeTabs:
    def __init__(self, bot: Bot, client: WebClient, engine: Engine, member_of: Callable[[str], str],
                 now: Callable[[], datetime]):
        self.bot, self.client, self.engine, self.member_of, self.now = bot, client, engine, member_of, now

    def opened(self, user_id: str) -> None:
        """`app_home_opened`: remember who (a member the directory knows) and show them their tab."""
        member = self.member_of(user_id)
        if self.bot.directory.member(member) is not None:
            with Session(self.engine) as s:
                s.execute(delete(HomeTabRow).where(HomeTabRow.member_id == member))
                s.execute(insert(HomeTabRow.__table__).values(member_id=member, user_id=user_id, opened_at=self.now()))
                s.commit()
        self.publish(user_id, member)

    def publish(self, user_id: str, member: str) -> None:
        try:
            blocks = home_blocks(self.bot.home(member), self.bot.renderer.render("startpagina_vol", {}))
            self.client.views_publish(user_id=user_id, view={"type": "home", "blocks": blocks})
        except SlackApiError as exc:      # not enabled in the app's settings, a user gone: the tab stays as it was
            log.warning("home tab not published", extra={"error": exc.response.get("error")})

    def refresh(self, cases: set[str]) -> None:
        """Messages about `cases` went out: publish again the tabs of whom they concern (their organisation is
        involved in one of them)."""
        with Session(self.engine) as s:
            tabs = s.execute(select(HomeTabRow.member_id, HomeTabRow.user_id)).all()
        if not tabs:
            return
        with self.bot.uow() as uow:
            orgs = set().union(*(involved(state) for n in cases if (state := uow.cases.get(n)) is not None))
        for member_id, user_id in tabs:
            member = self.bot.directory.member(member_id)
            if member is not None and member.org_id in orgs:
                self.publish(user_id, member_id)
