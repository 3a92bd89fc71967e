"""Deletion is final, also against a field package made before it (issue 12, the last deletion test):
after ``brugerblik respondent slet-raadata`` a merge neither stores nor keeps as a conflict any value the
raw-data deletion removed, and says how many it left out; a respondent deleted entirely or withdrawn is
not brought back through a conflict either. On SQLite and PostgreSQL (the fixtures' stores)."""
from __future__ import annotations

import json

from sqlalchemy import select
from sqlmodel import Session

from coding.anonymise import export_masker
from survey import privacy, store, sync
from survey import interview as svc
from survey.models import AuditEntry, ConsentWithdrawal, Interview, MergeConflict, Quote, StudySetting
from tests.survey.test_privacy import _dump, _get
from tests.survey.test_sync import _rewrite, export, field_work, merge

SECRET = "Kaninhemmelighed Quistgaard-Ørum"  # only the laptop's free text holds it
NAME = "Zulfikar Øberg-Hansen"               # a name in a quote: the raw-data deletion masks it


def _raw_left(engine, guide) -> dict[str, int]:
    codes = privacy.free_text_codes(guide, engine)
    with Session(engine) as s:
        counts = privacy.raw_data_counts(s, codes)
    counts.pop("journal")  # their closed answers stay
    return {k: n for k, n in counts.items() if n}


def _conflicts(engine) -> list[str]:
    with Session(engine) as s:
        return [json.dumps([m.central_version, m.laptop_version], ensure_ascii=False)
                for m in s.execute(select(MergeConflict)).scalars()]


def test_a_package_from_before_the_raw_data_deletion_brings_no_raw_data_back(laptop, central, guide, tmp_path):
    a, b = field_work(laptop, guide, n=2)
    merge(central, export(laptop, tmp_path, "p1.zip"))
    # on the laptop, before the raw data are deleted centrally: free text, a quote with a name, a
    # completion note — and a closed answer changed; a third interview never merged
    svc.reopen(laptop, a, who="KL", reason="tilføjelse")
    assert svc.save_answer(laptop, guide, a, "hverdag", f"Min hverdag med {SECRET}").ok
    assert svc.save_answer(laptop, guide, a, "rytme", "nej").ok
    q, msg = svc.add_quote(laptop, guide, a, "hvorfor_her", f"Min bror {NAME} kom her først")
    assert q is not None, msg
    assert svc.complete(laptop, guide, a, reason=f"Noten om {SECRET}").ok
    (c,) = field_work(laptop, guide, n=1, complete=False)
    assert svc.save_answer(laptop, guide, c, "hverdag", f"Også {SECRET}").ok
    p2 = export(laptop, tmp_path, "p2.zip")

    res = privacy.delete_raw_data(central, guide, confirm=True, masker=export_masker(central))
    assert res.done and _raw_left(central, guide) == {}

    r = merge(central, p2, masker=export_masker(central))
    # nothing the deletion removed is stored or kept as a conflict; the reminder stays away
    assert _raw_left(central, guide) == {}
    assert not r.conflicts and not _conflicts(central)
    assert not any(SECRET.split()[1] in row or "Øberg" in row or "Her er der ro" in row for row in _dump(central))
    # the closed answer changed on the laptop is taken (the raw-data deletion rebased the merge base)
    assert r.updated == [_get(central, a).respondent_id]
    with Session(central) as s:
        assert store.get_answers(s, a)["rytme"] == "nej" and "hverdag" not in store.get_answers(s, a)
        assert _get(central, a).completion_note is None
        texts = s.execute(select(Quote.text).where(Quote.interview_id == a)).scalars().all()
        assert len(texts) == 2 and not any("Zulfikar" in t for t in texts)  # the new quote masked
        new = s.get(Interview, c)
        assert new is not None and "hverdag" not in store.get_answers(s, c)
    # the result says how many values were left out, in Danish, without the text
    assert r.raw_not_restored["answer"] >= 5 and r.raw_not_restored["completion_note"] == 2  # a and b
    assert r.raw_not_restored["quote"] == 1
    text = r.summary()
    assert "fra før sletningen af rådata her er ikke taget tilbage, fordi rådata er slettet" in text
    assert "fritekstsvar" in text and SECRET.split()[1] not in text and "Zulfikar" not in text
    # merging the same package, or the first one, again brings nothing back either
    again = merge(central, p2, masker=export_masker(central))
    assert not again.changed and again.raw_not_restored and _raw_left(central, guide) == {}
    assert not merge(central, export(laptop, tmp_path, "p1b.zip")).changed or _raw_left(central, guide) == {}


