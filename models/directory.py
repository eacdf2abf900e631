"""The directory: organisations, the gemeenten they serve, and their members with roles.

Read from a YAML file by `bot/`; validated here, each error naming the field.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from .schema import ConfigError, Reader
from .types import OrgKind, Role

_ID_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-_.")


@dataclass(frozen=True)
class Member:
    id: str
    name: str
    role: Role
    org_id: str
    email: str | None = None
    chat_ids: MappingProxyType[str, str] = field(default_factory=lambda: MappingProxyType({}))
    tafel: bool = False         # sits at the triagetafel for the organisation: in every new case channel


@dataclass(frozen=True)
class Organisation:
    id: str
    name: str
    kind: OrgKind
    gemeenten: tuple[str, ...]
    # the channel where reports for this organisation may go (`/tafel rapport kanaal`, the monthly report), per
    # platform: its id there; the bot must be a member of it
    report_channels: MappingProxyType[str, str] = field(default_factory=lambda: MappingProxyType({}))


class Directory:
    def __init__(self, organisations: Iterable[Organisation], members: Iterable[Member]):
        self.organisations = {o.id: o for o in organisations}
        self.members = {m.id: m for m in members}
        self.former: dict[str, Member] = {}
        self._gemeenten = {g.lower(): g for o in self.organisations.values() for g in o.gemeenten}
        self._by_org: dict[tuple[str, Role | None], list[Member]] = {}
        for m in self.members.values():
            self._by_org.setdefault((m.org_id, None), []).append(m)
            self._by_org.setdefault((m.org_id, m.role), []).append(m)

    def remember_former(self, contacts: dict[str, dict]) -> None:
        """Who left the directory but may still be in a case channel: the platforms must still find them, to
        remove them. They are no member: `member()` does not know them, so they can do nothing."""
        for member_id, c in contacts.items():
            if member_id not in self.members:
                self.former[member_id] = Member(member_id, member_id, Role.MEDEWERKER, "", c.get("email"),
                                                MappingProxyType(dict(c.get("chat") or {})))

    def contact(self, member_id: str) -> Member | None:
        """A member, or a former member, as the chat platforms know them (for the adapters only)."""
        return self.members.get(member_id) or self.former.get(member_id)

    # ---- look-ups ---------------------------------------------------------------------------
    def member(self, member_id: str) -> Member | None:
        return self.members.get(member_id)

    def org(self, org_id: str) -> Organisation:
        return self.organisations[org_id]

    def org_of(self, member_id: str) -> Organisation | None:
        m = self.members.get(member_id)
        return self.organisations[m.org_id] if m else None

    def gemeente(self, name: str) -> str | None:
        """The directory's spelling of a gemeente name given in any case, or None if unknown."""
        return self._gemeenten.get(name.strip().lower())

    @property
    def gemeenten(self) -> list[str]:
        return sorted(self._gemeenten.values())

    def serving(self, gemeente: str, kind: OrgKind) -> list[Organisation]:
        return [o for o in self.organisations.values() if o.kind is kind and gemeente in o.gemeenten]

    def members_of(self, org_id: str, role: Role | None = None) -> list[Member]:
        return list(self._by_org.get((org_id, role), ()))

    def at_table(self, org_id: str) -> list[Member]:
        """Who sits at the triagetafel for this organisation (the directory's `tafel: true`)."""
        return [m for m in self._by_org.get((org_id, None), ()) if m.tafel]

    def by_email(self, email: str) -> Member | None:
        wanted = email.strip().lower()
        return next((m for m in self.members.values() if m.email and m.email.lower() == wanted), None)

    def by_chat_id(self, platform: str, chat_id: str) -> Member | None:
        for m in self.members.values():
            if m.chat_ids.get(platform) == chat_id:
                return m
        return None

    # ---- reading ----------------------------------------------------------------------------
    @staticmethod
    def from_dict(data: Any, source: str) -> Directory:
        root = Reader(data, source)
        orgs: list[Organisation] = []
        members: list[Member] = []

        def read_id(r: Reader, key: str) -> str:
            value = r.text(key)
            if not set(value) <= _ID_CHARS:
                raise r.error(key, f"{value!r}: alleen kleine letters, cijfers, '-', '_' en '.'")
            return value

        def read_org(value: Any, where: str) -> None:
            r = Reader(value, source, where)
            channels = r.raw("rapportkanaal", {})
            org = Organisation(
                id=read_id(r, "id"), name=r.text("naam"), kind=r.choice("soort", OrgKind),
                gemeenten=tuple(r.listing("gemeenten", lambda v, w: _text(v, w, source))),
                report_channels=MappingProxyType(dict(channels) if isinstance(channels, dict) else {}),
            )
            if not isinstance(channels, dict) or not all(
                    isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in channels.items()):
                raise r.error("rapportkanaal", "verwacht platform: kanaal-id, bijvoorbeeld {slack: C0123}")
            if not org.gemeenten:
                raise r.error("gemeenten", "noem minstens één gemeente")
            if org.id in {o.id for o in orgs}:
                raise r.error("id", f"organisatie {org.id!r} staat er twee keer in")

            def read_member(value: Any, where: str) -> None:
                m = Reader(value, source, where)
                chat = m.raw("chat", {})
                if not isinstance(chat, dict) or not all(
                        isinstance(k, str) and isinstance(v, str) for k, v in chat.items()):
                    raise m.error("chat", "verwacht platform: gebruikers-id, bijvoorbeeld {slack: U0123}")
                member = Member(
                    id=read_id(m, "id"), name=m.text("naam"), role=m.choice("rol", Role),
                    org_id=org.id, email=m.raw("email", None), chat_ids=MappingProxyType(dict(chat)),
                    tafel=m.boolean("tafel", False),
                )
                m.done()
                if member.id in {x.id for x in members}:
                    raise m.error("id", f"lid {member.id!r} staat er twee keer in")
                members.append(member)

            r.listing("leden", read_member, [])
            r.done()
            orgs.append(org)

        root.listing("organisaties", read_org)
        root.done()
        directory = Directory(orgs, members)
        for g in directory.gemeenten:
            if not directory.serving(g, OrgKind.VT):
                raise ConfigError(source, "organisaties", f"geen Veilig Thuis-organisatie voor gemeente {g}")
        for i, org in enumerate(orgs):   # need to know: a new case channel holds the table's members, no one else
            if org.kind in (OrgKind.VT, OrgKind.LT) and directory.members_of(org.id) and not directory.at_table(org.id):
                raise ConfigError(source, f"organisaties[{i}].leden",
                                  f"{org.name} heeft geen lid aan de triagetafel: zet 'tafel: true' bij wie er "
                                  "namens de organisatie zit (alleen zij komen in een nieuw casuskanaal)")
        return directory


def _text(value: Any, where: str, source: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(source, where, f"verwacht tekst, kreeg {value!r}")
    return value.strip()
