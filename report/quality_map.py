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
from report.population import population
from report.publication import (DEFAULT_MIN_N, da3, hidden, md_table, not_on_map, probe_short,
                                small_n_note)
from report.tables import probe_counts, resolve_guide
from survey.guide import Guide

__all__ = ["CSV_COLUMNS", "kvalitetskort", "crosses_diagonal", "kvalitetskort_points", "markdown_body"]

#: the CSV's columns (method.md); the DataFrame holds more
CSV_COLUMNS: list[str] = ["kode", "spoergsmaal", "n", "udbytte", "vigtighed", "gap"]


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


def markdown_body(t: pd.DataFrame, min_n: int = DEFAULT_MIN_N) -> tuple[str, list[str]]:
    """(the Markdown table, the notes under it): n marked * where publication would hide it."""
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
