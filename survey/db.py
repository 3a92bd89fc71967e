"""Database engine: the one place that knows which database it is.

The URL comes from BRUGERBLIK_DB (any SQLAlchemy URL); the default is an SQLite file in the
user's data directory. SQLite is opened in WAL mode with foreign keys on, a busy timeout and
full fsync, so an answer acknowledged as saved survives a killed app. Nothing SQLite-specific
lives anywhere else: the same code runs on PostgreSQL.
"""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, create_engine

BUSY_TIMEOUT_MS = 30_000
# Modules that define tables; each is imported (when present) before the schema is created.
MODEL_MODULES = ("survey.models", "archetypes.coding", "coding.codebook", "coding.transcripts",
                 "coding.agreement", "coding.anonymise")
_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def default_url() -> str:
    from platformdirs import user_data_dir

    d = Path(user_data_dir("brugerblik", appauthor=False))
    d.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{d / 'brugerblik.db'}"


def database_url(url: str | None = None) -> str:
    return url or os.environ.get("BRUGERBLIK_DB") or default_url()


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA cache_size=-65536")  # 64 MiB page cache: bulk imports touch large indexes
    cur.close()


def make_engine(url: str | None = None) -> Engine:
    """A new engine for `url` (or BRUGERBLIK_DB / the default), with the schema created."""
    url = database_url(url)
    if url.startswith("sqlite"):
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            Path(url.removeprefix("sqlite:///")).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    register_models()
    SQLModel.metadata.create_all(engine)
    return engine


def register_models() -> None:
    """Import every module that defines tables so SQLModel.metadata knows them all."""
    import importlib
    import importlib.util

    for name in MODEL_MODULES:
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)


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
