"""Every report table in one registry: the users' tables (chapters 3, 4, 7 and the quality map) and
the tables of the other sources (Bilag C, interviews per site, plans, agreement), with their titles,
how to compute one for a population and how to render it as CSV or Markdown.

``brugerblik table ID``, the Rapport page's «Tabeller» and the workbook all look tables up here.

* `RESPONDENT_TABLES` — id -> function(df, guide=…, [probe=… | min_n=…]) on the users' wide frame
  (`report.tables`, `report.quality_map`).
* `SOURCE_TABLES` — id -> function on the source frames (`report.triangulation`); `compute`
  supplies the arguments from the wide frame and the source frames.
* `TABLES` — both: every table id. `TITLES` — the Danish title of each (Markdown heading, sheet
  title, the page's list). `CSV_COLUMNS` — where method.md fixes the CSV's columns.

To add a table: write its function (DataFrame in, DataFrame in the CSV's form out) and its Markdown
in the module it belongs to, then register it in `RESPONDENT_TABLES` or `SOURCE_TABLES` and give it a
title in `TITLES`.
"""
from __future__ import annotations

from typing import Callable, Mapping

import pandas as pd

from report import crosstab as xt
from report import quality_map, source_items, tables, triangulation
from report.errors import TableError, allowed
from report.population import (BY, NO_CUTS, SITE_TYPES, Cuts, check_by, check_group, check_site_type, keep_group,
                               population, pseudonyms, published_population, row_column)
from report.publication import (DEFAULT_MIN_N, I_ALT, INDIVIDUAL_TABLES, NOT_PUBLISHED, SUPPRESSED, blanked,
                                check_publishable, hidden,
                                hidden_rows, hidden_units, left_out_note, n_column, population_line, shown_small,
                                probe_short, published_rows, row_n, small_n_note, starred, suppress,
                                suppression_note, value_label)
from survey.guide import Guide
from survey.sources import source_status

__all__ = ["RESPONDENT_TABLES", "SOURCE_TABLES", "TABLES", "TITLES", "CSV_COLUMNS", "FORMATS", "BY_TABLES",
           "BY_WORDS", "SAVED_PREFIX", "saved_id", "csv_columns", "check_table_id", "check_grouping", "regrouped_title", "is_source_table", "compute", "render", "published_parts"]

FORMATS = tables.FORMATS

#: ``brugerblik table mine:NAVN``: a saved analysis (`report.saved`), not a table of the registry
SAVED_PREFIX = "mine:"


def saved_id(table_id: object) -> str | None:
    """The name in ``mine:NAVN`` (any case of «mine:»), else None (a table of the registry)."""
    text = str(table_id).strip()
    return text[len(SAVED_PREFIX):].strip() if text.casefold().startswith(SAVED_PREFIX) else None


#: table id -> function(df, guide=..., [probe=...]) returning the CSV-form DataFrame (the users' tables).
RESPONDENT_TABLES: dict[str, Callable[..., pd.DataFrame]] = {
    "3.1": tables.tabel_3_1,
    "3.2": tables.tabel_3_2,
    "oversigt": tables.oversigt,
    "fig3.1": tables.figur_3_1,
    "4.1": tables.tabel_4_1,
    "4.2": tables.tabel_4_2,
    "4.4": xt.typologi_4_4,
    "fig4": tables.figur_4,
    **{f"fig7.{n}": tables.figur_7_table(n) for n in tables.FIG7_CODES},
    "7.2": tables.inddragelse_tilfredshed,
    **{tid: tables.judgement_table(tid) for tid in tables.JUDGEMENTS},
    "kvalitetskort": quality_map.kvalitetskort,
}

#: table id -> function on the source frames (issue 7); `compute` supplies the arguments.
SOURCE_TABLES: dict[str, Callable[..., pd.DataFrame]] = {
    "bilag_c": triangulation.bilag_c,
    "oversigt_interview": triangulation.oversigt_interview,
    "planer": triangulation.planer,
    "enighed": triangulation.enighed_bruger_sagsbehandler,
    "enighed_alle": triangulation.enighed_bruger,
    "enighed_kontaktperson": triangulation.enighed_bruger,
    "lab_personer": triangulation.lab_personer,  # chapter 3: per person, from the case files
    # chapters 5 and 6 (issue 14): one item of one source by site type
    **{tid: source_items.by_site_type for tid in source_items.SOURCE_ITEMS},
    # chapter 5: the leaders and the contact persons side by side
    **{tid: source_items.side_by_side for tid in source_items.SIDE_BY_SIDE},
}

