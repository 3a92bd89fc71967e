"""The researcher's coding service (archetypes.coding): rule, override, judgements, provenance,
audit trail and evidence."""
import pandas as pd
import pytest
from sqlalchemy import select

from archetypes import coding
from archetypes.coding import CodingDecision, CodingError, DecisionEvidence
from archetypes.rule import effective_group
from survey import store
from survey.db import session_scope
from survey.models import Answer, AuditEntry, Interview, Quote


def _interview(s, guide, *, age=None, rid=None, interviewer="Ida Interviewer", **answers):
    site = store.ensure_site(s, "Amadeus", "vaerested")
    iv = store.create_interview(s, guide, site, respondent_id=rid, interviewer=interviewer)
    if age is not None:
        store.set_answer(s, guide, iv.id, "age", age)   # the interview app passes no `who`
    for code, value in answers.items():
        store.set_answer(s, guide, iv.id, code, value)
    return iv


def _quote(s, iv, text, item="hvorfor_her"):
    q = Quote(interview_id=iv.id, item_code=item, text=text, created_by="Ida Interviewer")
    s.add(q)
    s.flush()
    return q


def _audit(s, iid, code=None):
    """The interview's audit entries, without those of the interviewer's answers in the draft
    (every answer change is audited since issue 6; these tests are about the researcher's)."""
    q = select(AuditEntry).where(AuditEntry.interview_id == iid,
                                 (AuditEntry.who.is_not(None)) | (AuditEntry.note.is_(None)) | (AuditEntry.note != "kladde"))
    if code:
        q = q.where(AuditEntry.code == code)
    return list(s.execute(q.order_by(AuditEntry.id)).scalars())


def _import(s, guide, rows):
    df = pd.DataFrame(rows)
    for col in ("site", "site_type", "interviewer", "interview_date"):
        if col not in df:
            df[col] = {"site": "Tre Ege", "site_type": "boform"}.get(col)
    return store.insert_wide(s, guide, df, source="import", who="import af regneark")


# --------------------------------------------------------------------------- the rule, shown with its reason

@pytest.mark.parametrize("age, group, why", [
    ("39", "unge_misbrugere", "39 år < 40 → De unge misbrugere og eks-misbrugere"),
    ("40", "aeldre_misbrugere", "40 år ≥ 40 → De ældre misbrugere og eks-misbrugere"),
])
def test_view_shows_the_rule_result_and_why_for_eks_misbruger_at_39_and_40(engine, guide, age, group, why):
    with session_scope(engine) as s:
        iv = _interview(s, guide, age=age)
        coding.set_arketype(s, guide, iv.id, "eks_misbruger", who="forsker1")
        v = coding.coding_view(s, guide, iv.id)
        assert v.rule.group == group and v.rule.source == "regel"
        assert why in v.rule.reason and "Eks-junkien og eks-alkoholikeren" in v.rule.reason
        assert v.group == group and not v.overridden and v.override is None
        assert v.arketype.value == "eks_misbruger" and v.arketype.value_label == "Eks-junkien og eks-alkoholikeren"
        assert coding.effective_group_of(s, iv.id) == (group, "regel")


def test_view_without_archetype_or_age_says_what_is_missing(engine, guide):
    with session_scope(engine) as s:
        iv = _interview(s, guide)
        v = coding.coding_view(s, guide, iv.id)
        assert v.group is None and v.rule.source == "mangler" and "Ingen arketype" in v.rule.reason
        coding.set_arketype(s, guide, iv.id, "eks_misbruger", who="forsker1")
        v = coding.coding_view(s, guide, iv.id)
        assert v.group is None and "alderen mangler" in v.rule.reason


