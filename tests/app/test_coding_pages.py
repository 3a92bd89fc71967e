"""The coding workbench pages through streamlit.testing (AppTest), on the demo study in a temporary
SQLite database: Kodning, Kodebog, Transskriptioner, Citatbank, Enighed, Anonymisering.

Every flow asserts what is stored through the domain API afterwards, not only what is shown."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from archetypes import coding
from coding import agreement as ag
from coding import anonymise as an
from coding import codebook as cb
from coding import quotebank as qb
from coding import transcripts as tr
from survey.db import get_engine, session_scope
from survey.demo import load_demo
from survey.models import AuditEntry, Quote
from tests.app.numbers import point_numbers
from tests.app.pages import open_page, run_ok, switch, texts
from ui.workbench import CODER, CODER_W



@pytest.fixture
def db(db_url, monkeypatch, guide):
    url = db_url  # a new store at the newest schema (tests/conftest.py: SQLite, or PostgreSQL in that run)
    monkeypatch.setenv("BRUGERBLIK_DB", url)
    e = get_engine(url)  # the same engine the app's cache_resource hands out for this URL
    assert load_demo(e, guide) == 61
    return e


def iid_of(db, rid: str) -> str:
    with session_scope(db) as s:
        return next(r.interview_id for r in coding.respondents(s) if r.respondent_id == rid)








def frame(at: AppTest, column: str):
    """The one dataframe on the page that has `column`."""
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert len(found) == 1, [list(d.value.columns) for d in at.dataframe]
    return found[0]


def errors(at: AppTest) -> str:
    return "\n".join(e.value for e in at.error)


# ---------------------------------------------------------------- Kodning

def test_kodning_set_archetype_shows_the_rule_group_stores_it_and_audits_it(db, guide):
    iid = iid_of(db, "AMA-02")
    at = open_page("kodning", coder=None, r="AMA-02")
    assert at.selectbox(key="kod_r").value == "AMA-02"
    assert "Den ældre" in texts(at) and "Den dovne" in texts(at)          # the eight archetype cards
    assert "Respondentens egen placering" in texts(at)
    # the name is entered once in the sidebar and kept for the session
    at.sidebar.text_input(key=CODER_W).input("Forsker A")
    run_ok(at)
    assert at.session_state[CODER] == "Forsker A"
    at.selectbox(key=f"kod_{iid}_arketype").set_value("eks_misbruger")
    run_ok(at)
    with session_scope(db) as s:
        v = coding.coding_view(s, guide, iid)
        audit = [a for a in coding.audit_trail(s, iid) if a.code == "arketype"]
    age = int(v.answers[[a.code for a in v.answers].index("age")].value)
    want = "unge_misbrugere" if age < 40 else "aeldre_misbrugere"
    assert v.arketype.value == "eks_misbruger" and v.arketype.who == "Forsker A" and v.arketype.source == "forsker"
    assert v.group == want and not v.overridden
    assert audit and audit[0].new_value == "eks_misbruger" and audit[0].who == "Forsker A"
    shown = texts(at)
    assert v.group_name in shown and f"{age} år" in shown and "standardreglen" in shown   # the group and why
    assert "Sat af Forsker A" in shown and "kilde: forsker" in shown
    log = frame(at, "Hvem")                                                     # the audit trail on the page
    assert ((log["Hvem"] == "Forsker A") & (log["Efter"] == "Eks-junkien og eks-alkoholikeren")).any()
    assert at.query_params["r"] == "AMA-02"
    # the judgement of labour market perspective, with who set it
    at.selectbox(key=f"kod_{iid}_arbejdsmarkedsperspektiv").set_value("reelt")
    run_ok(at)
    with session_scope(db) as s:
        assert coding.coding_view(s, guide, iid).judgements["arbejdsmarkedsperspektiv"].value == "reelt"
    # the name and the respondent follow the researcher to the other coding pages
    switch(at, "transskriptioner")
    run_ok(at)
    assert at.sidebar.text_input(key=CODER_W).value == "Forsker A"
    assert at.selectbox(key="tr_r").value == "AMA-02" and at.query_params["r"] == "AMA-02"
    # a reload of the same URL returns to the same respondent
    again = open_page("kodning", r="AMA-02")
    assert again.selectbox(key="kod_r").value == "AMA-02"
    assert again.selectbox(key=f"kod_{iid}_arketype").value == "eks_misbruger"


def test_a_link_to_a_respondent_the_page_does_not_list_says_so(db):
    # a deleted respondent's old link (or a mistyped one) used to show the first respondent without a word
    at = open_page("kodning", r="Ole Hansen")
    shown = at.selectbox(key="kod_r").value
    warn = "\n".join(w.value for w in at.warning)
    assert "ikke blandt denne sides respondenter" in warn and f"Siden viser {shown}" in warn
    assert "Ole Hansen" not in texts(at)                 # what the URL held is not repeated
    assert at.query_params["r"] == shown
    run_ok(at)                                           # the next run: the URL is the shown one, no warning
    assert not [w for w in at.warning if "linket" in w.value]
    ok = open_page("kodning", r="AMA-02")
    assert not [w for w in ok.warning if "linket" in w.value]


def test_kodning_without_a_name_nothing_is_stored(db, guide):
    iid = iid_of(db, "AMA-03")
    with session_scope(db) as s:
        before = coding.coding_view(s, guide, iid).arketype.value
    at = open_page("kodning", coder=None, r="AMA-03")
    new = "dovne" if before != "dovne" else "etniske"
    at.selectbox(key=f"kod_{iid}_arketype").set_value(new)
    run_ok(at)
    assert "Kodet af" in errors(at)
    assert at.selectbox(key=f"kod_{iid}_arketype").value == (before or "")   # shown = stored
    with session_scope(db) as s:
        assert coding.coding_view(s, guide, iid).arketype.value == before


def test_kodning_override_needs_a_reason_and_can_be_cleared(db, guide):
    iid = iid_of(db, "BAS-01")
    at = open_page("kodning", r="BAS-01")
    with session_scope(db) as s:
        v0 = coding.coding_view(s, guide, iid)
        n_audit = len(coding.audit_trail(s, iid))
    other = next(c for c, _ in v0.group_choices if c != v0.group)
    at.selectbox(key=f"kod_{iid}_ovr_group").set_value(other)
    at.button(key=f"kod_{iid}_ovr_btn").click()
    run_ok(at)
    assert "kræver en begrundelse" in errors(at)
    with session_scope(db) as s:
        v = coding.coding_view(s, guide, iid)
        assert not v.overridden and v.group == v0.group
        assert len(coding.audit_trail(s, iid)) == n_audit                       # nothing stored
    at.selectbox(key=f"kod_{iid}_ovr_group").set_value(other)
    at.text_area(key=f"kod_{iid}_ovr_reason").input("Lever som de ældre; alder passer ikke med livet.")
    at.button(key=f"kod_{iid}_ovr_btn").click()
    run_ok(at)
    with session_scope(db) as s:
        v = coding.coding_view(s, guide, iid)
        dec = coding.decisions(s, iid, "brugergruppe")[-1]
    assert v.overridden and v.group == other and v.override.reason.startswith("Lever som de ældre")
    assert dec.who == "Forsker A" and dec.reason.startswith("Lever som")
    assert "Overstyret til" in texts(at) and "Lever som de ældre" in texts(at)
    at.button(key=f"kod_{iid}_ovr_clear").click()
    run_ok(at)
    with session_scope(db) as s:
        v = coding.coding_view(s, guide, iid)
    assert not v.overridden and v.group == v0.group == v.rule.group


def test_kodning_links_a_quote_as_evidence(db, guide):
    iid = iid_of(db, "AMA-01")
    with session_scope(db) as s:
        q = Quote(interview_id=iid, item_code="hvorfor_her", text="Jeg hører stemmer, og her er der ro.",
                  created_by="KL")
        s.add(q)
        s.flush()
        qid = q.id
    at = open_page("kodning", r="AMA-01")
    assert "Jeg hører stemmer" in texts(at)
    at.checkbox(key=f"kod_{iid}_ev_{qid}").check()
    run_ok(at)
    with session_scope(db) as s:
        assert coding.evidence_for(s, iid) == [qid]
        assert any(a.entity == "evidence" for a in coding.audit_trail(s, iid))
    assert at.checkbox(key=f"kod_{iid}_ev_{qid}").value is True


# ---------------------------------------------------------------- Kodebog

def test_kodebog_seed_add_code_with_cue_words_and_the_tagger_suggests_it(db):
    from coding.nlp import Tagger

    at = open_page("kodebog")  # the report's themes are there on first use: no button to click
    assert "Kodebogen er tom" not in texts(at) and not any(b.key == "kb_seed" for b in at.button)
    with session_scope(db) as s:
        assert [e.key for e in cb.entries(s)] == [e.key for e in cb.load_seed()]
    assert "Rytme i hverdagen" in "\n".join(m.value for m in at.markdown)      # the tree
    assert {b.key for b in at.get("download_button")} >= {"kb_dl_json", "kb_dl_xlsx", "kb_dl_csv"}
    text = "Jeg får kaffen og et rundstykke her hver dag."
    with session_scope(db) as s:
        assert Tagger(cb.entries(s)).suggest(text) == []
    at.text_input(key="kb_new_name").input("Kaffe og morgenmad")
    at.selectbox(key="kb_new_parent").set_value("udbytte")
    at.text_area(key="kb_new_desc").input("Mad og kaffe som grund til at komme.")
    at.text_area(key="kb_new_cues").input("kaffe\nmorgenmad\n=rundstykke\n\nkaffe")
    at.button(key="kb_add").click()
    run_ok(at)
    with session_scope(db) as s:
        c = cb.get_code(s, "kaffe_og_morgenmad")
        assert c.cue_list() == ["kaffe", "morgenmad", "=rundstykke"] and c.description.startswith("Mad og kaffe")
        assert cb.get_code(s, c.parent_id).key == "udbytte"
        got = {sg.kode: sg for sg in Tagger(cb.entries(s)).suggest(text)}
    assert got["kaffe_og_morgenmad"].ord == ["kaffen", "rundstykke"] and got["kaffe_og_morgenmad"].kilde == "regel"
    assert at.selectbox(key="kb_sel").value == "kaffe_og_morgenmad"             # the new code is open for editing
    # the try-out shows the suggestion with the triggering words highlighted
    at.text_area(key="kb_try").input(text)
    run_ok(at)
    shown = "\n".join(m.value for m in at.markdown)
    assert '<mark class="bb-regel"' in shown and ">kaffen</mark>" in shown and "Kaffe og morgenmad" in shown
    # a second code with the same name is refused with the Danish message, nothing stored
    at.text_input(key="kb_new_name").input("kaffe og morgenmad")
    at.button(key="kb_add").click()
    run_ok(at)
    assert "allerede" in errors(at)
    with session_scope(db) as s:
        assert len(cb.entries(s)) == len(cb.load_seed()) + 1
    # rename, move to the top level and change the cue words
    cid = c.id
    at.text_input(key=f"kb_e_{cid}_name").input("Kaffe")
    at.selectbox(key=f"kb_e_{cid}_parent").set_value("")
    at.text_area(key=f"kb_e_{cid}_cues").input("kaffe\nkaffekop")
    at.button(key="kb_save").click()
    run_ok(at)
    with session_scope(db) as s:
        c = cb.get_code(s, cid)
        assert (c.name, c.key, c.parent_id, c.cue_list()) == ("Kaffe", "kaffe_og_morgenmad", None, ["kaffe", "kaffekop"])
    # delete needs the confirmation
    at.button(key="kb_del").click()
    run_ok(at)
    with session_scope(db) as s:
        assert cb.get_code(s, cid)
    at.checkbox(key=f"kb_e_{cid}_confirm").check()
    at.button(key="kb_del").click()
    run_ok(at)
    with session_scope(db) as s:
        assert "kaffe_og_morgenmad" not in [e.key for e in cb.entries(s)]


def test_kodebog_keeps_a_codes_unsaved_edits_when_another_code_is_chosen(db):
    # Streamlit drops a widget's state when it is not drawn: the edits of one code were lost without a word
    at = open_page("kodebog")
    with session_scope(db) as s:
        first, second = cb.get_code(s, "rytme_i_hverdagen"), cb.get_code(s, "socialt_samvaer")
        a, b, a_name = first.id, second.key, first.name
    at.selectbox(key="kb_sel").set_value("rytme_i_hverdagen")
    run_ok(at)
    at.text_input(key=f"kb_e_{a}_name").input("Rytme og faste dage")
    at.text_area(key=f"kb_e_{a}_desc").input("Ny beskrivelse, ikke gemt")
    at.selectbox(key="kb_sel").set_value(b)            # typed, then another code chosen: one run
    run_ok(at)
    run_ok(at)                                          # and the next: the first code's widgets are gone
    warn = "\n".join(w.value for w in at.warning)
    assert f"Ikke gemte ændringer i «{a_name}»" in warn          # by the name it is stored under
    assert at.selectbox(key="kb_sel").format_func("rytme_i_hverdagen").endswith("✎ ikke gemt")
    switch(at, "matrix")                                # away from the page and back
    run_ok(at)
    switch(at, "kodebog")
    run_ok(at)
    at.selectbox(key="kb_sel").set_value("rytme_i_hverdagen")
    run_ok(at)
    assert at.text_input(key=f"kb_e_{a}_name").value == "Rytme og faste dage"
    assert at.text_area(key=f"kb_e_{a}_desc").value == "Ny beskrivelse, ikke gemt"
    assert "ikke gemt endnu" in "\n".join(c.value for c in at.caption)
    with session_scope(db) as s:
        assert cb.get_code(s, a).name == a_name         # nothing is stored until «Gem ændringer»
    at.button(key="kb_save").click()
    run_ok(at)
    with session_scope(db) as s:
        c = cb.get_code(s, a)
        assert (c.name, c.description) == ("Rytme og faste dage", "Ny beskrivelse, ikke gemt")
    assert not [w for w in at.warning if "Ikke gemte" in w.value]
    assert not at.selectbox(key="kb_sel").format_func("rytme_i_hverdagen").endswith("ikke gemt")
    # typing the stored value back is no draft
    at.text_input(key=f"kb_e_{a}_name").input("Noget andet")
    run_ok(at)
    at.text_input(key=f"kb_e_{a}_name").input("Rytme og faste dage")
    at.selectbox(key="kb_sel").set_value(b)
    run_ok(at)
    assert not [w for w in at.warning if "Ikke gemte" in w.value]


# ---------------------------------------------------------------- Transskriptioner

TRANSCRIPT = (Path(__file__).resolve().parents[1] / "coding" / "data" / "interview_dansk.txt").read_bytes()


def test_transcript_upload_segments_accept_reject_and_code_by_hand(db):
    iid = iid_of(db, "AMA-01")
    at = open_page("transskriptioner", r="AMA-01")
    assert "ingen transskriptioner" in texts(at)
    at.file_uploader(key="tr_file").set_value(("interview.txt", TRANSCRIPT, "text/plain"))
    at.button(key="tr_import").click()
    run_ok(at)
    with session_scope(db) as s:
        infos = tr.list_transcripts(s, iid)
        segs = tr.segments_for(s, infos[0].id)
    assert len(infos) == 1 and infos[0].imported_by == "Forsker A" and infos[0].filename == "interview.txt"
    assert len(segs) > 4 and {g.speaker for g in segs} >= {"I", "B"}
    assert "9 segmenter" in texts(at) or f"{len(segs)} segmenter" in texts(at)
    for g in segs:                                                              # every segment is shown
        assert any(f"tr_code_{g.id}" == b.key for b in at.button)
    rytme = next(g for g in segs if "rytme i hverdagen" in g.text)
    sags = next(g for g in segs if "sagsbehandleren" in g.text.lower())
    hand = next(g for g in segs if "sofaen" in g.text)
    shown = "\n".join(m.value for m in at.markdown)
    assert '<mark class="bb-regel" title="Rytme i hverdagen (regel)">rytme</mark>' in shown
    assert "regel" in shown and "«hverdagen»" in shown                           # source and the words
    at.button(key=f"tr_s_{rytme.id}_acc_rytme_i_hverdagen").click()
    run_ok(at)
    # the interviewer's question gets no suggestion by default (only the respondent's turns); with «Al tale» it does
    assert sags.speaker == "I" and not any(b.key == f"tr_s_{sags.id}_rej_sagsbehandler" for b in at.button)
    at.radio(key="tr_scope").set_value("alle")
    run_ok(at)
    at.button(key=f"tr_s_{sags.id}_rej_sagsbehandler").click()
    run_ok(at)
    at.multiselect(key=f"tr_codes_{hand.id}").set_value(["rytme_i_hverdagen", "socialt_samvaer"])
    at.text_input(key=f"tr_memo_{hand.id}").input("Uden tilbuddet: sofaen.")
    at.button(key=f"tr_code_{hand.id}").click()
    run_ok(at)
    with session_scope(db) as s:
        assert tr.get_segment(s, rytme.id).code_keys == ["rytme_i_hverdagen"]
        d = cb.decisions_for(s, "segment", rytme.id)["rytme_i_hverdagen"]
        assert (d.decision, d.source, d.who) == ("accepted", "regel", "Forsker A")
        assert tr.get_segment(s, sags.id).code_keys == []
        assert cb.decisions_for(s, "segment", sags.id)["sagsbehandler"].decision == "rejected"
        h = tr.get_segment(s, hand.id)
        assert h.code_keys == ["rytme_i_hverdagen", "socialt_samvaer"]
        assert {c.memo for c in h.codes} == {"Uden tilbuddet: sofaen."}
    assert any(b.key == f"tr_s_{sags.id}_undo_sagsbehandler" for b in at.button)  # a rejection can be undone
    assert not any(b.key == f"tr_s_{rytme.id}_acc_rytme_i_hverdagen" for b in at.button)
    # the same file name again without «Erstat»: the Danish message, nothing stored or lost
    at.button(key="tr_import").click()
    run_ok(at)
    assert "har allerede en transskription" in errors(at)
    at.file_uploader(key="tr_file").set_value(("tom.txt", b"I:\n", "text/plain"))
    at.button(key="tr_import").click()
    run_ok(at)
    assert "ingen tekst" in errors(at)
    with session_scope(db) as s:
        assert len(tr.list_transcripts(s, iid)) == 1
        assert tr.get_segment(s, rytme.id).code_keys == ["rytme_i_hverdagen"]


LABELLED = [
    ("Tilbuddet giver mig en rytme i hverdagen og noget at stå op til", {"rytme_i_hverdagen"}),
    ("Det er godt at have en fast dagsrytme", {"rytme_i_hverdagen"}),
    ("Jeg skal op om morgenen og har et indhold i hverdagen", {"rytme_i_hverdagen"}),
    ("Uden rutinen falder jeg tilbage i gamle vaner", {"rytme_i_hverdagen"}),
    ("Hverdagen har fået en rytme, så jeg holder mig i gang", {"rytme_i_hverdagen"}),
    ("Aktiviteterne giver indhold og rytme i dagligdagen", {"rytme_i_hverdagen"}),
    ("Min gæld gør at det ikke kan betale sig at arbejde", {"oekonomi_og_gaeld"}),
    ("Systemet tager bare pengene på grund af gælden", {"oekonomi_og_gaeld"}),
    ("Jeg mangler penge til at starte en ny tilværelse", {"oekonomi_og_gaeld"}),
    ("Kontanthjælpen rækker ikke til huslejen", {"oekonomi_og_gaeld"}),
    ("Jeg har gæld til det offentlige og får ingen penge", {"oekonomi_og_gaeld"}),
    ("Pengene forsvinder til gæld hver måned", {"oekonomi_og_gaeld"}),
    ("Jeg kan godt lide at lave mad i køkkenet", set()),
    ("Vi spiller kort om eftermiddagen", set()),
    ("Personalet er søde og hjælpsomme", set()),
    ("Jeg ser fjernsyn om aftenen", set()),
    ("Haven skal passes om sommeren", set()),
    ("Det er en god kop kaffe", set()),
]


def record_labelled(s) -> None:
    """The codebook, and a researcher's decisions on LABELLED's texts for two codes: something to train on."""
    cb.ensure_seeded(s)
    for i, (text, codes) in enumerate(LABELLED):
        for code in ("rytme_i_hverdagen", "oekonomi_og_gaeld"):
            cb.record_decision(s, "segment", f"t{i}", code, "accepted" if code in codes else "rejected",
                               source="manuel", who="Forsker A", text=text)


def test_train_model_shows_cross_validated_precision_and_recall_per_code(db):
    at = open_page("transskriptioner", r="AMA-02")
    at.button(key="tr_train").click()
    run_ok(at)
    assert "For få beslutninger" in texts(at)                                    # nothing to learn from yet
    with session_scope(db) as s:
        record_labelled(s)
    at.button(key="tr_train").click()
    run_ok(at)
    assert "Modellen er trænet på 18 tekster" in texts(at)
    df = frame(at, "Genkaldelse")
    assert list(df.columns)[:3] == ["Kode", "Præcision", "Genkaldelse"]
    rows = {r["Kode"]: r for r in df.to_dict("records")}
    assert {"Rytme i hverdagen", "Økonomi og gæld", "alle (mikro)"} <= set(rows)
    for name in ("Rytme i hverdagen", "Økonomi og gæld"):
        assert 0.0 <= rows[name]["Præcision"] <= 1.0 and 0.0 <= rows[name]["Genkaldelse"] <= 1.0
        assert rows[name]["Positive"] == 6
    assert "5 fold, 18 tekster" in texts(at)
    assert point_numbers(at) == []  # precision, recall, F1, the threshold and the seconds: decimal commas


# ---------------------------------------------------------------- Citatbank

@pytest.fixture
def quotes(db):
    """Three quotes: a værested respondent (AMA-01), a boform respondent (BAS-01), AMA-02."""
    out = {}
    with session_scope(db) as s:
        for name, rid, text in (("rytme", "AMA-01", "Jeg har fået en rytme i hverdagen her."),
                                ("sags", "BAS-01", "Min sagsbehandler ringer aldrig, siger Jens Hansen."),
                                ("kaffe", "AMA-02", "Her er varmt, og kaffen er gratis.")):
            q = Quote(interview_id=next(r.interview_id for r in coding.respondents(s) if r.respondent_id == rid),
                      item_code="hvorfor_her", text=text, created_by="KL")
            s.add(q)
            s.flush()
            out[name] = q.id
    return out


def shown_quotes(at: AppTest) -> set[int]:
    return {int(c.key.removeprefix("cb_rep_")) for c in at.checkbox if (c.key or "").startswith("cb_rep_")}


def test_citatbank_filters_narrow_the_rows_and_marking_persists(db, guide, quotes):
    at = open_page("citatbank")
    assert shown_quotes(at) == set(quotes.values()) and "Viser 3 af 3 citater" in texts(at)
    at.text_input(key="cb_search").input("RYTME")
    run_ok(at)
    assert shown_quotes(at) == {quotes["rytme"]} and "Viser 1 af 3 citater" in texts(at)
    at.button(key="cb_reset").click()
    run_ok(at)
    assert shown_quotes(at) == set(quotes.values())
    at.multiselect(key="cb_stype").set_value(["boform"])
    run_ok(at)
    assert shown_quotes(at) == {quotes["sags"]}
    at.button(key="cb_reset").click()
    run_ok(at)
    with session_scope(db) as s:
        g_ama1 = next(r.group for r in qb.quote_bank(s, guide) if r.quote_id == quotes["rytme"])
        want = {r.quote_id for r in qb.quote_bank(s, guide, group=g_ama1)}
    at.multiselect(key="cb_group").set_value([g_ama1])
    run_ok(at)
    assert shown_quotes(at) == want and quotes["rytme"] in want
    at.button(key="cb_reset").click()
    run_ok(at)
    # mark for the report: stored, audited, and the "marked" filter finds it
    at.checkbox(key=f"cb_rep_{quotes['rytme']}").check()
    run_ok(at)
    with session_scope(db) as s:
        assert s.get(Quote, quotes["rytme"]).for_report is True
        assert s.execute(select(AuditEntry).where(AuditEntry.entity == "quote", AuditEntry.new_value == "true")
                         ).scalars().first().who == "Forsker A"
    at.selectbox(key="cb_marked").set_value("markerede")
    run_ok(at)
    assert shown_quotes(at) == {quotes["rytme"]}
    again = open_page("citatbank")                                              # persists across sessions
    assert again.checkbox(key=f"cb_rep_{quotes['rytme']}").value is True
    # code a quote from a suggestion; the code filter then finds it
    at.button(key="cb_reset").click()
    run_ok(at)
    at.button(key=f"cb_s_{quotes['rytme']}_acc_rytme_i_hverdagen").click()
    run_ok(at)
    with session_scope(db) as s:
        assert [c.key for c in qb.quote_codes(s, quotes["rytme"])] == ["rytme_i_hverdagen"]
        assert cb.decisions_for(s, "quote", quotes["rytme"])["rytme_i_hverdagen"].source == "regel"
    at.selectbox(key="cb_code").set_value("udbytte")                          # the parent theme
    run_ok(at)
    assert shown_quotes(at) == {quotes["rytme"]}
    assert {b.key for b in at.get("download_button")} >= {"cb_dl_xlsx", "cb_dl_csv"}


def test_citatbank_export_is_anonymised(db, guide, quotes):
    from ui.citatbank_view import export_bytes

    text = export_bytes(db, guide, {}, "csv").decode("utf-8-sig")
    assert "Min sagsbehandler ringer aldrig, siger [navn]." in text and "Jens Hansen" not in text
    assert "Jeg har fået en rytme i hverdagen her." in text
    data = export_bytes(db, guide, {"search": "sagsbehandler"}, "xlsx")
    import io

    import openpyxl
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    cells = [c.value for row in ws.iter_rows() for c in row]
    assert "Min sagsbehandler ringer aldrig, siger [navn]." in cells and len(list(ws.iter_rows())) == 2


# ---------------------------------------------------------------- Enighed

def test_enighed_blind_coding_kappa_alpha_and_settlement(db, guide):
    pairs = {"AMA-01": ("den_aeldre", "den_aeldre"), "AMA-02": ("dovne", "etniske"),
             "AMA-03": ("etniske", "etniske"), "AMA-04": ("dovne", "dovne"), "BAS-01": ("unge_misbruger", "dovne")}
    with session_scope(db) as s:
        for rid, (a, b) in pairs.items():
            if rid != "AMA-01":
                ag.record(s, "Forsker A", ("respondent", rid), "arketype", a)
            ag.record(s, "Forsker B", ("respondent", rid), "arketype", b)
            ag.record(s, "Forsker B", ("respondent", rid), "samlet_tilfredshed", "tilfreds")
    # Forsker A codes AMA-01 on the page, blind to B's values
    at = open_page("enighed", r="AMA-01")
    keys = {w: [x.key for x in at.selectbox if (x.key or "").endswith(f"_{w}")] for w in ("ark", "tilf")}
    ark, tilf = keys["ark"][0], keys["tilf"][0]
    assert at.selectbox(key=ark).value == "" and at.selectbox(key=tilf).value == ""  # B's values are not shown
    at.selectbox(key=ark).set_value("den_aeldre")
    at.selectbox(key=tilf).set_value("utilfreds")
    tema = next(x.key for x in at.multiselect if (x.key or "").endswith("_tema"))
    at.multiselect(key=tema).set_value(["rytme_i_hverdagen"])
    at.button(key="en_save").click()
    run_ok(at)
    with session_scope(db) as s:
        mine = ag.values_for(s, "Forsker A")
    assert mine[("respondent", "AMA-01", "arketype")] == "den_aeldre"
    assert mine[("respondent", "AMA-01", "samlet_tilfredshed")] == "utilfreds"
    assert mine[("respondent", "AMA-01", "tema:rytme_i_hverdagen")] == "1"
    assert mine[("respondent", "AMA-01", "tema:bolig")] == "0"
    # the comparison: kappa and alpha per variable, as coding.agreement computes them
    at.toggle(key="en_compare").set_value(True)
    run_ok(at)
    at.selectbox(key="en_a").set_value("Forsker A")
    run_ok(at)
    at.selectbox(key="en_b").set_value("Forsker B")
    run_ok(at)
    with session_scope(db) as s:
        want = ag.agreement(s, "arketype", "Forsker A", "Forsker B")
    assert want.n == 5 and want.kappa is not None and want.alpha is not None
    df = frame(at, "Krippendorffs alpha")
    row = df[df["Variabel"] == "Arketype"].iloc[0]
    assert row["Fælles enheder"] == 5 and row["Uenigheder"] == 2
    assert row["Cohens kappa"] == pytest.approx(round(want.kappa, 3))
    assert row["Krippendorffs alpha"] == pytest.approx(round(want.alpha, 3))
    assert "AMA-02" in texts(at) and "BAS-01" in texts(at)                       # the disagreements
    # every coder at once (issue 15): Gwet's AC1, kappa and alpha with intervals, as coding.agreement
    with session_scope(db) as s:
        multi = ag.coefficients(s, "arketype")
    ac1 = next(c for c in multi.coefficients if c.name == "Gwets AC1")
    df = frame(at, "Gwets AC1")
    row = df[df["Variabel"] == "Arketype"].iloc[0]
    assert row["Kodere"] == "Forsker A, Forsker B" and row["Enheder"] == 5
    assert row["Gwets AC1"] == pytest.approx(round(ac1.value, 3))
    assert row["Gwets AC1 95 %-KI"] == f"{ac1.low:.3f} til {ac1.high:.3f}".replace(".", ",")  # Danish decimals
    # settle one disagreement: the final value is stored and written to the respondent's archetype
    at.selectbox(key="en_fin_arketype_respondent_AMA-02").set_value("etniske")
    at.text_input(key="en_note_arketype_respondent_AMA-02").input("Taler om sin baggrund hele vejen.")
    at.button(key="en_set_arketype_respondent_AMA-02").click()
    run_ok(at)
    with session_scope(db) as s:
        assert ag.settled_values(s, "arketype")[("respondent", "AMA-02", "arketype")] == "etniske"
        v = coding.coding_view(s, guide, iid_of(db, "AMA-02"))
    assert v.arketype.value == "etniske" and v.arketype.who == "Forsker A"
    # and every unit where they agree at once
    at.button(key="en_agreed_arketype").click()
    run_ok(at)
    with session_scope(db) as s:
        settled = ag.settled_values(s, "arketype")
    assert {k[1] for k in settled} == {"AMA-01", "AMA-02", "AMA-03", "AMA-04"}
    assert "3 enheder, hvor I er enige, er afklaret" in texts(at)


# ---------------------------------------------------------------- Anonymisering

def masked_block(at: AppTest, which: str = "bb-masked-text") -> str:
    """The text of the masked (or original) side, without the highlight markup."""
    return re.sub(r"<[^>]+>", "", "\n".join(m.value for m in at.markdown if which in m.value))


def test_anonymisering_masks_names_and_cpr_and_the_always_mask_list(db):
    at = open_page("anonymisering")
    at.text_area(key="an_text").input("Jeg hedder Kim Jensen og mit CPR-nummer er 010203-1234. Zorblax kom forbi.")
    run_ok(at)
    out = masked_block(at)
    assert "[navn]" in out and "[cpr]" in out and "Kim Jensen" not in out and "010203" not in out
    assert "Zorblax kom forbi" in out                                           # not in any list yet
    original = "\n".join(m.value for m in at.markdown if "bb-orig-text" in m.value)
    assert '<mark class="bb-masked" title="navn">Kim Jensen</mark>' in original
    at.text_input(key="an_term").input("Zorblax")
    at.radio(key="an_kind").set_value("navn")
    at.button(key="an_add").click()
    run_ok(at)
    with session_scope(db) as s:
        terms = an.list_mask_terms(s)
    assert [(t.term, t.kind, t.added_by) for t in terms] == [("Zorblax", "navn", "Forsker A")]
    assert "[navn] kom forbi" in masked_block(at)
    at.button(key=f"an_rm_{terms[0].id}").click()
    run_ok(at)
    with session_scope(db) as s:
        assert an.list_mask_terms(s) == []
    assert "Zorblax kom forbi" in masked_block(at)
    # a one-character term is refused with the Danish message
    at.text_input(key="an_term").input("Z")
    at.button(key="an_add").click()
    run_ok(at)
    assert "mindst to tegn" in errors(at)


def test_anonymisering_shows_each_quote_original_and_masked(db, quotes):
    at = open_page("anonymisering")
    assert at.selectbox(key="an_quote").value == quotes["sags"]                # only quotes with masked text
    assert "siger [navn]." in masked_block(at, "bb-masked-quote")
    assert "Jens Hansen</mark>" in "\n".join(m.value for m in at.markdown if "bb-orig-quote" in m.value)


# ---------------------------------------------------------------- smoke: every page opens on the demo study

@pytest.mark.parametrize("page", ["kodning", "kodebog", "transskriptioner", "citatbank", "enighed", "anonymisering"])
def test_every_page_opens_without_error(db, page):
    at = open_page(page)
    assert at.title and not at.exception


def test_transcript_turns_are_linked_to_the_guide_corrected_and_coded_by_question(db):
    """Issue 15: the import links the interviewer's turns to the guide's questions; the researcher
    corrects one, confirms the rest, and codes everything said after the rytme probe in one click."""
    from tests.coding.test_guide_links import TRANSCRIPT as GUIDED  # the hand-counted transcript

    iid = iid_of(db, "AMA-01")
    at = open_page("transskriptioner", r="AMA-01")
    at.file_uploader(key="tr_file").set_value(("guidet.txt", GUIDED.encode(), "text/plain"))
    at.button(key="tr_import").click()
    run_ok(at)
    assert "3 af interviewerens ture er koblet til et spørgsmål i guiden" in texts(at)
    with session_scope(db) as s:
        tid = tr.list_transcripts(s, iid)[0].id
        segs = tr.segments_for(s, tid)
    turn = {g.text[:6]: g for g in segs if g.speaker == "I"}
    assert at.selectbox(key=f"tr_qsel_{turn['Hvorfo'].id}").value == "hvorfor_her"
    assert at.selectbox(key=f"tr_qsel_{turn['Er det'].id}").value == "__opfoelgning__"
    assert "spørgsmål: Har tilbuddet givet dig en rytme i hverdagen?" in texts(at)  # the answer's question
    at.selectbox(key=f"tr_qsel_{turn['Tak fo'].id}").set_value("")
    run_ok(at)
    at.button(key=f"tr_qok_{tid}").click()
    run_ok(at)
    assert "5 forslag er bekræftet" in texts(at)
    with session_scope(db) as s:
        stored = {g.text[:6]: (g.question, g.question_by) for g in s.execute(
            select(tr.Segment).where(tr.Segment.transcript_id == tid, tr.Segment.speaker == "I")).scalars()}
    assert stored["Tak fo"] == ("", "Forsker A") and stored["Har ti"] == ("rytme", "Forsker A")
    at.selectbox(key="tr_bulk_q").set_value("rytme")
    at.selectbox(key="tr_bulk_code").set_value("rytme_i_hverdagen")
    at.button(key="tr_bulk_go").click()
    run_ok(at)
    assert "2 afsnit er kodet med «Rytme i hverdagen»" in texts(at)
    assert at.selectbox(key=f"tr_t_{iid}").options == ["guidet.txt · 13 segmenter, 2 kodet"]
    with session_scope(db) as s:
        coded = [g.text for g in tr.segments_for(s, tid) if "rytme_i_hverdagen" in g.code_keys]
    assert coded == ["Ja, jeg står op hver dag nu.", "Meget vigtigt."]


def test_a_refi_qda_project_is_imported_on_the_transskriptioner_page(db):
    """Issue 15: a .qdpx from another program — refused as a whole when one case is no respondent,
    then imported: the transcript with its coded segments, the coder from the file."""
    from tests.exports.test_qdpx_import import CODEBOOK, C_SUB, NVIVO_TEXT, S1, U1, _project, _sel

    body = f"""<Users><User guid="{U1}" name="Anna Koder"/></Users>{CODEBOOK}
