"""Issue 15, the quality map's method: crosshairs at the grand means or the scale midpoints, and
derived importance (report/quality_map.py, report/figures.py, report/registry.py), checked against
numbers computed by hand on a small frame.

FIXTURE, 8 respondents R1..R8 (t = tilfreds, u = utilfreds, - = blank):

            R1  R2  R3  R4  R5  R6  R7  R8
rytme       ja  ja  ja  ja  nej nej nej ja
rytme_v     ja  ja  nej ja  ja  nej nej ja
arbejdsm.   ja  nej nej nej ja  nej -   nej
arbejdsm._v ja  ja  ja  nej nej ja  -   ja
tilfreds    t   t   t   u   u   u   t   -

Stated (the report's): rytme n 8, udbytte 5/8, vigtighed (4 ja+vigtigt, 1 nej+vigtigt) 5/8;
arbejdsmarked n 7, udbytte 2/7, vigtighed (1 + 4) 5/7. Every other probe n = 0 (no position).

Derived (phi among those with both; R8 has no satisfaction, R7 no arbejdsmarked):
rytme n 7: (ja,t) R1 R2 R3 = 3, (ja,u) R4 = 1, (nej,t) R7 = 1, (nej,u) R5 R6 = 2
  r = (3·2 − 1·1) / √(4·3·4·3) = 5/12; Fisher: tanh(atanh(5/12) ± 1.96/√4).
arbejdsmarked n 6: (ja,t) R1 = 1, (ja,u) R5 = 1, (nej,t) R2 R3 = 2, (nej,u) R4 R6 = 2
  r = (1·2 − 1·2) / √(2·4·3·3) = 0; Fisher: ± tanh(1.96/√3).

Grand means (stated): x = (5/8 + 5/7)/2 = 0.6696, y = (5/8 + 2/7)/2 = 0.4554
  rytme (0.625, 0.625): x < cx, y ≥ cy → overindsats; arbejdsmarked (0.714, 0.286) → saet_ind_her.
Midpoints (stated, 50 %/50 %): rytme → fortsaet; arbejdsmarked → saet_ind_her.
Grand means (derived): x = (5/12 + 0)/2 = 0.2083: rytme (0.417, 0.625) → fortsaet;
  arbejdsmarked (0, 0.286) → lav_prioritet.
Midpoints (derived, x = 0): arbejdsmarked at x = 0 exactly counts on the high side → saet_ind_her.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from report import figures as F
from report import quality_map as Q
from report import registry as R
from report.counting import wilson
from report.errors import TableError

COLS = {
    "rytme": ["ja", "ja", "ja", "ja", "nej", "nej", "nej", "ja"],
    "rytme_vigtigt": ["ja", "ja", "nej", "ja", "ja", "nej", "nej", "ja"],
    "arbejdsmarked": ["ja", "nej", "nej", "nej", "ja", "nej", None, "nej"],
    "arbejdsmarked_vigtigt": ["ja", "ja", "ja", "nej", "nej", "ja", None, "ja"],
    "samlet_tilfredshed": ["tilfreds", "tilfreds", "tilfreds", "utilfreds", "utilfreds", "utilfreds", "tilfreds",
                           None],
}
R_RYTME, R_AM = 5 / 12, 0.0
GM_STATED = ((5 / 8 + 5 / 7) / 2, (5 / 8 + 2 / 7) / 2)
GM_DERIVED = ((5 / 12 + 0) / 2, (5 / 8 + 2 / 7) / 2)


@pytest.fixture
def small(guide) -> pd.DataFrame:
    rows = [dict(respondent_id=f"R{i + 1}", **{c: v[i] for c, v in COLS.items()}) for i in range(8)]
    return pd.DataFrame(rows, columns=guide.codes, dtype=object)


def fisher(r: float, n: int) -> tuple[float, float]:
    h = 1.96 / math.sqrt(n - 3)
    return math.tanh(math.atanh(r) - h), math.tanh(math.atanh(r) + h)


def test_method_choice_and_its_refusals():
    assert Q.map_method() == Q.DEFAULT_METHOD == Q.MapMethod("diagonal", "angivet")
    assert Q.map_method(vigtighed="afledt") == Q.MapMethod("gennemsnit", "afledt")  # crosshairs the natural default
    assert Q.map_method("midtpunkt", "afledt").crosshairs
    with pytest.raises(TableError, match="45°-linjen giver ikke mening"):
        Q.map_method("diagonal", "afledt")
    with pytest.raises(TableError, match="reference"):
        Q.map_method("median")
    with pytest.raises(TableError, match="vigtighed"):
        Q.map_method(vigtighed="oplevet")


def test_derived_importance_is_phi_with_a_fisher_interval(small, guide):
    d = Q.derived_importance(small, guide).set_index("kode")
    assert d.loc["rytme", "afledt_n"] == 7 and d.loc["arbejdsmarked", "afledt_n"] == 6
    assert d.loc["rytme", "afledt"] == pytest.approx(R_RYTME)
    assert d.loc["arbejdsmarked", "afledt"] == pytest.approx(R_AM)
    assert (d.loc["rytme", "afledt_lav"], d.loc["rytme", "afledt_hoej"]) == pytest.approx(fisher(R_RYTME, 7))
    assert (d.loc["arbejdsmarked", "afledt_lav"], d.loc["arbejdsmarked", "afledt_hoej"]) == pytest.approx(
        (-math.tanh(1.96 / math.sqrt(3)), math.tanh(1.96 / math.sqrt(3))))
    # phi is Pearson's r on the 0/1 codes
    both = small.dropna(subset=["rytme", "samlet_tilfredshed"])
    r = np.corrcoef((both["rytme"] == "ja").astype(float), (both["samlet_tilfredshed"] == "tilfreds").astype(float))
    assert r[0, 1] == pytest.approx(R_RYTME)
    # a probe nobody answered: n 0, no r, no interval
    assert d.loc["mod", "afledt_n"] == 0 and d.loc[["mod"], ["afledt", "afledt_lav", "afledt_hoej"]].isna().all(axis=None)


def test_no_interval_when_too_few_or_perfect(guide):
    rows = [dict(respondent_id=f"X{i}", rytme=a, samlet_tilfredshed=s) for i, (a, s) in
            enumerate([("ja", "tilfreds"), ("nej", "utilfreds"), ("ja", "tilfreds"), ("nej", "utilfreds")])]
    d = Q.derived_importance(pd.DataFrame(rows, columns=guide.codes, dtype=object), guide).set_index("kode")
    assert d.loc["rytme", "afledt"] == pytest.approx(1.0)  # |r| = 1: no Fisher interval
    assert np.isnan(d.loc["rytme", "afledt_lav"]) and np.isnan(d.loc["rytme", "afledt_hoej"])
    rows = rows[:3]  # n = 3 < 4
    d = Q.derived_importance(pd.DataFrame(rows, columns=guide.codes, dtype=object), guide).set_index("kode")
    assert np.isnan(d.loc["rytme", "afledt_lav"])
    # everyone satisfied: no correlation at all
    rows = [dict(respondent_id=f"X{i}", rytme=a, samlet_tilfredshed="tilfreds") for i, a in enumerate("ja nej ja".split())]
    d = Q.derived_importance(pd.DataFrame(rows, columns=guide.codes, dtype=object), guide).set_index("kode")
    assert np.isnan(d.loc["rytme", "afledt"])


@pytest.mark.parametrize("method,centre,quads", [
    (Q.MapMethod("gennemsnit", "angivet"), GM_STATED, ("overindsats", "saet_ind_her")),
    (Q.MapMethod("midtpunkt", "angivet"), (0.5, 0.5), ("fortsaet", "saet_ind_her")),
    (Q.MapMethod("gennemsnit", "afledt"), GM_DERIVED, ("fortsaet", "lav_prioritet")),
    (Q.MapMethod("midtpunkt", "afledt"), (0.0, 0.5), ("fortsaet", "saet_ind_her")),  # x = 0 on the line: high side
], ids=["gennemsnit", "midtpunkt", "afledt-gennemsnit", "afledt-midtpunkt"])
def test_centre_and_quadrants_by_hand(small, guide, method, centre, quads):
    t = Q.kvalitetskort_points(small, guide, method=method).set_index("kode")
    assert t.attrs["centre"] == pytest.approx(centre)
    assert (t.loc["rytme", "kvadrant"], t.loc["arbejdsmarked", "kvadrant"]) == quads
    assert pd.isna(t.loc["mod", "kvadrant"]) and t.loc["mod", "tom"]  # no position, no quadrant
    # the stated columns stay the report's
    assert t.loc["rytme", "vigtighed"] == pytest.approx(5 / 8) and t.loc["arbejdsmarked", "gap"] == pytest.approx(3 / 7)
    # not distinguishable from the crosshairs: the 95 % box touches a line
    cx, cy = centre
    xcol = "afledt" if method.derived else "vigtighed"
    for code in ("rytme", "arbejdsmarked"):
        r = t.loc[code]
        want = bool(r[xcol + "_lav"] <= cx <= r[xcol + "_hoej"] or r["udbytte_lav"] <= cy <= r["udbytte_hoej"])
        assert bool(r["krydser"]) == want


def test_grand_mean_leaves_out_what_publication_hides(small, guide):
    # min_n = 8: arbejdsmarked (n = 7) is hidden, so the centre is rytme's own point
    t = Q.kvalitetskort_points(small, guide, min_n=8, method=Q.MapMethod("gennemsnit", "angivet"))
    assert t.attrs["centre"] == pytest.approx((5 / 8, 5 / 8))
    assert Q.quadrants([0.2], [0.2], float("nan"), 0.5)[0] is None


def test_crosshair_crossing_edges():
    got = Q.crosses_crosshairs([0.1, 0.6, 0.1, np.nan], [0.4, 0.9, 0.5, np.nan], [0.1, 0.6, 0.6, 0.1],
                               [0.4, 0.9, 0.9, 0.2], 0.5, 0.5)
    assert got.tolist() == [False, False, True, True]  # a touch counts; no x interval counts as uncertain


def test_default_is_unchanged_and_csv_gains_the_methods_columns(small, guide):
    base = Q.kvalitetskort(small, guide)
    assert list(base.columns) == list(Q.kvalitetskort(small, guide, method=Q.DEFAULT_METHOD).columns)
    assert "kvadrant" not in base and "afledt" not in base
    assert R.render("kvalitetskort", small, guide) == R.render("kvalitetskort", small, guide,
                                                               method=Q.DEFAULT_METHOD)
    lines = R.render("kvalitetskort", small, guide, method=Q.MapMethod("gennemsnit", "afledt")).splitlines()
    assert lines[0] == "kode,spoergsmaal,n,udbytte,vigtighed,gap,afledt_n,afledt,afledt_lav,afledt_hoej,kvadrant"
    lo, hi = fisher(R_RYTME, 7)
    assert lines[2] == (f"rytme,Har tilbuddet givet dig en rytme i hverdagen?,8,0.625,0.625,0.000,7,0.417,"
                        f"{lo:.3f},{hi:.3f},fortsaet")
    assert lines[1].endswith(",6,0.000,-0.812,0.812,lav_prioritet")  # tanh(1.96/√3) = 0.812
    md = R.render("kvalitetskort", small, guide, fmt="md", method=Q.MapMethod("midtpunkt", "angivet"))
    assert " Felt " in md.splitlines()[4] and "Sæt ind her" in md and "Trådkors ved skalaens" in md


def test_figure_draws_crosshairs_and_quadrant_labels(small, guide):
    fig = F.kvalitetskort_figure(small, guide, intervals=True, min_n=1,
                                 method=Q.MapMethod("gennemsnit", "angivet"))
    roles = [getattr(tr, "meta", None) or {} for tr in fig.data]
    assert not any(r.get("role") == "diagonal" for r in roles)
    cross = next(tr for tr, r in zip(fig.data, roles) if r.get("role") == "traadkors")
    cx, cy = GM_STATED
    assert list(cross.x[:2]) == pytest.approx([cx * 100, cx * 100]) and list(cross.y[3:]) == pytest.approx([cy * 100] * 2)
    assert cross.name == "Trådkors ved gennemsnittene"
    labels = {a.text for a in fig.layout.annotations if a.name == "kvadrant"}
    assert labels == {f"<i>{v}</i>" for v in Q.QUADRANTS.values()}
    assert not any(a.name == "vigtigt_ikke_leveret" for a in fig.layout.annotations)
    assert fig.layout.meta["reference"] == "gennemsnit" and fig.layout.meta["notes"][0].startswith("Trådkors ved")


def test_figure_with_derived_importance_has_a_correlation_axis(small, guide):
    fig = F.kvalitetskort_figure(small, guide, intervals=True, min_n=1, method=Q.map_method(vigtighed="afledt"))
    assert fig.layout.xaxis.title.text.startswith("Afledt vigtighed")
    assert tuple(fig.layout.xaxis.range) == F.X_DERIVED
    pts = [tr for tr in fig.data if (tr.meta or {}).get("role") == "punkter" and len(tr.x)]
    xs = {t: (x, y) for tr in pts for t, x, y in zip(tr.text, tr.x, tr.y)}
    assert xs["Rytme (n=8)"] == pytest.approx((R_RYTME, 62.5))
    tr = next(tr for tr in pts if "Rytme (n=8)" in tr.text)
    i = list(tr.text).index("Rytme (n=8)")
    lo, hi = fisher(R_RYTME, 7)
    assert tr.error_x.array[i] == pytest.approx(hi - R_RYTME) and tr.error_x.arrayminus[i] == pytest.approx(R_RYTME - lo)
    u_lo, _ = wilson(5, 8)
    assert tr.error_y.arrayminus[i] == pytest.approx(62.5 - u_lo * 100)
    cross = next(tr for tr in fig.data if (tr.meta or {}).get("role") == "traadkors")
    assert cross.x[0] == pytest.approx(GM_DERIVED[0])


def test_small_maps_refuse_another_method(small, guide):
    with pytest.raises(F.FigureError, match="kun det enkelte kvalitetskort"):
        F.figure("kvalitetskort_grupper", small, guide, method=Q.MapMethod("midtpunkt", "angivet"))


def test_a_label_near_the_right_edge_of_the_correlation_axis_goes_left():
    """Derived importance: x runs −1…1, so a point at r = 1 has no room on its right (seen: «Kontakt (n=54)»
    cut off at the map's edge)."""
    px_x, px_y = 740 / (F.X_DERIVED[1] - F.X_DERIVED[0]), 740 / (F.AXIS_HI - F.AXIS_LO)
    kw = dict(px_x=px_x, px_y=px_y, size=F.LABEL_SIZE, marker=11)
    on_axis = F.place_labels([1.0], [50.0], ["Kontakt (n=54)"], x_range=F.X_DERIVED, **kw)
    assert on_axis[0] in ("middle left", "top left", "bottom left") or not isinstance(on_axis[0], str)
    assert F.place_labels([0.0], [50.0], ["Kontakt (n=54)"], x_range=F.X_DERIVED, **kw) == ["middle right"]