def test_view_holds_answers_quotes_self_placement_and_the_eight_cards(engine, guide):
    with session_scope(engine) as s:
        iv = _interview(s, guide, age="52", selvplacering="den_aeldre", hvorfor_her="Jeg bor her",
                        problemer="misbrug_alkohol;ensomhed")
        q = _quote(s, iv, "Jeg kommer her for kaffen og snakken.")
        coding.set_arketype(s, guide, iv.id, "gamle_junkie", who="forsker1")
        v = coding.coding_view(s, guide, iv.id)
        assert v.respondent_id == "AMA-01" and v.site == "Amadeus" and v.site_type == "vaerested"
        assert [a.code for a in v.answers] == ["hvorfor_her", "problemer", "selvplacering", "age"]  # guide order
        probl = next(a for a in v.answers if a.code == "problemer")
        assert probl.value == "misbrug_alkohol;ensomhed" and probl.section == "Om dig"
        assert all(a.code not in coding.CODING_CODES for a in v.answers)  # researcher codes shown separately
        assert v.self_placement.value == "den_aeldre" and v.self_placement.value_label == "Den ældre"
        assert [c.code for c in v.archetypes] == ["den_aeldre", "gamle_junkie", "unge_misbruger", "eks_misbruger",
                                                  "psykisk_paafaldende", "socialt_udfordrede", "etniske", "dovne"]
        assert [c.code for c in v.archetypes if c.is_self_placement] == ["den_aeldre"]
        assert [c.code for c in v.archetypes if c.is_coded] == ["gamle_junkie"]
        assert v.archetypes[0].text.startswith("Han er omkring 50 år.")
        assert [(x.id, x.text, x.is_evidence) for x in v.quotes] == [(q.id, q.text, False)]
        assert set(v.judgements) == set(coding.JUDGEMENT_CODES)
        assert v.judgement_choices["samarbejde"][0] == ("positivt", v.judgement_choices["samarbejde"][0][1])
        assert [c for c, _ in v.judgement_choices["samlet_tilfredshed"]] == ["tilfreds", "utilfreds", "ikke_vurderet"]
        assert {c for c, _ in v.group_choices} == {"andet", "etniske", "psykisk_paafaldende", "unge_misbrugere",
                                                   "aeldre_misbrugere"}


# --------------------------------------------------------------------------- override

def test_override_requires_a_reason_and_a_known_group_and_stores_nothing_otherwise(engine, guide):
    with session_scope(engine) as s:
        iv = _interview(s, guide, age="39")
        coding.set_arketype(s, guide, iv.id, "eks_misbruger", who="forsker1")
        n_audit = len(_audit(s, iv.id))
        for reason in ("", "   ", None):
            with pytest.raises(CodingError, match="kræver en begrundelse"):
                coding.override_group(s, guide, iv.id, "aeldre_misbrugere", reason, who="forsker1")
        with pytest.raises(CodingError, match="Ukendt brugergruppe 'de_gamle'.*tilladt: .*aeldre_misbrugere"):
            coding.override_group(s, guide, iv.id, "de_gamle", "fordi", who="forsker1")
        with pytest.raises(CodingError, match="hvem der koder"):
            coding.override_group(s, guide, iv.id, "aeldre_misbrugere", "fordi", who=" ")
        assert "brugergruppe" not in store.get_answers(s, iv.id)
        assert len(_audit(s, iv.id)) == n_audit
        assert coding.decisions(s, iv.id, "brugergruppe") == []


def test_override_changes_the_effective_group_and_clearing_restores_the_rule(engine, guide):
    with session_scope(engine) as s:
        iv = _interview(s, guide, age="39")
        iid = iv.id
        coding.set_arketype(s, guide, iid, "eks_misbruger", who="forsker1")
        coding.override_group(s, guide, iid, "aeldre_misbrugere",
                              "  Har levet med misbrug i 25 år; ligner de ældre  ", who="forsker2")
    with session_scope(engine) as s:
        v = coding.coding_view(s, guide, iid)
        assert v.group == "aeldre_misbrugere" and v.overridden
        assert v.group_name == "De ældre misbrugere og eks-misbrugere"
        assert v.rule.group == "unge_misbrugere"                     # the rule is still shown
        o = v.override
        assert (o.group, o.reason, o.who, o.source, o.matches_rule) == (
            "aeldre_misbrugere", "Har levet med misbrug i 25 år; ligner de ældre", "forsker2", "forsker", False)
        assert coding.effective_group_of(s, iid) == ("aeldre_misbrugere", "forsker")
        # the tables read the wide frame: the explicit brugergruppe wins over the rule there too
        row = store.load_wide(s, guide, drafts=True).iloc[0]  # a draft here (reports count completed ones)
        assert row["brugergruppe"] == "aeldre_misbrugere"
        assert effective_group(row["brugergruppe"], row["arketype"], row["age"]) == "aeldre_misbrugere"

        assert coding.clear_override(s, guide, iid, who="forsker1", reason="Reglen passer alligevel") is not None
        v = coding.coding_view(s, guide, iid)
        assert v.group == "unge_misbrugere" and not v.overridden and v.override is None
        assert "brugergruppe" not in store.get_answers(s, iid)
        assert coding.clear_override(s, guide, iid, who="forsker1") is None      # nothing to clear
        entries = _audit(s, iid, "brugergruppe")
        assert [(e.old_value, e.new_value, e.who) for e in entries] == [
            (None, "aeldre_misbrugere", "forsker2"), ("aeldre_misbrugere", None, "forsker1")]
        assert "Overstyring af reglen (unge_misbrugere)" in entries[0].note
        assert "Begrundelse: Har levet med misbrug i 25 år; ligner de ældre" in entries[0].note
        assert "Overstyring fjernet" in entries[1].note and "Reglen passer alligevel" in entries[1].note


