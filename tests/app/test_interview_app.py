"""The interview pages through streamlit.testing (AppTest): start, answer, resume, relevance, complete."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from survey import clock
from survey import interview as svc
from survey.db import get_engine
from tests.app.autosave_driver import (choose, data, field_error, grid_rows, grid_set, shown_choice, shown_text,
                                       type_text)
from ui.common import wkey
from tests.app.pages import switch

APP = str(Path(__file__).resolve().parents[2] / "app.py")
TIMEOUT = 30


@pytest.fixture
def db(db_url, monkeypatch):
    url = db_url
    monkeypatch.setenv("BRUGERBLIK_DB", url)
    return get_engine(url)  # the same engine the app's cache_resource hands out for this URL


@pytest.fixture
def iv(db, guide):
    return svc.start_interview(db, guide, site_name="Amadeus", site_type="vaerested", interviewer="KL",
                               interview_date=dt.date(2026, 11, 3))


def run_ok(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def open_interview(iid: str, afsnit: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    run_ok(at)
    at.query_params["iv"] = iid
    if afsnit:
        at.query_params["afsnit"] = afsnit
    switch(at, "interview")
    return run_ok(at)


def texts(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption] + [e.value for e in at.error]
                     + [w.value for w in at.warning] + [s.value for s in at.success] + [i.value for i in at.info]
                     + [h.value for h in at.subheader])  # the interview's section headings are subheaders


def saved_shown(at: AppTest) -> bool:
    """The save status (issue 10: in the main area, fixed on screen; no longer in the sidebar)."""
    return any("✔ Gemt" in m.value and "bb-mainstatus" in m.value for m in at.main.markdown)


# ---------------------------------------------------------------- start

def test_start_a_new_interview_at_a_new_site(db, guide):
    at = run_ok(AppTest.from_file(APP, default_timeout=TIMEOUT))
    assert at.selectbox(key="start_site").value == "__nyt__"  # no sites yet: add one
    assert not [t for t in at.text_input if "navn" in t.label.lower() and "sted" not in t.label.lower()]
    at.text_input(key="start_new_name").input("Amadeus")
    at.text_input(key="start_interviewer").input("KL")
    run_ok(at)
    assert "AMA-01" in texts(at)
    at.button(key="start_btn").click()
    run_ok(at)
    assert "værested eller en boform" in texts(at)  # the type of a new site is required
    at.radio(key="start_new_type").set_value("vaerested")
    at.button(key="start_btn").click()
    run_ok(at)
    iid = at.query_params["iv"]
    info = svc.get_info(db, iid)
    assert (info.respondent_id, info.site_type, info.interviewer, info.status) == ("AMA-01", "vaerested", "KL",
                                                                                  "draft")
    assert info.interview_date == clock.today()  # the study zone's date (AppTest has no browser zone)
    assert at.query_params["afsnit"] == "om_dig"
    assert "AMA-01" in at.sidebar.markdown[0].value
    # the next start at the same (now known) site
    at2 = run_ok(AppTest.from_file(APP, default_timeout=TIMEOUT))
    assert at2.selectbox(key="start_site").value == "Amadeus"
    assert "AMA-02" in texts(at2)


# ---------------------------------------------------------------- answer

def test_answers_are_stored_as_they_change_with_a_saved_time(db, guide, iv):
    at = open_interview(iv.id)
    assert at.sidebar.progress[0].value == 0
    type_text(at, db, iv.id, "hvorfor_her", "Jeg bor her, fordi jeg mistede lejligheden.")
    assert svc.load_state(db, iv.id).answers["hvorfor_her"].startswith("Jeg bor her")
    assert saved_shown(at)
    choose(at, db, iv.id, "problemer", ["gaeld", "ensomhed"])
    choose(at, db, iv.id, "gender", "mand")
    type_text(at, db, iv.id, "age", "44")
    choose(at, db, iv.id, "selvplacering", "den_aeldre")
    a = svc.load_state(db, iv.id).answers
    assert (a["problemer"], a["gender"], a["age"], a["selvplacering"]) == ("ensomhed;gaeld", "mand", "44",
                                                                          "den_aeldre")
    cards = [b for b in at.button if b.key and b.key.startswith("cardbtn_")]  # the eight archetype cards
    assert len(cards) == 8 and "✓ **Den ældre**" in cards[0].label and "Den dovne" in cards[-1].label
    at.button(key="cardbtn_dovne").click()  # a click on a card is the answer (issue 10)
    run_ok(at)
    assert svc.load_state(db, iv.id).answers["selvplacering"] == "dovne"
    assert shown_choice(at, iv.id, "selvplacering") == "dovne"
    choose(at, db, iv.id, "loennet_arbejde", "nej")
    assert at.sidebar.progress[0].value == round(100 / len(svc.sections(guide)))  # "Om dig" is done


def test_bad_input_gets_a_message_or_is_stored_never_a_traceback(db, guide, iv):
    at = open_interview(iv.id)
    type_text(at, db, iv.id, "age", "fyrre")
    assert "age" not in svc.load_state(db, iv.id).answers
    d = data(at, wkey(iv.id, "age"))
    assert d["rejected"] == "fyrre"  # what was typed stays visible to be corrected (the browser keeps it)
    assert "Ikke gemt" in texts(at) and "heltal 16–110" in field_error(at, iv.id, "age")
    type_text(at, db, iv.id, "age", "41")
    assert svc.load_state(db, iv.id).answers["age"] == "41" and field_error(at, iv.id, "age") is None
    for typed in ("4e1", "٤٢", "1.000"):  # read as 40, 42 and 1 before: refused, the stored 41 stays
        type_text(at, db, iv.id, "age", typed)
        assert svc.load_state(db, iv.id).answers["age"] == "41"
        assert data(at, wkey(iv.id, "age"))["rejected"] == typed and "heltal 16–110" in field_error(at, iv.id, "age")
    noisy = "Glad 😀 \x00\x1b[31m rød\x07 " + "ø" * 20_000
    type_text(at, db, iv.id, "hvorfor_her", noisy)
    stored = svc.load_state(db, iv.id).answers["hvorfor_her"]
    assert stored.startswith("Glad 😀 [31m rød") and len(stored) > 20_000 and "\x00" not in stored
    at = open_interview(iv.id)
    assert shown_text(at, iv.id, "hvorfor_her") == stored  # shown = stored
    at = open_interview(iv.id, "udbytte")
    grid_set(at, db, iv.id, "rytme_note", "n" * 20_000)
    assert len(svc.load_state(db, iv.id).answers["rytme_note"]) == 20_000
    at = open_interview(iv.id, "aktivering")
    type_text(at, db, iv.id, "varighed_mdr", "to år")
    assert "Ikke gemt" in texts(at) and "varighed_mdr" not in svc.load_state(db, iv.id).answers
    type_text(at, db, iv.id, "varighed_mdr", "2,5")
    assert svc.load_state(db, iv.id).answers["varighed_mdr"] == "2.5"
    assert shown_text(at, iv.id, "varighed_mdr") == "2,5"  # a decimal with the Danish comma


# ---------------------------------------------------------------- resume

def test_resume_a_draft_from_the_list_and_every_value_is_back(db, guide, iv):
    for code, v in [("hvorfor_her", "Bor her"), ("problemer", "sociale;spil"), ("gender", "kvinde"),
                    ("age", "38"), ("loennet_arbejde", "ja"), ("loennet_arbejde_hvad", "Rengøring")]:
        assert svc.save_answer(db, guide, iv.id, code, v).ok
    q, _ = svc.add_quote(db, guide, iv.id, "hvorfor_her", "Her er trygt.")
    start = run_ok(AppTest.from_file(APP, default_timeout=TIMEOUT))
    links = [p for p in start.main.get("page_link")]
    assert any(p.value == "AMA-01" for p in links)
    assert "1 af 8" in texts(start) and "Amadeus" in texts(start)
    at = open_interview(iv.id)
    assert shown_text(at, iv.id, "hvorfor_her") == "Bor her"
    assert shown_choice(at, iv.id, "problemer") == ["sociale", "spil"]
    assert shown_choice(at, iv.id, "gender") == "kvinde"
    assert shown_text(at, iv.id, "age") == "38"
    assert shown_text(at, iv.id, "loennet_arbejde_hvad") == "Rengøring"
    assert data(at, f"qt_{iv.id}_{q.id}")["value"] == "Her er trygt."  # in the item's "Citat" popover


def test_unknown_or_missing_interview_id_is_explained(db, guide):
    at = open_interview("finnes-ikke")
    assert "findes ikke" in texts(at)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    run_ok(at)
    switch(at, "interview")
    run_ok(at)
    assert "Intet interview valgt" in texts(at)


def test_sections_are_navigated_and_kept_in_the_url(db, guide, iv):
    at = open_interview(iv.id)
    nav = at.sidebar.radio(key=f"nav_{iv.id}")
    assert nav.value == "om_dig"
    nav.set_value("aktivering")
    run_ok(at)
    assert at.query_params["afsnit"] == "aktivering"
    assert any("Aktivering" in m.value for m in at.main.subheader)  # the section heading
    at.button(key="nav_next").click()
    run_ok(at)
    assert at.query_params["afsnit"] == "udbytte"
    assert at.sidebar.radio(key=f"nav_{iv.id}").value == "udbytte"


# ---------------------------------------------------------------- relevance

def test_items_are_hidden_while_their_relevance_is_false(db, guide, iv):
    at = open_interview(iv.id)
    def hvad_shown() -> bool:
        try:
            shown_text(at, iv.id, "loennet_arbejde_hvad")
        except KeyError:
            return False
        return True

    assert not hvad_shown()
    choose(at, db, iv.id, "loennet_arbejde", "ja")
    type_text(at, db, iv.id, "loennet_arbejde_hvad", "Chauffør")
    choose(at, db, iv.id, "loennet_arbejde", "nej")
    assert not hvad_shown()
    assert "Skjult, men gemt" in texts(at)
    assert svc.load_state(db, iv.id).answers["loennet_arbejde_hvad"] == "Chauffør"
    # aktivering: "intet tilbud" hides the questions about the offer
    at = open_interview(iv.id, "aktivering")
    shown = lambda: any(e.proto.id.endswith("-" + wkey(iv.id, "hvem_bestemte")) for e in at.get("bidi_component"))  # noqa: E731
    assert shown()
    choose(at, db, iv.id, "tilbudstype", "intet_tilbud")
    assert not shown()


def test_probe_grid_asks_importance_only_for_answered_probes(db, guide, iv):
    at = open_interview(iv.id, "udbytte")
    rows = grid_rows(at, iv.id)
    assert list(rows) == [p.code for p in guide.probes]
    assert shown_text(at, iv.id, "udbytte_aabent") == ""  # the open question comes first
    # importance is asked after Ja, Nej or Uklart, not after Ikke relevant
    assert rows["rytme"]["imp"]["when"] == ["ja", "nej", "uklart"]
    assert [o[1:] for o in rows["rytme"]["answer"]["options"]] == [["Ja", "j"], ["Nej", "n"], ["Ikke relevant", "i"],
                                                                 ["Uklart", "u"]]
    assert [o[2] for o in rows["rytme"]["imp"]["options"]] == ["j", "n", "u"]
    grid_set(at, db, iv.id, "rytme", "ja")
    grid_set(at, db, iv.id, "rytme_vigtigt", "ja")
    grid_set(at, db, iv.id, "rytme_note", "står op kl. 7")
    a = svc.load_state(db, iv.id).answers
    assert (a["rytme"], a["rytme_vigtigt"], a["rytme_note"]) == ("ja", "ja", "står op kl. 7")
    row = grid_rows(at, iv.id)["rytme"]
    assert (row["answer"]["value"], row["imp"]["value"], row["note"]["value"]) == ("ja", "ja", "står op kl. 7")
    assert row["answer"]["version"] == 1 and saved_shown(at)
    grid_set(at, db, iv.id, "rytme", "ikke_relevant")
    assert svc.load_state(db, iv.id).answers["rytme"] == "ikke_relevant"
    assert grid_rows(at, iv.id)["rytme"]["answer"]["value"] == "ikke_relevant"


def test_a_stale_save_becomes_a_conflict_shown_on_the_page(db, guide, iv):
    at = open_interview(iv.id, "udbytte")
    assert svc.save_answer(db, guide, iv.id, "rytme", "ja").ok          # another tab, after this page was drawn
    from tests.app.autosave_driver import data, grid_key, send
    send(at, grid_key(iv.id), "rytme", "nej", (0, None))                 # this (stale) page: Nej
    assert svc.load_state(db, iv.id).answers["rytme"] == "ja"
    (c,) = data(at, grid_key(iv.id))["conflicts"]["rytme"]
    assert (c["theirs_label"], c["mine_label"], c["version"]) == ("Ja", "Nej", 1)
    assert "ændret i en anden fane kl." in c["text"]
    send(at, grid_key(iv.id), "rytme", "nej", (1, "ja"), kind="resolve")  # «Brug mit «Nej»»
    assert svc.load_state(db, iv.id).answers["rytme"] == "nej"
    assert data(at, grid_key(iv.id))["conflicts"]["rytme"] == []


def test_a_closed_tabs_refused_change_is_shown_when_the_interview_is_opened_again(db, guide, iv):
    # a stale tab closed at once: its closing save (the beacon) was refused as a conflict; the tab is gone, and
    # the change was only in the audit trail — a tester's last words were dropped without anyone being told
    from tests.app.autosave_driver import data, grid_key, send

    assert svc.save_answer(db, guide, iv.id, "rytme", "ja").ok
    assert svc.save_answer(db, guide, iv.id, "age", "44").ok
    svc.save_closing_changes(db, guide, iv.id, [{"code": "rytme", "value": "nej", "base": [0, None]},
                                                {"code": "age", "value": "45", "base": [0, None]}])
    at = open_interview(iv.id, "udbytte")
    warn = "\n".join(w.value for w in at.warning)
    assert "Ikke gemt, fordi svaret var ændret i en anden fane" in warn
    assert "«Hvor gammel er du?» (Om dig)" in warn and "rytme i hverdagen?» (Udbytte)" in warn
    (c,) = data(at, grid_key(iv.id))["conflicts"]["rytme"]
    assert (c["theirs_label"], c["mine_label"], c["version"]) == ("Ja", "Nej", 1)
    # not this tab's own change: no «Dit svar her» (the tab showing it may be the one whose answer was kept)
    assert "ikke gemt (ændret i en fane, der ikke havde set det gemte svar): «Nej». Gemt kl." in c["text"]
    assert c["use_label"] == "Brug «Nej»" and "Dit svar her" not in c["text"]
    send(at, grid_key(iv.id), "rytme", "nej", (1, "ja"), kind="resolve")   # «Brug «Nej»»
    assert svc.load_state(db, iv.id).answers["rytme"] == "nej"
    run_ok(at)
    warn = "\n".join(w.value for w in at.warning)
    assert "rytme" not in warn.lower() and "Hvor gammel" in warn           # the other is still to decide
    assert data(at, grid_key(iv.id))["conflicts"]["rytme"] == []
    # decided in another tab (or device): it goes here too
    svc.keep_theirs(db, iv.id, "age", "45")
    run_ok(at)
    assert not [w for w in at.warning if "anden fane" in w.value]
    assert svc.load_state(db, iv.id).answers["age"] == "44"


def test_a_conflict_on_a_question_the_skip_logic_hides_is_not_named_until_it_is_asked_again(db, guide, iv):
    assert svc.save_answer(db, guide, iv.id, "loennet_arbejde", "ja").ok
    assert svc.save_answer(db, guide, iv.id, "loennet_arbejde_hvad", "Lager").ok
    svc.save_closing_changes(db, guide, iv.id, [{"code": "loennet_arbejde_hvad", "value": "Kantine",
                                                 "base": [0, None]}])
    assert svc.save_answer(db, guide, iv.id, "loennet_arbejde", "nej", base=(1, "ja")).ok   # the question goes
    at = open_interview(iv.id, "om_dig")
    assert not [w for w in at.warning if "anden fane" in w.value]     # nothing to choose on the page: not named
    assert "loennet_arbejde_hvad" in svc.load_state(db, iv.id).conflicts                   # still to decide
    assert svc.save_answer(db, guide, iv.id, "loennet_arbejde", "ja", base=(2, "nej")).ok  # asked again
    run_ok(at)
    assert [w for w in at.warning if "anden fane" in w.value]


def test_a_live_conflict_stays_when_the_other_tab_saves_the_answer_again(db, guide, iv):
    # the page was asked «Behold / Brug mit»; the other tab changed the answer once more before anyone chose:
    # the question stayed on the page (with the newest answer), the interviewer's «Nej» was not dropped
    from tests.app.autosave_driver import data, grid_key, send
    at = open_interview(iv.id, "udbytte")
    assert svc.save_answer(db, guide, iv.id, "rytme", "ja").ok                # another tab
    send(at, grid_key(iv.id), "rytme", "nej", (0, None))                       # this stale page: a conflict
    assert data(at, grid_key(iv.id))["conflicts"]["rytme"]
    assert svc.save_answer(db, guide, iv.id, "rytme", "uklart", base=(1, "ja")).ok   # the other tab again
    run_ok(at)
    (c,) = data(at, grid_key(iv.id))["conflicts"]["rytme"]
    assert (c["theirs_label"], c["mine_label"], c["version"]) == ("Uklart", "Nej", 2)
    assert "Dit svar her: «Nej»" in c["text"] and c["use_label"] == "Brug mit «Nej»"   # still this tab's own
    assert any("Ikke gemt, fordi svaret var ændret" in w.value for w in at.warning)
    send(at, grid_key(iv.id), "rytme", "nej", (2, "uklart"), kind="resolve")   # «Brug mit «Nej»»
    assert svc.load_state(db, iv.id).answers["rytme"] == "nej"
    run_ok(at)
    assert data(at, grid_key(iv.id))["conflicts"]["rytme"] == []
    assert not svc.load_state(db, iv.id).conflicts


# ---------------------------------------------------------------- quotes

def test_quotes_next_to_free_text_items_listed_and_editable(db, guide, iv):
    at = open_interview(iv.id)
    from tests.app.autosave_driver import send

    new = f"qn_{iv.id}_hvorfor_her"
    send(at, new, "newquote:hvorfor_her", "Her er der", (0, None))          # typing: the quote is made …
    send(at, new, "newquote:hvorfor_her", "Her er der altid kaffe.", (0, None))  # … and then written on
    (q,) = svc.list_quotes(db, iv.id)
    assert (q.item_code, q.text) == ("hvorfor_her", "Her er der altid kaffe.")
    send(at, new, "newquote:hvorfor_her", None, (0, None), kind="done")    # the field is left
    send(at, new, "newquote:hvorfor_her", "Endnu et.", (0, None))          # the next quote is a new one
    assert [x.text for x in svc.list_quotes(db, iv.id)] == ["Her er der altid kaffe.", "Endnu et."]
    send(at, f"qt_{iv.id}_{svc.list_quotes(db, iv.id)[1].id}", f"quote:{svc.list_quotes(db, iv.id)[1].id}", "",
         (0, None))                                                        # emptied: never deletes
    assert len(svc.list_quotes(db, iv.id)) == 2 and "tomt citat" in texts(at).lower()
    at.button(key=f"qd_{iv.id}_{svc.list_quotes(db, iv.id)[1].id}").click()
    run_ok(at)
    at.sidebar.radio(key=f"nav_{iv.id}").set_value("_citater")
    run_ok(at)
    assert "Citater (1)" in texts(at)
    send(at, f"qt_{iv.id}_{q.id}", f"quote:{q.id}", "Her er der altid kaffe på kanden.", (0, None))
    at.checkbox(key=f"qr_{iv.id}_{q.id}").check()
    run_ok(at)
    (q,) = svc.list_quotes(db, iv.id)
    assert q.text == "Her er der altid kaffe på kanden." and q.for_report
    at.button(key=f"qd_{iv.id}_{q.id}").click()
    run_ok(at)
    assert svc.list_quotes(db, iv.id) == []


# ---------------------------------------------------------------- complete, reopen

def test_complete_with_missing_items_needs_a_reason_and_links_to_each(db, guide, iv):
    svc.save_answer(db, guide, iv.id, "hvorfor_her", "Bor her")
    svc.save_answer(db, guide, iv.id, "consent_journal", "ja")
    at = open_interview(iv.id, "_afslut")
    assert "Der mangler 5 obligatoriske svar" in texts(at)
    links = [p for p in at.main.get("page_link")]
    labels = [p.value for p in links]
    assert "Om dig › Hvor gammel er du?" in labels and len(labels) == 5
    age = next(p for p in links if "gammel" in p.value)
    assert "afsnit=om_dig" in age.proto.query_string and "q=age" in age.proto.query_string
    assert "Samtykke til journallæsning:** Ja — registreret" in texts(at)
    assert guide.version in texts(at)
    at.button(key="finish_anyway").click()
    run_ok(at)
    assert "begrundelse" in texts(at) and svc.get_info(db, iv.id).status == "draft"
    at.text_area(key=f"reason_{iv.id}").input("Brugeren ville ikke svare på alder og køn.")
    at.button(key="finish_anyway").click()
    run_ok(at)
    info = svc.get_info(db, iv.id)
    assert info.status == "complete" and info.completion_note == "Brugeren ville ikke svare på alder og køn."
    assert "Afsluttet" in texts(at)
    # read-only now; reopen for correction, then the change is in the audit trail
    at = open_interview(iv.id, "om_dig")
    assert data(at, wkey(iv.id, "age"))["editable"] is False
    at = open_interview(iv.id, "_afslut")
    at.text_input(key=f"reo_who_{iv.id}").input("MN")
    at.text_area(key=f"reo_why_{iv.id}").input("Alder fundet i noterne")
    at.button(key="reopen").click()
    run_ok(at)
    assert svc.get_info(db, iv.id).status == "reopened"
    at = open_interview(iv.id, "om_dig")
    assert "Genåbnet til rettelse af MN" in texts(at)
    type_text(at, db, iv.id, "age", "52")
    trail = svc.audit_trail(db, iv.id)
    assert (trail[-1].code, trail[-1].old_value, trail[-1].new_value, trail[-1].who) == ("age", None, "52", "MN")
    at = open_interview(iv.id, "_afslut")
    df = at.dataframe[0].value
    assert list(df.columns) == ["Tidspunkt", "Hvem", "Hvad", "Før", "Efter", "Note"]
    assert "52" in df["Efter"].tolist()


def test_complete_without_missing_items(db, guide, iv):
    for code, v in [("hvorfor_her", "x"), ("gender", "mand"), ("age", "50"), ("loennet_arbejde", "ja"),
                    ("aktiveret", "ja"), ("tilbudstype", "udenfor"), ("consent_journal", "nej")]:
        svc.save_answer(db, guide, iv.id, code, v)
    at = open_interview(iv.id, "_afslut")
    assert "Alle obligatoriske spørgsmål er besvaret" in texts(at)
    at.button(key="finish").click()
    run_ok(at)
    assert svc.get_info(db, iv.id).status == "complete"


def test_about_the_interview_edits_interviewer_and_date(db, guide, iv):
    at = open_interview(iv.id, "_om")
    at.text_input(key=wkey(iv.id, "interviewer")).input("AB")
    run_ok(at)
    type_text(at, db, iv.id, "interview_date", "5.11.2026")  # typed, as the interviewer writes it
    choose(at, db, iv.id, "selected_by_staff", "ja")
    info = svc.get_info(db, iv.id)
    assert (info.interviewer, info.interview_date) == ("AB", dt.date(2026, 11, 5))
    assert svc.load_state(db, iv.id).answers["selected_by_staff"] == "ja"
    assert shown_text(at, iv.id, "interview_date") == "05.11.2026"  # shown as stored
    assert data(at, wkey(iv.id, "interview_date"))["placeholder"] == "dd.mm.åååå"


@pytest.mark.parametrize("typed, says", [
    ("31.04.2026", "datoen findes ikke — april 2026 har 30 dage"),          # a date picker made it 30.04 and stored it
    ("31042026", "datoen findes ikke — april 2026 har 30 dage"),
    ("5.11.26", "skriv datoen som dd.mm.åååå"),               # never a two-digit year
    ("31.12.1999", "tilladt: 01.01.2000 til"),
    ("01.01.2999", "ligger uden for det tilladte"),           # an interview never took place in the future
])
def test_the_interview_date_is_stored_as_typed_or_refused_and_kept_to_be_corrected(db, guide, iv, typed, says):
    """The interview's own date is typed («05.11.2026»): a day that does not exist, a two-digit year or a day
    outside 2000 to today is refused in Danish under the field, what was typed stays there, and the stored
    date is left as it was."""
    at = open_interview(iv.id, "_om")
    type_text(at, db, iv.id, "interview_date", "05.11.2026")
    type_text(at, db, iv.id, "interview_date", typed)
    assert svc.get_info(db, iv.id).interview_date == dt.date(2026, 11, 5)
    d = data(at, wkey(iv.id, "interview_date"))
    assert says in (d["error"] or "") and d["error"].startswith("Ikke gemt") and d["rejected"] == typed
    type_text(at, db, iv.id, "interview_date", "4.11.2026")  # corrected: stored, the message gone
    assert svc.get_info(db, iv.id).interview_date == dt.date(2026, 11, 4)
    assert field_error(at, iv.id, "interview_date") is None and shown_text(at, iv.id, "interview_date") == "04.11.2026"


def test_a_choice_can_be_cleared_again(db, guide, iv):
    at = open_interview(iv.id, "_om")
    choose(at, db, iv.id, "selected_by_staff", "nej")
    assert data(at, wkey(iv.id, "selected_by_staff"))["clearable"] is True  # «Ryd» is offered
    choose(at, db, iv.id, "selected_by_staff", None)                       # … and sends a blank
    assert "selected_by_staff" not in svc.load_state(db, iv.id).answers
    assert shown_choice(at, iv.id, "selected_by_staff") is None


def test_an_unexpected_error_shows_a_danish_message_not_a_traceback(db, guide, iv, monkeypatch, caplog):
    def broken(*a, **k):
        raise RuntimeError("HEMMELIGT svar i fejlteksten")

    monkeypatch.setattr(svc, "load_state", broken)
    at = open_interview(iv.id)
    assert not at.exception
    assert "uventet fejl" in texts(at) and "Alt, der er vist som gemt, er gemt" in texts(at)
    assert "HEMMELIGT" not in caplog.text and "HEMMELIGT" not in texts(at)


def test_a_stale_change_asks_first_and_the_field_follows_the_store(db, guide, iv):
    """Issue 10: a change made in a tab that has not seen a newer answer does not replace it silently."""
    from tests.app.autosave_driver import send

    at = open_interview(iv.id)
    age = wkey(iv.id, "age")
    assert svc.save_answer(db, guide, iv.id, "age", "44").ok       # another tab, after this one was drawn
    run_ok(at)                                                     # any rerun here: the field follows the store
    assert shown_text(at, iv.id, "age") == "44" and data(at, age)["version"] == 1
    assert svc.save_answer(db, guide, iv.id, "age", "46", base=(1, "44")).ok  # the other tab again
    send(at, age, "age", "45", (1, "44"))                          # this tab still shows 44: stale
    (c,) = data(at, age)["conflicts"]
    assert (c["theirs_label"], c["mine_label"]) == ("46", "45") and "ændret i en anden fane" in c["text"]
    assert svc.load_state(db, iv.id).answers["age"] == "46"         # nothing replaced
    send(at, age, "age", "45", (2, "46"), kind="resolve")          # «Brug mit «45»»
    assert svc.load_state(db, iv.id).answers["age"] == "45" and data(at, age)["conflicts"] == []
    trail = [(a.old_value, a.new_value, a.note or "") for a in svc.audit_trail(db, iv.id) if a.code == "age"]
    assert ("46", "45", "konflikt: ikke gemt, svaret var ændret i en anden fane") in trail
    assert trail[-1][:2] == ("46", "45")
    # «Behold»: the other tab's answer stays
    assert svc.save_answer(db, guide, iv.id, "age", "50", base=(3, "45")).ok
    send(at, age, "age", "51", (3, "45"))
    send(at, age, "age", "51", (4, "50"), kind="keep")
    assert svc.load_state(db, iv.id).answers["age"] == "50" and shown_text(at, iv.id, "age") == "50"
    assert data(at, age)["conflicts"] == []
    # an archetype card clicked in a stale tab is a conflict too
    assert svc.save_answer(db, guide, iv.id, "selvplacering", "etniske").ok
    at.button(key="cardbtn_dovne").click()
    run_ok(at)
    assert svc.load_state(db, iv.id).answers["selvplacering"] == "etniske"
    assert data(at, wkey(iv.id, "selvplacering"))["conflicts"][0]["mine_label"] == "Den dovne"


def test_a_hostile_queue_from_the_browser_changes_nothing_and_shows_no_traceback(db, guide, iv):
    """The component state comes from the browser: any shape is tolerated, only guide answers of this
    interview (and its own quotes) can be written, through the same checks as every save."""
    at = open_interview(iv.id)
    key = wkey(iv.id, "gender")
    for queue in [None, "x", {"cid": "", "items": []}, {"cid": "t", "items": "nope"},
                  {"cid": "t", "items": [None, 3, {"seq": "x"}, {"seq": 1, "code": "respondent_id", "value": "AMA-99"},
                                         {"seq": 2, "code": "gender", "value": "=HYPERLINK(1)"},
                                         {"seq": 3, "code": "ukendt", "value": "x"},
                                         {"seq": 4, "code": "quote:99999999999999", "value": "x"},
                                         {"seq": 5, "code": "quote:-1", "value": "x"},
                                         {"seq": 6, "code": "gender", "value": "kvinde", "base": "garbage"}]}]:
        at.session_state[key] = {"queue": queue}
        at.run()
        assert not at.exception, [e.value for e in at.exception]
    a = svc.load_state(db, iv.id).answers
    assert a == {"gender": "kvinde"}                       # only the valid answer, the bad base read as «none»
    assert svc.get_info(db, iv.id).respondent_id == "AMA-01" and svc.list_quotes(db, iv.id) == []


def test_a_change_that_fails_unexpectedly_does_not_hold_back_the_next(db, guide, iv, monkeypatch):
    """A tester pasted 5,000 digits: the save raised, the whole queue was given up on every rerun, and a
    later «13» was never stored while the page stayed open. Now that one change is refused (the field says
    so) and the queue goes on."""
    real = svc.save_answer

    def flaky(engine, g, iid, code, raw, **kw):
        if raw == "BOOM":
            raise RuntimeError("uventet")
        return real(engine, g, iid, code, raw, **kw)

    monkeypatch.setattr(svc, "save_answer", flaky)
    at = open_interview(iv.id)
    key = wkey(iv.id, "skoleaar")
    at.session_state[key] = {"queue": {"cid": "t", "items": [{"seq": 1, "code": "skoleaar", "value": "BOOM",
                                                                "base": [0, None]}]}}
    at.run()
    assert not at.exception and "skoleaar" not in svc.load_state(db, iv.id).answers
    assert "uventet fejl" in (field_error(at, iv.id, "skoleaar") or "")
    at.session_state[key] = {"queue": {"cid": "t", "items": [
        {"seq": 1, "code": "skoleaar", "value": "BOOM", "base": [0, None]},   # not yet acknowledged: sent again
        {"seq": 2, "code": "skoleaar", "value": "13", "base": [0, None]}]}}
    at.run()
    assert not at.exception and svc.load_state(db, iv.id).answers["skoleaar"] == "13"
    assert field_error(at, iv.id, "skoleaar") is None
    assert data(at, key)["acked"]["t"] == 2


def test_after_a_server_restart_the_interviewers_own_text_is_no_conflict(db, guide, iv):
    """A tester killed and restarted the server while typing: the page's next save was chained onto its
    last one (saved before the kill), but the new server had no memory of it, took the page's stale base
    and reported the interviewer's own text as «ændret i en anden fane». The store's word now decides: it
    holds exactly the page's previous value, so that is the base. Another tab's change is still a conflict."""
    assert svc.save_answer(db, guide, iv.id, "hvorfor_her", "Jeg", base=(0, None)).ok  # before the restart
    at = open_interview(iv.id)   # a new session: the restarted server
    key = wkey(iv.id, "hvorfor_her")
    at.session_state[key] = {"queue": {"cid": "t", "items": [
        {"seq": 5, "code": "hvorfor_her", "value": "Jeg mere", "base": [0, None], "chain": True, "prev": "Jeg"}]}}
    at.run()
    assert not at.exception and svc.load_state(db, iv.id).answers["hvorfor_her"] == "Jeg mere"
    assert not data(at, key)["conflicts"]
    assert svc.save_answer(db, guide, iv.id, "hvorfor_her", "Fra en anden fane").ok  # now another tab writes
    at.session_state[key] = {"queue": {"cid": "u", "items": [
        {"seq": 1, "code": "hvorfor_her", "value": "Jeg mere endnu", "base": [0, None], "chain": True,
         "prev": "Jeg mere"}]}}
    at.run()
    assert svc.load_state(db, iv.id).answers["hvorfor_her"] == "Fra en anden fane"
    assert data(at, key)["conflicts"]
