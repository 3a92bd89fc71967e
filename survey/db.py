"""Database engine: the one place that knows which database it is.

The URL comes from BRUGERBLIK_DB (any SQLAlchemy URL); the default is an SQLite file in the
user's data directory. ``postgresql://`` URLs are served by psycopg 3.

* SQLite is opened in WAL mode with foreign keys on, a busy timeout and full fsync, so an
  answer acknowledged as saved survives a killed app.
* PostgreSQL sessions run with ``timezone=UTC``: the store's timestamps are UTC and are kept
  as ``timestamp without time zone`` on both databases.

Nothing SQLite- or PostgreSQL-specific lives anywhere else — but for `survey.plainread`, the report
commands' read of a local SQLite store without SQLAlchemy (issue 13): the same code runs on both.
Bulk inserts (:func:`bulk_insert`), the retry on a busy database (:func:`retrying`),
consistent backups (:func:`backup`) and the schema migrations (:func:`ensure_schema`) are
the dialect-aware services this module offers the rest of the code.

Schema and migrations (Alembic, ``survey/migrations``)
-----------------------------------------------------
Every engine made here brings its store to the newest schema before it is handed out:

* an empty store: ``alembic upgrade head`` (the first revision creates the tables);
* a store made before Alembic (tables, no ``alembic_version``; ``create_all`` made them):
  stamped at the initial revision — the initial revision only creates the tables that are
  missing, so a complete old store gets nothing but the stamp and an old store from before a
  module existed gets that module's tables, as ``create_all`` used to add them — and then
  upgraded to head;
* a versioned store: upgraded to head if it is behind (nothing to do, one query, if not);
* a store *newer* than this code (a revision we do not know): refused with a Danish message
  (:class:`SchemaError`) rather than written to with a schema we do not understand.

Schema changes from here on are Alembic revisions (``brugerblik db revision -m ...``
writes one from the models for a developer to review); ``create_all`` is no longer used.
"""
from __future__ import annotations

import functools
import logging
import os
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence, TypeVar

from sqlalchemy import MetaData, Table, event, inspect, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session, SQLModel, create_engine

from survey.errors import BackupError, SchemaError  # noqa: F401 — re-exported (the CLI catches them lightly)
from survey.files import private_store  # noqa: F401 — re-exported: the store's files are owner-only
from survey.plainread import default_url, revision_head  # default_url: the default store, also of the plain read
from survey import models  # noqa: F401 — every table of the store, registered with SQLModel.metadata

log = logging.getLogger(__name__)

# No respondent data in log output (issue 6): engines are made with hide_parameters=True, so a
# statement's values appear neither in SQLAlchemy's statement log (when someone turns the
# "sqlalchemy.engine" logger on) nor in the text of a database exception.

BUSY_TIMEOUT_MS = 30_000
# The module that defines every table of the store (one models module, imported above).
MODEL_MODULES = ("survey.models",)
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
INITIAL_REVISION = "0001_initial"
_engines: dict[str, Engine] = {}
_lock = threading.Lock()
T = TypeVar("T")




# ---------------------------------------------------------------- URLs and engines



def database_url(url: str | None = None) -> str:
    return url or os.environ.get("BRUGERBLIK_DB") or default_url()


def default_store_exists() -> bool:
    """Whether the default store (the SQLite file in the user's data directory) exists yet."""
    return sqlite_path(default_url()).exists()


def _driver_url(url: str):
    """The URL with a driver we ship: plain postgresql:// (and postgres://) means psycopg 3."""
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    return u


def is_sqlite(target: Engine | Connection | Session | str) -> bool:
    return dialect_name(target) == "sqlite"


def dialect_name(target: Engine | Connection | Session | str) -> str:
    if isinstance(target, str):
        return _driver_url(target).get_backend_name()
    if isinstance(target, Session):
        target = target.get_bind()
    return target.dialect.name


def engine_of(target: Engine | Connection | Session) -> Engine:
    """The engine of a session (or connection): a check that reads and records in its own sessions
    (`survey.guide_fit.require_fit`) called with a caller's session."""
    if isinstance(target, Session):
        target = target.get_bind()
    return target.engine


