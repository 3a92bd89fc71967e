"""The guide edited in the middle of a study (`survey.guide_fit`; docs/guide.md «Når guiden ændres»).

Interviews are in the store; the team edits the guide's workbook. An edit that would make a stored
answer read as something else — or drop it, or leave its free text unmasked — refuses the guide with
a message naming the sheet, row, code and choice; an edit that keeps every stored answer's meaning
(a new choice with a new version, a corrected label, a new question, a new condition) is accepted.
Before, every one of these guides loaded and the stores were read through them without a word.
"""
from __future__ import annotations

import csv

import pytest

from brugerblik.cli import main
from survey import guide_fit
from survey import interview as svc
from survey.db import session_scope
from survey.guide import guide_fingerprint, load_guide
from survey.models import StudySetting
from tests.custom_guides import add_choice, delete_row, edited_guide, set_cell, swap_labels

SECRET = "Lærte faget hos Jens Hansen, tlf 22 33 44 55"


@pytest.fixture
def study(engine):
    """Two interviews taken with the bundled guide (one completed, one a draft), the guide recorded."""
    guide_fit.forget()
    g = load_guide()
    guide_fit.require_fit(engine, g)  # what the app and the CLI do when they start
    answers = {"gender": "kvinde", "tilbudstype": "andet", "problemer": "sociale;spil", "uddannelse": SECRET,
               "skoleaar": "9"}
    ids = []
    for site, typ in (("Basen", "boform"), ("Regnbuen", "vaerested")):
        iv = svc.start_interview(engine, g, site_name=site, site_type=typ, interviewer="Fie")
        for code, value in answers.items():
            assert svc.save_answer(engine, g, iv.id, code, value).ok
        ids.append(iv.id)
    yield dict(engine=engine, guide=g, ids=ids)
    guide_fit.forget()


def refused(engine, path) -> str:
    guide_fit.forget()
    with pytest.raises(guide_fit.GuideFitError) as e:
        guide_fit.require_fit(engine, load_guide(path))
    text = str(e.value)
    assert "Jens" not in text and "22 33" not in text  # never an answer's text
    return text


def accepted(engine, path) -> None:
    guide_fit.forget()
    guide_fit.require_fit(engine, load_guide(path))


def test_a_choice_in_use_may_not_be_removed_or_renamed(study, tmp_path):
    e = study["engine"]
    text = refused(e, edited_guide(tmp_path / "a.xlsx", delete_row("choices", {"list_name": "tilbudstype",
                                                                                "name": "andet"}), version="2026.3"))
    row = load_guide().item("tilbudstype").row
    assert f"ark 'survey', række {row}, koden 'tilbudstype'" in text and "valget 'andet' har 2 gemte svar" in text
    text = refused(e, edited_guide(tmp_path / "b.xlsx", set_cell("choices", {"list_name": "problemer", "name": "spil"},
                                                                 "name", "ludomani"), version="2026.3"))
    assert "koden 'problemer'" in text and "valget 'spil' har 2 gemte svar" in text
    # the interview's site type is a choice too (stored on the site)
    text = refused(e, edited_guide(tmp_path / "c.xlsx", set_cell("choices", {"list_name": "site_type",
                                                                             "name": "vaerested"}, "name", "vaeresteder"),
                                   version="2026.3"))
    assert "koden 'site_type'" in text and "valget 'vaerested' har 1 gemte svar" in text


def test_a_question_with_answers_may_not_be_removed(study, tmp_path):
    text = refused(study["engine"], edited_guide(tmp_path / "a.xlsx", delete_row("survey", {"name": "skoleaar"}),
                                                 version="2026.3"))
    assert "ark 'survey': koden 'skoleaar' har 2 gemte svar, men står ikke længere i guiden" in text


def test_free_text_turned_into_a_choice_is_refused_and_never_quoted(study, tmp_path):
    path = edited_guide(tmp_path / "a.xlsx", set_cell("survey", {"name": "uddannelse"}, "type", "select_one ja_nej"),
                        set_cell("survey", {"name": "uddannelse"}, "brugerblik_identifikator", None), version="2026.3")
    text = refused(study["engine"], path)
    assert "koden 'uddannelse': 2 gemte svar er ikke valg i listen 'ja_nej'" in text


def test_two_labels_swapped_are_refused_even_with_a_new_version(study, tmp_path):
    text = refused(study["engine"], edited_guide(tmp_path / "a.xlsx", swap_labels("gender", "kvinde", "mand"),
                                                 version="2026.3"))
    assert "listen 'gender', valget 'kvinde': etiketten 'Mand' er den, valget 'mand' havde i version 2026.2" in text


def test_changed_choices_need_a_new_version(study, tmp_path):
    e = study["engine"]
    text = refused(e, edited_guide(tmp_path / "a.xlsx", add_choice("gender", "andet", "Andet")))
    assert "ark 'settings', kolonne 'version': 2 interview er gemt med brugerblik_bruger version 2026.2" in text
    assert "valgene i listen 'gender'" in text
    text = refused(e, edited_guide(tmp_path / "b.xlsx", set_cell("choices", {"list_name": "gender", "name": "kvinde"},
                                                                 "label", "Kvinde (rettet)")))
    assert "hæv versionen" in text


