"""No names, CPR numbers, free text or passwords in log output (issue 6).

Representative flows run with every logger captured at DEBUG: an import of a file whose free
text holds a name and a CPR number, a refused import, an interview saved and completed, a failed
and a successful login, a field package exported and merged, and the CLI's table, report and
export commands — in-process (caplog) and as a `brugerblik` subprocess with BRUGERBLIK_LOG=DEBUG
(its standard error). Log lines may name codes, ids, counts, user names and exception types; the
planted values must appear nowhere.
"""
from __future__ import annotations

import csv
import io
import logging
import os
import subprocess
import sys

import pytest
from argon2 import PasswordHasher
from sqlmodel import Session

from brugerblik.cli import main
from survey import auth, sync, wideio
from survey import interview as svc
from survey.db import dispose_all, get_engine

NAME = "Kirsten Bjerregaard-Mikkelsen"
INTERVIEWER = "Ibrahim Feltarbejdersen"
CPR = "010203-1234"
FREE = "Jeg skylder penge til min bror og sover i trappeopgangen"
FREE_REFUSED = "Min sagsbehandler hedder Gudrun Ottesen-Kragh"
FREE_INTERVIEW = "Efter misbrugsbehandlingen boede jeg hos Sofie Lykkegaard Winther"
PASSWORD = "hemmelig-kode-xyz-42"
WRONG = "forkert-kode-xyz-43"
SECRETS = [NAME, "Bjerregaard", INTERVIEWER, "Feltarbejdersen", CPR, CPR.replace("-", ""), FREE, "trappeopgangen",
           FREE_REFUSED, "Ottesen-Kragh", FREE_INTERVIEW, "Lykkegaard", PASSWORD, WRONG]

HEADER = ["respondent_id", "site", "site_type", "interviewer", "gender", "age", "hvorfor_her", "loennet_arbejde",
          "aktiveret", "tilbudstype", "consent_journal", "problemer"]


def _csv(rows) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(HEADER)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


GOOD = _csv([["AMA-01", "Amadeus", "vaerested", INTERVIEWER, "mand", "45", f"{FREE}. Ring til {NAME} på {CPR}.",
              "ja", "ja", "boform_vaerested", "ja", "sociale;gaeld"],
             ["TRE-01", "Tre Ege", "boform", INTERVIEWER, "kvinde", "38", FREE, "nej", "ja", "udenfor", "nej", ""]])
# refused: a CPR number as respondent id (shown masked) and an age in words; the free text is valid
# and so never quoted (a problem quotes only the bad cell, which the user must find)
REFUSED = _csv([[CPR, "Amadeus", "vaerested", INTERVIEWER, "mand", "fyrre", FREE_REFUSED, "ja", "ja",
                 "boform_vaerested", "ja", ""]])


def assert_clean(text: str, where: str) -> None:
    leaked = [s for s in SECRETS if s.lower() in text.lower()]
    assert not leaked, f"{where} holds {leaked}"


@pytest.fixture
def debug_logs(caplog):
    """Every logger at DEBUG into caplog (our packages' loggers set explicitly, the rest through the root)."""
    caplog.set_level(logging.DEBUG)
    for name in ("survey", "coding", "archetypes", "exports", "brugerblik", "ui", "alembic"):
        caplog.set_level(logging.DEBUG, logger=name)
    yield caplog
    dispose_all()


@pytest.fixture(autouse=True)
def _fast_hashes(monkeypatch):
    fast = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(auth, "_hasher", fast)
    monkeypatch.setattr(auth, "_dummy_hash", lambda h=fast.hash("brugerblik-ukendt-bruger"): h)
    for k in ("BRUGERBLIK_USER", "BRUGERBLIK_PASSWORD", "BRUGERBLIK_DB", "BRUGERBLIK_LOG"):
        monkeypatch.delenv(k, raising=False)


def _all_log_text(caplog) -> str:
    parts = [caplog.text]
    for r in caplog.records:
        parts += [r.getMessage(), repr(r.args), r.exc_text or "", str(getattr(r, "stack_info", "") or "")]
    return "\n".join(parts)


