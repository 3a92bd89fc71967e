"""The report's figures and the quality map as Plotly figures (report/figures.py).

Numbers are checked against `report.tables` / `report.quality_map` on the demo study (whose Tabel 4.2 is the report's),
the "not distinguishable from the line" flag on a hand-made fixture. Kaleido starts Chromium for
images, which is slow: the PNG, SVG and HTML files are written once per module (`written`) and
the CLI test adds one more process.
"""
from __future__ import annotations

import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from archetypes.model import GROUP_ORDER, GROUPS
from report import figures as F
from report import population as P
from report import quality_map as Q
from report import registry as R
from report import tables as T
from report.errors import TableError
from report.figures import FigureError
from survey.demo import build_demo_frame

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


# --------------------------------------------------------------------------- fixtures and helpers

@pytest.fixture(scope="module")
def demo(guide) -> pd.DataFrame:
    return build_demo_frame(guide)


def make_wide(guide, rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=guide.codes, dtype=object)


def points(fig, group: str | None = None) -> dict[str, dict]:
    """kode -> x, y, n, flagged, text, position of every drawn point (optionally one panel)."""
    out = {}
    for tr in fig.data:
        meta = tr.meta or {}
        if meta.get("role") != "punkter" or (group is not None and meta.get("group") != group):
            continue
        for i, cd in enumerate(tr.customdata if tr.customdata is not None else []):
            out[cd[0]] = {"x": tr.x[i], "y": tr.y[i], "n": int(cd[1]), "flagged": meta["flagged"],
                          "text": tr.text[i], "pos": tr.textposition[i],
                          "err_x": (tr.error_x.arrayminus[i], tr.error_x.array[i]) if tr.error_x.array is not None
                          else None,
                          "err_y": (tr.error_y.arrayminus[i], tr.error_y.array[i]) if tr.error_y.array is not None
                          else None}
    return out


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_MAGIC
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


# --------------------------------------------------------------------------- the quality map: numbers

def test_map_points_are_the_table_numbers_times_100(demo, guide):
    fig = F.kvalitetskort_figure(demo, guide)
    t = Q.kvalitetskort(demo, guide)
    pts = points(fig)
    assert set(pts) == set(t["kode"])  # every probe has n ≥ 5 in the whole study
    for r in t.itertuples():
        p = pts[r.kode]
        assert p["x"] == pytest.approx(r.vigtighed * 100) and p["y"] == pytest.approx(r.udbytte * 100)
        assert p["n"] == r.n and p["text"].endswith(f"(n={r.n})")
    # the published example of method.md: rytme 41/59 important, 50/59 yes
    assert pts["rytme"]["x"] == pytest.approx(69.5, abs=0.05) and pts["rytme"]["y"] == pytest.approx(84.7, abs=0.05)
    assert pts["rytme"]["text"] == "Rytme (n=59)" and pts["rytme"]["n"] == 59
    assert pts["arbejdsmarked"]["x"] == pytest.approx(50.9, abs=0.05)
    assert pts["arbejdsmarked"]["y"] == pytest.approx(43.9, abs=0.05)


def test_map_has_the_diagonal_the_shaded_area_and_percent_axes(demo, guide):
    fig = F.kvalitetskort_figure(demo, guide)
    diag = [tr for tr in fig.data if (tr.meta or {}).get("role") == "diagonal"]
    assert len(diag) == 1
    d = diag[0]
    assert list(d.x) == list(d.y) and min(d.x) <= 0 and max(d.x) >= 100  # y = x across the whole plot
    shade = [s for s in fig.layout.shapes if s.name == "vigtigt_ikke_leveret"]
    assert len(shade) == 1 and shade[0].fillcolor == F.SHADE and shade[0].layer == "below"
    # the path is the triangle below the diagonal: corners (lo, lo), (hi, lo), (hi, hi)
    assert shade[0].path == f"M {F.AXIS_LO},{F.AXIS_LO} L {F.AXIS_HI},{F.AXIS_LO} L {F.AXIS_HI},{F.AXIS_HI} Z"
    assert any("Vigtigt, men ikke leveret" in (a.text or "") for a in fig.layout.annotations)
    for ax in (fig.layout.xaxis, fig.layout.yaxis):
        assert tuple(ax.range) == (F.AXIS_LO, F.AXIS_HI)
        assert list(ax.ticktext) == ["0 %", "20 %", "40 %", "60 %", "80 %", "100 %"]
    assert "Vigtighed" in fig.layout.xaxis.title.text and "Tilfredshed" in fig.layout.yaxis.title.text
    assert fig.layout.title.text.startswith("<b>" + R.TITLES["kvalitetskort"])
    assert "n = 61" in fig.layout.title.text


