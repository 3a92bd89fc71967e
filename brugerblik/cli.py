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

    if args.kind == "package":
        from survey import sync

        r = sync.export_package(_engine(args), args.file)
        print(f"Skrev feltpakken {r.path}: {r.interviews} interviews, {r.answers} svar, {r.quotes} citater, "
              f"{r.consent} samtykker, {r.audit} revisionsposter.\n"
              "Pakken indeholder umaskerede data om rigtige personer: opbevar og overfør den sikkert, og slet "
              "den, når den er flettet ind centralt.")
        return 0
    if args.kind == "spss":
        from exports import spss

        n = spss.export_sav(_engine(args), _guide(args), args.file, anonymised=not args.umaskeret)
    elif args.kind == "qdpx":
        from exports import qdpx

        n = qdpx.export_qdpx(_engine(args), _guide(args), args.file, anonymised=not args.umaskeret)
    else:
        n = wideio.export_file(_engine(args), _guide(args), args.file, anonymised=not args.umaskeret)
    masked = "umaskeret fritekst" if args.umaskeret else "fritekst anonymiseret"
    print(f"Eksporterede {n} respondenter til {args.file} ({masked}).")
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

    if args.out:
        args.id, args.probe = "kvalitetskort", None
        return cmd_figure(args)
    try:
        out = tables.render("kvalitetskort", _wide(args), _guide(args), fmt=args.format, group=args.group,
                            site_type=args.site_type)
    except tables.TableError as e:
        print(str(e), file=sys.stderr)
        return 1
    sys.stdout.write(out)
    return 0


def cmd_figure(args) -> int:
    from exports import figures

    try:
        path = figures.write_figure(args.id, _wide(args), _guide(args), args.out, group=args.group,
                                    site_type=args.site_type, probe=getattr(args, "probe", None),
                                    intervals=getattr(args, "intervals", False),
                                    publish=getattr(args, "publish", False), min_n=getattr(args, "min_n", 5))
    except figures.FigureError as e:
        print(str(e), file=sys.stderr)
        return 1
    print(f"Skrev {path}")
    return 0


def cmd_report(args) -> int:
    from exports import workbook

    workbook.build_workbook(_engine(args), _guide(args), args.out, group=args.group, site_type=args.site_type,
                            publish=args.publish, min_n=args.min_n)
    print(f"Skrev {args.out}")
    return 0


def cmd_crosstab(args) -> int:
    from exports import tables

    try:
        out = tables.render_crosstab(_wide(args), _guide(args), args.a, args.b, fmt=args.format,
                                     group=args.group, site_type=args.site_type)
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


def cmd_merge(args) -> int:
    from survey import sync

    if args.conflicts:
        rows = sync.list_conflicts(_engine(args), include_resolved=args.alle)
        if not rows:
            print("Ingen uafgjorte flettekonflikter." if not args.alle else "Ingen flettekonflikter.")
            return 0
        for c in rows:
            state = f"afgjort ({c.resolution}, {c.resolved_by or '?'})" if c.resolved_at else "uafgjort"
            diffs = f"; forskelle: {', '.join(c.differences)}" if c.differences else ""
            print(f"{c.id}\t{c.respondent_id}\t{c.kind}\t{state}\t{c.reason}{diffs}")
        return 0
    if args.resolve is not None:
        if not args.brug:
            print("Angiv --brug central eller --brug laptop.", file=sys.stderr)
            return 2
        print(sync.resolve_conflict(_engine(args), args.resolve, args.brug, who=args.who,
                                    respondent_id=args.respondent_id))
        return 0
    if not args.file:
        print("Angiv pakkefilen (eller --conflicts / --resolve N).", file=sys.stderr)
        return 2
    res = sync.merge_package(_engine(args), args.file, who=args.who)
    print(res.summary())
    return 0


def cmd_backup(args) -> int:
    from survey import db

    path = db.backup(_engine(args), args.file)
    print(f"Sikkerhedskopi skrevet: {path}")
    return 0


