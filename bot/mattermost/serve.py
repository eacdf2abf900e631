"""`triagebot serve --platform mattermost` and `triagebot check --platform mattermost`: the composition
root of the Mattermost bot, from environment variables, and the administrator's check of them."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from datetime import datetime

from models.calendar import AMS
from models.directory import Directory
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
    deliver_in_background,
    http_server,
    killed_after,
    process_in_background,
    serve_in,
    settle_heap,
    wait_forever,
)
from ..storage.db import SchemaBehind, make_engine, require_current_schema, schema_refusal
from .app import ACTION_PATH, COMMAND_PATH, DIALOG_PATH, MattermostApp, request_kind
from .client import (
    BULK_MEMBERS_SINCE,
    MINIMUM_SERVER,
    MattermostClient,
    MattermostError,
    Unreachable,
    parse_version,
    version_text,
)
from .port import MattermostPlatform
from .signing import Signer

SETTINGS = {
    "MATTERMOST_URL": "het adres van de Mattermost-server, bijvoorbeeld https://chat.voorbeeld.nl",
    "MATTERMOST_BOT_TOKEN": "het toegangstoken van het bot-account",
    "MATTERMOST_TEAM": "de naam (in de URL) van het team waarin de casuskanalen komen",
    "MATTERMOST_CASUS_TOKEN": "het token dat Mattermost aan de slash-opdracht /casus gaf",
    "MATTERMOST_TAFEL_TOKEN": "het token dat Mattermost aan de slash-opdracht /tafel gaf",
    "MATTERMOST_SIGNING_SECRET": "een eigen geheim van minstens 32 tekens om knoppen en formulieren te ondertekenen",
    "TRIAGEBOT_PUBLIC_URL": "het adres waarop de Mattermost-server de bot bereikt, bijvoorbeeld https://bot.voorbeeld.nl",
}


@dataclass(frozen=True)
class MattermostSettings:
    url: str
    bot_token: str
    team: str
    tokens: dict[str, str]      # slash command → its token
    signing_secret: str
    public_url: str
    port: int


def problems_in(env=os.environ) -> list[str]:
    """What is missing or wrong in the settings themselves (no network)."""
    out = [f"{name} ontbreekt: {what}." for name, what in SETTINGS.items() if not env.get(name)]
    secret = env.get("MATTERMOST_SIGNING_SECRET", "")
    if secret and len(secret) < 32:
        out.append("MATTERMOST_SIGNING_SECRET is te kort: gebruik minstens 32 willekeurige tekens.")
    for name in ("MATTERMOST_URL", "TRIAGEBOT_PUBLIC_URL"):
        if env.get(name) and not env[name].startswith(("https://", "http://")):
            out.append(f"{name} moet met https:// (of http://) beginnen.")
    if env.get("MATTERMOST_CASUS_TOKEN") and env.get("MATTERMOST_CASUS_TOKEN") == env.get("MATTERMOST_TAFEL_TOKEN"):
        out.append("MATTERMOST_CASUS_TOKEN en MATTERMOST_TAFEL_TOKEN zijn gelijk; elke slash-opdracht heeft een "
                   "eigen token.")
    if env.get("PORT") and not env["PORT"].isdigit():
        out.append("PORT moet een getal zijn.")
    return out


def read_settings(env=os.environ) -> MattermostSettings:
    problems = problems_in(env)
    if problems:
        raise SystemExit("De Mattermost-bot kan niet starten:\n- " + "\n- ".join(problems) + "\nZie de README, "
                         "'Installeren in Mattermost', of draai `triagebot check --platform mattermost`.")
    return MattermostSettings(url=env["MATTERMOST_URL"], bot_token=env["MATTERMOST_BOT_TOKEN"],
                              team=env["MATTERMOST_TEAM"],
                              tokens={"/casus": env["MATTERMOST_CASUS_TOKEN"], "/tafel": env["MATTERMOST_TAFEL_TOKEN"]},
                              signing_secret=env["MATTERMOST_SIGNING_SECRET"], public_url=env["TRIAGEBOT_PUBLIC_URL"],
                              port=int(env.get("PORT", "3000")))


def build(mm: MattermostSettings, settings: Settings, *, client: MattermostClient | None = None,
          clock=None, role: str | None = ALL, post_answer=None, applied=lambda: None):
    """The bot on Mattermost in one of its roles (`bot/serving.py`), or with `role=None` in a test's hands (no
    background threads, no inbox: a request is applied in the request): returns (wsgi app, bot, delivery worker
    or None, scheduler or None)."""
    directory = load_directory(settings.directory)     # a mistake in the configuration is said first
    engine = make_engine(settings.database_url)
    require_current_schema(engine)      # upgrading is the administrator's step: `triagebot db upgrade`
    client = client or MattermostClient(mm.url, mm.bot_token)
    me, team = client.me(), client.team_by_name(mm.team)
    signer = Signer(mm.signing_secret)
    channels = ChannelMap(engine, "mattermost")
    platform = MattermostPlatform(client, directory, team["id"], me["id"], mm.public_url.rstrip("/") + ACTION_PATH,
                                  signer, channels.get, channels.remember)
    profile = load_profile(settings.profile)
    renderer = Renderer(directory, "mattermost", profile.wording)
    bot = Bot(directory, profile, engine, platform, renderer, clock or (lambda: datetime.now(AMS)))
    worker = scheduler = inbox = None
    if role is not None:
        worker = deliver_in_background(bot, engine)
        inbox = Inbox(engine) if role != PROCESS else None
    app = MattermostApp(bot, client, me["id"], signer, mm.tokens, channels, mm.public_url, post_answer, inbox)
    if role in (ALL, PROCESS):
        process_in_background(Processor(engine, "mattermost", app, Texts(renderer), applied=applied), inbox, engine)
        scheduler = build_scheduler(bot)
        scheduler.start()
    return app, bot, worker, scheduler


def started(mm: MattermostSettings, role: str, applied=lambda: None):
    try:
        return build(mm, Settings.from_env(), role=role, applied=applied)
    except MattermostError as exc:
        raise SystemExit(f"De Mattermost-bot kan niet starten: {_why(exc)}. "
                         "Draai `triagebot check --platform mattermost`.") from None
    except SchemaBehind as exc:
        raise SystemExit(schema_refusal(exc)) from None


def serve(role: str = ALL, processes: int = 1) -> int:
    mm = read_settings()
    return serve_in(processes, mm.port, f"Triagetafel-bot (Mattermost) luistert op poort {mm.port} ({COMMAND_PATH}, "
                    f"{ACTION_PATH}, {DIALOG_PATH}; /healthz, /readyz, /metrics){HOW[role]}",
                    lambda sock: _server(mm, role, sock), Settings.from_env())


def _server(mm: MattermostSettings, role: str, sock):
    app, bot, *_ = started(mm, role)
    settle_heap()
    return http_server("0.0.0.0", mm.port, Operations(app, bot.engine, bot.metrics, "mattermost", request_kind,
                                                      bot.clock), sock)


def process(crash_after: int = 0) -> int:
    """`triagebot verwerker --platform mattermost`: applies and answers what the servers received, delivers, runs
    the clock."""
    started(read_settings(), PROCESS, killed_after(crash_after))
    print(f"Triagetafel-bot (Mattermost) verwerkt{HOW[PROCESS]}.", file=sys.stderr)
    return wait_forever()


# ---- the administrator's check ------------------------------------------------------------------------
def check(env=os.environ, client: MattermostClient | None = None, notes: list[str] | None = None) -> list[str]:
    """Everything an administrator must fix, in Dutch; empty when the bot can start and reach everyone.
    What is worth knowing but needs no fixing (the server's version and what it means) goes into `notes`."""
    problems = problems_in(env)
    try:
        directory = load_directory(env.get("TRIAGEBOT_DIRECTORY") or None)
    except ConfigError as exc:
        problems.append(f"De adressenlijst klopt niet: {exc}.")
        directory = None
    if any(name in p for p in problems for name in ("MATTERMOST_URL ", "MATTERMOST_BOT_TOKEN ")):
        return problems
    client = client or MattermostClient(env["MATTERMOST_URL"], env["MATTERMOST_BOT_TOKEN"])
    try:
        me = client.me()
    except MattermostError as exc:
        return problems + [f"Mattermost op {env['MATTERMOST_URL']} is niet bruikbaar: {_why(exc)}."]
    problems += _server_problems(client, [] if notes is None else notes)
    if not me.get("is_bot"):
        problems.append(f"@{me.get('username')} is geen bot-account; maak een bot-account aan (Integraties → "
                        "Bot-accounts) en gebruik zijn token.")
    if env.get("MATTERMOST_TEAM"):
        problems += _team_problems(client, env["MATTERMOST_TEAM"], me)
    return problems + (_member_problems(client, directory) if directory else [])


def _member_problems(client: MattermostClient, directory: Directory) -> list[str]:
    problems = []
    for m in directory.members.values():
        username = m.chat_ids.get("mattermost")
        try:
            if username:
                client.user_by_username(username)
            elif m.email:
                client.user_by_email(m.email)
            else:
                problems.append(f"{m.id} in de adressenlijst heeft geen Mattermost-gebruikersnaam en geen e-mailadres.")
        except MattermostError:
            problems.append(f"{m.id} in de adressenlijst is in Mattermost niet gevonden "
                            f"({'gebruikersnaam' if username else 'e-mailadres'} nakijken).")
    return problems


def _server_problems(client: MattermostClient, notes: list[str]) -> list[str]:
    """The server's version: too old for the bot, or old enough that members are added one by one."""
    try:
        found = client.server_version()
    except MattermostError as exc:
        return [f"De Mattermost-server noemt zijn versie niet: {_why(exc)}."]
    version = parse_version(found)
    if version is None:
        notes.append("Mattermost-server: versie onbekend (de server noemt haar niet). De bot voegt leden in één "
                     "keer aan een casuskanaal toe en valt terug op één voor één als de server dat weigert.")
        return []
    notes.append(f"Mattermost-server: versie {found}.")
    if version < MINIMUM_SERVER:
        return [f"Mattermost-server versie {found} is te oud: de bot werkt met versie "
                f"{version_text(MINIMUM_SERVER)} of nieuwer. Laat de server bijwerken naar minstens "
                f"{version_text(MINIMUM_SERVER)}, liefst naar de nieuwste Extended Support Release van Mattermost."]
    if version < BULK_MEMBERS_SINCE:
        notes.append(f"Deze server is ouder dan {version_text(BULK_MEMBERS_SINCE)} en kan niet meerdere leden in "
                     "één keer aan een kanaal toevoegen: de bot voegt ze één voor één toe. Dat werkt, maar is "
                     f"trager; bijwerken naar {version_text(BULK_MEMBERS_SINCE)} of nieuwer verhelpt het.")
    return []


def _why(exc: MattermostError) -> str:
    if isinstance(exc, Unreachable):
        return f"de server is niet bereikbaar ({exc.message})"
    if exc.status == 401:
        return "het token wordt niet geaccepteerd"
    return f"de server antwoordde {exc.status} ({exc.error_id})"


def _team_problems(client: MattermostClient, team_name: str, me: dict) -> list[str]:
    try:
        team = client.team_by_name(team_name)
    except MattermostError:
        return [f"Team '{team_name}' bestaat niet of de bot mag het niet zien."]
    try:
        client.team_member(team["id"], me["id"])
    except MattermostError:
        return [f"De bot is geen lid van team '{team_name}'; voeg @{me.get('username')} toe aan het team."]
    return []


def check_main(argv: list[str]) -> int:
    notes: list[str] = []
    problems = check(notes=notes)
    for note in notes:
        print(note)
    if problems:
        print("Nog niet in orde:\n- " + "\n- ".join(problems))
        return 1
    print("In orde: de instellingen zijn compleet, het bot-account werkt, het team klopt en alle leden van de "
          "adressenlijst zijn in Mattermost gevonden.")
    return 0
