"""The Rapport page through streamlit.testing (AppTest) on the demo study: the quality map, the
tables, the crosstab and the downloads, with the filters kept in the URL.

Every number shown is checked against the report layer (`report.*`) on the same store; the demo store is made
once for the module (the page only reads it) except for the test that changes an answer."""
from __future__ import annotations

import re

import base64
import io
import json
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from archetypes.model import GROUP_ORDER
from report import crosstab as X
from report import data as report_data
from report import figures as F
from report import population as P
from report import quality_map as Q
from report import registry as R
from report import tables as T
from survey import store
from survey.db import get_engine, session_scope
from survey.demo import load_demo
from ui import rapport_view as RV
from tests.app.numbers import shown_frame
from tests.app.pages import switch

APP = str(Path(__file__).resolve().parents[2] / "app.py")
TIMEOUT = 90


# ---------------------------------------------------------------- fixtures and helpers

@pytest.fixture(scope="module")
def demo_url(db_factory, guide) -> str:
    """One demo store for the module (tests/conftest.py: SQLite, or PostgreSQL in that run)."""
    url = db_factory.new()
    assert load_demo(get_engine(url), guide) == 61
    return url


@pytest.fixture
def db(demo_url, monkeypatch):
    monkeypatch.setenv("BRUGERBLIK_DB", demo_url)
    return get_engine(demo_url)  # the same engine the app's cache_resource hands out for this URL


@pytest.fixture(scope="module")
def wide(demo_url, guide):
    return store.load_wide(get_engine(demo_url), guide)


