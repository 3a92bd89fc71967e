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
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from report.counting import share, wilson
from report.population import group_rows, population, row_column
from report.publication import (DEFAULT_MIN_N, I_ALT, da3, hidden, md_table, not_on_map, probe_short,
                                small_n_note, value_label)
from report.tables import ROW_HEADINGS, probe_counts, resolve_guide
from survey.guide import Guide

__all__ = ["CSV_COLUMNS", "kvalitetskort", "kvalitetskort_by", "crosses_diagonal", "kvalitetskort_points",
           "markdown_body"]

#: the CSV's columns (method.md); the DataFrame holds more
CSV_COLUMNS: list[str] = ["kode", "spoergsmaal", "n", "udbytte", "vigtighed", "gap"]
#: … and of a map per group (`kvalitetskort_by`; designed here), after the grouping's column
CSV_COLUMNS_BY: list[str] = ["respondenter", *CSV_COLUMNS]


def kvalitetskort(df: pd.DataFrame, guide: Guide | None = None, group: str | None = None, *,
                  min_n: int = DEFAULT_MIN_N, z: float = 1.96) -> pd.DataFrame:
    """The quality map's points (method.md "kvalitetskort"), one row per probe in guide order.

    n = respondents with the probe ``ja`` or ``nej``; udbytte = ja / n; vigtighed =
    (ja_vigtigt + nej_vigtigt) / n; gap = vigtighed − udbytte (positive = important but not
    delivered). Proportions are NaN when n = 0. Adds the Wilson intervals and
    ``suppressed`` (n = 0 or 0 < n < `min_n`: `report.publication.not_on_map`). `group`
    restricts to one effective user group.
    """
    if group is not None:
        df = population(df, group=group)
    c = probe_counts(df, resolve_guide(guide))
    ja, nej = c["ja"].to_numpy(), c["nej"].to_numpy()
    ja_v, nej_v = c["ja_vigtigt"].to_numpy(), c["nej_vigtigt"].to_numpy()
    n = ja + nej
    vig = ja_v + nej_v
    udb, vgt = share(ja, n), share(vig, n)
    u_lo, u_hi = wilson(ja, n, z)
    v_lo, v_hi = wilson(vig, n, z)
    return pd.DataFrame({"kode": c["kode"], "spoergsmaal": c["spoergsmaal"], "n": n,
                         "udbytte": udb, "vigtighed": vgt, "gap": vgt - udb,
                         "ja": ja, "nej": nej, "ja_vigtigt": ja_v, "nej_vigtigt": nej_v,
                         "udbytte_lav": u_lo, "udbytte_hoej": u_hi,
                         "vigtighed_lav": v_lo, "vigtighed_hoej": v_hi,
                         "suppressed": not_on_map(n, min_n)})


def kvalitetskort_by(df: pd.DataFrame, guide: Guide | None = None, by: str | None = None, *,
                     min_n: int = DEFAULT_MIN_N) -> pd.DataFrame:
    """One quality map per row of the grouping `by` (`report.population.group_rows`: user group,
    arbejdsmarkedsperspektiv, site, interviewer; ``uoplyst`` when some respondent has none), then the
    whole population as ``i_alt``: `kvalitetskort`'s rows block by block, with the grouping's column
    and the block's number of respondents (``respondenter``) first. Every map has the same probes in guide order, so blocks compare row by row."""
    g = resolve_guide(guide)
    codes, levels = group_rows(df, by)
    blocks = []
    for i, level in enumerate([*levels, I_ALT]):
        part = df if level == I_ALT else df[codes == i]
        t = kvalitetskort(part, g, min_n=min_n)
        t.insert(0, row_column(by), level)
        t.insert(1, "respondenter", len(part))
        blocks.append(t)
    return pd.concat(blocks, ignore_index=True)


def crosses_diagonal(v_lo, v_hi, u_lo, u_hi) -> np.ndarray:
    """True where the box [v_lo, v_hi] × [u_lo, u_hi] touches or crosses the line y = x.

    The diagonal meets the box exactly when the two intervals overlap:
    ``max(v_lo, u_lo) <= min(v_hi, u_hi)``. NaN bounds (n = 0) give False.
    """
    v_lo, v_hi, u_lo, u_hi = (np.asarray(a, dtype=float) for a in (v_lo, v_hi, u_lo, u_hi))
    with np.errstate(invalid="ignore"):
        return np.maximum(v_lo, u_lo) <= np.minimum(v_hi, u_hi)


def kvalitetskort_points(df: pd.DataFrame, guide: Guide | None = None, group: str | None = None,
                         site_type: str | None = None, *, min_n: int = DEFAULT_MIN_N) -> pd.DataFrame:
    """`kvalitetskort` for the population plus the columns a map draws.

    Adds ``label`` (short name), ``tekst`` ("Rytme (n=59)"), ``krydser`` (the box meets the
    diagonal, see `crosses_diagonal`) and ``tom`` (n = 0: no position).
    """
    g = resolve_guide(guide)
    pop = population(df, group, site_type) if (group or site_type) else df
    t = kvalitetskort(pop, g, min_n=min_n).copy()
    t["label"] = [probe_short(g, c) for c in t["kode"]]
    t["tekst"] = [f"{lab} (n={n})" for lab, n in zip(t["label"], t["n"])]
    t["krydser"] = crosses_diagonal(t["vigtighed_lav"], t["vigtighed_hoej"], t["udbytte_lav"], t["udbytte_hoej"])
    t["tom"] = t["n"] == 0
    return t


def markdown_body(t: pd.DataFrame, min_n: int = DEFAULT_MIN_N, guide: Guide | None = None) -> tuple[str, list[str]]:
    """(the Markdown table, the notes under it): n marked * where publication would hide it. A map
    per group (`kvalitetskort_by`) is one table per group, each under its group's name and n."""
    by_col = t.columns[0] if len(t.columns) and t.columns[0] != "kode" else None
    if by_col is not None:
        parts, notes = [], []
        for level, block in t.groupby(by_col, sort=False):
            body, notes = markdown_body(block.drop(columns=[by_col, "respondenter"]), min_n)
            k = int(block["respondenter"].iloc[0])
            parts.append(f"### {ROW_HEADINGS.get(by_col, by_col)}: {value_label(guide, by_col, level)} "
                         f"({k} respondent{'er' if k != 1 else ''}{' *' if hidden(k, min_n) else ''})\n\n{body}")
        return "\n\n".join(parts), notes
    rows = []
    for r in t.itertuples():
        flag = " *" if hidden(r.n, min_n) else ""
        rows.append([r.spoergsmaal, f"{r.n}{flag}", da3(r.udbytte),
                     "–" if r.n == 0 else f"{da3(r.udbytte_lav)}–{da3(r.udbytte_hoej)}",
                     da3(r.vigtighed),
                     "–" if r.n == 0 else f"{da3(r.vigtighed_lav)}–{da3(r.vigtighed_hoej)}",
                     da3(r.gap)])
    body = md_table(["Spørgsmål", "n", "Udbytte", "95 % interval", "Vigtighed", "95 % interval", "Gap"],
                    rows, [False, True, True, True, True, True, True])
    notes = ["Udbytte = ja / n; vigtighed = (ja og vigtigt + nej og vigtigt) / n; gap = vigtighed − "
             "udbytte (positiv: vigtigt, men ikke opnået — forbedringsområde).", small_n_note(min_n)]
    return body, notes