def test_map_intervals_are_the_wilson_intervals(demo, guide):
    t = Q.kvalitetskort(demo, guide).set_index("kode")
    pts = points(F.kvalitetskort_figure(demo, guide, intervals=True))
    for kode, p in pts.items():
        r = t.loc[kode]
        lo, hi = p["err_x"]
        assert p["x"] - lo == pytest.approx(r.vigtighed_lav * 100)
        assert p["x"] + hi == pytest.approx(r.vigtighed_hoej * 100)
        lo, hi = p["err_y"]
        assert p["y"] - lo == pytest.approx(r.udbytte_lav * 100) and p["y"] + hi == pytest.approx(r.udbytte_hoej * 100)
    assert all(p["err_x"] is None for p in points(F.kvalitetskort_figure(demo, guide)).values())


def test_map_for_one_group_and_site_type(demo, guide):
    pts = points(F.kvalitetskort_figure(demo, guide, group="aeldre_misbrugere"))
    t = Q.kvalitetskort(demo, guide, group="aeldre_misbrugere")
    assert {k: (round(p["x"], 6), round(p["y"], 6), p["n"]) for k, p in pts.items()} == {
        r.kode: (round(r.vigtighed * 100, 6), round(r.udbytte * 100, 6), r.n) for r in t.itertuples() if r.n}
    pop = P.population(demo, site_type="vaerested")
    t = Q.kvalitetskort(pop, guide)
    pts = points(F.kvalitetskort_figure(demo, guide, site_type="vaerested"))
    assert {k: p["n"] for k, p in pts.items()} == {r.kode: r.n for r in t.itertuples() if r.n}


# --------------------------------------------------------------------------- flagged points (hand-made)

@pytest.fixture
def flags_df(guide) -> pd.DataFrame:
    """20 respondents. rytme: 20 ja, none important (u = 1, v = 0: clearly above the line).
    familie: 20 nej, all important (u = 0, v = 1: clearly below). kontakt: 10 ja / 10 nej, 10 important
    (u = v = 0.5: on the line). sjovt: 3 answers only (n = 3). Every other probe unanswered (n = 0)."""
    rows = []
    for i in range(20):
        r = {"respondent_id": f"R{i:02d}", "arketype": "den_aeldre", "age": "60",
             "rytme": "ja", "rytme_vigtigt": "nej",
             "familie": "nej", "familie_vigtigt": "ja",
             "kontakt": "ja" if i < 10 else "nej", "kontakt_vigtigt": "ja" if i % 2 else "nej"}
        if i < 3:
            r |= {"sjovt": "ja", "sjovt_vigtigt": "ja"}
        rows.append(r)
    return make_wide(guide, rows)


