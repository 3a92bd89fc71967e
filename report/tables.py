"""The report's tables of chapters 3, 4 and 7, as plain functions on the wide frame.

The quality map is computed in `report.quality_map`, crosstabs in `report.crosstab`, the tables of
the other sources in `report.triangulation`; `report.registry` lists every table and renders it.

Every function takes the *wide frame* (`survey.store.load_wide`: one row per respondent,
columns = guide codes, cells `str` or blank) and returns a tidy pandas DataFrame in exactly
the form `brugerblik table ID --format csv` prints, so the CLI, the Streamlit app and the
Excel export share one computation. The rules are those of ``spec/method.md``; the codes
those of ``spec/instrument.md``.

Conventions (all tables)
------------------------
* **Blank** = ``None``, ``NaN``/``pd.NA`` or ``""``: not asked, never counted — except in
  Figur 7.x (and Figur 3.1), where blanks are their own category ``ikke_besvaret``. Object
  and pandas string dtypes are both accepted. A column the frame lacks counts as all blank.
* **Population**: `report.population.population(df, group, site_type)` adds the *effective* ``brugergruppe``
  (the researcher's value if given, else the default rule on ``arketype`` and ``age``, see
  `archetypes.effective_group`) and filters on it and on ``site_type``. Every table "by
  group" uses the effective group. Respondents with no effective group (no archetype, or
  ``eks_misbruger`` with no age) are the row ``uoplyst``, shown only when non-zero.
* Group rows come in the report's order (``GROUP_ORDER``: andet, etniske,
  psykisk_paafaldende, unge_misbrugere, aeldre_misbrugere), then ``uoplyst`` (when
  non-zero), then ``i_alt`` = every respondent of the population. All five groups are
  always listed (zeros included) so the shape is stable; `report.registry.render(..., group=G)`
  keeps only G and ``i_alt``.
* CSV: UTF-8 text, comma, header first, ``\\n`` line ends, no index. Counts are integers;
  proportions (``andel*``, ``udbytte``, ``vigtighed``, ``gap``, interval bounds) are decimals
  with 3 digits (``0.847``); a proportion with denominator 0 is blank, never an error.
  Row/column codes are ASCII (æ→ae, ø→oe, å→aa); Markdown (``--format md``) shows the
  Danish labels of the guide instead.

CSV forms
---------
Given by method.md:

* ``3.1`` `tabel_3_1` — ``alder,antal``; rows ``-29``, ``30-39``, ``40-49``, ``50-``, then
  ``uoplyst`` (no or non-numeric age; row omitted when zero), then ``i_alt``. Bands are
  half-open: ``-29`` = age < 30, ``30-39`` = 30 ≤ age < 40, …, ``50-`` = age ≥ 50. The
  CSV uses the codes ``uoplyst``/``i_alt`` (as Tabel 3.2's ``i_alt``); Markdown shows
  "Uoplyst" and "I alt" and the bands as "-29 år" etc., as the report does.
* ``3.2`` `tabel_3_2` — ``brugergruppe,kvinde,mand,i_alt``; rows = group codes in report
  order, ``uoplyst`` when non-zero, last row ``i_alt``. ``i_alt`` (column) counts every
  respondent of the row, so a blank gender makes ``kvinde + mand < i_alt``.
* ``4.1`` `tabel_4_1` — ``kode,spoergsmaal,ja,nej``; ``spoergsmaal`` is the guide's
  question text; rows sorted by ``ja`` descending, ties in guide order.
* ``4.2`` `tabel_4_2` — ``kode,spoergsmaal,ja,ja_vigtigt,nej,nej_vigtigt``; same order.
* ``kvalitetskort`` `report.quality_map.kvalitetskort` — ``kode,spoergsmaal,n,udbytte,
  vigtighed,gap``, one row per probe in guide order (stable across groups). The function's DataFrame also holds
  ``ja, nej, ja_vigtigt, nej_vigtigt``, the 95 % Wilson intervals ``udbytte_lav,
  udbytte_hoej, vigtighed_lav, vigtighed_hoej`` and ``suppressed`` (not on a published map:
  n = 0 or 0 < n < ``min_n``, default 5; `report.publication`); Markdown marks the rows
  publication hides. Anything shown outside the research team must honour ``suppressed``
  (the CSV keeps method.md's columns, with ``n`` on every row).

Designed here (method.md gives none):

* ``oversigt`` `oversigt` — ``site_type,site,interviewet,udvalgt_af_personalet,
  samtykke_givet,samtykke_ikke_givet,andel_udvalgt_af_personalet,andel_samtykke_givet,
  andel_samtykke_ikke_givet``. One row per site (site types in guide order boform,
  vaerested; sites by name), after each site type a subtotal row with ``site = i_alt``,
  last a grand total ``site_type = i_alt, site = i_alt``. ``interviewet`` = respondents
  (it is the n of the row's shares); udvalgt = ``selected_by_staff = ja``; samtykke givet /
  ikke givet = ``consent_journal = ja`` / ``nej`` (blank is neither). A blank site or type
  is ``uoplyst``.
* ``fig3.1`` `figur_3_1` — long: ``brugergruppe,tilbudstype,antal,andel,n``: for each
  group row (see above) every ``tilbudstype`` value in guide order, then ``ikke_besvaret``
  only when some respondent of the population has a blank ``tilbudstype``. ``n`` =
  respondents of the group, ``andel = antal / n``.
* ``fig4`` `figur_4` (one probe, ``--probe``) — ``kode,brugergruppe,n,ja,nej,andel_ja,
  andel_ja_lav,andel_ja_hoej``: per group row ``n = ja + nej`` (``ikke_relevant``,
  ``uklart``, blank excluded), ``andel_ja = ja / n`` with its 95 % Wilson interval.
* ``fig7.1``–``fig7.4`` `figur_7` — long: ``kode,brugergruppe,svar,antal,andel,n`` for
  ``rigtige_mennesker``, ``samarbejde``, ``kunne_vaere_bedre``, ``nok_med_at_bestemme``:
  every value in guide order and always ``ikke_besvaret`` (blank) for every group row;
  ``n`` = respondents of the group (blanks included, as the report's bars), ``andel =
  antal / n``.
* ``7.2`` `inddragelse_tilfredshed` — ``inddraget,tilfreds,utilfreds,ikke_vurderet,i_alt,
  andel_tilfreds``: rows ``ja``, ``nej``, ``uklart``, ``i_alt``; columns the values of
  ``samlet_tilfredshed``. A respondent blank on either variable is not counted (method.md:
  blank is never counted). ``i_alt`` is the row's n and ``andel_tilfreds = tilfreds /
  i_alt`` (report: 37 of 42 involved are satisfied).

Performance: everything is vectorised (categorical codes + ``numpy.bincount``); Python
loops run only over table rows/probes, never over respondents.
"""
from __future__ import annotations

