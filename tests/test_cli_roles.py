"""Every CLI command checks the role (issue 6): a role × command matrix, logins, and `brugerblik user`.

The matrix below is written out by hand from the issue (not derived from `COMMAND_ACTIONS`), so a
change to the role table or to a command's action shows up here. A refused command exits 3 with
the Danish reason on stderr and changes nothing: every table's rows are the same (a login's
`last_login` aside) and no output file is written.
"""
from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import inspect, select, text
from sqlmodel import Session

from brugerblik import cli
from brugerblik.cli import COMMAND_ACTIONS, command_keys, main
from coding import codebook
from survey import auth, wideio
from survey.guide import load_guide
from survey.db import dispose_all, get_engine
from survey.models import Answer, AuditEntry, Interview

PW = {"ole": "ole-hemmelig-1", "forsker": "forsker-hemmelig-2", "rita": "rita-hemmelig-3",
      "boss": "boss-hemmelig-4", "offer": "offer-hemmelig-5", "slukket": "slukket-hemmelig-6"}
ROLE_USER = {"interviewer": "ole", "researcher": "forsker", "report_writer": "rita", "admin": "boss"}
NEW_PW = "ny-adgangskode-77"

HEADER = ["respondent_id", "site", "site_type", "gender", "age", "hvorfor_her", "loennet_arbejde", "aktiveret",
          "tilbudstype", "consent_journal", "problemer"]
ROWS = [["AMA-90", "Amadeus", "vaerested", "mand", "45", "Fællesskabet", "ja", "ja", "boform_vaerested", "ja",
         "sociale;psykisk"],
        ["TRE-90", "Tre Ege", "boform", "kvinde", "38", "Et sted at bo", "nej", "ja", "udenfor", "nej", ""]]

BOOT = {"demo --if-empty", "user demo-admin"}  # no login needed: no-ops on a store with users
EVERYONE = {"guide check"} | BOOT
REPORTS = {"table", "kvalitetskort", "figure", "report", "crosstab", "matrix", "maetning", "samforekomst", "ordfrekvens", "analyse gem", "analyse slet", "analyse liste"}
ANON_EXPORTS = {"export raw", "export spss", "export stata", "export r", "export qdpx"}
RAW_EXPORTS = {"export raw --umaskeret", "export spss --umaskeret", "export stata --umaskeret", "export r --umaskeret",
               "export qdpx --umaskeret"}
DB = {"demo", "merge", "backup", "db upgrade", "db current", "db revision"}
USERS = {"user add", "user list", "user disable", "user enable", "user passwd", "user role"}
PRIVACY = {"respondent tilbagetraek", "respondent slet", "respondent oversigt"}  # issue 12
RETENTION = {"respondent opbevaring", "respondent slet-raadata"}
ALLOWED = {
    "interviewer": EVERYONE | {"export package"},
    "researcher": EVERYONE | {"import", "export package", "export qdc", "kodeenighed", "spoergsmaal", "tag", "anonymise"} | REPORTS | ANON_EXPORTS
    | RAW_EXPORTS
    | PRIVACY,
    "report_writer": EVERYONE | {"anonymise"} | REPORTS | ANON_EXPORTS,
    "admin": EVERYONE | {"export package"} | DB | USERS | PRIVACY | RETENTION,
}


def _csv_bytes(rows=ROWS) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(HEADER)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


