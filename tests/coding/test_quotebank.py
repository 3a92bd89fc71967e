"""The quote bank: rows with effective group/site/codes, search and combined filters, the
"til rapporten" mark (audited), theme codes on quotes, and the export (masked by default)."""
import sys
import types

import pytest
from sqlalchemy import func, select

from coding import codebook
from coding import quotebank as qb
from coding import transcripts as tr
from coding.codebook import CodebookError
from coding.quotebank import QuoteBankError
from coding.transcripts import QuoteCode
from survey import store
from survey.db import session_scope
from survey.models import AuditEntry, Quote


@pytest.fixture
def bank(engine, guide):
    """Four respondents: group coded by the researcher, derived by the rule (two ways), unknown."""
    with session_scope(engine) as s:
        ama = store.ensure_site(s, "Amadeus", "vaerested")
        ege = store.ensure_site(s, "Tre Ege", "boform")
        r1 = store.create_interview(s, guide, ama)                     # brugergruppe coded: etniske
        r2 = store.create_interview(s, guide, ege)                     # eks_misbruger, 32 år -> unge (rule)
        r3 = store.create_interview(s, guide, ama)                     # den_aeldre -> aeldre (rule)
        r4 = store.create_interview(s, guide, ege)                     # nothing coded -> uoplyst
        for iv, answers in ((r1, {"brugergruppe": "etniske", "arketype": "den_aeldre"}),
                            (r2, {"arketype": "eks_misbruger", "age": "32"}),
                            (r3, {"arketype": "den_aeldre", "age": "67"}), (r4, {})):
            for code, value in answers.items():
                assert store.set_answer(s, guide, iv.id, code, value, who="Forsker")[1] is None
        texts = [(r1, "hvorfor_her", "Her er der nogen, der lytter. Jens fra personalet hjælper mig."),
                 (r2, "hverdag", "Uden RYTME i hverdagen går det galt for mig."),
                 (r3, "hverdag", "Jeg spiser morgenmad her hver dag og får en rytme."),
                 (r4, "fremtid", "Ærligt talt: måske en lejlighed i Århus en dag."),
                 (r3, "hvorfor_her", "Her er varmt, og kaffen er gratis.")]
        qs = []
        for iv, item, text in texts:
            q = Quote(interview_id=iv.id, item_code=item, text=text, created_by="Ida")
            s.add(q)
            s.flush()
            qs.append(q.id)
        codebook.ensure_seeded(s)
        codebook.create_code(s, "Testrytme", key="test_rytme")
        codebook.create_code(s, "Testmorgen", key="test_morgen", parent="test_rytme")
        codebook.create_code(s, "Testhjælp", key="test_hjaelp")
        qb.code_quote(s, qs[1], ["test_rytme"], who="Ida")
        qb.code_quote(s, qs[2], ["test_morgen", "test_hjaelp"], who="Ida")
        qb.code_quote(s, qs[0], "Testhjælp", who="Ida")
        rids = [r.respondent_id for r in (r1, r2, r3, r4)]
    return types.SimpleNamespace(q=qs, r=rids)


def _ids(rows):
    return [r.quote_id for r in rows]


def test_every_quote_with_group_site_item_and_codes(engine, guide, bank):
    with session_scope(engine) as s:
        rows = qb.quote_bank(s, guide)
    by_id = {r.quote_id: r for r in rows}
    assert sorted(by_id) == sorted(bank.q)
    r1 = by_id[bank.q[0]]
    assert (r1.respondent_id, r1.site, r1.site_type, r1.site_type_name) == (
        bank.r[0], "Amadeus", "vaerested", "Værested")
    assert (r1.group, r1.group_source, r1.group_name) == ("etniske", "forsker", "Gruppen med anden etnisk baggrund")
    assert (r1.item_code, r1.item_label) == ("hvorfor_her", guide.item("hvorfor_her").label)
    assert r1.codes == ("test_hjaelp",) and r1.code_names == ("Testhjælp",) and r1.for_report is False
    r2 = by_id[bank.q[1]]
    assert (r2.group, r2.group_source, r2.site_type) == ("unge_misbrugere", "regel", "boform")
    r3 = by_id[bank.q[2]]
    assert (r3.group, r3.codes) == ("aeldre_misbrugere", ("test_morgen", "test_hjaelp"))  # codebook order
    r4 = by_id[bank.q[3]]
    assert (r4.group, r4.group_name, r4.group_source) == (None, "Uoplyst", "mangler")
    # sorted by respondent, then the item's place in the guide
    assert [(r.respondent_id, r.item_code) for r in rows] == sorted(
        [(r.respondent_id, r.item_code) for r in rows], key=lambda t: (t[0], guide.codes.index(t[1])))


