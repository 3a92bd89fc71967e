"""The `brugerblik` command. Thin: parses arguments, checks the role, calls the domain packages, prints.

Exit codes:

- 0 ok (also a command that had nothing to do, e.g. ``demo --if-empty`` on a store with data)
- 1 refused input or a failure the message explains (bad file, unknown table, store unreachable …)
- 2 usage error (unknown command or option)
- 3 refused login or role: nothing was done; the Danish reason is on standard error

Logins and roles (issue 6). Every (sub)command names an action of `survey.auth` in
`COMMAND_ACTIONS`; `main()` checks it centrally before the command runs. A store with no users
is *open* (single-user mode: no login, everything allowed, as for a private file). Once a user
exists, give the user name with ``--bruger NAVN`` (or ``BRUGERBLIK_USER``); the password is
read from ``BRUGERBLIK_PASSWORD`` or asked for at the terminal — never as an argument (argv is
visible in ``ps`` and shell history). The acting user is who the audit trail records.

``BRUGERBLIK_LOG=DEBUG`` (or INFO, WARNING) writes log lines to standard error; they name users,
codes and exception types, never respondent text, CPR numbers or passwords.
"""
from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import Optional, Sequence

from brugerblik import dansk


def _engine(args):
    from survey.db import get_engine  # only the commands that use it load it (start-up time)

    return get_engine(getattr(args, "db", None))


def _guide(args, *, store: bool = True):
    """The user guide (--guide, BRUGERBLIK_GUIDE or the bundled one), refused (GuideFitError) when it does
    not fit the interviews in the store (`survey.guide_fit`; docs/guide.md «Når guiden ændres»). On the
    plain read, a guide found to fit before costs one row read; any other guide takes the full path."""
    from survey.guide import guide_fingerprint, load_guide  # only the commands that use it load it (start-up time)

    g = load_guide(getattr(args, "guide", None))
    if not store or getattr(args, "guide_fits", None) == g.path:
        return g
    plain = getattr(args, "plain_store", None)
    if plain is not None:
        from survey.plainread import PlainReadError  # loaded already by `_plain_store`

        if plain.guide_fit() != guide_fingerprint(g):
            raise PlainReadError("guide")  # not known to fit: `main` runs the full path, which checks it
    else:
        from survey import guide_fit  # only the commands that use a store load it (start-up time)

        guide_fit.require_fit(_engine(args), g)
    args.guide_fits = g.path
    return g


#: How `guide check` names the marks of the column brugerblik_identifikator (issue 12; docs/guide.md).
MARK_LABELS = (("ja", "Identificerer direkte (ja; pseudonymiseres i eksporter)"),
               ("pseudonym", "Pseudonym (beholdes)"),
               ("fritekst", "Fritekst (anonymiseres i eksporter)"))


def _guide_marks(g, name: str) -> None:
    """Which codes `g` marks ja, pseudonym and fritekst (codes only, never values), and a warning
    (standard error) for the text questions left unmarked: they count as fritekst."""
    from survey.guide import IDENTIFIER_COLUMN, RESPONDENT_KEY  # only the commands that use it load it (start-up time)

    print(f"Markeringer i kolonnen {IDENTIFIER_COLUMN}:")
    for mark, label in MARK_LABELS:
        codes = [c for c, it in g.items.items() if it.identifier == mark]
        print(f"  {label}: {', '.join(codes) if codes else '(ingen)'}")
    blank = [c for c, it in g.items.items() if it.type == "text" and not it.identifier_mark and c != RESPONDENT_KEY]
    if blank:
        print(f"Advarsel ({name}): {len(blank)} tekstspørgsmål uden markering i kolonnen {IDENTIFIER_COLUMN} "
              f"regnes som fritekst og anonymiseres i eksporter: {', '.join(blank)}. Skriv fritekst, ja, "
              "pseudonym eller nej.", file=sys.stderr)


def _store_named(args) -> bool:
    """A store is named (--db, BRUGERBLIK_DB) or the default file exists: `guide check` checks the guide
    against its interviews too (`survey.guide_fit`), and never creates a store."""
    if getattr(args, "db", None) or os.environ.get("BRUGERBLIK_DB"):
        return True
    from survey import plainread  # only the commands that use it load it (start-up time)

    path = plainread.plain_sqlite_file(plainread.default_url())
    return path is not None and path.is_file()


def cmd_guide_check(args) -> int:
    """guide check: the user guide (--guide) and the other sources' guides, each with its marks; with a
    store, each checked against the interviews of its type stored there (`survey.guide_fit`)."""
    # only the commands that use it load it (start-up time)
    from survey.sources import INFORMANT_LABELS, INFORMANTS, guide_for

    named = _store_named(args)
    for n, inf in enumerate(INFORMANTS):
        g = _guide(args, store=named) if n == 0 else guide_for(inf)
        if n and named:  # each source's guide against the store's interviews of its type (`survey.guide_fit`)
            from survey import guide_fit  # only the commands that use a store load it (start-up time)

            guide_fit.require_fit(_engine(args), g, inf)
        name = os.path.basename(str(g.path)) if g.path else inf
        if n:
            print(f"\n{INFORMANT_LABELS[inf]}s guide ({name}):")
        groups = ", ".join(f"{gr.label} ({len(gr.items)})" for gr in g.groups)
        print(f"{g.title}\nform_id {g.form_id}, version {g.version}: {len(g.items)} koder i {len(g.groups)} afsnit\n"
              f"{groups}")
        _guide_marks(g, name)
    return 0


def cmd_import(args) -> int:
    from survey import wideio  # only the commands that use it load it (start-up time)

    if str(args.file).lower().endswith(".qdc"):
        return _import_qdc(args)
    if str(args.file).lower().endswith(".qdpx"):
        return _import_qdpx(args)
    if getattr(args, "kilde", None):
        return _import_sources(args)
    result = wideio.import_file(_engine(args), _guide(args), args.file, replace=args.replace, who=args.who,
                                encoding=args.encoding)
    return _import_report(args, result, "respondents", "respondenter")


def _import_qdpx(args) -> int:
    """import FIL.qdpx (issue 15): a REFI-QDA project's codes, transcripts and coded selections, all or
    nothing; cases and variables are compared with the study, never written."""
    from exports import qdpx_import  # only the commands that use it load it (start-up time)
    from survey import auth  # the same reason

    if getattr(args, "principal", None) is not None:  # codes and codings are the researchers' (as .qdc)
        auth.require(args.principal, "coding")
    if getattr(args, "kilde", None) or args.replace:
        print("--kilde og --replace kan ikke bruges med et REFI-QDA-projekt (.qdpx): det flettes ind, og intet "
              "erstattes.", file=sys.stderr)
        return 2
    r = qdpx_import.import_qdpx(_engine(args), _guide(args), args.file, args.who)  # refused: StoreError, exit 1
    print(f"Importerede REFI-QDA-projektet {Path(args.file).name}:")
    for line in r.lines():
        print(f"  {line}")
    return 0


def _import_qdc(args) -> int:
    """import FIL.qdc (issue 15): a REFI-QDA codebook into the codebook, all or nothing; the codebook
    is the researchers' (the role must allow ``coding`` besides ``import``)."""
    from exports import qdc  # only the commands that use it load it (start-up time)
    from survey import auth  # the same reason

    if getattr(args, "principal", None) is not None:
        auth.require(args.principal, "coding")
    if getattr(args, "kilde", None):
        print("--kilde kan ikke bruges med en kodebog (.qdc).", file=sys.stderr)
        return 2
    r = qdc.import_qdc(_engine(args), args.file, replace=args.replace)
    print(f"Importerede kodebogen fra {args.file}: {len(r.created)} nye, {len(r.updated)} opdaterede"
          + (f", {len(r.deleted)} slettede" if r.deleted else "") + " koder.")
    return 0


def _import_report(args, result, what_en: str, what_da: str) -> int:
    """Print an import's warnings and problems (all of them) or what was imported; the exit code."""
    for w in result.warnings:
        print(w.format(args.lang), file=sys.stderr)
    if result.problems:
        for p in result.problems:
            print(p.format(args.lang), file=sys.stderr)
        n = len(result.problems)
        print((f"{n} problem(s); nothing was imported." if args.lang == "en"
               else f"{n} problem(er); intet er importeret."), file=sys.stderr)
        return 1
    print((f"Imported {result.written} {what_en} from {args.file}." if args.lang == "en"
           else f"Importerede {result.written} {what_da} fra {args.file}."))
    return 0


def _import_sources(args) -> int:
    """import --kilde: case-worker/contact-person/leader interviews or case files (issue 7), all or nothing."""
    from survey import source_store  # only the commands that use it load it (start-up time)

    result = source_store.import_sources(_engine(args), args.kilde, args.file, replace=args.replace, who=args.who,
                                         encoding=args.encoding)
    return _import_report(args, result, f"sources ({args.kilde})", f"kilder ({args.kilde})")


def cmd_export(args) -> int:
    from exports import raw  # the anonymiser and pandas: only the export commands load them

    if getattr(args, "kilde", None):
        if args.kind != "raw":
            print("--kilde kan kun bruges med export raw.", file=sys.stderr)
            return 2
        n = raw.export_sources(_engine(args), args.kilde, args.file, anonymised=not args.umaskeret,
                               drafts=args.med_kladder)
        masked = "umaskeret fritekst" if args.umaskeret else "fritekst anonymiseret"
        print(f"Eksporterede {n} kilder ({args.kilde}) til {args.file} ({masked}).")
        _print_sources_counted(args, n)
        return 0
    if args.kind == "package":
        from survey import sync  # only the commands that use it load it (start-up time)

        r = sync.export_package(_engine(args), args.file, passphrase=_package_passphrase(confirm=True),
                                principal=getattr(args, "principal", None))
        print(f"Skrev feltpakken {r.path}: {r.interviews} interviews, {r.answers} svar, {r.quotes} citater, "
              f"{r.consent} samtykker, {r.audit} revisionsposter.\n"
              "Pakken er krypteret (AES-256) med pakkekoden; uden koden kan den hverken læses eller ændres "
              "ubemærket. Overfør koden ad en anden vej end pakken, og slet pakken, når den er flettet ind centralt.")
        return 0
    if args.kind == "spss":
        from exports import spss  # only the commands that use it load it (start-up time)

        n = spss.export_sav(_engine(args), _guide(args), args.file, anonymised=not args.umaskeret,
                            drafts=args.med_kladder)
    elif args.kind == "stata":
        from exports import stata  # only the commands that use it load it (start-up time)

        n = stata.export_dta(_engine(args), _guide(args), args.file, anonymised=not args.umaskeret,
                             drafts=args.med_kladder)
    elif args.kind == "r":
        from exports import stata  # the R script lives beside the Stata export (start-up time)

        n, script = stata.export_r(_engine(args), _guide(args), args.file, anonymised=not args.umaskeret,
                                   drafts=args.med_kladder)
        print(f"Skrev R-scriptet {script}: source() det i mappen med {Path(args.file).name} for data med "
              "spørgeguidens etiketter.")
    elif args.kind == "qdc":
        from exports import qdc  # only the commands that use it load it (start-up time)

        n = qdc.export_qdc(_engine(args), args.file)
        print(f"Skrev kodebogen ({n} koder) til {args.file} (REFI-QDA-kodebog).")
        return 0
    elif args.kind == "qdpx":
        from exports import qdpx  # only the commands that use it load it (start-up time)

        n = qdpx.export_qdpx(_engine(args), _guide(args), args.file, anonymised=not args.umaskeret,
                             drafts=args.med_kladder)
    else:
        n = raw.export_file(_engine(args), _guide(args), args.file, anonymised=not args.umaskeret,
                            drafts=args.med_kladder)
    masked = "umaskeret fritekst" if args.umaskeret else "fritekst anonymiseret"
    print(f"Eksporterede {n} respondenter til {args.file} ({masked}).")
    _print_export_counted(args)
    return 0


