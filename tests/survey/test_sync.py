"""Field laptops → central store (issue 6): export package, merge, conflicts — nothing silently overwritten."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from brugerblik.cli import main
from survey import interview as svc
from survey import sync
from survey.db import make_engine, session_scope
from survey.models import AuditEntry, Interview, MergeConflict, Quote
from survey.sync import SyncError


def snapshot(engine) -> dict:
    """Everything merge may touch, as plain data (row ids left out where they are local)."""
    with session_scope(engine) as s:
        versions = sync.load_versions(s, None, history=True)
        conflicts = [(m.interview_id, m.kind, m.laptop_hash, m.central_hash, m.resolved_at)
                     for m in s.execute(select(MergeConflict).order_by(MergeConflict.id)).scalars()]
    for v in versions.values():
        v["audit"] = sorted((a["uid"], a["entity"], a["note"]) for a in v["audit"])
    return {"versions": versions, "conflicts": conflicts, "rows": sync.count_rows(engine)}


def field_work(engine, guide, site="Amadeus", site_type="vaerested", interviewer="KL", n=2, complete=True):
    """A laptop's day: interviews with answers, a quote, consent, completed (audited)."""
    ids = []
    for i in range(n):
        info = svc.start_interview(engine, guide, site_name=site, site_type=site_type, interviewer=interviewer,
                                   interview_date=dt.date(2026, 11, 3 + i))
        for code, v in (("age", str(30 + i)), ("hvorfor_her", f"Her er der ro nr. {i} – æøå"), ("rytme", "ja"),
                        ("consent_journal", "ja")):
            assert svc.save_answer(engine, guide, info.id, code, v).ok
        q, msg = svc.add_quote(engine, guide, info.id, "hvorfor_her", f"Her kender de mig ({i})")
        assert q is not None, msg
        if complete:
            assert svc.complete(engine, guide, info.id, reason="afbrudt").ok
        ids.append(info.id)
    return ids




PASS = "feltkode til testen"  # a field package's passphrase (at least 12 characters)


def export(engine, tmp_path, name="pakke.zip", **kw):
    return sync.export_package(engine, tmp_path / name, passphrase=PASS, **kw).path


def merge(engine, path, **kw):
    return sync.merge_package(engine, path, passphrase=PASS, **kw)


def test_package_round_trip_into_an_empty_central_store(laptop, central, guide, tmp_path):
    ids = field_work(laptop, guide, n=3)
    r = sync.export_package(laptop, tmp_path / "p.zip", passphrase=PASS)
    assert (r.interviews, r.answers, r.quotes, r.consent) == (3, 12, 3, 3) and r.audit >= 3
    res = merge(central, r.path, who="admin")
    assert sorted(res.inserted) == ["AMA-01", "AMA-02", "AMA-03"] and not res.conflicts and res.changed
    assert res.consent_added == 3 and res.audit_added == r.audit and res.sites_added == ["Amadeus"]
    with session_scope(laptop) as s:
        lv = sync.load_versions(s, None)
    with session_scope(central) as s:
        cv = sync.load_versions(s, None)
    assert set(cv) == set(ids)
    for iid in ids:  # the same content, the same hash, in either database
        assert cv[iid]["hash"] == lv[iid]["hash"]
        assert cv[iid]["answers"] == lv[iid]["answers"] and cv[iid]["quotes"] == lv[iid]["quotes"]
        assert cv[iid]["consent"] == lv[iid]["consent"]
        assert {a["uid"] for a in lv[iid]["audit"]} <= {a["uid"] for a in cv[iid]["audit"]}
        assert cv[iid]["merged_from_hash"] == lv[iid]["hash"]
    assert svc.load_state(central, ids[0]).answers == svc.load_state(laptop, ids[0]).answers