def run_ok(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not [e.value for e in at.error if "uventet fejl" in e.value], [e.value for e in at.error]
    return at


def open_report(tab: str | None = None, **params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    run_ok(at)
    for k, v in params.items():
        at.query_params[k] = v
    if tab:
        at.query_params["fane"] = tab
    switch(at, "rapport")
    return run_ok(at)


def to_tab(at: AppTest, tab: str) -> AppTest:
    at.session_state[RV.K_TAB] = tab
    return run_ok(at)


def texts(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption] + [e.value for e in at.error]
                     + [w.value for w in at.warning] + [s.value for s in at.success] + [i.value for i in at.info])


def charts(at: AppTest) -> dict[str, dict]:
    """figure id (layout.meta.figure) -> the plotly spec the page sent."""
    out = {}
    for el in at.get("plotly_chart"):
        spec = json.loads(el.proto.spec)
        out[spec["layout"]["meta"]["figure"]] = spec
    return out


def _arr(v) -> list:
    """A plotly JSON array: a list, or plotly 6's typed array {"dtype": "f8", "bdata": base64}."""
    if isinstance(v, dict) and "bdata" in v:
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"])).tolist()
    return list(v)


def map_points(spec: dict) -> dict[str, tuple[float, float, int]]:
    """kode -> (x, y, n) of every point drawn on a quality map."""
    out = {}
    for tr in spec["data"]:
        if (tr.get("meta") or {}).get("role") != "punkter" or not tr.get("customdata"):
            continue
        for cd, x, y in zip(tr["customdata"], _arr(tr["x"]), _arr(tr["y"])):
            out[cd[0]] = (x, y, int(cd[1]))
    return out


def frame(at: AppTest, column: str):
    """The one dataframe on the page that has `column`: its data (numbers stay numbers)."""
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert len(found) == 1, [list(d.value.columns) for d in at.dataframe]
    return found[0]


def text_frame(at: AppTest, column: str):
    """The one dataframe on the page that has `column`, as the browser writes it (`tests.app.numbers`)."""
    found = [d for d in at.dataframe if column in d.value.columns]
    assert len(found) == 1, [list(d.value.columns) for d in at.dataframe]
    return shown_frame(found[0])


def downloads(at: AppTest) -> set[str]:
    return {b.key for b in at.get("download_button")}


# ---------------------------------------------------------------- Kvalitetskort

def test_map_shows_the_twelve_probes_with_rytme_where_the_report_puts_it(db, wide, guide):
    at = open_report()
    assert "n = 61 af 61" in texts(at)
    figs = charts(at)
    assert set(figs) == {"kvalitetskort"}       # the map alone: the small multiples have their own tab
    pts = map_points(figs["kvalitetskort"])
    assert len(pts) == 12 == len(guide.probes)
    x, y, n = pts["rytme"]
    assert x == pytest.approx(69.5, abs=0.05) and y == pytest.approx(84.7, abs=0.05) and n == 59
    assert "fanen «Kort pr. gruppe»" in texts(at)
    small = to_tab(open_report(), "Kort pr. gruppe")
    assert set(charts(small)) == {"kvalitetskort_grupper"} and small.query_params["fane"] == "Kort pr. gruppe"
    groups = charts(small)["kvalitetskort_grupper"]["layout"]["meta"]["groups"]
    assert groups == list(GROUP_ORDER)
    at = to_tab(at, "Kvalitetskort")
    # the numbers behind the map, with Danish decimal commas
    t = text_frame(at, "Probe")
    assert len(t) == 12
    row = t[t["Probe"] == "Rytme"].iloc[0]
    assert (row["n"], row["Udbytte"], row["Vigtighed"]) == ("59", "84,7 %", "69,5 %")
    data = frame(at, "Probe").set_index("Probe")  # numbers under the text: a click on a heading sorts by number
    assert data.loc["Rytme", "n"] == 59 and data.loc["Rytme", "Udbytte"] == pytest.approx(50 / 59)
    k = Q.kvalitetskort(wide, guide).set_index("kode")
    assert row["Gap (procentpoint)"] == f"{(k.loc['rytme', 'gap']) * 100:+.1f}".replace(".", ",").replace("-", "−")
    assert "Udbytte 95 %" not in t.columns
    # intervals: the toggle adds them to the map and to the table, and the URL keeps it
    at.sidebar.toggle(key=RV.K_CI).set_value(True)
    run_ok(at)
    assert at.query_params["intervaller"] == "1"
    assert "Udbytte 95 %" in frame(at, "Probe").columns
    spec = charts(at)["kvalitetskort"]
    assert any((tr.get("error_x") or {}).get("array") is not None for tr in spec["data"]
               if (tr.get("meta") or {}).get("role") == "punkter")
    assert "rp_map_csv" in downloads(at)


def test_group_filter_changes_n_and_a_reload_keeps_it(db, wide, guide):
    at = open_report()
    at.sidebar.selectbox(key=RV.K_GROUP).set_value("etniske")
    run_ok(at)
    pop = P.population(wide, "etniske")
    assert len(pop) == 7
    assert "n = 7 af 61" in texts(at) and "n = 61 af 61" not in texts(at)
    assert at.query_params["gruppe"] == "etniske"
    want = Q.kvalitetskort(pop, guide).set_index("kode")
    pts = map_points(charts(at)["kvalitetskort"])
    assert {k: v[2] for k, v in pts.items()} == {k: int(n) for k, n in want["n"].items() if n > 0}
    small = to_tab(at, "Kort pr. gruppe")
    assert "kvalitetskort_grupper" not in charts(small)                   # one group: no small multiples
    assert "vælg «Alle brugergrupper»" in texts(small)
    at = to_tab(small, "Kvalitetskort")
    # a visit to another page (which leaves the URL's parameters behind) and back: the same filters
    switch(at, "start")
    run_ok(at)
    for k in list(at.query_params):
        del at.query_params[k]
    switch(at, "rapport")
    run_ok(at)
    assert at.sidebar.selectbox(key=RV.K_GROUP).value == "etniske" and "n = 7 af 61" in texts(at)
    assert at.query_params["gruppe"] == "etniske"
    # a reload of the same URL (a new session) shows the same population
    again = open_report(gruppe="etniske", stedtype="boform")
    assert again.sidebar.selectbox(key=RV.K_GROUP).value == "etniske"
    assert again.sidebar.selectbox(key=RV.K_SITE).value == "boform"
    n = len(P.population(wide, "etniske", "boform"))
    assert f"n = {n} af 61" in texts(again)
    # back to everyone: the parameter leaves the URL
    again.sidebar.selectbox(key=RV.K_GROUP).set_value("")
    run_ok(again)
    assert "gruppe" not in again.query_params
    assert f"n = {len(P.population(wide, None, 'boform'))} af 61" in texts(again)


def test_publish_with_a_high_minimum_n_hides_every_point_and_says_so(db, guide):
    # 61 respondents, every probe answered by at most 59: at min_n 60 every point is left out
    at = open_report(offentlig="1", min_n="60")
    assert at.sidebar.toggle(key=RV.K_PUB).value is True and at.sidebar.number_input(key=RV.K_MINN).value == 60
    spec = charts(at)["kvalitetskort"]
    assert map_points(spec) == {}
    assert any("Udeladt, n under 60" in n for n in spec["layout"]["meta"]["notes"])
    t = text_frame(at, "Probe")
    assert set(t["n"]) == {"<60"} and set(t["Udbytte"]) == {"–"} and set(t["Vigtighed"]) == {"–"}
    assert frame(at, "Probe")[["n", "Udbytte", "Vigtighed"]].isna().all(axis=None)  # no number under them
    shown = texts(at)
    assert "12 af 12 prober har n under 60" in shown and "Til offentliggørelse" in shown
    # a minimum n above the population's: nothing about it is published, and the page says why
    at.sidebar.number_input(key=RV.K_MINN).set_value(100)
    run_ok(at)
    assert not charts(at) and not at.dataframe
    assert any("Populationen har færre end 100 respondenter" in w.value for w in at.warning)
    # with the default minimum n every probe of the whole study is shown
    at.sidebar.number_input(key=RV.K_MINN).set_value(5)
    run_ok(at)
    assert len(map_points(charts(at)["kvalitetskort"])) == 12
    assert "min_n" not in at.query_params and at.query_params["offentlig"] == "1"


# ---------------------------------------------------------------- Tabeller and Krydstabel

def test_table_tab_shows_tabel_4_2_as_the_tables_module_computes_it(db, wide, guide):
    at = to_tab(open_report(), "Tabeller")
    assert not at.get("plotly_chart") or "kvalitetskort_grupper" not in charts(at)   # hidden tabs not computed
    at.selectbox(key="rp_table").set_value("4.2")
    run_ok(at)
    shown = frame(at, "Spørgsmål")
    want = T.tabel_4_2(wide, guide)
    assert list(shown["Spørgsmål"]) == list(want["spoergsmaal"])
    heads = {"ja": "Ja", "ja_vigtigt": "Ja, og vigtigt", "nej": "Nej", "nej_vigtigt": "Nej, men vigtigt"}
    for col, head in heads.items():
        assert list(shown[head]) == want[col].tolist(), col
    assert R.TITLES["4.2"] in texts(at) and "rp_table_csv" in downloads(at)
    # Figur 4 for a chosen probe: the table and the matching figure
    at.selectbox(key="rp_table").set_value("fig4")
    run_ok(at)
    at.selectbox(key="rp_probe").set_value("kontakt")
    run_ok(at)
    want = T.figur_4(wide, guide, probe="kontakt")
    shown = frame(at, "Brugergruppe")
    assert list(shown["Ja"]) == want["ja"].tolist() and list(shown["n"]) == want["n"].tolist()
    assert list(shown["Brugergruppe"])[-1] == "I alt"
    assert charts(at)["fig4"]["layout"]["meta"]["probe"] == "kontakt"


def test_every_table_and_its_figure_in_every_mode(db, wide, guide):
    """Each table id, for everyone and published at min_n 8 (Andet 5 and De etniske 7 hidden), renders
    without an error; the hidden rows show "<8" (or «–», protecting) and no count. A small group to be
    published (n 7 < min_n 8) gets nothing: the page says so instead of any table."""
    at = to_tab(open_report(), "Tabeller")
    at.sidebar.selectbox(key=RV.K_GROUP).set_value("etniske")
    at.sidebar.toggle(key=RV.K_PUB).set_value(True)
    at.sidebar.number_input(key=RV.K_MINN).set_value(8)
    run_ok(at)
    assert not at.dataframe and not charts(at)
    assert any("Populationen har færre end 8 respondenter" in w.value for w in at.warning)
    for params in ({}, {"publish": True, "min_n": 8}):
        at.sidebar.selectbox(key=RV.K_GROUP).set_value(params.get("group", ""))
        at.sidebar.toggle(key=RV.K_PUB).set_value(params.get("publish", False))
        at.sidebar.number_input(key=RV.K_MINN).set_value(params.get("min_n", 5))
        run_ok(at)
        for tid in R.RESPONDENT_TABLES:
            at.selectbox(key="rp_table").set_value(tid)
            run_ok(at)
            if tid == "4.4" and params:  # its columns are the user groups: refused while groups are hidden (a
                # reviewer: a hidden column is the row's n minus the shown ones; De etniske's 7 were shown)
                assert [e.value for e in at.error if "kan brugergruppe ikke være kolonner" in e.value], tid
                assert not at.dataframe
                continue
            assert not at.error, (tid, params, [e.value for e in at.error])
            assert R.TITLES[tid].split(" ")[0] in texts(at)
            assert "rp_table_csv" in downloads(at)
            if tid in RV.TABLE_FIGURE:
                assert RV.TABLE_FIGURE[tid] in charts(at), tid
            shown = shown_frame(at.dataframe[0])
            assert len(shown) > 0
            # Danish headings, never a column's code (Tabel 4.4 showed «utilfreds_type», «antal_etniske» …)
            assert not [c for c in shown.columns if re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)+", str(c))], (
                tid, list(shown.columns))
            if params and "Brugergruppe" in shown.columns and tid != "fig4":
                ncol = "n" if "n" in shown.columns else "I alt"
                mine = shown[shown["Brugergruppe"].isin(["Andet", "De etniske"])]
                assert set(mine[ncol]) <= {"<8", "–"} and "<8" in set(mine[ncol]), (tid, mine)
                counts = [c for c in mine.columns if c not in ("Brugergruppe", ncol, "Svar", "Tilbudstype")]
                assert all(set(mine[c]) == {"–"} for c in counts), (tid, mine)
                data = at.dataframe[0].value  # nothing hidden is in the table's data (a sort cannot tell it)
                hid = data[data["Brugergruppe"].isin(["Andet", "De etniske"])]
                assert hid[[ncol, *counts]].isna().all(axis=None), (tid, hid)


