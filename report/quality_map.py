"""The quality map (kvalitetskort): outcome against importance per probe (method.md "kvalitetskort").

`kvalitetskort` is the table (``brugerblik kvalitetskort``, the workbook's sheet, the Rapport
page's numbers); `kvalitetskort_points` adds what a map draws (short label, "Rytme (n=59)", whether
the point can be told from the diagonal); `report.figures` draws it.

* n = respondents with the probe ``ja`` or ``nej``; udbytte = ja / n; vigtighed = (ja_vigtigt +
  nej_vigtigt) / n; gap = vigtighed − udbytte (positive = important but not delivered).
  Proportions are NaN when n = 0. 95 % Wilson intervals for both shares.
* ``suppressed``: no point on a published map — n = 0 (no position) or hidden by the publication
  rule ``0 < n < min_n`` (`report.publication`).
* **Not distinguishable from the line** (`crosses_diagonal`): the 95 % *box*
  ``[vigtighed_lav, vigtighed_hoej] × [udbytte_lav, udbytte_hoej]`` touches or crosses the
  diagonal y = x, i.e. the two intervals overlap: ``max(v_lo, u_lo) <= min(v_hi, u_hi)``. No
  interval for the gap itself is computed (the two shares come from the same respondents, so this is
  a descriptive, conservative reading, not a test).

The map's method (issue 15; docs/method.md "The quality map's method")
----------------------------------------------------------------------
`MapMethod` (`map_method(reference, vigtighed)`): the report's map is the default —
``reference = diagonal`` (the 45° line) and ``vigtighed = angivet`` (stated importance) — and with
the default nothing here changes (same columns, same numbers, same CSV).

* ``reference = gennemsnit``: crosshairs at the **grand means** (Martilla & James 1977) — the
  unweighted mean of x and of y over the probes that a published map shows (a position, n ≥
  ``min_n``), so the centre is the same on the internal and the published map. No such probe: no
  centre (NaN), no quadrants.
* ``reference = midtpunkt``: crosshairs at the **scale midpoints**: y = 50 %; x = 50 % for stated
  importance, x = 0 (no association) for derived importance.
* ``vigtighed = afledt`` (**derived importance**): per probe the Pearson correlation (phi, both
  variables 0/1) between the probe's outcome (ja = 1, nej = 0) and overall satisfaction
  ``samlet_tilfredshed`` (tilfreds = 1, utilfreds = 0; ikke_vurderet and blank are left out) among
  the respondents with both (``afledt_n``). NaN when either variable has only one value among them.
  95 % interval by Fisher's z: tanh(atanh(r) ± 1.96 / sqrt(n − 3)); none (NaN) when n < 4 or
  |r| = 1. Stated importance stays in ``vigtighed`` (and ``gap``); the map's x is ``afledt``.
  The diagonal y = x means nothing on a correlation scale (−1…1 against a share), so derived
  importance takes crosshairs: its default reference is ``gennemsnit``; ``diagonal`` is refused.
* **Quadrants** (crosshairs only), ``kvadrant`` by the centre (cx, cy), a point on a line counting
  on the high side: x ≥ cx, y < cy ``saet_ind_her`` (Sæt ind her — concentrate here); x ≥ cx,
  y ≥ cy ``fortsaet`` (Fortsæt det gode arbejde — keep up the good work); x < cx, y < cy
  ``lav_prioritet`` (Lav prioritet); x < cx, y ≥ cy ``overindsats`` (Mulig overindsats — possible
  overkill). Blank where the point has no position or there is no centre.
* **Not distinguishable from the crosshairs** (``krydser`` of `kvalitetskort_points`, as the
  diagonal's rule): the point's 95 % box touches either line, x_lo ≤ cx ≤ x_hi or y_lo ≤ cy ≤ y_hi —
  its quadrant is uncertain. A derived point without an interval counts as uncertain. The centre's
  own uncertainty is not counted (descriptive, as the diagonal's rule).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Collection, Mapping

import numpy as np
import pandas as pd

from report.counting import column, equals, share, wilson
from report.errors import TableError, allowed
from report.population import group_rows, population, row_column
from report.publication import (DEFAULT_MIN_N, I_ALT, complement, da3, hidden, md_table, not_on_map, pct,
                                probe_short, published_rows, small_n_note, value_label)
from report.tables import ROW_HEADINGS, probe_counts, resolve_guide
from survey.guide import Guide

__all__ = ["CSV_COLUMNS", "kvalitetskort", "kvalitetskort_by", "protect_points", "crosses_diagonal", "kvalitetskort_points",
           "markdown_body", "REFERENCES", "IMPORTANCES", "QUADRANTS", "MapMethod", "DEFAULT_METHOD", "map_method",
           "derived_importance", "centre", "centre_text", "quadrants", "crosses_crosshairs", "method_columns", "method_text",
           "SATISFACTION"]

#: the CSV's columns (method.md); the DataFrame holds more
CSV_COLUMNS: list[str] = ["kode", "spoergsmaal", "n", "udbytte", "vigtighed", "gap"]
#: … and of a map per group (`kvalitetskort_by`; designed here), after the grouping's column
CSV_COLUMNS_BY: list[str] = ["respondenter", *CSV_COLUMNS]

#: the reference lines: the report's 45° line, crosshairs at the grand means or at the scale midpoints
REFERENCES: tuple[str, ...] = ("diagonal", "gennemsnit", "midtpunkt")
#: the importance axis: stated (the report's) or derived from overall satisfaction
IMPORTANCES: tuple[str, ...] = ("angivet", "afledt")
#: quadrant code -> Danish label (Martilla & James 1977), in the order a legend lists them
QUADRANTS: dict[str, str] = {"saet_ind_her": "Sæt ind her", "fortsaet": "Fortsæt det gode arbejde",
                             "lav_prioritet": "Lav prioritet", "overindsats": "Mulig overindsats"}
#: overall satisfaction: the guide item and its values as 1 / 0 (other values and blanks left out)
SATISFACTION: tuple[str, str, str] = ("samlet_tilfredshed", "tilfreds", "utilfreds")


@dataclass(frozen=True)
class MapMethod:
    """How the map is read: the reference (`REFERENCES`) and the importance axis (`IMPORTANCES`)."""
    reference: str = "diagonal"
    vigtighed: str = "angivet"

    @property
    def is_default(self) -> bool:
        return self == DEFAULT_METHOD

    @property
    def crosshairs(self) -> bool:
        return self.reference != "diagonal"

    @property
    def derived(self) -> bool:
        return self.vigtighed == "afledt"


DEFAULT_METHOD = MapMethod()


def map_method(reference: str | None = None, vigtighed: str | None = None) -> MapMethod:
    """The method asked for; a missing reference is the importance's natural one (the diagonal for
    stated, the grand means for derived importance). Raises `TableError` (Danish) for an unknown
    value or the diagonal with derived importance."""
    vigtighed = (vigtighed or "angivet").strip().lower()
    if vigtighed not in IMPORTANCES:
        raise allowed("vigtighed", vigtighed, IMPORTANCES)
    reference = (reference or ("gennemsnit" if vigtighed == "afledt" else "diagonal")).strip().lower()
    if reference not in REFERENCES:
        raise allowed("reference", reference, REFERENCES)
    if reference == "diagonal" and vigtighed == "afledt":
        raise TableError("45°-linjen giver ikke mening med afledt vigtighed (en korrelation fra −1 til 1 mod en "
                         "andel) — vælg reference gennemsnit eller midtpunkt.")
    return MapMethod(reference, vigtighed)


def _fisher(r: np.ndarray, n: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Fisher z interval for correlations r from n pairs; NaN where n < 4, |r| = 1 or r is NaN."""
    ok = (n >= 4) & np.isfinite(r) & (np.abs(r) < 1)
    lo, hi = np.full(len(r), np.nan), np.full(len(r), np.nan)
    zr = np.arctanh(r[ok])
    half = z / np.sqrt(n[ok] - 3)
    lo[ok], hi[ok] = np.tanh(zr - half), np.tanh(zr + half)
    return lo, hi