@pytest.fixture(autouse=True)
def _fast_hashes_and_no_login_env(monkeypatch):
    """Argon2 at its cheapest (the role checks are under test here, not the hash strength);
    no login from the environment unless a test sets one."""
    fast = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(auth, "_hasher", fast)
    monkeypatch.setattr(auth, "_dummy_hash", lambda h=fast.hash("brugerblik-ukendt-bruger"): h)
    for k in ("BRUGERBLIK_USER", "BRUGERBLIK_PASSWORD", "BRUGERBLIK_NEW_PASSWORD", "BRUGERBLIK_DB"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setattr(cli, "_ask_password", _no_prompt)
    monkeypatch.setenv("BRUGERBLIK_PAKKEKODE", "feltkode til testen")
    yield
    dispose_all()


def _no_prompt(prompt: str) -> str:
    raise AssertionError(f"unexpected password prompt: {prompt}")


@pytest.fixture(scope="module")
def team(db_factory, tmp_path_factory, guide):
    """A store with data, a field package of it, and one user per role (plus a victim and a disabled one)."""
    url = db_factory.new()
    d = tmp_path_factory.mktemp("team")
    mp = pytest.MonkeyPatch()
    fast = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    mp.setattr(auth, "_hasher", fast)
    mp.setenv("BRUGERBLIK_PAKKEKODE", "feltkode til testen")
    try:
        e = get_engine(url)
        assert wideio.import_bytes(e, guide, _csv_bytes()).written == 2
        (d / "data.csv").write_bytes(_csv_bytes())
        (d / "tekst.txt").write_text("Jeg har gæld og bor på gaden\n", encoding="utf-8")
        assert main(["--db", url, "export", "package", str(d / "felt.zip")]) == 0
        with Session(e) as s:
            auth.add_user(s, "boss", "admin", PW["boss"])
            auth.add_user(s, "ole", "interviewer", PW["ole"])
            auth.add_user(s, "forsker", "researcher", PW["forsker"])
            auth.add_user(s, "rita", "report_writer", PW["rita"])
            auth.add_user(s, "offer", "interviewer", PW["offer"])
            auth.add_user(s, "slukket", "researcher", PW["slukket"])
            auth.set_active(s, "slukket", False)
            codebook.create_code(s, "Rolletest", key="rolletest")  # for `matrix`
            s.commit()
    finally:
        mp.undo()
        dispose_all()
    yield {"url": url, "dir": d}
    dispose_all()
    db_factory.drop(url)


def snapshot(url: str) -> dict[str, list[str]]:
    """Every row of every table (app_user.last_login left out: a login is recorded even when the role is refused)."""
    e = get_engine(url)
    out: dict[str, list[str]] = {}
    with e.connect() as c:
        for t in sorted(inspect(c).get_table_names()):
            rows = c.execute(text(f'SELECT * FROM "{t}"')).mappings().all()
            out[t] = sorted(repr(sorted((k, str(v)) for k, v in r.items() if (t, k) != ("app_user", "last_login")))
                            for r in rows)
    return out


_counter = iter(range(10**6))


def _victim(team: dict) -> str:
    """A new respondent for «respondent slet» to delete (the store of the matrix keeps its own)."""
    rid = f"AMA-{next(_counter) + 100}"
    if "url" in team:
        row = [rid, "Amadeus", "vaerested", "kvinde", "50", "Ro", "nej", "ja", "udenfor", "nej", ""]
        assert wideio.import_bytes(get_engine(team["url"]), load_guide(), _csv_bytes([row])).written == 1
    return rid


def _analysis(team: dict) -> str:
    """A new saved analysis for «analyse slet» to delete."""
    from report import saved

    name = f"slet {next(_counter)}"
    if "url" in team:
        saved.save(get_engine(team["url"]), load_guide(), name, "kvalitetskort")
    return name


def invocation(key: str, team: dict, out: Path) -> list[str]:
    """A cheap invocation of the command `key`; output files go to `out`."""
    d = team["dir"]
    return {
        "guide check": ["guide", "check"],
        "import": ["import", "--replace", str(d / "data.csv")],
        "export raw": ["export", "raw", str(out / "x.csv")],
        "export raw --umaskeret": ["export", "raw", str(out / "x.csv"), "--umaskeret"],
        "export spss": ["export", "spss", str(out / "x.sav")],
        "export spss --umaskeret": ["export", "spss", str(out / "x.sav"), "--umaskeret"],
        "export stata": ["export", "stata", str(out / "x.dta")],
        "export stata --umaskeret": ["export", "stata", str(out / "x.dta"), "--umaskeret"],
        "export r": ["export", "r", str(out / "x.csv")],
        "export r --umaskeret": ["export", "r", str(out / "x.csv"), "--umaskeret"],
        "export qdpx": ["export", "qdpx", str(out / "x.qdpx")],
        "export qdpx --umaskeret": ["export", "qdpx", str(out / "x.qdpx"), "--umaskeret"],
        "export package": ["export", "package", str(out / "p.zip")],
        "table": ["table", "3.1"],
        "kvalitetskort": ["kvalitetskort"],
        "figure": ["figure", "fig3.1", "--out", str(out / "f.html")],
        "report": ["report", str(out / "r.xlsx")],
        "crosstab": ["crosstab", "gender", "aktiveret"],
        "matrix": ["matrix", "rolletest", "gender"],
        "maetning": ["maetning", "--format", "csv"],
        "samforekomst": ["samforekomst", "--format", "csv"],
        "ordfrekvens": ["ordfrekvens", "--format", "csv"],
        "analyse gem": ["analyse", "gem", f"gem {next(_counter)}", "--krydstabel", "gender", "aktiveret"],
        "analyse slet": ["analyse", "slet", _analysis(team)] if key == "analyse slet" else [],
        "analyse liste": ["analyse", "liste"],
        "export qdc": ["export", "qdc", str(out / "x.qdc")],
        "kodeenighed": ["kodeenighed", "--format", "csv"],
        "spoergsmaal": ["spoergsmaal"],
        "tag": ["tag", str(d / "tekst.txt")],
        "anonymise": ["anonymise", str(d / "tekst.txt")],
        "demo": ["demo", "--replace"],
        "demo --if-empty": ["demo", "--if-empty"],
        "merge": ["merge", str(d / "felt.zip")],
        "backup": ["backup", str(out / "kopi.db")],
        "db upgrade": ["db", "upgrade"],
        "db current": ["db", "current"],
        "db revision": ["db", "revision", "-m", "test"],
        "user add": ["user", "add", f"ny{next(_counter)}", "--rolle", "interviewer"],
        "user list": ["user", "list"],
        "user disable": ["user", "disable", "offer"],
        "user enable": ["user", "enable", "offer"],
        "user passwd": ["user", "passwd", "offer"],
        "user role": ["user", "role", "offer", "interviewer"],
        "user demo-admin": ["user", "demo-admin"],
        "respondent tilbagetraek": ["respondent", "tilbagetraek", "TRE-90", "--samtykke", "journal", "--grund",
                                    "Trak tilladelsen tilbage"],
        "respondent slet": ["respondent", "slet", _victim(team), "--grund", "Anmodning om sletning"]
        if key == "respondent slet" else [],
        "respondent oversigt": ["respondent", "oversigt"],
        "respondent opbevaring": ["respondent", "opbevaring", "--slutdato", "2099-12-31"],
        "respondent slet-raadata": ["respondent", "slet-raadata"],
    }[key]


def run(capsys, url: str, argv: list[str], user: str | None = None, password: str | None = None):
    env = {}
    if user is not None:
        env["BRUGERBLIK_PASSWORD"] = password if password is not None else PW[user]
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        rc = main(["--db", url, *(["--bruger", user] if user else []), *argv])
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    o, e = capsys.readouterr()
    for p in PW.values():
        assert p not in o and p not in e, "a password reached the output"
    return rc, o, e


# ----------------------------------------------------------------------------- the table itself

def test_every_command_has_an_action():
    missing = [k for k in command_keys() if k not in COMMAND_ACTIONS]
    assert not missing, (f"brugerblik-kommandoer uden rolle: {missing}. Tilføj hver til COMMAND_ACTIONS i "
                         "brugerblik/cli.py (en handling fra survey.auth.ACTIONS, LOGIN eller BOOTSTRAP) og til "
                         "matricen ALLOWED/invocation i tests/test_cli_roles.py.")
    keys = set(command_keys())
    for k, action in COMMAND_ACTIONS.items():
        base = k.split(" --")[0]
        assert base in keys, f"COMMAND_ACTIONS[{k!r}] names no command"
        assert action in auth.ACTIONS or action in (cli.LOGIN, cli.BOOTSTRAP), f"{k}: unknown action {action!r}"


def test_the_matrix_covers_every_command():
    for k in COMMAND_ACTIONS:
        try:
            invocation(k, {"dir": Path(".")}, Path("."))
        except KeyError:
            pytest.fail(f"{k!r}: add a cheap invocation to invocation() and the roles that may run it to ALLOWED")
    for role, keys in ALLOWED.items():
        assert keys <= set(COMMAND_ACTIONS), (role, keys - set(COMMAND_ACTIONS))


def test_a_command_without_an_entry_is_refused(team, capsys, monkeypatch):
    monkeypatch.delitem(COMMAND_ACTIONS, "table")
    rc, o, e = run(capsys, team["url"], ["table", "3.1"], "forsker")
    assert rc == 3 and o == "" and "COMMAND_ACTIONS" in e and "«table»" in e


# ----------------------------------------------------------------------------- the matrix

MATRIX = [(role, key) for role in ROLE_USER for key in COMMAND_ACTIONS]


@pytest.mark.parametrize("role,key", MATRIX, ids=[f"{r}-{k.replace(' ', '_')}" for r, k in MATRIX])
def test_role_command_matrix(team, role, key, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("BRUGERBLIK_NEW_PASSWORD", NEW_PW)
    monkeypatch.setattr("survey.db.new_revision", lambda message, **kw: "(ingen fil: test)")
    url, user = team["url"], ROLE_USER[role]
    argv = invocation(key, team, tmp_path)
    before = snapshot(url)
    rc, o, e = run(capsys, url, argv, user)
    if key in ALLOWED[role]:
        assert rc == 0, (role, key, e)
        if key in BOOT:  # a store with users: nothing to do
            assert snapshot(url) == before
    else:
        who = auth.ROLES[role]
        assert rc == 3, (role, key, rc, o, e)
        assert o == ""
        assert e.startswith(f"Adgang nægtet: rollen {who} må ikke "), e
        assert snapshot(url) == before
        assert list(tmp_path.iterdir()) == [], "a refused command wrote a file"


def test_a_refi_project_import_needs_the_researcher(team, tmp_path, capsys):
    """`import FIL.qdpx` (issue 15) writes codes and codings: the report writer and the interviewer are
    refused before the file is read; the researcher reaches the file's own check (its one case is no
    respondent of the study, so nothing is imported)."""
    from tests.exports.test_qdpx_import import CODEBOOK, _project

    f = tmp_path / "projekt.qdpx"
    f.write_bytes(_project(f'{CODEBOOK}<Cases><Case guid="3f3f0000-0000-4000-8000-000000000800" name="UKENDT-99"/>'
                           '</Cases>'))
    for user in ("rita", "ole"):
        rc, o, e = run(capsys, team["url"], ["import", str(f)], user)
        assert (rc, o) == (3, "") and "Adgang nægtet" in e
    rc, o, e = run(capsys, team["url"], ["import", str(f)], "forsker")
    assert rc == 1 and "Case nr. 1" in e and "Intet er importeret" in e


def test_report_writer_never_gets_raw_text_or_imports(team, tmp_path, capsys):
    url = team["url"]
    for argv in (["export", "raw", str(tmp_path / "x.csv"), "--umaskeret"],
                 ["export", "spss", str(tmp_path / "x.sav"), "--umaskeret"],
                 ["import", str(team["dir"] / "data.csv")],
                 ["export", "package", str(tmp_path / "p.zip")]):
        rc, o, e = run(capsys, url, argv, "rita")
        assert rc == 3 and "Adgang nægtet: rollen Rapportskriver" in e
    assert list(tmp_path.iterdir()) == []
    rc, _, _ = run(capsys, url, ["export", "raw", str(tmp_path / "x.csv")], "rita")
    assert rc == 0 and (tmp_path / "x.csv").exists()


def test_interviewer_gets_no_reports(team, tmp_path, capsys):
    for argv in (["report", str(tmp_path / "r.xlsx")], ["table", "3.1"], ["kvalitetskort"]):
        rc, o, e = run(capsys, team["url"], argv, "ole")
        assert (rc, o) == (3, "") and "Adgang nægtet: rollen Interviewer må ikke lave rapporter" in e
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------- logins

GENERIC = "Forkert brugernavn eller adgangskode, eller brugeren er deaktiveret."


@pytest.mark.parametrize("user,password", [("forsker", "forkert-kode-123"), ("ingen", "forsker-hemmelig-2"),
                                           ("slukket", PW["slukket"]), ("forsker", "")])
def test_wrong_password_unknown_or_disabled_user_get_one_message(team, capsys, user, password):
    before = snapshot(team["url"])
    rc, o, e = run(capsys, team["url"], ["table", "3.1"], user, password)
    assert (rc, o, e.strip()) == (3, "", GENERIC)
    assert snapshot(team["url"]) == before


def test_no_user_given_asks_for_a_login(team, capsys):
    rc, o, e = run(capsys, team["url"], ["table", "3.1"])
    assert rc == 3 and o == "" and e.startswith("Log ind: angiv --bruger NAVN")


def test_user_from_the_environment_and_password_prompt(team, capsys, monkeypatch):
    asked = []
    monkeypatch.setenv("BRUGERBLIK_USER", "rita")
    monkeypatch.setattr(cli, "_ask_password", lambda prompt: asked.append(prompt) or PW["rita"])
    rc, o, e = run(capsys, team["url"], ["table", "3.1"])
    assert rc == 0 and o
    assert asked == ["Adgangskode for rita: "]


def test_logged_in_user_is_who_the_audit_trail_records(team, capsys):
    rc, _, e = run(capsys, team["url"], ["import", "--replace", "--who", "nogen-andre",
                                         str(team["dir"] / "data.csv")], "forsker")
    assert rc == 0, e
    with Session(get_engine(team["url"])) as s:
        whos = set(s.execute(select(Answer.updated_by).join(Interview, Interview.id == Answer.interview_id)
                             .where(Interview.respondent_id == "AMA-90")).scalars())
        audit = s.execute(select(AuditEntry.who).where(AuditEntry.entity == "import")).scalars().all()
    assert whos == {"forsker"}
    assert audit and set(audit) == {"forsker"}


def test_password_is_never_an_argument():
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["--password", "x", "table", "3.1"])
    opts = {o for a in cli.build_parser()._actions for o in a.option_strings}
    assert not any("pass" in o or "kode" in o for o in opts)


def test_no_terminal_and_no_password_is_a_refusal_not_a_hang(team, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRUGERBLIK_")}
    p = subprocess.run([sys.executable, "-m", "brugerblik.cli", "--db", team["url"], "--bruger", "rita",
                        "table", "3.1"], env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                       start_new_session=True, timeout=120)
    assert p.returncode == 3 and p.stdout == ""
    assert "BRUGERBLIK_PASSWORD" in p.stderr and "Traceback" not in p.stderr


def test_the_real_command_refuses_with_exit_3(team, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRUGERBLIK_")}
    env["BRUGERBLIK_PASSWORD"] = PW["rita"]
    out = tmp_path / "x.csv"
    p = subprocess.run([sys.executable, "-m", "brugerblik.cli", "--db", team["url"], "--bruger", "rita",
                        "export", "raw", "--umaskeret", str(out)], env=env, capture_output=True, text=True,
                       stdin=subprocess.DEVNULL, timeout=120)
    assert (p.returncode, p.stdout) == (3, "")
    assert p.stderr.strip() == "Adgang nægtet: rollen Rapportskriver må ikke eksportere umaskeret fritekst (det må Forsker)."
    assert not out.exists() and PW["rita"] not in p.stderr


def test_help_documents_single_user_mode_login_and_exit_codes(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    h = capsys.readouterr().out
    assert "uden brugere er åben" in h and "enkeltbrugertilstand" in h
    assert "--bruger" in h and "BRUGERBLIK_PASSWORD" in h and "3 login eller rolle afvist" in h
    assert "3 refused login or role" in cli.__doc__


# ----------------------------------------------------------------------------- brugerblik user

@pytest.fixture
def open_store(db_url, guide):
    assert wideio.import_bytes(get_engine(db_url), guide, _csv_bytes()).written == 2
    return db_url


def test_open_store_runs_everything_without_a_login(open_store, capsys, tmp_path):
    rc, o, _ = run(capsys, open_store, ["table", "3.1"])
    assert rc == 0 and o
    rc, _, _ = run(capsys, open_store, ["export", "raw", "--umaskeret", str(tmp_path / "x.csv")])
    assert rc == 0


def test_first_user_must_be_an_admin(open_store, capsys, monkeypatch):
    monkeypatch.setenv("BRUGERBLIK_NEW_PASSWORD", NEW_PW)
    rc, o, e = run(capsys, open_store, ["user", "add", "mette", "--rolle", "forsker"])
    assert rc == 1 and "første bruger skal være administrator" in e
    with Session(get_engine(open_store)) as s:
        assert auth.is_open(s)
    rc, o, e = run(capsys, open_store, ["user", "add", "mette", "--rolle", "admin", "--navn", "Mette Hansen"])
    assert rc == 0 and "Oprettede brugeren mette (Administrator)" in o and "kræver nu login" in o
    rc, o, e = run(capsys, open_store, ["table", "3.1"])
    assert rc == 3 and "Log ind" in e
    rc, o, e = run(capsys, open_store, ["user", "list"], "mette", NEW_PW)
    assert rc == 0 and "mette" in o and "Mette Hansen" in o and "Administrator" in o and "$argon2" not in o


def test_demo_admin_on_an_empty_store_then_a_no_op(db_url, capsys, tmp_path):
    rc, o, _ = run(capsys, db_url, ["demo", "--if-empty"])
    assert rc == 0 and "Indlæste demoundersøgelsen" in o
    rc, o, _ = run(capsys, db_url, ["user", "demo-admin"])
    assert rc == 0
    assert f"«{auth.DEMO_ADMIN}»" in o and f"«{auth.DEMO_PASSWORD}»" in o and "skift adgangskoden ved første login" in o
    with Session(get_engine(db_url)) as s:
        u = auth.get_user(s, auth.DEMO_ADMIN)
        assert u.role == "admin" and u.must_change_password
    before = snapshot(db_url)
    # the second `make run`: both steps do nothing, need no login, and succeed
    rc, o, _ = run(capsys, db_url, ["demo", "--if-empty"])
    assert rc == 0 and "demoundersøgelsen er ikke indlæst" in o
    rc, o, _ = run(capsys, db_url, ["user", "demo-admin"])
    assert rc == 0 and "allerede brugere" in o
    assert snapshot(db_url) == before
    # the demo password signs in as admin, who must choose a new one before using it (issue 11)
    rc, o, e = run(capsys, db_url, ["user", "list"], auth.DEMO_ADMIN, auth.DEMO_PASSWORD)
    assert rc == 3 and "skal skiftes" in e and f"user passwd {auth.DEMO_ADMIN}" in e


def test_user_add_prompts_twice_and_refuses_a_mismatch(open_store, capsys, monkeypatch):
    answers = iter(["en-lang-kode-1", "en-anden-kode-2"])
    monkeypatch.setattr(cli, "_ask_password", lambda prompt: next(answers))
    rc, o, e = run(capsys, open_store, ["user", "add", "boss", "--rolle", "admin"])
    assert rc == 1 and "ikke ens" in e
    answers = iter(["kort", "kort"])
    rc, o, e = run(capsys, open_store, ["user", "add", "boss", "--rolle", "admin"])
    assert rc == 1 and "mindst 10 tegn" in e
    answers = iter(["en-lang-kode-1", "en-lang-kode-1"])
    rc, o, e = run(capsys, open_store, ["user", "add", "boss", "--rolle", "admin"])
    assert rc == 0, e
    assert "en-lang-kode-1" not in o + e


def test_user_management_flow_is_audited_with_the_acting_admin(open_store, capsys, monkeypatch):
    url = open_store
    monkeypatch.setenv("BRUGERBLIK_NEW_PASSWORD", PW["boss"])
    assert run(capsys, url, ["user", "add", "boss", "--rolle", "admin"])[0] == 0
    monkeypatch.setenv("BRUGERBLIK_NEW_PASSWORD", PW["ole"])
    rc, o, e = run(capsys, url, ["user", "add", "ole", "--rolle", "interviewer", "--navn", "Ole Olsen"], "boss")
    assert rc == 0, e
    assert "vælger sin egen adgangskode ved første login" in o
    with Session(get_engine(url)) as s:  # made by an admin: ole chooses a password at the first login
        assert auth.get_user(s, "ole").must_change_password
        assert not auth.get_user(s, "boss").must_change_password  # the first admin chose their own
    rc, o, e = run(capsys, url, ["user", "add", "ole", "--rolle", "interviewer"], "boss")
    assert rc == 1 and "findes allerede" in e
    rc, o, e = run(capsys, url, ["user", "add", "Ø Ø", "--rolle", "interviewer"], "boss")
    assert rc == 1 and "Ugyldigt brugernavn" in e
    rc, o, e = run(capsys, url, ["user", "add", "x1", "--rolle", "chef"], "boss")
    assert rc == 1 and "Ukendt rolle" in e
    # the new user must choose their own password first (issue 11: also on the command line) …
    rc, o, e = run(capsys, url, ["guide", "check"], "ole")
    assert rc == 3 and "skal skiftes" in e
    # keeping the administrator's temporary password is refused (a tester), as in the app
    rc, o, e = run(capsys, url, ["user", "passwd", "ole"], "ole")  # BRUGERBLIK_NEW_PASSWORD is PW["ole"]
    assert rc == 1 and "Vælg en anden adgangskode end den nuværende" in e
    monkeypatch.setenv("BRUGERBLIK_NEW_PASSWORD", "oles-egen-nye-kode")
    assert run(capsys, url, ["user", "passwd", "ole"], "ole")[0] == 0
    monkeypatch.setitem(PW, "ole", "oles-egen-nye-kode")  # ole's own from here on (restored after the test)
    # … then can log in; the role decides
    assert run(capsys, url, ["table", "3.1"], "ole")[0] == 3
    assert run(capsys, url, ["guide", "check"], "ole")[0] == 0
    # role change
    rc, o, e = run(capsys, url, ["user", "role", "ole", "forsker"], "boss")
    assert rc == 0 and "Forsker" in o
    assert run(capsys, url, ["table", "3.1"], "ole")[0] == 0
    # disable / enable
    assert run(capsys, url, ["user", "disable", "ole"], "boss")[0] == 0
    rc, o, e = run(capsys, url, ["table", "3.1"], "ole")
    assert (rc, e.strip()) == (3, GENERIC)
    assert run(capsys, url, ["user", "enable", "ole"], "boss")[0] == 0
    assert run(capsys, url, ["table", "3.1"], "ole")[0] == 0
    # new password: the old one stops working
    monkeypatch.setenv("BRUGERBLIK_NEW_PASSWORD", NEW_PW)
    rc, o, e = run(capsys, url, ["user", "passwd", "ole"], "boss")
    assert rc == 0 and "nulstillet" in o
    with Session(get_engine(url)) as s:
        assert auth.get_user(s, "ole").must_change_password
    assert run(capsys, url, ["table", "3.1"], "ole", PW["ole"])[0] == 3
    rc, o, e = run(capsys, url, ["table", "3.1"], "ole", NEW_PW)
    assert rc == 3 and "skal skiftes" in e  # the reset one works only to choose a new one
    # the last admin stays
    rc, o, e = run(capsys, url, ["user", "disable", "boss"], "boss")
    assert rc == 1 and "sidste aktive administrator" in e
    rc, o, e = run(capsys, url, ["user", "role", "boss", "forsker"], "boss")
    assert rc == 1 and "sidste aktive administrator" in e
    rc, o, e = run(capsys, url, ["user", "passwd", "ingen"], "boss")
    assert rc == 1 and "findes ikke" in e
    # list: name, role, active, last login — never a hash
    rc, o, e = run(capsys, url, ["user", "list"], "boss")
    lines = o.splitlines()
    assert lines[0].split() == ["brugernavn", "navn", "rolle", "aktiv", "sidste", "login"]
    assert any(ln.startswith("ole") and "Ole Olsen" in ln and "Forsker" in ln and " ja " in ln and "UTC" in ln
               for ln in lines)
    assert "$argon2" not in o
    with Session(get_engine(url)) as s:
        trail = [(a.who, a.code, a.old_value, a.new_value) for a in
                 s.execute(select(AuditEntry).where(AuditEntry.entity == "user").order_by(AuditEntry.id)).scalars()]
    assert (None, "user:boss", None, "admin") == trail[0]  # the first admin, made on the open store
    assert all(w == "boss" for w, *_ in trail[1:] if w != "ole")
    assert [c for w, c, *_ in trail if w == "ole"] == ["user:ole"]  # ole chose their own password
    assert ("boss", "user:ole", "interviewer", "researcher") in trail
    assert ("boss", "user:ole", "aktiv", "deaktiveret") in trail and ("boss", "user:ole", "deaktiveret", "aktiv") in trail
    assert sum(1 for w, c, *_ in trail if c == "user:ole") == 6  # add, own passwd, role, disable, enable, passwd
    assert not any(NEW_PW in str(t) or PW["ole"] in str(t) for t in trail)


# ---------------------------------------------------------------- issue 11: login checks the store the command opens

@pytest.mark.uses_sqlite
def test_the_login_check_looks_at_the_store_the_command_opens_for_every_url_form(tmp_path, capsys, monkeypatch):
    """`sqlite:///file:PATH?uri=true` once made the login check look at a file called "file:PATH",
    find none, and run the command on the real store without a login."""
    from urllib.parse import quote

    from survey.db import make_engine

    home = tmp_path / "hjem med mellemrum"
    path = home / "store.db"
    e = make_engine(f"sqlite:///{path}")
    with Session(e) as s:
        auth.add_user(s, "boss", "admin", PW["boss"])
        s.commit()
    e.dispose()
    monkeypatch.setenv("HOME", str(home))
    forms = [f"sqlite:///{path}", f"sqlite:///file:{path}?uri=true", f"sqlite:///file:{quote(str(path))}?uri=true",
             f"sqlite:///file://{quote(str(path))}?mode=rw&uri=true", "sqlite:///~/store.db"]
    for url in forms:
        rc = main(["--db", url, "user", "list"])
        o, err = capsys.readouterr()
        assert rc == 3 and "Log ind" in err and "boss" not in o, url
        rc, o, _ = run(capsys, url, ["user", "list"], "boss")
        assert rc == 0 and "boss" in o, url  # the same store: its user is there
    assert sorted(p.name for p in home.iterdir() if p.is_file()) == ["store.db", "store.db-shm", "store.db-wal"] \
        or sorted(p.name for p in home.iterdir() if p.is_file()) == ["store.db"]
    assert not (tmp_path / "~").exists() and not (Path.cwd() / "~").exists()


def test_a_password_that_must_be_changed_is_refused_until_it_is_changed(db_factory, capsys):
    url = db_factory.new()
    try:
        e = get_engine(url)
        with Session(e) as s:
            auth.add_user(s, "boss", "admin", PW["boss"])
            auth.add_user(s, "ole", "interviewer", PW["ole"], must_change_password=True)
            s.commit()
        before = snapshot(url)
        rc, _, err = run(capsys, url, ["export", "package", "/tmp/aldrig-skrevet.zip"], "ole")
        assert rc == 3 and "er ny (sat af en administrator) og skal skiftes" in err and "user passwd ole" in err
        assert not Path("/tmp/aldrig-skrevet.zip").exists()
        assert {k: v for k, v in snapshot(url).items() if k != "app_user"} == \
            {k: v for k, v in before.items() if k != "app_user"}
        os.environ["BRUGERBLIK_NEW_PASSWORD"] = NEW_PW
        try:
            rc, o, err = run(capsys, url, ["user", "passwd", "ole"], "ole")  # changing one's own is how
            assert rc == 0, err
            rc, _, err = run(capsys, url, ["user", "passwd", "boss"], "ole", NEW_PW)  # but nobody else's
            assert rc == 3 and "Adgang nægtet" in err
        finally:
            del os.environ["BRUGERBLIK_NEW_PASSWORD"]
        with Session(e) as s:
            assert auth.get_user(s, "ole").must_change_password is False
        rc, _, err = run(capsys, url, ["guide", "check"], "ole", NEW_PW)
        assert rc == 0, err
        rc, _, _ = run(capsys, url, ["guide", "check"], "ole", PW["ole"])
        assert rc == 3
    finally:
        dispose_all()
        db_factory.drop(url)


def test_an_interviewers_package_from_the_central_store_holds_nothing_of_others(team, capsys, tmp_path):
    """Issue 11.1: `--bruger INTERVIEWER export package` once packaged every interview, other users'
    case-file extracts and the user administration's audit entries."""
    import json

    from survey import sync

    rc, o, e = run(capsys, team["url"], ["export", "package", str(tmp_path / "ole.zip")], "ole")
    assert rc == 0, e
    assert "0 interviews" in o
    data = json.loads(sync.read_package_file(tmp_path / "ole.zip", "feltkode til testen")[1])
    deleted = data.pop("deleted")  # issue 12: every package carries every tombstone — and they hold no content
    assert data == {"sites": [], "interviews": [], "audit": [], "withdrawn": []}
    assert all(set(t) == {"uid", "interview_id", "informant", "who", "at", "reason", "counts", "key"}
               and re.fullmatch(r"[0-9a-f]{32}", t["key"]) for t in deleted)  # the id's fingerprint, not the id
    assert (tmp_path / "ole.zip").stat().st_mode & 0o777 == 0o600
    rc, o, e = run(capsys, team["url"], ["export", "package", str(tmp_path / "alle.zip")], "forsker")
    assert rc == 0, e
    data = json.loads(sync.read_package_file(tmp_path / "alle.zip", "feltkode til testen")[1])
    with Session(get_engine(team["url"])) as s:
        n = len(s.execute(select(Interview.id)).all())
    assert len(data["interviews"]) == n > 0 and data["audit"] == []
    assert not any(a["entity"] == "user" for v in data["interviews"] for a in v["audit"])
