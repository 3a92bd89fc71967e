"""Who sees which interviews (issue 6), in the interview service: an interviewer only their own,
a researcher (and the open store) everyone's, a report writer or an administrator none."""
from __future__ import annotations

import pytest

from survey import auth
from survey import interview as svc

IDA = auth.Principal("ida", "interviewer")
OLE = auth.Principal("ole", "interviewer")
FIE = auth.Principal("fie", "researcher")
RITA = auth.Principal("rita", "report_writer")
ADAM = auth.Principal("adam", "admin")


@pytest.fixture
def ivs(engine, guide):
    out = {}
    for who in ("ida", "ole"):
        d = svc.start_interview(engine, guide, site_name="Amadeus", site_type="vaerested", interviewer=who)
        c = svc.start_interview(engine, guide, site_name="Basen", site_type="boform", interviewer=who)
        assert svc.complete(engine, guide, c.id, reason="test").ok
        out[who] = (d, c)
    return out


def test_owner_scope_per_role():
    assert svc.owner_scope(None) is None and svc.owner_scope(auth.OPEN) is None
    assert svc.owner_scope(FIE) is None
    assert svc.owner_scope(IDA) == "ida"
    for p in (RITA, ADAM):
        with pytest.raises(auth.AuthError, match="Adgang nægtet"):
            svc.owner_scope(p)


def test_lists_are_filtered_by_the_interviewer(engine, guide, ivs):
    ida_draft, ida_done = ivs["ida"]
    ole_draft, ole_done = ivs["ole"]
    assert [r.id for r in svc.list_interviews(engine, guide, principal=IDA)] == [ida_draft.id]
    assert {r.id for r in svc.list_interviews(engine, guide, principal=FIE)} == {ida_draft.id, ole_draft.id}
    assert {r.id for r in svc.list_interviews(engine, guide)} == {ida_draft.id, ole_draft.id}
    assert [r[0] for r in svc.completed_index(engine, IDA)] == [ida_done.id]
    assert {r[0] for r in svc.completed_index(engine, FIE)} == {ida_done.id, ole_done.id}
    assert svc.last_started(engine, OLE) == ("Basen", "ole")
    with pytest.raises(auth.AuthError):
        svc.list_interviews(engine, guide, principal=RITA)
    with pytest.raises(auth.AuthError):
        svc.completed_index(engine, ADAM)


def test_opening_another_interviewers_interview_is_refused(engine, ivs):
    ida_draft, ida_done = ivs["ida"]
    ole_draft, _ = ivs["ole"]
    assert svc.find_for(engine, ida_draft.id, IDA)[1] and svc.find_for(engine, ida_done.id, IDA)[1]
    info, ok = svc.find_for(engine, ole_draft.id, IDA)
    assert info is not None and not ok
    assert svc.find_for(engine, ole_draft.id, FIE)[1] and svc.find_for(engine, ole_draft.id, auth.OPEN)[1]
    assert not svc.find_for(engine, ole_draft.id, RITA)[1] and not svc.find_for(engine, ole_draft.id, ADAM)[1]
    assert svc.find_for(engine, "findes-ikke", FIE) == (None, False)


def test_an_interviewer_starts_in_her_own_name_and_cannot_hand_it_on(engine, guide):
    iv = svc.start_interview(engine, guide, site_name="Amadeus", site_type="vaerested", interviewer="Nogen andre",
                             principal=IDA)
    assert iv.interviewer == "ida"
    res = svc.set_meta(engine, iv.id, "interviewer", "ole", principal=IDA)
    assert not res.ok and "kan du ikke ændre" in res.message
    assert svc.save_answer(engine, guide, iv.id, "interviewer", "ole", principal=IDA).ok is False
    assert svc.get_info(engine, iv.id).interviewer == "ida"
    assert svc.set_meta(engine, iv.id, "interview_date", "2026-11-04", principal=IDA).ok  # the date she may
    assert svc.set_meta(engine, iv.id, "interviewer", "ole", principal=FIE).ok             # a researcher may
    with pytest.raises(svc.InterviewError, match="Adgang nægtet"):
        svc.start_interview(engine, guide, site_name="Amadeus", principal=RITA)


def test_answers_record_the_signed_in_user(engine, guide):
    iv = svc.start_interview(engine, guide, site_name="Amadeus", site_type="vaerested", principal=IDA)
    assert svc.complete(engine, guide, iv.id, reason="test", who="ida").ok
    svc.reopen(engine, iv.id, who="fie", reason="Rettelse")
    assert svc.save_answer(engine, guide, iv.id, "hvorfor_her", "Rettet", who="fie", principal=FIE).ok
    trail = svc.audit_trail(engine, iv.id)
    assert [(a.entity, a.code, a.who) for a in trail] == [("interview", "status", "ida"),
                                                          ("interview", "status", "fie"),
                                                          ("answer", "hvorfor_her", "fie")]