def test_crossing_rule_on_hand_made_points(flags_df, guide):
    t = Q.kvalitetskort_points(flags_df, guide).set_index("kode")
    assert t.loc["rytme", "udbytte"] == 1 and t.loc["rytme", "vigtighed"] == 0
    assert t.loc["familie", "udbytte"] == 0 and t.loc["familie", "vigtighed"] == 1
    assert t.loc["kontakt", "udbytte"] == 0.5 and t.loc["kontakt", "vigtighed"] == 0.5
    assert not t.loc["rytme", "krydser"] and not t.loc["familie", "krydser"] and t.loc["kontakt", "krydser"]
    pts = points(F.kvalitetskort_figure(flags_df, guide, intervals=True))
    assert set(pts) == {"rytme", "familie", "kontakt", "sjovt"}  # n = 0 probes have no position
    assert pts["rytme"]["flagged"] is False and pts["familie"]["flagged"] is False
    assert pts["kontakt"]["flagged"] is True
    assert pts["sjovt"]["flagged"] is True  # n = 3: wide intervals, box meets the line
    fig = F.kvalitetskort_figure(flags_df, guide)
    names = {tr.name for tr in fig.data if (tr.meta or {}).get("role") == "punkter"}
    assert names == {F.FLAG_NAME, F.CLEAR_NAME}
    notes = " ".join(fig.layout.meta["notes"])
    assert "kan ikke skelnes fra linjen" in notes and "rører 45°-linjen" in notes
    assert "Ingen ja/nej-svar" in notes and "Arbejdsmarked" in notes
    # flagged points look different
    flagged = next(tr for tr in fig.data if tr.name == F.FLAG_NAME)
    clear = next(tr for tr in fig.data if tr.name == F.CLEAR_NAME)
    assert flagged.marker.color != clear.marker.color and flagged.opacity < clear.opacity


def test_crosses_diagonal_edges():
    # box entirely above, entirely below, touching the line at a corner, straddling, NaN (n = 0)
    got = Q.crosses_diagonal(v_lo=[0.0, 0.6, 0.2, 0.3, np.nan], v_hi=[0.2, 0.9, 0.4, 0.6, np.nan],
                             u_lo=[0.5, 0.1, 0.4, 0.4, np.nan], u_hi=[0.9, 0.5, 0.7, 0.5, np.nan])
    assert got.tolist() == [False, False, True, True, False]


def test_publish_leaves_out_small_n_points_with_a_note(flags_df, demo, guide):
    assert "sjovt" in points(F.kvalitetskort_figure(flags_df, guide))
    fig = F.kvalitetskort_figure(flags_df, guide, publish=True)
    assert "sjovt" not in points(fig) and {"rytme", "familie", "kontakt"} <= set(points(fig))
    note = " ".join(fig.layout.meta["notes"])
    assert "Udeladt, n under 5" in note and "Sjovt og udfordrende" in note
    assert any("Udeladt, n under 5" in (a.text or "") for a in fig.layout.annotations)
    # min_n is configurable
    assert "sjovt" in points(F.kvalitetskort_figure(flags_df, guide, publish=True, min_n=3))
    assert "kontakt" not in points(F.kvalitetskort_figure(flags_df, guide, publish=True, min_n=21))
    # demo: De etniske have one answer on bolig
    pts = points(F.kvalitetskort_figure(demo, guide, group="etniske", publish=True))
    assert "bolig" not in pts and len(pts) == 11
    assert "bolig" in points(F.kvalitetskort_figure(demo, guide, group="etniske"))


# --------------------------------------------------------------------------- small multiples

def test_small_multiples_one_panel_per_group_on_a_shared_scale(demo, guide):
    fig = F.kvalitetskort_small_multiples(demo, guide)
    xaxes = [k for k in fig.layout if k.startswith("xaxis")]
    yaxes = [k for k in fig.layout if k.startswith("yaxis")]
    assert len(xaxes) == len(yaxes) == len(GROUP_ORDER) == 5
    for k in xaxes + yaxes:
        assert tuple(fig.layout[k].range) == (F.AXIS_LO, F.AXIS_HI)
    titles = [a.text for a in fig.layout.annotations if a.text and "(n = " in a.text and a.name != "noter"]
    assert titles == [f"{GROUPS[g].short} (n = {n})" for g, n in zip(GROUP_ORDER, (5, 7, 7, 14, 28))]
    for g in GROUP_ORDER:
        t = Q.kvalitetskort(demo, guide, group=g)
        pts = points(fig, group=g)
        assert {k: (round(p["x"], 9), round(p["y"], 9), p["n"]) for k, p in pts.items()} == {
            r.kode: (round(r.vigtighed * 100, 9), round(r.udbytte * 100, 9), r.n) for r in t.itertuples() if r.n}
    assert sum(1 for tr in fig.data if (tr.meta or {}).get("role") == "diagonal") == 5
    assert sum(1 for s in fig.layout.shapes if s.name == "vigtigt_ikke_leveret") == 5