@pytest.mark.parametrize("search,expected", [
    ("rytme", [1, 2]),
    ("RYTME hverdagen", [1]),
    ('"rytme i hverdagen"', [1]),
    ('"hverdagen rytme"', []),
    ("ÆRLIGT", [3]),
    ("århus", [3]),
    ("ÅRHUS LEJLIGHED", [3]),
    ("her", [0, 2, 4]),
    ("   ", [0, 1, 2, 3, 4]),
    ("findes ikke", []),
])
def test_search_is_case_insensitive_over_danish_text(engine, guide, bank, search, expected):
    with session_scope(engine) as s:
        got = _ids(qb.quote_bank(s, guide, search=search))
    assert sorted(got) == sorted(bank.q[i] for i in expected)


def test_search_finds_decomposed_letters():
    assert qb.matches("Ga\u030ar det?", qb.search_terms("GÅR"))


def test_filter_by_effective_group_including_rule_derived_and_unknown(engine, guide, bank):
    with session_scope(engine) as s:
        f = lambda **kw: sorted(_ids(qb.quote_bank(s, guide, **kw)))  # noqa: E731
        assert f(group="etniske") == [bank.q[0]]
        assert f(group="unge_misbrugere") == [bank.q[1]]                      # eks_misbruger aged 32 (rule)
        assert f(group="aeldre_misbrugere") == sorted([bank.q[2], bank.q[4]])  # den_aeldre (rule)
        assert f(group="uoplyst") == [bank.q[3]]
        assert f(group=["etniske", "uoplyst"]) == sorted([bank.q[0], bank.q[3]])
        assert f(group="De unge misbrugere og eks-misbrugere") == [bank.q[1]]  # by name
        assert f(group="psykisk_paafaldende") == []
        assert f(group=[]) == sorted(bank.q)
        with pytest.raises(QuoteBankError, match="Ukendt brugergruppe 'hjemløse'"):
            qb.quote_bank(s, guide, group="hjemløse")


def test_override_changes_the_group_the_bank_shows(engine, guide, bank):
    with session_scope(engine) as s:
        iv = store.interview_by_respondent(s, bank.r[1])
        store.set_answer(s, guide, iv.id, "brugergruppe", "andet", who="Forsker")
        row = qb.quote_bank(s, guide, respondent=bank.r[1])[0]
    assert (row.group, row.group_source) == ("andet", "forsker")


def test_filter_by_site_type_code_and_for_report_combine(engine, guide, bank):
    with session_scope(engine) as s:
        f = lambda **kw: sorted(_ids(qb.quote_bank(s, guide, **kw)))  # noqa: E731
        assert f(site_type="boform") == sorted([bank.q[1], bank.q[3]])
        assert f(site_type="Værested") == sorted([bank.q[0], bank.q[2], bank.q[4]])
        with pytest.raises(QuoteBankError, match="Ukendt type af sted"):
            f(site_type="hospital")
        assert f(code="test_rytme") == sorted([bank.q[1], bank.q[2]])          # sub-code test_morgen counts
        assert f(code="test_rytme", include_subcodes=False) == [bank.q[1]]
        assert f(code=["test_morgen", "Testhjælp"]) == sorted([bank.q[0], bank.q[2]])
        with pytest.raises(CodebookError, match="findes ikke"):
            f(code="ukendt_kode")
        assert qb.mark_for_report(s, bank.q[2], True, who="Ida") is True
        assert qb.mark_for_report(s, bank.q[1], True, who="Ida") is True
        assert f(for_report=True) == sorted([bank.q[1], bank.q[2]])
        assert f(for_report=False) == sorted([bank.q[0], bank.q[3], bank.q[4]])
        assert f(for_report=True, site_type="vaerested") == [bank.q[2]]
        assert f(for_report=True, site_type="vaerested", code="test_rytme", search="MORGENMAD",
                 group="aeldre_misbrugere") == [bank.q[2]]
        assert f(for_report=True, site_type="vaerested", group="etniske") == []


