"""End to end: `brugerblik demo` into an empty store, then `brugerblik table …` prints the
report's published numbers (method.md) — through the store, the CLI and the CSV form."""
import csv
import io

import pytest

from brugerblik.cli import main

PUBLISHED_42 = {  # ja, ja_vigtigt, nej, nej_vigtigt (method.md, Tabel 4.2)
    "rytme": (50, 39, 9, 2), "kontakt": (40, 28, 14, 2), "sjovt": (36, 28, 20, 11), "mod": (35, 29, 16, 10),
    "arbejdsmarked": (25, 17, 32, 12), "faglige_evner": (24, 11, 26, 6), "bolig": (16, 10, 16, 6),
    "sundhed": (15, 3, 27, 8), "familie": (10, 8, 34, 22), "virksomheder": (7, 1, 38, 5),
    "skrive_laese": (6, 3, 33, 7), "jobsoegning": (3, 1, 42, 5),
}


@pytest.fixture(scope="module")
def db(db_factory):
    url = db_factory.new()
    assert main(["--db", url, "demo", "--if-empty"]) == 0
    return url


def table(db, capsys, *args):
    capsys.readouterr()
    assert main(["--db", db, *args]) == 0
    out = capsys.readouterr().out
    return list(csv.reader(io.StringIO(out)))


def test_demo_loads_once(db, capsys):
    assert main(["--db", db, "demo", "--if-empty"]) == 0
    assert "allerede data" in capsys.readouterr().out


def test_tabel_3_1(db, capsys):
    rows = table(db, capsys, "table", "3.1", "--format", "csv")
    assert rows[0] == ["alder", "antal"]
    assert rows[1:] == [["-29", "6"], ["30-39", "19"], ["40-49", "20"], ["50-", "16"], ["i_alt", "61"]]


def test_tabel_3_2(db, capsys):
    rows = table(db, capsys, "table", "3.2", "--format", "csv")
    assert rows == [["brugergruppe", "kvinde", "mand", "i_alt"],
                    ["andet", "1", "4", "5"], ["etniske", "1", "6", "7"], ["psykisk_paafaldende", "2", "5", "7"],
                    ["unge_misbrugere", "5", "9", "14"], ["aeldre_misbrugere", "0", "28", "28"],
                    ["i_alt", "9", "52", "61"]]


def test_tabel_4_1_and_4_2(db, capsys):
    rows = table(db, capsys, "table", "4.1", "--format", "csv")
    assert rows[0] == ["kode", "spoergsmaal", "ja", "nej"]
    assert [r[0] for r in rows[1:]] == list(PUBLISHED_42)  # sorted by ja, as the report
    assert {r[0]: (int(r[2]), int(r[3])) for r in rows[1:]} == {k: (v[0], v[2]) for k, v in PUBLISHED_42.items()}
    assert rows[1][1] == "Har tilbuddet givet dig en rytme i hverdagen?"
    rows = table(db, capsys, "table", "4.2", "--format", "csv")
    assert rows[0] == ["kode", "spoergsmaal", "ja", "ja_vigtigt", "nej", "nej_vigtigt"]
    assert {r[0]: tuple(map(int, r[2:])) for r in rows[1:]} == PUBLISHED_42


def test_kvalitetskort_matches_method_md(db, capsys):
    rows = table(db, capsys, "kvalitetskort", "--format", "csv")
    assert rows[0] == ["kode", "spoergsmaal", "n", "udbytte", "vigtighed", "gap"]
    by = {r[0]: r for r in rows[1:]}
    assert by["rytme"][2:] == ["59", "0.847", "0.695", "-0.153"]
    assert by["arbejdsmarked"][2:] == ["57", "0.439", "0.509", "0.070"]
    assert len(by) == 12


def test_oversigt_and_figur_3_1(db, capsys):
    rows = table(db, capsys, "table", "oversigt", "--format", "csv")
    head = rows[0]
    get = {(r[0], r[1]): dict(zip(head, r)) for r in rows[1:]}
    assert get[("vaerested", "i_alt")]["interviewet"] == "30"
    assert get[("vaerested", "i_alt")]["samtykke_givet"] == "27"
    assert get[("vaerested", "i_alt")]["samtykke_ikke_givet"] == "3"
    assert get[("boform", "i_alt")]["interviewet"] == "31"
    assert get[("boform", "i_alt")]["udvalgt_af_personalet"] == "28"
    rows = table(db, capsys, "table", "fig3.1", "--format", "csv")
    head = rows[0]
    total = {r[head.index("tilbudstype")]: r[head.index("antal")] for r in rows[1:]
             if r[head.index("brugergruppe")] == "i_alt"}
    assert {k: total[k] for k in ("boform_vaerested", "udenfor", "ordinaert_arbejde", "andet", "intet_tilbud")} == \
        {"boform_vaerested": "32", "udenfor": "8", "ordinaert_arbejde": "2", "andet": "3", "intet_tilbud": "16"}


def test_filters_and_errors(db, capsys):
    rows = table(db, capsys, "table", "3.2", "--format", "csv", "--group", "unge_misbrugere")
    assert ["unge_misbrugere", "5", "9", "14"] in rows
    capsys.readouterr()
    assert main(["--db", db, "table", "9.9"]) == 1
    assert "3.1" in capsys.readouterr().err
    assert main(["--db", db, "table", "3.2", "--group", "nisser"]) == 1
    assert "unge_misbrugere" in capsys.readouterr().err