def test_small_multiples_publish_and_one_group(demo, guide):
    fig = F.kvalitetskort_small_multiples(demo, guide, publish=True)
    assert points(fig, group="andet") == {}  # every probe of "Andet" (5 respondents) has n < 5
    assert len(points(fig, group="aeldre_misbrugere")) == 12
    assert any(n.startswith("Andet: Udeladt, n under 5") for n in fig.layout.meta["notes"])
    # a probe's points over the groups add up to the whole population's map: with Andet's hidden, the
    # next group's point of that probe is hidden too (De etniske: every probe left), and said so
    assert [a.text for a in fig.layout.annotations if a.name == "tomt"] == [
        "Ingen punkter at vise:<br>n under 5",
        "Ingen punkter at vise:<br>n under 5, eller skjult, så et lille tal ikke kan regnes ud"]
    assert any(n.startswith("De etniske: Udeladt, n under 5") and "Også udeladt, så et lille tal" in n
               for n in fig.layout.meta["notes"])
    maps = {g: Q.kvalitetskort(demo, guide, group=g).set_index("kode")["n"] for g in GROUP_ORDER}
    for probe in [p.code for p in guide.probes]:
        hid = [g for g in GROUP_ORDER if maps[g][probe] > 0 and probe not in points(fig, group=g)]
        assert {g for g in GROUP_ORDER if 0 < maps[g][probe] < 5} <= set(hid)
        # none recoverable by subtraction: the small ones hidden with at least one that is not small
        assert not hid or any(maps[g][probe] >= 5 for g in hid), (probe, hid)
    one = F.kvalitetskort_small_multiples(demo, guide, group="unge_misbrugere")
    assert one.layout.meta["groups"] == ["unge_misbrugere"] and "xaxis2" not in one.layout
    with pytest.raises(FigureError, match="brugergruppe 'unge'.*tilladt"):
        F.kvalitetskort_small_multiples(demo, guide, group="unge")


def test_points_at_the_same_place_share_one_label(flags_df, guide):
    df = flags_df.copy()
    df["mod"], df["mod_vigtigt"] = df["kontakt"], df["kontakt_vigtigt"]  # mod lands exactly on kontakt
    fig = F.kvalitetskort_figure(df, guide)
    shown = {}
    for tr in fig.data:
        if (tr.meta or {}).get("role") == "punkter":
            for cd, tmpl in zip(tr.customdata, tr.texttemplate):
                shown[cd[0]] = tmpl
    leaders = [a.text for a in fig.layout.annotations if a.name == "etiket"]
    combined = "Mod på tilværelsen (n=20), Kontakt (n=20)"  # guide order: mod before kontakt
    assert shown["kontakt"] == ""  # the second point carries no label of its own ...
    assert shown["mod"] == combined or (shown["mod"] == "" and combined in leaders)
    assert points(fig)["mod"]["text"] == "Mod på tilværelsen (n=20)"  # ... but keeps its text for hover/data


def test_labels_are_placed_apart():
    # three points in a row, close together: not all labels to the right of their point
    pos = F.place_labels([50, 52, 54], [50, 50, 50], ["Aaaaaaaa (n=10)"] * 3, px_x=7, px_y=7, size=12, marker=10)
    assert len(set(pos)) > 1
    assert F.place_labels([], [], [], px_x=7, px_y=7, size=12, marker=10) == []


