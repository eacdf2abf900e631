"""Reading configuration: the shipped regional profiles, the directory, and settings from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

from models.directory import Directory
from models.profile import Profile
from models.schema import ConfigError

PROFILE_NAMES = ("gelderland-midden", "noord-oost-gelderland", "zuid-limburg", "flevoland")
DEFAULT_PROFILE = "gelderland-midden"
DEFAULT_DATABASE = "sqlite:///triagebot.db"

# the settings every command reads: its command-line option wins, then this environment variable, then the default
ENV_DATABASE = "DATABASE_URL"
ENV_PROFILE = "TRIAGEBOT_PROFIEL"
ENV_DIRECTORY = "TRIAGEBOT_DIRECTORY"
ENV_LOG = "TRIAGEBOT_LOG"


def setting(given: str | None, variable: str, default: str | None, env=os.environ) -> str | None:
    """A setting: given on the command line, else from the environment, else the default."""
    if given is not None and given != "":
        return given
    return env.get(variable) or default


def _load_yaml(text: str, source: str) -> object:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f" bij regel {mark.line + 1}, kolom {mark.column + 1}" if mark is not None else ""
        raise ConfigError(source, "(bestand)", f"geen geldige YAML{where}; kijk daar naar inspringing, dubbele "
                                               "punten en aanhalingstekens") from None


def _read(path: Path) -> str:
    if not path.is_file():
        raise ConfigError(str(path), "(bestand)", "bestand niet gevonden")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(str(path), "(bestand)", "geen tekst in UTF-8; sla het bestand op als UTF-8") from None
    except OSError:
        raise ConfigError(str(path), "(bestand)", "kan niet worden gelezen (mag u het lezen?)") from None


@lru_cache(maxsize=16)
def load_profile(name_or_path: str) -> Profile:
    """A shipped profile by name (`zuid-limburg`) or a profile file by path."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml"):
        return Profile.from_dict(_load_yaml(_read(path), str(path)), str(path))
    if name_or_path not in PROFILE_NAMES:
        raise ConfigError("profiel", "naam",
                          f"onbekend profiel {name_or_path!r} (kies uit: {', '.join(PROFILE_NAMES)}, of geef "
                          "het pad naar een eigen profiel dat op .yaml eindigt)")
    text = resources.files("bot").joinpath(f"profiles/{name_or_path}.yaml").read_text(encoding="utf-8")
    return Profile.from_dict(_load_yaml(text, f"{name_or_path}.yaml"), f"{name_or_path}.yaml")


def load_directory(path: str | None = None) -> Directory:
    """The directory from a YAML file, or the shipped demo directory."""
    if path is None:
        text = resources.files("bot").joinpath("demo/directory.yaml").read_text(encoding="utf-8")
        return Directory.from_dict(_load_yaml(text, "demo/directory.yaml"), "demo/directory.yaml")
    return Directory.from_dict(_load_yaml(_read(Path(path)), path), path)


def default_database_url() -> str:
    return setting(None, ENV_DATABASE, DEFAULT_DATABASE)


@dataclass(frozen=True)
class Settings:
    database_url: str
    profile: str
    directory: str | None

    @staticmethod
    def from_env() -> Settings:
        return Settings.resolve()

    @staticmethod
    def resolve(database_url: str | None = None, profile: str | None = None, directory: str | None = None,
                env=os.environ) -> Settings:
        """The command line's values where given, else the environment's, else the defaults."""
        return Settings(
            database_url=setting(database_url, ENV_DATABASE, DEFAULT_DATABASE, env),
            profile=setting(profile, ENV_PROFILE, DEFAULT_PROFILE, env),
            directory=setting(directory, ENV_DIRECTORY, None, env),
        )
