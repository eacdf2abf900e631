"""Which platform channel is which case channel: kept in the database. A case channel, once known, is known from
memory; that a channel is *not* one is asked of the database each time, because another bot process may open a
case channel at any moment."""

from __future__ import annotations

from sqlalchemy import event

from bot.channel_map import ChannelMap


def test_a_case_channel_another_process_opened_is_found_at_once(engine):
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    first, second = ChannelMap(engine, "mattermost"), ChannelMap(engine, "mattermost")   # two bot processes
    assert first.name_of("kanaal-x") is None
    second.remember("casus-2025-0001", "kanaal-x")        # the other process opened the case channel just now
    assert first.name_of("kanaal-x") == "casus-2025-0001"  # no stale "not a case channel" in the first
    looked_up = len([s for s in statements if "platform_channels" in s])
    assert first.name_of("kanaal-x") == "casus-2025-0001"
    assert len([s for s in statements if "platform_channels" in s]) == looked_up   # a known one from memory
    assert ChannelMap(engine, "mattermost").name_of("kanaal-x") == "casus-2025-0001"   # a restart reads it
    assert ChannelMap(engine, "slack").name_of("kanaal-x") is None                     # per platform