def _data(args):
    """The report's data: the completed interviews, or with --med-kladder the drafts too (issue 14)."""
    from report import data as report_data  # only the commands that use it load it (start-up time)

    drafts = getattr(args, "med_kladder", False)
    plain = getattr(args, "plain_store", None)
    if plain is not None:  # issue 13: an open local SQLite store, read without SQLAlchemy (`_plain_store`)
        return report_data.load_plain(plain, _guide(args), drafts=drafts)
    return report_data.load(_engine(args), _guide(args), drafts=drafts)


def _study(args) -> dict | None:
    """With --publish: the study's pseudonyms of the interviewers (`report.data.ReportData.pseudonyms`:
    one person one «Interviewer N» in every output, whatever the filters and --med-kladder)."""
    return args.report_data.pseudonyms() if getattr(args, "publish", False) else None


def _print_sources_counted(args, n: int) -> None:
    """After an export of sources: those left out as drafts (the source, or the user it is about), or
    how many the file holds (--med-kladder)."""
    from survey import source_store  # only the commands that use it load it (start-up time)

    other = len(source_store.load_sources(_engine(args), [args.kilde], drafts=not args.med_kladder)[args.kilde])
    k = abs(other - n)
    what = "kilde, der selv er en kladde eller handler om en bruger, hvis interview er en kladde" if k == 1 else \
        "kilder, der selv er kladder eller handler om en bruger, hvis interview er en kladde"
    if args.med_kladder:
        print(f"MED KLADDER: filen indeholder {k} {what}. Importér den ikke igen: de ville blive afsluttede.")
    elif k:
        print(f"{k} {what}, er ikke eksporteret; brug --med-kladder for at tage dem med.")


def _print_export_counted(args) -> None:
    """After an export of the users: the drafts left out, or that the file holds drafts (--med-kladder)."""
    from survey.store import count_drafts  # only the commands that use it load it (start-up time)

    n = count_drafts(_engine(args))
    what = "kladde (ikke afsluttet interview)" if n == 1 else "kladder (ikke afsluttede interview)"
    if args.med_kladder:
        target = str(getattr(args, "file", "")).lower()
        if target.endswith(".xlsx"):
            print(f"MED KLADDER: filen indeholder {n} {what}. Projektmappens beskrivelse bærer mærket, og "
                  "import afviser den (kladderne ville blive afsluttede interview).")
        elif not target.endswith(".csv"):
            print(f"MED KLADDER: filen indeholder {n} {what}. Filen selv bærer ikke mærket (formatet er fast).")
        else:
            print(f"MED KLADDER: filen indeholder {n} {what}. En CSV-fil kan ikke bære mærket (dataformatet er "
                  "fast): importér den ikke igen — kladderne ville blive afsluttede interview.")
    elif n:
        print(f"{n} {what} er ikke eksporteret; brug --med-kladder for at tage dem med.")


def _print_report(make, args=None) -> int:
    """Print the table text `make()` returns, then what was counted («n = 61 afsluttede interview;
    2 kladder er ikke talt med.»: under a Markdown table; on stderr beside CSV, which must stay data);
    a refused request (TableError) as its Danish message, exit 1."""
    from report.errors import TableError  # only the commands that use it load it (start-up time)

    try:
        out = make()
    except TableError as e:
        print(str(e), file=sys.stderr)
        return 1
    sys.stdout.write(out)
    if args is not None:
        _print_counted(args, getattr(args, "format", "md") == "csv")
    return 0


def _print_counted(args, to_stderr: bool) -> None:
    """What the command counted, from the data it used (`args.report_data`, set by the command)."""
    from report.data import WHOLE_STUDY  # only the commands that use it load it (start-up time)
    from report.registry import saved_id  # loaded already by the table it follows (start-up time)

    line = args.report_data.counted_line()
    filtered = any(getattr(args, k, None) for k in ("perspektiv", "sted", "interviewer", "group", "site_type"))
    if (filtered or saved_id(str(getattr(args, "id", "")))) and not line.startswith(WHOLE_STUDY):
        line = WHOLE_STUDY + line  # the table's own population line gives its n (a saved analysis: its own)
    print(line if to_stderr else f"\n{line}", file=sys.stderr if to_stderr else sys.stdout)


def cmd_table(args) -> int:
    """table ID: a table of the users (chapters 3, 4, 7, the quality map), of the other sources (issue 7)
    or a saved analysis (mine:NAVN, issue 14)."""
    from report import registry  # only the commands that use it load it (start-up time)
    from report.errors import TableError  # the same reason

    def make() -> str:
        data = args.report_data = _data(args)
        name = registry.saved_id(args.id)
        if name is not None:  # issue 14: a saved analysis has its own population
            from report import saved  # reason: start-up time (it loads the store's models)

            given = [o for o, v in (("--group", args.group), ("--site-type", args.site_type),
                                    ("--perspektiv", args.perspektiv), ("--sted", args.sted),
                                    ("--interviewer", args.interviewer), ("--efter", args.efter)) if v]
            if given:
                raise TableError(f"En gemt analyse har sin egen population og gruppering; {', '.join(given)} "
                                 "kan ikke bruges med mine:NAVN.")
            return saved.render(saved.get(_engine(args), name), data.wide, _guide(args), args.format,
                                publish=args.publish, min_n=args.min_n, study=_study(args))
        sources = data.all_sources() if registry.is_source_table(str(args.id).strip().lower()) else None
        return registry.render(args.id, data.wide, _guide(args), fmt=args.format, group=args.group,
                               site_type=args.site_type, probe=args.probe, frames=sources, cuts=_cuts_of(args),
                               publish=args.publish, min_n=args.min_n, study=_study(args))

    return _print_report(make, args)


def cmd_kvalitetskort(args) -> int:
    from report import registry  # only the commands that use it load it (start-up time)

    try:
        args.method = _map_method(args)
    except ValueError as e:  # TableError: the Danish message
        print(str(e), file=sys.stderr)
        return 1
    if args.out:  # with a grouping: one small map per group
        args.id, args.probe = ("kvalitetskort_grupper" if args.efter else "kvalitetskort"), None
        return cmd_figure(args)

    def make() -> str:
        args.report_data = _data(args)
        return registry.render("kvalitetskort", args.report_data.wide, _guide(args), fmt=args.format,
                               group=args.group, site_type=args.site_type, cuts=_cuts_of(args),
                               method=args.method, min_n=args.min_n, publish=args.publish, study=_study(args))

    return _print_report(make, args)


def _publish_args(p, what: str) -> None:
    """--publish and --min-n: the table as published (`report.publication`: one rule everywhere)."""
    p.add_argument("--publish", action="store_true", help=f"til offentliggørelse: {what}")
    p.add_argument("--min-n", dest="min_n", type=_min_n, default=5,
                   help="mindste n ved --publish: et helt tal, mindst 1 (standard 5)")


def _min_n(text: str) -> int:
    """--min-n: a whole number from 1 to MAX_MIN_N, as on the Rapport page. 0 or less hid nothing while the
    output still said it was for publication (a tester)."""
    from report.publication import MAX_MIN_N  # reason: only a command given --min-n loads it (start-up time)

    try:
        n = int(text)
    except ValueError:
        n = 0
    if not 1 <= n <= MAX_MIN_N:
        raise argparse.ArgumentTypeError(f"skal være et helt tal fra 1 til {MAX_MIN_N:,}".replace(",", "."))
    return n


def _map_method(args):
    """The quality map's method from --reference and --vigtighed (issue 15; the report's by default);
    TableError (Danish) for an unknown value or the 45° line with derived importance."""
    from report.quality_map import map_method  # only the commands that use it load it (start-up time)

    return map_method(getattr(args, "reference", None), getattr(args, "vigtighed", None))


def _method_args(p) -> None:
    """--reference and --vigtighed: the quality map read otherwise than the report (issue 15)."""
    p.add_argument("--reference", choices=["diagonal", "gennemsnit", "midtpunkt"],
                   help="kvalitetskortets referencelinje: diagonal (45°-linjen, rapportens; standard ved angivet "
                        "vigtighed), gennemsnit (trådkors ved probernes gennemsnit; standard ved afledt) eller "
                        "midtpunkt (trådkors ved skalaens midtpunkter)")
    p.add_argument("--vigtighed", choices=["angivet", "afledt"],
                   help="angivet (andelen, der siger, det er vigtigt; rapportens) eller afledt (sammenhængen "
                        "mellem udbytte og samlet tilfredshed, med 95 %% interval)")


def cmd_figure(args) -> int:
    from report import figures  # only the commands that use it load it (start-up time)

    if getattr(args, "method", None) is None:  # `figure kvalitetskort --reference …` (kvalitetskort --out sets it)
        try:
            args.method = _map_method(args)
        except ValueError as e:  # TableError: the Danish message
            print(str(e), file=sys.stderr)
            return 1
    args.report_data = _data(args)
    try:
        path = figures.write_figure(args.id, args.report_data.wide, _guide(args), args.out, group=args.group,
                                    site_type=args.site_type, probe=getattr(args, "probe", None),
                                    intervals=getattr(args, "intervals", False),
                                    publish=getattr(args, "publish", False), min_n=getattr(args, "min_n", 5),
                                    drafts=args.report_data.drafts, cuts=_cuts_of(args), method=args.method,
                                    study=_study(args))
    except figures.FigureError as e:
        print(str(e), file=sys.stderr)
        return 1
    print(f"Skrev {path}")
    _print_counted(args, False)
    return 0