def test_published_tables_hide_the_rows_that_would_give_a_small_one_away(db, wide, guide):
    """Secondary suppression on the page (docs/method.md): published, the Oversigt hides Solvang and
    Amadeus (4 interviews each) and, so that Boform/Værested «I alt» minus the other sites does not give
    them away, the next site of each (St. Dannesbo, Linie 14) — n shown «–», not «<5»; the crosstab the
    same way."""
    at = to_tab(open_report(offentlig="1"), "Tabeller")
    at.selectbox(key="rp_table").set_value("oversigt")
    run_ok(at)
    shown = shown_frame(at.dataframe[0])
    ncol = next(c for c in shown.columns if "interview" in c.lower())
    by_site = dict(zip(shown.iloc[:, 1], shown[ncol]))
    assert by_site["Solvang"] == "<5" and by_site["Amadeus"] == "<5"
    assert by_site["St. Dannesbo"] == "–" and by_site["Linie 14"] == "–"
    # Basen (5) too: it protects Amadeus in the flat list of sites (Tabel 3.2 by site), and every output
    # hides the same sites (`report.tables.sites_hidden`)
    assert by_site["Basen"] == "–" and by_site["Livsværkstederne"] == "5"
    assert "så et lille tal ikke kan regnes ud af totalen" in texts(at)
    at = to_tab(at, "Krydstabel")
    at.selectbox(key="rp_xa").set_value("brugergruppe")
    at.selectbox(key="rp_xb").set_value("tilbudstype")
    run_ok(at)
    shown = frame(at, "n")
    n = dict(zip(shown.iloc[:, 0], shown["n"]))
    # the groups: Andet 5, De etniske 7 … nothing small, nothing hidden
    assert "<5" not in n.values() and "–" not in n.values()
    at.sidebar.number_input(key=RV.K_MINN).set_value(6)
    run_ok(at)
    n = dict(zip(text_frame(at, "n").iloc[:, 0], text_frame(at, "n")["n"]))
    assert n["Andet"] == "<6" and n["De etniske"] == "–" and n["De psykisk påfaldende"] == "7"  # the next protects it


