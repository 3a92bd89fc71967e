"""The command line in Danish (the UI is Danish everywhere): argparse's usage line, headings and
refusals through `brugerblik.dansk`."""
from __future__ import annotations

import argparse
import inspect
import re

import pytest

from brugerblik import dansk
from brugerblik.cli import build_parser, main

#: what a user meets: --help, and the refusals of a mistyped command (exit code 2)
USER_FACING = ["usage: ", "%(prog)s: error: %(message)s\n", "options", "positional arguments",
               "show this help message and exit", "unrecognized arguments: %s",
               "argument %(argument_name)s: %(message)s", "invalid choice: %(value)r (choose from %(choices)s)",
               "invalid %(type)s value: %(value)r", "the following arguments are required: %s",
               "expected one argument"]


def test_every_translated_message_is_one_argparse_writes_and_the_users_are_all_translated():
    src = inspect.getsource(argparse)
    used = set(re.findall(r"_\('((?:[^'\\]|\\.)*)'\)", src)) | set(re.findall(r'_\("((?:[^"\\]|\\.)*)"\)', src))
    used = {u.encode().decode("unicode_escape") for u in used}
    assert set(dansk.MESSAGES) <= used, set(dansk.MESSAGES) - used  # a new Python changed a message
    for singular, plural in dansk.PLURALS:
        assert f"'{singular}'" in src and f"'{plural}'" in src
    assert set(USER_FACING) <= set(dansk.MESSAGES)


@pytest.mark.parametrize("argv,danish", [
    (["kvalitetskort", "--efter", "gruppe"], "fejl: argumentet --efter: ugyldigt valg: 'gruppe' (vælg mellem"),
    (["table"], "fejl: disse argumenter mangler: id"),
    (["table", "4.2", "--nope"], "fejl: ukendte argumenter: --nope"),
    (["kvalitetskort", "--min-n", "x"], "fejl: argumentet --min-n: skal være et helt tal fra 1 til 10.000"),
    # a tester: --publish --min-n 0 (or -3) hid nothing, and the output still said it was for publication
    (["table", "3.2", "--publish", "--min-n", "0"], "fejl: argumentet --min-n: skal være et helt tal fra 1 til 10.000"),
    (["crosstab", "brugergruppe", "gender", "--publish", "--min-n", "-3"],
     "fejl: argumentet --min-n: skal være et helt tal fra 1 til 10.000"),
    (["report", "x.xlsx", "--publish", "--min-n", "10001"],
     "fejl: argumentet --min-n: skal være et helt tal fra 1 til 10.000"),
    # the sub-commands are named in Danish, not by their variable names (command, user_action)
    ([], "fejl: disse argumenter mangler: KOMMANDO"),
    (["user"], "fejl: disse argumenter mangler: HANDLING"),
    (["respondent"], "fejl: disse argumenter mangler: HANDLING"),
    # a new user: both at once was taken, and the end date removed right after the reminder for it was printed
    (["respondent", "opbevaring", "--fjern", "--slutdato", "2027-01-01"],
     "fejl: argumentet --slutdato: kan ikke bruges sammen med --fjern"),
])
def test_usage_errors_are_danish(argv, danish, capsys):
    with pytest.raises(SystemExit) as e:
        main(argv)
    err = capsys.readouterr().err
    assert e.value.code == 2 and danish in err and err.startswith("brug: brugerblik")
    assert not re.search(r"\b(error|usage|invalid|choose from|required|unrecognized)\b", err)


def test_help_is_danish():
    text = build_parser().format_help()
    assert text.startswith("brug: brugerblik") and "vis denne hjælp og afslut" in text
    assert not re.search(r"\b(usage|options|positional arguments|show this help)\b", text)


@pytest.mark.parametrize("argv,danish", [
    # a new user: «ugyldig værdi (skal være int)» named Python's type, not what to write
    (["maetning", "--basis", "x"], "fejl: argumentet --basis: ugyldig værdi (skal være et helt tal): 'x'"),
    (["maetning", "--taerskel", "abc"], "fejl: argumentet --taerskel: ugyldig værdi (skal være et tal): 'abc'"),
    (["samforekomst", "--mindst", "to"], "fejl: argumentet --mindst: ugyldig værdi (skal være et helt tal): 'to'"),
    (["ordfrekvens", "--top", "1.5"], "fejl: argumentet --top: ugyldig værdi (skal være et helt tal): '1.5'"),
    (["merge", "--resolve", "x"], "fejl: argumentet --resolve: ugyldig værdi (skal være et helt tal): 'x'"),
])
def test_number_options_name_the_kind_of_number_in_danish(argv, danish, capsys):
    with pytest.raises(SystemExit) as e:
        main(argv)
    err = capsys.readouterr().err
    assert e.value.code == 2 and danish in err
    assert not re.search(r"\b(int|float)\b", err)


def test_a_decimal_comma_is_a_number():
    args = build_parser().parse_args(["maetning", "--taerskel", "2,5"])
    assert args.taerskel == 2.5


def test_the_app_launcher_speaks_danish_too(capsys):
    from ui.entry import launch

    with pytest.raises(SystemExit) as e:
        launch.main(["--help"])
    out = capsys.readouterr().out
    assert e.value.code == 0 and out.startswith("brug: brugerblik-app") and "vis denne hjælp og afslut" in out
    assert not re.search(r"\b(usage|options|show this help)\b", out)
    with pytest.raises(SystemExit) as e:
        launch.main(["--port", "x"])
    err = capsys.readouterr().err
    assert e.value.code == 2 and "fejl: argumentet --port: ugyldig værdi (skal være et helt tal): 'x'" in err


def _subparsers(parser, prefix=""):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield f"{prefix}{name}", sub
                yield from _subparsers(sub, f"{prefix}{name} ")


def test_every_option_of_every_command_says_what_it_does():
    """A tester: `table --help` listed --format, --group and --site-type with no word on what they do."""
    bare = [f"{name} {'/'.join(a.option_strings)}" for name, sub in _subparsers(build_parser())
            for a in sub._actions if a.option_strings and not a.help and a.dest != "help"]
    assert bare == []


def test_table_help_names_every_table_id():
    """`table --help` named 13 of the 43 tables (4.4, tilfredshed, sb_… were only in the refusal)."""
    from brugerblik.cli import TABLE_IDS_HELP
    from report import registry

    ranged = {"fig7.1", "fig7.2", "fig7.3", "fig7.4"}  # written «fig7.1–fig7.4»
    assert "fig7.1–fig7.4" in TABLE_IDS_HELP
    named = set(re.findall(r"[\w.]+", TABLE_IDS_HELP))
    assert [t for t in registry.TABLES if t not in ranged and t not in named] == []