import math
from dataclasses import replace
from functools import partial
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from report.counting import column, eq, equals, factor, grid, numbers, share, wilson
from report.errors import TableError, allowed
from report.population import NO_CUTS, SITE_TYPES, Cuts, group_rows, population, row_column
from report.publication import (DEFAULT_MIN_N, I_ALT, IKKE_BESVARET, UOPLYST, fmt3, hidden, md_table,
                                pct, published_rows, site_labels, small_n_note, value_label)
from survey.files import csv_text
from survey.guide import Guide, load_guide

__all__ = [
    "FIG7_CODES", "JUDGEMENTS", "fordeling", "judgement_table", "item_of", "REPORT_FIG4", "AGE_BANDS", "AGE_LABELS", "FORMATS", "tabel_3_1", "tabel_3_2", "oversigt",
    "sites_hidden", "hidden_parts",
    "figur_3_1", "tabel_4_1", "tabel_4_2", "probe_counts", "with_shares", "check_probe", "figur_4", "figur_7",
    "inddragelse_tilfredshed",
    "figur_7_table", "to_csv", "markdown_body", "resolve_guide", "choices",
]

# Tabel 3.1: (label, lower bound inclusive); a band runs up to the next band's lower bound.
AGE_BANDS: tuple[tuple[str, float], ...] = (("-29", -math.inf), ("30-39", 30), ("40-49", 40), ("50-", 50))
FIG7_CODES: dict[int, str] = {1: "rigtige_mennesker", 2: "samarbejde", 3: "kunne_vaere_bedre",
                              4: "nok_med_at_bestemme"}
#: the users' overall judgements by group (sections 4.2 and 7.1; issue 14): table id -> code. As
#: Figur 7.x: every value, blanks as ``ikke_besvaret``, n = the group's respondents.
JUDGEMENTS: dict[str, str] = {"tilfredshed": "samlet_tilfredshed", "lyttet": "lyttet_til", "enige": "enige"}
#: the report's Figur 4.1–4.3: figure id -> (probe, the report's title).
REPORT_FIG4: dict[str, tuple[str, str]] = {
    "fig4.1": ("rytme", "Figur 4.1 Har tilbuddet givet dig en rytme i hverdagen?"),
    "fig4.2": ("kontakt", "Figur 4.2 Har tilbuddet givet dig tættere kontakt til andre mennesker?"),
    "fig4.3": ("arbejdsmarked", "Figur 4.3 Har tilbuddet bragt dig tættere på arbejdsmarkedet?"),
}
FORMATS = ("csv", "md")