def test_point_labels_keep_off_the_crosshair_lines(demo, guide):
    """A label drawn across a crosshair line is hard to read (last review): the lines are among what the labels
    avoid. A point just left of the vertical line puts its label to its left, not across the line; the map's
    crosshairs hand both lines to the placement (each a band `CROSSHAIR_BAND` px wide through the centre)."""
    px = 7.0
    band = F.CROSSHAIR_BAND / 2 / px
    line = (60 - band, 0, 60 + band, 100)  # the vertical line at x = 60, in data units
    alone = F.place_labels([58], [30], ["Aaaaaaaa (n=10)"], px_x=px, px_y=px, size=12, marker=10)
    assert alone == ["middle right"]  # nothing in the way: the first choice
    kept_off = F.place_labels([58], [30], ["Aaaaaaaa (n=10)"], px_x=px, px_y=px, size=12, marker=10,
                              obstacles=[line])
    assert kept_off[0] in ("middle left", "top left", "bottom left")
    fig = go.Figure()
    avoid = F._crosshairs(fig, 40.0, 55.0, Q.map_method("gennemsnit"), (0, 100), label_size=12, px_x=px, px_y=px)
    assert any(b[0] == pytest.approx(40 - band) and b[2] == pytest.approx(40 + band) and b[1] <= 0 and b[3] >= 100
               for b in avoid)  # the vertical line, the whole height
    assert any(b[1] == pytest.approx(55 - band) and b[3] == pytest.approx(55 + band) and b[0] <= 0 and b[2] >= 100
               for b in avoid)  # the horizontal line, the whole width
    corners = {a.text for a in fig.layout.annotations}
    assert "<i>Fortsæt det gode arbejde</i>" in corners  # room enough right of x = 40: one line
    near = go.Figure()  # the vertical line near the right edge: a corner's label too wide for it in two lines
    F._crosshairs(near, 85.0, 55.0, Q.map_method("gennemsnit"), (0, 100), label_size=12, px_x=px, px_y=px)
    assert {a.text for a in near.layout.annotations} >= {"<i>Fortsæt det</i><br><i>gode arbejde</i>",
                                                          "<i>Sæt ind her</i>"}  # the short one still fits


# --------------------------------------------------------------------------- bar charts

def bars(fig) -> dict[tuple[str, str], tuple[float, str]]:
    """(group or row code, value) -> (y, text) over all bar traces."""
    out = {}
    for tr in fig.data:
        keys = tr.meta.get("groups") or tr.meta.get("rows")
        for k, y, txt in zip(keys, tr.y, tr.text):
            out[(k, tr.meta.get("value"))] = (y, txt)
    return out


@pytest.mark.parametrize("fig_id", ["fig3.1", "fig7.1", "fig7.2", "fig7.3", "fig7.4"])
def test_distribution_bars_equal_the_table(demo, guide, fig_id):
    t = R.RESPONDENT_TABLES[fig_id](demo, guide=guide)
    value_col = "tilbudstype" if fig_id == "fig3.1" else "svar"
    got = bars(F.figure(fig_id, demo, guide))
    assert len(got) == len(t)
    for r in t.itertuples():
        y, txt = got[(r.brugergruppe, getattr(r, value_col))]
        assert txt == str(r.antal) and y == pytest.approx(r.andel * 100)
    fig = F.figure(fig_id, demo, guide)
    assert fig.layout.title.text.startswith("<b>" + R.TITLES[fig_id][:30])
    names = [tr.name for tr in fig.data]
    if fig_id != "fig3.1":
        assert names[-1] == "Ikke besvaret"
    code = "tilbudstype" if fig_id == "fig3.1" else T.FIG7_CODES[int(fig_id[-1])]
    assert names[0] == guide.item(code).choice_label(guide.item(code).choice_values()[0])
    ticks = list(fig.data[0].x)
    assert ticks[-1] == "I alt<br>(n = 61)" and ticks[0] == "Andet<br>(n = 5)"