def derived_importance(df: pd.DataFrame, guide: Guide | None = None, *, z: float = 1.96) -> pd.DataFrame:
    """Per probe in guide order: ``kode, afledt_n, afledt, afledt_lav, afledt_hoej`` — the correlation
    (phi) of the probe's outcome (ja 1, nej 0) with overall satisfaction (tilfreds 1, utilfreds 0)
    among the respondents with both, and its 95 % Fisher z interval (module doc)."""
    g = resolve_guide(guide)
    code, yes, no = SATISFACTION
    sat = column(df, code)
    s1, s0 = equals(sat, yes), equals(sat, no)
    cells = np.zeros((len(g.probes), 4), dtype=np.int64)  # n11 (ja, tilfreds), n10, n01, n00
    for i, p in enumerate(g.probes):  # a loop over the probes; each step is vectorised
        answer = column(df, p.code)
        a1, a0 = equals(answer, "ja"), equals(answer, "nej")
        cells[i] = ((a1 & s1).sum(), (a1 & s0).sum(), (a0 & s1).sum(), (a0 & s0).sum())
    n11, n10, n01, n00 = (cells[:, k].astype(float) for k in range(4))
    n = n11 + n10 + n01 + n00
    denom = np.sqrt((n11 + n10) * (n01 + n00) * (n11 + n01) * (n10 + n00))
    r = np.full(len(n), np.nan)
    np.divide(n11 * n00 - n10 * n01, denom, out=r, where=denom > 0)
    lo, hi = _fisher(r, n, z)
    return pd.DataFrame({"kode": pd.Series([p.code for p in g.probes], dtype=object),
                         "afledt_n": n.astype(np.int64), "afledt": r, "afledt_lav": lo, "afledt_hoej": hi})


