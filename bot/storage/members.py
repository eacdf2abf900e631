"""Who the bot let into each case channel (`channel_members`), in the unit of work's session."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlmodel import Session

from models.tables import ChannelMemberRow


class ChannelMembers:
    def __init__(self, session: Session):
        self.session = session

    def of_case(self, number: str) -> dict[str, str]:
        rows = self.session.execute(select(ChannelMemberRow.member_id, ChannelMemberRow.reason)
                                    .where(ChannelMemberRow.case_number == number))
        return dict(rows.all())

    def add(self, number: str, member: str, reason: str, at: datetime, contact: dict | None = None) -> None:
        self.session.add(ChannelMemberRow(case_number=number, member_id=member, reason=reason, since=at,
                                          contact=contact))

    def set_reason(self, number: str, member: str, reason: str) -> None:
        self.session.execute(update(ChannelMemberRow).where(
            ChannelMemberRow.case_number == number, ChannelMemberRow.member_id == member).values(reason=reason))

    def remove(self, number: str, member: str) -> None:
        self.session.execute(delete(ChannelMemberRow).where(
            ChannelMemberRow.case_number == number, ChannelMemberRow.member_id == member))

    def forget_case(self, number: str) -> list[str]:
        """Everyone of a case channel that was archived: they are no longer in it."""
        gone = sorted(self.of_case(number))
        self.session.execute(delete(ChannelMemberRow).where(ChannelMemberRow.case_number == number))
        return gone

    def cases_of(self, member: str) -> set[str]:
        """The case channels the bot let `member` into."""
        return set(self.session.execute(select(ChannelMemberRow.case_number)
                                        .where(ChannelMemberRow.member_id == member)).scalars())

    def cases_with_members(self) -> list[str]:
        return list(self.session.execute(select(ChannelMemberRow.case_number).distinct()).scalars())

    def contacts(self) -> dict[str, dict]:
        """How the platforms know each member the bot let into a channel (the latest known)."""
        rows = self.session.execute(select(ChannelMemberRow.member_id, ChannelMemberRow.contact)
                                    .where(ChannelMemberRow.contact.is_not(None)).order_by(ChannelMemberRow.since))
        return {member: contact for member, contact in rows.all() if contact}