#: the users' tables with a row per group: their rows follow a grouping (`report.population.BY`: CLI
#: --efter, the Rapport page); the quality map with a grouping is one map per group
BY_TABLES: frozenset[str] = frozenset({"3.2", "fig3.1", "fig4", *(f"fig7.{n}" for n in tables.FIG7_CODES),
                                       *tables.JUDGEMENTS,
                                       "kvalitetskort"})

#: every table id, the users' tables first
TABLES: dict[str, Callable[..., pd.DataFrame]] = {**RESPONDENT_TABLES, **SOURCE_TABLES}

#: Danish titles (Markdown headings, workbook sheet titles, the Rapport page's list).
TITLES: dict[str, str] = {
    "3.1": "Tabel 3.1 Alder",
    "3.2": "Tabel 3.2 Brugergrupper fordelt på køn",
    "oversigt": "Oversigt over interview",
    "fig3.1": "Figur 3.1 Hvilken type aktivitet er der blevet tilbudt?",
    "4.1": "Tabel 4.1 Udbytte af tilbuddet",
    "4.2": "Tabel 4.2 Udbytte af tilbuddet, og hvor mange der mener, det er vigtigt",
    "4.4": "Brugere, der ikke er tilfredse: typen af utilfredshed efter brugergruppe (afsnit 4.4)",
    "fig4": "Figur 4 Andel ja efter brugergruppe",
    "fig7.1": "Figur 7.1 Er det de rigtige mennesker, der har været involveret i beslutning om tilbuddet?",
    "fig7.2": "Figur 7.2 Hvordan vil du beskrive samarbejdet med sagsbehandleren om aktivitets- og "
              "beskæftigelsestilbuddet?",
    "fig7.3": "Figur 7.3 Kunne samarbejdet have været bedre?",
    "fig7.4": "Figur 7.4 Var du nok med til at bestemme, hvad der skulle ske?",
    "7.2": "Brugerinvolvering og tilfredshed (afsnit 7.2)",
    "tilfredshed": "Samlet tilfredshed med tilbuddet efter brugergruppe (afsnit 4.2)",
    "lyttet": "Er der blevet lyttet til dine holdninger? efter brugergruppe (afsnit 7.1)",
    "enige": "Har du og sagsbehandleren været enige? efter brugergruppe (afsnit 7.1)",
    "kvalitetskort": "Kvalitetskort: udbytte og vigtighed",
    "bilag_c": "Bilag C: Informationskilder på individniveau",
    "oversigt_interview": "Oversigt over interview efter informanttype",
    "planer": "Handleplaner og jobplaner i journalerne (afsnit 6.3)",
    "lab_personer": "Brugere med et tilbud givet efter LAB ifølge journalerne (kapitel 3)",
    "enighed": "Enighed mellem brugerens og sagsbehandlerens fortælling (afsnit 7.4)",
    "enighed_alle": "Enighed mellem brugeren og sagsbehandleren om alle fælles emner (afsnit 7.4)",
    "enighed_kontaktperson": "Enighed mellem brugeren og kontaktpersonen om alle fælles emner (afsnit 7.4)",
    **{tid: title for tid, (_, _, title) in source_items.SOURCE_ITEMS.items()},
    **{tid: title for tid, (_, title) in source_items.SIDE_BY_SIDE.items()},
}

#: CSV columns where method.md fixes them (else: every column of the function's DataFrame).
CSV_COLUMNS: dict[str, list[str]] = {"kvalitetskort": quality_map.CSV_COLUMNS}

_EMPTY_JOURNAL = ("source_id", "respondent_id", "kilde", "handleplan", "jobplan")


def is_source_table(tid: str) -> bool:
    """True for the tables of the other sources (they need the source frames)."""
    return tid in SOURCE_TABLES


def check_table_id(value: object, *, sources_first: bool = False) -> str:
    """The registered id for `value` (trimmed, lower case); else TableError listing every id (those of
    the other sources first when `sources_first`)."""
    tid = str(value).strip().lower()
    if tid not in TABLES:
        ids = [*SOURCE_TABLES, *RESPONDENT_TABLES] if sources_first else list(TABLES)
        raise allowed("tabel", value, ids)
    return tid


def csv_columns(tid: str, by: str | None = None) -> list[str] | None:
    """The CSV's columns of table `tid` (None: every column of its DataFrame); the quality map grouped
    `by` has the grouping's column and ``respondenter`` first."""
    if tid == "kvalitetskort" and by is not None:
        return [row_column(by), *quality_map.CSV_COLUMNS_BY]
    return CSV_COLUMNS.get(tid)