def test_figur_4_bars_equal_the_table_for_any_probe(demo, guide):
    for probe in ("rytme", "familie", "jobsoegning"):
        t = T.figur_4(demo, guide, probe=probe)
        fig = F.figure("fig4", demo, guide, probe=probe)
        got = bars(fig)
        assert len(got) == len(t)
        for r in t.itertuples():
            y, txt = got[(r.brugergruppe, None)]
            assert txt == f"{r.ja} af {r.n}" and y == pytest.approx(r.andel_ja * 100)
        assert guide.item(probe).label in fig.layout.title.text.replace("<br>", " ")
    # rytme, ældre: 24 of 28
    assert bars(F.figure("fig4", demo, guide, probe="rytme"))[("aeldre_misbrugere", None)][1] == "24 af 28"


def test_report_figures_4_1_to_4_3_are_rytme_kontakt_arbejdsmarked(demo, guide):
    for fid, probe in (("fig4.1", "rytme"), ("fig4.2", "kontakt"), ("fig4.3", "arbejdsmarked")):
        fig = F.figure(fid, demo, guide)
        assert fig.layout.meta["probe"] == probe
        assert fig.layout.title.text.startswith("<b>Figur " + fid[3:])
        t = T.figur_4(demo, guide, probe=probe)
        assert [b[1] for b in bars(fig).values()] == [f"{j} af {n}" for j, n in zip(t["ja"], t["n"])]
    assert F.figure("fig4.1", demo, guide, probe="rytme").layout.meta["probe"] == "rytme"
    with pytest.raises(FigureError, match="fig4.1 er rapportens figur for proben 'rytme'.*fig4 --probe sjovt"):
        F.figure("fig4.1", demo, guide, probe="sjovt")


def test_figur_4_intervals_and_publish(demo, guide):
    t = T.figur_4(demo, guide, probe="arbejdsmarked")
    fig = F.figure("fig4", demo, guide, probe="arbejdsmarked", intervals=True)
    tr = fig.data[0]
    for i, r in enumerate(t.itertuples()):
        assert tr.y[i] - tr.error_y.arrayminus[i] == pytest.approx(r.andel_ja_lav * 100)
        assert tr.y[i] + tr.error_y.array[i] == pytest.approx(r.andel_ja_hoej * 100)
    pub = F.figure("fig4", demo, guide, probe="arbejdsmarked", publish=True)
    assert "andet" not in pub.data[0].meta["groups"]  # n = 4
    assert any("Udeladt, n under 5" in n and "Andet" in n for n in pub.layout.meta["notes"])


def test_inddragelse_bars_equal_the_table(demo, guide):
    t = T.inddragelse_tilfredshed(demo, guide)
    got = bars(F.figure("7.2", demo, guide))
    for r in t.to_dict("records"):
        for v in ("tilfreds", "utilfreds", "ikke_vurderet"):
            y, txt = got[(r["inddraget"], v)]
            assert txt == str(r[v]) and y == pytest.approx(100 * r[v] / r["i_alt"])
    assert got[("ja", "tilfreds")][1] == "37"  # report: 37 of 42 involved are satisfied


def test_bar_charts_for_one_group(demo, guide):
    fig = F.figure("fig7.3", demo, guide, group="etniske")
    assert {k[0] for k in bars(fig)} == {"etniske", "i_alt"}
    assert "De etniske" in fig.layout.title.text and "n = 7" in fig.layout.title.text


# --------------------------------------------------------------------------- errors