def test_crosstab_shows_the_counts_of_tables_crosstab(db, wide, guide):
    at = to_tab(open_report(), "Krydstabel")
    assert at.selectbox(key="rp_xa").value == "forsoergelse" and at.selectbox(key="rp_xb").value == "arbejdsmarked"
    want = X.crosstab(wide, guide, "forsoergelse", "arbejdsmarked")
    shown = frame(at, "n")
    assert len(shown) == len(want)
    for v in want.attrs["kolonner"]:
        head = guide.item("arbejdsmarked").choice_label(v)
        assert list(shown[head]) == want[f"antal_{v}"].tolist(), v
    assert list(shown["n"]) == want["n"].tolist()
    assert shown.iloc[-1, 0] == "I alt"
    assert "rp_xtab_csv" in downloads(at)
    # the same variable twice: the domain's Danish message, no traceback
    at.selectbox(key="rp_xb").set_value("forsoergelse")
    run_ok(at)
    assert "to forskellige variable" in "\n".join(e.value for e in at.error)
    # a multiple choice (issue 14): one row per problem, I alt counts each respondent once, the base said
    at.selectbox(key="rp_xa").set_value("problemer")
    at.selectbox(key="rp_xb").set_value("brugergruppe")
    run_ok(at)
    want = X.crosstab(wide, guide, "problemer", "brugergruppe")
    shown = frame(at, "n")
    assert list(shown["n"]) == want["n"].tolist() and shown.iloc[-1]["n"] == len(wide)
    assert sum(shown["n"].iloc[:-1]) > len(wide)  # the rows overlap
    assert "rækkerne overlapper, og «I alt» tæller hver respondent én gang" in texts(at)


# ---------------------------------------------------------------- Hent

def test_lav_projektmappe_builds_the_workbook_only_on_request(db, monkeypatch):
    import exports.workbook as W

    calls = []
    real = W.build_workbook
    monkeypatch.setattr(W, "build_workbook", lambda *a, **kw: calls.append(kw) or real(*a, **kw))
    at = to_tab(open_report(gruppe="etniske", offentlig="1"), "Hent")
    run_ok(at)
    assert calls == [] and "rp_dl_xlsx" not in downloads(at)
    at.button(key="rp_build_xlsx").click()
    run_ok(at)
    assert len(calls) == 1 and calls[0]["group"] == "etniske" and calls[0]["publish"] is True
    assert calls[0]["min_n"] == 5
    assert "rp_dl_xlsx" in downloads(at)
    built = at.session_state[RV.FILES]["xlsx"]
    assert built.name.endswith(".xlsx") and "etniske" in built.name
    wb = openpyxl.load_workbook(io.BytesIO(built.data))
    assert "Metode" in wb.sheetnames and "Kvalitetskort" in wb.sheetnames
    run_ok(at)                                                   # a rerun does not build it again
    assert len(calls) == 1 and "rp_dl_xlsx" in downloads(at)
    # other filters: the old workbook is not offered for them
    at.sidebar.selectbox(key=RV.K_GROUP).set_value("")
    run_ok(at)
    assert "rp_dl_xlsx" not in downloads(at) and "lav den igen" in texts(at)


def test_images_are_rendered_only_when_asked_for(db, monkeypatch):
    made = []
    monkeypatch.setattr(F, "to_image_bytes", lambda fig, fmt="png", scale=None: made.append(fmt) or b"\x89PNG fake")
    at = to_tab(open_report(), "Hent")
    at.selectbox(key="rp_img_fig").set_value("fig4.1")
    run_ok(at)
    assert made == []
    at.button(key="rp_build_img").click()
    run_ok(at)
    assert made == ["png"]
    built = at.session_state[RV.FILES]["img"]
    assert built.data == b"\x89PNG fake" and built.name.startswith("fig4_1") and built.name.endswith(".png")
    at.selectbox(key="rp_img_fmt").set_value("html")
    run_ok(at)
    assert "rp_dl_img" not in downloads(at)                       # the PNG was for the other format
    at.button(key="rp_build_img").click()
    run_ok(at)
    html = at.session_state[RV.FILES]["img"].data.decode("utf-8")
    assert made == ["png"] and "<html" in html and "Figur 4.1" in html
    assert "rp_dl_img" in downloads(at)


def test_raw_data_spss_and_qdpx_downloads(db, guide):
    at = to_tab(open_report(), "Hent")
    def xlsx_ok(b: bytes) -> bool:
        ws = openpyxl.load_workbook(io.BytesIO(b)).active
        return ws.cell(1, 1).value == "respondent_id" and ws.max_row == 62

    for fmt, check in (("csv", lambda b: b.decode("utf-8-sig").splitlines()[0].startswith("respondent_id,")),
                       ("sav", lambda b: b[:4] == b"$FL2"),
                       ("qdpx", lambda b: b[:2] == b"PK"),
                       ("xlsx", xlsx_ok)):
        at.selectbox(key="rp_raw_fmt").set_value(fmt)
        run_ok(at)
        at.button(key="rp_build_raw").click()
        run_ok(at)
        built = at.session_state[RV.FILES]["raw"]
        assert built.name.endswith("." + fmt) and check(built.data), fmt
        assert "rp_dl_raw" in downloads(at)
        assert "61" in texts(at)


# ---------------------------------------------------------------- URL, errors, caching

def test_bad_query_parameters_give_a_danish_message_not_a_traceback(db):
    at = open_report(gruppe="de_dovne", stedtype="slot", min_n="mange")
    shown = "\n".join(w.value for w in at.warning)
    assert "Ukendt brugergruppe «de\\_dovne»" in shown and "Ukendt stedtype «slot»" in shown
    assert "Ugyldigt mindste n «mange»" in shown
    assert at.sidebar.selectbox(key=RV.K_GROUP).value == "" and at.sidebar.number_input(key=RV.K_MINN).value == 5
    assert "gruppe" not in at.query_params and "min_n" not in at.query_params     # the URL is put right
    assert "n = 61 af 61" in texts(at)
    assert len(map_points(charts(at)["kvalitetskort"])) == 12