def resolve_guide(guide: Guide | None) -> Guide:
    """The guide given, else the bundled one."""
    return guide if guide is not None else load_guide()


def choices(guide: Guide, code: str) -> list[str]:
    """The choice values of `code` in guide order ([] when the guide lacks the item)."""
    return guide.item(code).choice_values() if code in guide.items else []


def _distribution(df: pd.DataFrame, code: str, known: Sequence[str], *, blank_row: str,
                  by: str = "brugergruppe") -> pd.DataFrame:
    """Long table group (`by`) × value of `code` with antal, andel, n (see module doc).

    blank_row: "always" or "nonzero" — when to list blanks as ``ikke_besvaret``.
    """
    g, g_levels = group_rows(df, by)
    vc, v_levels = factor(column(df, code), known)
    blank = vc < 0  # only true blanks: every value seen is a level
    if blank_row == "always" or blank.any():
        vc = np.where(blank, len(v_levels), vc)
        v_levels = v_levels + [IKKE_BESVARET]
    counts = grid(g, len(g_levels), vc, len(v_levels))
    counts = np.vstack([counts, counts.sum(axis=0, keepdims=True)])
    rows = g_levels + [I_ALT]
    n = np.append(np.bincount(g, minlength=len(g_levels)), len(df))
    antal = counts.ravel()
    n_long = np.repeat(n, len(v_levels))
    return pd.DataFrame({
        row_column(by): np.repeat(np.array(rows, dtype=object), len(v_levels)),
        "svar": np.tile(np.array(v_levels, dtype=object), len(rows)),
        "antal": antal.astype(np.int64),
        "andel": share(antal, n_long),
        "n": n_long.astype(np.int64),
    })


# --------------------------------------------------------------------------- chapter 3

def tabel_3_1(df: pd.DataFrame, guide: Guide | None = None) -> pd.DataFrame:
    """Tabel 3.1 Alder: ``alder,antal`` (bands, ``uoplyst`` when non-zero, ``i_alt``)."""
    age = numbers(column(df, "age"))
    known = ~np.isnan(age)
    lows = np.asarray([lo for _, lo in AGE_BANDS[1:]], dtype=float)
    band = np.searchsorted(lows, age[known], side="right")
    counts = np.bincount(band, minlength=len(AGE_BANDS)).tolist()
    labels = [lab for lab, _ in AGE_BANDS]
    unknown = int((~known).sum())
    if unknown:
        labels.append(UOPLYST)
        counts.append(unknown)
    labels.append(I_ALT)
    counts.append(len(df))
    return pd.DataFrame({"alder": pd.Series(labels, dtype=object),
                         "antal": np.asarray(counts, dtype=np.int64)})


def tabel_3_2(df: pd.DataFrame, guide: Guide | None = None, by: str = "brugergruppe") -> pd.DataFrame:
    """Tabel 3.2: ``brugergruppe,kvinde,mand,i_alt`` by effective group (or grouped `by`), last row ``i_alt``."""
    g, levels = group_rows(df, by)
    sex, _ = factor(column(df, "gender"), ("kvinde", "mand"), extra=False)
    counts = grid(g, len(levels), sex, 2)
    total = np.bincount(g, minlength=len(levels))
    return pd.DataFrame({row_column(by): pd.Series(levels + [I_ALT], dtype=object),
                         "kvinde": np.append(counts[:, 0], counts[:, 0].sum()).astype(np.int64),
                         "mand": np.append(counts[:, 1], counts[:, 1].sum()).astype(np.int64),
                         "i_alt": np.append(total, len(df)).astype(np.int64)})


_OVERSIGT_COUNTS = ("interviewet", "udvalgt_af_personalet", "samtykke_givet", "samtykke_ikke_givet")