def test_a_new_reason_for_the_same_group_is_audited_and_shown(engine, guide):
    with session_scope(engine) as s:
        iv = _interview(s, guide, age="30")
        coding.set_arketype(s, guide, iv.id, "dovne", who="f1")
        coding.override_group(s, guide, iv.id, "psykisk_paafaldende", "Diagnose nævnt", who="f1")
        coding.override_group(s, guide, iv.id, "psykisk_paafaldende", "Diagnose nævnt", who="f1")  # no change
        coding.override_group(s, guide, iv.id, "psykisk_paafaldende", "Skizofreni, jf. journal", who="f2")
        entries = _audit(s, iv.id, "brugergruppe")
        assert [(e.old_value, e.new_value, e.who) for e in entries] == [
            (None, "psykisk_paafaldende", "f1"), ("psykisk_paafaldende", "psykisk_paafaldende", "f2")]
        assert "Skizofreni, jf. journal" in entries[1].note
        assert coding.coding_view(s, guide, iv.id).override.reason == "Skizofreni, jf. journal"


def test_an_override_equal_to_the_rule_is_flagged(engine, guide):
    with session_scope(engine) as s:
        iv = _interview(s, guide, age="30")
        coding.set_arketype(s, guide, iv.id, "etniske", who="f1")
        coding.override_group(s, guide, iv.id, "etniske", "Fastholdes uanset senere arketype", who="f1")
        v = coding.coding_view(s, guide, iv.id)
        assert v.overridden and v.override.matches_rule


# --------------------------------------------------------------------------- judgements and validation

def test_judgements_are_validated_by_the_guide(engine, guide):
    with session_scope(engine) as s:
        iv = _interview(s, guide)
        for code, value in [("arbejdsmarkedsperspektiv", "reelt"), ("samlet_tilfredshed", "tilfreds"),
                            ("inddraget", "uklart"), ("rigtige_mennesker", "ved_ikke"), ("samarbejde", "negativt"),
                            ("lyttet_til", "delvist"), ("enige", "nej"), ("kunne_vaere_bedre", "ja"),
                            ("syltet", "ja")]:
            coding.set_judgement(s, guide, iv.id, code, value, who="forsker1")
        v = coding.coding_view(s, guide, iv.id)
        assert {c: j.value for c, j in v.judgements.items()} == {
            "arbejdsmarkedsperspektiv": "reelt", "samlet_tilfredshed": "tilfreds", "inddraget": "uklart",
            "rigtige_mennesker": "ved_ikke", "samarbejde": "negativt", "lyttet_til": "delvist", "enige": "nej",
            "kunne_vaere_bedre": "ja", "syltet": "ja"}
        assert all(j.who == "forsker1" and j.source_label == "forsker" for j in v.judgements.values())
        with pytest.raises(CodingError, match=r"'maaske' er ikke en gyldig værdi .*tilladt: ja, nej.*Intet er gemt"):
            coding.set_judgement(s, guide, iv.id, "syltet", "maaske", who="forsker1")
        with pytest.raises(CodingError, match="ikke en forskervurdering"):
            coding.set_judgement(s, guide, iv.id, "age", "40", who="forsker1")
        with pytest.raises(CodingError, match="ikke en forskervurdering"):
            coding.set_judgement(s, guide, iv.id, "brugergruppe", "andet", who="forsker1")  # only via override
        assert store.get_answers(s, iv.id)["syltet"] == "ja"
        coding.set_judgement(s, guide, iv.id, "syltet", "", who="forsker1")           # blank clears
        assert "syltet" not in store.get_answers(s, iv.id)


def test_unknown_archetype_is_refused_with_a_clear_message_and_nothing_stored(engine, guide):
    with session_scope(engine) as s:
        iv = _interview(s, guide, age="45")
        iv.status = "complete"
        with pytest.raises(CodingError) as e:
            coding.set_arketype(s, guide, iv.id, "den_vrede", who="forsker1")
        assert "Ukendt arketype 'den_vrede'" in str(e.value) and "eks_misbruger" in str(e.value)
        assert "Intet er gemt" in str(e.value)
        assert "arketype" not in store.get_answers(s, iv.id)
        assert _audit(s, iv.id) == [] and coding.decisions(s, iv.id) == []
        with pytest.raises(CodingError, match="findes ikke"):
            coding.set_arketype(s, guide, "no-such-interview", "dovne", who="forsker1")