def test_a_raw_data_conflict_holds_no_deleted_value_and_the_laptops_side_restores_none(laptop, central, guide,
                                                                                       tmp_path):
    """Changed in both places after the deletion: a conflict — without the deleted values — and
    ``--brug laptop`` takes the laptop's closed answers, never its old free text."""
    (a,) = field_work(laptop, guide, n=1)
    merge(central, export(laptop, tmp_path, "p1.zip"))
    svc.reopen(laptop, a, who="KL", reason="tilføjelse")
    assert svc.save_answer(laptop, guide, a, "hverdag", f"Min hverdag med {SECRET}").ok
    assert svc.save_answer(laptop, guide, a, "rytme", "nej").ok
    p2 = export(laptop, tmp_path, "p2.zip")
    privacy.delete_raw_data(central, guide, confirm=True, masker=export_masker(central))
    svc.reopen(central, a, who="fie", reason="rettelse")
    assert svc.save_answer(central, guide, a, "age", "55").ok  # changed centrally too

    r = merge(central, p2)  # no masker: nothing needs one here
    assert [k for k, _ in r.conflicts] == [_get(central, a).respondent_id]
    assert _raw_left(central, guide) == {"merge_conflict": 1} or _raw_left(central, guide) == {}
    (held,) = _conflicts(central)
    assert SECRET.split()[1] not in held and "Her er der ro" not in held
    with Session(central) as s:
        cid = s.execute(select(MergeConflict.id)).scalar_one()
        diffs = sync.list_conflicts(central)[0].differences
    assert "hverdag" not in diffs and "hvorfor_her" not in diffs and "rytme" in diffs
    sync.resolve_conflict(central, cid, "laptop", who="admin")
    with Session(central) as s:
        answers = store.get_answers(s, a)
    assert answers["rytme"] == "nej" and "hverdag" not in answers and "hvorfor_her" not in answers
    assert not any(SECRET.split()[1] in row for row in _dump(central))


def test_a_tombstone_removes_a_conflict_about_an_interview_that_was_never_stored_here(laptop, central, guide,
                                                                                    tmp_path):
    """A conflict held the laptop's whole version of an interview not stored centrally (two laptops
    gave the same number); the laptop deleted the respondent and its next package carries the
    tombstone: the conflict — which ``merge --conflicts`` showed — must go with it."""
    (a,) = field_work(laptop, guide, n=1)
    (other,) = field_work(central, guide, n=1)  # the same id, AMA-01, taken centrally
    assert _get(central, other).respondent_id == _get(laptop, a).respondent_id
    r = merge(central, export(laptop, tmp_path, "p1.zip"))
    assert [k for k, _ in r.conflicts] == ["AMA-01"] and len(_conflicts(central)) == 1
    privacy.delete_respondent(laptop, "AMA-01", reason="Anmodning om sletning")
    r2 = merge(central, export(laptop, tmp_path, "p2.zip"))
    assert r2.tombstones_added == 1 and not r2.deleted_here
    assert _conflicts(central) == [] and sync.list_conflicts(central, include_resolved=True) == []
    assert _get(central, other) is not None  # the central AMA-01 is another interview: it stays


def test_a_package_that_withdraws_its_own_interview_is_not_kept_as_a_conflict(laptop, central, guide, tmp_path):
    """The laptop recorded a withdrawal for an interview the central store does not hold, and the
    interview would become a conflict: a conflict kept it without its withdrawal, and ``--brug
    laptop`` stored it as if consent were given. Now it is left out like any withdrawn interview."""
    (a,) = field_work(laptop, guide, n=1)
    field_work(central, guide, n=1)  # AMA-01 taken centrally
    privacy.withdraw(laptop, "AMA-01", "interview", reason="Vil ikke mere")
    r = merge(central, export(laptop, tmp_path, "p.zip"))
    assert not r.conflicts and [x for x, _ in r.withdrawn_skipped] == ["AMA-01"]
    assert _conflicts(central) == []
    with Session(central) as s:
        assert s.get(Interview, a) is None
        assert s.execute(select(ConsentWithdrawal)).first() is None
        assert not s.execute(select(AuditEntry).where(AuditEntry.interview_id == a)).first()