def test_merging_the_same_package_twice_changes_nothing(laptop, central, guide, tmp_path):
    field_work(laptop, guide, n=2)
    p = export(laptop, tmp_path)
    merge(central, p)
    before = snapshot(central)
    res = merge(central, p)
    assert not res.changed and res.unchanged == 2 and not res.inserted and not res.updated
    assert snapshot(central) == before
    # and a fresh export of the unchanged laptop is just as idempotent
    res = merge(central, export(laptop, tmp_path, "p2.zip"))
    assert not res.changed and snapshot(central) == before


def test_changed_only_on_the_laptop_is_brought_in(laptop, central, guide, tmp_path):
    a, b = field_work(laptop, guide, n=2)
    merge(central, export(laptop, tmp_path))
    svc.reopen(laptop, a, who="KL", reason="rettelse efter samtale")
    assert svc.save_answer(laptop, guide, a, "age", "55").ok
    assert svc.save_answer(laptop, guide, a, "hvorfor_her", "").ok  # an answer removed
    q = svc.list_quotes(laptop, a)[0]
    svc.update_quote(laptop, a, q.id, text="Rettet citat", for_report=True)
    svc.add_quote(laptop, guide, a, "hvorfor_her", "Endnu et citat")
    svc.complete(laptop, guide, a, reason="rettet")
    res = merge(central, export(laptop, tmp_path, "p2.zip"))
    assert res.updated == ["AMA-01"] and res.unchanged == 1 and not res.conflicts
    st = svc.load_state(central, a)
    assert st.answers["age"] == "55" and "hvorfor_her" not in st.answers and st.info.status == "complete"
    assert sorted((q.text, q.for_report) for q in st.quotes) == [("Endnu et citat", False), ("Rettet citat", True)]
    trail = svc.audit_trail(central, a)
    assert any(t.code == "age" and (t.old_value, t.new_value) == ("30", "55") for t in trail)  # laptop's trail
    assert any(t.entity == "merge" and "opdateret fra feltpakke" in (t.note or "") for t in trail)
    with session_scope(laptop) as s, session_scope(central) as s2:
        assert sync.load_versions(s, [a])[a]["hash"] == sync.load_versions(s2, [a])[a]["hash"]


def test_changed_only_centrally_is_kept(laptop, central, guide, tmp_path):
    a, _ = field_work(laptop, guide, n=2)
    p = export(laptop, tmp_path)
    merge(central, p)
    svc.reopen(central, a, who="forsker1", reason="kodning")
    assert svc.save_answer(central, guide, a, "age", "77", who="forsker1").ok
    res = merge(central, p)  # the old package again
    assert res.kept_central == ["AMA-01"] and not res.updated and not res.conflicts
    assert svc.load_state(central, a).answers["age"] == "77"


def test_changed_in_both_places_is_a_conflict_and_nothing_is_overwritten(laptop, central, guide, tmp_path):
    a, b = field_work(laptop, guide, n=2)
    merge(central, export(laptop, tmp_path))
    svc.reopen(central, a, who="forsker1", reason="rettelse")
    svc.save_answer(central, guide, a, "age", "77", who="forsker1")
    svc.reopen(laptop, a, who="KL", reason="rettelse")
    svc.save_answer(laptop, guide, a, "age", "31", who="KL")
    svc.save_answer(laptop, guide, b, "rytme", "nej") if svc.get_info(laptop, b).editable else None
    before = snapshot(central)
    p2 = export(laptop, tmp_path, "p2.zip")
    res = merge(central, p2)
    assert [r for r, _ in res.conflicts] == ["AMA-01"] and "både på feltcomputeren og centralt" in res.conflicts[0][1]
    assert svc.load_state(central, a).answers["age"] == "77"              # untouched
    after = snapshot(central)
    assert after["versions"][a] == before["versions"][a]                  # not even its audit trail
    rows = sync.list_conflicts(central)
    assert len(rows) == 1 and rows[0].respondent_id == "AMA-01" and rows[0].kind == "begge_aendret"
    assert "age" in rows[0].differences
    # merging the same package again records no second conflict
    res2 = merge(central, p2)
    assert res2.conflicts and res2.new_conflicts == 0 and not res2.changed
    assert len(sync.list_conflicts(central)) == 1
    # the CLI lists it
    url = central.url.render_as_string(hide_password=False)
    assert main(["--db", url, "merge", "--conflicts"]) == 0


