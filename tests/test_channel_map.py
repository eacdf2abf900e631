"""Which platform channel is which case channel: kept in the database, looked up once per channel."""

from __future__ import annotations

from sqlalchemy import event

from bot.channel_map import ChannelMap


def test_a_channel_is_looked_up_once_and_a_remembered_one_is_found(engine):
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    channels = ChannelMap(engine, "mattermost")
    assert channels.name_of("kanaal-algemeen") is None
    assert channels.name_of("kanaal-algemeen") is None
    assert len([s for s in statements if "platform_channels" in s]) == 1     # the second time from memory
    channels.remember("casus-2025-0001", "kanaal-algemeen")
    assert channels.name_of("kanaal-algemeen") == "casus-2025-0001"
    restarted = ChannelMap(engine, "mattermost")                            # a new process reads the database
    assert restarted.name_of("kanaal-algemeen") == "casus-2025-0001"
    assert ChannelMap(engine, "slack").name_of("kanaal-algemeen") is None    # per platform
