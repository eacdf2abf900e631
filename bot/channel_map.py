"""Which platform channel belongs to which case channel name, kept in the database."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.tables import PlatformChannel


class ChannelMap:
    def __init__(self, engine: Engine, platform: str):
        self.engine, self.platform = engine, platform
        self._cache: dict[str, str] = {}   # name → id: a case channel's id never changes, so this never goes stale

    def get(self, name: str) -> str | None:
        if name not in self._cache:
            with Session(self.engine) as s:
                row = s.get(PlatformChannel, (self.platform, name))
                if row is None:
                    return None
                self._cache[name] = row.channel_id
        return self._cache[name]

    def remember(self, name: str, channel_id: str) -> None:
        with Session(self.engine) as s:
            s.merge(PlatformChannel(platform=self.platform, name=name, channel_id=channel_id))
            s.commit()
        self._cache[name] = channel_id

    def name_of(self, channel_id: str) -> str | None:
        """The case channel a request comes from, or None. That a channel is *not* a case channel is never kept
        in memory: another bot process may open a case channel at any moment, so the database (an indexed look-up)
        is asked each time."""
        for name, cid in self._cache.items():
            if cid == channel_id:
                return name
        with Session(self.engine) as s:
            row = s.execute(select(PlatformChannel.name).where(
                PlatformChannel.platform == self.platform, PlatformChannel.channel_id == channel_id)).first()
        if row is None:
            return None
        self._cache[row[0]] = channel_id
        return row[0]
