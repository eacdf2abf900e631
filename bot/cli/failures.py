"""What goes wrong on the command line, said in Dutch: a database that cannot be used, a mistake of the user,
a fault of the bot. Never a traceback: the details of a fault go to the log file (`--log`), if there is one."""

from __future__ import annotations

from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from ..storage.db import make_engine, migrate
from .errors import UserError

DATABASE_HINT = ("Controleer --db of DATABASE_URL, bijvoorbeeld sqlite:///triagebot.db of "
                 "postgresql+psycopg://gebruiker@host/database.")

# (words in the driver's message, what it means) — the first match wins
_DRIVER_SAYS = (
    (("unable to open database file",), "het bestand kan niet worden geopend of aangemaakt (bestaat de map, en mag "
                                        "u erin schrijven?)"),
    (("file is not a database",), "het bestand is geen SQLite-database"),
    (("database is locked",), "een ander proces houdt de database bezet; probeer het zo opnieuw"),
    (("connection refused",), "de server weigert de verbinding (draait PostgreSQL, en klopt de poort?)"),
    (("could not translate host name", "name or service not known", "nodename nor servname",
      "temporary failure in name resolution", "no such host"), "de servernaam is niet te vinden"),
    (("password authentication failed", "no password supplied", "authentication failed"),
     "de server accepteert de gebruikersnaam of het wachtwoord niet"),
    (("does not exist",), "de database of de gebruiker bestaat niet op de server"),
    (("timeout", "timed out"), "de server antwoordt niet"),
    (("permission denied", "readonly", "read-only"), "de bot mag hier niet schrijven"),
)


def shown(url: str) -> str:
    """A database URL as it may be printed: without its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return url


def why_database(exc: BaseException) -> str:
    """What a failure to open or use a database means, in Dutch."""
    if isinstance(exc, NoSuchModuleError | ImportError):     # (NoSuchModuleError is an ArgumentError too)
        return "dit soort database kent de bot niet (gebruik sqlite:/// of postgresql+psycopg://)"
    if isinstance(exc, ArgumentError):
        return "dit is geen database-adres"
    if type(exc).__name__ == "CommandError":        # Alembic: the schema is of a version this bot does not know
        return "de database is gemaakt door een nieuwere versie van de bot"
    text = str(getattr(exc, "orig", None) or exc).lower()
    return next((meaning for words, meaning in _DRIVER_SAYS if any(w in text for w in words)),
                "de verbinding of een opdracht aan de database mislukte")


def database_error(url: str, exc: BaseException) -> UserError:
    return UserError(f"De database {shown(url)} is niet te gebruiken: {why_database(exc)}.\n{DATABASE_HINT}")


def open_database(url: str) -> Engine:
    """The engine for `url`, with the schema brought up to date; a failure becomes a Dutch UserError."""
    from alembic.util.exc import CommandError

    try:
        engine = make_engine(url)
        migrate(engine)
    except (SQLAlchemyError, ImportError, CommandError) as exc:
        raise database_error(url, exc) from None
    return engine