<Cases><Case guid="3f3f0000-0000-4000-8000-000000000800" name="AMA-01"><SourceRef targetGUID="{S1}"/></Case>CASE2</Cases>
<Sources><TextSource guid="{S1}" name="Interview 1" plainTextPath="internal://{S1}.txt">
  {_sel(1, NVIVO_TEXT, "Jeg står op klokken syv.", [C_SUB])}</TextSource></Sources>"""
    files = {f"sources/{S1}.txt": NVIVO_TEXT}
    bad = _project(body.replace("CASE2", '<Case guid="3f3f0000-0000-4000-8000-000000000801" name="Jens Hansen"/>'),
                   files)
    good = _project(body.replace("CASE2", ""), files)
    at = open_page("transskriptioner", r="AMA-01")
    assert "ingen transskriptioner" in texts(at)
    at.file_uploader(key="tr_qdpx").set_value(("projekt.qdpx", bad, "application/zip"))
    run_ok(at)
    at.button(key="tr_qdpx_go").click()
    run_ok(at)
    assert "Case nr. 2" in errors(at) and "Intet er importeret" in errors(at) and "Jens" not in errors(at)
    with session_scope(db) as s:
        assert tr.list_transcripts(s, iid_of(db, "AMA-01")) == [] and cb.entries(s) == []
    at.file_uploader(key="tr_qdpx").set_value(("projekt.qdpx", good, "application/zip"))
    run_ok(at)
    at.button(key="tr_qdpx_go").click()
    run_ok(at)
    shown = "\n".join(s.value for s in at.success).replace("\\", "")  # the markdown escapes ( and )
    assert "Projektet er importeret." in shown and "Transskriptioner: 1 (AMA-01: 3 segmenter)." in shown
    with session_scope(db) as s:
        infos = tr.list_transcripts(s, iid_of(db, "AMA-01"))
        assert [i.filename for i in infos] == ["Interview 1"]
        coded = [(g.text, [(c.name, c.who) for c in g.codes]) for g in tr.segments_for(s, infos[0].id) if g.codes]
    assert coded == [("Jeg står op klokken syv.", [("Rytme", "Anna Koder")])]
    picker = at.selectbox(key=f"tr_t_{iid_of(db, 'AMA-01')}")  # the page shows the respondent's new transcript
    assert picker.value == infos[0].id and "Interview 1 · 3 segmenter, 1 kodet" in picker.options
    assert "1 af 1 interviewerture er koblet til et spørgsmål" in texts(at)  # linked to the guide, as any import
    # a file of another kind is refused at once, in Danish
    at.file_uploader(key="tr_qdpx").set_value(("projekt.txt", b"hej", "text/plain"))
    run_ok(at)
    assert "kun .qdpx er tilladt" in errors(at)


def test_enighed_keeps_the_linked_respondent_until_the_coder_has_a_name(db, guide):
    """A tester opened /enighed?r=AMA-05 with «Kodet af» empty, then typed a name: the picker showed AMA-01
    and the blind coding was stored for AMA-01. The link's respondent is now the shared selection at once."""
    at = open_page("enighed", coder=None, r="BAS-03")
    assert "Skriv dit navn under «Kodet af»" in texts(at)
    at.query_params.pop("r", None)  # what the browser's next run may send (the address lost its ?r=)
    at.sidebar.text_input(key=CODER_W).input("Forsker A")
    run_ok(at)
    picker = next(x for x in at.selectbox if (x.label or "") == "Respondent")
    assert picker.value == "BAS-03"
