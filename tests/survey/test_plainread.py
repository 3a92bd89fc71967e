"""The store read without SQLAlchemy (issue 13; `survey.plainread`): the same wide frame and the same
number of drafts as the full path on a store with drafts, withdrawals and other sources; used only on
an open local SQLite store at the newest schema with no reminder due; `brugerblik table` through it
prints what the full path prints and loads neither SQLAlchemy nor the models.

SQLite on purpose in both runs: the plain read is SQLite's only (``uses_sqlite``)."""
from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from brugerblik.cli import main
from survey import auth, clock, consent, guide_fit, models, plainread, privacy, store
from survey import interview as svc
from survey.db import make_engine, session_scope, sqlite_path
from survey.demo import load_demo
from survey.guide import load_guide

pytestmark = pytest.mark.uses_sqlite
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """The demo study (61 users and their sources), two drafts (one of them withdrawn), one completed
    user withdrawn from the interview and one from journal access."""
    g = load_guide()
    path = tmp_path_factory.mktemp("plain") / "store.db"
    url = f"sqlite:///{path}"
    e = make_engine(url)
    assert load_demo(e, g) == 61
    drafts = []
    for who in ("KL", "MO"):
        iv = svc.start_interview(e, g, site_name="Basen", site_type="boform", interviewer=who)
        assert svc.save_answer(e, g, iv.id, "rytme", "ja").ok
        drafts.append(iv.respondent_id)
    privacy.withdraw(e, drafts[1], "interview", reason="Ønsker ikke at deltage", who="Fie")
    privacy.withdraw(e, "AMA-01", "interview", reason="Ønsker ikke at deltage", who="Fie")
    privacy.withdraw(e, "AMA-02", "journal", reason="Vil ikke have journalen læst", who="Fie")
    yield dict(engine=e, url=url, path=path, guide=g, drafts=drafts)
    e.dispose()


def test_the_rules_constants_are_the_full_paths():
    assert plainread.USER_INFORMANT == models.USER_INFORMANT
    assert plainread.DRAFT == store.DRAFT
    assert plainread.JOURNAL == consent.JOURNAL
    assert plainread.END_DATE_KEY == privacy.END_DATE_KEY
    assert plainread.GUIDE_FIT_KEY == guide_fit.FIT_KEY
    from survey import sources
    assert plainread.CONSENT_CODE == sources.CONSENT_CODE


@pytest.mark.parametrize("drafts", [False, True])
def test_the_same_wide_frame_and_drafts_as_the_full_path(study, drafts):
    e, g = study["engine"], study["guide"]
    plain = plainread.open_report_store(study["url"])
    assert plain is not None
    got, want = plain.wide(g, drafts=drafts), store.load_wide(e, g, drafts=drafts)
    assert got.equals(want) and list(got.columns) == list(want.columns)
    assert [type(v) for v in got.to_numpy().ravel()] == [type(v) for v in want.to_numpy().ravel()]
    ids = set(got["respondent_id"])
    assert "AMA-01" not in ids and "AMA-02" in ids  # withdrawn from the interview / only from the case file
    assert (study["drafts"][0] in ids) is drafts and study["drafts"][1] not in ids
    assert len(got) == 60 + drafts
    assert plain.count_drafts() == store.count_drafts(e) == 1  # the withdrawn draft is not counted


def _fresh(tmp_path, name="s.db"):
    g = load_guide()
    url = f"sqlite:///{tmp_path / name}"
    e = make_engine(url)
    iv = svc.start_interview(e, g, site_name="Basen", site_type="boform", interviewer="KL")
    assert svc.save_answer(e, g, iv.id, "rytme", "ja").ok
    return e, url, g


def test_only_an_open_store_at_the_newest_schema_without_a_reminder_due(tmp_path):
    e, url, g = _fresh(tmp_path)
    assert plainread.open_report_store(url) is not None
    today = clock.today()
    privacy.set_end_date(e, today, who="t")  # the reminder comes the day after the end date
    assert plainread.open_report_store(url) is not None
    privacy.set_end_date(e, today - dt.timedelta(days=1), who="t")
    assert plainread.open_report_store(url) is None  # the full path prints the administrator's reminder
    privacy.set_end_date(e, None, who="t")
    assert plainread.open_report_store(url) is not None
    with session_scope(e) as s:
        auth.add_user(s, "ida", "admin", "en lang adgangskode 123")
    assert plainread.open_report_store(url) is None  # a login: survey.auth
    e.dispose()
    e2, url2, _ = _fresh(tmp_path, "old.db")
    e2.dispose()
    con = sqlite3.connect(tmp_path / "old.db")
    con.execute("UPDATE alembic_version SET version_num = '0001_initial'")
    con.commit()
    con.close()
    assert plainread.open_report_store(url2) is None  # behind: the full path migrates it
    assert plainread.open_report_store(f"sqlite:///{tmp_path / 'none.db'}") is None
    assert not (tmp_path / "none.db").exists()  # nothing created