def cmd_report(args) -> int:
    from exports import workbook  # only the commands that use it load it (start-up time)

    try:
        method = _map_method(args)
    except ValueError as e:  # TableError: the Danish message
        print(str(e), file=sys.stderr)
        return 1
    args.report_data = _data(args)  # loaded once: the workbook and the line that says what it counted
    workbook.build_workbook(_engine(args), _guide(args), args.out, group=args.group, site_type=args.site_type,
                            publish=args.publish, min_n=args.min_n, data=args.report_data, cuts=_cuts_of(args),
                            method=method)
    print(f"Skrev {args.out}")
    _print_counted(args, False)
    return 0


def cmd_crosstab(args) -> int:
    from report import crosstab  # only the commands that use it load it (start-up time)

    def make() -> str:
        args.report_data = _data(args)
        return crosstab.render_crosstab(args.report_data.wide, _guide(args), args.a, args.b, fmt=args.format,
                                        group=args.group, site_type=args.site_type, cuts=_cuts_of(args),
                                        publish=args.publish, min_n=args.min_n, study=_study(args))

    return _print_report(make, args)


def cmd_matrix(args) -> int:
    """matrix KODE ATTRIBUT (issue 15): theme codes × a coded attribute, counts of codings and respondents."""
    from coding import service as coding_service  # only the commands that use it load it (start-up time)
    from report import matrix  # the same reason

    def make() -> str:
        args.report_data = _data(args)
        name, rows, units = coding_service.matrix_units(_engine(args), args.kode)
        return matrix.render_matrix(rows, units, args.report_data.wide, _guide(args), args.attribut, args.format,
                                    group=args.group, site_type=args.site_type, cuts=_cuts_of(args), code_name=name)

    return _print_report(make, args)


def _figure_out(args, fig) -> None:
    """Write the command's figure to ``--figur`` (if given): .png, .svg or .html, owner-only."""
    from report.figures import save_figure  # only the commands with a figure load Plotly (start-up time)

    if getattr(args, "figur", None):
        print(f"Skrev {save_figure(fig, args.figur)}", file=sys.stderr)


def cmd_maetning(args) -> int:
    """maetning (issue 15): new codes per interview and saturation (Guest, Namey & Chen 2020)."""
    from coding import service as coding_service  # only the commands that use it load it (start-up time)
    from report import saturation  # the same reason

    def make() -> str:
        args.report_data = _data(args)
        _codes, units = coding_service.all_codings(_engine(args))
        st = saturation.Settings(args.basis, args.forloeb, args.taerskel / 100).check()
        text = saturation.render_saturation(units, args.report_data.wide, _guide(args), args.format, st,
                                            group=args.group, site_type=args.site_type, cuts=_cuts_of(args))
        if getattr(args, "figur", None):
            _figure_out(args, saturation.figure_saturation(saturation.saturation(units, _population_of(args), st)))
        return text

    return _print_report(make, args)


def cmd_samforekomst(args) -> int:
    """samforekomst (issue 15): codes that occur in the same segment or the same respondent."""
    from coding import service as coding_service  # only the commands that use it load it (start-up time)
    from report import cooccurrence  # the same reason

    def make() -> str:
        args.report_data = _data(args)
        codes, units = coding_service.all_codings(_engine(args))
        text = cooccurrence.render_cooccurrence(codes, units, args.report_data.wide, _guide(args), args.format,
                                                level=args.niveau, min_count=args.mindst, group=args.group,
                                                site_type=args.site_type, cuts=_cuts_of(args))
        if getattr(args, "figur", None):
            t = cooccurrence.cooccurrence(codes, units, _population_of(args), level=args.niveau,
                                          min_count=args.mindst)
            _figure_out(args, cooccurrence.figure_cooccurrence(t))
        return text

    return _print_report(make, args)


def cmd_ordfrekvens(args) -> int:
    """ordfrekvens (issue 15): the respondents' most frequent words (lemmas, no stop words)."""
    from coding import service as coding_service  # only the commands that use it load it (start-up time)
    from report import wordfreq  # the same reason

    def make() -> str:
        args.report_data = _data(args)
        g = _guide(args)
        name = ""
        if args.kode:
            name = coding_service.code_name(_engine(args), args.kode)
        texts = coding_service.respondent_texts(_engine(args), args.kode, g)
        text = wordfreq.render_word_frequency(texts, args.report_data.wide, g, args.format, by=args.efter_attribut,
                                              top=args.top, code_name=name, group=args.group,
                                              site_type=args.site_type, cuts=_cuts_of(args))
        if getattr(args, "figur", None):
            t = wordfreq.word_frequency(texts, _population_of(args), g, top=args.top)
            _figure_out(args, wordfreq.figure_word_frequency(t, title=f"Hyppigste ord{f' i «{name}»' if name else ''}"))
        return text

    return _print_report(make, args)


def _cut(text: str, n: int) -> str:
    return text if len(text) <= n else text[:n - 2].rstrip() + " …"


def cmd_spoergsmaal(args) -> int:
    """spoergsmaal [SPØRGSMÅL --kod KODE] (issue 15): the guide's questions with what was said after
    each in the transcripts; with --kod, structural autocoding: the code on all of it."""
    from coding import guide_links  # only the commands that use it load it (start-up time)
    from coding import service as coding_service  # the same reason
    from report.publication import md_table  # the same reason

    engine, guide = _engine(args), _guide(args)
    codes = guide_links.matcher_for(guide).codes()
    if args.kod:
        if args.spoergsmaal not in codes:
            print(f"Angiv et spørgsmål fra guiden (fx rytme); tilladt: {', '.join(codes)}.", file=sys.stderr)
            return 2
        who = args.principal.username or (args.who or "").strip()
        if not who:  # every coding has its coder (agreement, the audit trail): no anonymous structural coding
            print("Angiv hvem der koder med --who NAVN (uden login); med login er det den, der er logget ind.",
                  file=sys.stderr)
            return 2
        new, total = coding_service.code_by_question(engine, args.spoergsmaal, args.kod, who,
                                                     interviewer=args.interviewer)
        print(f"{new} afsnit under «{guide.item(args.spoergsmaal).label}» er kodet med "
              f"«{coding_service.code_name(engine, args.kod)}»" + (f"; {total - new} havde koden i forvejen." if
                                                                   total - new else "."))
        return 0
    if args.spoergsmaal:
        print("Brug --kod KODE for at kode afsnittene under spørgsmålet (uden --kod: ingen spørgsmål).",
              file=sys.stderr)
        return 2
    counts = coding_service.question_counts(engine)
    rows = [[c, _cut(guide.item(c).label, 70), *counts.get(c, (0, 0))] for c in codes]
    print("## Spørgeguidens spørgsmål i transskriptionerne\n")
    print(md_table(["kode", "spørgsmål", "afsnit", "transskriptioner"], rows, [False, False, True, True]))
    print("\nAfsnit: brugerens tale under spørgsmålet (svar på opfølgninger medregnet), i transskriptioner af "
          "respondenter, der ikke har trukket samtykket tilbage.")
    return 0


def cmd_kodeenighed(args) -> int:
    """kodeenighed (issue 15): Gwet's AC1, Fleiss' kappa and alpha with 95 % intervals among every coder."""
    from coding import agreement  # only the commands that use it load it (start-up time)
    from coding import service as coding_service  # the same reason
    from report.publication import md_table  # the same reason
    from report.tables import to_csv  # the same reason

    coders = [c.strip() for c in args.kodere.split(",") if c.strip()] if args.kodere else None
    try:
        results = coding_service.agreement_coefficients(_engine(args), coders)
    except agreement.AgreementError as e:
        print(str(e), file=sys.stderr)
        return 1
    if not results:
        print("Ingen variable er dobbeltkodet endnu (siden Enighed under Kodning).")
        return 0
    heads, rows = agreement.coefficients_rows(results, form=args.format)
    if args.format == "csv":
        import pandas as pd  # the same reason

        sys.stdout.write(to_csv(pd.DataFrame(rows, columns=heads)))
        return 0
    print("## Enighed mellem alle kodere (Gwets AC1, kappa, Krippendorffs alfa)\n")
    print(md_table(heads, [["" if v is None else v for v in r] for r in rows],
                   [False, False, True, True] + [True, True] * len(agreement.COEFFICIENTS) + [False]))
    print("\nEnheder: kodet af mindst to af koderne. 95 %-konfidensintervaller efter Gwets formler (2014); "
          "alfa er nominal. Cohens kappa for to kodere: siden Enighed.")
    return 0


def cmd_analyse(args) -> int:
    """analyse gem|liste|slet (issue 14): saved analyses, kept with the study (report.saved)."""
    from report import saved  # only the commands that use it load it (start-up time)
    from report.errors import TableError  # the same reason

    engine, p = _engine(args), args.principal
    try:
        if args.analyse_action == "liste":
            found = saved.all_analyses(engine)
            if not found:
                print("Ingen gemte analyser endnu. Gem en med «brugerblik analyse gem NAVN …» eller på siden Rapport.")
            g = _guide(args)
            for a in found:
                pop = saved.population_text(a, g, 0).split(" (n = ")[0]
                print(f"{saved.PREFIX}{a.name}\t{a.describe(g)}\t{pop}\t{a.created_by or ''}")
            return 0
        if args.analyse_action == "slet":
            saved.delete(engine, args.navn, principal=p)
            print(f"Slettet: analysen «{args.navn}».")
            return 0
        cuts = _cuts_of(args)
        kind = "krydstabel" if args.krydstabel else "kvalitetskort"
        a, b = args.krydstabel or (None, None)
        got = saved.save(engine, _guide(args), args.navn, kind, a=a, b=b, group=args.group,
                         site_type=args.site_type, cuts=cuts, who=getattr(args, "who", None), principal=p,
                         replace=args.erstat, wide=_data(args).wide)
    except TableError as e:
        print(str(e), file=sys.stderr)
        return 1
    print(f"Gemt: «{got.name}» ({got.describe(_guide(args))}). Vis den med «brugerblik table {saved.PREFIX}{got.name}»; "
          "projektmappen (brugerblik report) får et ark med den.")
    return 0


def cmd_demo(args) -> int:
    from survey import demo  # only the commands that use it load it (start-up time)

    from coding import codebook  # the same reason

    engine = _engine(args)
    n = demo.load_demo(engine, _guide(args), if_empty=args.if_empty, replace=args.replace)
    if n == 0:
        print("Databasen har allerede data; demoundersøgelsen er ikke indlæst.")
    else:
        # the report's themes, as the app's first read of the codebook loads them: a CLI user of the demo
        # (export qdc, matrix rytme_i_hverdagen …) met an empty codebook until a page had been opened
        k = codebook.seed_on_first_use(engine)
        print(f"Indlæste demoundersøgelsen: {n} syntetiske respondenter på 12 steder (ikke rigtige personer) "
              "med syntetiske sagsbehandler-, kontaktperson- og lederinterview og journaludtræk"
              + (f"; kodebogen har rapportens {k} temaer." if k else "."))
    return 0


