"""The interview service (survey/interview.py): no Streamlit involved."""
import datetime as dt

import pytest
from sqlalchemy import select

from survey import interview as svc
from survey import store
from survey.db import make_engine, session_scope
from survey.models import AuditEntry, ConsentRecord, Interview


@pytest.fixture
def iv(engine, guide):
    return svc.start_interview(engine, guide, site_name="Amadeus", site_type="vaerested", interviewer="KL",
                               interview_date=dt.date(2026, 11, 3))


def answers(engine, iid):
    return svc.load_state(engine, iid).answers


def ctx(engine, iid):
    return svc.load_state(engine, iid).context()


# ---------------------------------------------------------------- starting and listing

def test_start_gives_pseudonymous_running_ids_per_site(engine, guide):
    a = svc.start_interview(engine, guide, site_name="Amadeus", site_type="vaerested", interviewer="KL")
    b = svc.start_interview(engine, guide, site_name="Amadeus", interviewer="KL")
    c = svc.start_interview(engine, guide, site_name="Tre Ege", site_type="boform", prefix="teg")
    assert (a.respondent_id, b.respondent_id, c.respondent_id) == ("AMA-01", "AMA-02", "TEG-01")
    assert a.status == "draft" and a.site_type == "vaerested" and a.guide_version == guide.version
    assert svc.preview_respondent_id(engine, "Amadeus") == "AMA-03"
    assert svc.preview_respondent_id(engine, "Helt nyt sted") == "HEL-01"
    assert [s.label for s in svc.list_sites(engine)] == ["Tre Ege (boform)", "Amadeus (værested)"]


@pytest.mark.parametrize("kwargs, message", [
    (dict(site_name="Nyt sted"), "angiv type"),
    (dict(site_name="  "), "Vælg et sted"),
    (dict(site_name="Amadeus", site_type="hospital"), "boform eller værested"),
    (dict(site_name="Amadeus", site_type="vaerested", prefix="A-1"), "bogstaver og tal"),
    (dict(site_name="Amadeus", site_type="vaerested", interviewer="120185-1234"), "CPR"),
    (dict(site_name="Amadeus", site_type="vaerested", interviewer="x" * 300), "for lang"),
])
def test_start_refuses_bad_input_with_a_danish_message(engine, guide, kwargs, message):
    with pytest.raises(svc.InterviewError, match=message):
        svc.start_interview(engine, guide, **kwargs)


def test_open_list_shows_id_site_started_and_sections_done(engine, guide, iv):
    other = svc.start_interview(engine, guide, site_name="Basen", site_type="boform")
    for code, v in [("hvorfor_her", "Bor her"), ("gender", "mand"), ("age", "44"), ("loennet_arbejde", "nej")]:
        assert svc.save_answer(engine, guide, iv.id, code, v).ok
    rows = {r.respondent_id: r for r in svc.list_interviews(engine, guide)}
    assert set(rows) == {"AMA-01", "BAS-01"}
    assert rows["AMA-01"].sections_done == 1 and rows["AMA-01"].sections_total == len(svc.sections(guide))
    assert rows["AMA-01"].site_name == "Amadeus" and rows["AMA-01"].created_at.tzinfo is not None
    assert rows["BAS-01"].sections_done == 0 and rows["BAS-01"].id == other.id
    svc.complete(engine, guide, other.id, reason="afbrudt")
    assert [r.respondent_id for r in svc.list_interviews(engine, guide)] == ["AMA-01"]
    assert [r.respondent_id for r in svc.list_interviews(engine, guide, ("complete",))] == ["BAS-01"]


def test_an_empty_draft_started_by_mistake_can_be_deleted_but_not_one_with_answers(engine, guide, iv):
    svc.save_answer(engine, guide, iv.id, "age", "40")
    with pytest.raises(svc.InterviewError, match="svar"):
        svc.delete_empty_draft(engine, iv.id)
    empty = svc.start_interview(engine, guide, site_name="Amadeus")
    svc.delete_empty_draft(engine, empty.id)
    assert svc.find(engine, empty.id) is None


# ---------------------------------------------------------------- the guide as sections