def test_the_store_is_read_once_until_it_changes(db_url, monkeypatch, guide):
    monkeypatch.setenv("BRUGERBLIK_DB", db_url)
    e = get_engine(db_url)
    assert load_demo(e, guide) == 61
    loads = []
    real = store.load_wide  # report.data imports it when it reads (start-up time, issue 13)
    monkeypatch.setattr(store, "load_wide", lambda *a, **kw: loads.append(1) or real(*a, **kw))
    at = open_report()
    for tab in ("Tabeller", "Krydstabel", "Kvalitetskort"):
        to_tab(at, tab)
    at.sidebar.toggle(key=RV.K_CI).set_value(True)
    run_ok(at)
    assert len(loads) == 1
    # a change in the store (a researcher codes an answer): the next rerun reads it
    with session_scope(e) as s:
        iv = store.interview_by_respondent(s, "AMA-01")
        old = store.get_answers(s, iv.id).get("rytme")
        store.set_answer(s, guide, iv.id, "rytme", "nej" if old == "ja" else "ja", who="test")
    run_ok(at)
    assert len(loads) == 2
    now = Q.kvalitetskort(real(e, guide), guide).set_index("kode").loc["rytme", "udbytte"]
    row = text_frame(at, "Probe").set_index("Probe").loc["Rytme"]
    assert row["Udbytte"] == f"{now * 100:.1f} %".replace(".", ",") != "84,7 %"


def test_empty_store_says_what_to_do(db_url, monkeypatch):
    monkeypatch.setenv("BRUGERBLIK_DB", db_url)
    at = open_report()
    assert "ingen respondenter endnu" in texts(at)
    assert not at.get("plotly_chart")


def test_a_draft_is_left_out_and_medtag_kladder_counts_and_marks_it(db_url, monkeypatch, guide):
    """Issue 14: one interviewer's draft (two answers) beside the demo's 61 completed interviews."""
    from survey import interview as svc

    monkeypatch.setenv("BRUGERBLIK_DB", db_url)
    e = get_engine(db_url)
    assert load_demo(e, guide) == 61
    iv = svc.start_interview(e, guide, site_name="Basen", site_type="boform", interviewer="KL")
    for code, v in (("gender", "kvinde"), ("rytme", "ja")):
        assert svc.save_answer(e, guide, iv.id, code, v).ok
    at = open_report()
    t = texts(at)
    assert "n = 61 af 61" in t and "n = 61 afsluttede interview; 1 kladde er ikke talt med." in t
    assert "MED KLADDER" not in t
    n_done = map_points(charts(at)["kvalitetskort"])["rytme"][2]
    assert n_done == 59                                    # the report's number: the draft is not in it
    at.sidebar.toggle(key=RV.K_DRAFTS).set_value(True)
    run_ok(at)
    t = texts(at)
    assert "n = 62 af 62" in t and "MED KLADDER: n = 62 interview, heraf 1 kladde" in t  # a warning on the page
    assert at.query_params["kladder"] == "1"                # a reload keeps the choice
    assert map_points(charts(at)["kvalitetskort"])["rytme"][2] == n_done + 1   # the draft's «ja» is counted
    # the map says so, on a line of its own over the title (the page's figures are laid out for a narrow column)
    assert charts(at)["kvalitetskort"]["layout"]["title"]["text"].startswith("<b>MED KLADDER</b><br>")
    at.sidebar.toggle(key=RV.K_DRAFTS).set_value(False)
    run_ok(at)
    assert "n = 61 af 61" in texts(at) and "kladder" not in at.query_params


def flat(at: AppTest) -> str:
    """The page's texts without markdown's escapes («\\(» → «(»)."""
    return texts(at).replace("\\", "")


def test_the_reports_cuts_filter_and_group_the_page_and_stay_in_the_url(db, wide, guide):
    """Issue 14: arbejdsmarkedsperspektiv, site and interviewer as filters, and «Grupper efter»."""
    at = open_report()
    at.sidebar.selectbox(key=RV.K_PERSP).set_value("reelt")
    run_ok(at)
    pop = P.population(wide, cuts=P.Cuts(perspektiv="reelt"))
    assert f"arbejdsmarkedsperspektiv reelt (n = {len(pop)} af 61" in flat(at)
    assert at.query_params["perspektiv"] == "reelt"
    want = Q.kvalitetskort(pop, guide).set_index("kode")
    pts = map_points(charts(at)["kvalitetskort"])
    assert {k: v[2] for k, v in pts.items()} == {k: int(n) for k, n in want["n"].items() if n > 0}
    # grouped by site: the small maps are one per site of the population, the table's rows are the sites
    at.sidebar.selectbox(key=RV.K_BY).set_value("sted")
    run_ok(at)
    assert at.query_params["efter"] == "sted"
    at = to_tab(at, "Kort pr. gruppe")
    spec = charts(at)["kvalitetskort_grupper"]
    assert spec["layout"]["meta"]["groups"] == sorted(set(pop["site"]), key=str.casefold)
    at = to_tab(at, "Tabeller")
    at.selectbox(key="rp_table").set_value("3.2")
    run_ok(at)
    shown = frame(at, "Sted")
    counts = pop["site"].value_counts()
    assert dict(zip(shown["Sted"], shown["I alt"])) == {**{k: int(v) for k, v in counts.items()}, "I alt": len(pop)}
    assert "Tabel 3.2 Respondenter fordelt på køn — efter sted" in flat(at)
    # a reload of the URL with a site: the filter is kept; a site the study lacks is refused in Danish
    site = counts.index[0]
    again = open_report("Kort pr. gruppe", sted=site, efter="perspektiv")
    assert again.sidebar.selectbox(key=RV.K_STED).value == site
    assert f"sted {site} (n = {int((wide['site'] == site).sum())} af 61" in flat(again)
    assert charts(again)["kvalitetskort_grupper"]["layout"]["meta"]["by"] == "perspektiv"
    bad = open_report(sted="Findes ikke", interviewer="XX", perspektiv="maaske")
    assert "Stedet i adressen findes ikke i undersøgelsen — viser alle." in flat(bad)
    assert "Intervieweren i adressen findes ikke" in flat(bad)
    assert "Ukendt arbejdsmarkedsperspektiv «maaske»" in flat(bad)
    assert "n = 61 af 61" in flat(bad) and "sted" not in bad.query_params