def cmd_merge(args) -> int:
    from survey import sync  # only the commands that use it load it (start-up time)

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
    engine = _engine(args)
    masks: list = []

    def masker(text: str) -> str:
        """The study's masker, made when a merge after a raw-data deletion first needs it (spaCy)."""
        if not masks:
            from coding.anonymise import export_masker  # spaCy: only a merge after a raw-data deletion loads it

            masks.append(export_masker(engine))
        return masks[0](text)

    res = sync.merge_package(engine, args.file, passphrase=_package_passphrase(confirm=False),
                             guide=_guide(args), who=args.who, allow_deletions=args.allow_deletions, masker=masker)
    print(res.summary())
    return 0


def cmd_backup(args) -> int:
    from survey import db  # only the commands that use it load it (start-up time)

    path = db.backup(_engine(args), args.file)
    print(f"Sikkerhedskopi skrevet: {path}")
    return 0


def cmd_db(args) -> int:
    from survey import db  # only the commands that use it load it (start-up time)

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


def _date_arg(raw: str | None, what: str):
    """A YYYY-MM-DD option as a date (None when not given); StoreError in Danish otherwise."""
    import datetime as dt

    from survey.store import StoreError  # only the commands that use it load it (start-up time)

    if raw is None:
        return None
    try:
        return dt.date.fromisoformat(str(raw).strip())
    except ValueError:
        raise StoreError(f"{what} skal være en dato som ÅÅÅÅ-MM-DD (fik {str(raw)[:20]!r}).") from None


def cmd_respondent(args) -> int:
    """respondent tilbagetraek|slet|opbevaring|slet-raadata|oversigt (issue 12): survey.privacy does the work."""
    from sqlmodel import Session

    from survey import privacy  # only the commands that use it load it (start-up time)

    act, engine, who, p = args.respondent_action, _engine(args), getattr(args, "who", None), args.principal
    if act == "tilbagetraek":
        v = privacy.withdraw(engine, args.id, args.samtykke, withdrawn_on=_date_arg(args.dato, "--dato"),
                             reason=args.grund, who=who, principal=p, mask=_reason_mask(engine))
        if v.already:
            print(f"{v.respondent_id} har allerede trukket samtykket til {v.purpose_label} tilbage "
                  f"({v.withdrawn_on.isoformat()}, registreret af {v.recorded_by or 'ukendt'}); intet er ændret.")
        else:
            what = ("Intet nyt om respondenten kan gemmes, og alle eksporter, tabeller og figurer udelader "
                    "respondenten og kilderne om vedkommende." if v.purpose == "interview" else
                    "Journaludtræk om respondenten kan hverken oprettes, gemmes eller åbnes, og eksporterne udelader "
                    "de eksisterende.")
            print(f"Registreret: {v.respondent_id} trak samtykket til {v.purpose_label} tilbage "
                  f"{v.withdrawn_on.isoformat()}. {what} Data fra før er ikke slettet: brug «brugerblik respondent "
                  f"slet {v.respondent_id} --grund …» for at slette dem.")
        return 0
    if act == "slet":
        print(privacy.delete_respondent(engine, args.id, reason=args.grund, who=who, principal=p,
                                        mask=_reason_mask(engine)).summary())
        return 0
    if act == "opbevaring":
        if args.fjern or args.slutdato:
            end = None if args.fjern else _date_arg(args.slutdato, "--slutdato")
            privacy.set_end_date(engine, end, who=who, principal=p)
            print(f"Undersøgelsens slutdato er sat til {end.isoformat()}: derefter mindes administratorer om at "
                  "slette rådata." if end else "Undersøgelsens slutdato er fjernet.")
            return 0
        with Session(engine) as s:
            end = privacy.end_date(s)
        print(f"Undersøgelsens slutdato: {end.isoformat() if end else 'ikke sat'}."
              + ("" if end is None else " (Efter den mindes administratorer om at slette rådata, så længe der er "
                                        "nogen: se brugerblik respondent slet-raadata.)"))
        return 0
    if act == "slet-raadata":
        from coding.anonymise import export_masker  # spaCy: only the commands that mask load it

        r = privacy.delete_raw_data(engine, _guide(args), confirm=args.bekraeft, journal=args.med_journaludtraek,
                                    masker=export_masker(engine) if args.bekraeft else None, who=who, principal=p)
        print(r.summary())
        return 0
    # oversigt
    with Session(engine) as s:
        end = privacy.end_date(s)
    rows = privacy.list_withdrawals(engine)
    print(f"Undersøgelsens slutdato: {end.isoformat() if end else 'ikke sat'}.")
    print(f"Tilbagetrukne samtykker: {len(rows)}")
    for v in rows:
        print(f"  {v.respondent_id}\t{v.purpose_label}\t{v.withdrawn_on.isoformat()}\t{v.recorded_by or ''}\t{v.reason}")
    stones = privacy.list_deletions(engine)
    print(f"Sletninger (gravsten, uden indhold): {len(stones)}")
    for t in stones:
        kinds = ", ".join(f"{n} {privacy.KIND_LABELS.get(k, k)}" for k, n in sorted(t.counts.items()))
        print(f"  {t.interview_id}\t{t.informant}\t{t.at:%Y-%m-%d %H:%M} UTC\t{t.who or ''}\t{t.reason}\t{kinds}")
    return 0


def _retention_reminder(args, principal) -> None:
    """Issue 12: after the study's end date an administrator is reminded on every command (standard
    error) to delete the raw data. Reads the store as it is (no migration); never fails a command."""
    from survey import auth  # only the commands that use it load it (start-up time)

    if principal is None or not (principal is auth.OPEN or auth.allowed(principal.role, "retention")):
        return
    try:
        engine = _auth_engine(args)
    except Exception:  # noqa: BLE001 — an unreachable store: the command itself says so
        return
    if engine is None:
        return
    try:
        from survey import privacy  # only the commands that use it load it (start-up time)

        text = privacy.retention_reminder(engine, user_guide=None if not getattr(args, "guide", None)
                                          else _guide(args))
    except Exception:  # noqa: BLE001 — a reminder never stops a command
        text = None
    finally:
        engine.dispose()
    if text:
        print(text, file=sys.stderr)


def cmd_tag(args) -> int:
    from coding import nlp  # spaCy: only when tagging (start-up time)

    return nlp.cli_tag(args)


def _cli_anonymiser(args):
    """With the study's names when a store is reachable — the sites, interviewers, the always-mask
    list and the names in every field the guides mark ``ja`` (`coding.deidentify.study_anonymiser`,
    the de-identified exports' rule; the user guide from --guide or BRUGERBLIK_GUIDE); the built-in
    lists otherwise.

    Without --db and BRUGERBLIK_DB, the default database file is used only if it exists (an
    anonymise run does not create an empty database).
    """
    from coding.anonymise import Anonymiser, default_anonymiser  # spaCy's tables: only this command loads them
    from coding.deidentify import study_anonymiser  # only the commands that use it load it (start-up time)

    url = getattr(args, "db", None) or os.environ.get("BRUGERBLIK_DB")
    try:
        if url is None:
            # only the commands that use it load it (start-up time)
            from survey.db import default_store_exists, default_url

            if not default_store_exists():
                return default_anonymiser()
            url = default_url()
        from survey.db import get_engine  # only the commands that use it load it (start-up time)
        from survey.guide import GuideError, load_guide  # only the commands that use it load it (start-up time)
        from survey.sources import SourceError  # only the commands that use it load it (start-up time)

        engine = get_engine(url)
        try:
            return study_anonymiser(engine, load_guide(getattr(args, "guide", None)))
        except (GuideError, SourceError) as e:  # a guide that cannot be read: the study's other names still
            print(f"Advarsel: spørgeguiderne kunne ikke læses ({type(e).__name__}); navne i felter markeret «ja» "
                  "maskeres kun, hvis de er interviewere eller står på maskeringslisten.", file=sys.stderr)
            return Anonymiser.from_store(engine)
    except Exception as e:  # noqa: BLE001 — an unreachable store must not stop the masking
        print(f"Advarsel: databasen kunne ikke læses ({type(e).__name__}); maskerer kun med de "
              "indbyggede lister (ikke stedernes, interviewernes eller maskeringslistens navne).",
              file=sys.stderr)
        return default_anonymiser()


def _split_eol(line: str) -> tuple[str, str]:
    if line.endswith("\r\n"):
        return line[:-2], "\r\n"
    if line.endswith("\n") or line.endswith("\r"):
        return line[:-1], line[-1]
    return line, ""


#: the longest piece of a line the anonymiser is given at once (characters): a longer line is masked in
#: pieces cut at a space, so memory stays bounded (a tester's one-line 216 MB file took 3.6 GB)
MAX_ANONYMISE_PIECE = 1_000_000


