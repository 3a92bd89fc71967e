"""Issue 10: every answer carries a version; a save from a stale view never silently replaces a newer one."""
import datetime as dt

import pytest
from sqlalchemy import select

from survey import interview as svc
from survey.db import session_scope
from survey.models import AuditEntry


@pytest.fixture
def iv(engine, guide):
    return svc.start_interview(engine, guide, site_name="Amadeus", site_type="vaerested", interviewer="KL",
                               interview_date=dt.date(2026, 11, 3))


def trail(engine, iid, code):
    with session_scope(engine) as s:
        return [(a.old_value, a.new_value, a.note) for a in s.execute(
            select(AuditEntry).where(AuditEntry.interview_id == iid, AuditEntry.code == code)
            .order_by(AuditEntry.id)).scalars()]


def test_versions_rise_with_each_change_and_are_in_the_state(engine, guide, iv):
    st0 = svc.load_state(engine, iv.id)
    assert st0.base("rytme") == (0, None)
    r1 = svc.save_answer(engine, guide, iv.id, "rytme", "ja", base=st0.base("rytme"))
    assert r1.ok and r1.version == 1
    r2 = svc.save_answer(engine, guide, iv.id, "rytme", "nej", base=(1, "ja"))
    assert r2.ok and r2.version == 2
    st1 = svc.load_state(engine, iv.id)
    assert st1.base("rytme") == (2, "nej") and st1.versions["rytme"] == 2
    r3 = svc.save_answer(engine, guide, iv.id, "rytme", None, base=(2, "nej"))  # cleared
    assert r3.ok and r3.version == 0 and svc.load_state(engine, iv.id).base("rytme") == (0, None)


def test_a_stale_tab_does_not_overwrite_and_both_values_are_audited(engine, guide, iv):
    seen_by_a = svc.load_state(engine, iv.id).base("rytme")          # tab A draws the page: no answer
    assert svc.save_answer(engine, guide, iv.id, "rytme", "ja", base=seen_by_a).ok   # tab B answers Ja
    res = svc.save_answer(engine, guide, iv.id, "rytme", "nej", base=seen_by_a, who="kl")  # stale tab A: Nej
    assert not res.ok and res.conflict is not None
    assert (res.conflict.theirs, res.conflict.mine, res.conflict.theirs_version) == ("ja", "nej", 1)
    assert res.conflict.theirs_at is not None and res.conflict.theirs_at.tzinfo is not None
    assert svc.load_state(engine, iv.id).answers["rytme"] == "ja"          # nothing replaced
    assert trail(engine, iv.id, "rytme")[-1][:2] == ("ja", "nej") and "konflikt" in trail(engine, iv.id, "rytme")[-1][2]
    # «Brug mit»: saved against the version now seen
    res2 = svc.save_answer(engine, guide, iv.id, "rytme", "nej", base=(res.conflict.theirs_version, "ja"))
    assert res2.ok and svc.load_state(engine, iv.id).answers["rytme"] == "nej"
    # «Behold»: the stale value is recorded as set aside, the answer stays
    assert svc.save_answer(engine, guide, iv.id, "age", "44").ok
    res3 = svc.save_answer(engine, guide, iv.id, "age", "45", base=(0, None))
    assert res3.conflict is not None
    svc.keep_theirs(engine, iv.id, "age", res3.conflict.mine, who="kl")
    assert svc.load_state(engine, iv.id).answers["age"] == "44"
    assert trail(engine, iv.id, "age")[-1] == ("45", "44", "konflikt: det nyere svar fra en anden fane blev beholdt")


def test_same_value_from_a_stale_view_is_no_conflict_and_bad_values_still_refused(engine, guide, iv):
    assert svc.save_answer(engine, guide, iv.id, "rytme", "ja").ok
    same = svc.save_answer(engine, guide, iv.id, "rytme", "ja", base=(0, None))
    assert same.ok and same.conflict is None
    bad = svc.save_answer(engine, guide, iv.id, "rytme", "maaske", base=(1, "ja"))
    assert not bad.ok and bad.conflict is None and "tilladt" in bad.message.lower()