def test_sections_follow_the_guide_and_put_the_open_outcome_question_before_the_probes(guide):
    secs = svc.sections(guide)
    assert [s.name for s in secs] == [g.name for g in guide.interview_groups()]
    udbytte = next(s for s in secs if s.is_probegrid)
    assert udbytte.items[0].code == "udbytte_aabent"
    assert [p.code for p, _, _ in svc.probe_rows(guide, udbytte)] == [p.code for p in guide.probes]
    assert len(svc.probe_rows(guide, udbytte)) == 12
    shown = [i.code for s in secs for i in s.items] + [i.code for i in svc.meta_items(guide)]
    assert len(shown) == len(set(shown))  # every item exactly once
    expected = {c for c, i in guide.items.items() if i.role != "forsker" and c not in svc.store.META_CODES}
    assert set(shown) == expected
    assert [i.code for i in svc.meta_items(guide)] == ["selected_by_staff"]


def test_relevance_hides_items_and_keeps_their_answers(engine, guide, iv):
    hvad = guide.item("loennet_arbejde_hvad")
    assert not svc.visible(guide, hvad, ctx(engine, iv.id))  # blank: hidden
    svc.save_answer(engine, guide, iv.id, "loennet_arbejde", "ja")
    assert svc.visible(guide, hvad, ctx(engine, iv.id))
    svc.save_answer(engine, guide, iv.id, "loennet_arbejde_hvad", "Lager")
    svc.save_answer(engine, guide, iv.id, "loennet_arbejde", "nej")
    c = ctx(engine, iv.id)
    assert not svc.visible(guide, hvad, c)
    assert c["loennet_arbejde_hvad"] == "Lager"  # nothing is thrown away
    om = next(s for s in svc.section_status(guide, c) if s.name == "om_dig")
    assert om.hidden_answered == ("loennet_arbejde_hvad",)
    # the probes' "vigtigt" only once the probe is answered and not "ikke relevant"
    vig = guide.item("rytme_vigtigt")
    assert not svc.visible(guide, vig, c)
    svc.save_answer(engine, guide, iv.id, "rytme", "ja")
    assert svc.visible(guide, vig, ctx(engine, iv.id))
    svc.save_answer(engine, guide, iv.id, "rytme", "ikke_relevant")
    assert not svc.visible(guide, vig, ctx(engine, iv.id))


def test_section_done_needs_an_answer_no_missing_required_and_in_the_grid_every_probe(engine, guide, iv):
    def status(name):
        return next(s for s in svc.section_status(guide, ctx(engine, iv.id)) if s.name == name)

    assert not status("om_dig").started
    svc.save_answer(engine, guide, iv.id, "hvorfor_her", "Bor her")
    assert status("om_dig").started and not status("om_dig").done
    assert set(status("om_dig").missing_required) == {"gender", "age", "loennet_arbejde"}
    for code, v in [("gender", "kvinde"), ("age", "30"), ("loennet_arbejde", "nej")]:
        svc.save_answer(engine, guide, iv.id, code, v)
    assert status("om_dig").done
    svc.save_answer(engine, guide, iv.id, "fremtid", "Egen bolig")
    assert status("fremtid_grp").done  # no required items there
    for p in guide.probes[:11]:
        svc.save_answer(engine, guide, iv.id, p.code, "nej")
    assert not status("udbytte").done
    svc.save_answer(engine, guide, iv.id, guide.probes[11].code, "uklart")
    assert status("udbytte").done


# ---------------------------------------------------------------- saving answers, bad input

def test_save_answer_stores_at_once_and_a_fresh_engine_sees_it(db_url, guide):
    url = db_url
    e1 = make_engine(url)
    info = svc.start_interview(e1, guide, site_name="Basen", site_type="boform")
    res = svc.save_answer(e1, guide, info.id, "hvorfor_her", "Fordi jeg bor her")
    assert res.ok and res.at is not None
    e2 = make_engine(url)  # another process after a crash would open the file like this
    assert svc.load_state(e2, info.id).answers == {"hvorfor_her": "Fordi jeg bor her"}
    e1.dispose(), e2.dispose()