def sqlite_path(url: str) -> Path:
    """The file an SQLite URL opens, as SQLite itself resolves it (``sqlite:///:memory:`` and
    ``mode=memory`` have none: a ValueError). The URI form ``sqlite:///file:PATH?uri=true`` is the
    file PATH (``file:///abs`` too, percent-escapes decoded, no ``~``); the plain form expands
    ``~`` — `make_engine` opens exactly this path, so the login check and the store agree."""
    u = make_url(url)
    db = u.database
    if not db or db == ":memory:":
        raise ValueError("SQLite i hukommelsen har ingen fil.")
    if _sqlite_uri(u):
        if u.query.get("mode") == "memory":
            raise ValueError("SQLite i hukommelsen har ingen fil.")
        rest = db[len("file:"):] if db.startswith("file:") else db
        if rest.startswith("//"):
            parsed = urllib.parse.urlsplit("file:" + rest)
            if parsed.netloc not in ("", "localhost"):
                raise ValueError("SQLite-URI med en anden vært end localhost.")
            rest = parsed.path
        rest = urllib.parse.unquote(rest.split("?", 1)[0].split("#", 1)[0])
        if not rest or rest == ":memory:":
            raise ValueError("SQLite i hukommelsen har ingen fil.")
        return Path(rest)
    return Path(db).expanduser()


def _sqlite_uri(u) -> bool:
    """SQLite's driver reads the database name as a URI when the URL says ``uri=true``."""
    return str(u.query.get("uri", "")).lower() in ("true", "1", "yes", "on")


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA cache_size=-65536")  # 64 MiB page cache: bulk imports touch large indexes
    # deleted rows are overwritten with zeros, not left in the file's free space (GDPR art. 17: a
    # deleted respondent's text must not be readable with `strings`); SQLite's own default is off —
    # only some builds (Debian's) turn it on, so it is set here for every platform
    cur.execute("PRAGMA secure_delete=ON")
    cur.close()


def scrub_deleted(engine: Engine) -> bool:
    """After a deletion (`survey.privacy`): leave no copy of the deleted rows in the store's files.

    SQLite in WAL mode keeps every changed page's earlier image in ``-wal`` until the log is
    rewritten: after a respondent was deleted, their answers, quotes and transcripts could still be
    read there (``strings store.db-wal``) for as long as the app server keeps the store open. A
    ``wal_checkpoint(TRUNCATE)`` copies the newest pages into the database file (where
    ``secure_delete`` has zeroed the deleted rows) and empties the log. It waits for readers (the busy
    timeout); True when the log was emptied, False when a reader held it (logged: it is emptied at
    the next deletion or when the last connection closes). PostgreSQL: nothing to do here (its
    VACUUM reclaims dead rows; its WAL archives are the operator's)."""
    if engine.dialect.name != "sqlite":
        return True
    with engine.connect() as conn:
        busy, _log, _done = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
    if busy:
        log.warning("databasens log (-wal) kunne ikke tømmes efter sletningen: en anden forbindelse læste; "
                    "den tømmes ved næste sletning, eller når den sidste forbindelse lukkes")
    return not busy