def test_a_deleted_and_re_added_answer_is_still_a_conflict_for_the_old_view(engine, guide, iv):
    assert svc.save_answer(engine, guide, iv.id, "rytme", "ja").ok            # v1 ja (seen by tab A)
    assert svc.save_answer(engine, guide, iv.id, "rytme", None).ok            # tab B clears
    assert svc.save_answer(engine, guide, iv.id, "rytme", "nej").ok           # and answers Nej: v1 again
    res = svc.save_answer(engine, guide, iv.id, "rytme", "uklart", base=(1, "ja"))
    assert res.conflict is not None and res.conflict.theirs == "nej"


def test_a_decimal_edited_as_shown_with_a_comma_is_no_conflict(engine, guide, iv):
    """A tester: after «12,5» was stored (as 12.5), every change to it was refused as «ændret i en anden
    fane» — the field sends the value it shows («12,5») as its base. The base is read as the guide reads
    a value; a real change from another tab is still a conflict."""
    assert guide.item("varighed_mdr").type == "decimal"
    r1 = svc.save_answer(engine, guide, iv.id, "varighed_mdr", "12,5", base=(0, None))
    assert r1.ok and r1.value == "12.5"
    r2 = svc.save_answer(engine, guide, iv.id, "varighed_mdr", "12,7", base=(r1.version, "12,5"))
    assert r2.ok and svc.load_state(engine, iv.id).answers["varighed_mdr"] == "12.7"
    stale = svc.save_answer(engine, guide, iv.id, "varighed_mdr", "13", base=(r1.version, "12,5"))
    assert stale.conflict is not None and svc.load_state(engine, iv.id).answers["varighed_mdr"] == "12.7"


def test_an_undecided_conflict_stays_in_the_state_until_someone_decides(engine, guide, iv):
    # a stale tab closed at once: its beacon's change is refused; the tab cannot say so, the next view must
    assert svc.save_answer(engine, guide, iv.id, "hverdag", "Fra A").ok
    assert svc.save_answer(engine, guide, iv.id, "rytme", "ja").ok
    svc.save_closing_changes(engine, guide, iv.id, [
        {"code": "hverdag", "value": "Fra B, vigtigt", "base": [0, None]},
        {"code": "rytme", "value": "nej", "base": [0, None]}])
    state = svc.load_state(engine, iv.id)
    assert state.answers["hverdag"] == "Fra A" and state.answers["rytme"] == "ja"      # nothing replaced
    c = state.conflicts["hverdag"]
    assert (c.theirs, c.mine, c.theirs_version) == ("Fra A", "Fra B, vigtigt", 1) and c.theirs_at is not None
    assert set(state.conflicts) == {"hverdag", "rytme"}
    # «Behold» decides one; «Brug mit» (a save against the version now seen) the other
    svc.keep_theirs(engine, iv.id, "rytme", "nej")
    assert set(svc.load_state(engine, iv.id).conflicts) == {"hverdag"}
    assert svc.save_answer(engine, guide, iv.id, "hverdag", "Fra B, vigtigt", base=(1, "Fra A")).ok
    assert svc.load_state(engine, iv.id).conflicts == {}
    # a later change of another value made in a view that was not asked (the interviewer typing on in the
    # other tab) decides nothing: the refused text stays to be decided; the same value stored is no conflict
    assert svc.save_answer(engine, guide, iv.id, "hvorfor_her", "x").ok
    assert not svc.save_answer(engine, guide, iv.id, "hvorfor_her", "y", base=(0, None)).ok
    assert "hvorfor_her" in svc.load_state(engine, iv.id).conflicts
    assert svc.save_answer(engine, guide, iv.id, "hvorfor_her", "z", base=(1, "x")).ok
    c = svc.load_state(engine, iv.id).conflicts["hvorfor_her"]
    assert (c.mine, c.theirs) == ("y", "z")
    svc.keep_theirs(engine, iv.id, "hvorfor_her", "y")
    assert "hvorfor_her" not in svc.load_state(engine, iv.id).conflicts
    assert not svc.save_answer(engine, guide, iv.id, "hvorfor_her", "w", base=(0, None)).ok
    assert svc.save_answer(engine, guide, iv.id, "hvorfor_her", "w", base=(2, "z")).ok
    assert "hvorfor_her" not in svc.load_state(engine, iv.id).conflicts