def test_numbers_given_text_are_refused_with_a_clear_message_and_nothing_stored(engine, guide, iv):
    assert svc.save_answer(engine, guide, iv.id, "age", "41").ok
    res = svc.save_answer(engine, guide, iv.id, "age", "fyrre")
    assert not res.ok and res.message.startswith("Ikke gemt") and "heltal 16–110" in res.message
    res = svc.save_answer(engine, guide, iv.id, "age", "200")
    assert not res.ok and "mellem 16 og 110" in res.message
    assert answers(engine, iv.id)["age"] == "41"
    assert svc.save_answer(engine, guide, iv.id, "varighed_mdr", "2,5").value == "2.5"
    assert svc.display_value(guide, "varighed_mdr", "2.5") == "2,5"
    assert not svc.save_answer(engine, guide, iv.id, "varighed_mdr", "1e999").ok
    assert svc.save_answer(engine, guide, iv.id, "age", "").ok and "age" not in answers(engine, iv.id)


def test_long_notes_emoji_and_control_characters_are_stored_or_explained(engine, guide, iv):
    note = "lang note " * 2000  # 20,000 characters
    assert len(note) == 20000
    assert svc.save_answer(engine, guide, iv.id, "rytme_note", note).value == note
    res = svc.save_answer(engine, guide, iv.id, "hvorfor_her", "Glad 😀👍🏽\x00\x07 her\r\nnæste linje\u200b")
    assert res.ok and res.value == "Glad 😀👍🏽 her\nnæste linje\u200b"
    assert svc.save_answer(engine, guide, iv.id, "uddannelse", "lone \ud800 surrogate").ok
    res = svc.save_answer(engine, guide, iv.id, "uddannelse", "x" * 100_001)
    assert not res.ok and "for langt" in res.message
    assert not svc.save_answer(engine, guide, iv.id, "age", "4\x001").ok
    assert not svc.save_answer(engine, guide, iv.id, "gender", "ukendt").ok
    assert not svc.save_answer(engine, guide, iv.id, "nope", "x").ok
    assert not svc.save_answer(engine, guide, iv.id, "respondent_id", "X").ok
    assert not svc.save_answer(engine, guide, iv.id, "arketype", "dovne").ok  # the researcher's, not the interview's
    st_ = svc.load_state(engine, iv.id).answers
    assert st_["rytme_note"] == note and "\x00" not in st_["hvorfor_her"]


def test_multiple_choice_and_dates_and_interview_fields(engine, guide, iv):
    assert svc.save_answer(engine, guide, iv.id, "problemer", ["gaeld", "sociale"]).value == "sociale;gaeld"
    assert svc.save_answer(engine, guide, iv.id, "problemer", []).ok
    assert "problemer" not in answers(engine, iv.id)
    assert svc.save_answer(engine, guide, iv.id, "interview_date", dt.date(2026, 11, 4)).ok
    assert svc.save_answer(engine, guide, iv.id, "interviewer", "  AB  ").value == "AB"
    assert not svc.save_answer(engine, guide, iv.id, "interview_date", "4. nov").ok
    info = svc.get_info(engine, iv.id)
    assert (info.interviewer, info.interview_date) == ("AB", dt.date(2026, 11, 4))


# ---------------------------------------------------------------- completing, reopening, audit

def test_complete_lists_missing_required_items_and_needs_a_reason(engine, guide, iv):
    svc.save_answer(engine, guide, iv.id, "hvorfor_her", "Bor her")
    missing = svc.missing_required(guide, ctx(engine, iv.id))
    assert [m.code for m in missing] == ["gender", "age", "loennet_arbejde", "aktiveret", "tilbudstype",
                                         "consent_journal"]
    assert missing[0].section == "om_dig" and missing[0].section_label == "Om dig"
    res = svc.complete(engine, guide, iv.id)
    assert not res.ok and len(res.missing) == 6 and "begrundelse" in res.message
    assert svc.get_info(engine, iv.id).status == "draft"
    res = svc.complete(engine, guide, iv.id, reason="Brugeren måtte gå efter 20 minutter.")
    assert res.ok
    info = svc.get_info(engine, iv.id)
    assert info.status == "complete" and info.completion_note == "Brugeren måtte gå efter 20 minutter."
    assert info.completed_at is not None
    *answers, entry = svc.audit_trail(engine, iv.id)
    assert [(a.code, a.old_value, a.new_value) for a in answers] == [("hvorfor_her", None, "Bor her")]
    assert (entry.code, entry.old_value, entry.new_value, entry.who) == ("status", "draft", "complete", "KL")
    assert "gender" in entry.note and "20 minutter" in entry.note


