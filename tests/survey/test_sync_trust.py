"""Field packages that cannot leak, lie or forge (issue 11, points 1–3 and 9): roles decide what a
package holds, merge validates like an import, history arrives as coming from the package, the
package is encrypted and authenticated, duplicate ids are refused in Danish."""
from __future__ import annotations

import datetime as dt
import json
import os
import uuid
import zipfile

import pytest
from sqlalchemy import select

from survey import auth, source_store, sync
from survey import interview as svc
from survey.db import session_scope
from survey.guide import load_guide
from survey.models import AuditEntry, Interview, MergeConflict
from survey.sync import SyncError
from tests.survey.test_sync import PASS, _rewrite, _set, export, field_work, merge, snapshot




def _payload(path) -> dict:
    return json.loads(sync.read_package_file(path, PASS)[1])


# ---------------------------------------------------------------- 1. packages honour roles

def test_an_interviewers_package_holds_only_their_own_interviews(laptop, guide, tmp_path):
    mine = field_work(laptop, guide, site="Amadeus", interviewer="ole", n=2)
    theirs = field_work(laptop, guide, site="Kofoed", interviewer="KL", n=2)
    with session_scope(laptop) as s:  # administration on the laptop: never in a package
        auth.add_user(s, "ole", "interviewer", "en god lang kode 1")
    ole = auth.Principal("ole", "interviewer")
    p = export(laptop, tmp_path, "ole.zip", principal=ole)
    data = _payload(p)
    assert sorted(v["id"] for v in data["interviews"]) == sorted(mine)
    assert [x["name"] for x in data["sites"]] == ["Amadeus"]
    assert data["audit"] == []
    assert all(a["interview_id"] if "interview_id" in a else True for v in data["interviews"] for a in v["audit"])
    assert not {v["id"] for v in data["interviews"]} & set(theirs)
    # an interviewer with no interviews of their own gets an empty package, not the store
    p2 = export(laptop, tmp_path, "tom.zip", principal=auth.Principal("ny", "interviewer"))
    assert _payload(p2) == {"sites": [], "interviews": [], "audit": [], "deleted": [], "withdrawn": []}
    # researchers and admins (and an open store) package the whole store
    for who in (auth.Principal("f", "researcher"), auth.Principal("a", "admin"), None):
        assert len(_payload(export(laptop, tmp_path, "alle.zip", principal=who))["interviews"]) == 4
    with pytest.raises(auth.AuthError):
        export(laptop, tmp_path, "rw.zip", principal=auth.Principal("r", "report_writer"))
    assert not (tmp_path / "rw.zip").exists()


def test_the_role_table_names_who_packages_and_who_merges():
    assert auth.ACTIONS["package.all"] == {"researcher", "admin"}
    assert "interviewer" in auth.ACTIONS["package"]
    from brugerblik.cli import COMMAND_ACTIONS
    assert auth.ACTIONS[COMMAND_ACTIONS["merge"]] == {"admin"}


# ---------------------------------------------------------------- 2. merge validates like import

@pytest.fixture
def package(laptop, guide, tmp_path):
    field_work(laptop, guide, n=2)
    return export(laptop, tmp_path)


def _answer_index(d: dict, code: str) -> int:
    return [a["code"] for a in d["interviews"][0]["answers"]].index(code)


def _forged(package, tmp_path, name, change):
    """A package changed by someone who knows the passphrase, with its checksum and content hash
    made to fit: only the guide checks stand between it and the store."""
    def edit(d):
        change(d)
        for v in d["interviews"]:
            v["hash"] = sync.content_hash(v)
        return d
    return _rewrite(package, tmp_path / name, data=edit)


CPR = "010203-1234"


