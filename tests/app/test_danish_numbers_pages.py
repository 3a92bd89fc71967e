"""Danish numbers on the researchers' pages (AppTest): every number Enighed, Analyser, Matrix and the
Rapport page (95 % intervals on, the saved analyses) show is written with a decimal comma — read from
their tables (as the browser writes them: `tests.app.numbers`), texts, metrics and figures, on
realistic data. Sorting still sorts numbers: a table's number columns stay numbers under their
Danish display text."""
from __future__ import annotations

import html
import json
import re
from collections import Counter

import pandas as pd
import pytest

from coding import agreement as ag
from coding import transcripts as tr
from report import registry as R
from report import saved
from survey.db import get_engine, session_scope
from survey.demo import load_demo
from tests.app.numbers import POINT, point_numbers, shown_frame
from tests.app.pages import open_page, run_ok
from tests.report.test_matrix import TEXT, build_coded_study
from ui import rapport_view as RV


def test_the_pattern_finds_english_decimals_and_leaves_ids_dates_versions_and_thousands():
    for s in ("0.75", "kappa -0.284 til 0.141", "12.5 %", "1.0", "3.14159"):
        assert POINT.search(s), s
    for s in ("0,75", "12,5 %", "1.2.0", "15.02.2006", "1.234 interview", "AMA-01", "2006-03-28", "n = 61",
              "PLOS ONE 15(5): e0232076", "St. Dannesbo"):
        assert not POINT.search(s), s


# ---------------------------------------------------------------- Enighed

@pytest.fixture
def agreement_db(db_url, monkeypatch, guide):
    """The demo study double coded by three researchers: archetype, satisfaction and two themes."""
    monkeypatch.setenv("BRUGERBLIK_DB", db_url)
    e = get_engine(db_url)
    assert load_demo(e, guide) == 61
    arch = {"AMA-01": ("den_aeldre", "den_aeldre", "den_aeldre"), "AMA-02": ("dovne", "etniske", "dovne"),
            "AMA-03": ("etniske", "etniske", "etniske"), "AMA-04": ("dovne", "dovne", "dovne"),
            "BAS-01": ("unge_misbruger", "dovne", "unge_misbruger"), "BAS-02": ("dovne", "dovne", "etniske"),
            "BAS-03": ("etniske", "etniske", "etniske")}
    tilf = ["tilfreds", "tilfreds", "utilfreds", "tilfreds", "utilfreds", "tilfreds", "tilfreds"]
    with session_scope(e) as s:
        for i, (rid, values) in enumerate(arch.items()):
            for coder, v in zip(("Forsker A", "Forsker B", "Forsker C"), values):
                ag.record(s, coder, ("respondent", rid), "arketype", v)
                ag.record(s, coder, ("respondent", rid), "samlet_tilfredshed",
                          tilf[i] if coder != "Forsker B" or i % 3 else "utilfreds")
    return e


def test_enighed_shows_kappa_alpha_and_the_intervals_with_decimal_commas(agreement_db):
    at = open_page("enighed")
    at.toggle(key="en_compare").set_value(True)
    run_ok(at)
    assert len(at.dataframe) == 2
    assert point_numbers(at) == []
    summary = next(d for d in at.dataframe if "Cohens kappa" in d.value.columns)
    shown = shown_frame(summary).set_index("Variabel")
    value = summary.value.set_index("Variabel")
    # what the browser writes is the Danish text of the number the table holds (and sorts by)
    assert pd.api.types.is_float_dtype(value["Cohens kappa"])
    kappa = value.loc["Arketype", "Cohens kappa"]
    assert kappa == pytest.approx(kappa) and 0 < kappa < 1
    assert shown.loc["Arketype", "Cohens kappa"] == f"{kappa:.3f}".replace(".", ",")
    assert shown.loc["Arketype", "Observeret enighed"].endswith(" %")
    multi = next(d for d in at.dataframe if "Gwets AC1" in d.value.columns)
    row = multi.value.set_index("Variabel").loc["Arketype"]
    assert row["Kodere"] == "Forsker A, Forsker B, Forsker C" and isinstance(row["Gwets AC1"], float)
    assert " til " in row["Gwets AC1 95 %-KI"] and "," in row["Gwets AC1 95 %-KI"]