def _clock_ahead(path, out, days: int = 2):
    """`path` as a laptop whose clock is `days` ahead would have written it: every time stamp later (each
    interview's hash computed again, as the laptop computes it from its own stamps)."""
    import datetime as dt
    import re

    from survey.clock import from_text, to_text

    stamp = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")

    def shift(x):
        if isinstance(x, dict):
            return {k: shift(v) for k, v in x.items()}
        if isinstance(x, list):
            return [shift(v) for v in x]
        if isinstance(x, str) and stamp.match(x):
            return to_text(from_text(x) + dt.timedelta(days=days))
        return x

    def data(d):
        d = shift(d)
        for v in d["interviews"]:
            v["hash"] = sync.content_hash(v)
        return d

    def manifest(m):  # the laptop's own times; the deletion's identity (``raw_deleted.at``) is the central store's
        m["created_at"] = shift(m["created_at"])
        if "raw_deleted" in m:
            m["raw_deleted"]["seen_at"] = shift(m["raw_deleted"]["seen_at"])

    return _rewrite(path, out, manifest=manifest, data=data)


def test_a_laptop_whose_clock_is_ahead_brings_no_raw_data_back_and_new_text_after_it_knew_still_merges(
        laptop, central, guide, tmp_path):
    """The exact case (review, 2026-12-07): the merge told a value from before the raw-data deletion here by the
    laptop's own time stamps (capped by the package's, also the laptop's clock). A laptop whose clock is ahead
    stamped the free text it had before the deletion as after it, and the merge took it back. Now deletions win:
    the laptop's stamps are compared only with its own clock's time of learning of the deletion (a central
    package merged on the laptop carries it), never with this store's clock."""
    (a,) = field_work(laptop, guide, n=1)
    merge(central, _clock_ahead(export(laptop, tmp_path, "p1.zip"), tmp_path / "p1+.zip"))
    svc.reopen(laptop, a, who="KL", reason="tilføjelse")
    assert svc.save_answer(laptop, guide, a, "hverdag", f"Min hverdag med {SECRET}").ok
    assert svc.save_answer(laptop, guide, a, "rytme", "nej").ok
    p2 = _clock_ahead(export(laptop, tmp_path, "p2.zip"), tmp_path / "p2+.zip")  # stamped two days ahead
    assert privacy.delete_raw_data(central, guide, confirm=True, masker=export_masker(central)).done

    r = merge(central, p2, masker=export_masker(central))
    assert r.raw_not_restored.get("answer", 0) >= 1, r.raw_not_restored
    assert _raw_left(central, guide) == {} and not any(SECRET.split()[1] in row for row in _dump(central))
    with Session(central) as s:
        answers = store.get_answers(s, a)
    assert answers["rytme"] == "nej" and "hverdag" not in answers  # the closed answer is taken, the text is not

    # the laptop merges a package of the central store made after the deletion: it now knows of it, and what
    # it writes after that — by its own clock, two days ahead or not — is new and merges
    merge(laptop, export(central, tmp_path, "central.zip"))
    with Session(laptop) as s:
        known = json.loads(s.get(StudySetting, privacy.RAW_KNOWN_KEY).value)
        assert set(known) == {"at", "seen_at"}
    assert svc.save_answer(laptop, guide, a, "hverdag", "Nu går jeg til træning om tirsdagen").ok
    p3 = _clock_ahead(export(laptop, tmp_path, "p3.zip"), tmp_path / "p3+.zip")
    r3 = merge(central, p3, masker=export_masker(central))
    with Session(central) as s:
        assert store.get_answers(s, a).get("hverdag") == "Nu går jeg til træning om tirsdagen", r3.summary()
    assert not any(SECRET.split()[1] in row for row in _dump(central))