def test_complete_without_missing_items_needs_no_reason(engine, guide, iv):
    for code, v in [("hvorfor_her", "x"), ("gender", "mand"), ("age", "50"), ("loennet_arbejde", "ja"),
                    ("aktiveret", "ja"), ("tilbudstype", "udenfor"), ("consent_journal", "ja")]:
        assert svc.save_answer(engine, guide, iv.id, code, v).ok
    assert svc.missing_required(guide, ctx(engine, iv.id)) == []
    assert svc.complete(engine, guide, iv.id).ok
    assert svc.get_info(engine, iv.id).completion_note is None


def test_answers_to_questions_no_longer_asked_leave_at_completion_and_stay_in_the_audit_trail(engine, guide, iv):
    """Found by a tester: «Har du haft lønnet arbejde?» Ja, its follow-ups answered, then Nej — the
    follow-ups vanished from the page but stayed in the store and the export; a grid answer changed to
    «Ikke relevant» kept its «vigtigt». They stay while the interview is a draft (a slip can be undone,
    nothing typed is lost) and leave when it is completed."""
    for code, v in [("loennet_arbejde", "ja"), ("loennet_arbejde_hvad", "Lagerarbejde i 3 år"),
                    ("arbejdsrytme", "ja"), ("arbejdsmarked", "ja"), ("arbejdsmarked_vigtigt", "ja"),
                    ("rytme", "ja"), ("rytme_vigtigt", "nej")]:
        assert svc.save_answer(engine, guide, iv.id, code, v).ok
    assert svc.save_answer(engine, guide, iv.id, "loennet_arbejde", "nej").ok
    assert svc.save_answer(engine, guide, iv.id, "arbejdsmarked", "ikke_relevant").ok
    state = svc.load_state(engine, iv.id)
    assert [it.code for it in svc.unasked(guide, state.answers, state.info.meta())] == [
        "loennet_arbejde_hvad", "arbejdsrytme", "arbejdsmarked_vigtigt"]
    assert state.answers["loennet_arbejde_hvad"] == "Lagerarbejde i 3 år"  # a draft keeps them: Ja again restores
    res = svc.complete(engine, guide, iv.id, reason="test")
    assert res.ok and res.removed == ["loennet_arbejde_hvad", "arbejdsrytme", "arbejdsmarked_vigtigt"]
    assert "3 svar på spørgsmål, der ikke længere blev stillet, er fjernet" in res.message
    assert svc.load_state(engine, iv.id).answers == {"loennet_arbejde": "nej", "arbejdsmarked": "ikke_relevant",
                                                     "rytme": "ja", "rytme_vigtigt": "nej"}
    gone = [(a.code, a.old_value, a.new_value, a.note) for a in svc.audit_trail(engine, iv.id)
            if a.note == svc.UNASKED_NOTE]
    assert gone == [("loennet_arbejde_hvad", "Lagerarbejde i 3 år", None, svc.UNASKED_NOTE),
                    ("arbejdsrytme", "ja", None, svc.UNASKED_NOTE), ("arbejdsmarked_vigtigt", "ja", None, svc.UNASKED_NOTE)]
    from survey.store import load_wide
    row = load_wide(engine, guide).set_index("respondent_id").loc[iv.respondent_id]
    assert row["loennet_arbejde_hvad"] is None and row["arbejdsmarked_vigtigt"] is None and row["rytme_vigtigt"] == "nej"