def test_a_name_over_the_limit_is_refused_naming_it_never_cut(db, wide, guide):
    """«Navn på analysen» had max_chars 25: a longer name pasted was cut by the browser without a word and saved
    under a name nobody typed. The field now takes it whole and says the limit; saving refuses it (report.saved's
    one check of a name), naming the limit and what it got; nothing is stored and the text stays."""
    from report import saved

    at = open_report()
    at = to_tab(at, "Krydstabel")
    box = at.text_input(key="rp_save_name_krydstabel")
    assert not box.max_chars                                              # the browser cuts nothing (0: no limit)
    assert f"højst {saved.NAME_MAX} tegn" in box.label and f"Højst {saved.NAME_MAX} tegn" in box.help
    long = "Forsørgelse reelt for brugere på bosteder"
    box.input(long)
    at.button(key="FormSubmitter:rp_save_krydstabel-Gem analysen").click()
    run_ok(at)
    assert any(f"skal være 1–{saved.NAME_MAX} tegn" in e.value and f"fik {len(long)} tegn" in e.value
               for e in at.error), [e.value for e in at.error]
    assert saved.all_analyses(db) == [] and not at.success
    assert at.text_input(key="rp_save_name_krydstabel").value == long


def test_a_researcher_saves_a_crosstab_and_a_map_shows_and_deletes_them(db, wide, guide):
    """Issue 14, saved analyses on the page: the crosstab and the map with the page's population."""
    from report import saved

    at = open_report()
    at.sidebar.selectbox(key=RV.K_PERSP).set_value("reelt")
    run_ok(at)
    at = to_tab(at, "Krydstabel")
    at.selectbox(key="rp_xa").set_value("problemer")
    at.selectbox(key="rp_xb").set_value("brugergruppe")
    run_ok(at)
    assert "Ingen gemte analyser endnu" in texts(at)
    at.text_input(key="rp_save_name_krydstabel").input("Problemer reelt")
    at.button(key="FormSubmitter:rp_save_krydstabel-Gem analysen").click()
    run_ok(at)
    assert any("Gemt: «Problemer reelt»" in s.value for s in at.success)
    an = saved.get(db, "problemer reelt")
    assert (an.kind, an.a, an.b, an.cuts.perspektiv, an.cuts.by) == ("krydstabel", "problemer", "brugergruppe",
                                                                      "reelt", None)
    pop = P.population(wide, cuts=P.Cuts(perspektiv="reelt"))
    assert f"Population: arbejdsmarkedsperspektiv reelt (n = {len(pop)})." in flat(at)  # shown under «Gemte»
    # the same name again: refused in Danish, nothing changed
    at.text_input(key="rp_save_name_krydstabel").input("PROBLEMER REELT")
    at.button(key="FormSubmitter:rp_save_krydstabel-Gem analysen").click()
    run_ok(at)
    assert any("Der findes allerede en analyse" in e.value for e in at.error)
    # the map, grouped by site
    at.sidebar.selectbox(key=RV.K_BY).set_value("sted")
    at = to_tab(at, "Kvalitetskort")
    at.text_input(key="rp_save_name_kvalitetskort").input("Kort pr sted")
    at.button(key="FormSubmitter:rp_save_kvalitetskort-Gem analysen").click()
    run_ok(at)
    assert saved.get(db, "Kort pr sted").cuts.by == "sted"
    assert [a.name for a in saved.all_analyses(db)] == ["Kort pr sted", "Problemer reelt"]
    at = to_tab(at, "Krydstabel")
    at.selectbox(key="rp_saved_pick").set_value("Kort pr sted")
    run_ok(at)
    # shown as a table (a site's name is data, never Markdown), the sites as rows, I alt last
    df = shown_frame(at.dataframe[-1])
    sites = sorted(set(pop["site"].dropna()))
    assert "Sted" in df.columns and set(sites) <= set(df["Sted"]) and df["Sted"].iloc[-1] == "I alt"
    assert not any(m.value.startswith("### Sted") for m in at.markdown)
    shown_ns = [str(v) for v in df["n"]]
    # «Til offentliggørelse» applies to the saved analysis too: no n under 5 is shown
    at.sidebar.toggle(key=RV.K_PUB).set_value(True)
    run_ok(at)
    pub = shown_frame(at.dataframe[-1])
    ns = [str(v) for v in pub["n"]]
    assert any(v.isdigit() and 0 < int(v) < 5 for v in shown_ns) and "<5" in ns
    assert not any(v.isdigit() and 0 < int(v) < 5 for v in ns)
    assert any("Til offentliggørelse" in i.value for i in at.info)
    at.sidebar.toggle(key=RV.K_PUB).set_value(False)
    run_ok(at)
    at.button(key="rp_saved_delete").click()
    run_ok(at)
    assert [a.name for a in saved.all_analyses(db)] == ["Problemer reelt"]
    saved.delete(db, "Problemer reelt")


def test_the_servers_warm_up_fills_the_caches_the_page_reads(db, monkeypatch):
    """Issue 14, speed at study scale: `ui.rapport_view.prewarm` (run by serve.py's warm-up thread)
    computes the wide frame and the map under the very keys the page uses — the page's first visit
    then reads them from the cache instead of the store."""
    from ui import warmup

    RV._wide.clear()
    RV._figure.clear()
    calls, drawn = [], []
    real, real_figure = report_data.wide_frame, RV.F.figure
    monkeypatch.setattr(report_data, "wide_frame", lambda *a, **k: calls.append(1) or real(*a, **k))
    monkeypatch.setattr(RV.F, "figure", lambda fig_id, *a, **k: drawn.append(fig_id) or real_figure(fig_id, *a, **k))
    assert RV.prewarm() is True and len(calls) == 1 and drawn == ["kvalitetskort"]
    at = open_report()
    assert "n = 61 af 61" in texts(at) and "kvalitetskort" in charts(at)
    assert len(calls) == 1  # the page's first visit: no second read of the store
    assert drawn == ["kvalitetskort"]  # nor a second drawing of the map: the warm-up's is the page's
    monkeypatch.setenv("BRUGERBLIK_WARMUP", "0")
    assert warmup.start_warmup() is None  # the switch to start idle


