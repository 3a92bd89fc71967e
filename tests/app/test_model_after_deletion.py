"""A coding model trained on a respondent's text does not outlive their deletion (issue 12, the last
deletion test): the workbench's model, the training memo and the tagging pipelines this process keeps
are dropped when the store deletes a respondent or the raw data (`report.data.deletion_revision`), and
the model trained again has not seen the deleted text. On SQLite and PostgreSQL (the fixtures' store)."""
from __future__ import annotations

from sqlalchemy import select

from coding import codebook as cb
from coding import nlp
from coding.anonymise import export_masker
from survey import privacy
from survey.db import session_scope
from survey.models import Interview, Quote
from tests.app.pages import open_page, run_ok, texts
from tests.app.test_coding_pages import db, record_labelled  # noqa: F401 (the fixture: the demo study as the app's store)
from ui import report_cache, workbench

WORD = "kaninhemmelighed"  # only the deleted respondent's coded text holds it (the model sees lower case)


def _knows(model, word: str = WORD) -> bool:
    return model is not None and word in model.nlp.vocab.strings


def _memo_knows(word: str = WORD) -> bool:
    return any(_knows(m, word) or word in repr(k) for k, m in nlp._model_cache.items())


def _decisions(db, rid: str) -> None:
    """Code decisions to train on: the demo-like texts, and three of `rid`'s quotes with the word."""
    with session_scope(db) as s:
        record_labelled(s)
        iid = s.execute(select(Interview.id).where(Interview.respondent_id == rid)).scalar_one()
        for n in range(3):
            q = Quote(interview_id=iid, item_code="hvorfor_her", text=f"Min {WORD.capitalize()} nr {n} om gæld")
            s.add(q)
            s.flush()
            for code in ("rytme_i_hverdagen", "oekonomi_og_gaeld"):
                cb.record_decision(s, "quote", str(q.id), code, "accepted" if code == "oekonomi_og_gaeld" else
                                   "rejected", source="manuel", who="Forsker A", text=q.text)


def _train(at) -> None:
    at.button(key="tr_train").click()
    run_ok(at)
    assert "Modellen er trænet" in texts(at)


def test_a_trained_model_is_dropped_when_its_respondent_is_deleted_and_retrains_without_them(db):
    nlp._model_cache.clear()
    _decisions(db, "AMA-02")
    at = open_page("transskriptioner", r="AMA-03")
    _train(at)
    assert _knows(workbench.current_model()) and _memo_knows()
    assert not any(WORD in repr(k) for k in nlp._model_cache)  # the memo's key holds no text

    privacy.delete_respondent(db, "AMA-02", reason="Anmodning om sletning")
    # the next look at the model (any page of the workbench, in any session) drops it and every other
    # model or pipeline of this process; the page no longer claims an active model
    assert workbench.current_model() is None and not nlp._model_cache and not nlp._pipeline_cache
    run_ok(at)
    assert "Aktiv model" not in texts(at)
    _train(at)  # trained again: the deleted quotes' decisions are gone with them
    assert workbench.current_model() is not None and not _knows(workbench.current_model()) and not _memo_knows()


def test_a_trained_model_is_dropped_when_the_raw_data_are_deleted(db, guide):
    nlp._model_cache.clear()
    _decisions(db, "AMA-02")
    at = open_page("transskriptioner", r="AMA-03")
    _train(at)
    assert _knows(workbench.current_model())
    report_cache.store_version()  # a report page saw the store before
    privacy.delete_raw_data(db, guide, confirm=True, masker=export_masker(db))
    # a report page's run drops every cache of the process holding text (also before the workbench is opened)
    report_cache.store_version()
    assert not workbench._model_slots() and not nlp._model_cache and not _memo_knows()
    assert workbench.current_model() is None


def test_the_shared_anonymiser_forgets_the_words_of_deleted_texts(db, guide):
    """The shared anonymiser remembers each lower-case word it split from a text (a cache that spares it
    looking the word up again): after a deletion those words of deleted texts are gone from the process."""
    from coding import anonymise

    anonymise.default_anonymiser.cache_clear()
    seen = anonymise.default_anonymiser()
    seen.mask(f"hun fortalte om sin {WORD} og om gælden")
    assert WORD in seen._lower_seen[0]
    report_cache.store_version()
    privacy.delete_raw_data(db, guide, confirm=True, masker=export_masker(db))
    report_cache.store_version()  # a report page's run after the deletion (here, by another page, or by the CLI)
    fresh = anonymise.default_anonymiser()
    assert fresh is not seen and WORD not in fresh._lower_seen[0]
    assert fresh.mask("Fatima ringede") == anonymise.default_anonymiser().mask("Fatima ringede") != "Fatima ringede"