@pytest.mark.parametrize("what,change,expect", [
    ("cpr-shaped respondent id", lambda d: _set(d, ["interviews", 0, "respondent_id"], CPR), "ligner et CPR-nummer"),
    ("value the guide forbids", lambda d: _set(d, ["interviews", 0, "answers", _answer_index(d, "rytme"), "value"],
                                               "måske"), "rytme: tilladt"),
    ("formula in a number", lambda d: _set(d, ["interviews", 0, "answers", _answer_index(d, "age"), "value"],
                                           "=1+1"), "age: tilladt: heltal"),
    ("unknown code", lambda d: d["interviews"][0]["answers"].append(
        {"code": "hemmelig_kode", "value": "x", "updated_at": d["interviews"][0]["created_at"], "updated_by": None,
         "source": "interview"}), "findes ikke som spørgsmål"),
    ("another guide version", lambda d: _set(d, ["interviews", 0, "guide_version"], "2019.3"),
     f"version '2019.3', men den centrale database bruger brugerblik_bruger version {load_guide().version}"),
    ("another guide form", lambda d: _set(d, ["interviews", 1, "guide_form_id"], "fremmed_guide"),
     "'fremmed_guide'"),
    ("uncleaned quote", lambda d: _set(d, ["interviews", 0, "quotes", 0, "text"], "Her\x07 kender de mig"),
     "citat nr. 1"),
    ("quote on a closed item", lambda d: _set(d, ["interviews", 0, "quotes", 0, "item_code"], "rytme"),
     "ikke et fritekstspørgsmål"),
    ("cpr as interviewer", lambda d: _set(d, ["interviews", 0, "interviewer"], f"Hans {CPR}"), "CPR-nummer"),
])
def test_merge_refuses_what_import_refuses_and_changes_nothing(package, central, tmp_path, what, change, expect):
    before = snapshot(central)
    bad = _forged(package, tmp_path, "bad.zip", change)
    with pytest.raises(SyncError) as ei:
        merge(central, bad)
    msg = str(ei.value)
    assert expect in msg, (what, msg)
    assert "intet er ændret" in msg and "interview" in msg
    assert "1234" not in msg and "Hans" not in msg and "kender de mig" not in msg  # never the value itself
    assert snapshot(central) == before


def test_a_journal_extract_without_central_consent_is_held_never_merged(laptop, central, guide, tmp_path):
    uid = field_work(laptop, guide, n=1, complete=False)[0]  # consent_journal = ja on the laptop
    merge(central, export(laptop, tmp_path, "p1.zip"))
    assert svc.save_answer(central, guide, uid, "consent_journal", "nej").ok  # withdrawn centrally
    info = source_store.start_source_interview(laptop, "journal", subject_interview_id=uid, kilde="kommune",
                                               interviewer="KL", interview_date=dt.date(2026, 11, 5))
    res = merge(central, export(laptop, tmp_path, "p2.zip"))
    assert [k for _r, k in res.conflicts] and "samtykke til journalindsigt" in res.conflicts[0][1]
    with session_scope(central) as s:
        assert s.get(Interview, info.id) is None
        kinds = list(s.execute(select(MergeConflict.kind, MergeConflict.id)).all())
    assert [k for k, _ in kinds] == ["samtykke"]
    with pytest.raises(SyncError, match="samtykke til journalindsigt"):
        sync.resolve_conflict(central, kinds[0][1], "laptop", who="admin")
    with session_scope(central) as s:
        assert s.get(Interview, info.id) is None


# ---------------------------------------------------------------- 3. history cannot be forged

def test_audit_entries_arrive_as_coming_from_the_package(laptop, central, guide, tmp_path):
    field_work(laptop, guide, n=1)
    victim = field_work(central, guide, site="Kofoed", interviewer="central", n=1)[0]
    p = export(laptop, tmp_path, principal=auth.Principal("ole", "researcher"), device="felt-pc-7")

    def forge_admin(d):
        for a in d["interviews"][0]["audit"]:
            a["who"] = "admin"
    res = merge(central, _forged(p, tmp_path, "who.zip", forge_admin))
    assert res.audit_added > 0
    with session_scope(central) as s:
        rows = list(s.execute(select(AuditEntry).where(AuditEntry.interview_id == res_id(s, res))).scalars())
    came = [a for a in rows if a.entity != "merge"]
    assert came and all(a.who == "ole" for a in came)
    assert all("via pakke" in a.note and "felt-pc-7" in a.note and "registreret på feltcomputeren af: admin"
               in a.note for a in came)
    # entries about another (central) interview, or outside any interview: the package is refused
    before = snapshot(central)
    for name, change in (
            ("other.zip", lambda d: d["interviews"][0]["audit"].append(
                dict(d["interviews"][0]["audit"][0], uid="6f1c1f42-9d7c-4d0e-9d5f-0a0b0c0d0e0f",
                     interview_id=victim, who="admin"))),
            ("loose.zip", lambda d: d["audit"].append(
                dict(d["interviews"][0]["audit"][0], uid="7f1c1f42-9d7c-4d0e-9d5f-0a0b0c0d0e0f",
                     interview_id=None, entity="user", who="admin")))):
        with pytest.raises(SyncError, match="andet interview end det|hører ikke til noget interview"):
            merge(central, _forged(p, tmp_path, name, change))
    assert snapshot(central) == before


def res_id(s, res) -> str:
    return s.execute(select(Interview.id).where(Interview.respondent_id == (res.inserted or res.updated)[0])).scalar()


# ---------------------------------------------------------------- encrypted and authenticated