def oversigt(df: pd.DataFrame, guide: Guide | None = None) -> pd.DataFrame:
    """Oversigt over interview: per site, grouped by site type with subtotals and a total."""
    t_codes, t_levels = factor(column(df, "site_type"), SITE_TYPES)
    s_codes, s_levels = factor(column(df, "site"))
    t_levels, s_levels = t_levels + [UOPLYST], s_levels + [UOPLYST]
    t_codes = np.where(t_codes < 0, len(t_levels) - 1, t_codes)
    s_codes = np.where(s_codes < 0, len(s_levels) - 1, s_codes)
    key = t_codes * len(s_levels) + s_codes
    size = len(t_levels) * len(s_levels)
    flags = (np.ones(len(df), dtype=bool), eq(df, "selected_by_staff", "ja"),
             eq(df, "consent_journal", "ja"), eq(df, "consent_journal", "nej"))
    counts = np.stack([np.bincount(key[f], minlength=size) for f in flags], axis=1)  # size × 4
    rows: list[list[object]] = []
    for ti, t in enumerate(t_levels):
        block = counts[ti * len(s_levels):(ti + 1) * len(s_levels)]
        present = [si for si in range(len(s_levels)) if block[si, 0] > 0]
        if not present:
            continue
        present.sort(key=lambda si: (s_levels[si] == UOPLYST, str(s_levels[si]).casefold()))
        rows += [[t, s_levels[si], *block[si].tolist()] for si in present]
        rows.append([t, I_ALT, *block.sum(axis=0).tolist()])
    rows.append([I_ALT, I_ALT, *counts.sum(axis=0).tolist()])
    num = np.array([r[2:] for r in rows], dtype=np.int64)
    cols: dict[str, object] = {"site_type": pd.Series([r[0] for r in rows], dtype=object),
                               "site": pd.Series([r[1] for r in rows], dtype=object)}
    cols |= {c: num[:, i] for i, c in enumerate(_OVERSIGT_COUNTS)}
    cols |= {"andel_" + c: share(num[:, i], num[:, 0]) for i, c in enumerate(_OVERSIGT_COUNTS) if i}
    return pd.DataFrame(cols)


def sites_hidden(df: pd.DataFrame, guide: Guide | None = None, min_n: int = DEFAULT_MIN_N) -> frozenset:
    """Published, the sites of population `df` hidden in every output that has a row per site (the
    workbook, ``brugerblik table|kvalitetskort|figure … --publish``, the Rapport page): those the Oversigt
    hides (sites nested in their site types) and those Tabel 3.2 by site hides (flat), with the sites
    that protect them (`report.publication.published_rows`), repeated until the two agree. One set:
    a site one output shows could give another output's hidden one away (a reviewer: Solvang =
    «I alt boform» 31 − the shown 22 − Basen 5 from Tabel 3.2). Every table and map by site hides
    these sites whatever its own n, besides what it hides itself."""
    over, flat = oversigt(df, guide), tabel_3_2(df, guide, by="sted")
    gone: set = set()
    while True:
        found = set(gone)
        for tid, t in (("oversigt", over), ("3.2", flat)):
            found |= set(t["site"][published_rows(tid, t, len(df), min_n, {"site": gone})])
        found.discard(I_ALT)
        if found == gone:
            return frozenset(gone)
        gone = found


def hidden_parts(df: pd.DataFrame, guide: Guide | None = None, by: str | None = None,
                 min_n: int = DEFAULT_MIN_N) -> dict[str, frozenset]:
    """Published, the parts of population `df` every output hides whole, whatever a row's own n (`report.
    publication.published_rows`'s ``hidden_parts``): the sites of `sites_hidden`, and the groups of the
    grouping `by` (None: the user groups) that Tabel 3.2 by that grouping hides — small, or protecting a
    small one. A group hidden in one table is then hidden in all, with its rows of n = 0 (a reviewer:
    «Interviewer 1: 0 ja, 0 nej» beside a group shown «<5» told that all of its few gave no answer)."""
    parts: dict[str, frozenset] = {}
    sites = sites_hidden(df, guide, min_n)
    if sites:
        parts["site"] = sites
    if by != "sted":
        t = tabel_3_2(df, guide, by=by or "brugergruppe")
        col = row_column(by or "brugergruppe")
        gone = set(t[col][published_rows("3.2", t, len(df), min_n)]) - {I_ALT}
        if gone:
            parts[col] = frozenset(gone)
    return parts


#: a published population cut to a part its parent hides: what the part is, in the refusal (never its name)
_FILTER_WORDS = {"group": "en brugergruppe", "perspektiv": "et arbejdsmarkedsperspektiv", "site": "et sted",
                 "interviewer": "en interviewer"}


