"""Issue 10.5: a resumed interview opens in the section of its last saved answer, and the list of open
interviews says which sections are done or in progress (survey.interview.resume_section, ListRow)."""
import datetime as dt

import pytest
from sqlalchemy import update

from survey import interview as svc
from survey.db import session_scope
from survey.models import Answer


@pytest.fixture
def iv(engine, guide):
    return svc.start_interview(engine, guide, site_name="Amadeus", site_type="vaerested", interviewer="KL",
                               interview_date=dt.date(2026, 11, 3))


def save(engine, guide, iid, code, value):
    res = svc.save_answer(engine, guide, iid, code, value)
    assert res.ok, res.message


def stamp(engine, iid, code, minute):
    """Give one answer a fixed save time (the rule orders by Answer.updated_at, not by insertion)."""
    with session_scope(engine) as s:
        s.execute(update(Answer).where(Answer.interview_id == iid, Answer.code == code)
                  .values(updated_at=dt.datetime(2026, 11, 3, 10, minute, tzinfo=dt.timezone.utc)))


def test_no_answers_resumes_nowhere_in_particular(engine, guide, iv):
    assert svc.resume_section(engine, iv.id, guide) is None  # the page opens «1. Om dig» as for a new one
    row = svc.list_interviews(engine, guide)[0]
    assert row.last_section is None and row.sections_done == 0
    assert [s.name for s in row.section_states] == [s.name for s in svc.sections(guide)]
    assert not any(s.started for s in row.section_states)


def test_resume_opens_the_section_of_the_last_saved_answer(engine, guide, iv):
    save(engine, guide, iv.id, "age", "44")                      # 1. Om dig
    save(engine, guide, iv.id, "rytme", "ja")                    # 3. Udbytte (the probe grid)
    save(engine, guide, iv.id, "rytme_note", "Står op kl. 7")
    assert svc.section_of(guide, "rytme").name == "udbytte"
    assert svc.resume_section(engine, iv.id, guide) == "udbytte"
    # by save time, not by which row was written first: an earlier answer changed later wins
    save(engine, guide, iv.id, "age", "45")
    assert svc.resume_section(engine, iv.id, guide) == "om_dig"
    stamp(engine, iv.id, "age", 1)
    stamp(engine, iv.id, "rytme", 2)
    stamp(engine, iv.id, "rytme_note", 3)
    assert svc.resume_section(engine, iv.id, guide) == "udbytte"


def test_an_answer_outside_the_sections_does_not_move_the_resume_point(engine, guide, iv):
    save(engine, guide, iv.id, "rytme", "ja")
    stamp(engine, iv.id, "rytme", 1)
    # the researcher's coding (not a section of the interview) saved later: still «Udbytte»
    with session_scope(engine) as s:
        s.add(Answer(interview_id=iv.id, code="arketype", value="den_aeldre", source="forsker",
                     updated_at=dt.datetime(2026, 11, 3, 11, 0, tzinfo=dt.timezone.utc)))
        s.add(Answer(interview_id=iv.id, code="ukendt_kode_fra_en_anden_version", value="x",
                     updated_at=dt.datetime(2026, 11, 3, 12, 0, tzinfo=dt.timezone.utc)))
    assert svc.resume_section(engine, iv.id, guide) == "udbytte"
    # one of the interview's own fields (a meta item): "" = «Om interviewet»
    save(engine, guide, iv.id, "selected_by_staff", guide.item("selected_by_staff").choice_values()[0])
    stamp(engine, iv.id, "selected_by_staff", 30)
    assert svc.resume_section(engine, iv.id, guide) == ""


def test_last_section_is_the_same_rule_for_rows_and_the_page(guide):
    t = dt.datetime(2026, 11, 3, 10, 0, tzinfo=dt.timezone.utc)
    naive = dt.datetime(2026, 11, 3, 10, 5)  # SQLite hands datetimes back without a zone (UTC)
    assert svc.last_section(guide, []) is None
    assert svc.last_section(guide, [("age", t, 1), ("fremtid", naive, 2)]) == "fremtid_grp"
    assert svc.last_section(guide, [("age", t, 5), ("fremtid", t, 2)]) == "om_dig"  # equal times: higher id
    assert svc.last_section(guide, [("arketype", naive, 9)]) is None


def test_list_rows_carry_each_sections_status_and_where_they_resume(engine, guide, iv):
    other = svc.start_interview(engine, guide, site_name="Basen", site_type="boform")
    for code, v in [("hvorfor_her", "Bor her"), ("gender", "mand"), ("age", "44"), ("loennet_arbejde", "nej")]:
        save(engine, guide, iv.id, code, v)                      # 1. Om dig: done
    save(engine, guide, iv.id, "rytme", "ja")                    # 3. Udbytte: started, not done
    rows = {r.respondent_id: r for r in svc.list_interviews(engine, guide)}
    r = rows["AMA-01"]
    states = {s.name: (s.done, s.started) for s in r.section_states}
    assert states["om_dig"] == (True, True)
    assert states["aktivering"] == (False, False)
    assert states["udbytte"] == (False, True)
    assert r.sections_done == 1 == sum(s.done for s in r.section_states)
    assert r.last_section == "udbytte" == svc.resume_section(engine, iv.id, guide)
    assert r.section_number("udbytte") == 3 and r.section_number("nope") is None
    assert rows["BAS-01"].last_section is None and rows["BAS-01"].id == other.id
    # without progress nothing is computed
    light = svc.list_interviews(engine, guide, with_progress=False)
    assert all(x.section_states == () and x.last_section is None for x in light)


def test_a_source_resumes_in_its_own_guides_sections(engine, guide, iv):
    from survey.source_store import informant_guide, start_source_interview

    g = informant_guide("sagsbehandler")
    src = start_source_interview(engine, "sagsbehandler", subject_interview_id=iv.id, interviewer="KL")
    assert svc.resume_section(engine, src.id, g) is None          # the page opens «Om interviewet» as today
    secs = svc.sections(g)
    code = next(i.code for i in secs[2].items if i.type in ("text", "select_one"))
    it = g.item(code)
    save(engine, g, src.id, code, "Et svar" if it.type == "text" else it.choice_values()[0])
    assert svc.resume_section(engine, src.id, g) == secs[2].name
    row = next(r for r in svc.list_interviews(engine, guide) if r.id == src.id)
    assert row.last_section == secs[2].name and [s.name for s in row.section_states] == [s.name for s in secs]