def test_a_conflict_is_settled_by_a_person(laptop, central, guide, tmp_path):
    a, _ = field_work(laptop, guide, n=2)
    merge(central, export(laptop, tmp_path))
    for e, v in ((central, "77"), (laptop, "31")):
        svc.reopen(e, a, who="x", reason="r")
        svc.save_answer(e, guide, a, "age", v)
    p2 = export(laptop, tmp_path, "p2.zip")
    merge(central, p2)
    [c] = sync.list_conflicts(central)
    msg = sync.resolve_conflict(central, c.id, "laptop", who="admin")
    assert "feltcomputerens udgave" in msg
    assert svc.load_state(central, a).answers["age"] == "31"
    assert sync.list_conflicts(central) == [] and len(sync.list_conflicts(central, include_resolved=True)) == 1
    with pytest.raises(SyncError, match="allerede afgjort"):
        sync.resolve_conflict(central, c.id, "central")
    res = merge(central, p2)  # settled: the same package is now simply in
    assert not res.changed and not res.conflicts

    # keep central instead: the same laptop version does not raise the conflict again
    svc.save_answer(central, guide, a, "age", "88")
    svc.save_answer(laptop, guide, a, "age", "32")
    p3 = export(laptop, tmp_path, "p3.zip")
    merge(central, p3)
    [c2] = sync.list_conflicts(central)
    sync.resolve_conflict(central, c2.id, "central", who="admin")
    assert svc.load_state(central, a).answers["age"] == "88"
    res = merge(central, p3)
    assert not res.conflicts and res.kept_central == ["AMA-01"]


def test_two_laptops_giving_the_same_respondent_id_is_a_conflict(new_db_url, central, guide, tmp_path):
    l1, l2 = make_engine(new_db_url()), make_engine(new_db_url())
    try:
        [a] = field_work(l1, guide, n=1)
        [b] = field_work(l2, guide, n=1)  # offline, also AMA-01
        merge(central, export(l1, tmp_path, "l1.zip"))
        res = merge(central, export(l2, tmp_path, "l2.zip"))
        assert res.conflicts and "AMA-01" in res.conflicts[0][1] and not res.inserted
        with session_scope(central) as s:
            assert s.get(Interview, b) is None
        [c] = sync.list_conflicts(central)
        assert c.kind == "respondent_id"
        with pytest.raises(SyncError, match="nyt med --respondent-id"):
            sync.resolve_conflict(central, c.id, "laptop")
        sync.resolve_conflict(central, c.id, "laptop", respondent_id="AMA-02", who="admin")
        assert svc.get_info(central, b).respondent_id == "AMA-02"
        assert svc.get_info(central, a).respondent_id == "AMA-01"
    finally:
        l1.dispose(), l2.dispose()


def test_a_quote_coded_centrally_is_not_deleted_by_a_merge(laptop, central, guide, tmp_path):
    from coding import codebook as cb
    from coding.transcripts import QuoteCode

    a, _ = field_work(laptop, guide, n=2, complete=False)
    merge(central, export(laptop, tmp_path))
    with session_scope(central) as s:
        cb.ensure_seeded(s)
        code = cb.all_codes(s)[0]
        q = s.execute(select(Quote).where(Quote.interview_id == a)).scalars().one()
        s.add(QuoteCode(quote_id=q.id, code_id=code.id, who="forsker1"))
    before = snapshot(central)
    q = svc.list_quotes(laptop, a)[0]
    svc.delete_quote(laptop, a, q.id)
    res = merge(central, export(laptop, tmp_path, "p2.zip"))
    assert res.conflicts and "kodet centralt" in res.conflicts[0][1]
    assert snapshot(central)["versions"][a] == before["versions"][a]