def check_published_filters(wide: pd.DataFrame, guide: Guide | None, group: str | None = None,
                            site_type: str | None = None, cuts=None, min_n: int = DEFAULT_MIN_N) -> None:
    """Published, a population filtered to a user group, a perspektiv, a site or an interviewer that the same
    population without that filter hides whole (`hidden_parts`: Tabel 3.2 by that grouping, the hidden sites)
    is refused (`TableError`, Danish): its «I alt» is that part's numbers, and beside the unfiltered output
    they give the part it protects away (a reviewer: `crosstab tilbudstype gender --group etniske --publish
    --min-n 6` was De etniske whole, and Andet = the hidden pair minus it)."""
    cuts = cuts or NO_CUTS
    tests = []
    if group:
        tests.append(("group", group, population(wide, None, site_type, cuts), None, "brugergruppe"))
    if cuts.perspektiv:
        tests.append(("perspektiv", cuts.perspektiv, population(wide, group, site_type, replace(cuts, perspektiv=None)),
                      "perspektiv", row_column("perspektiv")))
    if cuts.site:
        tests.append(("site", cuts.site, population(wide, group, site_type, replace(cuts, site=None)), "sted", "site"))
    if cuts.interviewer:
        tests.append(("interviewer", cuts.interviewer, population(wide, group, site_type, replace(cuts, interviewer=None)),
                      "interviewer", row_column("interviewer")))
    for what, value, parent, by, col in tests:
        if value in hidden_parts(parent, guide, by, min_n).get(col, ()):
            raise TableError(f"Til offentliggørelse kan populationen ikke afgrænses til {_FILTER_WORDS[what]}, som "
                             f"skjules i populationen uden den afgrænsning (n under {min_n}, eller for at beskytte en "
                             "lille): dens tal kunne regnes ud af de andres. Brug populationen uden afgrænsningen.")


def figur_3_1(df: pd.DataFrame, guide: Guide | None = None, by: str = "brugergruppe") -> pd.DataFrame:
    """Figur 3.1: respondents per ``tilbudstype``, by group (or grouped `by`) and in all (long form)."""
    g = resolve_guide(guide)
    out = _distribution(df, "tilbudstype", choices(g, "tilbudstype"), blank_row="nonzero", by=by)
    return out.rename(columns={"svar": "tilbudstype"})


# --------------------------------------------------------------------------- chapter 4

def probe_counts(df: pd.DataFrame, guide: Guide) -> pd.DataFrame:
    """Per probe in guide order: kode, spoergsmaal, ja, ja_vigtigt, nej, nej_vigtigt."""
    probes = guide.probes
    if not probes:
        raise TableError("Spørgeguiden har ingen udbytte-prober (liste probe_svar).")
    counts = np.zeros((len(probes), 4), dtype=np.int64)  # ja, ja_vigtigt, nej, nej_vigtigt
    for i, p in enumerate(probes):  # a loop over the 12 probes; each step is vectorised
        answer = column(df, p.code)
        vigtig = equals(column(df, p.code + "_vigtigt"), "ja")
        ja, nej = equals(answer, "ja"), equals(answer, "nej")
        counts[i] = (ja.sum(), (ja & vigtig).sum(), nej.sum(), (nej & vigtig).sum())
    out = pd.DataFrame({"kode": pd.Series([p.code for p in probes], dtype=object),
                        "spoergsmaal": pd.Series([p.label for p in probes], dtype=object),
                        "ja": counts[:, 0], "ja_vigtigt": counts[:, 1],
                        "nej": counts[:, 2], "nej_vigtigt": counts[:, 3]})
    return out


def tabel_4_1(df: pd.DataFrame, guide: Guide | None = None) -> pd.DataFrame:
    """Tabel 4.1: ``kode,spoergsmaal,ja,nej`` per probe, by ``ja`` descending (ties: guide order)."""
    out = probe_counts(df, resolve_guide(guide)).sort_values("ja", ascending=False, kind="stable")
    return out[["kode", "spoergsmaal", "ja", "nej"]].reset_index(drop=True)


def tabel_4_2(df: pd.DataFrame, guide: Guide | None = None) -> pd.DataFrame:
    """Tabel 4.2: Tabel 4.1 plus ``ja_vigtigt`` and ``nej_vigtigt`` (``<probe>_vigtigt = ja``)."""
    out = probe_counts(df, resolve_guide(guide)).sort_values("ja", ascending=False, kind="stable")
    return out.reset_index(drop=True)


def with_shares(tid: str, t: pd.DataFrame) -> pd.DataFrame:
    """The table with the shares the report prints beside its counts (the CSV keeps method.md's
    columns): Tabel 3.1 gets ``andel`` (of the population, the ``i_alt`` row); Tabel 4.1 and 4.2 get
    ``n`` (ja + nej) and ``andel_ja`` (ja / n). Other tables are returned as they are."""
    out = t.copy()
    if tid == "3.1":
        out["andel"] = share(t["antal"], np.full(len(t), t["antal"].iloc[-1] if len(t) else 0))
    elif tid in ("4.1", "4.2"):
        n = (t["ja"] + t["nej"]).astype(np.int64)
        out["n"] = n
        out["andel_ja"] = share(t["ja"], n)
    return out


def check_probe(guide: Guide, probe: str | None) -> str:
    """The probe code if the guide has it; else TableError listing the probes."""
    codes = [p.code for p in guide.probes]
    if probe is None or str(probe).strip() == "":
        raise TableError("Figur 4 kræver en probe (--probe) — tilladt: " + ", ".join(codes) + ".")
    if probe not in codes:
        raise allowed("probe", probe, codes)
    return probe