def _xy(t: pd.DataFrame, method: MapMethod) -> tuple[str, str, str]:
    """The columns of x and its interval under `method`."""
    return ("afledt", "afledt_lav", "afledt_hoej") if method.derived else ("vigtighed", "vigtighed_lav",
                                                                           "vigtighed_hoej")


def centre(t: pd.DataFrame, method: MapMethod) -> tuple[float, float]:
    """The crosshairs' centre (x, y) for the table `t` (`kvalitetskort` with the method's columns):
    the scale midpoints, or the grand means of the points a published map shows (NaN when none)."""
    if method.reference == "midtpunkt":
        return (0.0 if method.derived else 0.5), 0.5
    x = t[_xy(t, method)[0]].to_numpy(dtype=float)
    y = t["udbytte"].to_numpy(dtype=float)
    on = np.isfinite(x) & np.isfinite(y) & ~t["suppressed"].to_numpy(dtype=bool)
    if not on.any():
        return float("nan"), float("nan")
    return float(x[on].mean()), float(y[on].mean())


def centre_text(cx: float, cy: float, method: MapMethod) -> str:
    """The crosshairs' centre in Danish («Trådkorset: vigtighed 52,3 %, udbytte 47,4 %.»; derived
    importance as r with a decimal comma), or that there is none (no probe to average)."""
    if not (np.isfinite(cx) and np.isfinite(cy)):
        return "Intet trådkors: ingen prober at tage gennemsnit af."
    xs = f"r = {cx:.2f}".replace(".", ",") if method.derived else pct(cx, 1)
    return f"Trådkorset: vigtighed {xs}, udbytte {pct(cy, 1)}."