def test_each_reader_of_the_cached_wide_frame_gets_its_own(db, monkeypatch):
    """The wide frame is kept once in the server's memory (issue 14: unpickling a copy per read cost 0.4–0.6 s of
    every rerun at 10,000 respondents): what one page does to its frame — a value changed, a column added or
    dropped — must not reach the next reader, nor the store's read be repeated for it."""
    from ui import report_cache as RC

    RC.wide_frame.clear()
    calls = []
    real = report_data.wide_frame
    monkeypatch.setattr(report_data, "wide_frame", lambda *a, **k: calls.append(1) or real(*a, **k))
    first = RC.current_wide()
    kept = first.copy(deep=True)
    col = first.columns[-1]
    first.loc[first.index[0], "respondent_id"] = "ÆNDRET"
    first[col] = "x"
    first["ny"] = 1
    del first["interviewer"]
    second = RC.current_wide()
    assert len(calls) == 1  # one read of the store for both
    assert second is not first
    assert second.equals(kept) and list(second.columns) == list(kept.columns)
    RC.wide_frame.clear()  # the cache is emptied (after a deletion, «Hent data igen»): the store is read again
    assert RC.current_wide().equals(kept) and len(calls) == 2


def test_the_warm_up_waits_for_the_first_page(db, monkeypatch):
    """Issue 13: the warm-up's reading of the store does not run beside the first visitor's first
    page — it begins when a page is drawn (ui/main.py calls `first_page_drawn`), or after a while."""
    import threading

    from streamlit.runtime import Runtime

    from ui import warmup

    monkeypatch.setattr(Runtime, "exists", classmethod(lambda cls: True))
    calls = []
    monkeypatch.setattr(RV, "prewarm", lambda: calls.append(1) or True)
    warmup.FIRST_PAGE.clear()
    done = []
    t = threading.Thread(target=lambda: done.append(warmup.warm(first_page_s=60)), daemon=True)
    t.start()
    t.join(0.5)
    assert calls == [] and t.is_alive()  # no page yet: the warm-up waits
    at = open_report()  # a page's script run (app.py) says it is drawn
    assert "n = 61 af 61" in texts(at)
    t.join(30)
    assert done == [True] and calls == [1]
    warmup.FIRST_PAGE.clear()
    assert warmup.warm(first_page_s=0.01) is True and calls == [1, 1]  # nobody came: it warms up anyway
    assert warmup.import_first_page() == list(warmup.FIRST_PAGE_MODULES)  # every name there is a module


def test_the_quality_maps_method_is_chosen_on_the_page_kept_in_the_url_and_used_by_the_workbook(db, wide, guide,
                                                                                                  monkeypatch):
    """Issue 15: crosshairs and derived importance beside the report's map; the page says what it means."""
    at = open_report()
    assert at.selectbox(key=RV.K_METHOD).value == "diagonal-angivet" and "metode" not in at.query_params
    assert "Kan ikke skelnes fra linjen" in frame(at, "Probe").columns
    at.selectbox(key=RV.K_METHOD).set_value("gennemsnit-afledt")
    run_ok(at)
    assert at.query_params["metode"] == "gennemsnit-afledt"
    method = Q.map_method("gennemsnit", "afledt")
    want = Q.kvalitetskort_points(wide, guide, method=method).set_index("kode")
    cx, cy = want.attrs["centre"]
    # the page says which method and what it means, with the crosshairs' centre
    info = "\n".join(i.value for i in at.info)
    assert "Trådkors ved gennemsnittene" in info and "Afledt vigtighed" in info
    assert Q.centre_text(cx, cy, method) in info
    # the map: x is the correlation, the centre the domain's
    spec = charts(at)["kvalitetskort"]
    assert spec["layout"]["meta"]["reference"] == "gennemsnit" and spec["layout"]["meta"]["vigtighed"] == "afledt"
    assert spec["layout"]["meta"]["centre"] == pytest.approx([cx, cy])
    pts = map_points(spec)
    assert pts["rytme"][0] == pytest.approx(want.loc["rytme", "afledt"], abs=1e-9)
    # the numbers: r, quadrant, whether it can be told from the crosshairs
    t = text_frame(at, "Probe").set_index("Probe")
    assert t.loc["Rytme", "Afledt vigtighed (r)"] == f"{want.loc['rytme', 'afledt']:.2f}".replace(".", ",")
    assert t.loc["Rytme", "Felt"] == Q.QUADRANTS[want.loc["rytme", "kvadrant"]]
    assert "Kan ikke skelnes fra trådkorset" in t.columns and "Kan ikke skelnes fra linjen" not in t.columns
    # a reload of the same URL keeps the method; an unknown one is refused in Danish, the report's shown
    again = open_report(metode="gennemsnit-afledt")
    assert again.selectbox(key=RV.K_METHOD).value == "gennemsnit-afledt"
    bad = open_report(metode="diagonal-afledt")
    assert bad.selectbox(key=RV.K_METHOD).value == "diagonal-angivet"
    assert "Ukendt metode" in texts(bad)
    assert charts(bad)["kvalitetskort"]["layout"]["meta"].get("reference") is None
    # another tab and back: the method stays; the workbook gets it (its own sheet, the Metode sheet says so)
    import exports.workbook as W

    calls = []
    real = W.build_workbook
    monkeypatch.setattr(W, "build_workbook", lambda *a, **kw: calls.append(kw) or real(*a, **kw))
    at = to_tab(at, "Kort pr. gruppe")
    assert "De små kort følger rapportens metode" in texts(at)
    assert charts(at)["kvalitetskort_grupper"]["layout"]["meta"].get("reference") is None
    at = to_tab(at, "Tabeller")
    at = to_tab(at, "Hent")
    assert at.query_params["metode"] == "gennemsnit-afledt"
    assert W.METHOD_SHEET in texts(at)
    at.button(key="rp_build_xlsx").click()
    run_ok(at)
    assert calls[0]["method"] == method
    wb = openpyxl.load_workbook(io.BytesIO(at.session_state[RV.FILES]["xlsx"].data))
    assert W.METHOD_SHEET in wb.sheetnames
    metode = {r[0]: r[1] for r in wb["Metode"].iter_rows(values_only=True) if r and r[0]}
    assert "Trådkors ved gennemsnittene" in metode["Kvalitetskortets metode"]
    at = to_tab(at, "Kvalitetskort")
    assert at.selectbox(key=RV.K_METHOD).value == "gennemsnit-afledt"
    # back to the report's: the parameter leaves the URL
    at.selectbox(key=RV.K_METHOD).set_value("diagonal-angivet")
    run_ok(at)
    assert "metode" not in at.query_params and not at.info