def figur_4(df: pd.DataFrame, guide: Guide | None = None, probe: str | None = None,
            by: str = "brugergruppe") -> pd.DataFrame:
    """Figur 4.x for one probe: share and count of ``ja`` among ``ja`` + ``nej`` by group (or grouped `by`)."""
    probe = check_probe(resolve_guide(guide), probe)
    g, levels = group_rows(df, by)
    ans, _ = factor(column(df, probe), ("ja", "nej"), extra=False)
    counts = grid(g, len(levels), ans, 2)
    counts = np.vstack([counts, counts.sum(axis=0, keepdims=True)])
    ja, nej = counts[:, 0], counts[:, 1]
    n = ja + nej
    lo, hi = wilson(ja, n)
    return pd.DataFrame({"kode": probe, row_column(by): levels + [I_ALT], "n": n.astype(np.int64),
                         "ja": ja.astype(np.int64), "nej": nej.astype(np.int64), "andel_ja": share(ja, n),
                         "andel_ja_lav": lo, "andel_ja_hoej": hi})


# --------------------------------------------------------------------------- chapter 7

def figur_7(df: pd.DataFrame, n: int, guide: Guide | None = None, by: str = "brugergruppe") -> pd.DataFrame:
    """Figur 7.n (n = 1..4): distribution of the item by group (or grouped `by`), blanks as ``ikke_besvaret``."""
    if n not in FIG7_CODES:
        raise allowed("figur", f"7.{n}", [f"7.{k}" for k in FIG7_CODES])
    return fordeling(df, FIG7_CODES[n], guide, by=by)


def fordeling(df: pd.DataFrame, code: str, guide: Guide | None = None, by: str = "brugergruppe") -> pd.DataFrame:
    """One item's answers by group (or grouped `by`): ``kode,<group>,svar,antal,andel,n`` with every
    value in guide order and always ``ikke_besvaret`` (blank), n = the group's respondents (Figur 7.x,
    and the judgements of `JUDGEMENTS`)."""
    out = _distribution(df, code, choices(resolve_guide(guide), code), blank_row="always", by=by)
    out.insert(0, "kode", code)
    return out


def judgement_table(tid: str) -> Callable[..., pd.DataFrame]:
    """`fordeling` of one of `JUDGEMENTS`, with the signature of the other tables (df, guide=…, by=…)."""
    f = partial(_judgement, code=JUDGEMENTS[tid])
    f.__doc__ = f"{JUDGEMENTS[tid]} by group (see `fordeling`)."
    return f


def _judgement(df: pd.DataFrame, guide: Guide | None = None, by: str = "brugergruppe", *, code: str) -> pd.DataFrame:
    return fordeling(df, code, guide, by=by)


def item_of(tid: str) -> str | None:
    """The item a distribution table counts (Figur 7.x, the judgements), else None."""
    if tid.startswith("fig7.") and tid[5:].isdigit() and int(tid[5:]) in FIG7_CODES:
        return FIG7_CODES[int(tid[5:])]
    return JUDGEMENTS.get(tid)


def figur_7_table(n: int) -> Callable[..., pd.DataFrame]:
    """`figur_7` for one n, with the signature of the other tables (df, guide=…)."""
    f = partial(figur_7, n=n)
    f.__doc__ = f"Figur 7.{n}: {FIG7_CODES[n]} by group (see `figur_7`)."
    return f


def inddragelse_tilfredshed(df: pd.DataFrame, guide: Guide | None = None) -> pd.DataFrame:
    """Section 7.2: crosstab ``inddraget`` × ``samlet_tilfredshed`` (blanks not counted)."""
    g = resolve_guide(guide)
    r, r_levels = factor(column(df, "inddraget"), choices(g, "inddraget"))
    c, c_levels = factor(column(df, "samlet_tilfredshed"), choices(g, "samlet_tilfredshed"))
    counts = grid(r, len(r_levels), c, len(c_levels))
    counts = np.vstack([counts, counts.sum(axis=0, keepdims=True)])
    out = pd.DataFrame(counts.astype(np.int64), columns=c_levels)
    out.insert(0, "inddraget", r_levels + [I_ALT])
    out["i_alt"] = counts.sum(axis=1).astype(np.int64)
    col = "tilfreds" if "tilfreds" in c_levels else None
    out["andel_tilfreds"] = share(out[col] if col else np.zeros(len(out)), out["i_alt"])
    return out


# --------------------------------------------------------------------------- CSV