# ---------------------------------------------------------------- Analyser and Matrix

@pytest.fixture(scope="module")
def saturated_url(db_factory):
    """The coded study (tests/report/test_matrix.py) and two more coded interviews, so that with a
    base of 2 and runs of 1 saturation is reached: TRE-01 and AMA-01 give 3 codes, the third interview
    one new (33,3 % of the base), the fourth none."""
    url = db_factory.new()
    e, _ = build_coded_study(url)
    from coding import codebook

    with session_scope(e) as s:
        codebook.create_code(s, "Bolig", key="t_bolig", parent="trivsel")
        for rid, codes in (("AMA-02", ["t_bolig", "t_kontakt"]), ("AMA-03", ["t_rytme"])):
            t = tr.import_transcript(s, rid, TEXT.encode(), f"{rid}.txt", who="Ida")
            tr.code_segment(s, tr.segments_for(s, t.id)[1].id, codes, who="Ida")
    e.dispose()
    return url


def test_analyser_writes_saturation_shares_and_figures_the_danish_way(saturated_url, monkeypatch):
    monkeypatch.setenv("BRUGERBLIK_DB", saturated_url)
    at = open_page("analyser", basis="2", forloeb="1", taerskel="50")
    assert "Mætning nået ved interview" in "\n".join(m.value for m in at.markdown)
    assert point_numbers(at) == []
    for view in ("samforekomst", "ordfrekvens"):
        at = open_page("analyser", vis=view)
        assert at.dataframe and at.get("plotly_chart"), view
        assert point_numbers(at) == [], view


def test_matrix_page_numbers_are_danish(saturated_url, monkeypatch):
    monkeypatch.setenv("BRUGERBLIK_DB", saturated_url)
    for attr in ("brugergruppe", "site_type"):
        at = open_page("matrix", kode="trivsel", egenskab=attr)
        assert at.dataframe
        assert point_numbers(at) == [], attr


# ---------------------------------------------------------------- Rapport with intervals, saved analyses

@pytest.fixture(scope="module")
def demo_url(db_factory, guide) -> str:
    url = db_factory.new()
    e = get_engine(url)
    assert load_demo(e, guide) == 61
    saved.save(e, guide, "Problemer pr gruppe", "krydstabel", a="problemer", b="brugergruppe")
    saved.save(e, guide, "Kortet", "kvalitetskort")
    return url


def test_rapport_with_intervals_every_tab_table_and_saved_analysis_is_danish(demo_url, monkeypatch):
    monkeypatch.setenv("BRUGERBLIK_DB", demo_url)
    at = open_page("rapport", intervaller="1", metode="gennemsnit-afledt")
    assert at.sidebar.toggle(key=RV.K_CI).value is True
    found = point_numbers(at)
    assert any("95 %" in c for d in at.dataframe for c in d.value.columns)  # the intervals are shown
    for tab in RV.TABS[1:4]:
        at.session_state[RV.K_TAB] = tab
        run_ok(at)
        found += [f"{tab}: {x}" for x in point_numbers(at)]
        if tab == "Krydstabel":
            for name in ("Problemer pr gruppe", "Kortet"):
                at.selectbox(key="rp_saved_pick").set_value(name)
                run_ok(at)
                found += [f"{name}: {x}" for x in point_numbers(at)]
    at.session_state[RV.K_TAB] = "Tabeller"
    run_ok(at)
    for tid in R.RESPONDENT_TABLES:
        at.selectbox(key="rp_table").set_value(tid)
        run_ok(at)
        found += [f"{tid}: {x}" for x in point_numbers(at)]
    assert found == []