def check_grouping(tid: str, by: str | None) -> str | None:
    """`by` when table `tid` can be grouped so (None: the table's own rows); else TableError naming the
    tables that can."""
    if by is None:
        return None
    check_by(by)
    if tid in source_items.SOURCE_ITEMS:  # chapters 5-6: by the user's grouping, a leader's own site
        return source_items.check_source_by(tid, by)
    if tid not in BY_TABLES:
        raise TableError(f"Tabel {tid} har ingen rækker pr. gruppe og kan ikke grupperes (--efter) — det kan: "
                         f"{', '.join(sorted([*BY_TABLES, *source_items.SOURCE_ITEMS]))}.")
    return by


def compute(tid: str, pop: pd.DataFrame, guide: Guide | None, *, probe: str | None = None,
            min_n: int = DEFAULT_MIN_N, frames: Mapping[str, pd.DataFrame | None] | None = None,
            reasons: pd.DataFrame | None = None, guide_cw: Guide | None = None,
            by: str | None = None, method: quality_map.MapMethod = quality_map.DEFAULT_METHOD) -> pd.DataFrame:
    """Table `tid` on the population `pop` (the users' wide frame, already filtered) in its CSV form.

    The users' tables take `probe` (Figur 4) and `min_n` (the quality map's ``suppressed``); the
    tables of the other sources take the source `frames` of those users (informant type -> frame;
    an ``aarsager`` entry is used as `reasons` when none is given) and, for ``enighed``, the
    case workers' guide `guide_cw`. `by` groups the rows of a table of `BY_TABLES` otherwise than by
    user group (the quality map: one map per group), and a table of `source_items` otherwise than by
    site type; the other tables ignore it. `method`: the quality map's reference and importance
    (`report.quality_map.MapMethod`; the report's by default)."""
    if tid in RESPONDENT_TABLES:
        kw: dict[str, object] = {}
        if tid == "fig4":
            kw["probe"] = probe
        if tid == "kvalitetskort":
            if by is not None:
                return quality_map.kvalitetskort_by(pop, guide, by, min_n=min_n, method=method)
            kw["min_n"] = min_n
            if not method.is_default:
                kw["method"] = method
        elif by is not None and tid in BY_TABLES:
            kw["by"] = by
        return RESPONDENT_TABLES[tid](pop, guide=guide, **kw)
    frames = dict(frames or {})
    if tid in source_items.SOURCE_ITEMS:
        return source_items.compute(tid, frames, pop, by=by)
    if tid in source_items.SIDE_BY_SIDE:
        return source_items.side_by_side(tid, frames, pop)
    if reasons is None:
        reasons = frames.get("aarsager")
    empty = pd.DataFrame(columns=list(_EMPTY_JOURNAL))
    if tid in ("bilag_c", "oversigt_interview"):
        status = source_status(pop, frames, reasons)
        return triangulation.bilag_c(status) if tid == "bilag_c" else triangulation.oversigt_interview(status, pop)
    if tid in ("planer", "lab_personer"):
        j = frames.get("journal")
        j = j if j is not None else pd.DataFrame(columns=[*_EMPTY_JOURNAL, "lovgrundlag"])
        return triangulation.planer(j, pop) if tid == "planer" else triangulation.lab_personer(j, pop)
    if tid == "enighed":
        s = frames.get("sagsbehandler")
        return triangulation.enighed_bruger_sagsbehandler(pop, s if s is not None else empty, guide, guide_cw)
    if tid in ("enighed_alle", "enighed_kontaktperson"):
        informant = triangulation.COMPARED[tid]
        s = frames.get(informant)
        other = pd.DataFrame(columns=["source_id", "respondent_id"]) if s is None else s
        return triangulation.enighed_bruger(pop, other, guide, guide_cw if informant == "sagsbehandler" else None,
                                            informant=informant, all_shared=True)
    raise allowed("tabel", tid, list(TABLES))