def _bounded_lines(f, limit: int | None = None):
    """The lines of `f`, a line longer than `limit` (`MAX_ANONYMISE_PIECE`) as pieces of at most about
    `limit` characters, each but the last ending after a sentence («. », «! », «? ») in its second half,
    else after a space or tab (a name is never cut in two; text without any space is cut at `limit`)."""
    limit = limit or MAX_ANONYMISE_PIECE
    carry = ""
    while True:
        chunk = f.readline(limit)
        if not chunk:
            if carry:
                yield carry
            return
        chunk, carry = carry + chunk, ""
        if chunk.endswith(("\n", "\r")) or len(chunk) < limit:
            yield chunk
            continue
        cut = max(chunk.rfind(end, limit // 2, limit) for end in (". ", "! ", "? ")) + 2
        if cut < 2:
            cut = max(chunk.rfind(" ", 0, limit), chunk.rfind("\t", 0, limit)) + 1
        cut = cut if cut > 0 else limit
        yield chunk[:cut]
        carry = chunk[cut:]


def cmd_anonymise(args) -> int:
    """`brugerblik anonymise [FILE|-]`: the masked text, one line out per line in (UTF-8)."""
    path = getattr(args, "file", None) or "-"
    if path != "-":
        p = Path(path)
        if not p.exists():
            print(f"Filen findes ikke: {path}", file=sys.stderr)
            return 1
        if not p.is_file():
            print(f"Ikke en fil: {path}", file=sys.stderr)
            return 1
    anon = _cli_anonymiser(args)
    out = sys.stdout
    try:
        if hasattr(out, "reconfigure") and (getattr(out, "encoding", "") or "").lower().replace("-", "") != "utf8":
            out.reconfigure(encoding="utf-8")
    except (ValueError, OSError, AttributeError):
        pass
    try:
        if path == "-":
            src = sys.stdin
            try:
                if hasattr(src, "reconfigure") and (getattr(src, "encoding", "") or "").lower().replace(
                        "-", "") != "utf8":
                    src.reconfigure(encoding="utf-8")
            except (ValueError, OSError, AttributeError):
                pass
            for line in _bounded_lines(src):
                body, eol = _split_eol(line)
                out.write(anon.mask(body) + eol)
        else:
            with open(path, encoding="utf-8-sig", newline="") as f:
                for line in _bounded_lines(f):
                    body, eol = _split_eol(line)
                    out.write(anon.mask(body) + eol)
    except UnicodeDecodeError:
        print(f"Teksten er ikke UTF-8: {path if path != '-' else 'standard input'}", file=sys.stderr)
        return 1
    out.flush()
    return 0


def _new_password(username: str) -> str:
    """The new password: BRUGERBLIK_NEW_PASSWORD, or asked for twice at the terminal."""
    from survey import auth  # only the commands that use it load it (start-up time)
    from survey.store import StoreError  # only the commands that use it load it (start-up time)

    pw = os.environ.get("BRUGERBLIK_NEW_PASSWORD")
    if pw is not None:
        return auth.check_password(pw, username)
    first = auth.check_password(_ask_password(f"Ny adgangskode for {username}: "), username)
    if _ask_password("Gentag adgangskoden: ") != first:
        raise StoreError("Adgangskoderne er ikke ens; intet er ændret.")
    return first


def _when(t) -> str:
    return t.strftime("%Y-%m-%d %H:%M") + " UTC" if t is not None else "aldrig"


def cmd_user(args) -> int:
    from survey import auth  # only the commands that use it load it (start-up time)
    from survey.db import get_engine, session_scope  # only the commands that use it load it (start-up time)
    from survey.store import StoreError  # only the commands that use it load it (start-up time)

    act = args.user_action
    who = args.principal.username  # None on an open store (single-user mode)
    engine = get_engine(getattr(args, "db", None))
    if act == "demo-admin":
        with session_scope(engine) as s:
            name = auth.ensure_demo_admin(s)
        if name is None:
            print("Databasen har allerede brugere; ingen demo-administrator oprettet.")
        else:
            print(_demo_admin_text())
        return 0
    if act == "list":
        with session_scope(engine) as s:
            users = auth.list_users(s)
            rows = [(u.username, u.full_name or "", auth.ROLES.get(u.role, u.role), "ja" if u.active else "nej",
                     _when(u.last_login)) for u in users]
        if not rows:
            print("Ingen brugere (databasen er åben: enkeltbrugertilstand uden login).")
            return 0
        head = ("brugernavn", "navn", "rolle", "aktiv", "sidste login")
        widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
        for r in [head, *rows]:
            print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())
        return 0
    name = auth.check_username(args.name)
    if act == "add":
        role = auth.check_role(args.rolle)
        with session_scope(engine) as s:
            first = auth.is_open(s)
            if first and role != "admin":
                raise StoreError("Den første bruger skal være administrator (--rolle admin): ellers kunne "
                                 "databasen få brugere, men ingen til at administrere dem. Intet er oprettet.")
            if auth.get_user(s, name) is not None:
                raise StoreError(f"Brugeren «{name}» findes allerede.")
        password = _new_password(name)
        with session_scope(engine) as s:
            if auth.is_open(s) and role != "admin":  # another process took the first place meanwhile
                raise StoreError("Den første bruger skal være administrator (--rolle admin). Intet er oprettet.")
            # made by an administrator for someone else: they choose their own password at the first login
            auth.add_user(s, name, role, password, full_name=args.navn or "", who=who,
                          must_change_password=not first and name != who)
        print(f"Oprettede brugeren {name} ({auth.ROLES[role]}).")
        if not first and name != who:
            print("Brugeren vælger sin egen adgangskode ved første login i appen.")
        if first:
            print("Databasen kræver nu login: brug --bruger NAVN (eller BRUGERBLIK_USER) og adgangskoden "
                  "(spørges om, eller BRUGERBLIK_PASSWORD).")
        return 0
    if act == "passwd":
        with session_scope(engine) as s:
            auth.existing_user(s, name)
        password = _new_password(name)
        reset = bool(who) and name != who  # an administrator's reset: the user chooses a new one at login
        if reset:
            with session_scope(engine) as s:
                auth.set_password(s, name, password, who=who, must_change=True)
        else:  # the user's own: never the current one again (a reset's temporary password is not kept)
            auth.change_own_password(engine, name, password, check_current=False)
        print(f"Adgangskoden for {name} er {'nulstillet' if reset else 'skiftet'}."
              + (" Brugeren vælger en ny ved næste login i appen." if reset else ""))
        return 0
    if act in ("disable", "enable"):
        with session_scope(engine) as s:
            auth.set_active(s, name, act == "enable", who=who)
        print(f"Brugeren {name} er {'aktiveret' if act == 'enable' else 'deaktiveret'}.")
    elif act == "role":
        role = auth.check_role(args.rolle)
        with session_scope(engine) as s:
            auth.set_role(s, name, role, who=who)
        print(f"Brugeren {name} har nu rollen {auth.ROLES[role]}.")
    return 0


# ----------------------------------------------------------------------------- roles

#: Any logged-in user (every role) may run the command; an open store allows it too.
LOGIN = "login"
#: Needs no login: the command acts only on a store without users (an open store) and does
#: nothing on a store with users (`BOOTSTRAP_SKIPPED` says so). Used by `make run`.
BOOTSTRAP = "bootstrap"

#: Every (sub)command -> the `survey.auth` action it needs. The key is the command and its
#: sub-command or first choice ("export raw", "db upgrade", "user add"); "KEY --flag" overrides
#: it when that flag is given ("export raw --umaskeret"). A command with no entry is refused
#: (and tests/test_cli_roles.py fails): add one here for every new command.
COMMAND_ACTIONS: dict[str, str] = {
    "guide check": LOGIN,
    "import": "import",
    "export raw": "export.anonymised",
    "export raw --umaskeret": "export.raw",
    "export spss": "export.anonymised",
    "export spss --umaskeret": "export.raw",
    "export stata": "export.anonymised",
    "export stata --umaskeret": "export.raw",
    "export r": "export.anonymised",
    "export r --umaskeret": "export.raw",
    "export qdc": "coding",
    "export qdpx": "export.anonymised",
    "export qdpx --umaskeret": "export.raw",
    "export package": "package",
    "table": "report",
    "kvalitetskort": "report",
    "figure": "report",
    "report": "report",
    "crosstab": "report",
    "matrix": "report",
    "maetning": "report",
    "kodeenighed": "coding",
    "spoergsmaal": "coding",
    "ordfrekvens": "report",
    "samforekomst": "report",
    "analyse gem": "analysis.save",
    "analyse slet": "analysis.save",
    "analyse liste": "report",
    "tag": "tag",
    "anonymise": "anonymise",
    "demo": "db",
    "demo --if-empty": BOOTSTRAP,
    "merge": "db",
    "backup": "db",
    "db upgrade": "db",
    "db current": "db",
    "db revision": "db",
    "user add": "users",
    "user list": "users",
    "user disable": "users",
    "user enable": "users",
    "user passwd": "users",
    "user role": "users",
    "user demo-admin": BOOTSTRAP,
    "respondent tilbagetraek": "respondent.withdraw",
    "respondent slet": "respondent.delete",
    "respondent oversigt": "respondent.withdraw",
    "respondent opbevaring": "retention",
    "respondent slet-raadata": "retention",
}

#: What a BOOTSTRAP command says when the store already has users (it then does nothing).
BOOTSTRAP_SKIPPED: dict[str, str] = {
    "demo --if-empty": "Databasen har brugere; demoundersøgelsen er ikke indlæst (log ind som administrator "
                       "og kør brugerblik demo for at indlæse den alligevel).",
    "user demo-admin": "Databasen har allerede brugere; ingen demo-administrator oprettet.",
}

#: Commands that work without the store (built-in lists, the seed codebook, the guide file): when
#: the store cannot be opened they run without a login, reading nothing from it.
STORE_OPTIONAL = frozenset({"guide check", "anonymise", "tag"})


def _demo_admin_text() -> str:
    from survey import auth  # only the commands that use it load it (start-up time)

    return (f"Demo-administrator oprettet. Log ind med brugernavnet «{auth.DEMO_ADMIN}» og adgangskoden "
            f"«{auth.DEMO_PASSWORD}», og skift adgangskoden ved første login.\n"
            f"På kommandolinjen: --bruger {auth.DEMO_ADMIN} (eller BRUGERBLIK_USER={auth.DEMO_ADMIN}); "
            "adgangskoden spørges der om (eller BRUGERBLIK_PASSWORD).")


def _subparsers_of(parser: argparse.ArgumentParser) -> tuple[Optional[str], dict[str, argparse.ArgumentParser]]:
    for a in parser._actions:
        if isinstance(a, argparse._SubParsersAction):
            return a.dest, dict(a.choices)
    return None, {}


def _first_choice(parser: argparse.ArgumentParser) -> Optional[argparse.Action]:
    for a in parser._actions:
        if not a.option_strings and a.choices and not isinstance(a, argparse._SubParsersAction):
            return a
    return None


def command_keys(parser: Optional[argparse.ArgumentParser] = None) -> list[str]:
    """Every command key the parser accepts ("table", "export raw", "user add" …), flags not included."""
    _, top = _subparsers_of(parser or build_parser())
    keys: list[str] = []
    for name, sp in top.items():
        _, nested = _subparsers_of(sp)
        choice = _first_choice(sp)
        if nested:
            keys += [f"{name} {n}" for n in nested]
        elif choice is not None:
            keys += [f"{name} {c}" for c in choice.choices]
        else:
            keys.append(name)
    return keys


def command_key(parser: argparse.ArgumentParser, args: argparse.Namespace) -> str:
    """The key of the parsed command in `COMMAND_ACTIONS`, with a flag when the table names one."""
    dest, top = _subparsers_of(parser)
    name = getattr(args, dest)
    sp = top[name]
    nested_dest, nested = _subparsers_of(sp)
    choice = _first_choice(sp)
    if nested:
        key = f"{name} {getattr(args, nested_dest)}"
        sp = nested[getattr(args, nested_dest)]
    elif choice is not None:
        key = f"{name} {getattr(args, choice.dest)}"
    else:
        key = name
    for a in sp._actions:
        for opt in a.option_strings:
            if opt.startswith("--") and f"{key} {opt}" in COMMAND_ACTIONS and getattr(args, a.dest, None) is True:
                return f"{key} {opt}"
    return key


def _ask_password(prompt: str) -> str:
    """Asked at the terminal, not echoed. No terminal to ask at: a refusal, never a hang (and never
    getpass's fallback of reading standard input with the echo on)."""
    from survey.auth import AuthError  # only the commands that use it load it (start-up time)

    if os.name == "posix":
        try:
            os.close(os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY))
        except OSError:
            raise AuthError("Ingen adgangskode: sæt BRUGERBLIK_PASSWORD (der er ingen terminal at spørge i).") from None
    try:
        return getpass.getpass(prompt)
    except (EOFError, KeyboardInterrupt, OSError):
        raise AuthError("Ingen adgangskode: sæt BRUGERBLIK_PASSWORD, eller kør kommandoen i en terminal.") from None


