"""The command line of `triagebot`, in Dutch: every command and option with its help.

The names are Dutch; the older English names still work as aliases (`serve` → `start`, `check` →
`controleer`, `worker` → `proefdraai`, `casus show` → `casus toon`, `--directory` → `--adressenlijst`).
Settings: an option on the command line wins over its environment variable, which wins over the default.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta

from models.calendar import AMS

from ..config import DEFAULT_DATABASE, DEFAULT_PROFILE, ENV_DATABASE, ENV_DIRECTORY, ENV_LOG, ENV_PROFILE
from .dutch import DutchArgumentParser

DESCRIPTION = """Triagetafel-bot voor Veilig Thuis, de lokale teams en de gecertificeerde instellingen.

Eerst kijken: triagebot demo. Zelf proberen: triagebot console. Meer over één opdracht: triagebot <opdracht> --help."""

SETTINGS = f"""Instellingen: een optie op de opdrachtregel gaat voor de omgevingsvariabele, en die voor de standaard.
  --db             {ENV_DATABASE} (standaard {DEFAULT_DATABASE})
  --profiel        {ENV_PROFILE} (standaard {DEFAULT_PROFILE})
  --adressenlijst  {ENV_DIRECTORY} (standaard de demo-adressenlijst)
  --log            {ENV_LOG} (standaard geen logbestand)"""


def moment(value: str) -> datetime:
    """A moment as typed (`2025-06-02T08:00`, or a date alone for 09:00), in Dutch time unless it says otherwise."""
    try:
        t = datetime.fromisoformat(value if "T" in value or " " in value else value + "T09:00")
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is geen tijd; gebruik JJJJ-MM-DDTUU:MM, "
                                         "bijvoorbeeld 2025-06-02T08:00") from None
    return t if t.tzinfo else t.replace(tzinfo=AMS)


def day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is geen datum; gebruik JJJJ-MM-DD, bijvoorbeeld 2025-01-01") \
            from None


def step(value: str) -> timedelta:
    m = re.fullmatch(r"(\d{1,4})(m|h)", value)
    if not m or int(m.group(1)) == 0:
        raise argparse.ArgumentTypeError(f"'{value}' is geen stap; gebruik minuten of uren, bijvoorbeeld 30m of 1h")
    n = int(m.group(1))
    return timedelta(minutes=n) if m.group(2) == "m" else timedelta(hours=n)


def _processes(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 32:
        raise argparse.ArgumentTypeError(f"'{value}' is geen aantal processen; gebruik een getal van 1 tot en met 32")
    return int(value)


def _settings(p: argparse.ArgumentParser, *, db: str | None = None, log: bool = False) -> None:
    p.add_argument("--db", metavar="URL",
                   help=db or f"de database (standaard: {ENV_DATABASE}, anders {DEFAULT_DATABASE})")
    p.add_argument("--profiel", metavar="NAAM_OF_BESTAND",
                   help="regioprofiel: gelderland-midden, noord-oost-gelderland, zuid-limburg, flevoland of een "
                        f"eigen .yaml (standaard: {ENV_PROFILE}, anders {DEFAULT_PROFILE})")
    p.add_argument("--adressenlijst", "--directory", dest="adressenlijst", metavar="BESTAND",
                   help=f"de adressenlijst (YAML) (standaard: {ENV_DIRECTORY}, anders de demo-adressenlijst)")
    if log:
        p.add_argument("--log", metavar="BESTAND",
                       help=f"bewaar het log van de bot in dit bestand (standaard: {ENV_LOG}; zonder logbestand "
                            "meldt de bot alleen fouten, in één regel op standaardfout)")


def build_parser(handlers: dict[str, Callable[[argparse.Namespace], int]]) -> DutchArgumentParser:
    parser = DutchArgumentParser(prog="triagebot", description=DESCRIPTION, epilog=SETTINGS)
    sub = parser.add_subparsers(dest="command", required=True, metavar="OPDRACHT", title="opdrachten")

    def command(name: str, help: str, handler: str, aliases: tuple[str, ...] = (),
                epilog: str | None = None) -> DutchArgumentParser:
        p = sub.add_parser(name, aliases=list(aliases), help=help, description=help[:1].upper() + help[1:] + ".",
                           epilog=epilog)
        p.set_defaults(run=handlers[handler])
        p.own_errors = True
        return p

    console = command("console", "de bot in de terminal, met een gesimuleerde klok", "console", epilog="""\
