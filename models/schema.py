"""A small checker for configuration read from YAML: every error names the field it is about.

Configuration is read by a functional administrator, so the messages are Dutch and point at the
exact place (`overdracht.moment`) that is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date, time
from enum import Enum
from typing import Any, TypeVar

from .calendar import Term, Unit

E = TypeVar("E", bound=Enum)
T = TypeVar("T")


class ConfigError(ValueError):
    def __init__(self, source: str, field: str, problem: str):
        self.source, self.field, self.problem = source, field, problem
        super().__init__(f"{source}: veld '{field}': {problem}")


class Reader:
    """Reads one mapping, remembering the path to it so every error can name the field."""

    def __init__(self, data: Any, source: str, path: str = ""):
        self.source, self.path = source, path
        if not isinstance(data, dict):
            raise ConfigError(source, path or "(bovenste niveau)", "verwacht een mapping (sleutel: waarde)")
        self.data = data
        self._seen: set[str] = set()

    def _field(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def error(self, key: str, problem: str) -> ConfigError:
        return ConfigError(self.source, self._field(key), problem)

    def has(self, key: str) -> bool:
        return key in self.data

    def raw(self, key: str, default: Any = ..., *, required: bool = True) -> Any:
        self._seen.add(key)
        if key not in self.data:
            if default is not ...:
                return default
            raise self.error(key, "ontbreekt")
        return self.data[key]

    def sub(self, key: str) -> Reader:
        return Reader(self.raw(key), self.source, self._field(key))

    def text(self, key: str, default: Any = ...) -> str:
        value = self.raw(key, default)
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, f"verwacht tekst, kreeg {value!r}")
        return value.strip()

    def boolean(self, key: str, default: Any = ...) -> bool:
        value = self.raw(key, default)
        if not isinstance(value, bool):
            raise self.error(key, f"verwacht true of false, kreeg {value!r}")
        return value

    def integer(self, key: str, default: Any = ..., *, minimum: int = 0) -> int:
        value = self.raw(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise self.error(key, f"verwacht een geheel getal ≥ {minimum}, kreeg {value!r}")
        return value

    def choice(self, key: str, enum: type[E], default: Any = ...) -> E:
        value = self.raw(key, default)
        if isinstance(value, enum):
            return value
        try:
            return enum(value)
        except ValueError:
            options = ", ".join(str(e.value) for e in enum)
            raise self.error(key, f"{value!r} is geen geldige waarde (kies uit: {options})") from None

    def term(self, key: str, default: Any = ..., *, allowed: Iterable[Unit] | None = None,
             optional: bool = False) -> Term | None:
        value = self.raw(key, default)
        if value is None and optional:
            return None
        return parse_term(value, self.error, key, allowed)

    def listing(self, key: str, item: Callable[[Any, str], T], default: Any = ...) -> list[T]:
        value = self.raw(key, default)
        if not isinstance(value, list):
            raise self.error(key, f"verwacht een lijst, kreeg {value!r}")
        return [item(v, f"{self._field(key)}[{i}]") for i, v in enumerate(value)]

    def clock(self, key: str, default: Any = ...) -> time:
        value = self.raw(key, default)
        if isinstance(value, time):
            return value
        # Only quoted text "HH:MM": YAML reads an unquoted 17:00 as the number 1020 (base 60).
        if isinstance(value, str) and re.fullmatch(r"\d{2}:\d{2}", value):
            try:
                return time.fromisoformat(value)
            except ValueError:
                pass
        raise self.error(key, f"verwacht een tijd tussen aanhalingstekens, als \"09:00\", kreeg {value!r}")

    def dates(self, key: str, default: Any = ...) -> list[date]:
        def one(v: Any, where: str) -> date:
            try:
                return v if isinstance(v, date) else date.fromisoformat(str(v))
            except ValueError:
                raise ConfigError(self.source, where, f"verwacht een datum JJJJ-MM-DD, kreeg {v!r}") from None
        return self.listing(key, one, default)

    def done(self) -> None:
        """Refuse unknown keys: a typo in a field name must not be silently ignored."""
        unknown = sorted(set(self.data) - self._seen)
        if unknown:
            raise self.error(unknown[0], "onbekend veld (tikfout?)")


def parse_term(value: Any, error: Callable[[str, str], ConfigError], key: str,
               allowed: Iterable[Unit] | None = None) -> Term:
    units = list(allowed or Unit)
    names = ", ".join(u.value for u in units)
    if not isinstance(value, dict) or len(value) != 1:
        raise error(key, f"verwacht een termijn als {{werkdagen: 5}} (eenheden: {names}), kreeg {value!r}")
    (unit, n), = value.items()
    if unit not in {u.value for u in units}:
        raise error(key, f"onbekende eenheid {unit!r} (kies uit: {names})")
    if not isinstance(n, int) or isinstance(n, bool) or n < 0:
        raise error(key, f"verwacht een geheel getal ≥ 0, kreeg {n!r}")
    return Term(Unit(unit), n)