def make_engine(url: str | None = None, *, migrate: bool = True) -> Engine:
    """A new engine for `url` (or BRUGERBLIK_DB / the default), its store at the newest schema.

    `migrate=False` hands out the engine as the store is (Alembic's own env uses that).
    """
    url = database_url(url)
    u = _driver_url(url)
    if u.get_backend_name() == "sqlite":
        try:
            path = sqlite_path(url)
        except ValueError:
            path = None
        if path is not None:
            private_store(path)
            if not _sqlite_uri(u):
                u = u.set(database=str(path))  # "~/x.db": the file sqlite_path names, not a folder called ~
        engine = create_engine(u, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
                               hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
    elif u.get_backend_name() == "postgresql":
        engine = create_engine(u, pool_pre_ping=True, pool_size=10, max_overflow=20, hide_parameters=True,
                               connect_args={"options": "-c timezone=UTC", "connect_timeout": 10})
    else:
        engine = create_engine(u, pool_pre_ping=True, hide_parameters=True)
    register_models()
    if migrate:
        try:
            ensure_schema(engine)
        except BaseException:
            engine.dispose()
            raise
    return engine


def register_models() -> None:
    """Every table is defined in `survey.models`, which this module imports: SQLModel.metadata
    knows them all once `survey.db` is imported (no module is loaded by name)."""
    return None


def model_tables() -> list[Table]:
    """The store's tables: those of the models in MODEL_MODULES, dependencies first.

    (SQLModel.metadata may hold other tables too, e.g. a test's stand-in model; those are not
    the store's schema and no migration creates them.)
    """
    register_models()
    names = {m.local_table.name for m in SQLModel._sa_registry.mappers
             if m.class_.__module__ in MODEL_MODULES and m.local_table is not None}
    return [t for t in SQLModel.metadata.sorted_tables if t.name in names]


def model_metadata() -> MetaData:
    """A MetaData with exactly the store's tables (Alembic's target; compared in the tests)."""
    md = MetaData()
    for t in model_tables():
        t.to_metadata(md)
    return md


def get_engine(url: str | None = None) -> Engine:
    """One shared engine per URL for this process."""
    url = database_url(url)
    with _lock:
        if url not in _engines:
            _engines[url] = make_engine(url)
        return _engines[url]


def dispose_all() -> None:
    with _lock:
        for e in _engines.values():
            e.dispose()
        _engines.clear()


def dispose_url(url: str) -> None:
    """Close the shared engine of `url`, if this process has one."""
    with _lock:
        e = _engines.pop(url, None)
    if e is not None:
        e.dispose()


# ---------------------------------------------------------------- transactions, retries

def is_transient(exc: BaseException) -> bool:
    """An error that goes away when the transaction is simply run again.

    SQLite: "database is locked"/"busy" (a writer held the lock longer than the busy timeout,
    or a read transaction could not be upgraded). PostgreSQL: serialization failure and
    deadlock detected (SQLSTATE 40001, 40P01).
    """
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    if isinstance(orig, sqlite3.OperationalError):
        msg = str(orig).lower()
        return "locked" in msg or "busy" in msg
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return code in ("40001", "40P01")


#: SQLite's SQLITE_READONLY (the primary result code: a read-only file, directory or medium, ``mode=ro``)
SQLITE_READONLY = 8
#: PostgreSQL's SQLSTATEs of a write refused to a reader: read_only_sql_transaction, insufficient_privilege
PG_READ_ONLY = ("25006", "42501")


def is_read_only(exc: BaseException) -> bool:
    """A write refused because the store cannot be written (`survey.errors.ReadOnlyStoreError`): SQLite's
    «attempt to write a readonly database» (a file of mode 0444, ``mode=ro``), PostgreSQL's read-only
    transaction or a user without the privilege."""
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    if isinstance(orig, sqlite3.Error):
        code = getattr(orig, "sqlite_errorcode", None)
        return (code is not None and code & 0xFF == SQLITE_READONLY) or "readonly" in str(orig).lower()
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return code in PG_READ_ONLY


def best_effort_write(fn: Callable[[], object]) -> bool:
    """Run `fn`, a write a read can do without (a record that only saves the next read work: the guide's
    fit, a login's time) and say whether it was written: on a store that cannot be written (`is_read_only`)
    nothing is, and False is returned; any other error is raised."""
    try:
        fn()
    except DBAPIError as e:
        if is_read_only(e):
            return False
        raise
    return True


def retrying(fn: Callable[[], T], *, attempts: int = 8, first_wait: float = 0.05, conflicts: bool = False) -> T:
    """Run `fn` (one whole transaction) and run it again when the database was busy.

    `conflicts=True`: a unique-constraint violation is retried too (twice at most) — two
    writers that both found a row missing and both inserted it; the rerun finds the row.
    """
    wait = first_wait
    integrity_left = 2 if conflicts else 0
    for attempt in range(attempts):
        try:
            return fn()
        except IntegrityError as e:
            if integrity_left == 0 or attempt == attempts - 1:
                raise
            integrity_left -= 1
            log.info("samtidig indsættelse (%s); forsøger igen", type(e.orig).__name__)
        except DBAPIError as e:
            if attempt == attempts - 1 or not is_transient(e):
                raise
            log.warning("databasen var optaget (%s); forsøger igen", type(e.orig).__name__)
            time.sleep(wait)
            wait = min(wait * 2, 2.0)
    raise AssertionError("unreachable")


def get_by_id(s: Session, model, raw):
    """The row of `model` whose integer id is `raw` (a number or its text), or None — also for
    anything that is not a number (an id from a form field or a URL)."""
    try:
        rid = int(raw)
    except (TypeError, ValueError):
        return None
    return s.get(model, rid)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with Session(engine, expire_on_commit=False) as s:
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise


@contextmanager
def consistent_session(engine: Engine, *, write: bool = False) -> Iterator[Session]:
    """One unit of work whose reads all see one moment of the store.

    For work that reads a lot and must not mix two moments (an export) or must not act on
    what it read after someone else changed it (a merge, `write=True`).
    SQLite: ``BEGIN`` (a read snapshot) or ``BEGIN IMMEDIATE`` (the write lock from the start:
    other writers wait, readers go on). PostgreSQL: REPEATABLE READ — one snapshot; a row
    changed by someone else meanwhile cannot be written (serialization failure, which
    :func:`retrying` runs again from the start).
    """
    with session_scope(engine) as s:
        if engine.dialect.name == "sqlite":
            s.connection().exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
        elif engine.dialect.name == "postgresql":
            s.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        yield s


@contextmanager
def exclusive_session(engine: Engine, lock_key: int) -> Iterator[Session]:
    """One unit of work that runs one writer at a time across processes, for check-then-act work
    (load the seed codebook once). SQLite: the write lock from the start (``BEGIN IMMEDIATE``);
    PostgreSQL: a transaction-level advisory lock on `lock_key`, then the reads see what the other
    writer committed; other databases: an ordinary transaction (a unique clash is then retried by
    :func:`retrying`)."""
    if engine.dialect.name == "sqlite":
        with consistent_session(engine, write=True) as s:
            yield s
        return
    with session_scope(engine) as s:
        if engine.dialect.name == "postgresql":
            s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": int(lock_key)})
        yield s


# ---------------------------------------------------------------- bulk insert

def bulk_insert(conn: Connection, table: Table, keys: Sequence[str], rows: Iterable[tuple],
                const: dict[str, Any] | None = None) -> None:
    """Insert many rows (tuples in `keys` order) plus constant columns `const`, fast.

    SQLite: straight to the driver with the constants converted once (SQLAlchemy's per-row
    parameter processing was half an import). Other databases: SQLAlchemy's executemany
    ("insertmanyvalues": multi-row INSERTs), which is fast there already.
    """
    const = const or {}
    rows = list(rows)
    if not rows:
        return
    all_keys = list(keys) + list(const)
    if conn.dialect.name != "sqlite":
        conn.execute(table.insert(), [dict(zip(keys, r), **const) for r in rows])
        return
    # a column with a Python-side scalar default (e.g. answer.version) is part of the compiled
    # INSERT even when not given: pass its default as a constant, so the row stays a tuple
    for col in table.columns:
        if col.key not in all_keys and col.default is not None and getattr(col.default, "is_scalar", False):
            const = {**const, col.key: col.default.arg}
            all_keys.append(col.key)
    compiled = table.insert().compile(dialect=conn.dialect, column_keys=all_keys)
    consts = []
    for k, v in const.items():
        proc = table.c[k].type._cached_bind_processor(conn.dialect)
        consts.append(proc(v) if proc and v is not None else v)
    consts_t = tuple(consts)
    if compiled.positional and tuple(compiled.positiontup) == tuple(all_keys):
        params: list = [tuple(r) + consts_t for r in rows]
    elif compiled.positional and sorted(compiled.positiontup) == sorted(all_keys):  # same columns, other order
        order = [all_keys.index(k) for k in compiled.positiontup]
        params = [tuple((tuple(r) + consts_t)[i] for i in order) for r in rows]
    else:
        params = [dict(zip(all_keys, tuple(r) + consts_t)) for r in rows]
    conn.exec_driver_sql(str(compiled), params)


# ---------------------------------------------------------------- migrations

def alembic_config(engine: Engine | None = None, connection: Connection | None = None):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("version_path_separator", "os")
    if engine is not None:
        cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


@functools.lru_cache(maxsize=1)
def _script():
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    return _script().get_current_head()


def known_revisions() -> set[str]:
    return {r.revision for r in _script().walk_revisions()}


def current_revision(target: Engine | Connection) -> str | None:
    """The store's Alembic revision; None for an empty or pre-Alembic store."""
    if isinstance(target, Engine):
        with target.connect() as c:
            return current_revision(c)
    if not inspect(target).has_table("alembic_version"):
        return None
    return target.execute(text("SELECT version_num FROM alembic_version")).scalar()


@functools.lru_cache(maxsize=1)
def script_head() -> str | None:
    """The newest revision in survey/migrations/versions, without loading Alembic
    (`survey.plainread.revision_head`; start-up time). `schema_state` trusts it only to say "current"."""
    return revision_head(MIGRATIONS_DIR / "versions")


def schema_state(conn: Connection) -> str:
    """'empty', 'pre-alembic' (tables, no alembic_version), 'current', 'behind' or 'ahead'.

    A store at `script_head` is "current" after one look at alembic_version, without Alembic;
    anything else is decided by Alembic's own view of the revisions."""
    if not inspect(conn).has_table("alembic_version"):
        return "pre-alembic" if inspect(conn).get_table_names() else "empty"
    rev = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    if rev is not None and rev == script_head():
        return "current"
    if rev == head_revision():
        return "current"
    if rev is not None and rev not in known_revisions():
        return "ahead"
    return "behind"


@contextmanager
def _migration_connection(engine: Engine) -> Iterator[Connection]:
    """A connection in one transaction fit for schema changes, one migrator at a time.

    PostgreSQL: DDL is transactional; a transaction-level advisory lock serialises migrators.
    SQLite: BEGIN IMMEDIATE takes the write lock first (the busy timeout queues the others)
    and keeps the whole migration in one transaction; foreign keys are off meanwhile (DROP
    TABLE while rebuilding a referenced table would otherwise cascade-delete the rows that
    refer to it) and are checked before the commit: a key the migration broke refuses it (rolled
    back); keys the store had broken before stay as they were (logged), so an old store with one
    orphan row is not locked out of every upgrade.
    """
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
        try:
            with conn.begin():
                had: Counter = Counter()
                if sqlite:
                    conn.exec_driver_sql("BEGIN IMMEDIATE")
                    had = _broken_keys(conn)
                    if had:  # the store's own (a hand edit, a damaged copy): not the upgrade's to refuse
                        log.warning("databasen har %d brudte fremmednøgler fra før opgraderingen (%s); de bliver, "
                                    "som de er", sum(had.values()), ", ".join(sorted({t for t, _p in had})))
                elif conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(7417301)"))
                yield conn
                if sqlite:
                    new = _broken_keys(conn) - had
                    if new:
                        raise SchemaError(f"Opgraderingen ville efterlade {sum(new.values())} brudte fremmednøgler; "
                                          "intet er ændret.")
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()


def _broken_keys(conn: Connection) -> Counter:
    """SQLite: how many rows of each (table, parent table) refer to a row that is not there."""
    return Counter((row[0], row[2]) for row in conn.exec_driver_sql("PRAGMA foreign_key_check"))


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """Bring the store to `revision` following the policy in the module docstring.

    Returns (revision before, revision after). Safe when several processes open a new store
    at the same moment: they migrate one after the other, and the later ones find it done.
    """
    from alembic import command

    with _migration_connection(engine) as conn:
        before = current_revision(conn)
        state = schema_state(conn)
        if state == "ahead":
            raise SchemaError(_ahead_message(before))
        cfg = alembic_config(connection=conn)
        if state == "pre-alembic":
            log.info("database uden skemaversion: stemples med %s", INITIAL_REVISION)
            command.upgrade(cfg, INITIAL_REVISION)  # creates only the missing initial tables: a stamp
        if not (state == "current" and revision == "head"):
            command.upgrade(cfg, revision)
        after = current_revision(conn)
    return before, after


def _ahead_message(rev: str | None) -> str:
    return (f"Databasen har skemaversion {rev}, som denne udgave af Brugerblik ikke kender. "
            "Opdatér Brugerblik, før databasen bruges.")


def ensure_schema(engine: Engine) -> None:
    """Upgrade the store to head unless it is there already (one query when it is)."""
    with engine.connect() as conn:
        state = schema_state(conn)
    if state == "current":
        return
    if state == "ahead":
        raise SchemaError(_ahead_message(current_revision(engine)))
    upgrade(engine, "head")


def new_revision(message: str, *, autogenerate: bool = True, url: str | None = None) -> str:
    """Write a new revision file (developers): autogenerated from the models against a store at head."""
    from alembic import command

    if url is None:
        tmp = tempfile.mkdtemp(prefix="brugerblik-rev-")
        url = f"sqlite:///{tmp}/rev.db"
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            script = command.revision(alembic_config(connection=conn), message=message, autogenerate=autogenerate)
        _script.cache_clear()
        script_head.cache_clear()
        return script.path if script is not None else ""
    finally:
        engine.dispose()


# ---------------------------------------------------------------- integrity and backup

def integrity_ok(engine: Engine) -> tuple[bool, str]:
    """SQLite: PRAGMA integrity_check. PostgreSQL (and others): the connection works."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            res = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check").fetchall()]
            return res == ["ok"], "; ".join(res)
        conn.execute(text("SELECT 1"))
        return True, "ok"


def backup(engine: Engine, dest: str | os.PathLike) -> Path:
    """A consistent copy of the store in `dest`, taken while the app keeps writing; returns its path.

    SQLite: the sqlite3 online backup API into a new SQLite file (one step: a consistent
    snapshot; WAL lets the writers go on meanwhile), checked with integrity_check.
    PostgreSQL: ``pg_dump --format=custom`` (one snapshot transaction), connected with every
    option of the store's URL (`pg_dump_command`); restore with ``pg_restore --dbname=NEWDB FILE``.

    Written like every file the tool writes (`survey.files.write_atomic`): into a private
    temporary folder beside `dest`, then renamed into place, owner-only (0600); a half-written
    backup never carries the real name, and the leftovers of a backup that was killed are removed by
    the next one. A `dest` that is a symbolic link is written where the link points. A missing
    folder or a `dest` that is a folder is refused (`survey.files.FileWriteError`); with a
    BackupError, and nothing changed: a `dest` that is the live store itself — the same path, a
    symbolic or hard link to it, or its ``-wal``, ``-shm`` or ``-journal`` file —, an existing
    `dest` that is not a backup of this kind (a document is never replaced by a backup), and on
    SQLite a `dest` with a ``-wal`` or ``-journal`` file beside it (that database's log would be
    read into the copy).
    """
    from survey import files  # only when used (start-up time)

    dest = Path(os.path.realpath(files.check_target(dest)))
    files.check_target(dest)  # where a link points: its folder must exist too
    live = _live_files(engine)
    if _is_live(dest, live):
        raise BackupError(f"{dest} er selve databasen, som sikkerhedskopien tages af (samme fil, en genvej eller "
                          "et hårdt link til den, eller dens -wal-, -shm- eller -journal-fil). Vælg en anden fil; "
                          "intet er ændret.")
    backup_into = {"sqlite": _backup_sqlite, "postgresql": _backup_postgres}.get(engine.dialect.name)
    if backup_into is None:
        raise BackupError(f"Sikkerhedskopi af {engine.dialect.name}-databaser understøttes ikke.")
    _refuse_to_replace(dest, engine.dialect.name)
    return files.write_atomic(dest, lambda tmp: backup_into(engine, tmp), by_name=True)


#: The first bytes of a backup of each kind: an SQLite file, a pg_dump custom-format archive.
_BACKUP_MAGIC = {"sqlite": b"SQLite format 3\x00", "postgresql": b"PGDMP"}


def _refuse_to_replace(dest: Path, dialect: str) -> None:
    """BackupError when writing `dest` would lose data (found by a hostile tester): an existing file
    that is not a backup of this kind, or — SQLite — a ``-wal``/``-journal`` beside `dest`, which
    SQLite would read into the new copy when it is opened (the copy then showed the other database's
    tables, and that database lost its last changes)."""
    if dialect == "sqlite":
        for end in ("-wal", "-journal"):
            side = dest.with_name(dest.name + end)
            if os.path.lexists(side):
                raise BackupError(f"Ved siden af {dest} ligger {side.name}, en SQLite-databases log: en kopi her ville "
                                  "blive læst sammen med den log og være ubrugelig, og den database, loggen hører til, "
                                  "ville miste sine sidste ændringer. Vælg et andet filnavn, eller flyt begge filer væk "
                                  "først. Intet er ændret.")
    try:
        with open(dest, "rb") as f:
            head = f.read(16)
    except FileNotFoundError:
        return
    except OSError as e:
        raise BackupError(f"{dest} findes, men kan ikke læses, så den overskrives ikke. Intet er ændret.") from e
    if head and not head.startswith(_BACKUP_MAGIC[dialect]):
        kind = "en SQLite-database" if dialect == "sqlite" else "en pg_dump-fil"
        raise BackupError(f"{dest} findes og er ikke en sikkerhedskopi ({kind}), så den overskrives ikke. Vælg et nyt "
                          "filnavn, eller flyt filen væk først. Intet er ændret.")


_LIVE_SUFFIXES = ("", "-wal", "-shm", "-journal")


def _live_files(engine: Engine) -> list[Path]:
    """The files an SQLite store is made of, as SQLite itself opened them (``PRAGMA database_list``,
    so every URL form agrees): the database and its -wal, -shm and -journal files. [] otherwise."""
    if engine.dialect.name != "sqlite":
        return []
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("PRAGMA database_list").fetchall()
    out: list[Path] = []
    for _seq, _name, file in rows:
        if file:
            out += [Path(file + suffix) for suffix in _LIVE_SUFFIXES]
    return out


def _is_live(dest: Path, live: Sequence[Path]) -> bool:
    """Whether writing `dest` would write one of the store's own files: the same path once links
    are resolved (also for a -wal that does not exist yet), or the same file (st_dev/st_ino: a
    hard link)."""
    real = os.path.realpath(dest)
    for f in live:
        if os.path.realpath(f) == real:
            return True
        try:
            if os.path.samefile(dest, f):
                return True
        except OSError:  # one of them does not exist: not the same file
            pass
    return False


def _backup_sqlite(engine: Engine, tmp: Path) -> None:
    """The online backup into the new file `tmp` (a private folder of `survey.files.write_atomic`)."""
    raw = engine.raw_connection()
    try:
        src = raw.driver_connection
        try:
            os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))  # owner-only from the start
            dst = sqlite3.connect(str(tmp))
            try:
                src.backup(dst)  # all pages in one step: one consistent snapshot
                dst.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
                ok = dst.execute("PRAGMA integrity_check").fetchall()
                if [r[0] for r in ok] != ["ok"]:
                    raise BackupError("Sikkerhedskopien bestod ikke integritetstjekket: "
                                      + "; ".join(r[0] for r in ok))
                dst.commit()
            finally:
                dst.close()
        except sqlite3.Error as e:  # a full disk, a write error: in Danish, not a traceback (the temp is removed)
            raise BackupError(_backup_failed(getattr(e, "sqlite_errorname", "") or str(e))) from e
    finally:
        raw.close()


def _backup_failed(detail: str) -> str:
    """The Danish message of a backup that could not be written (a full disk, a write error)."""
    d = detail.lower()
    if "full" in d or "no space" in d:
        why = "der er ikke plads på disken"
    elif "ioerr" in d or "i/o" in d or "too large" in d or "readonly" in d or "read-only" in d or "cantopen" in d:
        why = "der kunne ikke skrives til disken (er den fuld eller skrivebeskyttet?)"
    else:
        why = f"fejl under kopieringen ({detail})"
    return f"Sikkerhedskopien kunne ikke skrives: {why}. Intet er skrevet, og databasen er uændret."


def pg_env_args(url) -> tuple[dict[str, str], list[str]]:
    """Environment and arguments for the PostgreSQL client programs (password via PGPASSWORD)."""
    u = make_url(url) if isinstance(url, str) else url
    env = {**os.environ}
    args = []
    if u.host:
        args += ["--host", u.host]
    if u.port:
        args += ["--port", str(u.port)]
    if u.username:
        args += ["--username", u.username]
    if u.password is not None:
        env["PGPASSWORD"] = str(u.password)
    env.setdefault("PGCONNECT_TIMEOUT", "10")
    return env, args


def pg_program(name: str) -> str:
    """A PostgreSQL client program, newest installed first (Debian keeps them per version)."""
    cands = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                   key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0, reverse=True)
    for c in cands:
        if os.access(c, os.X_OK):
            return str(c)
    found = shutil.which(name)
    if found:
        return found
    raise BackupError(f"Programmet {name} findes ikke. Installér PostgreSQL-klienten (Debian: apt-get install "
                      "postgresql-client).")


#: Query options of a store's URL that are psycopg's own, not a connection's (libpq does not know them).
_PSYCOPG_ONLY = frozenset({"autocommit", "prepare_threshold"})


@functools.lru_cache(maxsize=1)
def _libpq_options() -> frozenset[str]:
    """The connection options libpq knows (those of the libpq the store itself connects with)."""
    from psycopg import pq

    return frozenset(d.keyword.decode() for d in pq.Conninfo.get_defaults())


def _conninfo_value(v: str) -> str:
    return "'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'"


def pg_dump_command(url, file: str | os.PathLike) -> tuple[list[str], dict[str, str]]:
    """The pg_dump command line and environment for a backup of the store at `url` into `file`.

    Every option of the URL (``?sslmode=require&sslrootcert=…&options=…&connect_timeout=…``) is
    passed on as a libpq connection string (``--dbname='host=… sslmode=…'``), so pg_dump connects
    as securely as the store does (found by a tester: only host, port, user and database were
    passed, and a store that required TLS was backed up over a plain connection). The password
    goes in PGPASSWORD, never on the command line (which other users of the machine can read).
    An option libpq does not know is refused (BackupError)."""
    u = make_url(url) if isinstance(url, str) else url
    env = {**os.environ}
    env.setdefault("PGCONNECT_TIMEOUT", "10")
    parts = {"host": u.host, "port": str(u.port) if u.port else None, "user": u.username, "dbname": u.database}
    for key, value in u.query.items():
        if key in _PSYCOPG_ONLY:
            continue
        if key not in _libpq_options():
            raise BackupError(f"Databasens adresse har indstillingen «{key}», som PostgreSQL-klienten (libpq) ikke "
                              "kender; sikkerhedskopien tages ikke. Ret adressen (BRUGERBLIK_DB). Intet er skrevet.")
        parts[key] = ",".join(value) if isinstance(value, (tuple, list)) else str(value)
    password = parts.pop("password", None) if u.password is None else str(u.password)
    if password is not None:
        env["PGPASSWORD"] = password
    conninfo = " ".join(f"{k}={_conninfo_value(v)}" for k, v in parts.items() if v)
    cmd = [pg_program("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={file}",
           f"--dbname={conninfo}"]
    return cmd, env


def _backup_postgres(engine: Engine, tmp: Path) -> None:
    """pg_dump into the new file `tmp` (a private folder of `survey.files.write_atomic`), owner-only
    from the start (umask 077). pg_dump's own words are never shown or logged as they are: they can
    quote the server's messages (`_pg_dump_refusal`)."""
    cmd, env = pg_dump_command(engine.url, tmp)
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, errors="replace", umask=0o077)
    if res.returncode != 0:
        if res.returncode == -getattr(signal, "SIGXFSZ", 0):  # the file size limit (ulimit -f) was reached
            raise BackupError(_backup_failed("file too large"))
        raise BackupError(_pg_dump_refusal(res.stderr, engine.url))


