"""The store read without SQLAlchemy: the wide frame built from plain rows, and a read-only look at
a local SQLite store for the report commands (issue 13: start-up time).

Why a second way to read the store: ``brugerblik table 4.2`` is import-bound. SQLAlchemy, SQLModel,
pydantic and the store's 24 table classes cost about as much to import as pandas itself, so no
command that loads them can come within 1.5× of ``python -c "import pandas"`` (docs/benchmarks.md).
The users' report tables need three reads — the interviews with their sites, every answer and the
number of drafts — and this module does exactly those with the standard library's ``sqlite3``.

* `wide_from_rows(meta, answers, guide)` — the wide frame from the interview rows and the answer
  rows. The one builder: `survey.store.load_wide` (SQLAlchemy, SQLite and PostgreSQL) uses it too.
* `open_report_store(url)` — a `ReportStore` on a local SQLite store, or None whenever anything
  but this plain read is needed, and the caller takes the full path (`survey.db`, `survey.auth`):
  not a plain ``sqlite:///PATH`` URL, no file yet, a schema that is not the newest (the full path
  migrates or refuses), a store with users (a login: `survey.auth`), a study whose end date has
  passed (the administrator's reminder: `survey.privacy.retention_reminder`), or any SQLite error.
* `ReportStore.wide(guide, drafts)` and `ReportStore.count_drafts()` — the same rows and numbers as
  `survey.store.load_wide` and `survey.store.count_drafts` (`PlainReadError` if the read fails: the
  caller then takes the full path): the status rule (`survey.store.counted`)
  and the consent rule (`survey.consent.exportable`) written as SQL. Both are asserted equal to the
  SQLAlchemy path on stores with drafts, withdrawals and other sources (tests/survey/test_plainread.py);
  a change to either rule must be made in both places, and that test fails until it is.

Nothing here writes: the connection runs one read transaction and is closed. The file's
permissions are tightened as when the store is opened (`survey.files.private_store`).
"""
from __future__ import annotations

import ast
import datetime as dt
import functools
import os
import re
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

from survey import clock
from survey.files import private_folders, private_store
from survey.pseudonyms import INTERVIEWER, KEY_SETTING, assign, study_order

if TYPE_CHECKING:  # pandas is imported by the function that builds the frame (start-up time)
    import pandas as pd

    from survey.guide import Guide

__all__ = ["PlainReadError", "wide_from_rows", "revision_head", "default_url", "plain_sqlite_file", "open_report_store", "ReportStore",
           "MIGRATIONS_VERSIONS"]

#: the Alembic revision files (survey/migrations/versions)
MIGRATIONS_VERSIONS = Path(__file__).resolve().parent / "migrations" / "versions"

# The constants of the rules below (survey.models.USER_INFORMANT, survey.store.DRAFT,
# survey.consent.JOURNAL, survey.privacy.END_DATE_KEY, survey.guide_fit.FIT_KEY), here as literals because those modules load
# SQLAlchemy; tests/survey/test_plainread.py asserts they are the same.
USER_INFORMANT = "bruger"
DRAFT = "draft"
JOURNAL = "journal"
END_DATE_KEY = "slutdato"
GUIDE_FIT_KEY = "guide_tjekket"
CONSENT_CODE = "consent_journal"  # survey.sources.CONSENT_CODE

# survey.consent.exportable: not withdrawn from the interview (nor, for a source, its user), and a
# case-file extract not withdrawn from journal access
_WITHDRAWN = "SELECT interview_id FROM consent_withdrawal WHERE purpose = '{}'"
_EXPORTABLE = (f"i.id NOT IN ({_WITHDRAWN.format('interview')}) "
               f"AND (i.subject_interview_id IS NULL OR i.subject_interview_id NOT IN ({_WITHDRAWN.format('interview')})) "
               f"AND (i.informant != '{JOURNAL}' OR i.subject_interview_id IS NULL "
               f"OR i.subject_interview_id NOT IN ({_WITHDRAWN.format(JOURNAL)}))")
