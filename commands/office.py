"""When a message may arrive: within the office hours of the people it is for, unless the case is acute.

VT is reachable 24/7 for crises (000 §8.1), a lokaal team (and a GI or an MDT) and its leidinggevende on
werkdagen 09:00–17:00 (000 §8.1), the gemeente's bestuurlijk contact in its own office hours; none of them
is sent a reminder or a cc at night. An acute case's messages go at once, to everyone (000 §5.1.2;
002 §2 k), where the profile says so.

A post in the case channel that a person's action caused goes at once: that person is at work, and the
channel is where the work is. One the clock caused (a lapse found at midnight) waits for the hours of
both VT and the lokale teams, who read the channel together.
"""

from __future__ import annotations

from datetime import datetime

from models.calendar import OfficeHours
from models.directory import Directory
from models.profile import Profile
from models.types import OrgKind

from .model import Audience, Kind, Message


def hours_of(directory: Directory, profile: Profile, member_id: str | None) -> OfficeHours:
    member = directory.member(member_id) if member_id else None
    kind = directory.org(member.org_id).kind if member else None
    if kind is OrgKind.VT:
        return profile.vt_workday
    if kind is OrgKind.GEMEENTE:
        return profile.gemeente_hours
    return profile.lt_hours


def not_before(message: Message, directory: Directory, profile: Profile, now: datetime, *, acute: bool,
               by_clock: bool) -> datetime | None:
    """The moment a message may be delivered (None: at once). Who may see a case changes at once, at any hour."""
    if message.kind in (Kind.INVITE, Kind.REMOVE):
        return None
    if acute and profile.lt_acuut_buiten_kantoortijd:
        return None
    if message.audience is Audience.DM:
        hours = hours_of(directory, profile, message.to)
    elif by_clock:
        hours = profile.vt_workday.overlap(profile.lt_hours)
    else:
        return None
    at = profile.calendar.next_open(now, hours)
    return at if at > now else None