def test_audit_entries_are_appended_once_by_their_uid(laptop, central, guide, tmp_path):
    field_work(laptop, guide, n=1)
    p = export(laptop, tmp_path)
    merge(central, p)
    with session_scope(laptop) as s:
        luids = set(s.execute(select(AuditEntry.uid)).scalars())
    with session_scope(central) as s:
        cuids = list(s.execute(select(AuditEntry.uid)).scalars())
    assert luids <= set(cuids) and len(cuids) == len(set(cuids))
    merge(central, p)
    with session_scope(central) as s:
        assert sorted(s.execute(select(AuditEntry.uid)).scalars()) == sorted(cuids)


# ---------------------------------------------------------------- damaged and foreign packages

def _rewrite(path, out, *, manifest=None, data=None, fix_checksum=True):
    """A package decrypted, changed and encrypted again with the right passphrase: what someone
    who knows the passphrase could forge (the checks behind the encryption must still hold)."""
    raw_m, d = sync.read_package_file(path, PASS)
    m = json.loads(raw_m)
    if data is not None:
        d = data(json.loads(d)) if callable(data) else data
        if not isinstance(d, bytes):
            d = json.dumps(d).encode()
    if manifest is not None:
        manifest(m)
    if fix_checksum:
        m["data_sha256"] = hashlib.sha256(d).hexdigest()
    sync.write_package_file(out, json.dumps(m).encode(), d, PASS)
    return out


def _set(root, path, value):
    obj = root
    for k in path[:-1]:
        obj = obj[k]
    obj[path[-1]] = value
    return root


@pytest.fixture
def package(laptop, guide, tmp_path):
    field_work(laptop, guide, n=2)
    return export(laptop, tmp_path)