def render(table_id: str, df: pd.DataFrame, guide: Guide | None = None, fmt: str = "csv",
           group: str | None = None, site_type: str | None = None, probe: str | None = None, *,
           frames: Mapping[str, pd.DataFrame | None] | None = None, reasons: pd.DataFrame | None = None,
           guide_cw: Guide | None = None, cuts: Cuts | None = None,
           method: quality_map.MapMethod = quality_map.DEFAULT_METHOD, min_n: int = DEFAULT_MIN_N,
           publish: bool = False, study: dict[str, dict[object, str]] | None = None) -> str:
    """Table `table_id` for the population (`group`, `site_type`, the `cuts`' filters) of the wide
    frame `df`, as CSV or Markdown text (``brugerblik table``), grouped by `cuts.by` when given.

    The users' tables with a group keep only that group's rows and «I alt». The tables of the other
    sources take `frames` (informant type -> source frame, see `compute`): `site_type` keeps the users
    of that type, their sources and those sites' leaders; `group` the users of that group and their
    sources. Raises `TableError` (Danish message listing what is allowed) for an unknown table id,
    format, group, site type or probe. `method` reads the quality map otherwise than the report
    (crosshairs, derived importance): its columns follow method.md's (`quality_map.method_columns`).
    The quality map's points with n under `min_n` are marked * in Markdown; with `publish` they are
    left out (CSV and Markdown), and the Markdown names them — as the figure does (issue 13: one rule).
    Published, an interviewer is named by the study's pseudonym `study` (`report.data.ReportData.
    pseudonyms`; without it `df`'s row order numbers them, `report.population.pseudonyms`).
    Every other table with `publish` blanks the rows publication hides (`report.publication.
    published_rows`: a small n, and the rows that protect it) as the workbook and the page do.
    """
    tid = check_table_id(table_id, sources_first=frames is not None)
    group, site_type, cuts = group or None, site_type or None, cuts or NO_CUTS
    if fmt not in FORMATS:
        raise allowed("format", fmt, FORMATS)
    check_group(group)
    check_site_type(site_type)
    by = check_grouping(tid, cuts.by)
    if publish and tid in INDIVIDUAL_TABLES:
        raise TableError(NOT_PUBLISHED)
    if tid in SOURCE_TABLES:
        return _render_sources(tid, df, frames or {}, reasons=reasons, guide=guide, guide_cw=guide_cw, fmt=fmt,
                               group=group, site_type=site_type, cuts=cuts, publish=publish, min_n=min_n,
                               study=study)
    g = tables.resolve_guide(guide)
    kw = {"probe": tables.check_probe(g, probe)} if tid == "fig4" else {}
    pop = population(df, group, site_type, cuts) if (group or site_type or cuts.filters) else df
    if publish:  # nothing for a population under min_n; no interviewer named: each by the workbook's pseudonym
        check_publishable(len(pop), min_n)
        # nor one cut to a part the population without the cut hides (its numbers would give others away)
        tables.check_published_filters(df, g, group, site_type, cuts, min_n)
        pop, cuts = published_population(df, pop, g, cuts, study)
    if tid == "kvalitetskort":
        kw["min_n"] = min_n
        if not method.is_default:
            kw["method"] = method
    out = keep_group(compute(tid, pop, g, by=by, **kw), group)  # a no-op on rows of another grouping
    left_out: list[str] = []
    hide = None
    parts = published_parts(out, pop, g, by, min_n) if publish else None
    if tid == "kvalitetskort" and publish:
        if parts:  # by group: the sites and groups every published output hides, too
            out = out.assign(suppressed=(out["n"].to_numpy() == 0) | published_rows(tid, out, len(pop), min_n, parts))
        left_out = _left_out_of_map(out, g, min_n)
        if by is not None:  # a group's size, too: hidden when small, or when it would give a small one away
            out = _hide_group_sizes(out, min_n, (parts or {}).get(row_column(by), ()))
        out = out[~out["suppressed"].astype(bool)]
    elif publish:  # the rows with a small n and those that protect them (`publication.published_rows`)
        hide = published_rows(tid, out, len(pop), min_n, parts)
    if fmt == "csv":
        extra = quality_map.method_columns(method) if tid == "kvalitetskort" else []
        shown = (suppress(out, hide, min_n, n_column(tid, out), shown_small(row_n(tid, out, len(pop)), min_n))
                 if hide is not None else out)
        return tables.to_csv(shown, csv_columns(tid, by) + extra if extra else csv_columns(tid, by))
    title = TITLES[tid]
    if tid == "fig4" and probe:
        title = f"Figur 4 {g.item(probe).label} — andel ja efter brugergruppe"
    if by is not None:
        title = regrouped_title(title, by)
    if tid == "kvalitetskort":
        body, notes = quality_map.markdown_body(out, min_n, guide=g, method=method)
        notes = left_out + notes
    elif tid == "4.4":  # published: small counts of blanks in its note are «under min_n» too (a reviewer)
        body, notes = xt.markdown_body(out, g, hide_below=min_n if publish else None)
    else:
        body, notes = tables.markdown_body(tid, out, g)
    if hide is not None:
        body, notes = _published_md(tid, out, body, notes, hide, len(pop), min_n)
    else:
        body, notes = _mark_small(tid, out, body, notes, len(pop))
    head = [f"## {title}", "", population_line(g, group, site_type, len(pop), cuts=cuts.words(),
                                               hide_below=min_n if publish else None), ""]
    return "\n".join(head + [body, ""] + notes) + ("\n" if notes else "")