#: The age bands' own labels: constants of this module, written as they are in CSV ("-29" is the
#: form method.md fixes, and a spreadsheet reads it as a number, never a formula).
AGE_LABELS = frozenset(label for label, _ in AGE_BANDS)


def analysis_population(fmt: str, wide: pd.DataFrame, group: str | None, site_type: str | None,
                        cuts: Cuts | None) -> tuple[pd.DataFrame, Cuts]:
    """What every rendered analysis (matrix, co-occurrence, word frequency, saturation) begins with: the format
    checked, the cuts (none by default), and the population they, `group` and `site_type` leave."""
    if fmt not in FORMATS:
        raise allowed("format", fmt, FORMATS)
    cuts = cuts or NO_CUTS
    return population(wide, group or None, site_type or None, cuts), cuts


def to_csv(table: pd.DataFrame, columns: Sequence[str] | None = None) -> str:
    """CSV text of a table DataFrame: header first, floats as 3-digit decimals, blank for NaN.

    Written by `survey.files.csv_text`, the one CSV rule: every text cell that a spreadsheet
    would read as a formula (a site named ``=HYPERLINK(…)``, ``+cmd``, ``-2+3``, ``@SUM(1)``)
    gets a leading ``'``; numbers (and the float columns, formatted here) and this module's age
    band labels (`AGE_LABELS`) are left as they are."""
    out = table[list(columns)] if columns is not None else table
    out = out.copy()
    plain: list[int] = []
    for j, c in enumerate(out.columns):
        col = out.iloc[:, j]
        if pd.api.types.is_float_dtype(col):
            out.isetitem(j, pd.Series([fmt3(v) for v in col.tolist()], index=out.index, dtype=object))
            plain.append(j)
        elif pd.api.types.is_bool_dtype(col):
            out.isetitem(j, col.map({True: "ja", False: "nej"}))
        elif pd.api.types.is_numeric_dtype(col):
            plain.append(j)
        elif col.dtype == object:  # a published table's blanked rows make a float column objects: the same
            vals = col.tolist()    # 3 decimals as unblanked (a tester: 0.818 became 0.8181818181818182)
            if any(type(v) is float for v in vals):
                out.isetitem(j, pd.Series([fmt3(v) if type(v) is float else v for v in vals], index=out.index,
                                          dtype=object))
                if all(v is None or type(v) in (int, float) for v in vals):
                    plain.append(j)
    return csv_text(out, [str(c) for c in out.columns], plain=plain, verbatim=AGE_LABELS)


# --------------------------------------------------------------------------- Markdown

#: the first column of a table "by group", by grouping (`report.population.BY`), and its heading
ROW_HEADINGS: dict[str, str] = {"brugergruppe": "Brugergruppe", "arbejdsmarkedsperspektiv": "Arbejdsmarkedsperspektiv",
                                "site": "Sted", "interviewer": "Interviewer"}


def row_col(t: pd.DataFrame) -> str:
    """The column a table "by group" is grouped on (``brugergruppe`` unless grouped otherwise)."""
    return next((c for c in t.columns if c in ROW_HEADINGS), "brugergruppe")


def _pivot_md(long: pd.DataFrame, guide: Guide, code: str, value_col: str) -> str:
    rc = row_col(long)
    values = list(dict.fromkeys(long[value_col]))
    groups = list(dict.fromkeys(long[rc]))
    idx = long.set_index([rc, value_col])
    rows = []
    for g in groups:
        cells = [value_label(guide, rc, g)]
        for v in values:
            r = idx.loc[(g, v)]
            cells.append(f"{int(r['antal'])} ({pct(r['andel'])})")
        n = int(idx.loc[(g, values[0]), "n"]) if values else 0
        cells.append(f"{n} *" if hidden(n, DEFAULT_MIN_N) else n)
        rows.append(cells)
    headers = [ROW_HEADINGS[rc]] + [value_label(guide, code, v) for v in values] + ["n"]
    return md_table(headers, rows, [False] + [True] * (len(values) + 1))