def test_imported_answers_the_skip_logic_would_not_ask_stay_and_the_page_lists_only_what_leaves(engine, guide):
    """instrument.md: imported data need not follow the skip logic. An imported interview, reopened
    and completed again, keeps such values; a follow-up typed in the interview that its question no
    longer asks leaves — and «Afslut» lists exactly that one (it listed the imported ones too)."""
    import pandas as pd

    row = {"respondent_id": "AMA-07", "site": "Amadeus", "site_type": "vaerested", "interviewer": "KL",
           "loennet_arbejde": "nej", "loennet_arbejde_hvad": "Lager", "arbejdsmarked": "ikke_relevant",
           "arbejdsmarked_vigtigt": "ja"}
    with session_scope(engine) as s:
        assert store.insert_wide(s, guide, pd.DataFrame([row], dtype=object)) == 1
        iid = store.interview_by_respondent(s, "AMA-07").id
    svc.reopen(engine, iid, who="MN", reason="Alder mangler")
    assert svc.save_answer(engine, guide, iid, "rytme", "ja").ok
    assert svc.save_answer(engine, guide, iid, "rytme_vigtigt", "ja").ok  # typed, then not asked
    assert svc.save_answer(engine, guide, iid, "rytme", "ikke_relevant").ok
    state = svc.load_state(engine, iid)
    assert [it.code for it in svc.unasked(guide, state.answers, state.info.meta())] == [
        "loennet_arbejde_hvad", "arbejdsmarked_vigtigt", "rytme_vigtigt"]
    assert [it.code for it in state.removed_at_completion(guide)] == ["rytme_vigtigt"]
    res = svc.complete(engine, guide, iid, reason="test")
    assert res.ok and res.removed == ["rytme_vigtigt"]
    after = svc.load_state(engine, iid).answers
    assert after["loennet_arbejde_hvad"] == "Lager" and after["arbejdsmarked_vigtigt"] == "ja"
    assert "rytme_vigtigt" not in after


def test_completed_interviews_are_read_only_until_reopened_then_every_change_is_audited(engine, guide, iv):
    svc.save_answer(engine, guide, iv.id, "age", "41")
    svc.complete(engine, guide, iv.id, reason="test")
    res = svc.save_answer(engine, guide, iv.id, "age", "42")
    assert not res.ok and "Genåbn" in res.message
    assert svc.add_quote(engine, guide, iv.id, "hvorfor_her", "citat")[0] is None
    with pytest.raises(svc.InterviewError, match="hvem der retter"):
        svc.reopen(engine, iv.id, who="", reason="tastefejl")
    with pytest.raises(svc.InterviewError, match="hvorfor"):
        svc.reopen(engine, iv.id, who="MN", reason=" ")
    svc.reopen(engine, iv.id, who="MN", reason="Alder tastet forkert")
    state = svc.load_state(engine, iv.id)
    assert state.info.status == "reopened" and state.info.editable and state.editor == "MN"
    assert svc.save_answer(engine, guide, iv.id, "age", "42").ok
    assert svc.save_answer(engine, guide, iv.id, "interviewer", "KLM").ok
    q, _ = svc.add_quote(engine, guide, iv.id, "hvorfor_her", "Jeg har det godt her")
    svc.update_quote(engine, iv.id, q.id, text="Jeg har det rigtig godt her")
    assert svc.complete(engine, guide, iv.id, reason="stadig mangler").ok
    trail = [(a.entity, a.code, a.old_value, a.new_value, a.who) for a in svc.audit_trail(engine, iv.id)]
    assert trail == [
        ("answer", "age", None, "41", "KL"),  # a draft's answers are audited too (issue 6)
        ("interview", "status", "draft", "complete", "KL"),
        ("interview", "status", "complete", "reopened", "MN"),
        ("answer", "age", "41", "42", "MN"),
        ("interview", "interviewer", "KL", "KLM", "MN"),
        ("quote", "hvorfor_her", None, "Jeg har det godt her", "MN"),
        ("quote", "hvorfor_her", "Jeg har det godt her", "Jeg har det rigtig godt her", "MN"),
        ("interview", "status", "reopened", "complete", "MN"),
    ]
    assert svc.get_info(engine, iv.id).status == "complete"
    with pytest.raises(svc.InterviewError, match="afsluttede"):
        svc.reopen(engine, svc.start_interview(engine, guide, site_name="Amadeus").id, who="A", reason="b")


def test_consent_is_recorded_with_time_and_guide_version(engine, guide, iv):
    before = svc.utcnow()
    assert svc.save_answer(engine, guide, iv.id, "consent_journal", "ja").ok
    assert svc.save_answer(engine, guide, iv.id, "consent_journal", "ja").ok  # unchanged: no new record
    (c,) = svc.consent_history(engine, iv.id)
    assert c.value == "ja" and c.guide_version == guide.version and c.guide_form_id == guide.form_id
    assert before <= c.recorded_at <= svc.utcnow() and c.recorded_by == "KL"
    svc.save_answer(engine, guide, iv.id, "consent_journal", "nej")
    assert [x.value for x in svc.consent_history(engine, iv.id)] == ["ja", "nej"]
    assert svc.load_state(engine, iv.id).consent.value == "nej"
    with session_scope(engine) as s:
        assert len(s.execute(select(ConsentRecord)).all()) == 2


