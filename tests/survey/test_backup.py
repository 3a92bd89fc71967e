"""`brugerblik backup` a data steward can trust: no leftovers of a killed backup, pg_dump connected
with every option of the store's URL and refused in Danish, targets that would lose data refused.

Runs on SQLite and — with BRUGERBLIK_TEST_DB (tools/pg-test.sh) — on PostgreSQL. The pg_dump tests
that need a server are marked ``needs_pg_server``: in the SQLite run they are skipped with that reason.
"""
from __future__ import annotations

import fcntl
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from brugerblik.cli import main
from survey import db, files
from tests.conftest import TEST_DB, free_port as _free_port
from tests.survey.test_sync import field_work

ROOT = Path(__file__).resolve().parents[2]
needs_pg_server = pytest.mark.skipif(not TEST_DB, reason="kræver en PostgreSQL-server (tools/pg-test.sh)")


def mode(p: Path) -> int:
    return os.lstat(p).st_mode & 0o777


def url_of(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def need_pg_dump(engine) -> None:
    if engine.dialect.name == "postgresql":
        db.pg_program("pg_dump")  # a BackupError (no skip): the PostgreSQL run needs the client


def wait_for(what, timeout: float = 60.0):
    """Poll until `what()` is true (a state, not a fixed sleep); its value."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        got = what()
        if got:
            return got
        time.sleep(0.05)
    raise AssertionError(f"ventede forgæves på {what}")


# ---------------------------------------------------------------- a backup killed halfway

KILLED = """
import sys, time
from brugerblik.cli import main
if sys.argv[3] == "sqlite":  # test-only hook: the copy is made in the temporary, then the process waits
    import survey.db as d
    real = d._backup_sqlite
    def slow(engine, tmp):
        real(engine, tmp)
        print("kopieret", flush=True)
        time.sleep(600)
    d._backup_sqlite = slow
sys.exit(main(["--db", sys.argv[1], "backup", sys.argv[2]]))
"""


def _temporaries(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if files.TEMP_NAME.fullmatch(p.name)]


def test_a_killed_backup_leaves_an_owner_only_temporary_that_the_next_backup_removes(engine, guide, tmp_path):
    """Found by a tester: a backup killed with SIGKILL left its hidden temporary folder beside the
    target, holding a copy of the store, and every later backup left it there. The temporary is
    owner-only while it exists (folder 0700, file 0600 — pg_dump made its file 0644), and the next
    backup into the folder removes it. SQLite: killed after the copy was made, before the rename (a
    test-only hook in the child); PostgreSQL: killed while pg_dump waits for a table the test holds
    locked (pg_dump has made its file by then) — pg_dump is killed with it (its process group)."""
    field_work(engine, guide, n=3)
    need_pg_dump(engine)
    out = tmp_path / "ud"
    out.mkdir()
    os.chmod(out, 0o755)
    target = out / "kopi.bak"
    kind = engine.dialect.name
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    old_umask = os.umask(0o022)  # the usual umask: a program's own files would be group/world-readable
    holder = engine.connect() if kind == "postgresql" else None
    try:
        if holder is not None:
            holder.begin()
            holder.execute(text("LOCK TABLE answer IN ACCESS EXCLUSIVE MODE"))
        child = subprocess.Popen([sys.executable, "-c", KILLED, url_of(engine), str(target), kind], cwd=ROOT,
                                 env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        try:
            if kind == "sqlite":
                assert child.stdout.readline().strip() == b"kopieret", child.stderr.read()
            inner = wait_for(lambda: [f for t in _temporaries(out) for f in t.iterdir()])
            os.killpg(child.pid, signal.SIGKILL)
            child.wait(30)
        finally:
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait(30)
    finally:
        os.umask(old_umask)
        if holder is not None:
            holder.rollback()
            holder.close()
    left = _temporaries(out)
    assert len(left) == 1 and not target.exists()
    assert mode(left[0]) == 0o700 and [mode(f) for f in inner] == [0o600]
    if kind == "sqlite":
        assert inner[0].stat().st_size > 0  # a whole copy of the store: what must not stay behind
    # the next backup removes it and is a valid backup
    assert main(["--db", url_of(engine), "backup", str(target)]) == 0
    assert [p.name for p in out.iterdir()] == ["kopi.bak"] and mode(target) == 0o600
    if kind == "sqlite":
        con = sqlite3.connect(target)
        try:
            assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            assert con.execute("SELECT count(*) FROM interview").fetchone()[0] == 3
        finally:
            con.close()
    else:
        res = subprocess.run([db.pg_program("pg_restore"), "--list", str(target)], capture_output=True, text=True)
        assert res.returncode == 0 and "TABLE DATA public interview" in res.stdout, res.stderr


def test_only_the_tools_own_stale_temporaries_are_removed(tmp_path):
    """Removed: a temporary of the tool (its name), owned by this user, owner-only, locked by no live
    writer. Kept: anything else — a live writer's, group-readable ones, a link, other names."""
    def made(name: str, *, folder: bool, m: int) -> Path:
        p = tmp_path / name
        if folder:
            p.mkdir()
            (p / "fil.db").write_bytes(b"data")
        else:
            p.write_bytes(b"data")
        os.chmod(p, m)
        return p

    stale_dir = made(".kopi.db.brugerblik-abcd1234.tmp", folder=True, m=0o700)
    stale_file = made(".eksport.csv.brugerblik-zz_9zz00.tmp", folder=False, m=0o600)
    live = made(".levende.db.brugerblik-live0000.tmp", folder=True, m=0o700)
    kept = [live,
            made(".delt.db.brugerblik-abcd1234.tmp", folder=True, m=0o750),  # readable by the group: not ours
            made(".delt.csv.brugerblik-abcd1234.tmp", folder=False, m=0o644),
            made(".kopi.db.abcd1234.tmp", folder=True, m=0o700),  # another program's name
            made("kopi.db.brugerblik-abcd1234.tmp", folder=False, m=0o600),  # not hidden: not our name
            made(".kopi.db.brugerblik-abcd12345.tmp", folder=False, m=0o600)]
    elsewhere = tmp_path / "andetsteds"
    elsewhere.mkdir(mode=0o700)
    (elsewhere / "vigtig.txt").write_text("beholdes")
    link = tmp_path / ".genvej.db.brugerblik-abcd1234.tmp"
    link.symlink_to(elsewhere, target_is_directory=True)
    kept += [link, elsewhere]
    fd = os.open(live, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # a writer that is still running
        removed = files.remove_stale_temporaries(tmp_path)
    finally:
        os.close(fd)
    assert sorted(removed) == sorted([stale_dir.name, stale_file.name])
    assert not stale_dir.exists() and not stale_file.exists()
    assert all(os.path.lexists(p) for p in kept) and (elsewhere / "vigtig.txt").read_text() == "beholdes"
    assert (live / "fil.db").read_bytes() == b"data"


def test_a_write_inside_a_running_write_leaves_the_running_ones_temporary_alone(tmp_path):
    """Every write sweeps its folder first: a second write while the first is running (two
    downloads at once in the app) must not take the first one's temporary for stale."""
    def outer(p: Path):
        p.write_bytes(b"ydre")
        files.write_atomic(tmp_path / "indre.csv", b"indre")  # sweeps the folder meanwhile
        assert p.read_bytes() == b"ydre"

    files.write_atomic(tmp_path / "ydre.sav", outer, by_name=True)
    assert (tmp_path / "ydre.sav").read_bytes() == b"ydre" and (tmp_path / "indre.csv").read_bytes() == b"indre"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["indre.csv", "ydre.sav"]


# ---------------------------------------------------------------- pg_dump: the whole connection, no password in argv

PG = "postgresql+psycopg://bruger:hemmelig-kode@db.eksempel.dk:6543/studie"


def test_pg_dump_gets_every_option_of_the_url_and_never_the_password_in_argv(tmp_path):
    """Found by a tester: only host, port, user and database reached pg_dump; ``sslmode=require``,
    ``sslrootcert``, ``options`` and ``connect_timeout`` were dropped, so a backup could connect
    without TLS. They arrive as a libpq connection string; the password only in PGPASSWORD."""
    url = (PG + "?sslmode=require&sslrootcert=/etc/ssl/rod%20ca.pem&connect_timeout=7"
           "&options=-c%20statement_timeout%3D0&application_name=o%27hara&prepare_threshold=0")
    cmd, env = db.pg_dump_command(url, tmp_path / "kopi.dump")
    conninfo = [a for a in cmd if a.startswith("--dbname=")]
    assert conninfo == ["--dbname=host='db.eksempel.dk' port='6543' user='bruger' dbname='studie' "
                        "sslmode='require' sslrootcert='/etc/ssl/rod ca.pem' connect_timeout='7' "
                        "options='-c statement_timeout=0' application_name='o\\'hara'"]
    assert env["PGPASSWORD"] == "hemmelig-kode" and not any("hemmelig" in a for a in cmd)
    # a password given as an option goes to the environment too
    cmd, env = db.pg_dump_command("postgresql+psycopg://bruger@h/studie?password=kode2&sslmode=verify-full",
                                  tmp_path / "k")
    assert env["PGPASSWORD"] == "kode2" and not any("kode2" in a for a in cmd) and "sslmode='verify-full'" in cmd[-1]


def test_an_option_libpq_does_not_know_is_refused_in_danish(engine, tmp_path, capsys):
    with pytest.raises(db.BackupError, match="«sslmod».*kender"):
        db.pg_dump_command(PG + "?sslmod=require", tmp_path / "k")
    unopened = create_engine(PG + "?sslmod=require")  # never connects: the option is refused before
    with pytest.raises(db.BackupError, match="«sslmod»"):
        db.backup(unopened, tmp_path / "k.dump")
    assert list(tmp_path.iterdir()) == []


def _refused(url: str, tmp_path: Path) -> str:
    target = tmp_path / "kopi.dump"
    with pytest.raises(db.BackupError) as e:
        db.backup(create_engine(url), target)  # an engine that is never connected: pg_dump is what connects
    msg = str(e.value)
    assert msg.startswith("Sikkerhedskopien kunne ikke tages: ") and msg.endswith("databasen er uændret.")
    assert list(tmp_path.iterdir()) == []  # nothing written, no temporary left
    return msg


def test_pg_dump_on_a_closed_port_is_refused_in_danish_without_the_password(tmp_path):
    db.pg_program("pg_dump")
    port = _free_port()
    msg = _refused(f"postgresql+psycopg://bruger:hemmelig-kode@127.0.0.1:{port}/studie", tmp_path)
    assert f"PostgreSQL-serveren på 127.0.0.1:{port} svarer ikke" in msg
    assert "hemmelig" not in msg and "postgresql" not in msg and "Connection refused" not in msg


@needs_pg_server
def test_pg_dump_failures_on_a_real_server_are_refused_in_danish(engine, tmp_path):
    """Wrong password, sslmode=require against a server without TLS (the option reached pg_dump: before,
    the backup silently went over a plain connection), a database that does not exist, a role that may
    not read a table: each a Danish refusal naming what failed, never the password, the URL or English."""
    u = make_url(TEST_DB)
    base = make_url(url_of(engine))
    cases = {
        "forkert kode": (base.set(password="forkert-kode"), f"afviste brugeren {u.username}"),
        "sslmode=require": (base.update_query_dict({"sslmode": "require"}), "tilbyder ikke krypteret forbindelse"),
        "ingen database": (base.set(database="findes_ikke_xyz"), "databasen findes_ikke_xyz findes ikke"),
    }
    for name, (url, want) in cases.items():
        sub = tmp_path / name.replace(" ", "_").replace("=", "_")
        sub.mkdir()
        msg = _refused(url.render_as_string(hide_password=False), sub)
        assert want in msg, (name, msg)
        assert "forkert-kode" not in msg and str(u.password) not in msg and "error" not in msg, msg
    # sslmode=disable is kept too, and works
    ok = db.backup(create_engine(base.update_query_dict({"sslmode": "disable"}).render_as_string(hide_password=False)),
                   tmp_path / "ok.dump")
    assert ok.read_bytes()[:5] == b"PGDMP"
    # a role without SELECT on the store's tables
    role = f"laeser_{os.getpid()}"
    with engine.begin() as c:
        c.execute(text(f"CREATE ROLE {role} LOGIN PASSWORD 'laeser-kode-123'"))
    try:
        sub = tmp_path / "rolle"
        sub.mkdir()
        msg = _refused(base.set(username=role, password="laeser-kode-123").render_as_string(hide_password=False), sub)
        assert f"brugeren {role} må ikke læse tabellen" in msg and "adgang nægtet" in msg, msg
    finally:
        with engine.begin() as c:
            c.execute(text(f"DROP ROLE {role}"))


def test_pg_dump_messages_for_a_version_mismatch_and_a_full_disk_are_danish():
    """The two failures a test server cannot give on demand, from pg_dump's own words (PostgreSQL 15)."""
    mismatch = ("pg_dump: error: aborting because of server version mismatch\n"
                "pg_dump: detail: server version: 17.2 (Debian 17.2-1); pg_dump version: 15.18\n")
    msg = db._pg_dump_refusal(mismatch, make_url(PG))
    assert "pg_dump er ældre end PostgreSQL-serveren (serveren: 17.2, pg_dump: 15.18)" in msg
    full = "pg_dump: error: could not write to output file: No space left on device\n"
    assert "der er ikke plads på disken" in db._pg_dump_refusal(full, make_url(PG))
    data = 'pg_dump: error: query failed: ERROR:  invalid input "Jens Hansen 010190-1234"\n'
    msg = db._pg_dump_refusal(data, make_url(PG))  # whatever pg_dump quotes is never shown
    assert "Jens" not in msg and "010190" not in msg and "kør pg_dump selv" in msg


# ---------------------------------------------------------------- targets that would lose data

@pytest.mark.uses_sqlite
def test_a_backup_never_replaces_a_file_that_is_not_a_backup(sqlite_store, tmp_path, capsys):
    """Found by a hostile tester: `brugerblik backup noter.txt` replaced the document with the copy."""
    engine, _store = sqlite_store
    doc = tmp_path / "noter.txt"
    doc.write_text("mine noter")
    assert main(["--db", url_of(engine), "backup", str(doc)]) == 1
    assert "findes og er ikke en sikkerhedskopi" in capsys.readouterr().err
    assert doc.read_text() == "mine noter"
    # an earlier backup is replaced (a nightly backup to one name)
    first = db.backup(engine, tmp_path / "nat.db")
    assert db.backup(engine, first) == first and mode(first) == 0o600


@pytest.mark.uses_sqlite
def test_a_backup_onto_another_database_with_its_log_beside_it_is_refused(sqlite_store, tmp_path, capsys):
    """Found by a hostile tester: a backup onto another SQLite database that had a -wal beside it (in use,
    or killed) replaced that database, and the copy, when opened, was read with the other one's log:
    it showed the other database's table and none of the store's."""
    engine, _store = sqlite_store
    other = tmp_path / "andet.db"
    child = ("import os, signal, sqlite3, sys\n"
             "c = sqlite3.connect(sys.argv[1]); c.execute('pragma journal_mode=wal');"
             " c.execute('pragma wal_autocheckpoint=0')\n"
             "c.execute('create table andet(x)'); c.executemany('insert into andet values (?)',"
             " [(i,) for i in range(500)]); c.commit()\n"
             "os.kill(os.getpid(), signal.SIGKILL)\n")
    subprocess.run([sys.executable, "-c", child, str(other)], timeout=60)
    assert Path(f"{other}-wal").stat().st_size > 0
    assert main(["--db", url_of(engine), "backup", str(other)]) == 1
    assert "andet.db-wal" in capsys.readouterr().err
    con = sqlite3.connect(other)  # the other database is whole
    try:
        assert con.execute("SELECT count(*) FROM andet").fetchone() == (500,)
    finally:
        con.close()
    Path(f"{other}-wal").unlink(missing_ok=True)  # a -wal left where a backup is to go is refused too
    Path(f"{other}-shm").unlink(missing_ok=True)
    (tmp_path / "ny.db-wal").write_bytes(b"gammel log")
    with pytest.raises(db.BackupError, match="ny.db-wal"):
        db.backup(engine, tmp_path / "ny.db")
    assert not (tmp_path / "ny.db").exists()


@pytest.mark.uses_sqlite
def test_a_named_pipe_or_device_as_target_is_refused(sqlite_store, tmp_path, capsys):
    """Found by a hostile tester: a named pipe as target was replaced by a regular file with the data
    (as root, `brugerblik backup /dev/null` would replace the device the same way)."""
    engine, _store = sqlite_store
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert main(["--db", url_of(engine), "backup", str(fifo)]) == 1
    assert "ikke en almindelig fil" in capsys.readouterr().err
    assert Path(fifo).is_fifo() and {p.name for p in tmp_path.iterdir()} - {"felt"} == {"pipe"}


@pytest.mark.uses_sqlite
def test_a_link_as_target_is_written_where_it_points_and_a_long_name_works(sqlite_store, tmp_path):
    """A link is followed, as cp does (before, the link itself was replaced and the copy was not where it
    pointed); a target name of 250 characters worked only without SQLite's -journal beside the temporary."""
    engine, _store = sqlite_store
    nas = tmp_path / "nas"
    nas.mkdir()
    (tmp_path / "seneste.db").symlink_to(nas / "kopi.db")
    assert db.backup(engine, tmp_path / "seneste.db") == nas / "kopi.db"
    assert (tmp_path / "seneste.db").is_symlink() and mode(nas / "kopi.db") == 0o600
    long = tmp_path / ("k" * 247 + ".db")
    assert db.backup(engine, long) == long and mode(long) == 0o600
    assert not _temporaries(tmp_path) and not _temporaries(nas)


@pytest.fixture
def sqlite_store(engine, guide, tmp_path):
    """An SQLite store with data: the run's own store on SQLite, a new SQLite file in the PostgreSQL run."""
    from survey.db import make_engine

    own = None
    if engine.dialect.name != "sqlite":
        own = engine = make_engine(f"sqlite:///{tmp_path / 'felt' / 'store.db'}")
    field_work(engine, guide, n=2)
    yield engine, db.sqlite_path(url_of(engine))
    if own is not None:
        own.dispose()


# ---------------------------------------------------------------- the README's backup before an update

def test_the_readmes_backup_before_an_update_runs_as_written(engine, guide, tmp_path):
    """The README's «Før en opdatering» block, run as written: one backup in a folder only the owner
    can open, owner-only, a valid copy of the store."""
    import textwrap

    from tests.survey.test_reliability import _bin_with_brugerblik

    field_work(engine, guide, n=2)
    need_pg_dump(engine)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "**Før en opdatering**" in readme, "README.md siger ikke, at man tager en kopi før en opdatering"
    block = textwrap.dedent(readme.split("**Før en opdatering**", 1)[1].split("```sh", 1)[1].split("```", 1)[0])
    home = tmp_path / "hjem"
    home.mkdir()
    env = {**{k: v for k, v in os.environ.items() if k != "XDG_DATA_HOME"}, "HOME": str(home),
           "BRUGERBLIK_DB": url_of(engine), "PATH": _bin_with_brugerblik(tmp_path)}
    res = subprocess.run(["bash", "-euc", block], env=env, capture_output=True, text=True, timeout=180)
    assert res.returncode == 0, res.stderr
    folder = home / "brugerblik-kopier"
    made = list(folder.iterdir())
    assert len(made) == 1 and made[0].name.startswith("foer-opdatering-") and "Sikkerhedskopi skrevet" in res.stdout
    assert mode(folder) == 0o700 and mode(made[0]) == 0o600
    head = made[0].read_bytes()[:16]
    assert head == b"SQLite format 3\x00" if engine.dialect.name == "sqlite" else head[:5] == b"PGDMP"
