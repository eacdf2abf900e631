"""Reading the text of a command: words, `sleutel=waarde` options, flags and a trailing `reden: tekst`.

A mistake raises `ParseError` with a message key and parameters, answered in Dutch by the template
`weigering/<key>`; nothing is changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time

from models.calendar import AMS
from models.case import CASE_NUMBER, case_of_channel


class ParseError(ValueError):
    def __init__(self, key: str, **params: object):
        super().__init__(key)
        self.key = key
        self.params = params


_LABELS = ("reden", "oordeel", "toelichting")
_LABEL_RE = re.compile(r"(?:^|\s)(" + "|".join(_LABELS) + r")\s*:", re.IGNORECASE)


@dataclass
class Args:
    words: list[str]
    texts: dict[str, str] = field(default_factory=dict)    # reden / oordeel / toelichting

    def pop_word(self) -> str | None:
        return self.words.pop(0).lower() if self.words else None

    def take_flag(self, name: str) -> bool:
        lowered = [w.lower() for w in self.words]
        if name in lowered:
            del self.words[lowered.index(name)]
            return True
        return False

    def take_option(self, name: str) -> str | None:
        for i, w in enumerate(self.words):
            if w.lower().startswith(name + "="):
                del self.words[i]
                return w.split("=", 1)[1]
        return None

    def take_case_number(self) -> str | None:
        for i, w in enumerate(self.words):
            if CASE_NUMBER.match(w.upper()):
                del self.words[i]
                return w.upper()
        return None

    def text(self, label: str) -> str:
        return self.texts.get(label, "")

    def no_more(self, labels: tuple[str, ...] = ()) -> None:
        """Nothing may be left over: no unknown words, and no `label:` text the command does not take."""
        if self.words:
            raise ParseError("onbekende_woorden", woorden=" ".join(self.words))
        extra = sorted(set(self.texts) - set(labels))
        if extra:
            raise ParseError("onverwacht_label", label=extra[0])


def split(text: str) -> Args:
    """Words up to the first `label:`; each `label: tekst` runs to the next label or the end."""
    text = " ".join(text.replace("\u00a0", " ").split())
    found = list(_LABEL_RE.finditer(text))
    head = text[: found[0].start()] if found else text
    texts: dict[str, str] = {}
    for i, m in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(text)
        label = m.group(1).lower()
        if label in texts:
            raise ParseError("dubbel_label", label=label)
        texts[label] = text[m.end():end].strip()
    return Args(head.split(), texts)


def case_from_channel(channel: str | None) -> str | None:
    return case_of_channel(channel)


YEARS = range(2000, 2100)   # a melding, a contact or a huisverbod of this century


def parse_date(value: str) -> date:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ParseError("ongeldige_datum", waarde=value) from None
    if day.year not in YEARS:
        raise ParseError("ongeldige_datum", waarde=value)
    return day


def parse_moment(value: str) -> datetime:
    """`JJJJ-MM-DD` (00:00) or `JJJJ-MM-DDTUU:MM`, Amsterdam time."""
    try:
        if "T" in value.upper():
            day, clock = value.upper().split("T", 1)
            if not re.fullmatch(r"\d{2}:\d{2}", clock):
                raise ValueError
            return datetime.combine(parse_date(day), time.fromisoformat(clock), AMS)
        return datetime.combine(parse_date(value), time(0), AMS)
    except ValueError:
        raise ParseError("ongeldige_datum", waarde=value) from None


def optional_date(args: Args) -> date | None:
    for i, w in enumerate(args.words):
        if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", w) or re.fullmatch(r"\d[\d-]*", w):
            del args.words[i]
            return parse_date(w)
    return None