def cmd_db(args) -> int:
    from survey import db

    if args.action == "revision":
        if not args.message:
            print("Angiv -m BESKED.", file=sys.stderr)
            return 2
        print(f"Skrev {db.new_revision(args.message)}")
        return 0
    engine = db.make_engine(db.database_url(getattr(args, "db", None)), migrate=False)
    try:
        if args.action == "upgrade":
            before, after = db.upgrade(engine, "head")
            print(f"Databasen er på skemaversion {after}" + (f" (var {before or 'uden version'})."
                                                                 if before != after else " (uændret)."))
        else:
            rev = db.current_revision(engine)
            head = db.head_revision()
            state = "nyeste" if rev == head else ("ikke opgraderet: kør brugerblik db upgrade" if rev is None or
                                                  rev in db.known_revisions() else "ukendt (nyere udgave?)")
            print(f"Skemaversion: {rev or 'ingen'} ({state}); nyeste: {head}")
        return 0
    finally:
        engine.dispose()


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
    e.add_argument("kind", choices=["raw", "spss", "qdpx", "package"])
    e.add_argument("file", help="raw: FIL.csv eller FIL.xlsx; spss: FIL.sav; qdpx: FIL.qdpx; "
                                "package: feltpakke (FIL.zip) til brugerblik merge")
    e.add_argument("--umaskeret", action="store_true",
                   help="fritekst uden anonymisering (kun inden for forskergruppen)")
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
    k.add_argument("--out", help="FIL.png, FIL.svg eller FIL.html: skriv kortet som billede")
    k.add_argument("--intervals", action="store_true", help="vis 95 %% Wilson-intervaller")
    k.add_argument("--publish", action="store_true", help="til offentliggørelse: punkter med n under --min-n udelades")
    k.add_argument("--min-n", dest="min_n", type=int, default=5, help="mindste n ved --publish (standard 5)")
    k.set_defaults(func=cmd_kvalitetskort)

    f = sub.add_parser("figure", help="en af rapportens figurer som billede")
    f.add_argument("id", help="kvalitetskort, kvalitetskort_grupper, fig3.1, fig4 (med --probe), fig4.1–fig4.3, fig7.1–fig7.4, 7.2")
    f.add_argument("--out", required=True, help="FIL.png, FIL.svg eller FIL.html")
    f.add_argument("--group")
    f.add_argument("--site-type", dest="site_type", choices=["boform", "vaerested"])
    f.add_argument("--probe", help="probe til fig4 (fx rytme)")
    f.add_argument("--intervals", action="store_true")
    f.add_argument("--publish", action="store_true", help="til offentliggørelse: små grupper udelades")
    f.add_argument("--min-n", dest="min_n", type=int, default=5, help="mindste n ved --publish (standard 5)")
    f.set_defaults(func=cmd_figure)

    r = sub.add_parser("report", help="Excel-projektmappe med tabeller, figurer og kvalitetskort")
    r.add_argument("out", help="FIL.xlsx")
    r.add_argument("--group")
    r.add_argument("--site-type", dest="site_type", choices=["boform", "vaerested"])
    r.add_argument("--publish", action="store_true", help="til offentliggørelse: små grupper undertrykkes")
    r.add_argument("--min-n", dest="min_n", type=int, default=5, help="mindste n ved --publish (standard 5)")
    r.set_defaults(func=cmd_report)

    x = sub.add_parser("crosstab", help="krydstabel af to kodede variable")
    x.add_argument("a")
    x.add_argument("b")
    x.add_argument("--format", choices=["csv", "md"], default="md")
    x.add_argument("--group")
    x.add_argument("--site-type", dest="site_type", choices=["boform", "vaerested"])
    x.set_defaults(func=cmd_crosstab)

    d = sub.add_parser("demo", help="indlæs den syntetiske demoundersøgelse (61 respondenter)")
    d.add_argument("--if-empty", action="store_true", help="kun hvis databasen er tom")
    d.add_argument("--replace", action="store_true", help="erstat demo-respondenter, der allerede findes")
    d.set_defaults(func=cmd_demo)
    m = sub.add_parser("merge", help="flet en feltcomputers pakke ind i denne database")
    m.add_argument("file", nargs="?", help="pakken fra brugerblik export package")
    m.add_argument("--who", default=None, help="hvem fletter/afgør (til revisionssporet)")
    m.add_argument("--conflicts", action="store_true", help="vis flettekonflikter, der venter på en person")
    m.add_argument("--alle", action="store_true", help="med --conflicts: også de afgjorte")
    m.add_argument("--resolve", type=int, metavar="N", help="afgør konflikt N (se --conflicts)")
    m.add_argument("--brug", choices=["central", "laptop"], help="med --resolve: hvilken udgave der gælder")
    m.add_argument("--respondent-id", dest="respondent_id", help="med --resolve --brug laptop: nyt respondent-id")
    m.set_defaults(func=cmd_merge)

    b = sub.add_parser("backup", help="sikkerhedskopi af databasen, også mens appen kører")
    b.add_argument("file", help="SQLite: en ny databasefil; PostgreSQL: en pg_dump-fil (pg_restore)")
    b.set_defaults(func=cmd_backup)

    dbp = sub.add_parser("db", help="databasens skema (Alembic-migreringer)")
    dbp.add_argument("action", choices=["upgrade", "current", "revision"],
                     help="upgrade: til nyeste skema; current: vis version; revision: ny migrering (udviklere)")
    dbp.add_argument("-m", "--message", help="med revision: beskrivelse")
    dbp.set_defaults(func=cmd_db)

    tg = sub.add_parser("tag", help="foreslå koder for citater: én JSON-linje pr. inputlinje")
    tg.add_argument("file", nargs="?", default="-", help="fil eller - for standard input")
    tg.set_defaults(func=cmd_tag)

    an = sub.add_parser("anonymise", help="maskér navne, CPR-numre, telefon, adresser og steder")
    an.add_argument("file", nargs="?", default="-", help="fil eller - for standard input")
    an.set_defaults(func=cmd_anonymise)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from survey.db import BackupError, SchemaError
    from survey.guide import GuideError
    from survey.store import StoreError
    from survey.sync import SyncError

    try:
        return args.func(args)
    except (SyncError, BackupError, SchemaError) as e:
        print(str(e), file=sys.stderr)
        return 1
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
