"""The report's tables (chapters 3, 4 and 7) and the quality map, as plain functions on the wide frame.

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
* **Population**: `population(df, group, site_type)` adds the *effective* ``brugergruppe``
  (the researcher's value if given, else the default rule on ``arketype`` and ``age``, see
  `archetypes.effective_group`) and filters on it and on ``site_type``. Every table "by
  group" uses the effective group. Respondents with no effective group (no archetype, or
  ``eks_misbruger`` with no age) are the row ``uoplyst``, shown only when non-zero.
* Group rows come in the report's order (``GROUP_ORDER``: andet, etniske,
  psykisk_paafaldende, unge_misbrugere, aeldre_misbrugere), then ``uoplyst`` (when
  non-zero), then ``i_alt`` = every respondent of the population. All five groups are
  always listed (zeros included) so the shape is stable; `render(..., group=G)` keeps only
  G and ``i_alt``.
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
* ``kvalitetskort`` `kvalitetskort` — ``kode,spoergsmaal,n,udbytte,vigtighed,gap``, one row
  per probe in guide order (stable across groups). The function's DataFrame also holds
  ``ja, nej, ja_vigtigt, nej_vigtigt``, the 95 % Wilson intervals ``udbytte_lav,
  udbytte_hoej, vigtighed_lav, vigtighed_hoej`` and ``suppressed`` (n < ``min_n``, default
  5); Markdown marks suppressed rows. Anything shown outside the research team must honour
  ``suppressed`` (the CSV keeps method.md's columns, with ``n`` on every row).

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

Crosstab (`crosstab`, `render_crosstab`; ``brugerblik crosstab A B``)
-------------------------------------------------------------------
Any two coded variables, e.g. ``forsoergelse`` × ``arbejdsmarked`` (section 4.3.3) or
``forsoergelse`` × ``tilbudstype`` (section 3.4). Allowed: ``select_one`` items and numbers
with bands (``age`` in Tabel 3.1's bands, `CROSSTAB_BANDS`); ``brugergruppe`` is the effective
group. Not ``select_multiple`` (several values per respondent: row percentages would not add
up), free text or unbanded numbers. CSV: ``<a>,antal_<v>…,n,andel_<v>…`` — one row per value of
A (all listed, zeros included), last ``i_alt``; ``n`` = the row's respondents with an answer to
both, ``andel_<v>`` = row percentage. Blanks are not counted; the number left out is in
``DataFrame.attrs`` and in the Markdown note (`crosstab_note`).

Performance: everything is vectorised (categorical codes + ``numpy.bincount``); Python
loops run only over table rows/probes, never over respondents.
"""
from __future__ import annotations

import math
from functools import partial
from typing import Callable, Iterable, Sequence

import numpy as np
import pandas as pd

from archetypes.model import GROUP_ORDER, GROUPS
from archetypes.rule import AGE_SPLIT, RULE
from survey.guide import Guide, load_guide

__all__ = [
    "TableError", "TABLES", "TITLES", "CSV_COLUMNS", "DEFAULT_MIN_N", "FIG7_CODES", "AGE_BANDS",
    "I_ALT", "UOPLYST", "IKKE_BESVARET", "wilson", "effective_groups", "population",
    "tabel_3_1", "tabel_3_2", "oversigt", "figur_3_1", "tabel_4_1", "tabel_4_2", "figur_4",
    "figur_7", "inddragelse_tilfredshed", "kvalitetskort", "render", "to_csv",
    "CROSSTAB_BANDS", "crosstab_variables", "crosstab", "crosstab_note", "render_crosstab",
]

I_ALT = "i_alt"
UOPLYST = "uoplyst"
IKKE_BESVARET = "ikke_besvaret"
DEFAULT_MIN_N = 5
SITE_TYPES: tuple[str, ...] = ("boform", "vaerested")
# Tabel 3.1: (label, lower bound inclusive); a band runs up to the next band's lower bound.
AGE_BANDS: tuple[tuple[str, float], ...] = (("-29", -math.inf), ("30-39", 30), ("40-49", 40), ("50-", 50))
FIG7_CODES: dict[int, str] = {1: "rigtige_mennesker", 2: "samarbejde", 3: "kunne_vaere_bedre",
                              4: "nok_med_at_bestemme"}


class TableError(ValueError):
    """A table request that cannot be served (unknown id, group, probe …); Danish message."""


# --------------------------------------------------------------------------- small helpers

def _allowed(what: str, value: object, allowed: Iterable[str]) -> TableError:
    return TableError(f"Ukendt {what} {value!r} — tilladt: {', '.join(allowed)}.")


def _col(df: pd.DataFrame, code: str) -> np.ndarray:
    """Column `code` as an object array (all None when the frame lacks the column).

    Object columns (the wide frame's) are used as they are; other dtypes (pandas ``str``,
    ``string``, numbers) are converted with their missing values as None.
    """
    if code not in df.columns:
        return np.full(len(df), None, dtype=object)
    s = df[code]
    if s.dtype == object:
        return s.to_numpy()
    return s.to_numpy(dtype=object, na_value=None)


def _is_blank(v: object) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and v == "")


def _equals(arr: np.ndarray, value: str) -> np.ndarray:
    """Boolean array arr == value, blanks never equal (also tolerates pd.NA in object arrays)."""
    try:
        return np.asarray(arr == value, dtype=bool)
    except TypeError:  # pd.NA has no truth value: compare the non-missing cells only
        out = np.zeros(arr.shape, dtype=bool)
        ok = ~pd.isna(arr)
        out[ok] = arr[ok] == value
        return out


