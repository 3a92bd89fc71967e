"""Crosstabs of any two coded variables (``brugerblik crosstab A B``, the Rapport page's «Krydstabel»,
the workbook's «Krydstabel» sheets).

Any two coded variables, e.g. ``forsoergelse`` × ``arbejdsmarked`` (section 4.3.3) or
``forsoergelse`` × ``tilbudstype`` (section 3.4). Allowed: ``select_one`` items and numbers
with bands (``age`` in Tabel 3.1's bands, `CROSSTAB_BANDS`); ``brugergruppe`` is the effective
group; ``select_multiple`` items (``problemer``) one row or column per value, a respondent counted
once per value they hold, the percentage base stated (`crosstab_base`). Not free text or unbanded
numbers. CSV: ``<a>,antal_<v>…,n,andel_<v>…`` — one row per value of
A (all listed, zeros included), last ``i_alt``; ``n`` = the row's respondents with an answer to
both, ``andel_<v>`` = row percentage. Blanks are not counted; the number left out is in
``DataFrame.attrs`` and in the Markdown note (`crosstab_note`).
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from archetypes.model import GROUP_ORDER
from report.counting import column, factor, is_blank, numbers, share
from report.errors import TableError, allowed
from report.population import NO_CUTS, Cuts, check_group, check_site_type, group_codes, population, published_population
from report.publication import (DEFAULT_MIN_N, I_ALT, UOPLYST, blanked, check_publishable, hidden, md_table, pct, shown_small,
                                population_line, published_rows,
                                suppress, suppression_note, value_label)
from report.tables import AGE_BANDS, FORMATS, check_published_filters, choices, hidden_parts, resolve_guide, to_csv
from survey.guide import Guide

__all__ = ["TYPOLOGI_4_4", "CROSSTAB_BANDS", "crosstab_variables", "check_variable", "is_multiple", "members", "crosstab", "crosstab_label",
           "crosstab_base",
           "crosstab_note", "GROUPING_ROWS", "DERIVED_FROM", "check_derived", "check_grouping_columns", "published_crosstab", "published_crosstab_rows",
           "render_crosstab", "markdown_body",
           "typologi_4_4"]

#: Numeric items a crosstab accepts, with their bands (label, lower bound inclusive; a band runs
#: up to the next band's lower bound). ``age`` uses Tabel 3.1's bands.
CROSSTAB_BANDS: dict[str, tuple[tuple[str, float], ...]] = {"age": AGE_BANDS}


def crosstab_variables(guide: Guide) -> list[str]:
    """The codes `crosstab` accepts, in guide order: every ``select_one`` and ``select_multiple`` item
    and the banded numbers of `CROSSTAB_BANDS` (``brugergruppe`` is the effective group)."""
    return [c for c, it in guide.items.items()
            if it.type in ("select_one", "select_multiple") or c in CROSSTAB_BANDS]


def _check(guide: Guide, code: object) -> str:
    ok = crosstab_variables(guide)
    if not isinstance(code, str) or code not in guide.items:
        raise allowed("variabel", code, ok)
    if code not in ok:
        kind = {"text": "fritekst"}.get(guide.item(code).type, f"{guide.item(code).type} uden intervaller")
        raise TableError(f"Variablen {code!r} ({kind}) kan ikke krydstabuleres — tilladt: {', '.join(ok)}.")
    return code


def is_multiple(guide: Guide, code: str) -> bool:
    """True for a ``select_multiple`` item: one respondent can hold several of its values."""
    return code in guide.items and guide.item(code).type == "select_multiple"


def check_variable(guide: Guide, code: object) -> str:
    """`code` when it can be crossed (`crosstab_variables`); else TableError naming what is allowed."""
    return _check(guide, code)


def _factor(df: pd.DataFrame, guide: Guide, code: str) -> tuple[np.ndarray, list[object]]:
    """(codes, levels) for one single-valued crosstab variable; -1 = blank (not counted)."""
    if code == "brugergruppe":
        return group_codes(df), list(GROUP_ORDER)
    if code in CROSSTAB_BANDS:
        bands = CROSSTAB_BANDS[code]
        x = numbers(column(df, code))
        lows = np.asarray([lo for _, lo in bands[1:]], dtype=float)
        idx = np.searchsorted(lows, np.nan_to_num(x, nan=0.0), side="right")
        return np.where(np.isnan(x), -1, idx).astype(np.int64), [lab for lab, _ in bands]
    return factor(column(df, code), choices(guide, code))


def members(df: pd.DataFrame, guide: Guide, code: str) -> tuple[np.ndarray, list[object], np.ndarray]:
    """(membership, levels, answered): membership[i, j] is True when respondent i holds level j.

    A single-valued variable holds at most one level. A ``select_multiple`` cell holds each value it
    lists (``;`` or space between them, as the interchange format writes them): the guide's values
    in guide order, then any others seen, sorted. `answered` is False for a blank (not counted)."""
    if not is_multiple(guide, code):
        codes, levels = _factor(df, guide, code)
        m = np.zeros((len(df), len(levels)), dtype=bool)
        hit = codes >= 0
        m[np.flatnonzero(hit), codes[hit]] = True
        return m, list(levels), hit
    cells, uniq = pd.factorize(column(df, code), use_na_sentinel=True)
    parts = [[] if is_blank(u) else [p for p in re.split(r"[;\s]+", str(u).strip()) if p] for u in uniq]
    levels: list[object] = list(choices(guide, code))
    pos = {v: i for i, v in enumerate(levels)}
    for v in sorted({p for ps in parts for p in ps if p not in pos}):
        pos[v] = len(levels)
        levels.append(v)
    lut = np.zeros((len(uniq) + 1, len(levels)), dtype=bool)  # the last row: blank (-1)
    for i, ps in enumerate(parts):
        lut[i, [pos[p] for p in ps]] = True
    m = lut[cells]
    return m, levels, m.any(axis=1)


def crosstab(df: pd.DataFrame, guide: Guide | None, a: str, b: str, *, blank_row: bool = False) -> pd.DataFrame:
    """Crosstab of two coded variables: rows = values of `a`, columns = values of `b`.

    Columns: ``<a>`` (the row value), ``antal_<v>`` for every value v of `b`, ``n`` (the row's
    respondents with an answer to both), ``andel_<v>`` = antal_<v> / n (row percentages;
    NaN when n = 0). Rows: every value of `a` (guide order, then values outside the guide,
    sorted), zeros included, then ``i_alt``. Count columns are prefixed so that a value of `b`
    can never clash with the code `a` (``arbejdsmarked`` × ``fremtid_fokus``).

    Allowed variables (`crosstab_variables`): ``select_one`` and ``select_multiple`` items, and
    numbers banded as in `CROSSTAB_BANDS` (``age``: Tabel 3.1's bands). ``brugergruppe`` is the
    *effective* group (as in every table by group); free text and unbanded numbers are refused.

    A ``select_multiple`` item (issue 14, e.g. ``problemer``) gives one row (or column) per value,
    and a respondent is counted once in every row (column) of a value they hold. So with it as rows a
    respondent can be in several rows, and «I alt» counts every respondent once (it is not the sum of
    the rows). With it as columns a row's shares add up to more than 100 %. The base of every share
    is the row's ``n``: its respondents with an answer to both variables (`crosstab_note` says so).

    Blank (not asked; for ``brugergruppe`` no effective group; for a number also a non-number; for
    a multiple choice no value) is never counted: a respondent blank on `a` or `b` is left out. How
    many, is in ``attrs``: ``respondenter`` (the frame's rows), ``udeladt`` (left out),
    ``udeladt_a`` / ``udeladt_b`` (blank on a / on b; one person can be both), ``a``, ``b``,
    ``flervalg_a`` / ``flervalg_b``. Raises `TableError` (Danish, listing the allowed codes) for an
    unknown or unsuitable code, or when `a` == `b`.

    `blank_row` (a published crosstab by group, `published_crosstab`): a respondent blank on a single-valued
    `a` is a row ``uoplyst`` before «I alt» (when there is one), as in Tabel 3.2, and counted in «I alt»;
    ``udeladt_a`` is then 0 and ``uoplyst_a`` their number.
    """
    g = resolve_guide(guide)
    a, b = _check(g, a), _check(g, b)
    if a == b:
        raise TableError(f"Krydstabellen kræver to forskellige variable (fik {a!r} to gange).")
    ma, r_levels, ans_a = members(df, g, a)
    mb, c_levels, ans_b = members(df, g, b)
    blanks_a = int((~ans_a).sum())
    if blank_row and blanks_a and not is_multiple(g, a):  # only when someone has none, as Tabel 3.2
        ma = np.hstack([ma, (~ans_a)[:, None]])
        r_levels = [*r_levels, UOPLYST]
        ans_a = np.ones(len(df), dtype=bool)
    ra = ma & ans_b[:, None]                                  # rows, counted only with an answer to b
    counts = ra.T.astype(np.int64) @ mb.astype(np.int64)      # respondents holding row r and column c
    both = ans_a & ans_b
    total = (mb & both[:, None]).sum(axis=0)                  # I alt: every respondent once
    counts = np.vstack([counts, total[None, :]])
    n = np.append(ra.sum(axis=0), both.sum())
    cols: dict[str, object] = {a: pd.Series([*r_levels, I_ALT], dtype=object)}
    cols |= {f"antal_{v}": counts[:, j].astype(np.int64) for j, v in enumerate(c_levels)}
    cols["n"] = n.astype(np.int64)
    cols |= {f"andel_{v}": share(counts[:, j], n) for j, v in enumerate(c_levels)}
    out = pd.DataFrame(cols)
    blank_a, blank_b = ~ans_a, ~ans_b
    out.attrs.update(a=a, b=b, respondenter=int(len(df)), udeladt=int((blank_a | blank_b).sum()),
                     udeladt_a=int(blank_a.sum()), udeladt_b=int(blank_b.sum()),
                     raekker=list(r_levels), kolonner=list(c_levels), uoplyst_a=blanks_a - int(blank_a.sum()),
                     flervalg_a=is_multiple(g, a), flervalg_b=is_multiple(g, b))
    return out


#: Tabel 4.4's two variables: the kind of dissatisfaction (rows) by user group (columns)
TYPOLOGI_4_4: tuple[str, str] = ("utilfreds_type", "brugergruppe")


def typologi_4_4(df: pd.DataFrame, guide: Guide | None = None) -> pd.DataFrame:
    """Section 4.4 (issue 14): the dissatisfied users by the kind of dissatisfaction (``utilfreds_type``,
    the four groups the section names; several per user) and user group — a crosstab, so a user is
    counted once in every kind they fit and «I alt» counts each once."""
    return crosstab(df, resolve_guide(guide), *TYPOLOGI_4_4)


def crosstab_label(guide: Guide, code: str, value: object) -> str:
    """The Danish label of a row or column value («I alt», a group, an age band, a choice)."""
    return value_label(guide, code, value)


def crosstab_base(t: pd.DataFrame, guide: Guide | None = None) -> str:
    """The Danish sentence on what every share of a `crosstab` is a share of (issue 14: stated when a
    multiple choice makes rows overlap or shares add up to more than 100 %)."""
    at = t.attrs

    def name(code: object) -> str:
        return f"«{guide.item(code).label}»" if guide is not None and code in guide.items else str(code)

    base = "Antal (procent af rækkens n); n = respondenter med svar på begge variable."
    if at.get("flervalg_a"):
        base += (f" {name(at.get('a'))} har flere svar pr. respondent: en respondent tælles i hver række, hvis svar "
                 "vedkommende har givet, så rækkerne overlapper, og «I alt» tæller hver respondent én gang.")
    if at.get("flervalg_b"):
        base += (f" {name(at.get('b'))} har flere svar pr. respondent: en respondent tælles i hver kolonne, hvis svar "
                 "vedkommende har givet, så procenterne i en række kan summere til mere end 100 %.")
    return base


def crosstab_note(t: pd.DataFrame, hide_below: int | None = None) -> str:
    """Danish sentence on who was left out of a `crosstab` (blank on one of the variables);
    `hide_below` (publication: min_n): a population the rule hides gets no numbers (a reviewer found
    «Alle 4 respondenter …» under a published crosstab of «n under 5»)."""
    at = t.attrs
    k = at.get("udeladt", 0)
    if hide_below is not None and hidden(at.get("respondenter", 0), hide_below):
        return ("Alle respondenter har svar på begge variable." if not k else
                f"Populationen har under {hide_below} respondenter; hvor mange der mangler svar på en af de to "
                "variable, vises ikke til offentliggørelse. Tomt betyder ikke spurgt og tælles aldrig med.")

    def count(x: int) -> str:  # published, a small count of blanks is a small cell too (a reviewer)
        return f"under {hide_below}" if hide_below is not None and hidden(x, hide_below) else str(x)

    # published, the number only when it is small (the row shows «<5» then too): a row «Uoplyst» hidden to
    # protect a small group shows «–», and its n here gave the small group's n away (I alt − shown − this)
    if not at.get("uoplyst_a"):
        uoplyst = ""
    elif hide_below is not None and not hidden(at["uoplyst_a"], hide_below):
        uoplyst = f" Uden {at.get('a')}: i rækken «Uoplyst»."
    else:
        uoplyst = f" Uden {at.get('a')}: {count(at['uoplyst_a'])}, i rækken «Uoplyst»."
    if not k:
        return f"Alle {at.get('respondenter', 0)} respondenter har svar på begge variable.{uoplyst}"
    return (f"Ikke talt med: {count(k)} af {at.get('respondenter', 0)} respondenter uden svar på mindst én af de "
            f"to variable ({at.get('a')}: {count(at.get('udeladt_a', 0))} tomme, {at.get('b')}: "
            f"{count(at.get('udeladt_b', 0))} tomme). Tomt betyder ikke spurgt og tælles aldrig med.{uoplyst}")


#: a crosstab's row variable that is one of the report's groupings -> that grouping (`report.population.BY`)
GROUPING_ROWS = {"brugergruppe": "brugergruppe", "arbejdsmarkedsperspektiv": "perspektiv"}


def published_crosstab_rows(t: pd.DataFrame, pop: pd.DataFrame, guide: Guide | None,
                            min_n: int = DEFAULT_MIN_N) -> np.ndarray:
    """The rows of crosstab `t` (on population `pop`) publication hides (`report.publication.published_rows`):
    n under `min_n` and the rows that protect them — and, when its rows are a grouping's groups (user group,
    arbejdsmarkedsperspektiv), the groups Tabel 3.2 by that grouping hides for the same population
    (`report.tables.hidden_parts`), as every other published table does. A tester read Tabel 3.2's hidden
    «Andet» (1 kvinde, 4 mænd) in `crosstab brugergruppe gender --publish` beside it, and with it the
    «<5» group it protected."""
    a = t.attrs.get("a")
    parts = None
    if a in GROUPING_ROWS and not t.attrs.get("flervalg_a", False):
        gone = hidden_parts(pop, guide, GROUPING_ROWS[a], min_n).get(a)
        parts = {a: gone} if gone else None
    return published_rows("krydstabel", t, len(pop), min_n, parts)


def check_grouping_columns(pop: pd.DataFrame, guide: Guide | None, b: str, min_n: int = DEFAULT_MIN_N,
                           a: str | None = None) -> None:
    """Published, a crosstab (or Tabel 4.4) whose *columns* are a grouping's groups is refused when Tabel 3.2
    hides groups of that grouping in the population (`TableError`, Danish): a hidden column is given away by
    the rows' n (a reviewer read «Andet», 1 kvinde and 4 mænd, as the column of `crosstab gender
    brugergruppe --publish`). With the groups as rows, the same table is published (`published_crosstab`)."""
    if b in GROUPING_ROWS and hidden_parts(pop, guide, GROUPING_ROWS[b], min_n).get(b):
        raise TableError(f"Til offentliggørelse kan {b} ikke være kolonner her: Tabel 3.2 skjuler grupper i "
                         f"populationen (n under {min_n}, eller for at beskytte en lille), og en skjult kolonne kan "
                         f"regnes ud af rækkernes n. Byt om, så {b} er rækker"
                         + (f" (fanen Krydstabel, eller `brugerblik crosstab {b} {a} --publish`)." if a else "."))


#: a crosstab variable a grouping is derived from -> that grouping: the user group is the researcher's coding,
#: else the rule on the archetype (and age) — an archetype's row or column can be a hidden group whole
DERIVED_FROM = {"arketype": "brugergruppe"}


def check_derived(pop: pd.DataFrame, guide: Guide | None, a: str, b: str, min_n: int = DEFAULT_MIN_N) -> None:
    """Published, a crosstab of a variable a grouping is derived from (`DERIVED_FROM`: ``arketype``) is refused
    while Tabel 3.2 hides groups of that grouping in the population (`TableError`, Danish): «Den etniske» is
    De etniske, so its row gave a group Tabel 3.2 hides away, and the small group it protects by subtraction
    (a reviewer: population «perspektiv reelt», Andet 1 kvinde and 2 mænd from `crosstab arketype gender`)."""
    for code in (a, b):
        by = DERIVED_FROM.get(code)
        if by is not None and hidden_parts(pop, guide, by, min_n).get(by):
            raise TableError(f"Til offentliggørelse kan {code} ikke krydstabuleres her: {by} afledes af {code}, og "
                             f"Tabel 3.2 skjuler grupper i populationen (n under {min_n}, eller for at beskytte en "
                             f"lille), så en {code} kan være en skjult gruppe. Brug {by} som rækker i stedet.")


def published_crosstab(pop: pd.DataFrame, guide: Guide | None, a: str, b: str, min_n: int = DEFAULT_MIN_N
                       ) -> tuple[pd.DataFrame, np.ndarray]:
    """(the crosstab, its rows publication hides) — the one way a crosstab is published (the CLI, the Rapport
    page, the workbook and saved analyses): groups as rows get a row «Uoplyst» for those without a group, as
    in Tabel 3.2, so «I alt» and the hidden rows are those of Tabel 3.2 (a reviewer subtracted the shown
    groups from «I alt» and got the hidden one back); groups as columns are refused when some are hidden
    (`check_grouping_columns`)."""
    g = resolve_guide(guide)
    check_grouping_columns(pop, g, b, min_n, a)
    check_derived(pop, g, a, b, min_n)
    t = crosstab(pop, g, a, b, blank_row=a in GROUPING_ROWS)
    return t, published_crosstab_rows(t, pop, g, min_n)


def render_crosstab(wide_df: pd.DataFrame, guide: Guide, a: str, b: str, fmt: str = "md",
                    group: str | None = None, site_type: str | None = None, cuts: Cuts | None = None, *,
                    publish: bool = False, min_n: int = DEFAULT_MIN_N,
                    study: dict[str, dict[object, str]] | None = None) -> str:
    """`crosstab` of `a` × `b` for the population (`group`, `site_type`, the `cuts`' filters) as CSV
    or Markdown.

    CSV: the DataFrame's columns (counts as integers, shares as 3-digit decimals, blank when
    n = 0), header first; who was left out is not in the CSV (it stays one table) but in the
    Markdown's note. Markdown: Danish labels, "antal (procent)" per cell, n, the note.
    Raises `TableError` for an unknown format, group, site type or variable. With `publish` the rows
    publication hides (`report.publication.published_rows`: n under `min_n`, and the rows that
    protect them) are blank in the CSV and «–» in the Markdown; an interviewer is named by the study's
    pseudonym `study` (`report.data.ReportData.pseudonyms`).
    """
    group, site_type = group or None, site_type or None
    if fmt not in FORMATS:
        raise allowed("format", fmt, FORMATS)
    check_group(group)
    check_site_type(site_type)
    cuts = cuts or NO_CUTS
    pop = population(wide_df, group, site_type, cuts) if (group or site_type or cuts.filters) else wide_df
    if publish:  # nothing for a population under min_n; no interviewer named: each by the workbook's pseudonym
        check_publishable(len(pop), min_n)
        check_published_filters(wide_df, guide, group, site_type, cuts, min_n)
        pop, cuts = published_population(wide_df, pop, guide, cuts, study)
    t, hide = published_crosstab(pop, guide, a, b, min_n) if publish else (crosstab(pop, guide, a, b), None)
    hide = hide if hide is not None else np.zeros(len(t), dtype=bool)
    if fmt == "csv":
        return to_csv(suppress(t, hide, min_n, "n") if hide.any() else t)
    a, b = t.attrs["a"], t.attrs["b"]
    label_a = guide.item(a).label if a in guide.items else a
    label_b = guide.item(b).label if b in guide.items else b
    head = [f"## Krydstabel: {label_a} × {label_b}", "",
            population_line(guide, group, site_type, len(pop), cuts=cuts.words(),
                            hide_below=min_n if publish else None), ""]
    body, notes = markdown_body(t, guide, hide_below=min_n if publish else None)
    if hide.any():
        body = blanked(body, hide, shown_small(t["n"], min_n), min_n)
        notes = [*notes, suppression_note(min_n)]
    return "\n".join(head + [body, ""] + notes) + "\n"


def markdown_body(t: pd.DataFrame, guide: Guide, hide_below: int | None = None) -> tuple[str, list[str]]:
    """(the Markdown table, the notes under it) of a computed `crosstab`: "antal (procent)" per cell, n."""
    a, b = t.attrs["a"], t.attrs["b"]
    levels = t.attrs["kolonner"]
    rows = []
    for _, r in t.iterrows():
        cells = [crosstab_label(guide, a, r[a])]
        cells += [f"{int(r[f'antal_{v}'])} ({pct(r[f'andel_{v}'])})" for v in levels]
        cells.append(int(r["n"]))
        rows.append(cells)
    label_a = guide.item(a).label if a in guide.items else a
    body = md_table([label_a] + [crosstab_label(guide, b, v) for v in levels] + ["n"], rows,
                    [False] + [True] * (len(levels) + 1))
    return body, [crosstab_base(t, guide), crosstab_note(t, hide_below)]