def test_mark_for_report_is_audited(engine, guide, bank):
    with session_scope(engine) as s:
        assert qb.mark_for_report(s, bank.q[0], True, who="Ida") is True
        assert qb.mark_for_report(s, bank.q[0], True, who="Ida") is False      # no change, no entry
        assert qb.mark_for_report(s, str(bank.q[0]), False, who="Bo") is True
        with pytest.raises(QuoteBankError, match="Citat 424242 findes ikke"):
            qb.mark_for_report(s, 424242, True)
    with session_scope(engine) as s:
        entries = list(s.execute(select(AuditEntry).where(AuditEntry.entity == "quote").order_by(AuditEntry.id))
                       .scalars())
        iv = store.interview_by_respondent(s, bank.r[0])
        assert s.get(Quote, bank.q[0]).for_report is False
    assert [(e.interview_id, e.code, e.old_value, e.new_value, e.who) for e in entries] == [
        (iv.id, "hvorfor_her", "false", "true", "Ida"), (iv.id, "hvorfor_her", "true", "false", "Bo")]
    assert all(e.at is not None and "Jens" not in (e.note or "") for e in entries)


def test_code_and_uncode_quote_with_decisions(engine, guide, bank):
    with session_scope(engine) as s:
        got = qb.code_quote(s, bank.q[3], ["test_rytme", "Testhjælp"], who="Bo", source="model")
        assert [c.key for c in got] == ["test_rytme", "test_hjaelp"]
        assert {c.who for c in got} == {"Bo"}
        d = codebook.decisions_for(s, "quote", bank.q[3])
        assert {k: (v.decision, v.source) for k, v in d.items()} == {"test_rytme": ("accepted", "model"),
                                                                     "test_hjaelp": ("accepted", "model")}
        assert [c.key for c in qb.uncode_quote(s, bank.q[3], "test_rytme", who="Bo")] == ["test_hjaelp"]
        assert codebook.decisions_for(s, "quote", bank.q[3])["test_rytme"].decision == "rejected"
        assert qb.uncode_quote(s, bank.q[3]) == []
        assert tr.code_usage(s, "test_hjaelp") == {"segmenter": 0, "citater": 2}
    n_before = _quote_codes(engine)
    with pytest.raises(CodebookError):
        with session_scope(engine) as s:
            qb.code_quote(s, bank.q[3], ["test_rytme", "nope"], who="Bo")
    with pytest.raises(QuoteBankError, match="findes ikke"):
        with session_scope(engine) as s:
            qb.code_quote(s, 999999, ["test_rytme"], who="Bo")
    assert _quote_codes(engine) == n_before


def _quote_codes(engine):
    with session_scope(engine) as s:
        return s.execute(select(func.count()).select_from(QuoteCode)).scalar_one()


def test_deleting_a_quote_removes_its_codes(engine, guide, bank):
    with session_scope(engine) as s:
        s.delete(s.get(Quote, bank.q[2]))
    with session_scope(engine) as s:
        assert s.execute(select(func.count()).select_from(QuoteCode).where(QuoteCode.quote_id == bank.q[2])
                         ).scalar_one() == 0


def test_quote_from_a_transcript_segment_joins_the_bank_with_its_codes(engine, guide, bank):
    with session_scope(engine) as s:
        raw = "I: Og så?\nB: Køkkenet giver mig rytme. Resten er kedeligt.".encode()
        info = tr.import_transcript(s, bank.r[1], raw, "r2.txt", who="Ida")
        seg = tr.segments_for(s, info.id)[1]
        tr.code_segment(s, seg.id, ["test_rytme"], "om køkkenet", who="Ida")
        q = tr.quote_from_segment(s, seg.id, who="Ida", end=seg.text.index(" Resten"))
        with pytest.raises(tr.TranscriptError, match="udsnit"):
            tr.quote_from_segment(s, seg.id, start=5, end=500)
        row = qb.quote_bank(s, guide, search="køkkenet")[0]
    assert (row.quote_id, row.text, row.codes) == (q.id, "Køkkenet giver mig rytme.", ("test_rytme",))
    assert (row.item_code, row.item_label, row.group) == ("transskription", "Fra transskription", "unge_misbrugere")