def _published_md(tid: str, out: pd.DataFrame, body: str, notes: list[str], hide, pop_n: int,
                  min_n: int) -> tuple[str, list[str]]:
    """The Markdown of a published table (``--publish``): the hidden rows' numbers «–», those hidden for
    their own n marked «(n <5)» (a table with a line per group and one row per answer: the group's
    line), and the suppression note; the research team's «*» notes are left out (nothing small is
    shown)."""
    notes = [n for n in notes if n != small_n_note(DEFAULT_MIN_N)]
    if not hide.any():
        return body, notes
    small = shown_small(row_n(tid, out, pop_n), min_n)
    lines, marks = hide, small
    if len(body.split("\n")) - 2 != len(out):  # a pivot: one line per group, in the rows' order
        rc = tables.row_col(out)
        groups = list(dict.fromkeys(out[rc]))
        gone, own = set(out[rc][hide]), set(out[rc][small])
        lines, marks = [grp in gone for grp in groups], [grp in own for grp in groups]
    return blanked(body, lines, marks, min_n), [*notes, suppression_note(min_n)]


def _mark_small(tid: str, out: pd.DataFrame, body: str, notes: list[str], pop_n: int) -> tuple[str, list[str]]:
    """A Markdown table that does not mark its small rows itself gets them marked «*» here — the rows the
    workbook and the Rapport page hide (`report.publication.row_n`: one rule), or, drawn otherwise, a
    note counting them (a tester found «table 3.1 --sted Amadeus» with n = 4 unmarked)."""
    if small_n_note(DEFAULT_MIN_N) in notes:
        return body, notes
    hide = hidden_rows(row_n(tid, out, pop_n))
    if not hide.any():
        return body, notes
    marked = starred(body, hide)
    if marked is not None:
        return marked, [*notes, small_n_note(DEFAULT_MIN_N)]
    return body, [*notes, f"{int(hide.sum())} række(r) har n under {DEFAULT_MIN_N} — for få svar til at vise uden "
                          "for forskergruppen."]


def published_parts(t: pd.DataFrame, pop: pd.DataFrame, guide: Guide | None, by: str | None = None,
                    min_n: int = DEFAULT_MIN_N) -> dict[str, frozenset] | None:
    """`report.publication.published_rows`'s hidden parts for a published table `t` of population `pop`
    grouped `by`: the sites and groups every published output of `pop` hides whole (`report.tables.
    hidden_parts`: the workbook, the CLI, the figures and the Rapport page hide the same), for the
    columns `t` has; None when it has none of them. A crosstab by group as columns (Tabel 4.4) is refused when
    groups are hidden (`report.crosstab.check_grouping_columns`)."""
    xt.check_grouping_columns(pop, guide, t.attrs.get("b"), min_n, t.attrs.get("a"))
    if not ({"site", row_column(by or "brugergruppe")} & set(t.columns)):
        return None
    parts = {c: v for c, v in tables.hidden_parts(pop, guide, by, min_n).items() if c in t.columns}
    return parts or None


def _hide_group_sizes(t: pd.DataFrame, min_n: int, gone_groups=()) -> pd.DataFrame:
    """The maps per group, published: ``respondenter`` «<min_n» for a group under min_n and «–» for the
    groups that protect it from «I alt» minus the others (`report.publication.hidden_units`), and for
    the groups every published output hides (`gone_groups`, `report.tables.hidden_parts`)."""
    col = t.columns[0]
    sizes = dict(zip(t[col], t["respondenter"]))
    gone = hidden_units({k: v for k, v in sizes.items() if k != I_ALT}, min_n, gone=gone_groups)
    shown = [(f"<{min_n}" if hidden(n, min_n) else SUPPRESSED) if lv in gone else n
             for lv, n in zip(t[col], t["respondenter"])]
    return t.assign(respondenter=pd.Series(shown, index=t.index, dtype=object))