# ---------------------------------------------------------------- quotes

def test_quotes_crud_on_free_text_items(engine, guide, iv):
    q, msg = svc.add_quote(engine, guide, iv.id, "hvorfor_her", "  Her er der nogen, der kender mig. 🙂 ")
    assert msg == "" and q.item_code == "hvorfor_her" and q.created_by == "KL" and not q.for_report
    assert svc.add_quote(engine, guide, iv.id, "age", "41")[1].startswith("Citater kan kun")
    assert svc.add_quote(engine, guide, iv.id, "hvorfor_her", "   ")[1] == "Citatet er tomt."
    q2, _ = svc.add_quote(engine, guide, iv.id, "rytme_note", "Jeg står op nu.")
    q, msg = svc.update_quote(engine, iv.id, q.id, text="Her kender de mig.", for_report=True)
    assert msg == "" and q.text == "Her kender de mig." and q.for_report
    assert [x.text for x in svc.list_quotes(engine, iv.id)] == ["Her kender de mig.", "Jeg står op nu."]
    assert svc.update_quote(engine, iv.id, q2.id, text="") == (None, "")  # emptied: deleted
    assert svc.delete_quote(engine, iv.id, q.id) == ""
    assert svc.list_quotes(engine, iv.id) == []
    assert svc.update_quote(engine, iv.id, 9999, text="x")[1] == "Citatet findes ikke længere."
    with session_scope(engine) as s:
        assert all(e.entity == "answer" for e in s.execute(select(AuditEntry)).scalars())  # quotes: not audited


D1, D2 = "0d4c2b7e-5a1f-4c3b-9e8d-7f6a5b4c3d2e", "9f8e7d6c5b4a49289706f5e4d3c2b1a0"  # version-4 UUIDs


def test_a_new_quote_is_saved_by_its_own_id_and_never_changes_an_older_one(engine, guide, iv):
    """A tester found «Nej» overwritten when a new quote of the same question began with «Nej» and the
    tab was closed (the closing save continued the newest quote whose text began the new one)."""
    old, _ = svc.add_quote(engine, guide, iv.id, "hvorfor_her", "Nej")
    for text in ("Nej, jeg", "Nej, jeg har aldrig gået på en uddannelse"):  # typing, saved on the way
        q, msg = svc.save_new_quote(engine, guide, iv.id, "hvorfor_her", D1, text)
        assert msg == "" and q.id != old.id
    assert [x.text for x in svc.list_quotes(engine, iv.id)] == ["Nej", "Nej, jeg har aldrig gået på en uddannelse"]
    # the next quote of the same field has its own id
    svc.save_new_quote(engine, guide, iv.id, "hvorfor_her", D2, "Nej.")
    assert [x.text for x in svc.list_quotes(engine, iv.id)] == ["Nej", "Nej, jeg har aldrig gået på en uddannelse",
                                                                "Nej."]
    # refused: no id, not a version-4 UUID, an empty text (never a deletion), too long
    for bad in (None, "'; drop table quote", "9f8e7d6c5b4a39281706f5e4d3c2b1a0", "0" * 32):
        assert svc.save_new_quote(engine, guide, iv.id, "hvorfor_her", bad, "x")[0] is None
    assert svc.save_new_quote(engine, guide, iv.id, "hvorfor_her", D1, "  ")[0] is None
    assert svc.save_new_quote(engine, guide, iv.id, "hvorfor_her", D1, "x" * (svc.MAX_TEXT + 1))[0] is None
    # the page's id names a quote of this interview only: in another one it is another quote
    other = svc.start_interview(engine, guide, site_name="Basen", site_type="boform", interviewer="KL",
                                interview_date=dt.date(2026, 11, 3))
    assert svc.save_new_quote(engine, guide, other.id, "hvorfor_her", D1, "Et andet")[1] == ""
    assert [x.text for x in svc.list_quotes(engine, iv.id)][1] == "Nej, jeg har aldrig gået på en uddannelse"
    assert [x.text for x in svc.list_quotes(engine, other.id)] == ["Et andet"]
    # the order of the page's changes: an older save that arrives late changes nothing
    D3 = "1b2c3d4e-5f60-4718-89ab-cdef01234567"
    assert svc.save_new_quote(engine, guide, iv.id, "hvorfor_her", D3, "Nej, jeg har aldrig", seq=7)[1] == ""
    assert svc.save_new_quote(engine, guide, iv.id, "hvorfor_her", D3, "Nej, jeg har", seq=5) == (None, "")
    assert [x.text for x in svc.list_quotes(engine, iv.id)][-1] == "Nej, jeg har aldrig"


