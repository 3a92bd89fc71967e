"""A store that cannot be written (a database file of mode 0444; a read-only PostgreSQL user) — the report pages,
the CLI's tables and exports (task from the review, 2026-12-07). Before, the first export of a store whose guide
fit or pseudonym numbers were not yet recorded ended in an English traceback («attempt to write a readonly
database»), as did every command that writes. Now what only reads works — the guide's fit and the numbers are
computed, kept nowhere — and what must write is refused in Danish, naming that the store cannot be written,
changing nothing.

The machine's tests may run as root, whom a file's mode does not stop: the file is made 0444 and, for root, also
opened through SQLite's own read-only URI (``mode=ro``), which gives the very error a 0444 file gives a user. On
PostgreSQL the tests run twice: with the database's sessions made read-only (SQLSTATE 25006), and as a login role
granted nothing but SELECT (42501, what the README's «en PostgreSQL-bruger med kun læseret» is);
`survey.db.is_read_only` knows both.
"""
from __future__ import annotations

import csv
import os
import secrets
import stat

import pytest
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from brugerblik.cli import main
from survey import guide_fit
from survey.db import dispose_all, make_engine, sqlite_path
from survey.demo import load_demo
from survey.errors import ReadOnlyStoreError
from tests.app.pages import APP, TIMEOUT, rapport_table
from tests.conftest import TEST_DB

READ_ONLY = "Databasen kan ikke skrives"


def read_only_demo(url: str, guide, how: str = "read_only"):
    """The demo study in the store at `url`, as no report has read it yet (no guide fit recorded, no pseudonym
    numbers given), then made read-only — SQLite: the file's mode 0444; PostgreSQL, `how` «read_only»: every new
    session read-only (``default_transaction_read_only``); «select_only»: a new login role granted CONNECT, the
    schema's USAGE and SELECT on every table, nothing else. Returns (the URL a user opens it with, the SQLite
    file or None, the role made or None)."""
    e = make_engine(url)
    assert load_demo(e, guide) == 61
    role = None
    with e.begin() as c:
        c.execute(text("DELETE FROM identifier_number"))
        c.execute(text("DELETE FROM study_setting WHERE key LIKE 'guide%' OR key = 'pseudonym_noegle'"))
        if not url.startswith("sqlite") and how == "read_only":
            c.execute(text(f'ALTER DATABASE "{e.url.database}" SET default_transaction_read_only = on'))
        elif not url.startswith("sqlite"):
            role, pw = f"laeser_{secrets.token_hex(4)}", secrets.token_hex(16)  # hex: safe in the statement
            c.execute(text(f"CREATE ROLE {role} LOGIN PASSWORD '{pw}'"))
            c.execute(text(f'GRANT CONNECT ON DATABASE "{e.url.database}" TO {role}'))
            c.execute(text(f"GRANT USAGE ON SCHEMA public TO {role}"))
            c.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}"))
            url = e.url.set(username=role, password=pw).render_as_string(hide_password=False)
    e.dispose()
    dispose_all()
    path = sqlite_path(url) if url.startswith("sqlite") else None
    if path is not None:
        path.chmod(0o444)
        url = f"sqlite:///file:{path}?mode=ro&uri=true" if os.geteuid() == 0 else url
    return url, path, role


def drop_role(owner_url: str, role: str | None) -> None:
    """The login role `read_only_demo` made, gone (its grants first)."""
    if role is None:
        return
    dispose_all()
    e = make_engine(owner_url)
    with e.begin() as c:
        c.execute(text(f"DROP OWNED BY {role}"))
        c.execute(text(f"DROP ROLE {role}"))
    e.dispose()


def assert_unwritten(url: str, path) -> None:
    """Nothing was written: no guide fit, no number, no audit entry, no interview but the demo's; the file still
    read-only (opening made it owner-only, `survey.files.private_store`: 0400, not 0600)."""
    dispose_all()
    if path is not None:
        assert stat.S_IMODE(path.stat().st_mode) == 0o400
    with make_engine(url).connect() as c:
        assert c.execute(text("SELECT count(*) FROM identifier_number")).scalar() == 0
        assert c.execute(text("SELECT count(*) FROM study_setting WHERE key LIKE 'guide%'")).scalar() == 0
        assert c.execute(text("SELECT count(*) FROM audit_entry WHERE entity = 'pseudonym'")).scalar() == 0
        assert c.execute(text("SELECT count(*) FROM interview WHERE informant = 'bruger'")).scalar() == 61
    dispose_all()


@pytest.fixture(params=["read_only", "select_only"] if TEST_DB else ["read_only"])
def ro_url(db_factory, guide, monkeypatch, request):
    owner = db_factory.new()
    url, path, role = read_only_demo(owner, guide, request.param)
    monkeypatch.setenv("BRUGERBLIK_DB", url)
    guide_fit.forget()
    yield url
    guide_fit.forget()
    try:
        assert_unwritten(url, path)
    finally:
        drop_role(owner, role)


def test_the_cli_reads_and_exports_and_refuses_a_write_in_danish(ro_url, tmp_path, capsys):
    out = tmp_path / "ud"
    out.mkdir()
    # tables by interviewer (numbers not given yet: computed, kept nowhere), the workbook and the exports
    assert main(["--db", ro_url, "table", "3.2", "--efter", "interviewer", "--publish", "--min-n", "1"]) == 0
    assert "Interviewer 1" in capsys.readouterr().out
    assert main(["--db", ro_url, "report", str(out / "rapport.xlsx")]) == 0
    assert main(["--db", ro_url, "export", "raw", str(out / "raa.csv")]) == 0
    assert main(["--db", ro_url, "export", "raw", "--kilde", "sagsbehandler", str(out / "sb.csv")]) == 0
    assert main(["--db", ro_url, "export", "spss", str(out / "data.sav")]) == 0
    capsys.readouterr()
    with open(out / "raa.csv", encoding="utf-8-sig") as f:
        assert {r["interviewer"] for r in csv.DictReader(f)} <= {f"Interviewer {n}" for n in range(1, 20)}
    # a write: refused in Danish, exit 1, no traceback
    for argv in (["respondent", "slet", "AMA-01", "--grund", "anmodning"],
                 ["respondent", "opbevaring", "--slutdato", "2099-12-31"]):
        assert main(["--db", ro_url, *argv]) == 1
        o, e = capsys.readouterr()
        assert READ_ONLY in e and "Traceback" not in e and "readonly" not in e, e
    assert ReadOnlyStoreError().args[0].startswith(READ_ONLY)


def test_the_report_page_draws_its_tables_and_the_interview_page_refuses_a_start_in_danish(ro_url):
    # the start page (its lists read the store with the guides: the fit is computed, recorded nowhere)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception and not at.error, ([e.value for e in at.exception], [e.value for e in at.error])
    # a new interview cannot be stored: the page says why, in Danish, and stays where it was
    at.text_input(key="start_interviewer").input("KL")
    at.run()
    at.button(key="start_btn").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    shown = "\n".join(e.value for e in at.error)
    assert READ_ONLY in shown and "uventet" not in shown and "readonly" not in shown, shown
    assert "iv" not in at.query_params
    # the Rapport page's tables, grouped by interviewer: the study's pseudonyms, given for this page only
    at = rapport_table("3.2", efter="interviewer", offentlig="1")
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert at.dataframe
    assert any(str(v).startswith("Interviewer ") for v in at.dataframe[0].value.iloc[:, 0]), at.dataframe[0].value