PACKAGE_PASSPHRASE_ENV = "BRUGERBLIK_PAKKEKODE"


def _package_passphrase(*, confirm: bool) -> str:
    """A field package's passphrase: BRUGERBLIK_PAKKEKODE, or asked at the terminal (twice when a
    package is written). Never an argument (argv is visible in ps and shell history)."""
    from survey.sync import SyncError, check_passphrase  # only the commands that use it load it (start-up time)

    given = os.environ.get(PACKAGE_PASSPHRASE_ENV)
    if given is not None:
        return check_passphrase(given)
    if os.name == "posix":
        try:
            os.close(os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY))
        except OSError:
            raise SyncError(f"Ingen pakkekode: sæt {PACKAGE_PASSPHRASE_ENV} (der er ingen terminal at spørge i).") \
                from None
    try:
        first = check_passphrase(getpass.getpass("Pakkekode (mindst 12 tegn): "))
        if confirm and getpass.getpass("Gentag pakkekoden: ") != first:
            raise SyncError("De to pakkekoder er ikke ens; intet er skrevet.")
    except (EOFError, KeyboardInterrupt, OSError):
        raise SyncError(f"Ingen pakkekode: sæt {PACKAGE_PASSPHRASE_ENV}, eller kør kommandoen i en terminal.") \
            from None
    return first


def _auth_engine(args):
    """An engine on the store as it is (no migration: a refused command changes nothing), or None
    when there is no store yet (nothing to protect; the command may create an empty one)."""
    from survey import db  # only the commands that use it load it (start-up time)

    url = getattr(args, "db", None) or os.environ.get("BRUGERBLIK_DB")
    if url is None:
        if not db.default_store_exists():
            return None
        url = db.default_url()
    if db.is_sqlite(url):
        try:
            if not db.sqlite_path(url).exists():
                return None
        except ValueError:  # an in-memory store: new, so without users
            return None
    return db.make_engine(url, migrate=False)


def resolve_principal(args, action: str, key: str | None = None):
    """Who runs the command: `OPEN` on a store without users, else a checked login.

    Returns None for a BOOTSTRAP command on a store with users (it is skipped). Raises AuthError.
    """
    from sqlalchemy import inspect
    from sqlmodel import Session

    from survey import auth  # only the commands that use it load it (start-up time)
    from survey.db import best_effort_write  # the same (loaded with survey.auth)

    engine = _auth_engine(args)
    if engine is None:
        return auth.OPEN
    try:
        with Session(engine) as s:
            if not inspect(s.connection()).has_table(auth.User.__tablename__) or auth.is_open(s):
                return auth.OPEN
            if action == BOOTSTRAP:
                return None
            username = getattr(args, "bruger", None) or os.environ.get("BRUGERBLIK_USER")
            if not username:
                return auth.current_principal(s, None, None)  # raises: "Log ind: angiv --bruger …"
            password = os.environ.get("BRUGERBLIK_PASSWORD")
            if password is None:
                password = _ask_password(f"Adgangskode for {str(username)[:40]}: ")
            principal = auth.authenticate(s, username, password)
            if not best_effort_write(s.commit):  # last login; a store that cannot be written: not recorded
                s.rollback()
            if auth.get_user(s, principal.username).must_change_password and not _own_password(key, args, principal):
                raise auth.AuthError(
                    f"Adgangskoden for {principal.username} er ny (sat af en administrator) og skal skiftes, før den kan "
                    "bruges. "
                    f"Skift den i appen (log ind), eller her: BRUGERBLIK_USER={principal.username} brugerblik user "
                    f"passwd {principal.username} (den nye adgangskode spørges der om, eller læses fra "
                    "BRUGERBLIK_NEW_PASSWORD). Intet er gjort.")
            return principal
    finally:
        engine.dispose()


def _own_password(key: str | None, args: argparse.Namespace, principal) -> bool:
    """`user passwd NAVN` for the signed-in user themself: every user may change their own password
    (also one that must be changed — that is how it is changed on the command line)."""
    return key == "user passwd" and principal.username is not None and getattr(args, "name", None) == principal.username


def check_command(parser: argparse.ArgumentParser, args: argparse.Namespace):
    """The principal allowed to run the parsed command (None: a BOOTSTRAP command to skip).

    Raises AuthError (exit 3) when the login or the role is refused, or the command has no entry.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from survey import auth  # only the commands that use it load it (start-up time)

    key = command_key(parser, args)
    action = COMMAND_ACTIONS.get(key)
    if action is None:
        raise auth.AuthError(f"Kommandoen «{key}» har ingen rolle i COMMAND_ACTIONS (brugerblik/cli.py) "
                             "og er derfor afvist.")
    try:
        principal = resolve_principal(args, action, key)
    except SQLAlchemyError:
        if key not in STORE_OPTIONAL:
            raise
        return auth.OPEN  # it reads nothing from the unreachable store (see STORE_OPTIONAL)
    if principal is None or action in (LOGIN, BOOTSTRAP) or _own_password(key, args, principal):
        return principal
    auth.require(principal, action)
    return principal


def _configure_logging() -> None:
    """BRUGERBLIK_LOG=DEBUG|INFO|WARNING: log lines on standard error (names, codes and exception
    types — never respondent text, CPR numbers or passwords; see tests/test_logs.py)."""
    level = os.environ.get("BRUGERBLIK_LOG")
    if level:
        import logging

        logging.basicConfig(level=getattr(logging, level.strip().upper(), logging.INFO), stream=sys.stderr,
                            format="%(levelname)s %(name)s: %(message)s")


def _group_site(p: argparse.ArgumentParser) -> None:
    """--group and --site-type: one user group, one kind of site."""
    p.add_argument("--group", help="kun én brugergruppe (kode, fx unge_misbrugere)")
    p.add_argument("--site-type", dest="site_type", choices=["boform", "vaerested"], help="kun boformer eller kun væresteder")


def _format_md(p: argparse.ArgumentParser) -> None:
    """--format md (the default) or csv."""
    p.add_argument("--format", choices=["csv", "md"], default="md", help="md: Markdown-tabel (standard); csv: tallene som CSV")


def _med_kladder(p: argparse.ArgumentParser) -> None:
    """--med-kladder (issue 14): the reports and exports count completed interviews unless it is given."""
    p.add_argument("--med-kladder", dest="med_kladder", action="store_true",
                   help="tæl også kladder (ikke afsluttede interview) med; tabeller, figurer og projektmappen "
                        "mærkes «MED KLADDER», rådatafiler i kommandoens udskrift")


def _cuts(p: argparse.ArgumentParser, grouping: bool = True) -> None:
    """The report's other cuts (issue 14): filters on arbejdsmarkedsperspektiv, site and interviewer,
    and (`grouping`) the grouping of a table by group."""
    p.add_argument("--perspektiv", choices=["reelt", "ikke_reelt"], help="kun brugere med (ikke) reelt "
                   "arbejdsmarkedsperspektiv")
    p.add_argument("--sted", help="kun ét sted (stedets navn)")
    p.add_argument("--interviewer", help="kun én interviewers interview (interviewerkoden)")
    if grouping:
        p.add_argument("--efter", choices=["brugergruppe", "perspektiv", "sted", "interviewer"],
                       help="gruppér rækkerne efter brugergruppe (standard), arbejdsmarkedsperspektiv, sted "
                            "eller interviewer; kvalitetskortet: ét kort pr. gruppe")


def _population_options(p: argparse.ArgumentParser) -> None:
    """The options of a command that counts the report's population (matrix, mætning,
    samforekomst, ordfrekvens): the output format, one user group, one site type, the cuts and
    ``--med-kladder``."""
    _format_md(p)
    _group_site(p)
    _cuts(p, grouping=False)
    _med_kladder(p)


def _population_of(args):
    """The command's population of the loaded data (`args.report_data`), filtered by its options."""
    from report.population import population  # only the report commands load it (start-up time)

    return population(args.report_data.wide, args.group or None, args.site_type or None, _cuts_of(args))


def _reason_mask(engine):
    """The study's anonymiser for a withdrawal's or deletion's reason (`survey.privacy.check_reason`)."""
    from coding.deidentify import study_anonymiser  # only the privacy commands need it (start-up time)

    return study_anonymiser(engine).mask


def _cuts_of(args):
    """The `report.population.Cuts` of the command's options (TableError for a wrong value)."""
    from report.population import Cuts  # only the report commands load it (start-up time)

    return Cuts(perspektiv=args.perspektiv, site=args.sted, interviewer=args.interviewer,
                by=getattr(args, "efter", None))


#: `table --help`: every id of `report.registry.TABLES` (a test holds them equal; the registry loads
#: pandas, so the help does not ask it)
TABLE_IDS_HELP = (
    "brugernes tabeller: 3.1, 3.2, oversigt, fig3.1, 4.1, 4.2, 4.4, fig4 (med --probe), fig7.1–fig7.4, 7.2, "
    "tilfredshed, lyttet, enige, kvalitetskort; de andre kilder (kapitel 5–7, Bilag C): bilag_c, "
    "oversigt_interview, planer, enighed, enighed_alle, enighed_kontaktperson, lab_personer, sb_begrundelse, "
    "sb_sigte_afklaring, sb_rigtige_tilbud, sb_hvem_bestemte, sb_kendskab_tilbud, sb_fokus, kp_deltagelse, "
    "kp_rigtige_tilbud, leder_sigte, leder_deltagelse, leder_matchning, leder_kommunen, journal_lovgrundlag, "
    "journal_ordning, journal_opfoelgning, journal_uroert, journal_deltagere, leder_kp_deltagelse, "
    "leder_kp_samarbejde; en gemt analyse: mine:NAVN (se brugerblik analyse liste)")


