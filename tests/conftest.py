"""Shared fixtures. Which database the tests run on is chosen here, in one place.

Without BRUGERBLIK_TEST_DB every store is a new SQLite file. With
``BRUGERBLIK_TEST_DB=postgresql+psycopg://user:pw@host:port/db`` (``make test`` sets it for its
second run through ``tools/pg-test.sh``) every store is a new database on that PostgreSQL
server, dropped after the test; the server must answer or the run stops with an error — it
is never skipped.

Fixtures: ``db_url`` (a new store's URL: newest schema, no data), ``new_db_url`` (call it for
more; ``new_db_url(empty=True)`` for one without tables), ``engine`` (an engine on ``db_url``),
``db_factory`` (session scope, for module-scoped stores). Tests that need a store use these,
never a ``sqlite:///`` URL of their own: in the PostgreSQL run a test that opens an SQLite
store fails, so no test can quietly stay on one database. A test that needs SQLite on
purpose (e.g. a laptop's SQLite file merged into the central store) is marked
``@pytest.mark.uses_sqlite``.

The PostgreSQL run leaves out what the SQLite run has covered already and the server adds nothing to:
the tests that open no store (no ``db_factory`` among their fixtures, directly or through another
fixture: they cannot reach the server), and the browser tests (tests/browser: what they check is the page
in Chromium — layout, focus, reloads; the services and routes under them run on PostgreSQL in tests/app,
tests/survey and the HTTP tests), except those marked ``@pytest.mark.browser_on_pg`` (an interview's
answers through a killed server and a reload, read back from the store; a read-only store in the browser).
``BRUGERBLIK_PG_ALL=1`` runs every test there.
"""
from __future__ import annotations

import atexit
import itertools
import os
import shutil
import socket
import sqlite3
import tempfile
import threading
import uuid
from pathlib import Path

import pytest

# the compiled-guide cache of this test run (survey.guide): a private folder, never the user's
# ~/.cache/brugerblik (CLI subprocesses inherit it); a test of the cache sets its own
if "BRUGERBLIK_CACHE" not in os.environ:
    os.environ["BRUGERBLIK_CACHE"] = tempfile.mkdtemp(prefix="brugerblik-test-cache-")
    atexit.register(shutil.rmtree, os.environ["BRUGERBLIK_CACHE"], True)

from sqlalchemy import event  # noqa: E402
from sqlalchemy.engine import make_url
from sqlalchemy.pool import Pool

from survey.db import dispose_url, make_engine
from survey.guide import load_guide

TEST_DB = os.environ.get("BRUGERBLIK_TEST_DB") or None


def pytest_configure(config):
    config.addinivalue_line("markers", "uses_sqlite: opens an SQLite store on purpose, also in the PostgreSQL run")
    config.addinivalue_line("markers", "browser_on_pg: a browser test that runs in the PostgreSQL run too")


#: what the PostgreSQL run left out, by reason (set in pytest_collection_modifyitems)
_left_out = {"store_free": 0, "browser": 0}
BROWSER_TESTS = Path(__file__).resolve().parent / "browser"


def pytest_collection_modifyitems(config, items):
    """PostgreSQL run: the tests that can open a store on the server (db_factory in their fixture closure), browser
    tests only when marked browser_on_pg (the module docstring says why)."""
    if not TEST_DB or os.environ.get("BRUGERBLIK_PG_ALL") == "1":
        return
    keep, left = [], []
    for item in items:
        if "db_factory" not in getattr(item, "fixturenames", ()):
            _left_out["store_free"] += 1
        elif BROWSER_TESTS in Path(str(item.path)).parents and item.get_closest_marker("browser_on_pg") is None:
            _left_out["browser"] += 1
        else:
            keep.append(item)
            continue
        left.append(item)
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = keep


def pytest_terminal_summary(terminalreporter):
    if any(_left_out.values()):
        terminalreporter.write_line(
            f"PostgreSQL-kørslen: {_left_out['store_free']} tests åbner ingen database og "
            f"{_left_out['browser']} browsertests er ikke mærket browser_on_pg; de kørte kun i SQLite-kørslen "
            "(BRUGERBLIK_PG_ALL=1 kører dem også her)")


