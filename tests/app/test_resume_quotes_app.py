"""Issue 10.5 and 10.6 through streamlit.testing (AppTest): the list of open interviews shows which sections
are done and its link resumes in the section of the last saved answer; a quote added from a probe row is
shown with the probe's question on the interview page (the ❝ dialog and the Citater section), Kodning,
Citatbank and Anonymisering. Every flow checks the store afterwards."""
from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs

import pytest
from streamlit.testing.v1 import AppTest

from archetypes import coding
from survey import interview as svc
from survey.db import get_engine, session_scope
from survey.demo import load_demo
from survey.models import Quote
from tests.app.autosave_driver import grid_key, grid_set
from ui.common import md
from tests.app.pages import APP, TIMEOUT, open_page, run_ok, switch, texts

QUESTION = "Har tilbuddet givet dig en rytme i hverdagen? (note)"


@pytest.fixture
def db(db_url, monkeypatch):
    monkeypatch.setenv("BRUGERBLIK_DB", db_url)
    return get_engine(db_url)  # the same engine the app's cache_resource hands out for this URL


@pytest.fixture
def iv(db, guide):
    return svc.start_interview(db, guide, site_name="Amadeus", site_type="vaerested", interviewer="KL",
                               interview_date=dt.date(2026, 11, 3))








def section_chips(at: AppTest, iid: str) -> dict[str, str]:
    """The open list's row for `iid`: section name -> data-state (done / started / todo)."""
    row = next(m.value for m in at.markdown if f'data-iv="{iid}"' in m.value)
    return dict(re.findall(r'data-section="([^"]+)" data-state="([^"]+)"', row))


# ---------------------------------------------------------------- 10.5: the list and the resume link

def test_the_list_shows_the_sections_done_and_the_link_resumes_in_the_last_answers_section(db, guide, iv):
    for code, v in [("hvorfor_her", "Bor her"), ("gender", "mand"), ("age", "44"), ("loennet_arbejde", "nej")]:
        assert svc.save_answer(db, guide, iv.id, code, v).ok      # 1. Om dig: done
    assert svc.save_answer(db, guide, iv.id, "rytme", "ja").ok     # 3. Udbytte: in progress, saved last
    start = run_ok(AppTest.from_file(APP, default_timeout=TIMEOUT))
    chips = section_chips(start, iv.id)
    assert chips == {"om_dig": "done", "aktivering": "todo", "udbytte": "started", "anderledes_grp": "todo",
                     "samarbejde_grp": "todo", "godt_tilbud_grp": "todo", "fremtid_grp": "todo", "samtykke": "todo"}
    assert "1 af 8" in texts(start) and "✓ færdigt · ◐ i gang" in texts(start)
    link = next(p for p in start.main.get("page_link") if p.value == "AMA-01")
    assert parse_qs(link.proto.query_string) == {"iv": [iv.id]}  # no afsnit of its own: the page decides
    assert link.proto.help == "Fortsæt i 3. Udbytte"
    # the link: the interview page with only iv= opens «Udbytte» and puts it in the URL (a reload stays)
    at = open_page("interview", iv=iv.id)
    assert at.sidebar.radio(key=f"nav_{iv.id}").value == "udbytte" and at.query_params["afsnit"] == "udbytte"
    assert any("3. Udbytte" in m.value for m in at.main.subheader)  # the section heading
    # elsewhere in the session: the radio rules; a reload (a new session with that URL) returns there
    at.sidebar.radio(key=f"nav_{iv.id}").set_value("aktivering")
    run_ok(at)
    assert at.query_params["afsnit"] == "aktivering"
    reload = open_page("interview", iv=iv.id, afsnit="aktivering")
    assert reload.sidebar.radio(key=f"nav_{iv.id}").value == "aktivering"
    # back to the list and resume again in the same session: the last *saved* answer decides
    switch(at, "start")
    run_ok(at)
    del at.query_params["afsnit"]
    at.query_params["iv"] = iv.id
    switch(at, "interview")
    run_ok(at)
    assert at.sidebar.radio(key=f"nav_{iv.id}").value == "udbytte"
    # a later answer in «Om dig» moves the resume point there
    assert svc.save_answer(db, guide, iv.id, "age", "45").ok
    assert open_page("interview", iv=iv.id).sidebar.radio(key=f"nav_{iv.id}").value == "om_dig"
    assert svc.resume_section(db, iv.id, guide) == "om_dig"