# ---------------------------------------------------------------- Rapport: numbers that sort as numbers

#: a cell the Rapport page writes as a number («7», «1.234», «84,7 %», «+15,2», «0,79», «12 *») or as what
#: publication shows in place of one («–», «<8»)
NUMBER_TEXT = re.compile(r"[+−-]?\d{1,3}(?:\.\d{3})*(?:,\d+)?(?: %)?(?: \*)?")
MARK_TEXT = re.compile(r"–|<\d+")


def danish_value(text: str, head: str) -> tuple[float, float]:
    """The number a Danish cell text says, and half its last shown digit (the rounding it may hide)."""
    s = text.removesuffix(" *").replace("−", "-")
    share = s.endswith(" %") or "procentpoint" in head
    s = s.removesuffix(" %").replace(".", "").replace(",", ".")
    digits = len(s.split(".")[1]) if "." in s else 0
    scale = 100 if share else 1
    return float(s) / scale, 0.5 * 10 ** -digits / scale + 1e-12


def number_columns_problems(el, where: str) -> list[str]:
    """Every column of a dataframe element the browser writes as numbers must hold numbers (a click on
    its heading sorts 9 before 10), each text the Danish writing of its number, and a cell publication
    hides («–», «<8») no number at all (neither a sort nor the table's data may give it away)."""
    data, shown = el.value, shown_frame(el)
    found = []
    for col in data.columns:
        texts = [t for t in shown[col] if isinstance(t, str) and t != ""]
        if not texts or not all(NUMBER_TEXT.fullmatch(t) or MARK_TEXT.fullmatch(t) for t in texts):
            continue
        if not any(NUMBER_TEXT.fullmatch(t) for t in texts):
            continue  # every cell hidden: nothing to sort
        if not pd.api.types.is_numeric_dtype(data[col]):
            found.append(f"{where}, «{col}»: tal som tekst ({texts[:3]})")
            continue
        for text, value in zip(shown[col], data[col]):
            if MARK_TEXT.fullmatch(str(text)):
                if not pd.isna(value):
                    found.append(f"{where}, «{col}»: «{text}» har et tal under sig")
            elif NUMBER_TEXT.fullmatch(str(text)):
                want, tol = danish_value(text, col)
                if pd.isna(value) or abs(float(value) - want) > tol:
                    found.append(f"{where}, «{col}»: «{text}» er ikke {value}")
    return found


def spoken_maps(at) -> list[dict]:
    """The hidden texts a screen reader gets for each number table (`ui.common.number_table`), in page order."""
    return [json.loads(html.unescape(re.search(r'data-spoken="([^"]*)"', e.proto.body).group(1)))
            for e in at.get("html") if 'class="bb-spoken"' in e.proto.body]


def spoken_text_problems(at, where: str) -> list[str]:
    """Each number table's texts for a screen reader are the texts it shows, row by row (no number under a
    hidden cell: its mark)."""
    maps, found = spoken_maps(at), []
    tables = [el for el in at.dataframe if any(pd.api.types.is_numeric_dtype(el.value[c]) for c in el.value.columns)]
    if len(maps) != len(tables):  # a table of text only (Bilag C) has nothing to say otherwise
        return [f"{where}: {len(tables)} tabeller med tal, {len(maps)} med tekster til skærmlæsere"]
    for el, spoken in zip(tables, maps):
        shown = shown_frame(el)
        want = Counter(tuple(r) for r in shown[spoken["cols"]].astype(str).to_numpy().tolist())
        got = Counter(tuple(r) for r in spoken["rows"].values() if r is not None)  # None: two rows alike
        if got - want or not got:
            found.append(f"{where}: skærmlæseren får {list(got - want)[:2]}, tabellen viser {list(want)[:2]}")
    return found