def test_a_new_quote_saved_at_the_same_moment_by_several_ways_is_one_quote(engine, guide, iv):
    """A tester found one new quote stored four times: the live connection's save and the closing
    tab's beacons (visibilitychange, pagehide, beforeunload) each added it. Four threads at once."""
    import threading

    barrier = threading.Barrier(4)
    results = []

    def save(text):
        barrier.wait()
        results.append(svc.save_new_quote(engine, guide, iv.id, "hvorfor_her", D1, text))

    threads = [threading.Thread(target=save, args=("Måske i morgen, siger hun",)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(msg == "" for _q, msg in results), results
    assert [x.text for x in svc.list_quotes(engine, iv.id)] == ["Måske i morgen, siger hun"]


def test_unknown_interview_ids_are_handled(engine, guide):
    assert svc.find(engine, "nope") is None and svc.find(engine, "x" * 100) is None
    assert not svc.save_answer(engine, guide, "nope", "age", "41").ok
    with pytest.raises(svc.InterviewError, match="findes ikke"):
        svc.load_state(engine, "nope")


def test_elapsed_time(iv):
    assert svc.format_elapsed(dt.timedelta(minutes=47)) == "47 min"
    assert svc.format_elapsed(dt.timedelta(minutes=65)) == "1 t 05 min"
    assert svc.format_elapsed(dt.timedelta(days=2, hours=3)) == "2 d 3 t"
    assert svc.elapsed(iv, iv.created_at + dt.timedelta(minutes=5)) == dt.timedelta(minutes=5)


def test_no_answer_values_in_logs(engine, guide, iv, caplog):
    caplog.set_level("DEBUG")
    svc.save_answer(engine, guide, iv.id, "hvorfor_her", "HEMMELIGT-SVAR")
    svc.add_quote(engine, guide, iv.id, "hvorfor_her", "HEMMELIGT-CITAT")
    svc.complete(engine, guide, iv.id, reason="HEMMELIG-BEGRUNDELSE")
    assert "HEMMELIG" not in caplog.text
    with session_scope(engine) as s:
        assert s.get(Interview, iv.id).status == "complete"


def test_two_saves_of_one_answer_at_the_same_moment_never_overwrite_each_other_silently(engine, guide, iv, monkeypatch):
    """Two tabs (or a tab and another tab's closing beacon) save different texts of one answer, both from the
    version they saw, at the same moment: each read the stored answer before the other wrote, both passed the
    version check, and the later write replaced the earlier one without a conflict (a tester closed a tab and
    found one change in the audit trail four times over, each «from» the same old value). Now one of them is
    stored and the other is a conflict (the interviewer is asked; both values are in the audit trail)."""
    import threading

    assert svc.save_answer(engine, guide, iv.id, "hvorfor_her", "Første", base=(0, None)).ok
    base = (1, "Første")
    barrier = threading.Barrier(2, timeout=2)   # both have read the answer before either writes (if they can)
    real = store.set_answer

    def set_answer(*a, **kw):
        try:
            barrier.wait()
        except threading.BrokenBarrierError:   # the other one waits for the write lock: one at a time
            pass
        return real(*a, **kw)

    monkeypatch.setattr(svc.store, "set_answer", set_answer)
    results = {}

    def save(text):
        results[text] = svc.save_answer(engine, guide, iv.id, "hvorfor_her", text, base=base)

    threads = [threading.Thread(target=save, args=(t,)) for t in ("Fra fane A", "Fra fane B")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ok = [t for t, r in results.items() if r.ok]
    refused = [r for r in results.values() if not r.ok]
    assert len(ok) == 1 and len(refused) == 1 and refused[0].conflict is not None, results
    assert answers(engine, iv.id)["hvorfor_her"] == ok[0]
    with session_scope(engine) as s:
        trail = s.execute(select(AuditEntry.old_value, AuditEntry.new_value, AuditEntry.note).where(
            AuditEntry.interview_id == iv.id, AuditEntry.code == "hvorfor_her").order_by(AuditEntry.id)).all()
    assert [(o, n) for o, n, note in trail if not (note or "").startswith("konflikt")] == [
        (None, "Første"), ("Første", ok[0])]


def test_the_same_save_at_the_same_moment_is_one_change(engine, guide, iv, monkeypatch):
    """The live connection and the closing tab's beacons (visibilitychange, pagehide, beforeunload) store the same
    change at once: one entry in the audit trail, not four, and the answer's version goes up once."""
    import threading

    assert svc.save_answer(engine, guide, iv.id, "hvorfor_her", "Første", base=(0, None)).ok
    barrier = threading.Barrier(4, timeout=2)
    real = store.set_answer

    def set_answer(*a, **kw):
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            pass
        return real(*a, **kw)

    monkeypatch.setattr(svc.store, "set_answer", set_answer)
    threads = [threading.Thread(target=svc.save_answer, args=(engine, guide, iv.id, "hvorfor_her", "Første og mere"),
                                kwargs={"base": (1, "Første")}) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with session_scope(engine) as s:
        trail = s.execute(select(AuditEntry.new_value).where(AuditEntry.interview_id == iv.id,
                                                              AuditEntry.code == "hvorfor_her")).scalars().all()
    assert trail == ["Første", "Første og mere"]
    assert svc.load_state(engine, iv.id).base("hvorfor_her") == (2, "Første og mere")


def test_an_undecided_conflict_is_decided_by_behold_or_brug_mit_not_by_a_later_save_of_another_value(engine, guide, iv):
    """A refused change stays to be decided when the answer is changed again from a view that was not asked
    (another tab saving on): only «Behold» (`keep_theirs`) or storing the refused value decides it."""
    assert svc.save_answer(engine, guide, iv.id, "hvorfor_her", "A", base=(0, None)).ok
    assert svc.save_answer(engine, guide, iv.id, "hvorfor_her", "stale", base=(0, None)).conflict is not None
    assert svc.save_answer(engine, guide, iv.id, "hvorfor_her", "B", base=(1, "A")).ok   # the other tab on
    (c,) = svc.load_state(engine, iv.id).conflicts.values()
    assert (c.mine, c.theirs, c.theirs_version) == ("stale", "B", 2)
    svc.keep_theirs(engine, iv.id, "hvorfor_her", "stale")                                # «Behold «B»»
    assert not svc.load_state(engine, iv.id).conflicts
    # «Brug mit»: the refused value stored; a save after it does not bring the conflict back
    assert svc.save_answer(engine, guide, iv.id, "hvorfor_her", "stale2", base=(1, "A")).conflict is not None
    assert svc.save_answer(engine, guide, iv.id, "hvorfor_her", "stale2", base=(2, "B")).ok
    assert svc.save_answer(engine, guide, iv.id, "hvorfor_her", "C", base=(3, "stale2")).ok
    assert not svc.load_state(engine, iv.id).conflicts


def test_saves_of_different_answers_of_one_interview_at_the_same_moment_all_succeed(engine, guide, iv):
    """Every save updates the interview's row: on PostgreSQL a snapshot (REPEATABLE READ) made any two
    saves of one interview at once a serialization failure, run again with the same waits — of 10 at
    once, one ran out of retries after 5 s and was refused («databasen kunne ikke skrive svaret»)."""
    import threading
    import time

    codes = [c for c, it in guide.items.items() if it.type == "text" and it.role != "forsker"
             and c not in store.META_CODES and c not in svc.EDITABLE_META][:12]
    assert len(codes) == 12
    go, results = threading.Event(), {}

    def save(code):
        go.wait()
        t = time.monotonic()
        results[code] = (svc.save_answer(engine, guide, iv.id, code, "tekst " + code, base=(0, None)),
                         time.monotonic() - t)

    threads = [threading.Thread(target=save, args=(c,)) for c in codes]
    for t in threads:
        t.start()
    go.set()
    for t in threads:
        t.join()
    assert {c: r.message for c, (r, _) in results.items() if not r.ok} == {}
    assert max(d for _, d in results.values()) < 3.0
    assert all(answers(engine, iv.id)[c] == "tekst " + c for c in codes)
