"""The `brugerblik` command. Thin: parses arguments, calls the domain packages, prints.

Exit codes: 0 ok, 1 refused input (bad file, unknown table …), 2 usage error.
"""
from __future__ import annotations

import argparse
import sys
from typing import Sequence


def _engine(args):
    from survey.db import get_engine

    return get_engine(getattr(args, "db", None))


def _guide(args):
    from survey.guide import load_guide

    return load_guide(getattr(args, "guide", None))


def cmd_guide_check(args) -> int:
    g = _guide(args)
    groups = ", ".join(f"{gr.label} ({len(gr.items)})" for gr in g.groups)
    print(f"{g.title}\nform_id {g.form_id}, version {g.version}: {len(g.items)} koder i {len(g.groups)} afsnit\n{groups}")
    return 0


def cmd_import(args) -> int:
    from survey import wideio

    result = wideio.import_file(_engine(args), _guide(args), args.file, replace=args.replace, who=args.who)
    for w in result.warnings:
        print(w.format(args.lang), file=sys.stderr)
    if result.problems:
        for p in result.problems:
            print(p.format(args.lang), file=sys.stderr)
        n = len(result.problems)
        print((f"{n} problem(s); nothing was imported." if args.lang == "en"
               else f"{n} problem(er); intet er importeret."), file=sys.stderr)
        return 1
    print((f"Imported {result.written} respondents from {args.file}." if args.lang == "en"
           else f"Importerede {result.written} respondenter fra {args.file}."))
    return 0


def cmd_export(args) -> int:
    from survey import wideio

    if args.kind != "raw":
        print(f"ukendt eksport {args.kind!r} — tilladt: raw", file=sys.stderr)
        return 2
    n = wideio.export_file(_engine(args), _guide(args), args.file)
    print(f"Eksporterede {n} respondenter til {args.file}.")
    return 0


def _wide(args):
    from survey.store import load_wide

    return load_wide(_engine(args), _guide(args))


def cmd_table(args) -> int:
    from exports import tables

    try:
        out = tables.render(args.id, _wide(args), _guide(args), fmt=args.format, group=args.group,
                            site_type=args.site_type, probe=args.probe)
    except tables.TableError as e:
        print(str(e), file=sys.stderr)
        return 1
    sys.stdout.write(out)
    return 0


def cmd_kvalitetskort(args) -> int:
    from exports import tables

    try:
        out = tables.render("kvalitetskort", _wide(args), _guide(args), fmt=args.format, group=args.group,
                            site_type=args.site_type)
    except tables.TableError as e:
        print(str(e), file=sys.stderr)
        return 1
    sys.stdout.write(out)
    return 0


def cmd_demo(args) -> int:
    from survey import demo

    n = demo.load_demo(_engine(args), _guide(args), if_empty=args.if_empty, replace=args.replace)
    if n == 0:
        print("Databasen har allerede data; demoundersøgelsen er ikke indlæst.")
    else:
        print(f"Indlæste demoundersøgelsen: {n} syntetiske respondenter på 12 steder (ikke rigtige personer).")
    return 0


def cmd_tag(args) -> int:
    from coding import nlp

    return nlp.cli_tag(args)


def cmd_anonymise(args) -> int:
    from coding import anonymise

    return anonymise.cli_anonymise(args)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="brugerblik", description="Brugerblik: kvalitative brugerundersøgelser.")
    p.add_argument("--db", help="SQLAlchemy-URL (ellers BRUGERBLIK_DB eller standardfilen)")
    p.add_argument("--guide", help="spørgeguide (.xlsx, XLSForm); standard: den medfølgende Bilag B-guide")
    sub = p.add_subparsers(dest="command", required=True)

    g = sub.add_parser("guide", help="tjek spørgeguiden")
    g.add_argument("action", choices=["check"])
    g.set_defaults(func=cmd_guide_check)

    i = sub.add_parser("import", help="importér bredt format (CSV/XLSX), alt eller intet")
    i.add_argument("file")
    i.add_argument("--replace", action="store_true", help="erstat respondenter, der allerede findes")
    i.add_argument("--lang", choices=["da", "en"], default="da", help="sprog for fejlmeddelelser")
    i.add_argument("--who", default=None, help="hvem importerer (til revisionssporet)")
    i.set_defaults(func=cmd_import)

    e = sub.add_parser("export", help="eksportér data")
    e.add_argument("kind", choices=["raw"])
    e.add_argument("file", help="FIL.csv eller FIL.xlsx")
    e.set_defaults(func=cmd_export)

    t = sub.add_parser("table", help="en af rapportens tabeller")
    t.add_argument("id", help="3.1, 3.2, oversigt, fig3.1, 4.1, 4.2, fig4, fig7.1–fig7.4, 7.2")
    t.add_argument("--format", choices=["csv", "md"], default="md")
    t.add_argument("--group", help="kun én brugergruppe (kode)")
    t.add_argument("--site-type", dest="site_type", choices=["boform", "vaerested"])
    t.add_argument("--probe", help="probe til fig4 (fx rytme)")
    t.set_defaults(func=cmd_table)

    k = sub.add_parser("kvalitetskort", help="kvalitetskortets tal")
    k.add_argument("--format", choices=["csv", "md"], default="csv")
    k.add_argument("--group")
    k.add_argument("--site-type", dest="site_type", choices=["boform", "vaerested"])
    k.set_defaults(func=cmd_kvalitetskort)

    d = sub.add_parser("demo", help="indlæs den syntetiske demoundersøgelse (61 respondenter)")
    d.add_argument("--if-empty", action="store_true", help="kun hvis databasen er tom")
    d.add_argument("--replace", action="store_true", help="erstat demo-respondenter, der allerede findes")
    d.set_defaults(func=cmd_demo)
    tg = sub.add_parser("tag", help="foreslå koder for citater: én JSON-linje pr. inputlinje")
    tg.add_argument("file", nargs="?", default="-", help="fil eller - for standard input")
    tg.set_defaults(func=cmd_tag)

    an = sub.add_parser("anonymise", help="maskér navne, CPR-numre, telefon, adresser og steder")
    an.add_argument("file", nargs="?", default="-", help="fil eller - for standard input")
    an.set_defaults(func=cmd_anonymise)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from survey.guide import GuideError
    from survey.store import StoreError

    try:
        return args.func(args)
    except GuideError as e:
        print(str(e), file=sys.stderr)
        return 1
    except StoreError as e:
        print(str(e), file=sys.stderr)
        return 1
    except FileNotFoundError as e:
        print(f"Filen findes ikke: {e.filename}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