@pytest.mark.parametrize("publish", [False, True])
def test_every_rapport_table_holds_numbers_under_its_danish_text(demo_url, monkeypatch, publish):
    """The Rapport page's tables (the quality map's numbers, the 43 tables, the crosstab, the saved analyses):
    a number column is numbers (the browser sorts it as numbers), shown as the report writes them; published
    with a minimum n of 8, a hidden cell is empty under its «–»/«<8»."""
    monkeypatch.setenv("BRUGERBLIK_DB", demo_url)
    at = open_page("rapport", **({"offentlig": "1", "min_n": "8"} if publish else {}))
    found = [x for el in at.dataframe for x in number_columns_problems(el, "Kvalitetskort")]
    found += spoken_text_problems(at, "Kvalitetskort")
    seen = len(at.dataframe)
    at.session_state[RV.K_TAB] = "Krydstabel"
    run_ok(at)
    for name in (None, "Problemer pr gruppe", "Kortet"):
        if name:
            at.selectbox(key="rp_saved_pick").set_value(name)
            run_ok(at)
        found += [x for el in at.dataframe for x in number_columns_problems(el, f"Krydstabel {name or ''}")]
        found += spoken_text_problems(at, f"Krydstabel {name or ''}")
        seen += len(at.dataframe)
    at.session_state[RV.K_TAB] = "Tabeller"
    run_ok(at)
    hidden_cells = 0
    for tid in R.TABLES:
        at.selectbox(key="rp_table").set_value(tid)
        run_ok(at)
        found += spoken_text_problems(at, tid)
        for el in at.dataframe:
            found += number_columns_problems(el, tid)
            hidden_cells += int(shown_frame(el).isin(["<8"]).to_numpy().sum())
            seen += 1
    assert found == []
    assert seen >= len(R.TABLES) + 3
    assert (hidden_cells > 0) == publish  # published, the small groups and sites are there, hidden


def test_a_rapport_number_column_sorts_ten_after_nine(demo_url, monkeypatch):
    """Tabel 3.2 by site: the counts the browser sorts are the numbers (5 before 12), not their texts."""
    monkeypatch.setenv("BRUGERBLIK_DB", demo_url)
    at = open_page("rapport", fane="Tabeller", efter="sted")
    at.selectbox(key="rp_table").set_value("3.2")
    run_ok(at)
    el = at.dataframe[0]
    data, shown = el.value, shown_frame(el)
    by_number = data.sort_values("I alt", kind="stable").index
    by_text = shown.sort_values("I alt", kind="stable").index
    assert pd.api.types.is_integer_dtype(data["I alt"]) and data["I alt"].max() >= 10 > data["I alt"].min()
    assert list(shown.loc[by_number, "I alt"]) == [str(n) for n in sorted(data["I alt"])]
    assert list(by_number) != list(by_text)  # as text «12» came before «5»


# ---------------------------------------------------------------- every other page

@pytest.fixture(scope="module")
def decimal_url(db_factory):
    """The coded study with a decimal answer changed twice (Hvor længe har du været der, måneder: 12,5 then
    14,25), so the Kodning and Historik pages have a decimal to write."""
    from survey import store

    url = db_factory.new()
    e, g = build_coded_study(url)
    with session_scope(e) as s:
        iv = store.interview_by_respondent(s, "AMA-01")
        store.set_answer(s, g, iv.id, "varighed_mdr", "12.5", who="Ida")
        store.set_answer(s, g, iv.id, "varighed_mdr", "14.25", who="Ida")
    e.dispose()
    return url


