"""`coding.service` and `archetypes.service` (issue 13): the app's units of work, each its own
transaction — what one commits is there for the next reader, and a refused part leaves nothing
half-done. SQLite and PostgreSQL (tests/conftest.py)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from archetypes import coding
from archetypes import service as arch
from coding import agreement as ag
from coding import codebook as cb
from coding import service
from survey import store
from survey.db import session_scope
from survey.models import AuditEntry, Quote
from survey.store import StoreError


@pytest.fixture
def ivs(engine, guide):
    """Two respondents at one site, each with a quote: (interview ids, respondent ids, quote ids)."""
    with session_scope(engine) as s:
        site = store.ensure_site(s, "Amadeus", "vaerested")
        ivs = [store.create_interview(s, guide, site, interviewer="Ida") for _ in range(2)]
        for iv in ivs:
            iv.status = "complete"  # finished interviews: the quote bank's export counts those (issue 14)
        qs = [Quote(interview_id=iv.id, item_code="hvorfor_her", text=f"Jeg kommer her for rytmen {i}.",
                    created_by="Ida") for i, iv in enumerate(ivs)]
        s.add_all(qs)
        s.flush()
        return [iv.id for iv in ivs], [iv.respondent_id for iv in ivs], [q.id for q in qs]


# ---------------------------------------------------------------- codebook

def test_codes_are_created_saved_and_deleted_each_in_one_transaction(engine):
    key, name = service.create_code(engine, "Rytme i hverdagen", cues="rytme\nhverdag")
    assert (key, name) == ("rytme_i_hverdagen", "Rytme i hverdagen")
    top, _ = service.create_code(engine, "Hverdag")
    rows, entries = service.codebook_tree(engine)
    code_id = next(c.id for c, _ in rows if c.key == key)
    saved = service.save_code(engine, code_id, name="Rytme", key="", parent=top, description="Dagens gang",
                              cues="rytme\n\nrytme\n=hverdagen")
    assert (saved.key, saved.name, saved.cues) == (key, "Rytme", ["rytme", "=hverdagen"])
    by = {e.key: e for e in service.codebook_entries(engine)}
    assert by[key].parent_key == top and by[key].description == "Dagens gang"
    # a refused part (a code under itself) leaves every part as it was: the new name is not kept
    with pytest.raises(StoreError):
        service.save_code(engine, code_id, name="Andet navn", key="", parent=key, description="", cues="")
    with session_scope(engine) as s:
        c = cb.get_code(s, code_id)
        assert (c.name, c.description, c.cue_list()) == ("Rytme", "Dagens gang", ["rytme", "=hverdagen"])
    js, xl, csv = service.export_codebook(engine)
    assert '"rytme_i_hverdagen"' in js and xl[:2] == b"PK" and "rytme_i_hverdagen" in csv
    assert service.delete_code(engine, code_id) == "Rytme"
    assert [e.key for e in service.codebook_entries(engine)] == [top]
    res = service.import_codebook(engine, "kodebog.json", js.encode("utf-8"))
    assert res.created == [key]
    assert service.seed_codebook(engine) == 0  # not empty: nothing seeded


# ---------------------------------------------------------------- transcripts, quotes, suggestions

def test_a_transcript_is_imported_coded_and_quoted(engine, guide, ivs):
    iids, rids, _ = ivs
    service.create_code(engine, "Rytme", key="rytme")
    info = service.import_transcript(engine, iids[0], "I: Hvorfor?\n\nB: For rytmen i hverdagen.\n".encode(),
                                     "samtale.txt", "Ida")
    assert [t.id for t in service.list_transcripts(engine, iids[0])] == [info.id]
    segs = service.segments_for(engine, info.id)
    b = next(g for g in segs if g.speaker == "B")
    assert service.code_segment(engine, b.id, ["rytme"], "passer", "Ida", source="manuel").code_keys == ["rytme"]
    assert service.set_memo(engine, b.id, "rytme", "ny memo", "Ida").codes[0].memo == "ny memo"
    assert service.uncode_segment(engine, b.id, ["rytme"], "Ida").code_keys == []
    service.accept_suggestion(engine, "segment", b.id, "rytme", "Ida", source="regel")
    assert service.segments_for(engine, info.id)[-1].code_keys == ["rytme"]
    qid = service.quote_from_segment(engine, b.id, "Ida")
    assert "rytmen" in next(r.text for r in service.quote_bank(engine, guide) if r.quote_id == qid)
    # the page's «Til citatbanken» twice (a double click): the quote already made, nothing new stored
    n = len(service.quote_bank(engine, guide))
    assert service.quote_from_segment_once(engine, b.id, "Ida") == (qid, False)
    assert len(service.quote_bank(engine, guide)) == n
    a = next(g for g in segs if g.speaker == "I")
    new, made = service.quote_from_segment_once(engine, a.id, "Ida")
    assert made and new != qid and len(service.quote_bank(engine, guide)) == n + 1
    service.delete_transcript(engine, info.id, "Ida")
    assert service.list_transcripts(engine, iids[0]) == []


def test_quote_bank_marks_codes_and_refuses_an_unknown_code_filter_in_danish(engine, guide, ivs):
    _, _, qids = ivs
    service.create_code(engine, "Rytme", key="rytme")
    assert service.mark_for_report(engine, qids[0], True, "Ida") is True
    service.code_quote(engine, qids[0], ["rytme"], "Ida", source="manuel")
    total, rows, refused = service.quote_bank_page(engine, guide, code="rytme")
    assert (total, [r.quote_id for r in rows], refused) == (2, [qids[0]], None)
    assert rows[0].for_report
    total, rows, refused = service.quote_bank_page(engine, guide, code="findes_ikke")
    assert total == 2 and rows == [] and "findes_ikke" in refused
    service.uncode_quote(engine, qids[0], ["rytme"], "Ida")
    service.reject_suggestion(engine, "quote", qids[1], "rytme", "Ida", source="regel", text="x")
    decided = service.decisions_for(engine, "quote", qids)
    assert decided[qids[1]]["rytme"].decision == "rejected" and decided[qids[0]]["rytme"].decision == "rejected"
    assert service.undo_decision(engine, "quote", qids[1], "rytme") is True
    assert "rytme" not in service.decisions_for(engine, "quote", [qids[1]])[qids[1]]
    df = service.export_quotes(engine, guide)
    assert len(df) == 2


# ---------------------------------------------------------------- blind double coding

def test_blind_coding_is_all_or_nothing_and_each_coder_sees_only_their_own(engine, guide, ivs):
    _, rids, _ = ivs
    service.record_blind_coding(engine, guide, "A", rids[0], {"arketype": "eks_misbruger",
                                                             "samlet_tilfredshed": None})
    with pytest.raises(StoreError):  # an unknown archetype: the valid value before it is not kept either
        service.record_blind_coding(engine, guide, "B", rids[0], {"samlet_tilfredshed": "5", "arketype": "nej"})
    mine, counts = service.own_coding(engine, "A", rids[0])
    assert mine == {"arketype": "eks_misbruger"} and counts == {"A": 1}
    assert service.own_coding(engine, "B", rids[0]) == ({}, {"A": 1})
    service.record_blind_coding(engine, guide, "B", rids[0], {"arketype": "eks_misbruger"}, themes=["rytme"],
                                theme_codes=["rytme", "bolig"])
    assert service.own_coding(engine, "B", rids[0])[0] == {"arketype": "eks_misbruger",
                                                           ag.THEME_PREFIX + "rytme": "1",
                                                           ag.THEME_PREFIX + "bolig": "0"}
    assert service.coders(engine) == ["A", "B"]
    assert service.settle_agreed(engine, guide, "arketype", "A", "B", "A") == 1
    summary = {a.variable: a for a in service.agreement_summary(engine, "A", "B")}
    assert summary["arketype"].n_settled == 1


# ---------------------------------------------------------------- the study's mask lists

def test_mask_lists_are_kept_and_used_by_the_anonymiser(engine):
    assert service.add_mask_term(engine, "  Bodil  ", "navn", "Ida") == "Bodil"
    assert service.add_keep_term(engine, "Hansen", "Ida") == "Hansen"
    assert [t.term for t in service.mask_terms(engine)] == ["Bodil"]
    assert [t.term for t in service.keep_terms(engine)] == ["Hansen"]
    assert service.anonymiser(engine).mask("Bodil Hansen kom") == "[navn] Hansen kom"
    tid = service.keep_terms(engine)[0].id
    assert service.remove_mask_term(engine, tid) is True
    assert service.remove_mask_term(engine, tid) is False
    assert service.keep_terms(engine) == []


# ---------------------------------------------------------------- the Kodning page (archetypes.service)

def test_archetype_group_override_and_evidence_each_commit_and_refusals_store_nothing(engine, guide, ivs):
    iids, rids, qids = ivs
    assert [r.respondent_id for r in arch.respondents(engine)] == sorted(rids)
    arch.set_arketype(engine, guide, iids[0], "eks_misbruger", who="forsker1")
    with pytest.raises(StoreError):
        arch.set_arketype(engine, guide, iids[0], "findes_ikke", who="forsker1")
    v = arch.coding_view(engine, guide, iids[0])
    assert v.arketype.value == "eks_misbruger"
    with pytest.raises(StoreError):  # no reason: refused, nothing stored
        arch.override_group(engine, guide, iids[0], "andet", "", who="forsker1")
    assert arch.clear_override(engine, guide, iids[0], who="forsker1") is False
    arch.override_group(engine, guide, iids[0], "andet", "Kendt fra stedet", who="forsker1")
    assert arch.clear_override(engine, guide, iids[0], who="forsker1", reason="Reglen gælder") is True
    arch.set_evidence(engine, iids[0], qids[0], True, who="forsker1")
    assert [q.id for q in arch.coding_view(engine, guide, iids[0]).quotes if q.is_evidence] == [qids[0]]
    arch.set_evidence(engine, iids[0], qids[0], False, who="forsker1")
    assert not [q for q in arch.coding_view(engine, guide, iids[0]).quotes if q.is_evidence]
    arch.set_judgement(engine, guide, iids[0], coding.JUDGEMENT_CODES[0], None, who="forsker1")
    with session_scope(engine) as s:
        assert s.execute(select(func.count()).select_from(AuditEntry)
                         .where(AuditEntry.interview_id == iids[0])).scalar_one() >= 4