def free_port() -> int:
    """A loopback port that is free now (the kernel's choice)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pytest_report_header(config):
    if TEST_DB:
        u = make_url(TEST_DB)
        return f"database: PostgreSQL {u.host}:{u.port} (BRUGERBLIK_TEST_DB; a new database per test)"
    return "database: SQLite (a new file per test); set BRUGERBLIK_TEST_DB for PostgreSQL"


class DatabaseFactory:
    """New stores: SQLite files, or databases on the BRUGERBLIK_TEST_DB server.

    `new()` hands out a store already at the newest schema, copied from a template made once
    per session (a copy is much faster than running the migrations for every test; the
    migrations themselves are tested on empty stores). `new(empty=True)`: a store with no
    tables at all.
    """

    def __init__(self, tmp_path_factory):
        self._tmp = tmp_path_factory
        self._n = itertools.count(1)
        self._admin = None
        self._template: str | None = None
        self._lock = threading.Lock()
        if TEST_DB:
            from sqlalchemy import create_engine, text
            from sqlalchemy.pool import NullPool

            self._admin = create_engine(make_url(TEST_DB).set(drivername="postgresql+psycopg"),
                                        isolation_level="AUTOCOMMIT", poolclass=NullPool)
            try:
                with self._admin.connect() as c:
                    c.execute(text("SELECT 1"))
            except Exception as e:  # noqa: BLE001
                pytest.exit(f"BRUGERBLIK_TEST_DB er sat, men PostgreSQL svarer ikke: {type(e).__name__}: {e}",
                            returncode=3)

    def _empty(self, tag: str = "t") -> str:
        if self._admin is None:
            return f"sqlite:///{self._tmp.mktemp('db') / 'store.db'}"
        from sqlalchemy import text

        name = f"{tag}_{os.getpid()}_{next(self._n)}_{uuid.uuid4().hex[:8]}"
        with self._admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{self._template_name}"'
                                                          if tag == "t" and self._template else "")))
        return make_url(TEST_DB).set(database=name).render_as_string(hide_password=False)

    def _ensure_template(self) -> None:
        with self._lock:
            if self._template is not None:
                return
            url = self._empty("tmpl")
            make_engine(url).dispose()  # migrated to head, no connection left open
            self._template = url
            self._template_name = make_url(url).database

    def new(self, *, empty: bool = False) -> str:
        if empty:
            return self._empty("e")
        self._ensure_template()
        if self._admin is None:
            src = sqlite_file(self._template)
            dst = self._tmp.mktemp("db") / "store.db"
            shutil.copyfile(src, dst)
            return f"sqlite:///{dst}"
        return self._empty("t")

    def drop(self, url: str) -> None:
        dispose_url(url)
        if self._admin is None:
            return
        from sqlalchemy import text

        name = make_url(url).database
        with self._admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def close(self) -> None:
        if self._template is not None:
            self.drop(self._template)


def sqlite_file(url: str):
    from survey.db import sqlite_path

    p = sqlite_path(url)
    assert not p.with_name(p.name + "-wal").exists() or p.with_name(p.name + "-wal").stat().st_size == 0
    return p


@pytest.fixture(scope="session")
def db_factory(tmp_path_factory):
    f = DatabaseFactory(tmp_path_factory)
    made: list[str] = []
    orig = f.new

    def new(*, empty: bool = False) -> str:
        url = orig(empty=empty)
        made.append(url)
        return url

    f.new = new
    yield f
    for url in made:
        f.drop(url)
    f.close()


@pytest.fixture
def new_db_url(db_factory):
    """Call for a new store's URL (at the newest schema, no data; ``empty=True``: no tables
    either); every store made is dropped after the test."""
    made: list[str] = []

    def new(*, empty: bool = False) -> str:
        url = db_factory.new(empty=empty)
        made.append(url)
        return url

    yield new
    for url in made:
        db_factory.drop(url)


@pytest.fixture
def db_url(new_db_url) -> str:
    return new_db_url()


@pytest.fixture(scope="session")
def guide():
    return load_guide()


@pytest.fixture
def engine(db_url):
    e = make_engine(db_url)
    yield e
    e.dispose()


_sqlite_seen: list[str] = []


@event.listens_for(Pool, "connect")
def _note_sqlite(dbapi_conn, _record):
    if TEST_DB and isinstance(dbapi_conn, sqlite3.Connection):
        _sqlite_seen.append("sqlite")


@pytest.fixture(autouse=True)
def _every_store_on_the_test_database(request):
    """PostgreSQL run: a test that opened an SQLite store (not marked uses_sqlite) fails.

    Connections made by a module- or session-scoped fixture count for the first test using it."""
    yield
    seen = bool(_sqlite_seen)
    _sqlite_seen.clear()
    if TEST_DB and seen and request.node.get_closest_marker("uses_sqlite") is None:
        pytest.fail("Testen åbnede en SQLite-database i PostgreSQL-kørslen: brug fixturen db_url/new_db_url/engine "
                    "(eller mærk testen @pytest.mark.uses_sqlite, hvis SQLite er meningen).", pytrace=False)


# --------------------------------------------------------------------------- the project's binding texts

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"      # the specs and the report, beside the project (not shipped with it)
COPIES = Path(__file__).resolve().parent / "data"


def shared_or_copy(rel: str, copy: str) -> Path:
    """The shared spec/report file when the project sits beside it, else the copy (or excerpt) kept
    in tests/data — so the checks against the spec run on any clone. test_shared_copies.py checks
    that the copies still agree with the originals where both exist."""
    original = SHARED / rel
    return original if original.exists() else COPIES / copy
