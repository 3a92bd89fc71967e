"""Fast start (issue 13): the compiled-guide cache, the cheap "is the schema current" check, and the
heavy libraries a command does not load. No timings here: bench/bench_startup.py measures them."""
from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from survey import db, guide
from survey.guide import DEFAULT_GUIDE, GuideError
from tests.custom_guides import another_study, write_guide

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("BRUGERBLIK_CACHE", str(folder))
    guide._load_cached.cache_clear()
    yield folder
    guide._load_cached.cache_clear()


def _copy(tmp_path: Path, name: str = "guide.xlsx") -> Path:
    p = tmp_path / name
    shutil.copyfile(DEFAULT_GUIDE, p)
    return p.resolve()


def _no_workbook(monkeypatch) -> None:
    """From here on a load that reads the workbook fails the test: only the cache may answer."""
    def refuse(p):
        raise AssertionError(f"the workbook {p} was read, not the cache")

    monkeypatch.setattr(guide, "_load", refuse)


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("guide-*.json"))


def _same(a: guide.Guide, b: guide.Guide) -> None:
    assert a == b  # every field of the guide, its items (expressions parsed), groups and choice lists
    for g in (a, b):  # a group holds the very items of the guide, as a freshly read guide does
        assert all(it is g.items[it.code] for gr in g.groups for it in gr.items)
        assert all(it.choices == g.choices.get(it.list_name, ()) for it in g.items.values())


def test_a_cached_guide_is_the_guide_read_from_the_workbook(tmp_path, cache, monkeypatch):
    for p in (_copy(tmp_path), another_study(tmp_path / "anden.xlsx").resolve()):
        fresh = guide._load(p)
        first = guide._compiled(p)  # read from the workbook, written to the cache
        _same(first, fresh)
        with monkeypatch.context() as m:
            _no_workbook(m)
            cached = guide._compiled(p)
        _same(cached, fresh)
        assert cached.path == str(p)
        assert any(it.relevant_ast for it in cached.items.values())
        assert cached.identifier_codes() == fresh.identifier_codes()
        assert cached.free_text_codes() == fresh.free_text_codes()
    # load_guide goes through the cache too
    guide._load_cached.cache_clear()
    p = _copy(tmp_path)
    fresh = guide._load(p)
    _no_workbook(monkeypatch)
    _same(guide.load_guide(p), fresh)


def test_cache_files_are_owner_only_json(tmp_path, cache):
    p = _copy(tmp_path)
    guide._compiled(p)
    [entry] = _entries(cache)
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    doc = json.loads(entry.read_text(encoding="utf-8"))  # JSON, not pickle: reading it runs no code
    assert doc["format"] == guide.CACHE_FORMAT
    assert not [f for f in cache.iterdir() if f.name.endswith(".tmp")]  # written atomically, nothing left over