def build_parser() -> argparse.ArgumentParser:
    dansk.install()  # argparse's usage line, headings and refusals in Danish
    p = argparse.ArgumentParser(
        prog="brugerblik", description="Brugerblik: kvalitative brugerundersøgelser.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Login og roller: en database uden brugere er åben (enkeltbrugertilstand: intet login, alt er "
               "tilladt).\nNår der findes en bruger, kræver hver kommando login: --bruger NAVN (eller "
               "BRUGERBLIK_USER);\nadgangskoden spørges der om (eller BRUGERBLIK_PASSWORD) — aldrig som "
               "argument.\nDen første bruger skal være administrator: brugerblik user add NAVN --rolle admin.\n\n"
               "Afslutningskoder: 0 ok, 1 afvist input eller fejl (meddelelsen siger hvorfor), "
               "2 forkert brug,\n3 login eller rolle afvist (intet er gjort).")
    p.add_argument("--db", help="SQLAlchemy-URL (ellers BRUGERBLIK_DB eller standardfilen)")
    p.add_argument("--bruger", metavar="NAVN",
                   help="log ind som NAVN (ellers BRUGERBLIK_USER); adgangskoden spørges der om eller læses fra "
                        "BRUGERBLIK_PASSWORD. Unødvendigt på en database uden brugere.")
    p.add_argument("--guide", help="spørgeguide (.xlsx, XLSForm); standard: den medfølgende Bilag B-guide")
    sub = p.add_subparsers(dest="command", required=True, metavar="KOMMANDO")

    g = sub.add_parser("guide", help="tjek spørgeguiden")
    g.add_argument("action", choices=["check"])
    g.set_defaults(func=cmd_guide_check)

    i = sub.add_parser("import", help="importér bredt format (CSV/XLSX) eller en REFI-QDA-kodebog (FIL.qdc), alt "
                                      "eller intet")
    i.add_argument("file")
    i.add_argument("--replace", action="store_true", help="erstat respondenter, der allerede findes")
    i.add_argument("--kilde", choices=["sagsbehandler", "kontaktperson", "leder", "journal"],
                   help="importér andre kilder end brugernes interview: én række pr. interview/journaludtræk "
                        "(kolonnerne source_id og den pågældende guides koder); journaludtræk kun for "
                        "respondenter med tilladelse til journalindsigt")
    i.add_argument("--lang", choices=["da", "en"], default="da", help="sprog for fejlmeddelelser")
    i.add_argument("--who", default=None, help="hvem importerer (til revisionssporet; kun uden login — "
                                                "ellers den indloggede bruger)")
    i.add_argument("--encoding", metavar="TEGNSÆT", default=None,
                   help="CSV-filens tegnsæt, fx cp1252 eller utf-8 (ellers: UTF-8, hvis filen har UTF-8-tegn — "
                        "ugyldige bytes afvises med række, kolonne og byte; Windows-1252 med en advarsel, hvis den "
                        "ingen har)")
    i.set_defaults(func=cmd_import)

    e = sub.add_parser("export", help="eksportér data")
    e.add_argument("kind", choices=["raw", "spss", "stata", "r", "qdpx", "qdc", "package"])
    e.add_argument("file", help="raw: FIL.csv eller FIL.xlsx; spss: FIL.sav; stata: FIL.dta; r: FIL.csv (og "
                                "FIL.R, der indlæser den med etiketter); qdpx: FIL.qdpx; qdc: kodebogen som FIL.qdc; "
                                "package: feltpakke (FIL.zip) til brugerblik merge")
    e.add_argument("--umaskeret", action="store_true",
                   help="fritekst uden anonymisering (kun inden for forskergruppen)")
    e.add_argument("--kilde", choices=["sagsbehandler", "kontaktperson", "leder", "journal"],
                   help="med raw: eksportér en anden kilde end brugernes interview (samme format som import --kilde)")
    _med_kladder(e)
    e.set_defaults(func=cmd_export)

    mx = sub.add_parser("matrix", help="matrixkodning: temakoder (en kode eller en kodegruppe) × en egenskab ved "
                                       "respondenterne (fx brugergruppe, site_type, arketype)")
    mx.add_argument("kode", help="kodens nøgle eller navn; har den underkoder, bliver de rækkerne")
    mx.add_argument("attribut", help="en kodet variabel fra spørgeguiden (som i brugerblik crosstab)")
    _population_options(mx)
    mx.set_defaults(func=cmd_matrix)

    sm = sub.add_parser("maetning", help="mætning: nye koder pr. interview i interviewrækkefølge (Guest, Namey & "
                                         "Chen 2020: basis, forløb, tærskel for ny information)")
    sm.add_argument("--basis", type=dansk.heltal, default=4, help="basisstørrelse: de første N kodede interview (standard 4)")
    sm.add_argument("--forloeb", type=dansk.heltal, default=2, help="forløbets længde i interview (standard 2)")
    sm.add_argument("--taerskel", type=dansk.tal, default=5.0,
                    help="tærskel for ny information i procent af basis' koder (standard 5)")
    sm.add_argument("--figur", help="skriv også kurven til FIL (.png, .svg eller .html)")
    _population_options(sm)
    sm.set_defaults(func=cmd_maetning)

    co = sub.add_parser("samforekomst", help="samforekomst: koder, der forekommer i samme segment (eller hos samme "
                                             "respondent), som tabel og netværk")
    co.add_argument("--niveau", choices=["segment", "respondent"], default="segment",
                    help="samme segment eller citat (standard) eller samme respondent")
    co.add_argument("--mindst", type=dansk.heltal, default=1, help="vis kun par, der forekommer mindst N gange (standard 1)")
    co.add_argument("--figur", help="skriv også netværket til FIL (.png, .svg eller .html)")
    _population_options(co)
    co.set_defaults(func=cmd_samforekomst)

    of = sub.add_parser("ordfrekvens", help="ordfrekvens: respondenternes hyppigste ord (danske lemmaer uden stopord), "
                                            "i alt, efter en egenskab eller inden for en kode")
    of.add_argument("--efter", dest="efter_attribut", help="én rangordning pr. værdi af en kodet variabel (fx "
                                                           "brugergruppe, site_type)")
    of.add_argument("--kode", help="kun segmenter og citater med denne kode (nøgle eller navn) eller en kode under den")
    of.add_argument("--top", type=dansk.heltal, default=20, help="så mange ord pr. rangordning (standard 20)")
    of.add_argument("--figur", help="skriv også søjlediagrammet (i alt) til FIL (.png, .svg eller .html)")
    _population_options(of)
    of.set_defaults(func=cmd_ordfrekvens)

    sq = sub.add_parser("spoergsmaal", help="spørgeguidens spørgsmål i transskriptionerne; med --kod: giv alle "
                                            "svar efter et spørgsmål en kode (strukturel autokodning)")
    sq.add_argument("spoergsmaal", nargs="?", help="spørgsmålets kode i guiden (fx rytme); kun med --kod")
    sq.add_argument("--kod", help="kodens nøgle eller navn: alle brugerens afsnit under spørgsmålet får den")
    sq.add_argument("--interviewer", action="store_true", help="også interviewerens egne ture")
    sq.add_argument("--who", default=None, help="hvem koder (til kodningen; kun uden login — med login er det den "
                                                "indloggede bruger)")
    sq.set_defaults(func=cmd_spoergsmaal)

    ke = sub.add_parser("kodeenighed", help="enighed mellem alle kodere pr. variabel og temakode: Gwets AC1, Fleiss' kappa og "
                                            "Krippendorffs alfa med 95 %%-konfidensintervaller")
    ke.add_argument("--kodere", help="kun disse kodere, adskilt af komma (standard: alle)")
    _format_md(ke)
    ke.set_defaults(func=cmd_kodeenighed)

    t = sub.add_parser("table", help="en af rapportens tabeller")
    t.add_argument("id", help=TABLE_IDS_HELP)
    _format_md(t)
    _group_site(t)
    t.add_argument("--probe", help="probe til fig4 (fx rytme)")
    _publish_args(t, "rækker med n under --min-n skjules, og den næste række i samme total")
    _cuts(t)
    _med_kladder(t)
    t.set_defaults(func=cmd_table)

    k = sub.add_parser("kvalitetskort", help="kvalitetskortets tal")
    k.add_argument("--format", choices=["csv", "md"], default="csv", help="csv: tallene som CSV (standard); md: Markdown-tabel")
    _group_site(k)
    k.add_argument("--out", help="FIL.png, FIL.svg eller FIL.html: skriv kortet som billede")
    k.add_argument("--intervals", action="store_true", help="vis 95 %% Wilson-intervaller")
    _publish_args(k, "punkter med n under --min-n udelades, og den næste gruppes punkt for samme probe")
    _method_args(k)
    _cuts(k)
    _med_kladder(k)
    k.set_defaults(func=cmd_kvalitetskort)

    f = sub.add_parser("figure", help="en af rapportens figurer som billede")
    f.add_argument("id", help="kvalitetskort, kvalitetskort_grupper, fig3.1, fig4 (med --probe), fig4.1–fig4.3, "
                              "fig7.1–fig7.4, 7.2, tilfredshed, lyttet, enige")
    f.add_argument("--out", required=True, help="FIL.png, FIL.svg eller FIL.html")
    _group_site(f)
    f.add_argument("--probe", help="probe til fig4 (fx rytme)")
    f.add_argument("--intervals", action="store_true", help="vis 95 %% Wilson-intervaller (kvalitetskortet)")
    _publish_args(f, "små grupper udelades")
    _method_args(f)
    _cuts(f)
    _med_kladder(f)
    f.set_defaults(func=cmd_figure)

    r = sub.add_parser("report", help="Excel-projektmappe med tabeller, figurer og kvalitetskort")
    r.add_argument("out", help="FIL.xlsx")
    _group_site(r)
    _publish_args(r, "små grupper undertrykkes")
    _method_args(r)
    _cuts(r)
    _med_kladder(r)
    r.set_defaults(func=cmd_report)

    x = sub.add_parser("crosstab", help="krydstabel af to kodede variable")
    x.add_argument("a")
    x.add_argument("b")
    _format_md(x)
    _group_site(x)
    _publish_args(x, "rækker med n under --min-n skjules, og den næste række i samme total")
    _cuts(x, grouping=False)
    _med_kladder(x)
    x.set_defaults(func=cmd_crosstab)

    an = sub.add_parser("analyse", help="gemte analyser: en krydstabel eller et kvalitetskort for en population, "
                                         "med navn (vis med «table mine:NAVN»)")
    asub = an.add_subparsers(dest="analyse_action", required=True, metavar="HANDLING")
    ag = asub.add_parser("gem", help="gem en krydstabel (--krydstabel A B) eller et kvalitetskort (standard)")
    ag.add_argument("navn", help="1–25 tegn: bogstaver, tal, mellemrum, - og _")
    ag.add_argument("--krydstabel", nargs=2, metavar=("A", "B"), help="rækker og kolonner (som brugerblik crosstab)")
    _group_site(ag)
    _cuts(ag)
    ag.add_argument("--erstat", action="store_true", help="erstat en analyse med samme navn")
    asub.add_parser("liste", help="de gemte analyser")
    asl = asub.add_parser("slet", help="slet en gemt analyse")
    asl.add_argument("navn")
    an.set_defaults(func=cmd_analyse)

    d = sub.add_parser("demo", help="indlæs den syntetiske demoundersøgelse (61 respondenter)")
    d.add_argument("--if-empty", action="store_true", help="kun hvis databasen er tom")
    d.add_argument("--replace", action="store_true", help="erstat demo-respondenter, der allerede findes")
    d.set_defaults(func=cmd_demo)
    m = sub.add_parser("merge", help="flet en feltcomputers pakke ind i denne database")
    m.add_argument("file", nargs="?", help="pakken fra brugerblik export package")
    m.add_argument("--who", default=None, help="hvem fletter/afgør (til revisionssporet; kun uden login — "
                                                "ellers den indloggede bruger)")
    m.add_argument("--conflicts", action="store_true", help="vis flettekonflikter, der venter på en person")
    m.add_argument("--alle", action="store_true", help="med --conflicts: også de afgjorte")
    m.add_argument("--resolve", type=dansk.heltal, metavar="N", help="afgør konflikt N (se --conflicts)")
    m.add_argument("--brug", choices=["central", "laptop"], help="med --resolve: hvilken udgave der gælder")
    m.add_argument("--respondent-id", dest="respondent_id", help="med --resolve --brug laptop: nyt respondent-id")
    m.add_argument("--tillad-sletning", dest="allow_deletions", action="store_true",
                   help="udfør pakkens sletninger og tilbagetrækninger af samtykke her (uden: pakken afvises og "
                        "nævner dem, for de kan ikke fortrydes)")
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

    us = sub.add_parser("user", help="brugere og roller (administrator); demo-admin til første start")
    usub = us.add_subparsers(dest="user_action", required=True, metavar="HANDLING")
    new_pw = "adgangskoden spørges der om to gange (eller BRUGERBLIK_NEW_PASSWORD)"
    ua = usub.add_parser("add", help=f"opret en bruger; {new_pw}. Den første bruger skal være admin")
    ua.add_argument("name", metavar="NAVN", help="brugernavn: små bogstaver, tal, . _ -")
    ua.add_argument("--rolle", required=True, help="interviewer, forsker (researcher), rapportskriver "
                                                   "(report_writer) eller admin")
    ua.add_argument("--navn", help="fulde navn")
    usub.add_parser("list", help="brugere med rolle, aktiv og sidste login")
    for act, text in (("disable", "deaktivér en bruger (kan ikke logge ind)"), ("enable", "aktivér en bruger igen"),
                      ("passwd", f"ny adgangskode til en bruger; {new_pw}")):
        ux = usub.add_parser(act, help=text)
        ux.add_argument("name", metavar="NAVN")
    ur = usub.add_parser("role", help="skift en brugers rolle")
    ur.add_argument("name", metavar="NAVN")
    ur.add_argument("rolle", metavar="ROLLE")
    usub.add_parser("demo-admin", help="opret demo-administratoren på en database uden brugere (ellers intet)")
    us.set_defaults(func=cmd_user)

    rp = sub.add_parser("respondent", help="tilbagetrækning af samtykke, sletning og opbevaring (GDPR)")
    rsub = rp.add_subparsers(dest="respondent_action", required=True, metavar="HANDLING")
    rt = rsub.add_parser("tilbagetraek", help="registrér, at en respondent trækker sit samtykke tilbage: intet nyt "
                                              "gemmes, og eksporterne udelader respondenten")
    rt.add_argument("id", metavar="ID", help="respondentens id (fx AMA-03)")
    rt.add_argument("--samtykke", required=True, choices=["interview", "journal"],
                    help="interview: til interviewet (og kilderne om respondenten); journal: til journalindsigt")
    rt.add_argument("--dato", metavar="ÅÅÅÅ-MM-DD", help="dagen, respondenten trak samtykket tilbage (standard: i dag)")
    rt.add_argument("--grund", required=True, metavar="TEKST", help="begrundelse (hvordan og hvorfor)")
    rs = rsub.add_parser("slet", help="slet alt om en respondent (interview, kilder, journaludtræk, citater, "
                                      "transskriptioner, kodning); revisionssporet beholder en gravsten uden indhold")
    rs.add_argument("id", metavar="ID", help="respondentens id (fx AMA-03), eller en kildes eget id for kun den")
    rs.add_argument("--grund", required=True, metavar="TEKST", help="begrundelse (fx anmodning om sletning)")
    ro = rsub.add_parser("opbevaring", help="undersøgelsens slutdato, hvorefter rådata skal slettes (vis, sæt, fjern)")
    ro_how = ro.add_mutually_exclusive_group()  # both at once: which one was meant? (argparse refuses, in Danish)
    ro_how.add_argument("--slutdato", metavar="ÅÅÅÅ-MM-DD", help="sæt slutdatoen")
    ro_how.add_argument("--fjern", action="store_true", help="fjern slutdatoen")
    rr = rsub.add_parser("slet-raadata", help="slet rådata (transskriptioner, fritekst, umaskerede citater) og behold "
                                              "de anonymiserede, samlede resultater")
    rr.add_argument("--bekraeft", action="store_true", help="slet (uden: vis kun, hvad der ville blive slettet)")
    rr.add_argument("--med-journaludtraek", dest="med_journaludtraek", action="store_true",
                    help="slet også journaludtrækkene helt, med deres kodede svar (ellers kun deres fritekst)")
    rsub.add_parser("oversigt", help="tilbagetrukne samtykker, sletninger (gravsten) og slutdatoen")
    rp.set_defaults(func=cmd_respondent)
    return p


