"""argparse's own English in Danish: the command line is a place the user looks too.

argparse writes its usage line, its headings and its refusals through ``gettext`` (its module-level
``_`` and ``ngettext``), the hook the standard library gives for translations. `install` points
them at `MESSAGES`; a message not in the table stays as argparse wrote it. The CLI installs it in
`brugerblik.cli.build_parser`, so ``--help`` and every usage error (exit code 2) are Danish:
«brugerblik table: fejl: argumentet --efter: ugyldigt valg: 'gruppe' (vælg mellem …)».

Only the argparse module of the process that runs the CLI is changed (the app never imports it).
The keys are the messages of Python 3.11's argparse (tests/test_cli_dansk.py checks that every key
is still one argparse uses, so a new Python cannot silently bring English back).
"""
from __future__ import annotations

import argparse

__all__ = ["MESSAGES", "PLURALS", "gettext", "ngettext", "install", "heltal", "tal"]

MESSAGES: dict[str, str] = {
    "usage: ": "brug: ",
    "%(prog)s: error: %(message)s\n": "%(prog)s: fejl: %(message)s\n",
    "options": "tilvalg",
    "positional arguments": "argumenter",
    "show this help message and exit": "vis denne hjælp og afslut",
    "unrecognized arguments: %s": "ukendte argumenter: %s",
    "argument %(argument_name)s: %(message)s": "argumentet %(argument_name)s: %(message)s",
    "invalid choice: %(value)r (choose from %(choices)s)": "ugyldigt valg: %(value)r (vælg mellem %(choices)s)",
    "invalid %(type)s value: %(value)r": "ugyldig værdi (skal være %(type)s): %(value)r",
    "the following arguments are required: %s": "disse argumenter mangler: %s",
    "one of the arguments %s is required": "et af argumenterne %s skal angives",
    "not allowed with argument %s": "kan ikke bruges sammen med %s",
    "expected one argument": "forventede én værdi",
    "expected at most one argument": "forventede højst én værdi",
    "expected at least one argument": "forventede mindst én værdi",
    "ambiguous option: %(option)s could match %(matches)s": "tvetydigt tilvalg: %(option)s kan være %(matches)s",
    "ignored explicit argument %r": "ignorerede værdien %r",
    "can't open '%(filename)s': %(error)s": "kan ikke åbne '%(filename)s': %(error)s",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "ukendt kommando %(parser_name)r (mulige: %(choices)s)",
}

#: ngettext's messages: (singular, plural) -> (Danish singular, Danish plural)
PLURALS: dict[tuple[str, str], tuple[str, str]] = {
    ("expected %s argument", "expected %s arguments"): ("forventede %s værdi", "forventede %s værdier"),
}


def heltal(text: str) -> int:
    """``type=`` for an option that takes a whole number. argparse names the type in its refusal by
    the function's ``__name__``: «ugyldig værdi (skal være et helt tal): 'x'», not «… (skal være int)»."""
    return int(text)


def tal(text: str) -> float:
    """``type=`` for an option that takes a number (decimal comma or point): «… (skal være et tal)»."""
    return float(str(text).strip().replace(",", "."))


heltal.__name__ = "et helt tal"
tal.__name__ = "et tal"


def gettext(message: str) -> str:
    return MESSAGES.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    da = PLURALS.get((singular, plural))
    if da is None:
        return singular if n == 1 else plural
    return da[0] if n == 1 else da[1]


def install() -> None:
    """argparse speaks Danish from here on (in this process)."""
    argparse._ = gettext  # type: ignore[attr-defined]
    argparse.ngettext = ngettext  # type: ignore[attr-defined]
