"""One interviewer, one pseudonym (docs/method.md «Interviewere som pseudonymer»; `survey.pseudonyms`).

An interviewer who leaves the team as «Interviewer N» must have the same N in every output: every
filtered table, with and without the drafts, the workbook's Data sheet and its sheets by interviewer,
the SPSS and Stata value labels, the REFI-QDA cases and the raw export — numbered by each person's
first interview in the store, never by who happens to be first in a population (the rule before:
«Interviewer 2» in one filtered table was «Interviewer 1» in another). An interviewer added later
keeps everyone else's number; a withdrawal renumbers no one. SQLite (the CLI's plain read) and
PostgreSQL (the full read) through `db_factory`.

The store: a draft started first by Ole Dam (Amadeus), then three imports one after the other —
Zara Berg (2 respondents, ikke reelt), Anna Holm (3, reelt), Mads Kure (4, reelt) at Basen. The
study's numbers: Ole 1, Zara 2, Anna 3, Mads 4. Each interviewer's respondent count tells who a row
is without the name.
"""
from __future__ import annotations

import csv
import io
import zipfile

import openpyxl
import pandas as pd
import pytest
from lxml import etree

from brugerblik.cli import main
from coding import deidentify
from exports import qdpx, raw, spss, stata
from report import data as report_data
from report import registry
from report.population import Cuts
from survey import interview as svc
from survey import privacy, store, wideio
from survey.db import make_engine
from survey.guide import load_guide
from survey.plainread import open_report_store

OLE, ZARA, ANNA, MADS, BENT = "Ole Dam", "Zara Berg", "Anna Holm", "Mads Kure", "Bent Lund"
NAMES = (OLE, ZARA, ANNA, MADS, BENT)
#: the study's numbers (first interview in the store) and each interviewer's completed respondents
NUMBER = {OLE: 1, ZARA: 2, ANNA: 3, MADS: 4}
COUNT = {ZARA: 2, ANNA: 3, MADS: 4}
COLS = ["respondent_id", "site", "site_type", "interviewer", "interview_date", "arbejdsmarkedsperspektiv", "gender",
        "arketype", "age", "rytme", "rytme_vigtigt"]


def _rows(who: str, ids: list[str], perspektiv: str) -> list[list[str]]:
    return [[rid, "Basen", "boform", who, "2026-01-05", perspektiv, "mand", "etniske", "30", "ja", "ja"] for rid in ids]