# survey.store.load_wide's interview rows
_META = ("SELECT i.id, i.respondent_id, s.name, s.site_type, i.interviewer, i.interview_date "
         "FROM interview AS i LEFT OUTER JOIN site AS s ON s.id = i.site_id "
         f"WHERE i.informant = '{USER_INFORMANT}' AND {_EXPORTABLE}")
_COUNTED = f" AND i.status != '{DRAFT}'"  # survey.store.counted: the drafts only when asked
_OPEN_CONFLICTS = "SELECT count(*) FROM merge_conflict WHERE resolved_at IS NULL"
_DRAFTS = f"SELECT count(*) FROM interview AS i WHERE i.status = '{DRAFT}' AND i.informant = '{USER_INFORMANT}' " \
          f"AND {_EXPORTABLE}"


def wide_from_rows(meta: Sequence[Sequence], answers: Iterable[Sequence], guide: "Guide",
                   journal_withdrawn: Iterable[str] = ()) -> "pd.DataFrame":
    """The wide frame (`survey.store`'s contract) from interview rows ``(id, respondent_id, site
    name, site type, interviewer, interview_date)`` and answer rows ``(interview_id, code, value)``.
    `interview_date` is a date or its ISO text (SQLite's own rows hold the text).
    `journal_withdrawn`: the interviews whose consent to journal access was withdrawn (issue 12): their
    ``consent_journal`` is «nej», the consent in force — a reviewer found a withdrawn consent counted as
    given in the Oversigt table while the case files were no longer shown."""
    import pandas as pd  # reason: start-up time (the interview pages never build a frame)

    # column by column, as objects: one list per code and a row number per interview (rows as dicts,
    # and pandas inferring its string type then converted back to `str`/None, were half of the time
    # at 10,000 respondents; docs/benchmarks.md)
    codes = guide.codes
    at = {m[0]: i for i, m in enumerate(meta)}  # interview id -> row
    cols: dict[str, list] = {c: [None] * len(meta) for c in codes}
    for name, pos in (("respondent_id", 1), ("site", 2), ("site_type", 3), ("interviewer", 4)):
        if name in cols:
            cols[name] = [m[pos] for m in meta]
    if "interview_date" in cols:
        cols["interview_date"] = [_iso(m[5]) for m in meta]
    for iid, code, value in answers:
        i = at.get(iid)
        col = cols.get(code) if i is not None else None
        if col is not None:
            col[i] = value
    consent = cols.get(CONSENT_CODE)
    if consent is not None:
        for iid in journal_withdrawn:
            i = at.get(iid)
            if i is not None and consent[i] == "ja":
                consent[i] = "nej"
    df = pd.DataFrame(cols, columns=codes, dtype=object)
    return df.sort_values("respondent_id", kind="stable").reset_index(drop=True)


def _iso(d: object) -> str | None:
    if d is None:
        return None
    return d if isinstance(d, str) else d.isoformat()  # type: ignore[attr-defined]


_REVISION_LINE = re.compile(r"^(revision|down_revision|branch_labels|depends_on)\s*(?::[^=]*)?=\s*(.+?)\s*$",
                            re.MULTILINE)


