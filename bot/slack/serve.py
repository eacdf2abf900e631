"""`triagebot serve` (HTTP, signed requests) and `triagebot socket` (Socket Mode): the composition root
of the Slack bot, from environment variables."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from datetime import datetime

from slack_sdk import WebClient

from models.calendar import AMS

from ..app import Bot
from ..channel_map import ChannelMap
from ..config import Settings, load_directory, load_profile
from ..delivery.scheduler import build_scheduler
from ..render import Renderer
from ..serving import deliver_in_background, http_server, settle_heap
from ..storage.db import make_engine, migrate
from .app import build_app, http_app
from .port import SlackPlatform

REQUIRED = {
    "serve": ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"),
    "socket": ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"),
}


@dataclass(frozen=True)
class SlackSettings:
    bot_token: str
    signing_secret: str | None
    app_token: str | None
    api_url: str
    port: int


def read_settings(mode: str, env=os.environ) -> SlackSettings:
    missing = [name for name in REQUIRED[mode] if not env.get(name)]
    if missing:
        verb = "ontbreekt" if len(missing) == 1 else "ontbreken"
        raise SystemExit(
            f"De Slack-bot kan niet starten: {' en '.join(missing)} {verb}.\n"
            "Zet de waarden uit de Slack-app (Basic Information en OAuth & Permissions) in de omgeving; "
            "zie de README, 'Installeren in Slack'.")
    if not env.get("PORT", "3000").isdigit():
        raise SystemExit(f"De Slack-bot kan niet starten: PORT moet een getal zijn, niet '{env['PORT']}'.")
    return SlackSettings(bot_token=env["SLACK_BOT_TOKEN"], signing_secret=env.get("SLACK_SIGNING_SECRET"),
                         app_token=env.get("SLACK_APP_TOKEN"),
                         api_url=env.get("SLACK_API_URL", "https://slack.com/api/"), port=int(env.get("PORT", "3000")))


def build(slack: SlackSettings, settings: Settings, *, with_jobs: bool = True, token_verification: bool = True):
    engine = make_engine(settings.database_url)
    migrate(engine)
    directory = load_directory(settings.directory)
    client = WebClient(token=slack.bot_token, base_url=slack.api_url)
    channels = ChannelMap(engine, "slack")
    platform = SlackPlatform(client, directory, channels.get, channels.remember)
    renderer = Renderer(directory, "slack")
    bot = Bot(directory, load_profile(settings.profile), engine, platform, renderer, lambda: datetime.now(AMS))
    worker = deliver_in_background(bot, engine)
    scheduler = build_scheduler(bot) if with_jobs else None
    if scheduler is not None:
        scheduler.start()
    app = build_app(bot, client, slack.signing_secret, channels, token_verification=token_verification)
    return app, bot, worker, scheduler


def serve(argv: list[str]) -> int:
    slack = read_settings("serve")
    app, bot, *_ = build(slack, Settings.from_env())
    settle_heap()
    server = http_server("0.0.0.0", slack.port, http_app(bot, app, slack.signing_secret))
    print(f"Triagetafel-bot luistert op poort {slack.port} (/slack/events).", file=sys.stderr)
    server.serve_forever()
    return 0


def socket(argv: list[str]) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    slack = read_settings("socket")
    app, *_ = build(slack, Settings.from_env())
    settle_heap()
    SocketModeHandler(app, slack.app_token).start()
    return 0
