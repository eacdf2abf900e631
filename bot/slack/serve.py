"""`triagebot serve` (HTTP, signed requests) and `triagebot socket` (Socket Mode): the composition root
of the Slack bot, from environment variables."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from models.calendar import AMS
from models.schema import ConfigError

from ..app import Bot
from ..channel_map import ChannelMap
from ..config import Settings, load_directory, load_profile
from ..delivery.inbox import Inbox, Processor, Texts
from ..delivery.scheduler import build_scheduler
from ..ops import Operations
from ..render import Renderer
from ..serving import (
    ALL,
    HOW,
    PROCESS,
    RECEIVE,
    deliver_in_background,
    http_server,
    killed_after,
    process_in_background,
    serve_in,
    settle_heap,
    wait_forever,
)
from ..storage.db import SchemaBehind, make_engine, require_current_schema, schema_refusal
from .app import SlackRequests, build_app, http_app, request_kind
from .home import HomeTabs
from .port import SlackPlatform

REQUIRED = {
    "serve": ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"),
    "socket": ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"),
    "verwerker": ("SLACK_BOT_TOKEN",),
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


def build(slack: SlackSettings, settings: Settings, *, role: str = ALL, token_verification: bool = True,
          applied: Callable[[], None] = lambda: None):
    """The bot in one of its roles (`bot/serving.py`): everything, only receiving (the front), or only
    processing (`triagebot verwerker`)."""
    directory = load_directory(settings.directory)     # a mistake in the configuration is said first
    engine = make_engine(settings.database_url)
    require_current_schema(engine)      # upgrading is the administrator's step: `triagebot db upgrade`
    client = WebClient(token=slack.bot_token, base_url=slack.api_url)
    channels = ChannelMap(engine, "slack")
    platform = SlackPlatform(client, directory, channels.get, channels.remember)
    profile = load_profile(settings.profile)
    renderer = Renderer(directory, "slack", profile.wording, channels.get)
    bot = Bot(directory, profile, engine, platform, renderer, lambda: datetime.now(AMS))
    worker = deliver_in_background(bot, engine)
    requests = SlackRequests(bot, client, channels)
    inbox = Inbox(engine) if role != PROCESS else None
    scheduler = None
    if role != RECEIVE:
        process_in_background(Processor(engine, "slack", requests, Texts(renderer), applied=applied), inbox, engine)
        scheduler = build_scheduler(bot)
        scheduler.start()
    homes = HomeTabs(bot, client, engine, requests.member_of, lambda: datetime.now(AMS))
    bot.cases_changed = homes.refresh      # a change in a case: the Home tabs of whom it concerns again
    app = build_app(bot, client, slack.signing_secret, channels, token_verification=token_verification,
                    inbox=inbox, requests=requests, homes=homes)
    return app, bot, worker, scheduler


def started(slack: SlackSettings, role: str = ALL, applied: Callable[[], None] = lambda: None):
    try:
        return build(slack, Settings.from_env(), role=role, applied=applied)
    except SchemaBehind as exc:
        raise SystemExit(schema_refusal(exc)) from None


def serve(role: str = ALL, processes: int = 1) -> int:
    slack = read_settings("serve")
    return serve_in(processes, slack.port, f"Triagetafel-bot luistert op poort {slack.port} (/slack/events; "
                    f"/healthz, /readyz, /metrics){HOW[role]}", lambda sock: _server(slack, role, sock),
                    Settings.from_env())


def _server(slack: SlackSettings, role: str, sock):
    app, bot, *_ = started(slack, role)
    settle_heap()
    return http_server("0.0.0.0", slack.port, Operations(http_app(bot, app, slack.signing_secret), bot.engine,
                                                         bot.metrics, "slack", request_kind, bot.clock), sock)


def process(crash_after: int = 0) -> int:
    """`triagebot verwerker`: applies and answers what the servers received, delivers, runs the clock."""
    started(read_settings("verwerker"), PROCESS, killed_after(crash_after))
    print(f"Triagetafel-bot verwerkt{HOW[PROCESS]}.", file=sys.stderr)
    return wait_forever()


def socket() -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    slack = read_settings("socket")
    app, *_ = started(slack)
    settle_heap()
    SocketModeHandler(app, slack.app_token).start()
    return 0


# ---- the administrator's check: `triagebot controleer --platform slack` ----------------------------------------
def problems_in(env=os.environ) -> list[str]:
    """What is missing or wrong in the Slack settings themselves (no network)."""
    out = []
    token, secret, app_token = env.get("SLACK_BOT_TOKEN"), env.get("SLACK_SIGNING_SECRET"), env.get("SLACK_APP_TOKEN")
    if not token:
        out.append("SLACK_BOT_TOKEN ontbreekt: het Bot User OAuth Token (xoxb-...) uit OAuth & Permissions.")
    elif not token.startswith("xoxb-"):
        out.append("SLACK_BOT_TOKEN begint niet met xoxb-: gebruik het Bot User OAuth Token, geen ander token.")
    if not secret and not app_token:
        out.append("SLACK_SIGNING_SECRET en SLACK_APP_TOKEN ontbreken allebei: zet het Signing Secret (Basic "
                   "Information) voor `triagebot start`, of een app-token (xapp-...) voor `triagebot socket`.")
    if app_token and not app_token.startswith("xapp-"):
        out.append("SLACK_APP_TOKEN begint niet met xapp-: maak onder Basic Information → App-Level Tokens een "
                   "token met connections:write.")
    if env.get("SLACK_API_URL") and not env["SLACK_API_URL"].startswith(("https://", "http://")):
        out.append("SLACK_API_URL moet met https:// (of http://) beginnen.")
    if env.get("PORT") and not env["PORT"].isdigit():
        out.append("PORT moet een getal zijn.")
    return out


def check(env=os.environ) -> list[str]:
    """Everything an administrator must fix for Slack, in Dutch; empty when the bot can start. When Slack can be
    reached, the token is tried with auth.test."""
    problems = problems_in(env)
    try:
        directory = load_directory(env.get("TRIAGEBOT_DIRECTORY") or None)
    except ConfigError as exc:
        problems.append(f"De adressenlijst klopt niet: {exc}.")
    else:
        unknown = [m.id for m in directory.members.values() if not m.chat_ids.get("slack") and not m.email]
        if unknown:
            problems.append(f"In de adressenlijst {'heeft' if len(unknown) == 1 else 'hebben'} {', '.join(unknown)} "
                            "geen Slack-gebruikers-id (chat: {slack: U...}) en geen e-mailadres.")
    token = env.get("SLACK_BOT_TOKEN", "")
    if not token.startswith("xoxb-") or any(p.startswith("SLACK_API_URL") for p in problems):
        return problems
    url = env.get("SLACK_API_URL", "https://slack.com/api/")
    try:
        answer = WebClient(token=token, base_url=url, timeout=10).auth_test()
    except SlackApiError as exc:
        error = exc.response.get("error", "onbekend") if exc.response is not None else "onbekend"
        if error in ("invalid_auth", "not_authed", "token_revoked", "account_inactive", "token_expired"):
            problems.append(f"Slack accepteert SLACK_BOT_TOKEN niet ({error}): kopieer het Bot User OAuth Token "
                            "opnieuw uit OAuth & Permissions, of installeer de app opnieuw.")
        else:
            problems.append(f"Slack op {url} antwoordde met een fout ({error}).")
    except Exception:            # not reachable: a refused connection, a name that does not resolve, a time-out
        problems.append(f"Slack op {url} is niet bereikbaar, dus het token is niet gecontroleerd; klopt "
                        "SLACK_API_URL, en mag deze machine naar buiten?")
    else:
        if not answer.get("bot_id"):
            problems.append("SLACK_BOT_TOKEN hoort niet bij een bot: gebruik het Bot User OAuth Token (xoxb-...).")
    return problems


def check_main(argv: list[str]) -> int:
    problems = check()
    if problems:
        print("Nog niet in orde:\n- " + "\n- ".join(problems))
        return 1
    print("In orde: de Slack-instellingen zijn compleet, Slack accepteert het token van de bot en elk lid van de "
          "adressenlijst heeft een Slack-gebruikers-id of een e-mailadres.")
    return 0