#: The commands that read only the users' report tables (not the other sources, not a saved analysis,
#: not a figure file): on an open local SQLite store they read it without SQLAlchemy (issue 13).
PLAIN_READ = ("table", "kvalitetskort")


def _plain_store(parser: argparse.ArgumentParser, args: argparse.Namespace):
    """A `survey.plainread.ReportStore` when the command can read the store without SQLAlchemy, else
    None (the full path: the role check, the retention reminder, the engine). It is used only where
    the full path would ask nothing and print nothing more: a store without users (no login) at the
    newest schema, and no end date passed (`survey.plainread.open_report_store`).
    BRUGERBLIK_PLAIN_READ=0 turns it off."""
    if os.environ.get("BRUGERBLIK_PLAIN_READ", "").strip() == "0" or command_key(parser, args) not in PLAIN_READ:
        return None
    if getattr(args, "out", None):  # kvalitetskort --out: a figure (Plotly, kaleido), the full path
        return None
    if getattr(args, "id", None) is not None:
        from report import registry  # only the commands that use it load it (start-up time)

        tid = str(args.id).strip().lower()
        if registry.saved_id(tid) is not None or registry.is_source_table(tid):
            return None
    from survey import plainread  # only the commands that use it load it (start-up time)

    url = getattr(args, "db", None) or os.environ.get("BRUGERBLIK_DB")
    if url is None:
        url = plainread.default_url()
    return plainread.open_report_store(url)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging()
    args.plain_store = _plain_store(parser, args)
    if args.plain_store is not None:  # an open store: no login to check, no reminder due (`_plain_store`)
        from survey.plainread import PlainReadError  # loaded already by `_plain_store`

        try:
            return _run(args)
        except PlainReadError:  # the store changed under the read (a migration): the full path says what
            args.plain_store = None
    return _checked(parser, args)


def _checked(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """The command after the role check and the retention reminder (every command but `_plain_store`'s)."""
    from sqlalchemy.exc import SQLAlchemyError

    from survey.errors import AuthError  # light: not survey.auth (SQLAlchemy, the models)

    try:  # the role check, before anything is read or written
        principal = check_command(parser, args)
    except AuthError as e:
        print(str(e), file=sys.stderr)
        return 3
    except SQLAlchemyError as e:
        print(f"Databasen kunne ikke åbnes ({type(e).__name__}); tjek --db eller BRUGERBLIK_DB.", file=sys.stderr)
        return 1
    if principal is None:
        print(BOOTSTRAP_SKIPPED[command_key(parser, args)])
        return 0
    args.principal = principal
    if principal.username is not None:
        args.who = principal.username  # the audit trail records the login, not a --who given by hand
    if command_key(parser, args) != "respondent slet-raadata":  # that one says what is left itself
        _retention_reminder(args, principal)  # issue 12: administrators, after the study's end date
    return _run(args)


def _run(args: argparse.Namespace) -> int:
    """The command itself, its refusals printed as their Danish messages (exit 1)."""
    # light: not survey.db, survey.store (SQLAlchemy, pandas) nor survey.sync (pyzipper)
    from survey.errors import BackupError, SchemaError, StoreError
    from survey.guide import GuideError  # only the commands that use it load it (start-up time)

    try:
        return args.func(args)
    except BrokenPipeError:  # `brugerblik table … | head`: the reader stopped; no traceback, no more output
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (BackupError, SchemaError) as e:
        print(str(e), file=sys.stderr)
        return 1
    except GuideError as e:
        print(str(e), file=sys.stderr)
        return 1
    except StoreError as e:
        print(str(e), file=sys.stderr)
        return 1
    except ValueError as e:  # a SyncError can only come from a loaded survey.sync, which only its commands import
        sync, report_errors = sys.modules.get("survey.sync"), sys.modules.get("report.errors")
        # a TableError a command did not catch itself (a stored value outside the guide met while the
        # workbook is built): its Danish message, never a traceback (a reviewer found one)
        if not ((sync is not None and isinstance(e, sync.SyncError))
                or (report_errors is not None and isinstance(e, report_errors.TableError))):
            raise
        print(str(e), file=sys.stderr)
        return 1
    except FileNotFoundError as e:
        print(f"Filen findes ikke: {e.filename}", file=sys.stderr)
        return 1
    except Exception as e:  # a write the store refused as it cannot be written: the Danish refusal, no traceback
        db = sys.modules.get("survey.db")  # loaded by every command that writes to a store
        if db is None or not db.is_read_only(e):
            raise
        from survey.errors import ReadOnlyStoreError  # light: survey.errors (loaded above)

        print(ReadOnlyStoreError(), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