def _pg_dump_refusal(stderr: str, url) -> str:
    """pg_dump's failure as a Danish refusal that names what failed — the server, the user, the
    table, the option — never the password, the URL or text pg_dump quoted from the data."""
    import re

    u = make_url(url) if isinstance(url, str) else url
    where = f"{u.host or 'den lokale server'}" + (f":{u.port}" if u.port else "")
    user = u.username or "(standardbrugeren)"

    def found(pattern: str):
        return re.search(pattern, stderr, re.IGNORECASE | re.MULTILINE)

    if found(r"could not write|could not open output|could not close output|no space left"):
        return _backup_failed("no space" if found(r"no space left") else "i/o")
    if m := found(r'invalid connection option "([^"]*)"|invalid URI query parameter: "([^"]*)"'):
        why = (f"PostgreSQL-klienten, som pg_dump bruger, kender ikke indstillingen «{m.group(1) or m.group(2)}» i "
               "databasens adresse (en nyere klient gør måske)")
    elif found(r"server version mismatch"):
        v = found(r"server version: ([0-9.]+)[^;\n]*; pg_dump version: ([0-9.]+)")
        why = ("pg_dump er ældre end PostgreSQL-serveren"
               + (f" (serveren: {v.group(1)}, pg_dump: {v.group(2)})" if v else "")
               + "; installér PostgreSQL-klienten i serverens version")
    elif found(r"does not support SSL, but SSL was required"):
        why = (f"serveren {where} tilbyder ikke krypteret forbindelse (SSL), men databasens adresse kræver den "
               "(sslmode)")
    elif found(r"certificate|\bSSL\b|\bTLS\b"):
        why = f"den krypterede forbindelse (SSL) til {where} kunne ikke oprettes eller godkendes (se sslmode og sslrootcert)"
    elif found(r"password authentication failed|authentication failed|no password supplied|password is required"):
        why = f"serveren {where} afviste brugeren {user} (forkert adgangskode, eller brugeren må ikke logge ind)"
    elif m := found(r"permission denied for (table|schema|sequence|relation|database|large object|function)"
                    r" ([^\s]+)"):
        kinds = {"table": "tabellen", "schema": "skemaet", "sequence": "sekvensen", "relation": "tabellen",
                 "database": "databasen", "large object": "et stort objekt", "function": "funktionen"}
        why = (f"brugeren {user} må ikke læse {kinds[m.group(1).lower()]} {m.group(2)} (adgang nægtet); en "
               "sikkerhedskopi kræver læseadgang til hele databasen")
    else:
        # the rest, first match wins: (what pg_dump or libpq says, what the refusal says)
        plain = [
            (r"permission denied", f"brugeren {user} har ikke adgang til alt i databasen (adgang nægtet)"),
            (r'database "[^"]*" does not exist', f"databasen {u.database} findes ikke på serveren {where}"),
            (r"role \"[^\"]*\" does not exist", f"brugeren {user} findes ikke på serveren {where}"),
            (r"could not translate host name|Name or service not known",
             f"værtsnavnet {u.host} kunne ikke slås op (er navnet rigtigt, og er der netværk?)"),
            (r"Connection refused|No such file or directory\s*\n\s*Is the server running",
             f"PostgreSQL-serveren på {where} svarer ikke (forbindelsen blev afvist; kører serveren, og er vært og "
             "port rigtige?)"),
            (r"timeout expired|timed out", f"PostgreSQL-serveren på {where} svarede ikke i tide"),
            (r"could not connect|connection to server",
             f"der kunne ikke oprettes forbindelse til PostgreSQL-serveren på {where}"),
            (r"out of memory", "pg_dump løb tør for hukommelse"),
        ]
        why = next((text for pattern, text in plain if found(pattern)),
                   "pg_dump fejlede af en grund, Brugerblik ikke kender (kør pg_dump selv for at se den)")
    return f"Sikkerhedskopien kunne ikke tages: {why}. Intet er skrevet, og databasen er uændret."


def fetch_columns(conn, table: str, columns: tuple[str, ...]) -> list[tuple]:
    """Every row of `columns` of `table` as plain tuples, read through the DBAPI cursor of the
    connection's own transaction (the same on SQLite and PostgreSQL: plain SELECT, no parameters).

    For the store's bulk reads (`survey.store.load_wide`): SQLAlchemy's result rows cost about
    half the time of reading 700,000 answers; the driver's own tuples don't. Table and column
    names come from the models, never from input.
    """
    cols = ", ".join(columns)
    cur = conn.connection.dbapi_connection.cursor()
    try:
        cur.execute(f"SELECT {cols} FROM {table}")
        return cur.fetchall()
    finally:
        cur.close()