# --------------------------------------------------------------------------- provenance and audit

def test_provenance_distinguishes_interviewer_researcher_and_import(engine, guide):
    with session_scope(engine) as s:
        iv = _interview(s, guide, age="33", selvplacering="unge_misbruger")
        coding.set_arketype(s, guide, iv.id, "unge_misbruger", who="forsker1")
        _import(s, guide, [{"respondent_id": "TRE-01", "age": "61", "arketype": "den_aeldre",
                            "samlet_tilfredshed": "utilfreds"}])
        imp = store.interview_by_respondent(s, "TRE-01")
        iid, imp_id = iv.id, imp.id
    with session_scope(engine) as s:
        v = coding.coding_view(s, guide, iid)
        age = next(a for a in v.answers if a.code == "age")
        assert (age.source, age.source_label, age.who) == ("interview", "interviewer", "Ida Interviewer")
        assert (v.self_placement.source_label, v.self_placement.who) == ("interviewer", "Ida Interviewer")
        assert (v.arketype.source, v.arketype.source_label, v.arketype.who) == ("forsker", "forsker", "forsker1")
        assert v.arketype.at is not None

        w = coding.coding_view(s, guide, imp_id)
        assert (w.arketype.source_label, w.arketype.who) == ("import", "import af regneark")
        assert w.judgements["samlet_tilfredshed"].source_label == "import"
        assert w.interview_source == "import" and w.status == "complete"
        assert w.group == "aeldre_misbrugere" and w.rule.source == "regel"

        # a researcher changing an imported value: provenance moves to the researcher
        coding.set_judgement(s, guide, imp_id, "samlet_tilfredshed", "tilfreds", who="forsker2")
        j = coding.coding_view(s, guide, imp_id).judgements["samlet_tilfredshed"]
        assert (j.value, j.source_label, j.who) == ("tilfreds", "forsker", "forsker2")
        row = s.execute(select(Answer).where(Answer.interview_id == imp_id,
                                             Answer.code == "samlet_tilfredshed")).scalars().one()
        assert (row.source, row.updated_by) == ("forsker", "forsker2")


@pytest.mark.parametrize("status", ["draft", "complete"])
def test_every_change_is_audited_exactly_once_for_drafts_and_completed_interviews(engine, guide, status):
    with session_scope(engine) as s:
        iv = _interview(s, guide, age="39")
        iv.status = status
        iid = iv.id
        coding.set_arketype(s, guide, iid, "eks_misbruger", who="forsker1")
        coding.set_arketype(s, guide, iid, "eks_misbruger", who="forsker1")          # unchanged: no entry
        coding.set_arketype(s, guide, iid, "gamle_junkie", who="forsker2", reason="Metadon dagligt")
        coding.set_judgement(s, guide, iid, "arbejdsmarkedsperspektiv", "ikke_reelt", who="forsker1")
        coding.override_group(s, guide, iid, "andet", "Passer ikke i nogen misbrugsgruppe", who="forsker2")
    with session_scope(engine) as s:
        entries = [(e.entity, e.code, e.old_value, e.new_value, e.who) for e in _audit(s, iid)]
        assert entries == [
            ("answer", "arketype", None, "eks_misbruger", "forsker1"),
            ("answer", "arketype", "eks_misbruger", "gamle_junkie", "forsker2"),
            ("answer", "arbejdsmarkedsperspektiv", None, "ikke_reelt", "forsker1"),
            ("answer", "brugergruppe", None, "andet", "forsker2"),
        ]
        notes = [e.note for e in _audit(s, iid)]
        assert "Metadon dagligt" in notes[1] and "Passer ikke i nogen misbrugsgruppe" in notes[3]
        assert all(e.at is not None for e in _audit(s, iid))
        # the page's history is the same trail, newest first
        assert [e.code for e in coding.coding_view(s, guide, iid).history] == [
            "brugergruppe", "arbejdsmarkedsperspektiv", "arketype", "arketype", "age"]  # age: the interviewer's
        assert [(d.code, d.value, d.who) for d in coding.decisions(s, iid)] == [
            ("arketype", "eks_misbruger", "forsker1"), ("arketype", "gamle_junkie", "forsker2"),
            ("arbejdsmarkedsperspektiv", "ikke_reelt", "forsker1"), ("brugergruppe", "andet", "forsker2")]