def _import(engine, guide, rows: list[list[str]]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(COLS)
    w.writerows(rows)
    result = wideio.import_bytes(engine, guide, buf.getvalue().encode("utf-8"), who="test")
    assert result.ok, [str(p) for p in result.problems]


def _make(url: str):
    g = load_guide()
    e = make_engine(url)
    iv = svc.start_interview(e, g, site_name="Amadeus", site_type="vaerested", interviewer=OLE)
    for code, v in [("gender", "kvinde"), ("rytme", "ja"),
                    ]:
        assert svc.save_answer(e, g, iv.id, code, v).ok
    # one import each, one after the other: each interviewer's first interview starts later
    _import(e, g, _rows(ZARA, ["BAS-01", "BAS-02"], "ikke_reelt"))
    _import(e, g, _rows(ANNA, ["BAS-03", "BAS-04", "BAS-05"], "reelt"))
    _import(e, g, _rows(MADS, ["BAS-06", "BAS-07", "BAS-08", "BAS-09"], "reelt"))
    return g, e


@pytest.fixture(scope="module")
def study(db_factory):
    url = db_factory.new()
    g, e = _make(url)
    yield dict(url=url, guide=g, engine=e)
    e.dispose()


def pseud(who: str) -> str:
    return f"Interviewer {NUMBER[who]}"


def _table(url: str, capsys, *extra: str) -> dict[str, int]:
    """`brugerblik table 3.2 --efter interviewer --publish` as CSV: each row's interviewer -> its n."""
    capsys.readouterr()
    assert main(["--db", url, "table", "3.2", "--efter", "interviewer", "--publish", "--min-n", "1",
                 "--format", "csv", *extra]) == 0
    out = capsys.readouterr().out
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows and not any(n in out for n in NAMES), out
    return {r["interviewer"]: int(r["i_alt"]) for r in rows if r["interviewer"] != "i_alt"}


def test_the_store_numbers_each_interviewer_by_their_first_interview(study):
    d = report_data.load(study["engine"], study["guide"])
    assert d.pseudonyms()["interviewer"] == {who: pseud(who) for who in (OLE, ZARA, ANNA, MADS)}
    # the same numbers for another population, the drafts counted, and the plain read
    assert report_data.load(study["engine"], study["guide"], drafts=True).pseudonyms() == d.pseudonyms()
    assert d.for_population("etniske", "boform").pseudonyms() == d.pseudonyms()
    # the CLI's plain read of a local SQLite store reads the same order (PostgreSQL has none)
    plain = open_report_store(study["url"])
    assert (plain is None) == study["url"].startswith("postgresql")
    if plain is not None:
        assert report_data.load_plain(plain, study["guide"]).pseudonyms() == d.pseudonyms()
        assert plain.identifier_numbers(["interviewer"]) == store.identifier_numbers(study["engine"], ["interviewer"])


def test_a_filter_and_the_drafts_do_not_renumber_the_clis_published_tables(study, capsys):
    url = study["url"]
    want = {pseud(w): n for w, n in COUNT.items()}
    assert _table(url, capsys) == want
    # reelt: Zara is not in it, so Anna comes first — and is still «Interviewer 3»
    assert _table(url, capsys, "--perspektiv", "reelt") == {pseud(ANNA): 3, pseud(MADS): 4}
    # with the drafts Ole's draft comes first in the rows (AMA-01) — and nobody moves
    assert _table(url, capsys, "--med-kladder") == {pseud(OLE): 1, **want}
    # an interviewer filter names the interviewer by the same pseudonym in the population line
    capsys.readouterr()
    assert main(["--db", url, "table", "3.2", "--interviewer", ANNA, "--publish", "--min-n", "1"]) == 0
    out = capsys.readouterr().out
    assert f"interviewer {pseud(ANNA)}" in out and ANNA not in out


def test_the_registry_and_the_crosstab_name_the_same_person_alike(study):
    d = report_data.load(study["engine"], study["guide"])
    g = study["guide"]
    text = registry.render("3.2", d.wide, g, fmt="csv", cuts=Cuts(perspektiv="reelt", by="interviewer"),
                           publish=True, min_n=1, study=d.pseudonyms())
    rows = {r["interviewer"]: int(r["i_alt"]) for r in csv.DictReader(io.StringIO(text)) if r["interviewer"] != "i_alt"}
    assert rows == {pseud(ANNA): 3, pseud(MADS): 4}


def _workbook(url: str, path, *extra: str) -> openpyxl.Workbook:
    assert main(["--db", url, "report", str(path), *extra]) == 0
    return openpyxl.load_workbook(path, read_only=True)


def _data_sheet(wb) -> dict[str, str]:
    """The Data sheet: respondent id -> its interviewer as the sheet shows it."""
    rows = list(wb["Data"].iter_rows(values_only=True))
    rid, who = rows[0].index("respondent_id"), rows[0].index("interviewer")
    return {r[rid]: r[who] for r in rows[1:] if r and r[rid]}


def _sheet_by_interviewer(wb) -> tuple[str, dict[str, int]]:
    """Tabel 3.2 by interviewer: its population line, and each row's interviewer -> I alt."""
    rows = list(wb["Tabel 3.2"].iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r and r[0] == "Interviewer")
    total = rows[head].index("I alt")
    body = {}
    for r in rows[head + 1:]:
        if not r or r[0] in (None, "I alt"):
            break
        body[r[0]] = r[total]
    return rows[1][0], body


def _who_of(rid: str) -> str:
    n = int(rid.split("-")[1])
    return OLE if rid.startswith("AMA") else ZARA if n <= 2 else ANNA if n <= 5 else MADS


def test_the_workbook_data_sheet_and_its_sheets_by_interviewer_use_the_studys_numbers(study, tmp_path):
    url = study["url"]
    want = {pseud(w): n for w, n in COUNT.items()}
    for extra, rows in (([], want), (["--perspektiv", "reelt"], {pseud(ANNA): 3, pseud(MADS): 4}),
                        (["--med-kladder"], {pseud(OLE): 1, **want}),
                        (["--publish", "--min-n", "1", "--perspektiv", "reelt"], {pseud(ANNA): 3, pseud(MADS): 4})):
        wb = _workbook(url, tmp_path / "r.xlsx", "--efter", "interviewer", *extra)
        assert _sheet_by_interviewer(wb)[1] == rows, extra
        cells = [str(c) for ws in wb.worksheets for r in ws.iter_rows(values_only=True) for c in r if c is not None]
        assert not any(n in c for c in cells for n in NAMES), extra
        if "--publish" not in extra:  # the working edition's Data sheet (a publication has none)
            data = _data_sheet(wb)
            assert len(data) == sum(rows.values()) and all(who == pseud(_who_of(r)) for r, who in data.items()), data
    # an interviewer filter: the population line names the same pseudonym as the rows
    wb = _workbook(url, tmp_path / "anna.xlsx", "--interviewer", ANNA)
    assert set(_data_sheet(wb).values()) == {pseud(ANNA)}
    line = [c for r in wb["Tabel 3.2"].iter_rows(values_only=True) for c in r if isinstance(c, str) and "Population" in c]
    assert line == [f"Population: interviewer {pseud(ANNA)} (n = 3)."], line


def test_the_exports_give_each_interviewer_the_studys_number(study, tmp_path):
    e, g = study["engine"], study["guide"]
    # raw: CSV, with and without the drafts
    for drafts in (False, True):
        p = tmp_path / f"raw{drafts}.csv"
        raw.export_file(e, g, p, drafts=drafts)
        got = {r["respondent_id"]: r["interviewer"] for r in csv.DictReader(p.open(encoding="utf-8-sig"))}
        assert got and all(who == pseud(_who_of(rid)) for rid, who in got.items()), got
    # SPSS and Stata: the code is the number, the label the pseudonym
    import pyreadstat

    for fn, suffix, read in ((spss.export_sav, ".sav", pyreadstat.read_sav), (stata.export_dta, ".dta", pyreadstat.read_dta)):
        p = tmp_path / f"x{suffix}"
        fn(e, g, p)
        df, meta = read(str(p))
        var = next(v for v in meta.column_names if v.lower() == "interviewer")
        labels = {int(k): v for k, v in meta.variable_value_labels[var].items()}
        assert labels == {NUMBER[w]: pseud(w) for w in COUNT}, labels
        rid = next(v for v in meta.column_names if v.lower() == "respondent_id")
        assert all(labels[int(c)] == pseud(_who_of(r)) for r, c in zip(df[rid], df[var])), suffix
        # the exact file (the team's own): the same code is the same person, labelled by name
        fn(e, g, p, anonymised=False)
        df2, meta2 = read(str(p))
        assert {int(k): v for k, v in meta2.variable_value_labels[var].items()} == {NUMBER[w]: w for w in COUNT}
        assert list(df2[var]) == list(df[var]), suffix
    # REFI-QDA: each case's interviewer (a Text variable)
    p = tmp_path / "x.qdpx"
    qdpx.export_qdpx(e, g, p)
    with zipfile.ZipFile(p) as z:
        root = etree.fromstring(z.read("project.qde"))
    q = "{urn:QDA-XML:project:1.0}"
    var = next(v.get("guid") for v in root.iter(f"{q}Variable") if v.get("name") == "interviewer")
    cases = {}
    for case in root.iter(f"{q}Case"):
        for vv in case.findall(f"{q}VariableValue"):
            if vv.find(f"{q}VariableRef").get("targetGUID") == var:
                cases[case.get("name")] = vv[1].text
    assert len(cases) == 9 and all(who == pseud(_who_of(r)) for r, who in cases.items()), cases
    assert not any(n in etree.tostring(root, encoding="unicode") for n in NAMES)
    # the frame every de-identified export takes: the same numbers, given the store
    wide = report_data.wide_frame(e, g)
    masked = deidentify.deidentify(wide, g, e)
    assert all(who == pseud(_who_of(r)) for r, who in zip(masked["respondent_id"], masked["interviewer"]))


def test_an_interviewer_added_later_and_a_withdrawal_renumber_no_one(db_factory, capsys):
    url = db_factory.new()
    g, e = _make(url)
    try:
        # Bent's first interview comes last, but his respondent id sorts first (BAS-00)
        _import(e, g, _rows(BENT, ["BAS-00"], "reelt"))
        assert _table(url, capsys) == {**{pseud(w): n for w, n in COUNT.items()}, "Interviewer 5": 1}
        # Zara withdraws from both interviews: she leaves every output, and no one moves up
        for rid in ("BAS-01", "BAS-02"):
            privacy.withdraw(e, rid, "interview", reason="test", who="test")
        assert _table(url, capsys) == {pseud(ANNA): 3, pseud(MADS): 4, "Interviewer 5": 1}
        wide = report_data.wide_frame(e, g)
        masked = deidentify.deidentify(wide, g, e)
        assert dict(zip(masked["respondent_id"], masked["interviewer"]))["BAS-03"] == pseud(ANNA)
    finally:
        e.dispose()


def test_the_rule_never_sorts_by_name():
    from survey.pseudonyms import study_order

    t = pd.Timestamp("2026-01-01 10:00")
    rows = [("interviewer", "Aase", t + pd.Timedelta(minutes=5), "X-01", "u1"),
            ("interviewer", "Zoe", t, "X-02", "u2"),
            ("interviewer", "Zoe", t + pd.Timedelta(minutes=9), "X-03", "u3"),
            ("interviewer", "Mia", t + pd.Timedelta(minutes=5), "X-00", "u4"),  # same start as Aase: by respondent id
            ("interviewer", "  ", t, "X-04", "u5")]
    assert study_order(rows) == {"interviewer": ["Zoe", "Mia", "Aase"]}


# ---------------------------------------------------------------- a number, once given, stays
# (survey.pseudonyms: the numbers are kept in the store, `identifier_number`). Each test below
# moved a number before: the rule alone renumbered after a deletion, a re-import or a field package.

def _numbers(engine, guide=None) -> dict[str, str]:
    """The study's pseudonyms of the interviewers, as every output gives them (the first use gives them)."""
    return report_data.load(engine, guide or load_guide()).pseudonyms()["interviewer"]


def _stored(engine) -> list[tuple]:
    from sqlalchemy import text

    with engine.connect() as c:
        return [tuple(r) for r in c.execute(text("SELECT code, number, digest FROM identifier_number ORDER BY number"))]


def test_a_number_stays_when_its_first_interview_is_deleted_and_a_deleted_ones_is_never_given_again(db_factory, capsys):
    url = db_factory.new()
    g, e = _make(url)
    try:
        # Ole's second interview starts after everyone else's
        later = svc.start_interview(e, g, site_name="Amadeus", site_type="vaerested", interviewer=OLE)
        # the first use: the CLI's table (on SQLite its plain read cannot give numbers: the full path does)
        assert _table(url, capsys, "--med-kladder") == {pseud(OLE): 2, **{pseud(w): n for w, n in COUNT.items()}}
        assert [n for _, n, _ in _stored(e)] == [1, 2, 3, 4]
        # Ole's first interview (AMA-01) is deleted: his first is now the last of all — he stays 1
        privacy.delete_respondent(e, "AMA-01", reason="test", who="test")
        assert _numbers(e)[OLE] == pseud(OLE) and _numbers(e)[ANNA] == pseud(ANNA)
        assert _table(url, capsys, "--med-kladder") == {pseud(OLE): 1, **{pseud(w): n for w, n in COUNT.items()}}
        # Zara is deleted with both her interviews: her number 2 is retired, nobody moves up, and a new
        # interviewer gets the next number, 5 — never Zara's 2
        for rid in ("BAS-01", "BAS-02"):
            privacy.delete_respondent(e, rid, reason="test", who="test")
        _import(e, g, _rows(BENT, ["BAS-10"], "reelt"))
        assert _numbers(e) == {OLE: "Interviewer 1", ANNA: "Interviewer 3", MADS: "Interviewer 4", BENT: "Interviewer 5"}
        assert _table(url, capsys) == {pseud(ANNA): 3, pseud(MADS): 4, "Interviewer 5": 1}
        # the store keeps no name: a keyed hash per number, and none for the retired one
        rows = _stored(e)
        assert [(c, n) for c, n, _ in rows] == [("interviewer", n) for n in (1, 2, 3, 4, 5)]
        assert rows[1][2] is None and all(d and len(d) == 64 for _, n, d in rows if n != 2)
        assert not any(name in str(rows) for name in NAMES)
        # the deidentified frame every export takes says the same
        masked = deidentify.deidentify(report_data.wide_frame(e, g, drafts=True), g, e)
        assert dict(zip(masked["respondent_id"], masked["interviewer"]))[later.respondent_id] == pseud(OLE)
    finally:
        e.dispose()


def test_a_number_stays_after_import_replace(db_factory, capsys, tmp_path):
    url = db_factory.new()
    g, e = _make(url)
    try:
        assert _numbers(e) == {w: pseud(w) for w in (OLE, ZARA, ANNA, MADS)}
        # Zara's two interviews are imported again, replaced: rebuilt, they start after Mads's
        p = tmp_path / "zara.csv"
        with p.open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\r\n")
            w.writerow(COLS)
            w.writerows(_rows(ZARA, ["BAS-01", "BAS-02"], "ikke_reelt"))
        assert main(["--db", url, "import", str(p), "--replace"]) == 0
        assert _numbers(e) == {w: pseud(w) for w in (OLE, ZARA, ANNA, MADS)}
        assert _table(url, capsys) == {pseud(w): n for w, n in COUNT.items()}
    finally:
        e.dispose()


def _laptop_interview(db_factory, site: str, who: str, started: str):
    """A field laptop's store with one completed interview by `who` that started at `started` (UTC)."""
    import datetime as dt

    from sqlalchemy import update

    from survey.db import session_scope
    from survey.models import Interview

    g = load_guide()
    e = make_engine(db_factory.new())
    iv = svc.start_interview(e, g, site_name=site, site_type="boform", interviewer=who)
    assert svc.save_answer(e, g, iv.id, "gender", "mand").ok
    assert svc.complete(e, g, iv.id, reason="afbrudt").ok
    with session_scope(e) as s:  # started in the field before the central store numbered anyone
        s.execute(update(Interview).where(Interview.id == iv.id)
                  .values(created_at=dt.datetime.fromisoformat(started).replace(tzinfo=dt.timezone.utc)))
    return e


def test_a_field_package_with_earlier_interviews_renumbers_no_one_and_laptops_only_preview(db_factory, tmp_path):
    from survey import sync

    url = db_factory.new()
    g, central = _make(url)
    passphrase = "feltkode til testen"
    laptops = [_laptop_interview(db_factory, "Kilden", "Pia Lund", "2020-01-02T09:00:00"),
               _laptop_interview(db_factory, "Lyset", "Kim Aas", "2020-01-01T09:00:00")]
    # Mads also interviewed on laptop 1, before anyone else in the study
    iv = svc.start_interview(laptops[0], g, site_name="Kilden", site_type="boform", interviewer=MADS)
    assert svc.complete(laptops[0], g, iv.id, reason="afbrudt").ok
    from sqlalchemy import update

    from survey.db import session_scope
    from survey.models import Interview

    with session_scope(laptops[0]) as s:
        s.execute(update(Interview).where(Interview.id == iv.id).values(created_at=pd.Timestamp("2019-12-31", tz="UTC")))
    try:
        assert _numbers(central) == {w: pseud(w) for w in (OLE, ZARA, ANNA, MADS)}
        # a laptop numbers its own interviews: a preview only — Mads is «Interviewer 1» there
        assert _numbers(laptops[0]) == {MADS: "Interviewer 1", "Pia Lund": "Interviewer 2"}
        packages = [sync.export_package(lt, tmp_path / f"p{i}.zip", passphrase=passphrase).path
                    for i, lt in enumerate(laptops)]
        assert not any(b"identifier_number" in p.read_bytes() for p in packages)  # encrypted anyway; nothing to carry
        assert sync.merge_package(central, packages[0], passphrase=passphrase, who="admin").inserted
        # the central store is the authority: its numbers stay; Pia, new here, gets the next one
        assert _numbers(central) == {**{w: pseud(w) for w in (OLE, ZARA, ANNA, MADS)}, "Pia Lund": "Interviewer 5"}
        assert sync.merge_package(central, packages[1], passphrase=passphrase, who="admin").inserted
        # Kim started before Pia (and before everyone): still the next number after hers
        assert _numbers(central) == {**{w: pseud(w) for w in (OLE, ZARA, ANNA, MADS)}, "Pia Lund": "Interviewer 5",
                                     "Kim Aas": "Interviewer 6"}
        # two laptops merged with no first use between them: numbered among themselves by the rule
        url2 = db_factory.new()
        g2, central2 = _make(url2)
        try:
            assert _numbers(central2) == {w: pseud(w) for w in (OLE, ZARA, ANNA, MADS)}
            for p in packages:
                assert sync.merge_package(central2, p, passphrase=passphrase, who="admin").inserted
            assert {k: v for k, v in _numbers(central2).items() if k not in (OLE, ZARA, ANNA, MADS)} == {
                "Kim Aas": "Interviewer 5", "Pia Lund": "Interviewer 6"}
        finally:
            central2.dispose()
    finally:
        for lt in laptops:
            lt.dispose()
        central.dispose()


def test_an_old_store_is_numbered_by_the_rule_on_first_use_and_keeps_it(db_factory, capsys):
    from survey import db

    url = db_factory.new(empty=True)
    old = make_engine(url, migrate=False)
    db.upgrade(old, "0010_code_colour")  # the last schema without the numbers
    g = load_guide()
    iv = svc.start_interview(old, g, site_name="Amadeus", site_type="vaerested", interviewer=OLE)
    _import(old, g, _rows(ZARA, ["BAS-01", "BAS-02"], "ikke_reelt"))
    _import(old, g, _rows(ANNA, ["BAS-03", "BAS-04", "BAS-05"], "reelt"))
    later = svc.start_interview(old, g, site_name="Amadeus", site_type="vaerested", interviewer=ZARA)
    old.dispose()
    e = make_engine(url)  # opened as the app opens it: upgraded
    try:
        assert db.current_revision(e) == db.head_revision() and _stored(e) == []
        # the numbers it printed before (the rule): Ole 1, Zara 2, Anna 3
        assert _numbers(e, g) == {OLE: "Interviewer 1", ZARA: "Interviewer 2", ANNA: "Interviewer 3"}
        assert [n for _, n, _ in _stored(e)] == [1, 2, 3]
        # kept: Ole's and Zara's first interviews go, nobody moves
        privacy.delete_respondent(e, iv.respondent_id, reason="test", who="test")
        for rid in ("BAS-01", "BAS-02"):
            privacy.delete_respondent(e, rid, reason="test", who="test")
        assert _numbers(e, g) == {ZARA: "Interviewer 2", ANNA: "Interviewer 3"}
        assert _table(url, capsys) == {pseud(ANNA): 3}
        assert later.respondent_id
    finally:
        e.dispose()


def _coders_shown(e, g, tmp_path) -> dict[str, set[str]]:
    """The anonymised REFI-QDA project: each transcript's respondent -> the coders of its codings, as shown."""
    p = tmp_path / "k.qdpx"
    qdpx.export_qdpx(e, g, p)
    with zipfile.ZipFile(p) as z:
        root = etree.fromstring(z.read("project.qde"))
    q = "{urn:QDA-XML:project:1.0}"
    users = {u.get("guid"): u.get("name") for u in root.iter(f"{q}User")}
    out: dict[str, set[str]] = {}
    for ts in root.iter(f"{q}TextSource"):
        rid = ts.get("name").split(" ")[0]
        for c in ts.iter(f"{q}Coding"):
            out.setdefault(rid, set()).add(users[c.get("creatingUser")])
    assert not any(n in etree.tostring(root, encoding="unicode") for n in ("Lise Berg", "Ole Dahl", "Mia Vang"))
    return out


def test_coders_are_numbered_by_the_study_rule_and_keep_their_number(db_factory, tmp_path):
    from coding import codebook
    from coding import transcripts as tr
    from survey.db import session_scope

    url = db_factory.new()
    g, e = _make(url)
    text = "I: Hvad laver du om dagen?\nB: Jeg kommer her hver morgen.\nB: Det giver en rytme.\n"

    def code(rid: str, who: str, *, new: bool = False, at: int = 1) -> None:
        with session_scope(e) as s:
            codebook.ensure_seeded(s)
            if new:
                tr.import_transcript(s, rid, text.encode(), f"{rid}.txt", who=who)
            seg = tr.segments_for(s, respondent=rid)[at]
            tr.code_segment(s, seg.id, ["rytme_i_hverdagen"], who=who)

    try:
        code("BAS-09", "Lise Berg", new=True)  # Lise's first act in the study
        code("BAS-03", "Ole Dahl", new=True)
        # the file meets Ole first (BAS-03 sorts first) — the study met Lise first: she is «Koder 1»
        assert _coders_shown(e, g, tmp_path) == {"BAS-03": {"Koder 2"}, "BAS-09": {"Koder 1"}}
        code("BAS-03", "Lise Berg", at=2)
        privacy.delete_respondent(e, "BAS-09", reason="test", who="test")  # her first act goes
        code("BAS-03", "Mia Vang", at=0)
        assert _coders_shown(e, g, tmp_path) == {"BAS-03": {"Koder 1", "Koder 2", "Koder 3"}}
        assert store.coder_numbers(e) == {"Lise Berg": 1, "Ole Dahl": 2, "Mia Vang": 3}
    finally:
        e.dispose()


def test_the_plain_read_never_gives_a_number_it_hands_a_new_one_to_the_full_path(db_factory, capsys):
    from survey.plainread import PlainReadError

    url = db_factory.new()
    g, e = _make(url)
    try:
        plain = open_report_store(url)
        if plain is not None:  # SQLite: the CLI's plain read (PostgreSQL has none)
            with pytest.raises(PlainReadError):
                plain.identifier_numbers(["interviewer"])
            assert _stored(e) == []  # it wrote nothing
        assert _table(url, capsys) == {pseud(w): n for w, n in COUNT.items()}  # the full path gave them, once
        assert [n for _, n, _ in _stored(e)] == [1, 2, 3, 4]
        if plain is not None:
            assert plain.identifier_numbers(["interviewer"]) == {"interviewer": {w: NUMBER[w] for w in NUMBER}}
    finally:
        e.dispose()


def _audit(engine) -> list[tuple]:
    from sqlalchemy import text

    with engine.connect() as c:
        return [tuple(r) for r in c.execute(text("SELECT entity, code, old_value, new_value, who, note FROM audit_entry "
                                                 "WHERE entity = 'pseudonym' ORDER BY id"))]


def test_a_report_writers_first_report_gives_the_numbers_as_an_audited_system_action(db_factory, capsys, monkeypatch):
    """docs/method.md «Interviewere som pseudonymer»: the first output that shows an interviewer gives the numbers,
    whatever the role of who drew it (a report writer may only read: the numbers are the study's rule, not the
    reader's change). Before, that write left no trace; now each giving and each retiring is one audit entry per
    field — who «system», the numbers, never a name — in the administrators' history, and nothing else is written."""
    from argon2 import PasswordHasher
    from sqlmodel import Session

    from survey import auth, history

    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    for k in ("BRUGERBLIK_USER", "BRUGERBLIK_DB"):
        monkeypatch.delenv(k, raising=False)
    url = db_factory.new()
    g, e = _make(url)
    try:
        with Session(e) as s:
            auth.add_user(s, "rita", "report_writer", "rita-hemmelig-3")
            s.commit()
        assert _stored(e) == [] and _audit(e) == []
        monkeypatch.setenv("BRUGERBLIK_PASSWORD", "rita-hemmelig-3")
        capsys.readouterr()
        assert main(["--db", url, "--bruger", "rita", "table", "3.2", "--efter", "interviewer", "--publish",
                     "--min-n", "1", "--format", "csv"]) == 0
        assert "Interviewer 2" in capsys.readouterr().out
        assert [n for _, n, _ in _stored(e)] == [1, 2, 3, 4]
        given = _audit(e)
        assert [r[:5] for r in given] == [("pseudonym", "interviewer", None, "1–4", "system")], given
        assert "givet ved første brug" in given[0][5] and not any(n in str(given) for n in NAMES)
        # a second report gives nothing: no new entry
        assert main(["--db", url, "--bruger", "rita", "table", "3.2", "--efter", "interviewer", "--format", "csv"]) == 0
        assert len(_audit(e)) == 1
        # Zara's interviews deleted: her number is retired, audited the same way
        for rid in ("BAS-01", "BAS-02"):
            privacy.delete_respondent(e, rid, reason="test", who="test")
        retired = _audit(e)[1:]
        assert [r[:5] for r in retired] == [("pseudonym", "interviewer", "2", None, "system")], retired
        with Session(e) as s:
            shown = [(r.kind, r.who, r.new_value, r.old_value) for r in history.admin_history(s)
                     if r.kind == "pseudonym"]
        assert shown == [("pseudonym", "system", None, "2"), ("pseudonym", "system", "1–4", None)]
    finally:
        e.dispose()