def _left_out_of_map(t: pd.DataFrame, guide: Guide, min_n: int) -> list[str]:
    """The notes naming the quality map's points publication leaves out, a group's under its name."""
    small = t[t["suppressed"].astype(bool)]
    if not len(small):
        return []

    def note(block: pd.DataFrame, where: str = "") -> str:
        own = block["n"] < min_n  # else hidden to protect another group's point (`publication.complement`)
        return left_out_note([probe_short(guide, c) for c in block.loc[own, "kode"]], min_n, where,
                             protecting=[probe_short(guide, c) for c in block.loc[~own, "kode"]])

    by_col = t.columns[0] if t.columns[0] != "kode" else None
    if by_col is None:
        return [note(small)]
    return [note(block, f"{value_label(guide, by_col, level)}: ") for level, block in small.groupby(by_col, sort=False)]


#: how a title says its grouping: «… efter arbejdsmarkedsperspektiv»
BY_WORDS: dict[str, str] = {"brugergruppe": "brugergruppe", "perspektiv": "arbejdsmarkedsperspektiv",
                            "sted": "sted", "interviewer": "interviewer"}
assert set(BY_WORDS) == set(BY)


def regrouped_title(title: str, by: str | None) -> str:
    """The title of a table or figure grouped `by`: its «efter brugergruppe» replaced, else «— efter …»
    added; unchanged by user group (None)."""
    if by in (None, "brugergruppe"):
        return title
    title = title.replace("Brugergrupper fordelt", "Respondenter fordelt")  # Tabel 3.2's rows are not groups then
    words = f"efter {BY_WORDS[by]}"
    return title.replace("efter brugergruppe", words) if "efter brugergruppe" in title else f"{title} — {words}"


def _render_sources(tid: str, wide_df: pd.DataFrame, frames: Mapping[str, pd.DataFrame | None], *,
                    reasons: pd.DataFrame | None, guide: Guide | None, guide_cw: Guide | None, fmt: str,
                    group: str | None, site_type: str | None, cuts: Cuts = NO_CUTS, publish: bool = False,
                    min_n: int = DEFAULT_MIN_N, study: dict[str, dict[object, str]] | None = None) -> str:
    frames = dict(frames)
    if reasons is None:
        reasons = frames.get("aarsager")
    from survey.source_store import restrict  # start-up: `brugerblik table` of the users' tables needs none

    if group or cuts.filters:
        wide_df = population(wide_df, group, None, cuts)
    # always, not only with a filter: a source about a user outside the population (a draft, by default)
    # is not counted — the workbook and the page count the same (a reviewer found the CLI counting them)
    frames = restrict({**frames, "aarsager": reasons}, wide_df)
    reasons = frames.get("aarsager")
    if site_type:
        if site_type not in SITE_TYPES:
            raise allowed("stedtype", site_type, SITE_TYPES)
        wide_df, frames = triangulation.filter_site_type(site_type, wide_df, {**frames, "aarsager": reasons})
        reasons = frames.get("aarsager")
    if publish:
        check_publishable(len(wide_df), min_n)
    by = cuts.by if tid in source_items.SOURCE_ITEMS else None
    out = compute(tid, wide_df, guide, frames=frames, reasons=reasons, guide_cw=guide_cw, by=by)
    hide = published_rows(tid, out, len(wide_df), min_n, published_parts(out, wide_df, guide, by, min_n)) if publish else None
    if fmt == "csv":
        return tables.to_csv(suppress(out, hide, min_n, n_column(tid, out),
                                      shown_small(row_n(tid, out, len(wide_df)), min_n)) if hide is not None else out)
    if tid in source_items.SOURCE_ITEMS or tid in source_items.SIDE_BY_SIDE:
        body, notes = source_items.markdown_body(tid, out)
    else:
        body, notes = triangulation.markdown_body(tid, out)
    if hide is not None:
        body, notes = _published_md(tid, out, body, notes, hide, len(wide_df), min_n)
    title = TITLES[tid] if by is None else f"{TITLES[tid]} — efter {BY_WORDS[by]}"
    if publish and guide is not None:  # an interviewer filter by its pseudonym
        cuts = cuts.renamed(pseudonyms(wide_df, guide, study))
    head = [f"## {title}", "",
            population_line(guide, group, site_type, len(wide_df), unit="brugere", lower_site=True,
                            cuts=cuts.words(), hide_below=min_n if publish else None), ""]
    return "\n".join(head + [body, ""] + notes) + "\n"