def test_every_page_writes_its_numbers_the_danish_way(decimal_url, monkeypatch):
    """Every page of the app (Kilder, Citatbank, Historik, Kodning … each opened as the menu opens it) on
    a coded study with a decimal answer: no number with a decimal point. The Kodning page wrote a stored
    decimal as stored («14.25»)."""
    from ui.pages import BY_PATH

    monkeypatch.setenv("BRUGERBLIK_DB", decimal_url)
    found = {}
    for page in BY_PATH:
        at = open_page(page)
        if point_numbers(at):
            found[page] = point_numbers(at)
        if page == "kodning":  # AMA-01 first: its decimal is on the page, with a comma
            assert "<div>14,25</div>" in "\n".join(m.value for m in at.markdown)
        if page == "historik":
            assert {"12,5", "14,25"} <= set(shown_frame(at.dataframe[0])["Efter"])
    assert found == {}


# ---------------------------------------------------------------- cells with more text than their number

def _sorted_by_number(el, col: str, first: re.Pattern) -> list[str]:
    """Problems with a column whose cells show more than their number («7 (3)», «45 % af 12», «12,3–45,6»):
    the column holds numbers (a click on its heading sorts by them), and each cell's text begins with the
    Danish writing of its number (`first` finds that part); a «–» has no number under it."""
    data, shown = el.value, shown_frame(el)
    if not pd.api.types.is_numeric_dtype(data[col]):
        return [f"«{col}»: tekst, ikke tal ({list(data[col])[:3]})"]
    found = []
    for text, value in zip(shown[col], data[col]):
        if text == "–":
            if not pd.isna(value):
                found.append(f"«{col}»: «–» har tallet {value} under sig")
            continue
        m = first.match(str(text))
        want, tol = danish_value(m.group(0), col) if m else (None, 0)
        if want is None or pd.isna(value) or abs(float(value) - want) > tol:
            found.append(f"«{col}»: «{text}» begynder ikke med {value}")
    return found


def test_matrix_cells_and_co_occurrence_shares_sort_as_numbers(saturated_url, monkeypatch):
    """Matrix «kodninger (respondenter)» sorts by the codings, Analyser's «Andel af A» by the share (as text
    «10 (4)» came before «2 (1)», «100 % af 3» before «33 % af 3»), and a screen reader hears the cell's text."""
    monkeypatch.setenv("BRUGERBLIK_DB", saturated_url)
    at = open_page("matrix", kode="trivsel", egenskab="brugergruppe")
    el = at.dataframe[0]
    cells = [c for c in el.value.columns if c != "Kode"]
    assert cells and el.value[cells].to_numpy().sum() > 0
    found = [x for c in cells for x in _sorted_by_number(el, c, re.compile(r"\d+(?= \(\d+\)$)"))]
    found += spoken_text_problems(at, "Matrix")
    at = open_page("analyser", vis="samforekomst")
    el = at.dataframe[0]
    assert len(el.value) > 0
    share = re.compile(r"\d+ %(?= af \d+$)")
    found += [x for c in ("Andel af A", "Andel af B") for x in _sorted_by_number(el, c, share)]
    found += spoken_text_problems(at, "Samforekomst")
    assert found == []
    texts = shown_frame(el)["Andel af A"]
    assert all(share.match(t) for t in texts), list(texts)


def test_the_quality_maps_intervals_sort_by_their_lower_end(demo_url, monkeypatch):
    """The map's «Udbytte 95 %» and «Vigtighed 95 %» («12,3 %–45,6 %») are numbers under their text — the
    interval's lower end — so a click sorts 9,5 % before 10,2 %; a screen reader hears «12,3 %–45,6 %»."""
    monkeypatch.setenv("BRUGERBLIK_DB", demo_url)
    at = open_page("rapport", intervaller="1")
    el = next(d for d in at.dataframe if "Udbytte 95 %" in d.value.columns)
    low = re.compile(r"\d+(?:,\d)? %(?=–)")
    found = [x for c in ("Udbytte 95 %", "Vigtighed 95 %") for x in _sorted_by_number(el, c, low)]
    found += spoken_text_problems(at, "Kvalitetskort")
    assert found == []
    values = el.value["Udbytte 95 %"].dropna()
    assert len(values) > 5 and values.min() < 0.1 <= values.max()  # both sides of «10 %»: text sorts them wrong
    # published with a minimum n of 50 (derived importance too): a hidden probe's interval is «–», no number
    at = open_page("rapport", intervaller="1", offentlig="1", min_n="50", metode="gennemsnit-afledt")
    el = next(d for d in at.dataframe if "Udbytte 95 %" in d.value.columns)
    cols = ("Udbytte 95 %", "Vigtighed 95 %", "Afledt 95 %")
    found = [x for c in cols for x in _sorted_by_number(el, c, re.compile(r"−?\d+(?:,\d+)?(?: %)?(?=–)"))]
    assert found == []
    dashes = shown_frame(el)[list(cols)].isin(["–"]).to_numpy()
    assert dashes.any() and el.value[list(cols)].isna().to_numpy()[dashes].all()