def test_the_cache_folder_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("BRUGERBLIK_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert guide.cache_dir() == tmp_path / "xdg" / "brugerblik"
    monkeypatch.setenv("BRUGERBLIK_CACHE", str(tmp_path / "own"))
    assert guide.cache_dir() == tmp_path / "own"


def test_a_changed_workbook_is_read_again(tmp_path, cache, monkeypatch):
    p = _copy(tmp_path)
    old = guide._compiled(p)
    write_guide(DEFAULT_GUIDE, p, [], settings={"form_title": "En ny titel"})
    new = guide._compiled(p)
    assert new.title == "En ny titel" != old.title
    _same(new, guide._load(p))
    assert len(_entries(cache)) == 2  # one per content
    # and load_guide sees the change as well (same path, new bytes)
    guide._load_cached.cache_clear()
    write_guide(DEFAULT_GUIDE, p, [], settings={"form_title": "Endnu en titel"})
    assert guide.load_guide(p).title == "Endnu en titel"


def test_the_same_bytes_under_another_name_are_not_given_the_old_path(tmp_path, cache):
    a = _copy(tmp_path, "a.xlsx")
    b = _copy(tmp_path, "b.xlsx")
    assert guide._compiled(a).path == str(a)
    assert guide._compiled(b).path == str(b)


def _tamper(entry: Path, change) -> None:
    doc = json.loads(entry.read_text(encoding="utf-8"))
    change(doc)
    entry.write_text(json.dumps(doc), encoding="utf-8")


def _rechecksum(doc: dict) -> None:
    import hashlib

    body = json.dumps(doc["payload"], ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    doc["payload_sha256"] = hashlib.sha256(body).hexdigest()


def _edit_payload(doc: dict) -> None:
    doc["payload"]["title"] = "Forfalsket"


def _edit_payload_and_checksum_but_not_the_mark_type(doc: dict) -> None:
    doc["payload"]["items"][0]["identifier"] = 7  # not a mark at all
    _rechecksum(doc)


def _other_format(doc: dict) -> None:
    doc["format"] = "brugerblik-guide-cache/0"


def _other_content(doc: dict) -> None:
    doc["content_sha256"] = "0" * 64


def _other_loader(doc: dict) -> None:
    doc["loader"] = "0" * 64


def _extra_key(doc: dict) -> None:
    doc["payload"]["extra"] = 1
    _rechecksum(doc)


@pytest.mark.parametrize("damage", [
    lambda e: e.write_bytes(b"\x80\x04garbage"),  # not JSON (e.g. a pickle)
    lambda e: e.write_bytes(e.read_bytes()[: len(e.read_bytes()) // 2]),  # truncated
    lambda e: e.write_text("[]"),
    lambda e: _tamper(e, _edit_payload),
    lambda e: _tamper(e, _edit_payload_and_checksum_but_not_the_mark_type),
    lambda e: _tamper(e, _other_format),
    lambda e: _tamper(e, _other_content),
    lambda e: _tamper(e, _other_loader),
    lambda e: _tamper(e, _extra_key),
    lambda e: os.chmod(e, 0o644),  # readable by others: not an entry this user wrote
], ids=["garbage", "truncated", "not-a-dict", "edited", "wrong-type", "format", "content-hash", "loader",
        "extra-key", "mode"])
def test_a_corrupt_or_tampered_entry_is_ignored_and_rebuilt(tmp_path, cache, damage):
    p = _copy(tmp_path)
    fresh = guide._load(p)
    guide._compiled(p)
    [entry] = _entries(cache)
    damage(entry)
    again = guide._compiled(p)
    _same(again, fresh)
    assert again.title != "Forfalsket"
    # rebuilt: the entry is whole again, owner-only, and is what the next load uses
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    assert json.loads(entry.read_text(encoding="utf-8"))["payload"]["title"] == fresh.title
    assert guide._read_entry(entry, json.loads(entry.read_text())["content_sha256"], str(p)) == fresh


def test_a_folder_others_may_write_is_not_used(tmp_path, cache, monkeypatch):
    p = _copy(tmp_path)
    guide._compiled(p)
    os.chmod(cache, 0o777)
    try:
        with monkeypatch.context() as m:
            calls = []
            real = guide._load
            m.setattr(guide, "_load", lambda q: calls.append(q) or real(q))
            _same(guide._compiled(p), real(p))
            assert calls == [p]  # read from the workbook: the shared folder's entry is not trusted
    finally:
        os.chmod(cache, 0o700)


def test_old_entries_are_removed_beyond_the_limit(tmp_path, cache, monkeypatch):
    monkeypatch.setattr(guide, "CACHE_KEEP", 2)
    paths = [_copy(tmp_path, f"g{n}.xlsx") for n in range(4)]
    for n, p in enumerate(paths):
        guide._compiled(p)
        for e in _entries(cache):  # distinct ages, oldest first
            os.utime(e, (e.stat().st_atime, e.stat().st_mtime - 10))
    assert len(_entries(cache)) == 2
    with monkeypatch.context() as m:  # the newest two are the ones kept
        _no_workbook(m)
        assert guide._compiled(paths[-1]).path == str(paths[-1])
        assert guide._compiled(paths[-2]).path == str(paths[-2])


def test_a_guide_with_problems_is_never_cached(tmp_path, cache):
    p = tmp_path / "bad.xlsx"
    write_guide(DEFAULT_GUIDE, p, [("text", "1 ugyldig", "Ugyldig kode", "")])
    for _ in range(2):
        with pytest.raises(GuideError):
            guide._compiled(p.resolve())
    assert _entries(cache) == []


def test_an_unwritable_cache_only_costs_time(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("BRUGERBLIK_CACHE", str(blocker / "cache"))  # cannot be created
    p = _copy(tmp_path)
    _same(guide._compiled(p), guide._load(p))


# ---------------------------------------------------------------- the schema check

def test_the_quick_head_is_alembics_head():
    assert db.script_head() == db.head_revision()


def test_a_current_store_is_opened_without_alembic(db_url, monkeypatch):
    def no_alembic():
        raise AssertionError("Alembic was loaded for a store at the newest schema")

    db.dispose_url(db_url)
    monkeypatch.setattr(db, "_script", no_alembic)
    engine = db.make_engine(db_url)
    try:
        with engine.connect() as c:
            assert db.schema_state(c) == "current"
    finally:
        engine.dispose()


def test_an_old_schema_is_seen_and_still_migrated(new_db_url):
    url = new_db_url(empty=True)
    head = db.head_revision()
    previous = db._script().get_revision(head).down_revision
    engine = db.make_engine(url, migrate=False)
    try:
        db.upgrade(engine, previous)
        with engine.connect() as c:
            assert db.schema_state(c) == "behind"
    finally:
        engine.dispose()
    engine = db.make_engine(url)  # the quick check says "not current"; Alembic upgrades it
    try:
        assert db.current_revision(engine) == head
        with engine.connect() as c:
            assert db.schema_state(c) == "current"
    finally:
        engine.dispose()


def test_a_store_newer_than_the_code_is_still_refused(new_db_url):
    url = new_db_url()
    engine = db.make_engine(url)
    try:
        with engine.begin() as c:
            c.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
        with engine.connect() as c:
            assert db.schema_state(c) == "ahead"
    finally:
        engine.dispose()
    with pytest.raises(db.SchemaError):
        db.make_engine(url).dispose()


@pytest.mark.parametrize("files", [
    {"a.py": "revision = 'a'\ndown_revision = None\n", "b.py": "revision = 'b'\ndown_revision = 'a'\n",
     "c.py": "revision = 'c'\ndown_revision = 'a'\n"},  # a branch: two heads
    {"a.py": "revision = 'a'\ndown_revision = None\n", "b.py": "revision = 'b'\ndown_revision = ('a', 'x')\n"},
    {"a.py": "revision = 'a'\ndown_revision = None\nbranch_labels = ('x',)\n"},
    {"a.py": "revision = make_id()\ndown_revision = None\n"},
    {"a.py": "down_revision = None\n"},
])
def test_anything_but_a_plain_line_of_revisions_is_left_to_alembic(tmp_path, monkeypatch, files):
    (tmp_path / "versions").mkdir()
    for name, src in files.items():
        (tmp_path / "versions" / name).write_text(src)
    monkeypatch.setattr(db, "MIGRATIONS_DIR", tmp_path)
    db.script_head.cache_clear()
    try:
        assert db.script_head() is None
    finally:
        monkeypatch.undo()
        db.script_head.cache_clear()
    assert db.script_head() == db.head_revision()


# ---------------------------------------------------------------- what a command loads

HEAVY = ("spacy", "plotly", "kaleido", "sklearn", "openpyxl", "pyxform", "pyzipper", "alembic")

PROBE = """
import json, sys
from brugerblik.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "loaded": sorted(m for m in %r if m in sys.modules)}))
""" % (HEAVY,)


def _run(argv: list[str], env: dict[str, str]) -> dict:
    r = subprocess.run([sys.executable, "-c", PROBE, *argv], cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def _loaded_after(imports: str, names: tuple[str, ...]) -> list[str]:
    """Which of `names` are in sys.modules after `imports`, in a fresh interpreter."""
    code = f"import json, sys; {imports}; print(json.dumps(sorted(m for m in {names!r} if m in sys.modules)))"
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_the_auth_module_does_not_import_the_stack():
    assert _loaded_after("import survey.auth", ("pandas",) + HEAVY) == []


def test_a_table_on_a_current_store_with_a_cached_guide_loads_no_heavy_library(db_url, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("BRUGERBLIK_USER", "BRUGERBLIK_PASSWORD",
                                                            "BRUGERBLIK_GUIDE")}
    env.update(BRUGERBLIK_DB=db_url, BRUGERBLIK_CACHE=str(tmp_path / "cache"))
    db.dispose_url(db_url)
    first = _run(["table", "4.2"], env)  # reads the workbook (openpyxl, pyxform) and fills the cache
    assert "openpyxl" in first["loaded"]
    again = _run(["table", "4.2"], env)
    assert again["code"] == first["code"]
    assert again["loaded"] == []


def test_the_apps_first_page_loads_no_pandas():
    """Issue 13, the app's first page: the login, the menu, the start page and the administrator's
    reminder import no pandas (nor anything heavier); a page that builds frames imports it itself."""
    names = ("pandas",) + HEAVY
    streamlits_own = _loaded_after("import streamlit", names)  # Streamlit itself imports Plotly
    assert "pandas" not in streamlits_own
    assert _loaded_after("import ui.main, ui.start_view, ui.privacy_view", names) == streamlits_own
    assert _loaded_after("import ui.main, ui.rapport_view", ("pandas",)) == ["pandas"]  # the probe can see it


def test_the_server_listens_before_the_store_is_loaded():
    """serve.py's routes import the store's modules when a request comes, not before the server listens."""
    names = ("sqlalchemy", "survey.auth", "survey.models", "pandas")
    assert _loaded_after("import serve", names) == []
    assert _loaded_after("import serve, survey.auth", names) == ["sqlalchemy", "survey.auth", "survey.models"]