def test_edits_that_keep_every_answers_meaning_are_accepted_and_recorded(study, tmp_path):
    e = study["engine"]
    accepted(e, edited_guide(tmp_path / "a.xlsx", add_choice("gender", "andet", "Andet"),
                             set_cell("choices", {"list_name": "gender", "name": "kvinde"}, "label", "Kvinde (rettet)"),
                             set_cell("survey", {"name": "hvem_bestemte"}, "relevant", "${tilbudstype} = 'andet'"),
                             delete_row("choices", {"list_name": "problemer", "name": "psykisk"}),  # never answered
                             version="2026.3"))
    with session_scope(e) as s:
        assert s.get(StudySetting, guide_fit.FIT_KEY).value == guide_fingerprint(load_guide(tmp_path / "a.xlsx"))
        assert s.get(StudySetting, guide_fit.snapshot_key("brugerblik_bruger", "2026.3")) is not None
    accepted(e, None)  # and back to the guide the interviews were taken with


def test_the_cli_refuses_a_guide_that_would_export_stored_free_text_unmasked(study, tmp_path, db_url, capsys):
    """Before: `export raw` with the free-text question turned into a choice wrote the stored text, names and
    all, into the «anonymised» file (only free text is masked)."""
    path = edited_guide(tmp_path / "a.xlsx", set_cell("survey", {"name": "uddannelse"}, "type", "select_one ja_nej"),
                        set_cell("survey", {"name": "uddannelse"}, "brugerblik_identifikator", None), version="2026.3")
    out = tmp_path / "raw.csv"
    guide_fit.forget()
    rc = main(["--db", db_url, "--guide", str(path), "export", "raw", str(out), "--med-kladder"])
    err = capsys.readouterr().err
    assert rc == 1 and "passer ikke til de interview" in err and "koden 'uddannelse'" in err
    assert not out.exists() or "Jens" not in out.read_text(encoding="utf-8")
    # the bundled guide still exports, masked
    assert main(["--db", db_url, "export", "raw", str(out), "--med-kladder"]) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert len(rows) == 2 and all("Jens" not in r["uddannelse"] for r in rows)


def test_a_changed_condition_never_removes_what_the_interviewer_recorded(engine, tmp_path):
    """Found by a tester: a `relevant` changed mid-study (allowed, no new version) and a resumed draft
    completed — «Afslut» removed every answer the new condition no longer asks, answers typed while the
    question was asked. Now an answer stays unless a later answer in the interview hid it (skip logic,
    as before); a reopened interview completed again keeps them too."""
    from survey.store import load_wide

    guide_fit.forget()
    g = load_guide()
    guide_fit.require_fit(engine, g)
    taken = {"loennet_arbejde": "ja", "loennet_arbejde_hvad": "Lagerarbejde i 3 år", "arbejdsrytme": "ja"}
    a, b, c = (svc.start_interview(engine, g, site_name="Basen", site_type="boform", interviewer="Fie")
               for _ in range(3))
    for iv in (a, b, c):
        for code, value in taken.items():
            assert svc.save_answer(engine, g, iv.id, code, value).ok
    assert svc.complete(engine, g, c.id, reason="test").ok
    # the team narrows the follow-up's condition: it is asked only after «Nej» now
    g2 = load_guide(edited_guide(tmp_path / "a.xlsx", set_cell("survey", {"name": "loennet_arbejde_hvad"}, "relevant",
                                                                "${loennet_arbejde} = 'nej'")))
    guide_fit.forget()
    guide_fit.require_fit(engine, g2)  # allowed without a new version
    # a: nothing changed in the interview — the page lists nothing to remove and «Afslut» removes nothing
    assert svc.load_state(engine, a.id).removed_at_completion(g2) == []
    res = svc.complete(engine, g2, a.id, reason="test")
    assert res.ok and res.removed == [] and "fjernet" not in res.message
    assert svc.load_state(engine, a.id).answers == taken
    # b: the interviewer changes «Har du haft lønnet arbejde?» to Nej: the follow-up the answer hides
    # (arbejdsrytme) leaves, as before; the one the new condition hid stays (and is asked again now)
    assert svc.save_answer(engine, g2, b.id, "loennet_arbejde", "nej").ok
    assert [it.code for it in svc.load_state(engine, b.id).removed_at_completion(g2)] == ["arbejdsrytme"]
    res = svc.complete(engine, g2, b.id, reason="test")
    assert res.ok and res.removed == ["arbejdsrytme"]
    assert svc.load_state(engine, b.id).answers == {"loennet_arbejde": "nej",
                                                    "loennet_arbejde_hvad": "Lagerarbejde i 3 år"}
    # c: completed before the change, reopened to correct something else, completed again: nothing leaves
    svc.reopen(engine, c.id, who="MN", reason="Tastefejl")
    assert svc.save_answer(engine, g2, c.id, "gender", "kvinde").ok
    res = svc.complete(engine, g2, c.id, reason="test")
    assert res.ok and res.removed == []
    wide = load_wide(engine, g2).set_index("respondent_id")
    assert wide.loc[a.respondent_id, "loennet_arbejde_hvad"] == "Lagerarbejde i 3 år"
    assert wide.loc[c.respondent_id, "loennet_arbejde_hvad"] == "Lagerarbejde i 3 år"
    guide_fit.forget()