Regels die u typt (of in een script zet):
  <lid-id>: /casus ...                   een opdracht, bijvoorbeeld vt-medewerker: /casus nieuw Arnhem
  <lid-id>: klik <knop> [casusnummer]    een knop indrukken, bijvoorbeeld lt-arnhem-medewerker: klik Bevestig overdracht
  klok +<n>m|h|d|wd of JJJJ-MM-DDTUU:MM  de tijd verzetten (wd = werkdagen)
  stop                                   stoppen
Op een database die al gebruikt is, gaat de console verder waar de vorige sessie stopte.""")
    _settings(console, log=True)
    console.add_argument("--script", metavar="BESTAND", help="speel de regels uit dit bestand af en toon het verslag")
    console.add_argument("--json", action="store_true", help="één JSON-object per gebeurtenis in plaats van tekst")
    console.add_argument("--start", type=moment, metavar="JJJJ-MM-DDTUU:MM",
                         help="starttijd van de klok (standaard: waar de database ophield, anders nu); niet vóór "
                              "wat de database al bevat")

    demo = command("demo", "speel een ochtend aan de triagetafel af", "demo", epilog="""\
Voorbeeld: triagebot demo --db sqlite:///demo.db
           triagebot casus toon VT-2025-0001 --db sqlite:///demo.db""")
    _settings(demo, log=True, db=f"bewaar de demo in deze (lege) database (standaard: {ENV_DATABASE}, anders een "
                                 "tijdelijke database die na afloop weg is)")
    demo.add_argument("--json", action="store_true", help="één JSON-object per gebeurtenis in plaats van tekst")

    case = command("casus", "beheer: één casus bekijken, bijvoorbeeld: casus toon VT-2025-0001", "casus")
    actions = case.add_subparsers(dest="actie", required=True, metavar="ACTIE", title="acties")
    show = actions.add_parser("toon", aliases=["show"], help="toon een casus, met grootboek, termijnen en auditlog",
                              description="Toon een casus, met grootboek, termijnen en auditlog. Ook deze blik komt "
                                          "in de auditlog.")
    show.own_errors = True
    show.add_argument("nummer", metavar="CASUSNUMMER", help="bijvoorbeeld VT-2025-0001")
    _settings(show)
    show.add_argument("--json", action="store_true", help="als JSON, met vaste codes en tijden met hun tijdzone")

    log = command("audit", "voor de functionaris gegevensbescherming: wie deed of bekeek wat, namens wie, wanneer, "
                           "bij welke casus (NEN 7513)", "audit",
                  epilog="Voorbeelden: triagebot audit --van 2025-06-01T00:00 --lid lt-arnhem-medewerker --csv; "
                         "triagebot audit controleer")
    log.add_argument("actie", nargs="?", choices=["rapport", "controleer", "verify"], default="rapport",
                     help="rapport (standaard): de regels als tabel of CSV; controleer: is de keten ongeschonden?")
    _settings(log)
    log.add_argument("--van", type=moment, metavar="JJJJ-MM-DDTUU:MM", help="vanaf dit moment")
    log.add_argument("--tot", type=moment, metavar="JJJJ-MM-DDTUU:MM", help="tot dit moment")
    log.add_argument("--lid", metavar="LID-ID", help="alleen wat dit lid deed of wat namens dit lid gebeurde")
    log.add_argument("--casus", metavar="CASUSNUMMER", help="alleen deze casus")
    log.add_argument("--csv", action="store_true", help="als CSV (met kopregel) in plaats van een tabel")

    book = command("adressen", "breng de casuskanalen in lijn met de adressenlijst: wie vertrok, van organisatie "
                               "of rol wisselde of niet meer aan tafel zit, gaat eruit", "adressen",
                   epilog="Voorbeeld: triagebot adressen synchroniseer --proef --adressenlijst adressen.yaml")
    book.add_argument("actie", choices=["synchroniseer"], help="synchroniseer: de kanalen in lijn brengen")
    _settings(book)
    book.add_argument("--proef", action="store_true", help="toon alleen wat er zou veranderen; verander niets")

    keep = command("bewaartermijn", "kort gesloten casussen in waarvan de bewaartermijn om is, en verwijder hun "
                                    "kanaal waar het platform dat toestaat; zonder --uitvoeren alleen een proef",
                   "bewaartermijn", epilog="Voorbeeld: triagebot bewaartermijn (toont wat er zou gebeuren); "
                                           "triagebot bewaartermijn --uitvoeren")
    _settings(keep)
    keep.add_argument("--uitvoeren", action="store_true",
                      help="voer het echt uit (zonder: toon alleen wat er zou gebeuren; verander niets)")

    database = command("db", "de database: 'db upgrade' brengt het schema bij voor deze versie van de bot (de "
                             "gegevens blijven); de servers starten pas daarna", "db",
                       epilog="Voorbeeld: triagebot db upgrade --db postgresql+psycopg://bot@db/triagebot")
    database.add_argument("actie", choices=["upgrade"], help="upgrade: het schema bijwerken")
    database.add_argument("--db", metavar="URL", help=f"de database (standaard: {ENV_DATABASE}, anders "
                                                      f"{DEFAULT_DATABASE})")

    profiles = command("profielen", "controleer het regioprofiel, de adressenlijst en de database", "profielen",
                       epilog="Voorbeeld: triagebot profielen --profiel mijn-regio.yaml --adressenlijst adressen.yaml")
    _settings(profiles)

    dry = command("proefdraai", "de klokjobs in gesimuleerde tijd, zonder chat; elk bericht naar een journaal",
                  "proefdraai", aliases=("worker",), epilog="Voorbeeld: triagebot proefdraai --journaal "
                  "berichten.jsonl --van 2025-06-02T08:00 --tot 2025-07-01T08:00")
    _settings(dry, log=True)
    dry.add_argument("--journaal", required=True, metavar="BESTAND", help="bestand waarin elk bericht komt "
                                                                          "(één JSON-regel per bericht)")
    dry.add_argument("--van", type=moment, metavar="JJJJ-MM-DDTUU:MM",
                     help="begin (standaard: waar de database ophield, anders nu)")
    dry.add_argument("--tot", type=moment, required=True, metavar="JJJJ-MM-DDTUU:MM", help="einde")
    dry.add_argument("--stap", type=step, default=timedelta(hours=1), metavar="30m|1h",
                     help="hoe ver de klok per stap gaat (standaard 1h)")
    dry.add_argument("--traag-ms", type=int, default=0, help=argparse.SUPPRESS)
    dry.add_argument("--crash-na", type=int, default=0, help=argparse.SUPPRESS)

    rep = command("rapport", "schrijf het rapport voor de jaarlijkse evaluatie: HTML met grafieken, CSV en PNG",
                  "rapport", epilog="Voorbeeld: triagebot rapport --van 2025-01-01 --tot 2026-01-01 --gemeente Ede "
                                    "--uitvoer rapport-ede")
    _settings(rep)
    rep.add_argument("--van", type=day, required=True, metavar="JJJJ-MM-DD", help="eerste dag (meldingen vanaf)")
    rep.add_argument("--tot", type=day, required=True, metavar="JJJJ-MM-DD", help="tot deze dag (niet meegeteld)")
    rep.add_argument("--gemeente", metavar="NAAM", help="alleen de meldingen van deze gemeente; kleine aantallen "
                                                       "(onder 5) worden dan verborgen")
    rep.add_argument("--uitvoer", default="rapport", metavar="MAP",
                     help="de map voor de bestanden (standaard: rapport)")

    start = command("start", "de bot voor Slack (standaard) of Mattermost, over HTTP", "start", aliases=("serve",),
                    epilog="De chatgegevens komen uit de omgeving; zie de README, 'Installeren in Slack' en "
                           "'Installeren in Mattermost'.")
    start.add_argument("--platform", choices=["slack", "mattermost"], default="slack",
                       help="het chatplatform (standaard slack)")
    start.add_argument("--processen", type=_processes, default=1, metavar="N",
                       help="zoveel serverprocessen op dezelfde poort (standaard 1; meer dan 1: bij voorkeur op "
                            "PostgreSQL)")
    start.add_argument("--alleen-ontvangen", action="store_true",
                       help="alleen verzoeken ontvangen, bewaren en beantwoorden; een `triagebot verwerker` voert "
                            "ze uit")
    _settings(start)

    processor = command("verwerker", "voer de ontvangen verzoeken uit, bezorg de berichten en houd de termijnen "
                                     "bij, naast een of meer `triagebot start --alleen-ontvangen`", "verwerker",
                        epilog="De chatgegevens komen uit de omgeving, zoals bij `triagebot start`.")
    processor.add_argument("--platform", choices=["slack", "mattermost"], default="slack",
                           help="het chatplatform (standaard slack)")
    processor.add_argument("--crash-na", type=int, default=0, help=argparse.SUPPRESS)
    _settings(processor)

    socket = command("socket", "de Slack-bot in Socket Mode (SLACK_BOT_TOKEN, SLACK_APP_TOKEN)", "socket")
    _settings(socket)

    check = command("controleer", "controleer de instellingen voor Slack (standaard) of Mattermost", "controleer",
                    aliases=("check",), epilog="Zegt wat ontbreekt of niet klopt, en of het platform het token "
                                               "accepteert.")
    check.add_argument("--platform", choices=["slack", "mattermost"], default="slack",
                       help="het chatplatform (standaard slack)")
    _settings(check)
    return parser