def test_bad_requests_raise_figure_error_in_danish(demo, guide, tmp_path):
    assert issubclass(FigureError, TableError) and issubclass(FigureError, ValueError)
    with pytest.raises(FigureError, match=r"Ukendt figur 'fig9'.*tilladt: kvalitetskort, .*fig4\.1.*7\.2"):
        F.figure("fig9", demo, guide)
    with pytest.raises(FigureError, match=r"Ukendt filtype '\.jpg'.*tilladt: \.png, \.svg, \.html"):
        F.write_figure("kvalitetskort", demo, guide, tmp_path / "x.jpg")
    with pytest.raises(FigureError, match=r"Ukendt filtype '\(ingen\)'"):
        F.write_figure("kvalitetskort", demo, guide, tmp_path / "x")
    with pytest.raises(FigureError, match="Ukendt probe 'rytmer'.*tilladt: arbejdsmarked, rytme"):
        F.figure("fig4", demo, guide, probe="rytmer")
    with pytest.raises(FigureError, match="Figur 4 kræver en probe.*tilladt: arbejdsmarked"):
        F.figure("fig4", demo, guide)
    with pytest.raises(FigureError, match="--probe gælder kun fig4"):
        F.figure("fig7.1", demo, guide, probe="rytme")
    with pytest.raises(FigureError, match="Ukendt brugergruppe 'unge'"):
        F.figure("kvalitetskort", demo, guide, group="unge")
    with pytest.raises(FigureError, match="stedtype 'herberg'.*boform, vaerested"):
        F.figure("fig3.1", demo, guide, site_type="herberg")
    with pytest.raises(FigureError, match="Mappen .* findes ikke"):
        F.write_figure("kvalitetskort", demo, guide, tmp_path / "nope" / "x.png")
    with pytest.raises(FigureError, match="billedformat 'gif'"):
        F.to_image_bytes(F.figure("7.2", demo, guide), "gif")
    assert not list(tmp_path.iterdir())  # nothing written on a refusal


def test_ids_are_case_insensitive(demo, guide):
    assert F.figure(" Kvalitetskort ", demo, guide).layout.meta["figure"] == "kvalitetskort"
    assert F.figure("FIG7.4", demo, guide).layout.meta["figure"] == "fig7.4"


# --------------------------------------------------------------------------- files (one set per module)

@pytest.fixture(scope="module")
def written(tmp_path_factory, guide, demo):
    d = tmp_path_factory.mktemp("figs")
    out = {
        "png": F.write_figure("kvalitetskort", demo, guide, d / "kort.png", intervals=True),
        "svg": F.write_figure("fig4", demo, guide, d / "rytme.svg", probe="rytme"),
        "html": F.write_figure("kvalitetskort_grupper", demo, guide, d / "grupper.html"),
    }
    return out


def test_write_png(written, guide, demo):
    path = written["png"]
    assert isinstance(path, Path) and path.name == "kort.png"
    data = path.read_bytes()
    fig = F.kvalitetskort_figure(demo, guide, intervals=True)
    assert png_size(data) == (fig.layout.width * F.PNG_SCALE, fig.layout.height * F.PNG_SCALE)
    assert len(data) > 50_000  # a real picture, not an empty canvas


def test_write_svg(written):
    root = ET.parse(written["svg"]).getroot()
    assert root.tag.endswith("svg")
    texts = " ".join(root.itertext())
    assert "Har tilbuddet givet dig en rytme i hverdagen?" in texts
    assert "24 af 28" in texts and "50 af 59" in texts and "I alt" in texts


def test_write_html_works_offline(written):
    text = written["html"].read_text(encoding="utf-8")
    assert text.lstrip().lower().startswith("<html") or "<!doctype html" in text[:200].lower()
    assert "cdn.plot.ly" not in text.split("</head>")[0] and 'src="https://' not in text
    assert len(text) > 1_000_000  # plotly.js inline
    assert "De \\u00e6ldre misbrugere (n = 28)" in text and "Vigtigt, men ikke leveret" in text


def test_to_png_bytes(written, demo, guide):
    data = F.to_png_bytes(F.figure("7.2", demo, guide), scale=1)
    fig = F.figure("7.2", demo, guide)
    assert png_size(data) == (fig.layout.width, fig.layout.height)