def test_domain_flows_log_no_personal_data(new_db_url, guide, debug_logs, tmp_path):
    url, central = new_db_url(), new_db_url()
    e = get_engine(url)
    # import: a good file (names and a CPR number in free text) and a refused one
    r = wideio.import_bytes(e, guide, GOOD, who="forsker")
    assert r.ok and r.written == 2, [str(p) for p in r.problems]
    r = wideio.import_bytes(e, guide, REFUSED, who="forsker")
    assert r.problems and r.written == 0
    wideio.check_bytes(e, guide, b"\x00\x01" + NAME.encode())
    # interview: saved and completed, a refused value, a quote
    info = svc.start_interview(e, guide, site_name="Amadeus", interviewer=INTERVIEWER)
    assert svc.save_answer(e, guide, info.id, "hvorfor_her", f"{FREE_INTERVIEW} ({CPR})", who="ole").ok
    assert not svc.save_answer(e, guide, info.id, "age", NAME, who="ole").ok
    q, msg = svc.add_quote(e, guide, info.id, "hvorfor_her", FREE_INTERVIEW, who="ole")
    assert q is not None, msg
    svc.complete(e, guide, info.id, reason=f"{NAME} ville ikke svare på resten", who="ole")
    # logins: one wrong, one right
    with Session(e) as s:
        auth.add_user(s, "forsker", "researcher", PASSWORD, full_name=NAME)
        s.commit()
        with pytest.raises(auth.AuthError):
            auth.authenticate(s, "forsker", WRONG)
        with pytest.raises(auth.AuthError):
            auth.authenticate(s, NAME, PASSWORD)
        assert auth.authenticate(s, "forsker", PASSWORD).role == "researcher"
        s.commit()
    # a field package, merged into the central store (twice: idempotent)
    pkg = tmp_path / "felt.zip"
    sync.export_package(e, pkg, passphrase="feltkode til testen")
    ce = get_engine(central)
    sync.merge_package(ce, pkg, passphrase="feltkode til testen", who="admin")
    sync.merge_package(ce, pkg, passphrase="feltkode til testen", who="admin")
    log = _all_log_text(debug_logs)
    assert "interview afsluttet" in log and "login afvist" in log and "login: forsker" in log  # logging was on
    assert_clean(log, "the log")


def test_cli_commands_log_no_personal_data(new_db_url, guide, debug_logs, tmp_path, capsys, monkeypatch):
    url = new_db_url()
    assert wideio.import_bytes(get_engine(url), guide, GOOD).ok
    with Session(get_engine(url)) as s:
        auth.add_user(s, "forsker", "researcher", PASSWORD)
        s.commit()
    monkeypatch.setenv("BRUGERBLIK_PASSWORD", PASSWORD)
    base = ["--db", url, "--bruger", "forsker"]
    runs = [["table", "3.1"], ["kvalitetskort"], ["crosstab", "gender", "aktiveret"],
            ["report", str(tmp_path / "r.xlsx")], ["export", "raw", str(tmp_path / "x.csv")],
            ["export", "raw", "--umaskeret", str(tmp_path / "y.csv")], ["export", "spss", str(tmp_path / "x.sav")],
            ["export", "qdpx", "--umaskeret", str(tmp_path / "x.qdpx")], ["import", str(_write(tmp_path, REFUSED))]]
    for argv in runs:
        main(base + argv)
    monkeypatch.setenv("BRUGERBLIK_PASSWORD", WRONG)
    assert main(base + ["table", "3.1"]) == 3
    _out, err = capsys.readouterr()
    log = _all_log_text(debug_logs)
    assert "login: forsker" in log and "login afvist" in log
    assert_clean(log, "the log")
    assert_clean(err.replace("xxxxxx-xxxx", ""), "standard error")


def _write(tmp_path, data: bytes):
    p = tmp_path / "fil.csv"
    p.write_bytes(data)
    return p


def test_brugerblik_subprocess_at_debug_writes_no_personal_data_to_stderr(new_db_url, guide, tmp_path):
    url = new_db_url()
    assert wideio.import_bytes(get_engine(url), guide, GOOD).ok
    with Session(get_engine(url)) as s:
        auth.add_user(s, "forsker", "researcher", PASSWORD)  # hashed with the test's cheap hasher: fine to verify
        s.commit()
    dispose_all()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRUGERBLIK_")}
    env.update(BRUGERBLIK_LOG="DEBUG", BRUGERBLIK_PASSWORD=PASSWORD)
    stderr = []

    def brugerblik(*argv: str, password: str = PASSWORD) -> int:
        p = subprocess.run([sys.executable, "-m", "brugerblik.cli", "--db", url, "--bruger", "forsker", *argv],
                           env={**env, "BRUGERBLIK_PASSWORD": password}, capture_output=True, text=True,
                           stdin=subprocess.DEVNULL, timeout=300)
        stderr.append(p.stderr)
        return p.returncode

    assert brugerblik("table", "3.1") == 0
    assert brugerblik("report", str(tmp_path / "r.xlsx")) == 0
    assert brugerblik("export", "raw", "--umaskeret", str(tmp_path / "x.csv")) == 0
    assert brugerblik("import", str(_write(tmp_path, REFUSED))) == 1
    assert brugerblik("table", "3.1", password=WRONG) == 3
    err = "\n".join(stderr)
    assert "DEBUG " in err or "INFO " in err, err[:500]  # the log was on
    assert "INFO brugerblik.auth: login: forsker" in err and "login afvist" in err
    assert_clean(err.replace("xxxxxx-xxxx", ""), "brugerblik's standard error")


def test_sql_parameters_are_hidden_even_when_sqlalchemy_logs(new_db_url, guide, caplog):
    """A developer who turns SQLAlchemy's statement log on still sees no parameter values."""
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    url = new_db_url()
    try:
        assert wideio.import_bytes(get_engine(url), guide, GOOD).ok
        info = svc.start_interview(get_engine(url), guide, site_name="Amadeus")
        svc.save_answer(get_engine(url), guide, info.id, "hvorfor_her", FREE_INTERVIEW)
        assert "INSERT" in caplog.text and "parameters hidden" in caplog.text
        assert_clean(caplog.text, "SQLAlchemy's log")
    finally:
        dispose_all()
