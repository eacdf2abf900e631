"""The bot works with case numbers only: free text that looks like a person's details is refused.

It cannot recognise every name, but it stops what is easy to see and easy to regret: a BSN, a phone
number, an e-mail address, a postcode with house number, a date of birth.
"""

from __future__ import annotations

import re

from .parse import ParseError

_PATTERNS = {
    "bsn": re.compile(r"(?<!\d)\d{9}(?!\d)"),
    # ten digits however they are grouped: 0612345678, 06 12 34 56 78, 020-123 4567, +31 6 1234 5678
    "telefoonnummer": re.compile(r"(?<![\w+])(?:\+31|0031|0)(?:[\s.-]?\d){9}(?!\d)"),
    "e-mailadres": re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+"),
    # a Dutch postcode as written on an address: four digits and two capitals ("in 2023 is het" is no postcode)
    "postcode": re.compile(r"(?<!\w)[1-9]\d{3}\s?[A-Z]{2}(?![A-Za-z])"),
    "geboortedatum": re.compile(r"(?<!\d)\d{1,2}[-/.]\d{1,2}[-/.](?:19|20)\d{2}(?!\d)"),
}


def check_free_text(*texts: str) -> None:
    for text in texts:
        for what, pattern in _PATTERNS.items():
            if pattern.search(text or ""):
                raise ParseError("persoonsgegevens", wat=what)
