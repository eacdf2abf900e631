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

PROFILE_NAMES = ("gelderland-midden", "noord-oost-gelderland", "zuid-limburg")
DEFAULT_PROFILE = "gelderland-midden"


def _load_yaml(text: str, source: str) -> object:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(source, "(bestand)", f"geen geldige YAML: {exc}") from None


@lru_cache(maxsize=16)
def load_profile(name_or_path: str) -> Profile:
    """A shipped profile by name (`zuid-limburg`) or a profile file by path."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml"):
        if not path.is_file():
            raise ConfigError(str(path), "(bestand)", "bestand niet gevonden")
        return Profile.from_dict(_load_yaml(path.read_text(encoding="utf-8"), str(path)), str(path))
    if name_or_path not in PROFILE_NAMES:
        raise ConfigError("profiel", "naam",
                          f"onbekend profiel {name_or_path!r} (kies uit: {', '.join(PROFILE_NAMES)})")
    text = resources.files("bot").joinpath(f"profiles/{name_or_path}.yaml").read_text(encoding="utf-8")
    return Profile.from_dict(_load_yaml(text, f"{name_or_path}.yaml"), f"{name_or_path}.yaml")


def load_directory(path: str | None = None) -> Directory:
    """The directory from a YAML file, or the shipped demo directory."""
    if path is None:
        text = resources.files("bot").joinpath("demo/directory.yaml").read_text(encoding="utf-8")
        return Directory.from_dict(_load_yaml(text, "demo/directory.yaml"), "demo/directory.yaml")
    p = Path(path)
    if not p.is_file():
        raise ConfigError(path, "(bestand)", "bestand niet gevonden")
    return Directory.from_dict(_load_yaml(p.read_text(encoding="utf-8"), path), path)


def default_database_url() -> str:
    return os.environ.get("DATABASE_URL") or "sqlite:///triagebot.db"


@dataclass(frozen=True)
class Settings:
    database_url: str
    profile: str
    directory: str | None

    @staticmethod
    def from_env() -> Settings:
        return Settings(
            database_url=default_database_url(),
            profile=os.environ.get("TRIAGEBOT_PROFIEL", DEFAULT_PROFILE),
            directory=os.environ.get("TRIAGEBOT_DIRECTORY") or None,
        )