# ---------------------------------------------------------------- danish_numbers' texts, directly

def _display(styler) -> list[list[str]]:
    """The texts a Styler shows, cell by cell (what Streamlit sends the browser for them)."""
    body = styler._translate(False, False)["body"]
    return [[c["display_value"] for c in row if c.get("type") == "td"] for row in body]


def test_texts_on_a_thousand_rows_are_each_cells_own(monkeypatch):
    """1,000 rows, a text each («37 % af 12»): every cell shows its own text over its own number — set in
    one pass (it was one Styler.format call a text: 0.6 s a rerun at 1,000 rows) — and the same through
    pandas' public path, taken when a Styler keeps no table of cell formatters."""
    from ui import common

    n = 1000
    frame = pd.DataFrame({"Kode": [f"k{i}" for i in range(n)], "Andel": [i / n for i in range(n)]})
    texts = [f"{round(i / n * 100)} % af {i}" for i in range(n)]
    styler = common.danish_numbers(frame, {}, texts={"Andel": texts})
    assert [row[1] for row in _display(styler)] == texts
    assert styler.data["Andel"].tolist() == frame["Andel"].tolist()  # the numbers sorted by
    calls = []
    real = pd.io.formats.style.Styler.format

    def counted(self, *a, **kw):
        calls.append(1)
        return real(self, *a, **kw)

    monkeypatch.setattr(pd.io.formats.style.Styler, "format", counted)
    styler = common.danish_numbers(frame, {}, texts={"Andel": texts})
    assert len(calls) <= 2  # pandas' own and the columns' formatters; the 1,000 texts without a call each
    monkeypatch.undo()

    class NoTable:  # a Styler whose pandas keeps its cell formatters some other way
        def __init__(self, styler):
            self.styler = styler

        def format(self, *a, **kw):
            return self.styler.format(*a, **kw)

    plain = frame.style
    common._show_texts(NoTable(plain), frame, {"Andel": {t: [r] for r, t in enumerate(texts[:50])}})
    assert [row[1] for row in _display(plain)][:50] == texts[:50]


def test_a_mark_in_texts_holds_no_number_and_a_shared_number_is_read_by_its_row():
    """A text that says no number is shown («–», «<5») hides the number given under it — the table's data
    and a sort would give it away; two cells with the same number and different texts («2 (1)», «2 (2)») are
    read by their rows, never one by the other's text."""
    from ui import common

    frame = pd.DataFrame({"Kode": ["A", "B", "C", "D"], "Celle": [0.4, 3.0, 2.0, 2.0]})
    styler = common.danish_numbers(frame, {}, texts={"Celle": ["–", "<5", "2 (1)", "2 (2)"]})
    assert styler.data["Celle"].isna().tolist() == [True, True, False, False]
    assert [row[1] for row in _display(styler)] == ["–", "<5", "2 (1)", "2 (2)"]
    spoken = styler.bb_spoken
    assert spoken["values"]["Celle"] == {}  # 2 stands for two texts; 0.4 and 3 are gone
    assert spoken["rows"]["C"] == ["2 (1)"] and spoken["rows"]["D"] == ["2 (2)"]