def _factor(arr: np.ndarray, known: Sequence[object] = (), extra: bool = True
            ) -> tuple[np.ndarray, list[object]]:
    """(codes, levels): `known` values first, then (if `extra`) other non-blank values seen,
    sorted; codes index `levels`, -1 = blank (None, NaN, "") or, without `extra`, unknown.

    Uses one hash pass (`pandas.factorize`) and a lookup over the few distinct values.
    """
    codes, uniq = pd.factorize(arr, use_na_sentinel=True)
    levels = list(known)
    pos = {v: i for i, v in enumerate(levels)}
    if extra:
        for u in sorted((u for u in uniq if not _is_blank(u) and u not in pos), key=str):
            pos[u] = len(levels)
            levels.append(u)
    lut = np.array([pos.get(u, -1) if not _is_blank(u) else -1 for u in uniq] + [-1], dtype=np.int64)
    return lut[codes], levels


def _numbers(arr: np.ndarray) -> np.ndarray:
    """Numeric value of each cell (NaN for blank or non-numeric), converting distinct values only."""
    codes, uniq = pd.factorize(arr, use_na_sentinel=True)
    vals = pd.to_numeric(pd.Series(list(uniq), dtype=object), errors="coerce").to_numpy(dtype=float)
    return np.append(vals, np.nan)[codes]


def _eq(df: pd.DataFrame, code: str, value: str) -> np.ndarray:
    """Boolean array: respondents whose `code` is exactly `value` (blank is never equal)."""
    return _equals(_col(df, code), value)


def _grid(r: np.ndarray, n_r: int, c: np.ndarray, n_c: int) -> np.ndarray:
    """Counts of (row code, column code) pairs as an n_r × n_c array; -1 codes are skipped."""
    ok = (r >= 0) & (c >= 0)
    flat = np.bincount(r[ok] * n_c + c[ok], minlength=n_r * n_c)
    return flat.reshape(n_r, n_c).astype(np.int64)


def _share(k: np.ndarray | pd.Series, n: np.ndarray | pd.Series) -> np.ndarray:
    """k / n as floats, NaN where n == 0 (no division error, no warning)."""
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    out = np.full(np.broadcast(k, n).shape, np.nan)
    np.divide(k, n, out=out, where=n > 0)
    return out


def wilson(k: float | np.ndarray, n: float | np.ndarray, z: float = 1.96
           ) -> tuple[float | np.ndarray, float | np.ndarray]:
    """Wilson score interval (low, high) for k successes out of n; z = 1.96 gives 95 %.

    Works on scalars and numpy arrays; n = 0 gives (nan, nan).
    """
    k_a, n_a = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k_a / n_a
        denom = 1 + z * z / n_a
        centre = (p + z * z / (2 * n_a)) / denom
        half = z * np.sqrt(p * (1 - p) / n_a + z * z / (4 * n_a * n_a)) / denom
    lo = np.where(n_a > 0, np.clip(centre - half, 0.0, 1.0), np.nan)
    hi = np.where(n_a > 0, np.clip(centre + half, 0.0, 1.0), np.nan)
    if lo.ndim == 0:
        return float(lo), float(hi)
    return lo, hi


def _guide(guide: Guide | None) -> Guide:
    return guide if guide is not None else load_guide()


def _choices(guide: Guide, code: str) -> list[str]:
    return guide.item(code).choice_values() if code in guide.items else []


# --------------------------------------------------------------------------- population

_ARCHETYPE_CODES = list(RULE)
_RULE_TARGET = np.array([GROUP_ORDER.index(RULE[a]) if RULE[a] else -2 for a in _ARCHETYPE_CODES] + [-1],
                        dtype=np.int64)  # -2: depends on age; last entry: unknown/blank archetype
_UNGE, _AELDRE = GROUP_ORDER.index("unge_misbrugere"), GROUP_ORDER.index("aeldre_misbrugere")


def _group_codes(df: pd.DataFrame) -> np.ndarray:
    """Effective group of every respondent as an index into GROUP_ORDER (-1 = unknown).

    Vectorised `archetypes.effective_group`: the researcher's ``brugergruppe`` if given,
    else the default rule on ``arketype`` (``eks_misbruger``: age under 40 → unge, else
    ældre). A given value that is not a group code, an unknown archetype, or an
    eks_misbruger with no numeric age gives -1 (``uoplyst``).
    """
    given_arr = _col(df, "brugergruppe")
    given, _ = _factor(given_arr, GROUP_ORDER, extra=False)
    given_blank = pd.isna(given_arr) | _equals(given_arr, "")
    arke, _ = _factor(_col(df, "arketype"), _ARCHETYPE_CODES, extra=False)
    derived = _RULE_TARGET[arke]
    by_age = derived == -2
    if by_age.any():
        age = _numbers(_col(df, "age")[by_age])
        derived[by_age] = np.where(np.isnan(age), -1, np.where(age < AGE_SPLIT, _UNGE, _AELDRE))
    return np.where(given_blank, derived, given)


_GROUP_VALUES = np.array(list(GROUP_ORDER) + [None], dtype=object)


def effective_groups(df: pd.DataFrame) -> pd.Series:
    """The effective user group of every respondent (object Series of codes, None = unknown)."""
    return pd.Series(_GROUP_VALUES[_group_codes(df)], index=df.index, dtype=object)


def _check_group(group: str | None) -> None:
    if group is not None and group not in GROUPS:
        raise _allowed("brugergruppe", group, GROUP_ORDER)


def _check_site_type(site_type: str | None) -> None:
    if site_type is not None and site_type not in SITE_TYPES:
        raise _allowed("stedtype", site_type, SITE_TYPES)