def markdown_body(tid: str, t: pd.DataFrame, guide: Guide) -> tuple[str, list[str]]:
    """(the Markdown table, the notes under it) for one of this module's tables (Danish labels)."""
    notes: list[str] = []
    if tid == "3.1":
        labels = {lab: f"{lab} år" for lab, _ in AGE_BANDS} | {UOPLYST: "Uoplyst", I_ALT: "I alt"}
        body = md_table(["Alder", "Antal"], [[labels[a], k] for a, k in zip(t["alder"], t["antal"])],
                        [False, True])
    elif tid == "3.2":
        rc = row_col(t)
        body = md_table([ROW_HEADINGS[rc], "Kvinde", "Mand", "I alt"],
                        [[value_label(guide, rc, r[rc]), r["kvinde"], r["mand"],
                          f"{r['i_alt']} *" if hidden(r["i_alt"], DEFAULT_MIN_N) else r["i_alt"]]
                         for _, r in t.iterrows()], [False, True, True, True])
        if rc == "brugergruppe":
            notes.append("Brugergruppe = forskerens kodning, ellers standardreglen ud fra arketype og alder.")
        if any(hidden(n, DEFAULT_MIN_N) for n in t["i_alt"]):
            notes.append(small_n_note(DEFAULT_MIN_N))
    elif tid == "oversigt":
        rows = []
        for r in t.itertuples():
            typ, name = site_labels(r.site_type, r.site, guide)
            rows.append([typ, name, r.interviewet,
                         f"{r.udvalgt_af_personalet} ({pct(r.andel_udvalgt_af_personalet)})",
                         f"{r.samtykke_givet} ({pct(r.andel_samtykke_givet)})",
                         f"{r.samtykke_ikke_givet} ({pct(r.andel_samtykke_ikke_givet)})"])
        body = md_table(["Type", "Sted", "Interviewet", "Udvalgt af personalet på forhånd",
                         "Tilladelse til journalindsigt", "Ikke givet tilladelse"], rows,
                        [False, False, True, True, True, True])
        notes.append("Procenter er af antal interviewede på rækken.")
    elif tid == "fig3.1":
        body = _pivot_md(t, guide, "tilbudstype", "tilbudstype")
        notes.append("Antal (procent af gruppens n).")
        if any(hidden(n, DEFAULT_MIN_N) for n in t["n"]):
            notes.append(small_n_note(DEFAULT_MIN_N))
    elif tid in ("4.1", "4.2"):
        if tid == "4.1":
            body = md_table(["Spørgsmål", "Ja", "Nej"], [[r.spoergsmaal, r.ja, r.nej] for r in t.itertuples()],
                            [False, True, True])
        else:
            body = md_table(["Spørgsmål", "Ja", "heraf vigtigt", "Nej", "heraf vigtigt"],
                            [[r.spoergsmaal, r.ja, r.ja_vigtigt, r.nej, r.nej_vigtigt] for r in t.itertuples()],
                            [False, True, True, True, True])
        notes.append("Ikke relevant, uklart og ubesvaret er ikke talt med; antallet af svar varierer derfor "
                     "fra spørgsmål til spørgsmål.")
    elif tid == "fig4":
        rows = []
        rc = row_col(t)
        for _, r in t.iterrows():
            flag = " *" if hidden(r["n"], DEFAULT_MIN_N) else ""
            ci = "–" if r["n"] == 0 else f"{pct(r['andel_ja_lav'])}–{pct(r['andel_ja_hoej'])}"
            rows.append([value_label(guide, rc, r[rc]), r["ja"], r["nej"], f"{r['n']}{flag}", pct(r["andel_ja"]), ci])
        body = md_table([ROW_HEADINGS[rc], "Ja", "Nej", "n", "Andel ja", "95 % interval"], rows,
                        [False, True, True, True, True, True])
        notes.append("n = ja + nej (ikke relevant, uklart og ubesvaret er ikke talt med). Interval: 95 % "
                     "Wilson-interval.")
        if any(hidden(n, DEFAULT_MIN_N) for n in t["n"]):  # the note explains a «*»: only where one is
            notes.append(small_n_note(DEFAULT_MIN_N))
    elif item_of(tid):
        code = item_of(tid)
        body = _pivot_md(t, guide, code, "svar")
        notes.append("Antal (procent af gruppens n); ubesvaret vises som «Ikke besvaret».")
        if any(hidden(n, DEFAULT_MIN_N) for n in t["n"]):
            notes.append(small_n_note(DEFAULT_MIN_N))
    elif tid == "7.2":
        cols = [c for c in t.columns if c not in ("inddraget", "i_alt", "andel_tilfreds")]
        rows = [[value_label(guide, "inddraget", r["inddraget"])] + [int(r[c]) for c in cols]
                + [int(r["i_alt"]), pct(r["andel_tilfreds"])] for _, r in t.iterrows()]
        body = md_table(["Inddraget"] + [value_label(guide, "samlet_tilfredshed", c) for c in cols]
                        + ["I alt", "Andel tilfredse"], rows, [False] + [True] * (len(cols) + 2))
        notes.append("Kun respondenter med både inddragelse og samlet tilfredshed vurderet er talt med.")
    else:
        raise allowed("tabel", tid, ["3.1", "3.2", "oversigt", "fig3.1", "4.1", "4.2", "fig4",
                                     *(f"fig7.{n}" for n in FIG7_CODES), "7.2", *JUDGEMENTS])
    return body, notes