def test_published_the_page_names_no_interviewer(db_url, monkeypatch, guide):
    """A published page by interviewer (rows, bars, small maps, the population line of an interviewer
    filter) shows the pseudonyms the workbook gives — «Interviewer 1» — never a name; the research
    team's own view keeps the names it filters by. The numbers are the study's (docs/method.md): the
    demo's interviewer started first (1), then Karen (2) and Aage (3), imported together (by respondent
    id) — also on a page filtered to Karen alone, where she was «Interviewer 1» before."""
    from survey import wideio

    monkeypatch.setenv("BRUGERBLIK_DB", db_url)
    e = get_engine(db_url)
    assert load_demo(e, guide) == 61
    rows = ("respondent_id,site,site_type,interviewer,gender\nXYZ-01,Basen,boform,Karen Blixen,kvinde\n"
            "XYZ-02,Basen,boform,Aage Andersen,mand\n")
    assert wideio.import_bytes(e, guide, rows.encode("utf-8")).written == 2

    def seen(at: AppTest) -> str:
        shown = [d.value.to_csv() for d in at.dataframe] + [el.proto.spec for el in at.get("plotly_chart")]
        return flat(at) + "\n".join(shown)

    at = open_report("Tabeller", offentlig="1", efter="interviewer")
    at.selectbox(key="rp_table").set_value("3.2")
    run_ok(at)
    page = seen(at)
    assert not any(w in page for w in ("Karen", "Blixen", "Aage", "Andersen", "Demo (syntetisk)")), page
    assert list(frame(at, "Interviewer")["Interviewer"]) == ["Interviewer 1", "Interviewer 2", "Interviewer 3",
                                                             "I alt"]
    at = to_tab(at, "Kort pr. gruppe")
    page = seen(at)
    assert "Interviewer 3" in page and not any(w in page for w in ("Karen", "Aage", "Demo (syntetisk)"))
    filtered = open_report(offentlig="1", interviewer="Karen Blixen")
    assert "interviewer Interviewer 2 (n under 5 af 63" in flat(filtered)
    assert "Populationen har færre end 5 respondenter" in flat(filtered)  # and nothing else about her one interview
    assert "Karen" not in seen(filtered) and not filtered.dataframe
    own = open_report(interviewer="Karen Blixen")  # not published: the team's own filter, by name
    assert "interviewer Karen Blixen (n = 1 af 63" in flat(own)


def test_a_published_population_cut_to_a_hidden_group_is_refused_on_the_page(db):
    """A reviewer: a population cut to a group Tabel 3.2 hides (De etniske, 7, protects Andet, 5, at min_n 7)
    gave that group whole, and Andet by subtraction. The page says why and shows no numbers."""
    at = to_tab(open_report(), "Kvalitetskort")
    at.sidebar.selectbox(key=RV.K_GROUP).set_value("etniske")
    at.sidebar.toggle(key=RV.K_PUB).set_value(True)
    at.sidebar.number_input(key=RV.K_MINN).set_value(7)
    run_ok(at)
    assert any("kan populationen ikke afgrænses til en brugergruppe" in e.value for e in at.error)
    assert not at.dataframe and not charts(at)
    at.sidebar.toggle(key=RV.K_PUB).set_value(False)  # the team's own view: as before
    run_ok(at)
    assert not at.error and charts(at)


def test_the_report_cache_is_keyed_by_what_the_guide_says(tmp_path):
    """A tester corrected a question's text and a choice's label in the guide without a new version (allowed,
    docs/guide.md «Når guiden ændres»): the Rapport page went on showing the old texts for up to 15 minutes
    or until a restart — its caches were keyed by form, version and the number of codes. Now by the guide's
    digest: the same guide, the same key; a corrected text, a new key."""
    from survey.guide import load_guide
    from tests.custom_guides import edited_guide, set_cell
    from ui import report_cache as RC

    g = load_guide()
    assert RC.guide_key(g) == RC.guide_key(g) == RC.guide_key(load_guide(edited_guide(tmp_path / "same.xlsx")))
    text = load_guide(edited_guide(tmp_path / "t.xlsx", set_cell("survey", {"name": "hvorfor_her"}, "label",
                                                                 "Hvorfor kommer du her? (rettet)")))
    label = load_guide(edited_guide(tmp_path / "l.xlsx", set_cell("choices", {"list_name": "gender", "name": "kvinde"},
                                                                  "label", "Kvinde (rettet)")))
    assert (text.version, len(text.codes)) == (label.version, len(label.codes)) == (g.version, len(g.codes))
    assert len({RC.guide_key(g), RC.guide_key(text), RC.guide_key(label)}) == 3