def revision_head(versions: Path = MIGRATIONS_VERSIONS) -> str | None:
    """The newest revision in the folder of Alembic revision files, read from the files' ``revision``
    and ``down_revision`` lines without loading Alembic (start-up time: Alembic and the dialects it
    imports cost about a second). None when the files are anything but one plain line of revisions
    (a branch, a merge, a label, a dependency, a line we cannot read): then only Alembic decides."""
    found: dict[str, str | None] = {}
    try:
        names = sorted(os.listdir(versions))
    except OSError:
        return None
    for name in names:
        if not name.endswith(".py") or name.startswith((".#", "__init__")):
            continue
        try:
            src = (versions / name).read_text(encoding="utf-8")
            lines: dict[str, list[object]] = {}
            for key, value in _REVISION_LINE.findall(src):
                lines.setdefault(key, []).append(ast.literal_eval(value))
        except (OSError, ValueError, SyntaxError):
            return None
        if any(len(v) != 1 for v in lines.values()) or len(lines.get("revision", ())) != 1:
            return None
        rev, down = lines["revision"][0], lines.get("down_revision", [None])[0]
        if (not isinstance(rev, str) or not (down is None or isinstance(down, str)) or rev in found
                or lines.get("branch_labels", [None])[0] is not None or lines.get("depends_on", [None])[0] is not None):
            return None
        found[rev] = down
    heads = set(found) - set(found.values())
    roots = [r for r, d in found.items() if d is None]
    if len(heads) != 1 or len(roots) != 1 or any(d is not None and d not in found for d in found.values()):
        return None
    return heads.pop()


@functools.lru_cache(maxsize=1)
def _head() -> str | None:
    return revision_head()


def default_url() -> str:
    """The default store: an SQLite file in the user's data directory (created as needed)."""
    from platformdirs import user_data_dir  # reason: start-up time (only without --db and BRUGERBLIK_DB)

    d = private_folders(user_data_dir("brugerblik", appauthor=False))  # the folders it creates: 0700
    return f"sqlite:///{d / 'brugerblik.db'}"


def plain_sqlite_file(url: str) -> Path | None:
    """The file of a plain ``sqlite:///PATH`` URL (``~`` expanded, as `survey.db.sqlite_path`), or
    None for every other form — a query (``?uri=true``, ``mode=…``), a percent-escape, a fragment,
    ``:memory:``, another driver — which the full path (SQLAlchemy's URL parser) reads."""
    prefix = "sqlite:///"
    if not isinstance(url, str) or not url.startswith(prefix):
        return None
    rest = url[len(prefix):]
    if not rest or rest == ":memory:" or any(c in rest for c in "?#%") or rest.startswith("file:"):
        return None
    return Path(os.path.expanduser(rest))


class PlainReadError(Exception):
    """The plain read failed (the store changed under it, e.g. a migration): take the full path."""