def quadrants(x, y, cx: float, cy: float) -> np.ndarray:
    """The quadrant code of each point (`QUADRANTS`; a point on a line counts on the high side),
    None where the point or the centre is missing."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    out = np.full(len(x), None, dtype=object)
    if not (np.isfinite(cx) and np.isfinite(cy)):
        return out
    ok = np.isfinite(x) & np.isfinite(y)
    hi_x, hi_y = x >= cx, y >= cy
    out[ok & hi_x & ~hi_y] = "saet_ind_her"
    out[ok & hi_x & hi_y] = "fortsaet"
    out[ok & ~hi_x & ~hi_y] = "lav_prioritet"
    out[ok & ~hi_x & hi_y] = "overindsats"
    return out


def crosses_crosshairs(x_lo, x_hi, y_lo, y_hi, cx: float, cy: float) -> np.ndarray:
    """True where the box [x_lo, x_hi] × [y_lo, y_hi] touches a crosshair line (x = cx or y = cy), or
    has no interval in x; False without a centre."""
    x_lo, x_hi, y_lo, y_hi = (np.asarray(a, dtype=float) for a in (x_lo, x_hi, y_lo, y_hi))
    if not (np.isfinite(cx) and np.isfinite(cy)):
        return np.zeros(len(x_lo), dtype=bool)
    with np.errstate(invalid="ignore"):
        return ~np.isfinite(x_lo) | ((x_lo <= cx) & (cx <= x_hi)) | ((y_lo <= cy) & (cy <= y_hi))


def method_columns(method: MapMethod) -> list[str]:
    """The CSV's columns after method.md's under a non-default method."""
    return (["afledt_n", "afledt", "afledt_lav", "afledt_hoej"] if method.derived else []) + \
        (["kvadrant"] if method.crosshairs else [])


def _with_method(t: pd.DataFrame, df: pd.DataFrame, g: Guide, method: MapMethod, z: float) -> pd.DataFrame:
    """`t` (`kvalitetskort`'s table) with the method's columns (derived importance, quadrant)."""
    if method.derived:
        d = derived_importance(df, g, z=z)
        for c in ("afledt_n", "afledt", "afledt_lav", "afledt_hoej"):
            t[c] = d[c].to_numpy()
        t["afledt_n"] = t["afledt_n"].astype(np.int64)
    if method.crosshairs:
        cx, cy = centre(t, method)
        xcol = _xy(t, method)[0]
        t["kvadrant"] = quadrants(t[xcol], t["udbytte"], cx, cy)
        t.attrs["centre"] = (cx, cy)
    return t


def method_text(method: MapMethod) -> str:
    """One or two Danish sentences: what the method means (the page, the Metode sheet, the notes)."""
    if method.derived:
        imp = ("Afledt vigtighed: hvor stærkt udbyttet (ja/nej) hænger sammen med brugerens samlede tilfredshed "
               "(korrelation blandt dem, der har svaret på begge; 95 %-interval ved Fishers z) — ikke hvad "
               "brugerne selv siger er vigtigt. En sammenhæng er ikke en årsag, og med få svar er intervallerne "
               "brede.")
    else:
        imp = "Vigtighed er den andel, der selv siger, at det er vigtigt (rapportens mål)."
    if method.reference == "diagonal":
        ref = ("45°-linjen (rapportens metode): punkter under linjen er vigtigere, end tilbuddet har leveret — "
               "forbedringsområder.")
    elif method.reference == "gennemsnit":
        ref = ("Trådkors ved gennemsnittene (Martilla & James 1977): felterne siger, om en probe ligger over "
               "eller under de andre probers gennemsnit — «Sæt ind her» er vigtigere og med lavere udbytte end "
               "gennemsnittet. Felterne er relative, ikke gode eller dårlige i sig selv.")
    else:
        mid = "ingen sammenhæng (0)" if method.derived else "50 %"
        ref = (f"Trådkors ved skalaens midtpunkter ({mid} vigtighed, 50 % udbytte; Martilla & James 1977): "
               "«Sæt ind her» er vigtigt, men opnået af under halvdelen.")
    return f"{ref} {imp}"



def kvalitetskort(df: pd.DataFrame, guide: Guide | None = None, group: str | None = None, *,
                  min_n: int = DEFAULT_MIN_N, z: float = 1.96, method: MapMethod = DEFAULT_METHOD) -> pd.DataFrame:
    """The quality map's points (method.md "kvalitetskort"), one row per probe in guide order.

    n = respondents with the probe ``ja`` or ``nej``; udbytte = ja / n; vigtighed =
    (ja_vigtigt + nej_vigtigt) / n; gap = vigtighed − udbytte (positive = important but not
    delivered). Proportions are NaN when n = 0. Adds the Wilson intervals and
    ``suppressed`` (n = 0 or 0 < n < `min_n`: `report.publication.not_on_map`). `group`
    restricts to one effective user group. A non-default `method` adds its columns (`method_columns`;
    module doc).
    """
    if group is not None:
        df = population(df, group=group)
    g = resolve_guide(guide)
    c = probe_counts(df, g)
    ja, nej = c["ja"].to_numpy(), c["nej"].to_numpy()
    ja_v, nej_v = c["ja_vigtigt"].to_numpy(), c["nej_vigtigt"].to_numpy()
    n = ja + nej
    vig = ja_v + nej_v
    udb, vgt = share(ja, n), share(vig, n)
    u_lo, u_hi = wilson(ja, n, z)
    v_lo, v_hi = wilson(vig, n, z)
    t = pd.DataFrame({"kode": c["kode"], "spoergsmaal": c["spoergsmaal"], "n": n,
                      "udbytte": udb, "vigtighed": vgt, "gap": vgt - udb,
                      "ja": ja, "nej": nej, "ja_vigtigt": ja_v, "nej_vigtigt": nej_v,
                      "udbytte_lav": u_lo, "udbytte_hoej": u_hi,
                      "vigtighed_lav": v_lo, "vigtighed_hoej": v_hi,
                      "suppressed": not_on_map(n, min_n)})
    return t if method.is_default else _with_method(t, df, g, method, z)


def protect_points(parts: Mapping[object, pd.DataFrame], min_n: int = DEFAULT_MIN_N,
                   outside: pd.DataFrame | None = None, gone: Collection[object] = ()) -> dict[object, pd.DataFrame]:
    """The quality maps of the parts of one population (group -> `kvalitetskort_points` or
    `kvalitetskort`, the probes in the same order; ``i_alt``: the whole population, a total), each
    ``suppressed`` widened so that no hidden point can be recovered from the other parts' and the
    whole's (`report.publication.complement`, one block per probe). `outside`: the map of the
    population's people in no part (never shown: a hidden part of every block). `gone`: parts hidden
    whole whatever their n (the sites every published output hides, `report.tables.sites_hidden`)."""
    keys = [k for k in parts if k != I_ALT]
    frames = [parts[k] for k in keys] + ([outside] if outside is not None and len(outside) else [])
    if not frames:
        return dict(parts)
    ns = np.concatenate([f["n"].to_numpy() for f in frames])
    first = np.concatenate([((f["suppressed"].to_numpy(bool) | (key in gone)) & (f["n"].to_numpy() > 0))
                            for key, f in zip(keys, frames)]
                           + [np.ones(len(f), dtype=bool) for f in frames[len(keys):]])
    k = len(frames[0])
    blocks = [[[j * k + i] for j in range(len(frames))] for i in range(k)]
    hide = complement(ns, first, blocks, min_n)
    out = dict(parts)
    for j, key in enumerate(keys):
        f = parts[key].copy()
        f["suppressed"] = f["suppressed"].to_numpy(bool) | hide[j * k:(j + 1) * k]
        out[key] = f
    return out


def kvalitetskort_by(df: pd.DataFrame, guide: Guide | None = None, by: str | None = None, *,
                     min_n: int = DEFAULT_MIN_N, method: MapMethod = DEFAULT_METHOD,
                     hidden_parts: Mapping[str, Collection[object]] | None = None) -> pd.DataFrame:
    """One quality map per row of the grouping `by` (`report.population.group_rows`: user group,
    arbejdsmarkedsperspektiv, site, interviewer; ``uoplyst`` when some respondent has none), then the
    whole population as ``i_alt``: `kvalitetskort`'s rows block by block, with the grouping's column
    and the block's number of respondents (``respondenter``) first. Every map has the same probes in guide order, so blocks compare row by row.
    ``suppressed``: not on a published map (`report.publication.published_rows`; `hidden_parts`: groups
    hidden whole whatever their n — published by site, `report.tables.sites_hidden`)."""
    g = resolve_guide(guide)
    codes, levels = group_rows(df, by)
    blocks = []
    for i, level in enumerate([*levels, I_ALT]):
        part = df if level == I_ALT else df[codes == i]
        t = kvalitetskort(part, g, min_n=min_n, method=method)  # crosshairs: each map its own centre
        t.insert(0, row_column(by), level)
        t.insert(1, "respondenter", len(part))
        blocks.append(t)
    out = pd.concat(blocks, ignore_index=True)
    # a point hidden in one group's map could be recovered from the other groups' and the whole
    # population's: the same probe's points are one block (`report.publication.complement`)
    out["suppressed"] = (out["n"].to_numpy() == 0) | published_rows("kvalitetskort", out, len(df), min_n, hidden_parts)
    return out


def crosses_diagonal(v_lo, v_hi, u_lo, u_hi) -> np.ndarray:
    """True where the box [v_lo, v_hi] × [u_lo, u_hi] touches or crosses the line y = x.

    The diagonal meets the box exactly when the two intervals overlap:
    ``max(v_lo, u_lo) <= min(v_hi, u_hi)``. NaN bounds (n = 0) give False.
    """
    v_lo, v_hi, u_lo, u_hi = (np.asarray(a, dtype=float) for a in (v_lo, v_hi, u_lo, u_hi))
    with np.errstate(invalid="ignore"):
        return np.maximum(v_lo, u_lo) <= np.minimum(v_hi, u_hi)


def kvalitetskort_points(df: pd.DataFrame, guide: Guide | None = None, group: str | None = None,
                         site_type: str | None = None, *, min_n: int = DEFAULT_MIN_N,
                         method: MapMethod = DEFAULT_METHOD) -> pd.DataFrame:
    """`kvalitetskort` for the population plus the columns a map draws.

    Adds ``label`` (short name), ``tekst`` ("Rytme (n=59)"), ``krydser`` (the box meets the
    diagonal, see `crosses_diagonal`; with crosshairs: a crosshair line, see `crosses_crosshairs`)
    and ``tom`` (n = 0, or with derived importance no correlation: no position). With crosshairs
    ``t.attrs["centre"]`` is the centre (x, y).
    """
    g = resolve_guide(guide)
    pop = population(df, group, site_type) if (group or site_type) else df
    t = kvalitetskort(pop, g, min_n=min_n, method=method).copy()
    t["label"] = [probe_short(g, c) for c in t["kode"]]
    t["tekst"] = [f"{lab} (n={n})" for lab, n in zip(t["label"], t["n"])]
    if method.crosshairs:
        cx, cy = t.attrs["centre"]
        x, lo, hi = _xy(t, method)
        t["krydser"] = crosses_crosshairs(t[lo], t[hi], t["udbytte_lav"], t["udbytte_hoej"], cx, cy)
    else:
        t["krydser"] = crosses_diagonal(t["vigtighed_lav"], t["vigtighed_hoej"], t["udbytte_lav"],
                                        t["udbytte_hoej"])
    t["tom"] = t["n"] == 0
    if method.derived:
        t["tom"] = t["tom"] | ~np.isfinite(t["afledt"].to_numpy(dtype=float))
    return t


def markdown_body(t: pd.DataFrame, min_n: int = DEFAULT_MIN_N, guide: Guide | None = None,
                  method: MapMethod = DEFAULT_METHOD) -> tuple[str, list[str]]:
    """(the Markdown table, the notes under it): n marked * where publication would hide it. A map
    per group (`kvalitetskort_by`) is one table per group, each under its group's name and n. A
    non-default `method` adds its columns (afledt vigtighed and its interval, the quadrant) and a
    note saying what it means."""
    by_col = t.columns[0] if len(t.columns) and t.columns[0] != "kode" else None
    if by_col is not None:
        parts, notes = [], []
        for level, block in t.groupby(by_col, sort=False):
            body, notes = markdown_body(block.drop(columns=[by_col, "respondenter"]), min_n, method=method)
            k = block["respondenter"].iloc[0]
            size = (f"n under {min_n}" if k == f"<{min_n}" else "n ikke vist") if isinstance(k, str) else \
                f"{int(k)} respondent{'er' if k != 1 else ''}{' *' if hidden(k, min_n) else ''}"
            parts.append(f"### {ROW_HEADINGS.get(by_col, by_col)}: {value_label(guide, by_col, level)} "
                         f"({size})\n\n{body}")
        return "\n\n".join(parts), notes
    rows = []
    for r in t.itertuples():
        flag = " *" if hidden(r.n, min_n) else ""
        rows.append([r.spoergsmaal, f"{r.n}{flag}", da3(r.udbytte),
                     "–" if r.n == 0 else f"{da3(r.udbytte_lav)}–{da3(r.udbytte_hoej)}",
                     da3(r.vigtighed),
                     "–" if r.n == 0 else f"{da3(r.vigtighed_lav)}–{da3(r.vigtighed_hoej)}",
                     da3(r.gap)])
        if method.derived:
            rows[-1] += [str(r.afledt_n), da3(r.afledt),
                         "–" if not np.isfinite(r.afledt_lav) else f"{da3(r.afledt_lav)}–{da3(r.afledt_hoej)}"]
        if method.crosshairs:
            rows[-1].append(QUADRANTS.get(r.kvadrant, "–") if isinstance(r.kvadrant, str) else "–")
    heads = ["Spørgsmål", "n", "Udbytte", "95 % interval", "Vigtighed", "95 % interval", "Gap"]
    if method.derived:
        heads += ["n (afledt)", "Afledt vigtighed (r)", "95 % interval (Fisher)"]
    if method.crosshairs:
        heads.append("Felt")
    body = md_table(heads, rows, [False] + [True] * (len(heads) - 1 - method.crosshairs) + [False] * method.crosshairs)
    notes = ["Udbytte = ja / n; vigtighed = (ja og vigtigt + nej og vigtigt) / n; gap = vigtighed − "
             "udbytte (positiv: vigtigt, men ikke opnået — forbedringsområde).", small_n_note(min_n)]
    if not method.is_default:
        notes.insert(1, "Metode: " + method_text(method)
                     + (" " + centre_text(*centre(t, method), method) if method.crosshairs else ""))
    return body, notes