@pytest.mark.parametrize("url", ["sqlite:///rel/x.db", "sqlite:////abs/x.db", "sqlite:///~/x.db",
                                 "sqlite:///a b/æ.db"])
def test_the_plain_urls_name_the_file_the_full_path_opens(url):
    assert plainread.plain_sqlite_file(url) == sqlite_path(url)


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "sqlite:///file:x.db?uri=true",
                                 "sqlite:///x%20y.db", "sqlite:///x.db?mode=ro", "sqlite+pysqlite:///x.db",
                                 "postgresql://u@h/db", "sqlite:///x.db#a"])
def test_every_other_url_takes_the_full_path(url):
    assert plainread.plain_sqlite_file(url) is None


@pytest.mark.parametrize("argv", [["table", "4.2"], ["table", "3.1", "--format", "csv"],
                                  ["table", "3.2", "--med-kladder"], ["table", "fig4", "--probe", "bolig"],
                                  ["table", "4.1", "--perspektiv", "reelt"], ["kvalitetskort"],
                                  ["kvalitetskort", "--format", "csv", "--efter", "brugergruppe"], ["table", "3.2", "--sted", "Amadeus"], ["table", "nej"],
                                  ["table", "bilag_c"]])
def test_the_cli_prints_what_the_full_path_prints(study, argv, capsys, monkeypatch):
    url = study["url"]
    monkeypatch.delenv("BRUGERBLIK_PLAIN_READ", raising=False)
    fast = main(["--db", url, *argv]), capsys.readouterr()
    monkeypatch.setenv("BRUGERBLIK_PLAIN_READ", "0")
    full = main(["--db", url, *argv]), capsys.readouterr()
    assert fast == full
    assert fast[0] == (1 if argv == ["table", "nej"] else 0)


def test_table_loads_no_sqlalchemy_on_an_open_sqlite_store(study, tmp_path):
    """In a fresh interpreter: the plain read; with a user in the store, the full path (the login)."""
    code = ("import sys; from brugerblik.cli import main; rc = main(sys.argv[1:]); "
            "print('LOADED', sorted(m for m in ('sqlalchemy', 'sqlmodel', 'pydantic', 'survey.models', 'survey.db') "
            "if m in sys.modules), rc, file=sys.stderr)")
    env = {k: v for k, v in os.environ.items() if k not in ("BRUGERBLIK_PLAIN_READ", "BRUGERBLIK_USER")}
    env["BRUGERBLIK_CACHE"] = str(tmp_path / "cache")
    r = subprocess.run([sys.executable, "-c", code, "--db", study["url"], "table", "4.2"], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=120)
    assert "LOADED [] 0" in r.stderr, r.stderr[-2000:]
    assert "| Har tilbuddet lært dig at søge job?" in r.stdout
    e, url, _ = _fresh(tmp_path)
    with session_scope(e) as s:
        auth.add_user(s, "ida", "admin", "en lang adgangskode 123")
    e.dispose()
    r = subprocess.run([sys.executable, "-c", code, "--db", url, "table", "4.2"], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=120)
    assert "Log ind" in r.stderr and r.stderr.rstrip().endswith(" 3")  # refused by survey.auth: the full path
    assert "'sqlalchemy'" in r.stderr


def test_a_failed_plain_read_takes_the_full_path(study, capsys, monkeypatch):
    """The store changed under the read (a migration, a locked file): the full path answers, once."""
    url = study["url"]
    monkeypatch.setenv("BRUGERBLIK_PLAIN_READ", "0")
    assert main(["--db", url, "table", "4.2"]) == 0
    want = capsys.readouterr()
    monkeypatch.delenv("BRUGERBLIK_PLAIN_READ")
    calls = []

    def broken(self, *a, **kw):
        calls.append(1)
        raise plainread.PlainReadError("OperationalError")

    monkeypatch.setattr(plainread.ReportStore, "wide_and_drafts", broken)
    assert main(["--db", url, "table", "4.2"]) == 0
    assert capsys.readouterr() == want and calls == [1]
    # nothing is read through the plain store after the table is printed: a failure there could not
    # print the table twice (a reviewer found CSV twice on standard output)
    monkeypatch.undo()
    monkeypatch.setattr(plainread.ReportStore, "count_drafts", broken)
    assert main(["--db", url, "table", "3.1", "--format", "csv"]) == 0
    out = capsys.readouterr()
    assert out.out.count("i_alt") == 1 and calls == [1]  # count_drafts was never called