class _FakeAnonymiser:
    """What `coding.deidentify.study_anonymiser` uses of coding.anonymise's Anonymiser."""
    def __init__(self, extra_names=()):
        self.extra_names = list(extra_names)

    @classmethod
    def from_store(cls, engine_or_session, extra_names=()):
        return cls(extra_names)

    def mask(self, text):
        return text.replace("Jens", "[navn]").replace("Århus", "[sted]")


@pytest.fixture
def fake_anonymise(monkeypatch):
    mod = types.ModuleType("coding.anonymise")
    mod.Anonymiser = _FakeAnonymiser
    mod.default_anonymiser = _FakeAnonymiser
    monkeypatch.setitem(sys.modules, "coding.anonymise", mod)
    return mod


def test_export_is_masked_by_default(engine, guide, bank, fake_anonymise):
    with session_scope(engine) as s:
        qb.mark_for_report(s, bank.q[0], True, who="Ida")
        df = qb.export_quotes(s, guide)
        only = qb.export_quotes(s, guide, for_report=True)
    assert list(df.columns) == list(qb.EXPORT_COLUMNS) and len(df) == 5
    assert df.attrs["anonymiseret"] is True
    text = " ".join(df["Citat"])
    assert "Jens" not in text and "Århus" not in text and "[navn]" in text and "[sted]" in text
    row = only.iloc[0].to_dict()
    assert row == {"Citat-id": bank.q[0], "Respondent": bank.r[0], "Sted": "Amadeus", "Stedtype": "Værested",
                   "Brugergruppe": "Gruppen med anden etnisk baggrund", "Spørgsmålskode": "hvorfor_her",
                   "Spørgsmål": guide.item("hvorfor_her").label,
                   "Citat": "Her er der nogen, der lytter. [navn] fra personalet hjælper mig.",
                   "Temakoder": "Testhjælp", "Til rapporten": "ja"}


def test_quote_bank_can_mask_for_output_that_leaves_the_team(engine, guide, bank, fake_anonymise):
    with session_scope(engine) as s:
        plain = qb.quote_bank(s, guide, search="jens")
        masked = qb.quote_bank(s, guide, search="jens", anonymised=True)
        given = qb.quote_bank(s, guide, search="jens", anonymised=True, anonymiser=lambda t: t.upper())
    assert "Jens" in plain[0].text and "[navn]" in masked[0].text and given[0].text.startswith("HER ER")


def test_export_refuses_unmasked_text_when_the_anonymiser_is_missing(engine, guide, bank, monkeypatch):
    monkeypatch.setitem(sys.modules, "coding.anonymise", None)   # import fails
    with session_scope(engine) as s:
        with pytest.raises(QuoteBankError, match=r"anonymised=False") as e:
            qb.export_quotes(s, guide)
        assert "kan ikke anonymiseres" in str(e.value)
        with pytest.raises(QuoteBankError):
            qb.quote_bank(s, guide, anonymised=True)
        df = qb.export_quotes(s, guide, anonymised=False)
    assert df.attrs["anonymiseret"] is False
    assert any("Jens" in t for t in df["Citat"])


def test_real_anonymiser_masks_a_cpr_number_in_the_export(engine, guide, bank):
    pytest.importorskip("coding.anonymise")
    with session_scope(engine) as s:
        iv = store.interview_by_respondent(s, bank.r[0])
        s.add(Quote(interview_id=iv.id, item_code="fremtid",
                    text="Mit cpr-nummer er 010203-1234, og jeg bor nu på Tre Ege."))
        s.flush()
        df = qb.export_quotes(s, guide, search="cpr-nummer")
    assert len(df) == 1
    text = df["Citat"].iloc[0]
    assert "010203-1234" not in text and "Tre Ege" not in text   # the study's own site names too
