"""Free text typed with a command (a reason, an oordeel, a toelichting, the reason of a refused handover) is
checked before anything is stored or posted. The bot works with case numbers only; what fails a check is
refused with a Dutch answer (`templates/weigering/<key>.j2`) and stored nowhere. Three checks, in this order:

1. Length (`tekst_te_lang`, with `veld`, `limiet`, `lengte`). Every field has a limit, `LIMITS`: a reden
   500 characters, an oordeel and a toelichting 1000 (a summary of findings). The chat is for the short,
   professional summary; the details are in the dossier. The length is looked at first, so nothing else
   ever reads a text over the limit (the bot's forms allow 3000 characters in a multi-line field).

2. Characters (`tekens_niet_toegestaan`, with `soort` and `teken` as U+XXXX). Refused: control characters
   (C0 and C1, DEL; ANSI escapes start with ESC), the Unicode line and paragraph separators, bidirectional
   marks, embeddings, overrides and isolates (U+061C, U+200E/F, U+202A–E, U+2066–9), other invisible format
   characters (zero-width space, soft hyphen, BOM, tag characters, ...) and lone surrogates: they hide or
   reorder text in the channel, or cannot be stored. Allowed: tab, newline and carriage return, the
   zero-width joiner (emoji are built with it), accents, emoji and every script.
   Newlines: a `/casus` line is collapsed to single spaces by the parser (`parse.split`) before it gets
   here, so a reason typed with a command is one line; the refusal form's reason is a multi-line field by
   design and keeps its line breaks. Neither is refused.

3. Personal data (`persoonsgegevens`, with `wat` naming what was found). The patterns read a normalised
   copy of the text: NFKC (full-width digits and `＠` become plain), combining marks and zero-width joiners
   dropped, every decimal digit as 0-9, every dash as `-`, and case numbers (`VT-2026-0001`) blanked out.
   Digits may be grouped by spaces, dots, dashes, slashes, underscores and brackets (up to three at a time).
   The shapes below are tried first; a word that announces the data ("bel", "bsn", ...) followed by digits
   only after them, so `bel 123456782` is called a BSN.

   - e-mailadres: `x@y.z`, `naam @ voorbeeld.nl`, and disguised: `naam [at] voorbeeld [dot] nl`,
     `naam (at) voorbeeld.nl`, `naam at voorbeeld punt nl` (a spelled-out "at" needs a common top-level
     domain, so "het kind at slecht. Daarna" is no address), `naam @ gmail` (a mail provider without its
     domain). `overleg met @jan.jansen` is a mention, not an e-mail address.
   - iban: two letters, two check digits and the account: `NL91ABNA0417164300`, `NL91 ABNA 0417 1643 00`,
     `BE68 5390 0754 7034`; and "iban"/"rekeningnummer" followed by seven or more digits.
   - geboortedatum: a full date WITH a year: `3-3-2019`, `03/03/19`, `2019-03-03`, `20190303`, `3 maart
     2019`, `3 mrt. '19`; and "geboren"/"geb."/"geboortedatum" followed by a date or a year. The text alone
     cannot tell a birth date from a meeting date, and the case records its own dates, so every full date
     with a year is refused (the rule as it was). A date without a year (`gesprek op 12-03`, `op 12 maart`),
     a month with a year (`maart 2019`) and a year alone (`in 2023`) are fine; for a person, an age
     (`kind van 5 jaar`).
   - telefoonnummer: ten digits from a leading 0 (`06-12345678`, `020 123 45 67`, `(06) 12345678`), a `+`
     or `00` with a country code (`+31 (0)6 12345678`, `0032 470 12 34 56`); and "tel", "mobiel", "bel",
     "whatsapp", ... followed by seven or more digits. Service numbers like `0800-2000` are no personal data.
   - bsn: nine digits however grouped (`123456782`, `123.456.782`, `123 456 782`, `123-45-6782`), without
     the eleven-test (a mistyped BSN is still a BSN); and "bsn"/"burgerservicenummer" followed by a digit.
   - postcode: four digits and two letters. Written together (`1234AB`, `1234ab`) always, except a unit in
     lowercase (`1500mg`, `2000km`). With a space or dash: in capitals (`1234 AB`) always, except this
     domain's own abbreviations (`2025 VT`, `LT`, `GI`, `VV`); in lowercase (`1234 ab`) unless the two
     letters are a common short word (`in 2023 is`, `2023 en 2024`). Never SA, SD or SS (not in use).
   - adres: a street name with a Dutch street suffix followed by a house number (`Kerkstraat 12`,
     `Dorpsweg 3a`, `Kerkstr. 12`), a suffix word with "van/der/ten/..." (`Laan van Meerdervoort 100`) or
     after an adjective (`Grote Markt 5`), and "huisnummer" followed by a digit. A suffix word on its own
     (`op straat 2 jongeren`) and everyday compounds (`onderweg 3 uur`, `schoolplein`) are no address.

   Not caught: names, numbers written out in words or with letters for digits (`O6-...`), addresses without
   a house number, a foreign IBAN with letters in the account. The check stops what is easy to see and easy
   to regret, not a determined leak.

The patterns have bounded repetition and no ambiguous nesting (a repeated group must consume a digit or a
letter that the separator before it cannot), so each runs in time linear in the text; `tests/test_privacy.py`
runs them on 50,000 characters built to make a naive pattern backtrack.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from .parse import ParseError

LIMITS = {"reden": 500, "oordeel": 1000, "toelichting": 1000}     # characters per field

_ALLOWED = frozenset("\t\n\r\u200d")          # tab, newline, carriage return; the zero-width joiner of emoji
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def check_free_text(*texts: str, veld: str = "reden") -> None:
    """Refuse (raise `ParseError`) what is too long for `veld`, has hidden characters, or looks like personal data."""
    texts = tuple(t or "" for t in texts)
    limit = LIMITS[veld]
    for text in texts:
        if len(text) > limit:
            raise ParseError("tekst_te_lang", veld=veld, limiet=limit, lengte=len(text))
    for text in texts:
        for ch in text:
            kind = _forbidden(ch)
            if kind:
                raise ParseError("tekens_niet_toegestaan", soort=kind, teken=f"U+{ord(ch):04X}")
    for text in texts:
        what = personal_data(text)
        if what:
            raise ParseError("persoonsgegevens", wat=what)


def _forbidden(ch: str) -> str | None:
    if ch in _ALLOWED:
        return None
    if ch in _BIDI:
        return "richtingsteken"
    category = unicodedata.category(ch)
    if category in ("Cc", "Zl", "Zp"):
        return "stuurteken"
    if category == "Cf":
        return "onzichtbaar teken"
    if category == "Cs":
        return "ongeldig teken"       # half a surrogate pair: not even storable as UTF-8
    return None


# ---- personal data -------------------------------------------------------------------------------------
def personal_data(text: str) -> str | None:
    """What the text seems to hold (`bsn`, `telefoonnummer`, ...), or None. Linear, but call it on bounded text."""
    view = _normalised(text)
    for what, pattern, keep in _RULES:
        if any(keep(m) for m in pattern.finditer(view)):
            return what
    return None


# a case number as `models.case` writes them (also past 9999 in a year): the bot's own pseudonym, no data
_CASE_NUMBER = re.compile(r"(?<![^\W_])vt-[0-9]{4}-(?:[0-9]{4}|[1-9][0-9]{4,5})(?![0-9])", re.IGNORECASE)


def _normalised(text: str) -> str:
    out = []
    for ch in unicodedata.normalize("NFKC", text):
        category = unicodedata.category(ch)
        if category in ("Mn", "Me") or ch == "\u200d":
            continue
        out.append(str(unicodedata.decimal(ch)) if category == "Nd" else "-" if category == "Pd" else ch)
    return _CASE_NUMBER.sub(" casus ", "".join(out))


_SEP = r"[\s._\-/()]{0,3}"                     # between two digits: at most three separators
_LETTER = r"[^\W\d_]"
_NO_ALNUM_BEFORE = r"(?<![^\W_])"
_DAY = r"(?:0?[1-9]|[12][0-9]|3[01])"
_MONTH = r"(?:0?[1-9]|1[0-2])"
_YEAR = r"(?:19|20)[0-9]{2}"
_MONTH_NAME = (r"(?:jan(?:uari|uary)?|feb(?:ruari|ruary)?|maart|mrt|mar(?:ch)?|apr(?:il)?|mei|may|jun[ie]?|jul[iy]?"
               r"|aug(?:ustus|ust)?|sep(?:t(?:ember)?)?|o[ck]t(?:ober)?|nov(?:ember)?|dec(?:ember)?)(?![a-z])\.?")
_OPEN, _CLOSE = r"[(\[{<]", r"[)\]}>]"
_DOT = rf"(?:\.|\s?{_OPEN}\s?(?:dot|punt)\s?{_CLOSE}\s?|\s(?:dot|punt)\s)"
_TLD = r"(?:nl|com|net|org|be|de|eu|info|nu|io|me|uk|co|fr|biz|online|email|live)"
_MAIL = r"(?:gmail|googlemail|hotmail|outlook|icloud|yahoo|ziggo|kpnmail|kpnplanet|xs4all|msn)"   # without a domain
_STREET = (r"(?:straat|str\.|laan|weg|plein|pad|steeg|dreef|kade|gracht|singel|dijk|hof|park|plantsoen|markt|allee"
           r"|boulevard|wal|haven|brink|baan)")

# Two letters after four digits that make an ordinary word, not a postcode (only where letters are spaced off).
_WORDS = frozenset(
    "aa af al am an as at be bh bv by ca cc cq ct da dd de di do dr du ee eh en er ex ga ge go ha he hi ho ie if ik"
    " in is it ja je jl jr ka kw la ma me mn mr mw my na nl no nr nu oa of oh ok om on op or os pa pm po re ro so st"
    " te tm to tv ui up us uw vo wc we wk xl ze zn zo vt lt gi vv mg ml cl dl kg km cm mm gb mb kb".split())
_UNITS = frozenset("mg ml cl dl kg km cm mm gb mb kb".split())
_OWN_WORDS = frozenset("VT LT GI VV".split())
_NOT_STREETS = frozenset("onderweg halfweg omweg uitweg zijweg snelweg autosnelweg schoolplein speelplein loopbaan "
                         "rijbaan fietspad voetpad gerechtshof".split())


def _postcode(m: re.Match[str]) -> bool:
    space, letters = m.group(2), m.group(3)
    if letters.upper() in ("SA", "SD", "SS"):            # never used in Dutch postcodes
        return False
    if not space:
        return not (letters.islower() and letters in _UNITS)
    if letters.isupper():
        return letters not in _OWN_WORDS
    return letters.lower() not in _WORDS


def _street(m: re.Match[str]) -> bool:
    return m.group(1).lower() not in _NOT_STREETS


def _always(m: re.Match[str]) -> bool:
    return True


def _rule(what: str, pattern: str, keep: Callable[[re.Match[str]], bool] = _always):
    return what, re.compile(pattern, re.IGNORECASE), keep


_RULES = [
    _rule("e-mailadres", rf"[\w.+\-](?:@|\s@\s)\s?[\w\-]{{1,63}}{_DOT}{_LETTER}{{2,24}}(?!\w)"),
    _rule("e-mailadres", rf"[\w.+\-](?:\s?{_OPEN}\s?(?:at|a|apenstaartje)\s?{_CLOSE}\s?|\s(?:at|apenstaartje)\s)"
                         rf"[\w\-]{{1,63}}{_DOT}{_TLD}(?!\w)"),
    _rule("e-mailadres", rf"[\w.+\-](?:@|\s@\s|\s?{_OPEN}\s?(?:at|a)\s?{_CLOSE}|\s(?:at|apenstaartje)\s)\s?"
                         rf"{_MAIL}(?![a-z])"),
    _rule("iban", rf"{_NO_ALNUM_BEFORE}[a-z]{{2}}[0-9]{{2}}\s?[a-z]{{4}}(?:\s?[0-9]){{7,24}}(?![0-9])"),
    _rule("iban", rf"{_NO_ALNUM_BEFORE}[a-z]{{2}}[0-9]{{2}}(?:\s?[0-9]){{10,30}}(?![0-9])"),
    _rule("geboortedatum", rf"(?<![0-9]){_DAY}\s?[-/.]\s?{_MONTH}\s?[-/.]\s?{_YEAR}(?![0-9])"),
    _rule("geboortedatum", rf"(?<![0-9]){_DAY}\s?[-/]\s?{_MONTH}\s?[-/]\s?[0-9]{{2}}(?![0-9]|\s?[-/.]\s?[0-9])"),
    _rule("geboortedatum", rf"(?<![0-9]){_YEAR}\s?[-/.]\s?{_MONTH}\s?[-/.]\s?{_DAY}(?![0-9])"),
    _rule("geboortedatum", rf"(?<![0-9])(?:{_YEAR}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
                           rf"|(?:0[1-9]|[12][0-9]|3[01])(?:0[1-9]|1[0-2]){_YEAR})(?![0-9])"),
    _rule("geboortedatum", rf"(?<![0-9]){_DAY}(?:e|ste|de)?[\s\-/.]{{0,3}}{_MONTH_NAME}[\s\-/.,]{{0,3}}"
                           rf"(?:{_YEAR}|'[0-9]{{2}})(?![0-9])"),
    _rule("geboortedatum", rf"{_MONTH_NAME}\s?{_DAY}(?:st|nd|rd|th)?,?\s?{_YEAR}(?![0-9])"),
    _rule("telefoonnummer", rf"(?<![0-9+])0{_SEP}[1-9](?:{_SEP}[0-9]){{8}}(?![0-9])"),
    _rule("telefoonnummer", rf"(?<![0-9])(?:\+|00)\s?[1-9](?:{_SEP}[0-9]){{7,13}}(?![0-9])"),
    _rule("bsn", rf"(?<![0-9])[0-9](?:{_SEP}[0-9]){{8}}(?![0-9])"),
    _rule("postcode", rf"{_NO_ALNUM_BEFORE}([1-9][0-9]{{3}})([\s\-]?)([a-z]{{2}})(?!{_LETTER})", _postcode),
    _rule("adres", rf"(?<!{_LETTER})({_LETTER}{{2,40}}{_STREET})(?!{_LETTER})\.?\s{{0,2}}(?:(?:nr|no)\.?\s?|nummer\s)?"
                   r"[0-9]{1,4}(?![0-9])", _street),
    _rule("adres", rf"(?<!{_LETTER}){_STREET}\s(?:van|der|den|ter|ten|te)(?:\s(?:de|der|den|het))?"
                   rf"(?:\s{_LETTER}[\w'\-]{{0,30}}){{1,2}}\s[0-9]{{1,4}}(?![0-9])"),
    _rule("adres", rf"(?<!{_LETTER})(?:oude|nieuwe|grote|groote|kleine|hoge|lage|lange|korte|brede|noorder|zuider|"
                   rf"ooster|wester)\s{_STREET}\s[0-9]{{1,4}}(?![0-9])"),
    # a word that announces the data, then digits: after the shapes, so a shape names what it found
    _rule("iban", rf"\b(?:iban|(?:bank)?rekening(?:nummer|nr)?|rek\.?\s?nr)(?![a-z])[\s:.\-]{{0,3}}"
                  rf"(?:[a-z]{{2}}[0-9]{{2}}\s?[a-z]{{0,4}})?(?:{_SEP}[0-9]){{7}}"),
    _rule("geboortedatum", rf"\b(?:geboren|geboortedatum|geboortejaar|geb\.?(?:datum)?|gebdat|dob)(?![a-z])"
                           rf"[\s:.,]{{0,3}}(?:(?:op|in|per)\s)?(?:{_YEAR}|{_DAY}[\s\-/.]{{1,3}}(?:{_MONTH}|{_MONTH_NAME}))"),
    _rule("telefoonnummer", rf"\b(?:tel(?:efoon)?(?:nummer|nr)?|mob(?:iel)?(?:nummer|nr)?|gsm|whatsapp|sms|bel(?:len)?)"
                            rf"(?![a-z])\.?[\s:]{{0,3}}[0-9](?:{_SEP}[0-9]){{6}}"),
    _rule("bsn", r"\b(?:bsn|burgerservicenummer|sofi(?:nummer|nr)?)(?![a-z])[\s:.\-]{0,3}(?:nummer|nr)?[\s:.]{0,3}"
                 r"[0-9]"),
    _rule("adres", r"\bhuis(?:nummer|nr)(?![a-z])[\s:.]{0,3}[0-9]"),
]