def test_packages_are_encrypted_authenticated_and_owner_only(laptop, central, guide, tmp_path):
    field_work(laptop, guide, n=2)
    p = export(laptop, tmp_path)
    raw = p.read_bytes()
    with session_scope(laptop) as s:
        rids = list(s.execute(select(Interview.respondent_id)).scalars())
    for secret in ("Her er der ro", "Her kender de mig", *rids, "hvorfor_her", "Amadeus"):  # long enough not to occur by chance
        assert secret.encode() not in raw, secret
    assert os.stat(p).st_mode & 0o777 == 0o600
    before = snapshot(central)
    with pytest.raises(SyncError, match="Forkert pakkekode"):
        sync.merge_package(central, p, passphrase="en helt anden kode")
    with pytest.raises(SyncError, match="mindst 12 tegn"):
        sync.merge_package(central, p, passphrase="kort")
    start = raw.find(b"data.json") + 100  # data.json's ciphertext follows its local header
    end = raw.find(b"PK\x01\x02")          # the central directory
    for i in range(start, end - 40, max(1, (end - 40 - start) // 7)):
        flipped = bytearray(raw)
        flipped[i] ^= 0x01
        (tmp_path / "t.zip").write_bytes(bytes(flipped))
        with pytest.raises(SyncError, match="integritetstjekket fejlede|Forkert pakkekode"):
            merge(central, tmp_path / "t.zip")
    with zipfile.ZipFile(tmp_path / "gammel.zip", "w") as z:  # format 1: not encrypted
        z.writestr("manifest.json", json.dumps({"format": sync.FORMAT, "version": 1}))
        z.writestr("data.json", "{}")
    with pytest.raises(SyncError, match="ikke krypteret"):
        merge(central, tmp_path / "gammel.zip")
    assert snapshot(central) == before


# ---------------------------------------------------------------- duplicate ids

def test_duplicate_ids_are_refused_in_danish_naming_the_record(package, laptop, central, guide, tmp_path):
    before = snapshot(central)
    cases = {
        "quote": lambda d: _set(d, ["interviews", 1, "quotes", 0, "uid"], d["interviews"][0]["quotes"][0]["uid"]),
        "consent": lambda d: _set(d, ["interviews", 1, "consent", 0, "uid"], d["interviews"][0]["consent"][0]["uid"]),
        "audit": lambda d: _set(d, ["interviews", 1, "audit", 0, "uid"], d["interviews"][0]["audit"][0]["uid"]),
    }
    for kind, change in cases.items():
        with pytest.raises(SyncError, match="står to gange i pakken") as ei:
            merge(central, _forged(package, tmp_path, f"{kind}.zip", change))
        assert "Traceback" not in str(ei.value) and "nr. 1" in str(ei.value)
    # a quote id the central store holds for another interview
    other = field_work(central, guide, site="Kofoed", interviewer="central", n=1)[0]
    with session_scope(central) as s:
        taken = s.execute(select(sync.Quote.uid).where(sync.Quote.interview_id == other)).scalar()
    # the store has met the other sources' guides before (survey.guide_fit records that at the first command or
    # page that reads them, the merge's own start too): what the refused merge may not change is the rest
    from survey import source_store

    source_store.check_guides(central)
    before = snapshot(central)
    with pytest.raises(SyncError, match="tilhører centralt et andet interviews citat"):
        merge(central, _forged(package, tmp_path, "taken.zip",
                               lambda d: _set(d, ["interviews", 0, "quotes", 0, "uid"], taken)))
    assert snapshot(central) == before


def test_a_device_or_pipe_is_never_read_as_a_package(central, tmp_path):
    """Found by a hostile tester: `merge` of a link to /dev/zero read until the kernel killed it (23 GB)."""
    before = snapshot(central)
    link = tmp_path / "nul.zip"
    link.symlink_to("/dev/zero")
    fifo = tmp_path / "rør.zip"
    os.mkfifo(fifo)
    for path in (link, fifo):
        with pytest.raises(SyncError, match="ikke en almindelig fil"):
            merge(central, path)
    big = tmp_path / "stor.zip"
    with open(big, "wb") as f:
        f.truncate(81 * 1024 * 1024)  # sparse: over the package limit without writing it
    with pytest.raises(SyncError, match="for stor"):
        merge(central, big)
    assert snapshot(central) == before


def test_a_tombstone_or_withdrawal_with_a_cpr_number_is_refused(package, central, tmp_path):
    """Found by a hostile tester: a package's tombstone with «Jens Hansen 0101901234 ringede» as its reason
    deleted an interview and kept the CPR number unmasked, though the CLI refuses it in a reason."""
    import uuid

    def stone(d):
        d["deleted"] = [{"uid": str(uuid.uuid4()), "interview_id": str(uuid.uuid4()), "informant": "bruger",
                         "who": "KL", "at": "2026-12-01T10:00:00", "reason": f"Jens ringede {CPR}",
                         "counts": {"svar": 3}}]

    def withdrawal(d):
        d["withdrawn"] = [{"uid": str(uuid.uuid4()), "interview_id": d["interviews"][0]["id"], "purpose": "interview",
                           "withdrawn_on": "2026-12-01", "reason": "Ønsker det ikke", "recorded_by": f"KL {CPR}",
                           "recorded_at": "2026-12-01T10:00:00"}]

    before = snapshot(central)
    for change, field in ((stone, "'reason'"), (withdrawal, "'recorded_by'")):
        with pytest.raises(SyncError) as ei:
            merge(central, _forged(package, tmp_path, f"{field[1:-1]}.zip", change))
        msg = str(ei.value)
        assert f"feltet {field} ligner et CPR-nummer" in msg and "1234" not in msg and "Jens" not in msg, msg
    assert snapshot(central) == before


# ---------------------------------------------------------------- deletions need a yes

def test_a_forged_tombstone_or_withdrawal_is_refused_until_the_admin_says_yes(laptop, central, guide, tmp_path,
                                                                              capsys, monkeypatch):
    """Hostile review of issue 12: anyone who holds the package code can write a package whose
    tombstones delete any respondent centrally, or whose withdrawals close them. Merge now names
    what it would delete and withdraw and changes nothing, until ``--tillad-sletning``."""
    from brugerblik.cli import main
    from survey import privacy

    monkeypatch.setenv("BRUGERBLIK_PAKKEKODE", PASS)
    a, b, c = field_work(laptop, guide, n=3)
    merge(central, export(laptop, tmp_path, "p1.zip"))
    with session_scope(central) as s:
        rid = {i: s.get(Interview, i).respondent_id for i in (a, b, c)}
    stone = {"uid": "8d0bd3c1-4f4e-4a2b-9d55-6a1f0e5a0b11", "interview_id": a, "informant": "bruger", "who": "x",
             "at": "2026-12-01T10:00:00.000000Z", "reason": "forfalsket", "counts": {"answer": 1}}
    gone = {"uid": "4c3e5a7e-1d2b-4f7a-9a55-0b1e2d3c4f50", "interview_id": b, "purpose": "journal",
            "withdrawn_on": "2026-12-01", "reason": "forfalsket", "recorded_by": None,
            "recorded_at": "2026-12-01T10:00:00.000000Z"}

    def forge(d):
        d["interviews"] = [v for v in d["interviews"] if v["id"] == c]  # the package holds C only
        d["deleted"].append(stone)
        d["withdrawn"].append(gone)
        return d

    forged = _rewrite(export(laptop, tmp_path, "p2.zip"), tmp_path / "forged.zip", data=forge)
    url = central.url.render_as_string(hide_password=False)
    # the store has met its guide before (survey.guide_fit records that at the first command or page that
    # reads it with the guide, the merge's own start too): what the refused merge may not change is the rest
    from survey import guide_fit

    guide_fit.require_fit(central, guide)
    before = snapshot(central)
    assert main(["--db", url, "merge", str(forged)]) == 1
    err = capsys.readouterr().err
    assert "intet er ændret" in err and "--tillad-sletning" in err and "Traceback" not in err
    assert f"sletter 1 interview (en brugers kilder med brugeren): {rid[a]}" in err
    assert f"registrerer 1 tilbagetrækning(er) af samtykke: {rid[b]} (journalindsigt)" in err
    assert rid[c] not in err and "forfalsket" not in err
    assert snapshot(central) == before
    # a tombstone of an interview that is not here deletes nothing and needs no yes
    with session_scope(central) as s:
        assert not privacy.package_effects(s, [dict(stone, uid=str(uuid.uuid4()), interview_id=str(uuid.uuid4()))], [])
        assert privacy.package_effects(s, [stone], [gone]).deletes == (rid[a],)
    # with the yes the admin takes responsibility: A is deleted, B's journal consent withdrawn
    assert main(["--db", url, "merge", str(forged), "--tillad-sletning"]) == 0
    out = capsys.readouterr().out
    assert "slettet her" in out
    with session_scope(central) as s:
        assert s.get(Interview, a) is None and s.get(Interview, b) is not None
        assert privacy.deleted_ids(s, [a, b]) == {a}
    assert not merge(central, forged).changed  # once is enough: a second merge asks nothing