def test_damaged_or_foreign_packages_are_refused_in_danish_and_change_nothing(package, central, tmp_path):
    merge(central, package)
    before = snapshot(central)
    raw = package.read_bytes()
    cases = {
        "not a zip": (tmp_path / "a.zip", b"hej med dig", "ikke en zip-fil"),
        "truncated": (tmp_path / "b.zip", raw[: len(raw) // 2], "ikke en zip-fil"),
        "empty": (tmp_path / "c.zip", b"", "ikke en zip-fil"),
    }
    for name, (p, content, msg) in cases.items():
        p.write_bytes(content)
        with pytest.raises(SyncError, match=msg):
            merge(central, p)
    xlsx = tmp_path / "foreign.xlsx"
    with zipfile.ZipFile(xlsx, "w") as z:
        z.writestr("[Content_Types].xml", "<x/>")
    with pytest.raises(SyncError, match="ikke en Brugerblik-feltpakke"):
        merge(central, xlsx)
    with pytest.raises(SyncError, match="ukendt format"):
        merge(central, _rewrite(package, tmp_path / "f.zip", manifest=lambda m: m.update(format="x")))
    with pytest.raises(SyncError, match="nyere udgave af Brugerblik"):
        merge(central, _rewrite(package, tmp_path / "v.zip", manifest=lambda m: m.update(version=99)))
    tampered = _rewrite(package, tmp_path / "t.zip", data=lambda d: _set(d, ["interviews", 0, "interviewer"], "X"),
                        fix_checksum=False)
    with pytest.raises(SyncError, match="beskadiget: indholdet passer ikke med kontrolsummen"):
        merge(central, tampered)
    edited = _rewrite(package, tmp_path / "e.zip", data=lambda d: _set(d, ["interviews", 0, "interviewer"], "X"))
    with pytest.raises(SyncError, match="ændret efter eksporten"):
        merge(central, edited)
    for path, value, msg in ((["interviews", 0, "status"], "slettet", "ukendte værdi"),
                             (["interviews", 0, "answers", 0, "value"], 42, "skal være tekst"),
                             (["interviews", 0, "answers", 0, "value"], "a\x00b", "nultegn"),
                             (["interviews", 0, "respondent_id"], "X" * 500, "for langt"),
                             (["interviews", 0, "created_at"], "i går", "tidspunkt"),
                             (["interviews", 0, "id"], "ikke-et-id", "gyldigt id"),
                             (["interviews"], {"a": 1}, "skal være en liste"),
                             (["interviews", 1, "quotes", 0, "for_report"], "ja", "sand/falsk")):
        bad = _rewrite(package, tmp_path / "x.zip", data=lambda d: _set(d, path, value))
        with pytest.raises(SyncError, match=msg) as ei:
            merge(central, bad)
        assert "intet er ændret" in str(ei.value)
    with pytest.raises(SyncError, match="findes ikke"):
        merge(central, tmp_path / "findes-ikke.zip")
    assert snapshot(central) == before


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(flips=st.lists(st.tuples(st.integers(0, 10 ** 9), st.integers(0, 255)), min_size=1, max_size=8),
       fix=st.booleans())
def test_fuzzed_packages_never_leave_a_traceback_or_a_partial_merge(package, central, tmp_path, flips, fix):
    """Random byte changes to data.json (checksum fixed or not): a Danish SyncError or a full merge."""
    data = bytearray(sync.read_package_file(package, PASS)[1])
    for pos, byte in flips:
        data[pos % len(data)] = byte
    bad = _rewrite(package, tmp_path / "fuzz.zip", data=bytes(data), fix_checksum=fix)
    before = snapshot(central)
    try:
        res = merge(central, bad)
    except SyncError as e:
        assert str(e) and "Traceback" not in str(e)
        assert snapshot(central) == before
    else:
        assert res.package_id


def test_cli_export_package_merge_and_messages(laptop, central, guide, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("BRUGERBLIK_PAKKEKODE", PASS)
    field_work(laptop, guide, n=2)
    lurl = laptop.url.render_as_string(hide_password=False)
    curl = central.url.render_as_string(hide_password=False)
    p = tmp_path / "felt.zip"
    assert main(["--db", lurl, "export", "package", str(p)]) == 0
    out = capsys.readouterr().out
    assert "2 interviews" in out and "krypteret (AES-256)" in out
    assert main(["--db", curl, "merge", str(p), "--who", "admin"]) == 0
    assert "2 nye interviews" in capsys.readouterr().out
    assert main(["--db", curl, "merge", str(p)]) == 0
    out = capsys.readouterr().out
    assert "0 nye interviews, 0 opdateret, 2 uændrede" in out and "Ingen konflikter" in out
    assert main(["--db", curl, "merge", "--conflicts"]) == 0
    assert "Ingen uafgjorte flettekonflikter" in capsys.readouterr().out
    (tmp_path / "x.zip").write_bytes(b"PK\x03\x04junk")
    assert main(["--db", curl, "merge", str(tmp_path / "x.zip")]) == 1
    err = capsys.readouterr().err
    assert "ikke en Brugerblik-feltpakke" in err and "Traceback" not in err
    assert main(["--db", curl, "merge", "--resolve", "999", "--brug", "central"]) == 1
    assert "findes ikke" in capsys.readouterr().err


@pytest.mark.uses_sqlite
def test_a_sqlite_laptop_merges_into_the_central_database(tmp_path, central, guide):
    """The real set-up: the laptop is an SQLite file; the central store is whatever the run uses."""
    lap = make_engine(f"sqlite:///{tmp_path / 'laptop.db'}")
    try:
        ids = field_work(lap, guide, n=2)
        p = export(lap, tmp_path)
        res = merge(central, p)
        assert len(res.inserted) == 2
        with session_scope(lap) as s, session_scope(central) as s2:
            lv, cv = sync.load_versions(s, ids), sync.load_versions(s2, ids)
        assert {i: v["hash"] for i, v in lv.items()} == {i: v["hash"] for i, v in cv.items()}
        assert not merge(central, p).changed
    finally:
        lap.dispose()