def test_a_new_interview_without_answers_still_opens_the_first_section(db, guide, iv):
    start = run_ok(AppTest.from_file(APP, default_timeout=TIMEOUT))
    assert set(section_chips(start, iv.id).values()) == {"todo"}
    assert next(p for p in start.main.get("page_link") if p.value == "AMA-01").proto.help == "Fortsæt interviewet"
    at = open_page("interview", iv=iv.id)
    assert at.sidebar.radio(key=f"nav_{iv.id}").value == "om_dig" and at.query_params["afsnit"] == "om_dig"


# ---------------------------------------------------------------- 10.6: the interview page

def test_a_quote_from_a_probe_row_carries_the_probes_question_on_the_interview_page(db, guide, iv):
    at = open_page("interview", iv=iv.id, afsnit="udbytte")
    grid_set(at, db, iv.id, "rytme", "ja")
    # the grid's ❝ in the «rytme» row (the component's trigger), as the browser sends it
    at.session_state[grid_key(iv.id)] = {"queue": None, "quote": {"code": "rytme_note", "t": 1}}
    run_ok(at)
    assert f"**Citater** · {md(QUESTION)}" in [m.value for m in at.markdown]
    from tests.app.autosave_driver import data, send

    send(at, f"qn_{iv.id}_rytme_note", "newquote:rytme_note", "Nu står jeg op hver morgen.", (0, None))
    stored = svc.list_quotes(db, iv.id)
    assert [(q.item_code, q.text) for q in stored] == [("rytme_note", "Nu står jeg op hver morgen.")]
    assert data(at, f"qt_{iv.id}_{stored[0].id}")["value"] == "Nu står jeg op hver morgen."  # listed at once
    # the Citater section: the link to where it was said is the probe's question, not «Note»
    at.sidebar.radio(key=f"nav_{iv.id}").set_value("_citater")
    run_ok(at)
    links = [p for p in at.main.get("page_link") if "afsnit=udbytte" in p.proto.query_string]
    assert [p.value for p in links] == [QUESTION]
    assert parse_qs(links[0].proto.query_string)["q"] == ["rytme_note"]
    assert not [p for p in at.main.get("page_link") if p.value == "Note"]


# ---------------------------------------------------------------- 10.6: the coding pages

@pytest.fixture
def demo_quote(db, guide):
    """A probe-row quote (with a name the anonymiser masks) on a demo respondent."""
    assert load_demo(db, guide) == 61
    with session_scope(db) as s:
        iid = next(r.interview_id for r in coding.respondents(s) if r.respondent_id == "AMA-01")
        q = Quote(interview_id=iid, item_code="rytme_note", text="Jens Hansen fik mig op om morgenen.",
                  created_by="KL")
        s.add(q)
        s.flush()
        return iid, q.id


def test_kodning_shows_the_probe_question(db, demo_quote):
    iid, qid = demo_quote
    at = open_page("kodning", r="AMA-01")
    block = next(m.value for m in at.markdown if "Jens Hansen fik mig op" in m.value)
    assert QUESTION in block and ">Note<" not in block


def test_citatbank_shows_the_probe_question(db, demo_quote):
    _, qid = demo_quote
    at = open_page("citatbank")
    at.text_input(key="cb_search").input("morgenen")
    run_ok(at)
    block = next(m.value for m in at.markdown if f"citat {qid}" in m.value)
    assert f"{QUESTION} · citat {qid}" in block


def test_anonymisering_names_the_quote_by_the_probe_question(db, demo_quote):
    _, qid = demo_quote
    at = open_page("anonymisering")
    box = at.selectbox(key="an_quote")
    assert f"AMA-01 · citat {qid} · {QUESTION}" in box.options


def test_the_audit_trails_name_a_reopened_interviews_probe_quote_by_the_question(db, guide, iv):
    """Ændringslog on the interview page and the Historik page's table: «Citat: <probe question>»."""
    from survey import history
    from ui.historik_view import frame

    assert svc.complete(db, guide, iv.id, reason="afbrudt").ok
    svc.reopen(db, iv.id, who="KL", reason="citat glemt")
    q, msg = svc.add_quote(db, guide, iv.id, "rytme_note", "Nu står jeg op hver morgen.")
    assert q is not None, msg
    at = open_page("interview", iv=iv.id, afsnit="_afslut")
    log = next(d.value for d in at.dataframe if "Hvad" in d.value.columns)
    assert f"Citat: {QUESTION}" in list(log["Hvad"])
    with session_scope(db) as s:
        rows = [r for r in history.respondent_history(s, iv.id, guide) if r.kind == "quote"]
    assert len(rows) == 1 and list(frame(guide, rows)["Hvad"]) == [QUESTION]
    kod = open_page("kodning", r=iv.respondent_id)
    trail = next(d.value for d in kod.dataframe if "Hvad" in d.value.columns and "Før" in d.value.columns)
    assert f"Citat: {QUESTION}" in list(trail["Hvad"])
