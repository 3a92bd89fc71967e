"""Merge conflicts that wait for a person are said wherever the report counts (the laptop's version of
those interviews is in no number until an administrator settles them): the CLI's tables (the plain read
and the full one), the workbook's Metode sheet and the report data; nothing is said when none wait. On
SQLite and PostgreSQL (the fixtures' stores)."""
from __future__ import annotations

import openpyxl

from brugerblik.cli import main
from exports.workbook import build_workbook
from report import data as report_data
from survey import interview as svc
from survey import store, sync
from survey.plainread import open_report_store
from tests.survey.test_sync import export, field_work, merge

WAITS = "1 flettekonflikt venter på en afgørelse"


def make_conflict(laptop, central, guide, tmp_path) -> tuple[str, str]:
    """AMA-01 changed on the laptop and centrally since the last merge: one conflict of kind begge_aendret.
    Returns the interview's id and the laptop's package id."""
    a, _b = field_work(laptop, guide, n=2)
    merge(central, export(laptop, tmp_path))
    svc.reopen(central, a, who="forsker1", reason="rettelse")
    assert svc.save_answer(central, guide, a, "age", "77", who="forsker1").ok
    svc.reopen(laptop, a, who="KL", reason="rettelse")
    assert svc.save_answer(laptop, guide, a, "age", "31", who="KL").ok
    res = merge(central, export(laptop, tmp_path, "p2.zip"))
    assert [r for r, _ in res.conflicts] == ["AMA-01"]
    return a, res.package_id


def test_a_waiting_conflict_is_said_by_every_report_and_gone_once_settled(laptop, central, guide, tmp_path, capsys):
    url = central.url.render_as_string(hide_password=False)
    assert main(["--db", url, "table", "4.2"]) == 0
    assert "flettekonflikt" not in capsys.readouterr().out          # none wait: nothing said
    assert store.count_open_conflicts(central) == 0
    make_conflict(laptop, central, guide, tmp_path)
    assert store.count_open_conflicts(central) == 1

    data = report_data.load(central, guide, None, None)
    assert data.drafts_line() == "n = 2 afsluttede interview."       # the drafts line itself is unchanged
    assert data.counted_line().startswith("n = 2 afsluttede interview. " + WAITS)
    assert "feltcomputerens udgave af det interview er ikke talt med" in data.counted_line()

    assert main(["--db", url, "table", "4.2"]) == 0
    out = capsys.readouterr().out
    assert WAITS in out and "77" not in out.split(WAITS)[1]         # the line, and no value of the interview
    plain = open_report_store(url)
    if central.dialect.name == "sqlite":                             # the CLI's plain read counts them too
        assert plain is not None and plain.count_open_conflicts() == 1
        assert WAITS in report_data.load_plain(plain, guide).counted_line()

    wb = openpyxl.load_workbook(build_workbook(central, guide, tmp_path / "a.xlsx"), read_only=True)
    rows = {r[0]: r[1] for r in wb["Metode"].iter_rows(values_only=True) if r and r[0]}
    assert WAITS in rows["Flettekonflikter"]

    cid = sync.list_conflicts(central)[0].id
    sync.resolve_conflict(central, cid, "central", who="admin")
    assert store.count_open_conflicts(central) == 0
    assert "flettekonflikt" not in report_data.load(central, guide, None, None).counted_line()
    wb = openpyxl.load_workbook(build_workbook(central, guide, tmp_path / "b.xlsx"), read_only=True)
    assert "Flettekonflikter" not in {r[0] for r in wb["Metode"].iter_rows(values_only=True) if r}