def population(df: pd.DataFrame, group: str | None = None, site_type: str | None = None) -> pd.DataFrame:
    """The respondents a table is computed on, with ``brugergruppe`` = the effective group.

    `group` (a code of `GROUPS`) keeps the respondents whose *effective* group it is;
    `site_type` (``boform``/``vaerested``) those of that type. Unknown codes raise
    `TableError`; None or "" means no filter. The input frame is not modified.
    """
    group, site_type = group or None, site_type or None
    _check_group(group)
    _check_site_type(site_type)
    codes = _group_codes(df)
    out = df.assign(brugergruppe=pd.Series(_GROUP_VALUES[codes], index=df.index, dtype=object))
    mask = np.ones(len(df), dtype=bool)
    if group is not None:
        mask &= codes == GROUP_ORDER.index(group)
    if site_type is not None:
        mask &= _eq(df, "site_type", site_type)
    return out if mask.all() else out.loc[mask]


def _group_rows(df: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """(group code per respondent, row levels): GROUP_ORDER, then ``uoplyst`` if needed.

    Codes index the levels; ``i_alt`` is not a level (callers add it as the column sum).
    """
    g = _group_codes(df)
    levels = list(GROUP_ORDER)
    missing = g < 0
    if missing.any():
        g = np.where(missing, len(levels), g)
        levels.append(UOPLYST)
    return g, levels


def _distribution(df: pd.DataFrame, code: str, known: Sequence[str], *, blank_row: str) -> pd.DataFrame:
    """Long table brugergruppe × value of `code` with antal, andel, n (see module doc).

    blank_row: "always" or "nonzero" — when to list blanks as ``ikke_besvaret``.
    """
    g, g_levels = _group_rows(df)
    vc, v_levels = _factor(_col(df, code), known)
    blank = vc < 0  # only true blanks: every value seen is a level
    if blank_row == "always" or blank.any():
        vc = np.where(blank, len(v_levels), vc)
        v_levels = v_levels + [IKKE_BESVARET]
    grid = _grid(g, len(g_levels), vc, len(v_levels))
    grid = np.vstack([grid, grid.sum(axis=0, keepdims=True)])
    rows = g_levels + [I_ALT]
    n = np.append(np.bincount(g, minlength=len(g_levels)), len(df))
    antal = grid.ravel()
    n_long = np.repeat(n, len(v_levels))
    return pd.DataFrame({
        "brugergruppe": np.repeat(np.array(rows, dtype=object), len(v_levels)),
        "svar": np.tile(np.array(v_levels, dtype=object), len(rows)),
        "antal": antal.astype(np.int64),
        "andel": _share(antal, n_long),
        "n": n_long.astype(np.int64),
    })


# --------------------------------------------------------------------------- chapter 3

def tabel_3_1(df: pd.DataFrame, guide: Guide | None = None) -> pd.DataFrame:
    """Tabel 3.1 Alder: ``alder,antal`` (bands, ``uoplyst`` when non-zero, ``i_alt``)."""
    age = _numbers(_col(df, "age"))
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


def tabel_3_2(df: pd.DataFrame, guide: Guide | None = None) -> pd.DataFrame:
    """Tabel 3.2: ``brugergruppe,kvinde,mand,i_alt`` by effective group, last row ``i_alt``."""
    g, levels = _group_rows(df)
    sex, _ = _factor(_col(df, "gender"), ("kvinde", "mand"), extra=False)
    grid = _grid(g, len(levels), sex, 2)
    total = np.bincount(g, minlength=len(levels))
    return pd.DataFrame({"brugergruppe": pd.Series(levels + [I_ALT], dtype=object),
                         "kvinde": np.append(grid[:, 0], grid[:, 0].sum()).astype(np.int64),
                         "mand": np.append(grid[:, 1], grid[:, 1].sum()).astype(np.int64),
                         "i_alt": np.append(total, len(df)).astype(np.int64)})


_OVERSIGT_COUNTS = ("interviewet", "udvalgt_af_personalet", "samtykke_givet", "samtykke_ikke_givet")


def oversigt(df: pd.DataFrame, guide: Guide | None = None) -> pd.DataFrame:
    """Oversigt over interview: per site, grouped by site type with subtotals and a total."""
    t_codes, t_levels = _factor(_col(df, "site_type"), SITE_TYPES)
    s_codes, s_levels = _factor(_col(df, "site"))
    t_levels, s_levels = t_levels + [UOPLYST], s_levels + [UOPLYST]
    t_codes = np.where(t_codes < 0, len(t_levels) - 1, t_codes)
    s_codes = np.where(s_codes < 0, len(s_levels) - 1, s_codes)
    key = t_codes * len(s_levels) + s_codes
    size = len(t_levels) * len(s_levels)
    flags = (np.ones(len(df), dtype=bool), _eq(df, "selected_by_staff", "ja"),
             _eq(df, "consent_journal", "ja"), _eq(df, "consent_journal", "nej"))
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
    cols |= {"andel_" + c: _share(num[:, i], num[:, 0]) for i, c in enumerate(_OVERSIGT_COUNTS) if i}
    return pd.DataFrame(cols)


def figur_3_1(df: pd.DataFrame, guide: Guide | None = None) -> pd.DataFrame:
    """Figur 3.1: respondents per ``tilbudstype``, by group and in all (long form)."""
    g = _guide(guide)
    out = _distribution(df, "tilbudstype", _choices(g, "tilbudstype"), blank_row="nonzero")
    return out.rename(columns={"svar": "tilbudstype"})


# --------------------------------------------------------------------------- chapter 4

def _probe_codes(guide: Guide) -> list[str]:
    return [p.code for p in guide.probes]


def _probe_counts(df: pd.DataFrame, guide: Guide) -> pd.DataFrame:
    """Per probe in guide order: kode, spoergsmaal, ja, ja_vigtigt, nej, nej_vigtigt."""
    probes = guide.probes
    if not probes:
        raise TableError("Spørgeguiden har ingen udbytte-prober (liste probe_svar).")
    counts = np.zeros((len(probes), 4), dtype=np.int64)  # ja, ja_vigtigt, nej, nej_vigtigt
    for i, p in enumerate(probes):  # a loop over the 12 probes; each step is vectorised
        answer = _col(df, p.code)
        vigtig = _equals(_col(df, p.code + "_vigtigt"), "ja")
        ja, nej = _equals(answer, "ja"), _equals(answer, "nej")
        counts[i] = (ja.sum(), (ja & vigtig).sum(), nej.sum(), (nej & vigtig).sum())
    out = pd.DataFrame({"kode": pd.Series([p.code for p in probes], dtype=object),
                        "spoergsmaal": pd.Series([p.label for p in probes], dtype=object),
                        "ja": counts[:, 0], "ja_vigtigt": counts[:, 1],
                        "nej": counts[:, 2], "nej_vigtigt": counts[:, 3]})
    return out


def tabel_4_1(df: pd.DataFrame, guide: Guide | None = None) -> pd.DataFrame:
    """Tabel 4.1: ``kode,spoergsmaal,ja,nej`` per probe, by ``ja`` descending (ties: guide order)."""
    out = _probe_counts(df, _guide(guide)).sort_values("ja", ascending=False, kind="stable")
    return out[["kode", "spoergsmaal", "ja", "nej"]].reset_index(drop=True)


def tabel_4_2(df: pd.DataFrame, guide: Guide | None = None) -> pd.DataFrame:
    """Tabel 4.2: Tabel 4.1 plus ``ja_vigtigt`` and ``nej_vigtigt`` (``<probe>_vigtigt = ja``)."""
    out = _probe_counts(df, _guide(guide)).sort_values("ja", ascending=False, kind="stable")
    return out.reset_index(drop=True)


def _check_probe(guide: Guide, probe: str | None) -> str:
    codes = _probe_codes(guide)
    if probe is None or str(probe).strip() == "":
        raise TableError("Figur 4 kræver en probe (--probe) — tilladt: " + ", ".join(codes) + ".")
    if probe not in codes:
        raise _allowed("probe", probe, codes)
    return probe


def figur_4(df: pd.DataFrame, guide: Guide | None = None, probe: str | None = None) -> pd.DataFrame:
    """Figur 4.x for one probe: share and count of ``ja`` among ``ja`` + ``nej`` by group."""
    probe = _check_probe(_guide(guide), probe)
    g, levels = _group_rows(df)
    ans, _ = _factor(_col(df, probe), ("ja", "nej"), extra=False)
    grid = _grid(g, len(levels), ans, 2)
    grid = np.vstack([grid, grid.sum(axis=0, keepdims=True)])
    ja, nej = grid[:, 0], grid[:, 1]
    n = ja + nej
    lo, hi = wilson(ja, n)
    return pd.DataFrame({"kode": probe, "brugergruppe": levels + [I_ALT], "n": n.astype(np.int64),
                         "ja": ja.astype(np.int64), "nej": nej.astype(np.int64), "andel_ja": _share(ja, n),
                         "andel_ja_lav": lo, "andel_ja_hoej": hi})


def kvalitetskort(df: pd.DataFrame, guide: Guide | None = None, group: str | None = None, *,
                  min_n: int = DEFAULT_MIN_N, z: float = 1.96) -> pd.DataFrame:
    """The quality map's points (method.md "kvalitetskort"), one row per probe in guide order.

    n = respondents with the probe ``ja`` or ``nej``; udbytte = ja / n; vigtighed =
    (ja_vigtigt + nej_vigtigt) / n; gap = vigtighed − udbytte (positive = important but not
    delivered). Proportions are NaN when n = 0. Adds the Wilson intervals and
    ``suppressed`` = n < `min_n`. `group` restricts to one effective user group.
    """
    if group is not None:
        df = population(df, group=group)
    c = _probe_counts(df, _guide(guide))
    ja, nej = c["ja"].to_numpy(), c["nej"].to_numpy()
    ja_v, nej_v = c["ja_vigtigt"].to_numpy(), c["nej_vigtigt"].to_numpy()
    n = ja + nej
    vig = ja_v + nej_v
    udb, vgt = _share(ja, n), _share(vig, n)
    u_lo, u_hi = wilson(ja, n, z)
    v_lo, v_hi = wilson(vig, n, z)
    return pd.DataFrame({"kode": c["kode"], "spoergsmaal": c["spoergsmaal"], "n": n,
                         "udbytte": udb, "vigtighed": vgt, "gap": vgt - udb,
                         "ja": ja, "nej": nej, "ja_vigtigt": ja_v, "nej_vigtigt": nej_v,
                         "udbytte_lav": u_lo, "udbytte_hoej": u_hi,
                         "vigtighed_lav": v_lo, "vigtighed_hoej": v_hi,
                         "suppressed": n < min_n})


# --------------------------------------------------------------------------- chapter 7

def figur_7(df: pd.DataFrame, n: int, guide: Guide | None = None) -> pd.DataFrame:
    """Figur 7.n (n = 1..4): distribution of the item by group, blanks as ``ikke_besvaret``."""
    if n not in FIG7_CODES:
        raise _allowed("figur", f"7.{n}", [f"7.{k}" for k in FIG7_CODES])
    code = FIG7_CODES[n]
    out = _distribution(df, code, _choices(_guide(guide), code), blank_row="always")
    out.insert(0, "kode", code)
    return out


def inddragelse_tilfredshed(df: pd.DataFrame, guide: Guide | None = None) -> pd.DataFrame:
    """Section 7.2: crosstab ``inddraget`` × ``samlet_tilfredshed`` (blanks not counted)."""
    g = _guide(guide)
    r, r_levels = _factor(_col(df, "inddraget"), _choices(g, "inddraget"))
    c, c_levels = _factor(_col(df, "samlet_tilfredshed"), _choices(g, "samlet_tilfredshed"))
    grid = _grid(r, len(r_levels), c, len(c_levels))
    grid = np.vstack([grid, grid.sum(axis=0, keepdims=True)])
    out = pd.DataFrame(grid.astype(np.int64), columns=c_levels)
    out.insert(0, "inddraget", r_levels + [I_ALT])
    out["i_alt"] = grid.sum(axis=1).astype(np.int64)
    col = "tilfreds" if "tilfreds" in c_levels else None
    out["andel_tilfreds"] = _share(out[col] if col else np.zeros(len(out)), out["i_alt"])
    return out


# --------------------------------------------------------------------------- registry

def _fig7(n: int) -> Callable[..., pd.DataFrame]:
    f = partial(figur_7, n=n)
    f.__doc__ = f"Figur 7.{n}: {FIG7_CODES[n]} by group (see `figur_7`)."
    return f


#: table id -> function(df, guide=..., [probe=...]) returning the CSV-form DataFrame.
TABLES: dict[str, Callable[..., pd.DataFrame]] = {
    "3.1": tabel_3_1,
    "3.2": tabel_3_2,
    "oversigt": oversigt,
    "fig3.1": figur_3_1,
    "4.1": tabel_4_1,
    "4.2": tabel_4_2,
    "fig4": figur_4,
    "fig7.1": _fig7(1),
    "fig7.2": _fig7(2),
    "fig7.3": _fig7(3),
    "fig7.4": _fig7(4),
    "7.2": inddragelse_tilfredshed,
    "kvalitetskort": kvalitetskort,
}

#: Danish titles (Markdown headings).
TITLES: dict[str, str] = {
    "3.1": "Tabel 3.1 Alder",
    "3.2": "Tabel 3.2 Brugergrupper fordelt på køn",
    "oversigt": "Oversigt over interview",
    "fig3.1": "Figur 3.1 Hvilken type aktivitet er der blevet tilbudt?",
    "4.1": "Tabel 4.1 Udbytte af tilbuddet",
    "4.2": "Tabel 4.2 Udbytte af tilbuddet, og hvor mange der mener, det er vigtigt",
    "fig4": "Figur 4 Andel ja efter brugergruppe",
    "fig7.1": "Figur 7.1 Er det de rigtige mennesker, der har været involveret i beslutning om tilbuddet?",
    "fig7.2": "Figur 7.2 Hvordan vil du beskrive samarbejdet med sagsbehandleren om aktivitets- og "
              "beskæftigelsestilbuddet?",
    "fig7.3": "Figur 7.3 Kunne samarbejdet have været bedre?",
    "fig7.4": "Figur 7.4 Var du nok med til at bestemme, hvad der skulle ske?",
    "7.2": "Brugerinvolvering og tilfredshed (afsnit 7.2)",
    "kvalitetskort": "Kvalitetskort: udbytte og vigtighed",
}

#: CSV columns where method.md fixes them (else: every column of the function's DataFrame).
CSV_COLUMNS: dict[str, list[str]] = {
    "kvalitetskort": ["kode", "spoergsmaal", "n", "udbytte", "vigtighed", "gap"],
}

FORMATS = ("csv", "md")


# --------------------------------------------------------------------------- rendering

def _fmt3(x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    s = f"{x:.3f}"
    return "0.000" if s == "-0.000" else s


#: The age bands' own labels: constants of this module, written as they are in CSV ("-29" is the
#: form method.md fixes, and a spreadsheet reads it as a number, never a formula).
AGE_LABELS = frozenset(label for label, _ in AGE_BANDS)


def to_csv(table: pd.DataFrame, columns: Sequence[str] | None = None) -> str:
    """CSV text of a table DataFrame: header first, floats as 3-digit decimals, blank for NaN.

    Written by `survey.files.csv_text`, the one CSV rule: every text cell that a spreadsheet
    would read as a formula (a site named ``=HYPERLINK(…)``, ``+cmd``, ``-2+3``, ``@SUM(1)``)
    gets a leading ``'``; numbers (and the float columns, formatted here) and this module's age
    band labels (`AGE_LABELS`) are left as they are."""
    from survey.files import csv_text

    out = table[list(columns)] if columns is not None else table
    out = out.copy()
    plain: list[int] = []
    for j, c in enumerate(out.columns):
        col = out.iloc[:, j]
        if pd.api.types.is_float_dtype(col):
            out.isetitem(j, pd.Series([_fmt3(v) for v in col.tolist()], index=out.index, dtype=object))
            plain.append(j)
        elif pd.api.types.is_bool_dtype(col):
            out.isetitem(j, col.map({True: "ja", False: "nej"}))
        elif pd.api.types.is_numeric_dtype(col):
            plain.append(j)
    return csv_text(out, [str(c) for c in out.columns], plain=plain, verbatim=AGE_LABELS)


def keep_group(t: pd.DataFrame, group: str | None) -> pd.DataFrame:
    """With a group filter, a by-group table keeps only that group's row(s) and "I alt"."""
    if group is not None and "brugergruppe" in t.columns:
        return t[t["brugergruppe"].isin([group, I_ALT])].reset_index(drop=True)
    return t


def render(table_id: str, df: pd.DataFrame, guide: Guide, fmt: str = "csv", group: str | None = None,
           site_type: str | None = None, probe: str | None = None) -> str:
    """The table `table_id` for the population (`group`, `site_type`) as CSV or Markdown text.

    Raises `TableError` (Danish message listing what is allowed) for an unknown table id,
    format, group, site type or probe.
    """
    tid = str(table_id).strip().lower()
    group, site_type = group or None, site_type or None
    if tid not in TABLES:
        from exports.triangulation import TABLES as SOURCE_TABLES  # the other sources' tables (issue 7)

        raise _allowed("tabel", table_id, [*TABLES, *SOURCE_TABLES])
    if fmt not in FORMATS:
        raise _allowed("format", fmt, FORMATS)
    _check_group(group)
    _check_site_type(site_type)
    kw = {"probe": _check_probe(guide, probe)} if tid == "fig4" else {}
    pop = population(df, group, site_type) if (group or site_type) else df
    out = TABLES[tid](pop, guide=guide, **kw)
    out = keep_group(out, group)
    if fmt == "csv":
        return to_csv(out, CSV_COLUMNS.get(tid))
    return _markdown(tid, out, guide, n=len(pop), group=group, site_type=site_type, probe=probe)


# --------------------------------------------------------------------------- Markdown

_SMALL_N_NOTE = (f"Markeret med *: n under {DEFAULT_MIN_N} — for få svar til at vise uden for "
                 "forskergruppen.")


def _md_table(headers: Sequence[str], rows: Sequence[Sequence[object]], right: Sequence[bool]) -> str:
    cells = [[str(c) for c in r] for r in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]

    def line(vals: Sequence[str]) -> str:
        return "| " + " | ".join(v.rjust(w) if rt else v.ljust(w) for v, w, rt in zip(vals, widths, right)) + " |"

    sep = "|" + "|".join(("-" * (w + 1) + ":") if rt else ("-" * (w + 2)) for w, rt in zip(widths, right)) + "|"
    return "\n".join([line(headers), sep] + [line(r) for r in cells])


def _da3(x: float) -> str:
    s = _fmt3(x)
    return s.replace(".", ",") if s else "–"


def _pct(x: float) -> str:
    return "–" if x is None or math.isnan(x) else f"{x * 100:.0f} %"


def _group_label(code: str) -> str:
    if code == I_ALT:
        return "I alt"
    if code == UOPLYST:
        return "Uoplyst"
    return GROUPS[code].short if code in GROUPS else code


def _value_label(guide: Guide, code: str, value: str) -> str:
    if value == I_ALT:
        return "I alt"
    if value == IKKE_BESVARET:
        return "Ikke besvaret"
    if value == UOPLYST:
        return "Uoplyst"
    return guide.item(code).choice_label(value) if code in guide.items else value


def _pivot_md(long: pd.DataFrame, guide: Guide, code: str, value_col: str) -> str:
    values = list(dict.fromkeys(long[value_col]))
    groups = list(dict.fromkeys(long["brugergruppe"]))
    idx = long.set_index(["brugergruppe", value_col])
    rows = []
    for g in groups:
        cells = [_group_label(g)]
        for v in values:
            r = idx.loc[(g, v)]
            cells.append(f"{int(r['antal'])} ({_pct(r['andel'])})")
        cells.append(int(idx.loc[(g, values[0]), "n"]) if values else 0)
        rows.append(cells)
    headers = ["Brugergruppe"] + [_value_label(guide, code, v) for v in values] + ["n"]
    return _md_table(headers, rows, [False] + [True] * (len(values) + 1))


def _markdown(tid: str, t: pd.DataFrame, guide: Guide, *, n: int, group: str | None,
              site_type: str | None, probe: str | None) -> str:
    pop = []
    if group:
        pop.append(f"brugergruppe {GROUPS[group].short}")
    if site_type:
        pop.append(f"stedtype {guide.item('site_type').choice_label(site_type) if 'site_type' in guide.items else site_type}")
    title = TITLES[tid]
    if tid == "fig4" and probe:
        title = f"Figur 4 {guide.item(probe).label} — andel ja efter brugergruppe"
    head = [f"## {title}", "",
            f"Population: {', '.join(pop) if pop else 'alle respondenter'} (n = {n}).", ""]
    notes: list[str] = []
    if tid == "3.1":
        labels = {lab: f"{lab} år" for lab, _ in AGE_BANDS} | {UOPLYST: "Uoplyst", I_ALT: "I alt"}
        body = _md_table(["Alder", "Antal"], [[labels[a], k] for a, k in zip(t["alder"], t["antal"])],
                         [False, True])
    elif tid == "3.2":
        body = _md_table(["Brugergruppe", "Kvinde", "Mand", "I alt"],
                         [[_group_label(r.brugergruppe), r.kvinde, r.mand, r.i_alt] for r in t.itertuples()],
                         [False, True, True, True])
        notes.append("Brugergruppe = forskerens kodning, ellers standardreglen ud fra arketype og alder.")
    elif tid == "oversigt":
        rows = []
        for r in t.itertuples():
            if r.site_type == I_ALT:
                name, typ = "I alt", ""
            else:
                typ = _value_label(guide, "site_type", r.site_type)
                name = f"I alt {typ.lower()}" if r.site == I_ALT else ("Uoplyst" if r.site == UOPLYST else r.site)
            rows.append([typ, name, r.interviewet,
                         f"{r.udvalgt_af_personalet} ({_pct(r.andel_udvalgt_af_personalet)})",
                         f"{r.samtykke_givet} ({_pct(r.andel_samtykke_givet)})",
                         f"{r.samtykke_ikke_givet} ({_pct(r.andel_samtykke_ikke_givet)})"])
        body = _md_table(["Type", "Sted", "Interviewet", "Udvalgt af personalet på forhånd",
                          "Tilladelse til journalindsigt", "Ikke givet tilladelse"], rows,
                         [False, False, True, True, True, True])
        notes.append("Procenter er af antal interviewede på rækken.")
    elif tid == "fig3.1":
        body = _pivot_md(t, guide, "tilbudstype", "tilbudstype")
        notes.append("Antal (procent af gruppens n).")
    elif tid in ("4.1", "4.2"):
        if tid == "4.1":
            body = _md_table(["Spørgsmål", "Ja", "Nej"], [[r.spoergsmaal, r.ja, r.nej] for r in t.itertuples()],
                             [False, True, True])
        else:
            body = _md_table(["Spørgsmål", "Ja", "heraf vigtigt", "Nej", "heraf vigtigt"],
                             [[r.spoergsmaal, r.ja, r.ja_vigtigt, r.nej, r.nej_vigtigt] for r in t.itertuples()],
                             [False, True, True, True, True])
        notes.append("Ikke relevant, uklart og ubesvaret er ikke talt med; antallet af svar varierer derfor "
                     "fra spørgsmål til spørgsmål.")
    elif tid == "fig4":
        rows = []
        for r in t.itertuples():
            flag = " *" if r.n < DEFAULT_MIN_N else ""
            ci = "–" if r.n == 0 else f"{_pct(r.andel_ja_lav)}–{_pct(r.andel_ja_hoej)}"
            rows.append([_group_label(r.brugergruppe), r.ja, r.nej, f"{r.n}{flag}", _pct(r.andel_ja), ci])
        body = _md_table(["Brugergruppe", "Ja", "Nej", "n", "Andel ja", "95 % interval"], rows,
                         [False, True, True, True, True, True])
        notes.append("n = ja + nej (ikke relevant, uklart og ubesvaret er ikke talt med). Interval: 95 % "
                     "Wilson-interval.")
        notes.append(_SMALL_N_NOTE)
    elif tid.startswith("fig7."):
        code = FIG7_CODES[int(tid[-1])]
        body = _pivot_md(t, guide, code, "svar")
        notes.append("Antal (procent af gruppens n); ubesvaret vises som «Ikke besvaret».")
    elif tid == "7.2":
        cols = [c for c in t.columns if c not in ("inddraget", "i_alt", "andel_tilfreds")]
        rows = [[_value_label(guide, "inddraget", r["inddraget"])] + [int(r[c]) for c in cols]
                + [int(r["i_alt"]), _pct(r["andel_tilfreds"])] for _, r in t.iterrows()]
        body = _md_table(["Inddraget"] + [_value_label(guide, "samlet_tilfredshed", c) for c in cols]
                         + ["I alt", "Andel tilfredse"], rows, [False] + [True] * (len(cols) + 2))
        notes.append("Kun respondenter med både inddragelse og samlet tilfredshed vurderet er talt med.")
    else:  # kvalitetskort
        rows = []
        for r in t.itertuples():
            flag = " *" if r.suppressed else ""
            rows.append([r.spoergsmaal, f"{r.n}{flag}", _da3(r.udbytte),
                         "–" if r.n == 0 else f"{_da3(r.udbytte_lav)}–{_da3(r.udbytte_hoej)}",
                         _da3(r.vigtighed),
                         "–" if r.n == 0 else f"{_da3(r.vigtighed_lav)}–{_da3(r.vigtighed_hoej)}",
                         _da3(r.gap)])
        body = _md_table(["Spørgsmål", "n", "Udbytte", "95 % interval", "Vigtighed", "95 % interval", "Gap"],
                         rows, [False, True, True, True, True, True, True])
        notes.append("Udbytte = ja / n; vigtighed = (ja og vigtigt + nej og vigtigt) / n; gap = vigtighed − "
                     "udbytte (positiv: vigtigt, men ikke opnået — forbedringsområde).")
        notes.append(_SMALL_N_NOTE)
    return "\n".join(head + [body, ""] + notes) + ("\n" if notes else "")


# --------------------------------------------------------------------------- crosstab (any two coded variables)

#: Numeric items a crosstab accepts, with their bands (label, lower bound inclusive; a band runs
#: up to the next band's lower bound). ``age`` uses Tabel 3.1's bands.
CROSSTAB_BANDS: dict[str, tuple[tuple[str, float], ...]] = {"age": AGE_BANDS}
_BAND_LABELS_MD = {"age": {lab: f"{lab} år" for lab, _ in AGE_BANDS}}


def crosstab_variables(guide: Guide) -> list[str]:
    """The codes `crosstab` accepts, in guide order: every ``select_one`` item and the banded
    numbers of `CROSSTAB_BANDS` (``brugergruppe`` is the effective group)."""
    return [c for c, it in guide.items.items() if it.type == "select_one" or c in CROSSTAB_BANDS]


def _crosstab_check(guide: Guide, code: object) -> str:
    allowed = crosstab_variables(guide)
    if not isinstance(code, str) or code not in guide.items:
        raise _allowed("variabel", code, allowed)
    if code not in allowed:
        kind = {"select_multiple": "flere svar pr. respondent", "text": "fritekst"}.get(
            guide.item(code).type, f"{guide.item(code).type} uden intervaller")
        raise TableError(f"Variablen {code!r} ({kind}) kan ikke krydstabuleres — tilladt: {', '.join(allowed)}.")
    return code


def _crosstab_factor(df: pd.DataFrame, guide: Guide, code: str) -> tuple[np.ndarray, list[object]]:
    """(codes, levels) for one crosstab variable; -1 = blank (not counted)."""
    if code == "brugergruppe":
        return _group_codes(df), list(GROUP_ORDER)
    if code in CROSSTAB_BANDS:
        bands = CROSSTAB_BANDS[code]
        x = _numbers(_col(df, code))
        lows = np.asarray([lo for _, lo in bands[1:]], dtype=float)
        idx = np.searchsorted(lows, np.nan_to_num(x, nan=0.0), side="right")
        return np.where(np.isnan(x), -1, idx).astype(np.int64), [lab for lab, _ in bands]
    return _factor(_col(df, code), _choices(guide, code))


def crosstab(df: pd.DataFrame, guide: Guide | None, a: str, b: str) -> pd.DataFrame:
    """Crosstab of two coded variables: rows = values of `a`, columns = values of `b`.

    Columns: ``<a>`` (the row value), ``antal_<v>`` for every value v of `b`, ``n`` (the row's
    respondents with an answer to both), ``andel_<v>`` = antal_<v> / n (row percentages;
    NaN when n = 0). Rows: every value of `a` (guide order, then values outside the guide,
    sorted), zeros included, then ``i_alt``. Count columns are prefixed so that a value of `b`
    can never clash with the code `a` (``arbejdsmarked`` × ``fremtid_fokus``).

    Allowed variables (`crosstab_variables`): ``select_one`` items, and numbers banded as in
    `CROSSTAB_BANDS` (``age``: Tabel 3.1's bands). ``brugergruppe`` is the *effective* group
    (as in every table by group). ``select_multiple`` is refused — a respondent can hold
    several values, so row percentages would not add up and n would be ambiguous — as are
    free text and unbanded numbers. Blank (not asked; for ``brugergruppe`` no effective group;
    for a number also a non-number) is never counted: a respondent blank on `a` or `b` is left
    out. How many, is in ``attrs``: ``respondenter`` (the frame's rows), ``udeladt`` (left
    out), ``udeladt_a`` / ``udeladt_b`` (blank on a / on b; one person can be both), ``a``,
    ``b``. Raises `TableError` (Danish, listing the allowed codes) for an unknown or
    unsuitable code, or when `a` == `b`.
    """
    g = _guide(guide)
    a, b = _crosstab_check(g, a), _crosstab_check(g, b)
    if a == b:
        raise TableError(f"Krydstabellen kræver to forskellige variable (fik {a!r} to gange).")
    r, r_levels = _crosstab_factor(df, g, a)
    c, c_levels = _crosstab_factor(df, g, b)
    grid = _grid(r, len(r_levels), c, len(c_levels))
    grid = np.vstack([grid, grid.sum(axis=0, keepdims=True)])
    n = grid.sum(axis=1)
    cols: dict[str, object] = {a: pd.Series([*r_levels, I_ALT], dtype=object)}
    cols |= {f"antal_{v}": grid[:, j].astype(np.int64) for j, v in enumerate(c_levels)}
    cols["n"] = n.astype(np.int64)
    cols |= {f"andel_{v}": _share(grid[:, j], n) for j, v in enumerate(c_levels)}
    out = pd.DataFrame(cols)
    blank_a, blank_b = r < 0, c < 0
    out.attrs.update(a=a, b=b, respondenter=int(len(df)), udeladt=int((blank_a | blank_b).sum()),
                     udeladt_a=int(blank_a.sum()), udeladt_b=int(blank_b.sum()),
                     raekker=list(r_levels), kolonner=list(c_levels))
    return out


def _crosstab_label(guide: Guide, code: str, value: object) -> str:
    if value == I_ALT:
        return "I alt"
    if code == "brugergruppe":
        return _group_label(str(value))
    if code in _BAND_LABELS_MD:
        return _BAND_LABELS_MD[code].get(str(value), str(value))
    return _value_label(guide, code, str(value))


def crosstab_note(t: pd.DataFrame) -> str:
    """Danish sentence on who was left out of a `crosstab` (blank on one of the variables)."""
    at = t.attrs
    k = at.get("udeladt", 0)
    if not k:
        return f"Alle {at.get('respondenter', 0)} respondenter har svar på begge variable."
    return (f"Ikke talt med: {k} af {at.get('respondenter', 0)} respondenter uden svar på mindst én af de to "
            f"variable ({at.get('a')}: {at.get('udeladt_a', 0)} tomme, {at.get('b')}: {at.get('udeladt_b', 0)} "
            "tomme). Tomt betyder ikke spurgt og tælles aldrig med.")


def render_crosstab(wide_df: pd.DataFrame, guide: Guide, a: str, b: str, fmt: str = "md",
                    group: str | None = None, site_type: str | None = None) -> str:
    """`crosstab` of `a` × `b` for the population (`group`, `site_type`) as CSV or Markdown.

    CSV: the DataFrame's columns (counts as integers, shares as 3-digit decimals, blank when
    n = 0), header first; who was left out is not in the CSV (it stays one table) but in the
    Markdown's note. Markdown: Danish labels, "antal (procent)" per cell, n, the note.
    Raises `TableError` for an unknown format, group, site type or variable.
    """
    group, site_type = group or None, site_type or None
    if fmt not in FORMATS:
        raise _allowed("format", fmt, FORMATS)
    _check_group(group)
    _check_site_type(site_type)
    pop = population(wide_df, group, site_type) if (group or site_type) else wide_df
    t = crosstab(pop, guide, a, b)
    if fmt == "csv":
        return to_csv(t)
    a, b = t.attrs["a"], t.attrs["b"]
    levels = t.attrs["kolonner"]
    rows = []
    for _, r in t.iterrows():
        cells = [_crosstab_label(guide, a, r[a])]
        cells += [f"{int(r[f'antal_{v}'])} ({_pct(r[f'andel_{v}'])})" for v in levels]
        cells.append(int(r["n"]))
        rows.append(cells)
    label_a = guide.item(a).label if a in guide.items else a
    label_b = guide.item(b).label if b in guide.items else b
    pop_text = []
    if group:
        pop_text.append(f"brugergruppe {GROUPS[group].short}")
    if site_type:
        pop_text.append(f"stedtype {_value_label(guide, 'site_type', site_type)}")
    head = [f"## Krydstabel: {label_a} × {label_b}", "",
            f"Population: {', '.join(pop_text) if pop_text else 'alle respondenter'} (n = {len(pop)}).", ""]
    body = _md_table([label_a] + [_crosstab_label(guide, b, v) for v in levels] + ["n"], rows,
                     [False] + [True] * (len(levels) + 1))
    notes = ["Antal (procent af rækkens n); n = respondenter med svar på begge variable.", crosstab_note(t)]
    return "\n".join(head + [body, ""] + notes) + "\n"