def test_cli_kvalitetskort_out_png(written, tmp_path, capsys, db_url):
    from brugerblik.cli import main

    db = db_url
    assert main(["--db", db, "demo"]) == 0
    # the installed command, in its own process (its own Chromium)
    exe = Path(sys.executable).parent / "brugerblik"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "brugerblik"]
    out = tmp_path / "x.png"
    r = subprocess.run(cmd + ["--db", db, "kvalitetskort", "--out", str(out), "--intervals"], capture_output=True,
                       text=True, timeout=180)
    assert r.returncode == 0, r.stderr
    assert f"Skrev {out}" in r.stdout
    assert png_size(out.read_bytes())[0] > 1000
    # refusals: exit 1, Danish message on stderr, no file
    capsys.readouterr()
    assert main(["--db", db, "figure", "fig9", "--out", str(tmp_path / "y.png")]) == 1
    assert "Ukendt figur 'fig9'" in capsys.readouterr().err and not (tmp_path / "y.png").exists()
    assert main(["--db", db, "kvalitetskort", "--out", str(tmp_path / "y.pdf")]) == 1
    assert "Ukendt filtype '.pdf'" in capsys.readouterr().err
    assert main(["--db", db, "figure", "fig4", "--out", str(tmp_path / "y.html")]) == 1
    assert "kræver en probe" in capsys.readouterr().err
    assert main(["--db", db, "figure", "fig4.2", "--out", str(tmp_path / "k.html")]) == 0
    assert (tmp_path / "k.html").stat().st_size > 1_000_000
    # --publish with --min-n: the small points are left out and the figure says so
    assert main(["--db", db, "figure", "kvalitetskort", "--out", str(tmp_path / "p.html"), "--publish",
                 "--min-n", "55"]) == 0
    html = (tmp_path / "p.html").read_text(encoding="utf-8")
    assert "Udeladt, n under 55" in html and "Rytme (n=59)" in html and "Kontakt (n=54)" not in html


# --------------------------------------------------------------------------- user text is shown, never markup

LINK_SITE = '<a href="https://evil.example/">klik</a>'
BOLD_SITE = "<b>fed</b> & &lt;tegn&gt;"


def test_a_site_named_like_markup_is_shown_as_text_never_a_link(demo, guide, tmp_path):
    """Found by a hostile tester: Plotly renders its texts as pseudo-HTML, so a site named
    ``<a href="…">klik</a>`` became a live link (``xlink:href``) in the SVG and HTML of
    ``brugerblik kvalitetskort --efter sted``. Every text from the data goes through
    `report.publication.figure_text`: the SVG shows the name as typed and holds no link."""
    sites = list(dict.fromkeys(demo["site"]))
    df = demo.copy()
    df["site"] = df["site"].replace({sites[0]: LINK_SITE, sites[1]: BOLD_SITE})
    cuts = P.Cuts(by="sted")
    svg = F.write_figure("kvalitetskort_grupper", df, guide, tmp_path / "kort.svg", cuts=cuts)
    bars = F.write_figure("fig3.1", df, guide, tmp_path / "fig.svg", cuts=cuts)
    for path in (svg, bars):
        raw = path.read_text(encoding="utf-8")
        root = ET.fromstring(raw)
        assert not [e for e in root.iter() if e.tag.rsplit("}", 1)[-1] == "a"]
        assert not [k for e in root.iter() for k in e.attrib if "href" in k.lower()]
        assert "evil.example" in raw  # only as the text of the name
        texts = " ".join(root.itertext())
        assert LINK_SITE in texts and BOLD_SITE in texts  # the names as typed, not rendered as markup
    fig = F.figure("fig3.1", df, guide, cuts=cuts)
    assert all("<a " not in str(tr.name) and all("<a " not in str(x) for x in tr.x) for tr in fig.data)
    # the tick's name is wrapped at its spaces (words whole): a line break where the space was
    assert "&lt;a href=" in " ".join(" ".join(map(str, tr.x)) for tr in fig.data).replace("<br>", " ")
    # the figure's own markup stays markup
    assert "<br>" in fig.data[0].x[0] and fig.layout.title.text.startswith("<b>")
