"""Sites from the Administration page (store.add_site, store.rename_site) and the read-only
history (survey.history), issue 6."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from survey import auth, history, store
from survey import interview as svc
from survey.db import session_scope
from survey.models import AuditEntry


def test_add_site_refuses_a_taken_name_and_is_audited(engine):
    with session_scope(engine) as s:
        site = store.add_site(s, "  Kirkens   Korshær ", "boform", who="adam")
        assert (site.name, site.site_type, site.prefix) == ("Kirkens Korshær", "boform", "KIR")
    with session_scope(engine) as s:
        with pytest.raises(store.StoreError, match="findes allerede"):
            store.add_site(s, "Kirkens Korshær", "vaerested")
        for bad, msg in (("", "mangler"), ("x" * 201, "for langt"), ("Sted\x07", "kontroltegn")):
            with pytest.raises(store.StoreError, match=msg):
                store.add_site(s, bad, "boform")
        with pytest.raises(store.StoreError, match="Ukendt stedtype"):
            store.add_site(s, "Nyt", "slot")
        with pytest.raises(store.StoreError, match="Forkortelsen"):
            store.add_site(s, "Nyt", "boform", prefix="a-b")
    with session_scope(engine) as s:
        a = s.execute(select(AuditEntry).where(AuditEntry.entity == "site")).scalar_one()
        assert a.who == "adam" and a.new_value == "Kirkens Korshær (boform)"


def test_rename_site_keeps_the_prefix_and_audits_old_and_new(engine, guide):
    iv = svc.start_interview(engine, guide, site_name="Basen", site_type="vaerested")
    svc.start_interview(engine, guide, site_name="Amadeus", site_type="vaerested")
    sid = {x.name: x.id for x in svc.list_sites(engine)}["Basen"]
    with session_scope(engine) as s:
        with pytest.raises(store.StoreError, match="hedder «Amadeus»"):
            store.rename_site(s, sid, "Amadeus")
        with pytest.raises(store.StoreError, match="findes ikke"):
            store.rename_site(s, 9999, "X")
    with session_scope(engine) as s:
        store.rename_site(s, sid, "Basen Nord", "boform", who="adam")
        store.rename_site(s, sid, "Basen Nord", "boform", who="adam")  # unchanged: nothing more audited
    info = svc.get_info(engine, iv.id)
    assert (info.site_name, info.site_type, info.respondent_id) == ("Basen Nord", "boform", "BAS-01")
    assert svc.preview_respondent_id(engine, "Basen Nord") == "BAS-02"
    with session_scope(engine) as s:
        rows = [(a.code, a.old_value, a.new_value, a.who) for a in
                s.execute(select(AuditEntry).where(AuditEntry.entity == "site").order_by(AuditEntry.id)).scalars()]
    assert rows == [(f"site:{sid}:navn", "Basen", "Basen Nord", "adam"),
                    (f"site:{sid}:type", "vaerested", "boform", "adam")]


def test_respondent_history_has_answers_coding_quotes_and_consent(engine, guide):
    from archetypes import coding

    iv = svc.start_interview(engine, guide, site_name="Amadeus", site_type="vaerested", interviewer="ida")
    assert svc.save_answer(engine, guide, iv.id, "consent_journal", "ja", who="ida").ok
    assert svc.complete(engine, guide, iv.id, reason="test", who="ida").ok
    svc.reopen(engine, iv.id, who="fie", reason="Rettelse")
    q, _ = svc.add_quote(engine, guide, iv.id, "hvorfor_her", "Her er rart", who="fie")
    assert q is not None
    assert svc.save_answer(engine, guide, iv.id, "hvorfor_her", "Rettet", who="fie").ok
    with session_scope(engine) as s:
        coding.set_arketype(s, guide, iv.id, "dovne", who="fie")
    with session_scope(engine) as s:
        rows = history.respondent_history(s, iv.id, guide)
        refs = history.respondents(s)
    kinds = [r.kind for r in rows]
    assert {"consent", "quote", "interview", "answer", "coding"} <= set(kinds)
    assert [r.at for r in rows] == sorted(r.at for r in rows)
    consent = next(r for r in rows if r.kind == "consent")
    assert (consent.new_value, consent.who, consent.kind_label) == ("ja", "ida", "Samtykke")
    code = next(r for r in rows if r.kind == "coding")
    assert (code.code, code.new_value, code.who, code.kind_label) == ("arketype", "dovne", "fie", "Kodning")
    assert [(r.respondent_id, r.status) for r in refs] == [("AMA-01", "reopened")]


def test_admin_history_lists_user_and_site_changes_newest_first(engine):
    with session_scope(engine) as s:
        auth.add_user(s, "adam", "admin", "hemmelig-kode-1", who="system")
        auth.add_user(s, "ida", "interviewer", "hemmelig-kode-1", who="adam")
        auth.set_active(s, "ida", False, who="adam")
        store.add_site(s, "Basen", "boform", who="adam")
    with session_scope(engine) as s:
        rows = history.admin_history(s)
    assert [r.kind for r in rows][:1] == ["site"] and {r.kind for r in rows} == {"user", "site"}
    assert [r.note for r in rows if r.kind == "user"][0] == "bruger ida deaktiveret"