class ReportStore:
    """A read-only look at a local SQLite store for the users' report tables. Build it with
    `open_report_store`; every read is one read transaction on its own connection."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=30, isolation_level=None)  # no implicit transactions
        con.execute("PRAGMA query_only = ON")  # a read-only look: SQLite refuses any write on it
        return con

    def _read(self, *queries: str) -> list[list[tuple]]:
        try:
            con = self._connect()
            try:
                con.execute("BEGIN")  # one snapshot for every query (WAL: writers go on meanwhile)
                return [con.execute(q).fetchall() for q in queries]
            finally:
                con.close()
        except sqlite3.Error as e:
            raise PlainReadError(type(e).__name__) from None

    def wide(self, guide: "Guide", *, drafts: bool = False) -> "pd.DataFrame":
        """`survey.store.load_wide(engine, guide, drafts=drafts)`, read with sqlite3."""
        return self.wide_and_drafts(guide, drafts=drafts)[0]

    def wide_and_drafts(self, guide: "Guide", *, drafts: bool = False) -> tuple["pd.DataFrame", int]:
        """The wide frame and `count_drafts`, from one snapshot: read before anything is printed, so
        a failed read never leaves half an output behind (a reviewer found a table printed twice)."""
        meta, answers, n, withdrawn = self._read(_META + ("" if drafts else _COUNTED),
                                                 "SELECT interview_id, code, value FROM answer", _DRAFTS,
                                                 f"SELECT interview_id FROM consent_withdrawal WHERE purpose = '{JOURNAL}'")
        return wide_from_rows(meta, answers, guide, [r[0] for r in withdrawn]), int(n[0][0])

    def identifier_numbers(self, codes: Iterable[str]) -> dict[str, dict[str, int]]:
        """`survey.store.identifier_numbers(engine, codes)`, read with sqlite3 in one snapshot: the
        numbers the store keeps for every interview's interviewer and answers to the other `codes`.
        Nothing here writes: a value not numbered yet (or a number to retire) raises `PlainReadError`,
        and the CLI takes the full path, which gives the number and keeps it."""
        codes = sorted(set(codes))
        if not codes:
            return {}
        answered = [c.replace("'", "''") for c in codes if c != INTERVIEWER]
        queries = [f"SELECT value FROM study_setting WHERE key = '{KEY_SETTING}'",
                   "SELECT code, digest, number FROM identifier_number WHERE code IN ("
                   + ", ".join("'" + c.replace("'", "''") + "'" for c in codes) + ")",
                   f"SELECT '{INTERVIEWER}', interviewer, created_at, respondent_id, id FROM interview "
                   "WHERE interviewer IS NOT NULL"
                   if INTERVIEWER in codes else "SELECT 1 WHERE 0"]
        if answered:
            queries.append("SELECT a.code, a.value, i.created_at, i.respondent_id, i.id FROM answer AS a JOIN interview AS i "
                           "ON i.id = a.interview_id WHERE a.code IN (" + ", ".join(f"'{c}'" for c in answered) + ")")
        key, stored, *rows = self._read(*queries)
        if not key:
            raise PlainReadError("pseudonymer")
        got = assign(codes, study_order([r for part in rows for r in part]), stored, key[0][0])
        if got.new or got.gone:  # the full path writes them (`survey.store.identifier_numbers`)
            raise PlainReadError("pseudonymer")
        return got.numbers

    def guide_fit(self) -> str | None:
        """The fingerprint of the last user guide found to fit the store (`survey.guide_fit.FIT_KEY`), or None."""
        rows = self._read(f"SELECT value FROM study_setting WHERE key = '{GUIDE_FIT_KEY}'")[0]
        return rows[0][0] if rows else None

    def count_drafts(self) -> int:
        """`survey.store.count_drafts(engine)`: the users' drafts, those who withdrew left out."""
        return int(self._read(_DRAFTS)[0][0][0])

    def count_open_conflicts(self) -> int:
        """`survey.store.count_open_conflicts(engine)`: merge conflicts not settled yet."""
        return int(self._read(_OPEN_CONFLICTS)[0][0][0])

    def _usable(self) -> bool:
        """Newest schema, no users (an open store: no login), no end date passed (no reminder due)."""
        con = self._connect()
        try:
            con.execute("BEGIN")
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not {"alembic_version", "interview", "answer", "site", "consent_withdrawal"} <= tables:
                return False
            rev = con.execute("SELECT version_num FROM alembic_version").fetchall()
            if len(rev) != 1 or rev[0][0] is None or rev[0][0] != _head():
                return False
            if "app_user" in tables and con.execute("SELECT count(*) FROM app_user").fetchone()[0]:
                return False
            if "study_setting" in tables:
                end = con.execute("SELECT value FROM study_setting WHERE key = ?", (END_DATE_KEY,)).fetchone()
                if end is not None and end[0]:
                    # survey.privacy.retention_reminder reminds from the day after the end date; a value
                    # that is no ISO date text (hand-edited) is the full path's to judge
                    if not isinstance(end[0], str):
                        return False
                    return clock.today() <= dt.date.fromisoformat(end[0])
            return True
        finally:
            con.close()


def open_report_store(url: str | None) -> ReportStore | None:
    """A `ReportStore` on the local SQLite store of `url` (or None: the full path is needed; see the
    module docstring). Never raises: an unreadable store is the full path's to report."""
    path = plain_sqlite_file(url) if url else None
    if path is None or not path.is_file():
        return None
    store = ReportStore(path)
    try:
        private_store(path)
        return store if store._usable() else None
    except (sqlite3.Error, OSError, ValueError):
        return None
