"""argparse in Dutch: its own words (`usage:`, `options`, `invalid choice`, ...) translated, once for every
subcommand.

argparse looks its texts up through the module's `_` and `ngettext` (gettext) at the moment it needs them:
when a parser is made (section titles, the help option), when it parses and when it formats help. The
parser below swaps in the Dutch texts for exactly those moments and puts the originals back afterwards,
so nothing else in the process (pytest, say) is affected.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

DUTCH = {
    "usage: ": "gebruik: ",
    "positional arguments": "argumenten",
    "options": "opties",
    "optional arguments": "opties",
    "subcommands": "opdrachten",
    "show this help message and exit": "toon deze uitleg en stop",
    "argument %(argument_name)s: %(message)s": "%(argument_name)s: %(message)s",
    "unknown parser %(parser_name)r (choices: %(choices)s)":
        "onbekende opdracht %(parser_name)r (kies uit: %(choices)s)",
    "unrecognized arguments: %s": "onbekende invoer: %s",
    "not allowed with argument %s": "gaat niet samen met %s",
    "ignored explicit argument %r": "bij deze optie hoort geen waarde (%r)",
    "the following arguments are required: %s": "dit ontbreekt nog: %s",
    "one of the arguments %s is required": "geef een van deze: %s",
    "expected one argument": "hier hoort een waarde bij",
    "expected at most one argument": "hier hoort hoogstens één waarde bij",
    "expected at least one argument": "hier hoort minstens één waarde bij",
    "expected %s argument": "hier hoort %s waarde bij",
    "expected %s arguments": "hier horen %s waarden bij",
    "ambiguous option: %(option)s could match %(matches)s": "optie %(option)s is niet eenduidig: %(matches)s",
    "unexpected option string: %s": "onverwachte optie: %s",
    "invalid %(type)s value: %(value)r": "ongeldige waarde: %(value)r",
    "invalid choice: %(value)r (choose from %(choices)s)": "ongeldige keuze: %(value)r (kies uit: %(choices)s)",
    "invalid choice: %(value)r, maybe you meant %(closest)r?": "ongeldige keuze: %(value)r; bedoelt u %(closest)r?",
    "%(prog)s: error: %(message)s\n": "%(prog)s: fout: %(message)s\n",
    "can't open '%(filename)s': %(error)s": "kan '%(filename)s' niet openen: %(error)s",
}


def _dutch(message: str) -> str:
    return DUTCH.get(message, message)


def _dutch_n(singular: str, plural: str, n: int) -> str:
    return _dutch(singular if n == 1 else plural)


@contextmanager
def dutch() -> Iterator[None]:
    """argparse speaks Dutch inside this block."""
    saved = argparse._, argparse.ngettext
    argparse._, argparse.ngettext = _dutch, _dutch_n
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved


def _in_dutch(method: Callable[..., Any]) -> Callable[..., Any]:
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        with dutch():
            return method(*args, **kwargs)
    wrapped.__name__, wrapped.__doc__ = method.__name__, method.__doc__
    return wrapped


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions keep their own line breaks (they hold examples); the rest is argparse's layout."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=32, width=100)

    def _split_lines(self, text: str, width: int) -> list[str]:
        # never at a hyphen: "gelderland-midden" and "demo-adressenlijst" stay whole
        return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False)


class DutchArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose every word is Dutch, and whose errors say where to find the help."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        with dutch():
            super().__init__(*args, **kwargs)

    add_subparsers = _in_dutch(argparse.ArgumentParser.add_subparsers)
    parse_args = _in_dutch(argparse.ArgumentParser.parse_args)
    own_errors = False      # a subcommand's parser: it reports what it does not know itself, with its own usage

    @_in_dutch
    def parse_known_args(self, args: Any = None, namespace: Any = None) -> tuple[argparse.Namespace, list[str]]:
        namespace, extras = super().parse_known_args(args, namespace)
        if self.own_errors and extras:
            self.error(_dutch("unrecognized arguments: %s") % " ".join(extras))
        return namespace, extras
    format_usage = _in_dutch(argparse.ArgumentParser.format_usage)
    format_help = _in_dutch(argparse.ArgumentParser.format_help)

    def error(self, message: str) -> NoReturn:
        with dutch():
            self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: fout: {message}\nMeer uitleg: {self.prog} --help\n")