def test_an_imported_interview_is_audited_once_not_twice(engine, guide):
    with session_scope(engine) as s:
        _import(s, guide, [{"respondent_id": "TRE-07", "age": "44", "arketype": "dovne"}])
        iid = store.interview_by_respondent(s, "TRE-07").id
    with session_scope(engine) as s:
        coding.set_arketype(s, guide, iid, "socialt_udfordrede", who="forsker1")
        coding.override_group(s, guide, iid, "etniske", "Anden etnisk baggrund, jf. interview", who="forsker1")
    with session_scope(engine) as s:
        entries = _audit(s, iid)
        assert [(e.code, e.old_value, e.new_value) for e in entries] == [
            ("arketype", "dovne", "socialt_udfordrede"), ("brugergruppe", None, "etniske")]
        assert "Anden etnisk baggrund" in entries[1].note


# --------------------------------------------------------------------------- evidence

def test_quotes_are_linked_as_evidence_for_the_archetype_decision(engine, guide):
    with session_scope(engine) as s:
        iv = _interview(s, guide, age="36")
        other = _interview(s, guide, age="50")
        q1 = _quote(s, iv, "Jeg har været clean i fem år nu.")
        q2 = _quote(s, iv, "Før tog jeg alt, hvad jeg kunne få fat i.")
        q_other = _quote(s, other, "Fremmed citat")
        with pytest.raises(CodingError, match="Sæt arketypen"):
            coding.link_evidence(s, iv.id, [q1.id], who="forsker1")
        coding.set_arketype(s, guide, iv.id, "eks_misbruger", who="forsker1")
        assert coding.link_evidence(s, iv.id, [q1.id, q2.id, q1.id], who="forsker1") == [q1.id, q2.id]
        with pytest.raises(CodingError, match="hører ikke til AMA-01"):
            coding.link_evidence(s, iv.id, [q_other.id], who="forsker1")
        with pytest.raises(CodingError, match="hører ikke til"):
            coding.link_evidence(s, iv.id, [99999], who="forsker1")
        v = coding.coding_view(s, guide, iv.id)
        assert v.evidence_quote_ids == [q1.id, q2.id] and all(q.is_evidence for q in v.quotes)
        ev = [e for e in _audit(s, iv.id) if e.entity == "evidence"]
        assert [(e.code, e.new_value, e.who) for e in ev] == [("arketype", f"{q1.id};{q2.id}", "forsker1")]

        assert coding.unlink_evidence(s, iv.id, [q2.id], who="forsker1") == [q1.id]
        # a new reason for the same archetype keeps the evidence
        coding.set_arketype(s, guide, iv.id, "eks_misbruger", who="forsker2", reason="Clean i fem år")
        assert coding.evidence_for(s, iv.id) == [q1.id]
        # a different archetype starts without evidence; the old links stay with the old decision
        coding.set_arketype(s, guide, iv.id, "unge_misbruger", who="forsker2")
        assert coding.evidence_for(s, iv.id) == []
        first = coding.decisions(s, iv.id, "arketype")[0]
        assert s.execute(select(DecisionEvidence.quote_id)
                         .where(DecisionEvidence.decision_id == first.id)).scalars().all() == [q1.id]


def test_evidence_for_an_imported_archetype_is_anchored_to_it(engine, guide):
    with session_scope(engine) as s:
        _import(s, guide, [{"respondent_id": "TRE-02", "age": "58", "arketype": "den_aeldre"}])
        iv = store.interview_by_respondent(s, "TRE-02")
        q = _quote(s, iv, "Jeg drikker mine bajere og går hjem.")
        assert coding.link_evidence(s, iv.id, [q.id], who="forsker1") == [q.id]
        (dec,) = coding.decisions(s, iv.id, "arketype")
        assert dec.value == "den_aeldre" and "import" in dec.reason and dec.who == "forsker1"
        assert coding.coding_view(s, guide, iv.id).arketype.source_label == "import"   # the value is untouched


def test_deleting_an_interview_removes_its_decisions_and_evidence(engine, guide):
    with session_scope(engine) as s:
        iv = _interview(s, guide, age="36")
        q = _quote(s, iv, "citat")
        coding.set_arketype(s, guide, iv.id, "eks_misbruger", who="f1")
        coding.link_evidence(s, iv.id, [q.id], who="f1")
        iid = iv.id
    with session_scope(engine) as s:
        s.execute(Quote.__table__.delete().where(Quote.interview_id == iid))
        store.delete_interview(s, iid)
    with session_scope(engine) as s:
        assert s.get(Interview, iid) is None
        assert s.execute(select(CodingDecision)).first() is None
        assert s.execute(select(DecisionEvidence)).first() is None
