"""Blind double coding, Cohen's kappa / Krippendorff's alpha against known values, settlement."""
import warnings

import krippendorff
import numpy as np
import pytest
from sqlalchemy import select

from archetypes import coding
from coding import agreement as ag
from coding.agreement import AgreementError, Unit
from survey import store
from survey.db import session_scope
from survey.models import AuditEntry, Quote


def _respondents(s, guide, n, site="Amadeus"):
    st = store.ensure_site(s, site, "vaerested")
    return [store.create_interview(s, guide, st, interviewer="Ida") for _ in range(n)]


def _code_pairs(s, variable, pairs, unit_kind="segment", units=None, a="A", b="B"):
    """Record (value A, value B) per unit; None = that coder did not code the unit."""
    for i, (va, vb) in enumerate(pairs):
        u = units[i] if units is not None else Unit(unit_kind, str(i + 1))
        if va is not None:
            ag.record(s, a, u, variable, va)
        if vb is not None:
            ag.record(s, b, u, variable, vb)


# --------------------------------------------------------------------------- known values

def test_classic_two_by_two_example_gives_kappa_and_alpha_of_0_4(engine):
    # 50 items: both yes 20, A yes/B no 5, A no/B yes 10, both no 15 (the textbook example, e.g.
    # Wikipedia "Cohen's kappa"). By hand: p_o = 35/50 = 0.7; A says yes 25/50, B 30/50, so
    # p_e = 0.5*0.6 + 0.5*0.4 = 0.5 and kappa = (0.7-0.5)/(1-0.5) = 0.4.
    # Krippendorff's alpha (nominal, 2 coders, no missing): n = 100 values, n_yes = 55, n_no = 45,
    # o_yes,no = 15, alpha = 1 - (n-1) * o_yes,no / (n_yes * n_no) = 1 - 99*15/(55*45) = 1 - 0.6 = 0.4.
    pairs = [("1", "1")] * 20 + [("1", "0")] * 5 + [("0", "1")] * 10 + [("0", "0")] * 15
    with session_scope(engine) as s:
        _code_pairs(s, "tema:struktur", pairs)
        r = ag.agreement(s, "tema:struktur", "A", "B")
    assert (r.n, r.n_a, r.n_b, r.n_agree) == (50, 50, 50, 35)
    assert r.observed == pytest.approx(0.7) and r.observed_pct == 70.0
    assert r.kappa == pytest.approx(0.4) and r.kappa_note is None
    assert r.alpha == pytest.approx(0.4) and r.alpha_note is None
    assert r.confusion == {("1", "1"): 20, ("1", "0"): 5, ("0", "1"): 10, ("0", "0"): 15}
    assert len(r.disagreements) == 15
    assert r.disagreements[0] == ag.Disagreement(Unit("segment", "21"), "Segment 21", "1", "0", None)
    assert [d.unit.id for d in r.disagreements] == [str(i) for i in range(21, 36)]   # in unit order


def test_krippendorffs_published_binary_two_observer_example(engine):
    # Krippendorff, K. (2011). "Computing Krippendorff's Alpha-Reliability". Annenberg School for
    # Communication, University of Pennsylvania, section A "Binary or dichotomous data, two observers,
    # no missing data": 10 units, published alpha = 0.095. By hand: n = 20, n_0 = 14, n_1 = 6,
    # o_01 = 4, alpha = 1 - 19*4/(14*6) = 0.0952. Cohen's kappa by hand: p_o = 6/10,
    # p_e = 0.8*0.6 + 0.2*0.4 = 0.56, kappa = 0.04/0.44 = 0.0909.
    mary = ["0", "1", "0", "0", "0", "0", "0", "0", "1", "0"]
    dave = ["1", "1", "1", "0", "0", "1", "0", "0", "0", "0"]
    with session_scope(engine) as s:
        _code_pairs(s, "tema:ensomhed", list(zip(mary, dave)), a="Mary", b="Dave")
        r = ag.agreement(s, "tema:ensomhed", "Mary", "Dave")
        assert round(r.alpha, 3) == 0.095 and r.alpha == pytest.approx(1 - 19 * 4 / (14 * 6))
        assert r.kappa == pytest.approx(0.04 / 0.44)
        assert r.observed_pct == 60.0
        assert [(d.unit.id, d.value_a, d.value_b) for d in r.disagreements] == [
            ("1", "0", "1"), ("3", "0", "1"), ("6", "0", "1"), ("9", "1", "0")]
        # units only one coder coded are missing (NaN), not pairable: alpha and kappa are unchanged
        ag.record(s, "Mary", Unit("segment", "11"), "tema:ensomhed", "1")
        ag.record(s, "Dave", Unit("segment", "12"), "tema:ensomhed", "0")
        r2 = ag.agreement(s, "tema:ensomhed", "Mary", "Dave")
        assert (r2.n, r2.n_a, r2.n_b) == (10, 11, 11)
        assert r2.alpha == pytest.approx(r.alpha) and r2.kappa == pytest.approx(r.kappa)


def test_the_package_reproduces_krippendorffs_12_unit_nominal_example_with_missing_data():
    # Same paper, section C "Nominal data, any number of observers, missing data": 4 observers,
    # 12 units, published alpha = 0.743. Checks the package we rely on, at the level we use.
    n = np.nan
    data = [[1, 2, 3, 3, 2, 1, 4, 1, 2, n, n, n],
            [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, n, 3],
            [n, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, n],
            [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, n]]
    assert round(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"), 3) == 0.743


def test_archetype_agreement_on_respondents_with_three_categories(engine, guide):
    # Hand-computed: pairs (x,x) (x,y) (y,y) (y,y) (z,z) (z,x) with x = den_aeldre, y = dovne,
    # z = etniske. p_o = 4/6; A: x2 y2 z2, B: x2 y3 z1 -> p_e = (4+6+2)/36 = 1/3, kappa = 0.5.
    # alpha: n = 12, n_x = 4, n_y = 5, n_z = 3, sum_{c!=k} o_ck = 4,
    # sum_{c!=k} n_c n_k = 144 - (16+25+9) = 94 -> alpha = 1 - 11*4/94 = 50/94 = 0.5319.
    x, y, z = "den_aeldre", "dovne", "etniske"
    with session_scope(engine) as s:
        ivs = _respondents(s, guide, 6)
        units = [ag.respondent_unit(iv) for iv in ivs]
        _code_pairs(s, "arketype", [(x, x), (x, y), (y, y), (y, y), (z, z), (z, x)], units=units)
        r = ag.agreement(s, "arketype", "A", "B")
        assert r.kappa == pytest.approx(0.5)
        assert r.alpha == pytest.approx(50 / 94)
        assert r.categories == sorted([x, y, z])
        assert [(d.label, d.value_a, d.value_b) for d in r.disagreements] == [("AMA-02", x, y), ("AMA-06", z, x)]


# --------------------------------------------------------------------------- blindness

def test_a_coder_sees_only_their_own_values(engine, guide):
    with session_scope(engine) as s:
        iv1, iv2 = _respondents(s, guide, 2)
        ag.record(s, "A", ("respondent", "AMA-01"), "arketype", "dovne")
        ag.record(s, "A", ("respondent", iv2.id), "samlet_tilfredshed", "tilfreds")   # interview id accepted
        ag.record(s, "B", ("respondent", "AMA-01"), "arketype", "etniske")
        ag.record(s, "B", ("segment", "7"), "tema:bolig", True)
        assert ag.values_for(s, "A") == {("respondent", "AMA-01", "arketype"): "dovne",
                                         ("respondent", "AMA-02", "samlet_tilfredshed"): "tilfreds"}
        assert ag.values_for(s, "B") == {("respondent", "AMA-01", "arketype"): "etniske",
                                         ("segment", "7", "tema:bolig"): "1"}
        assert ag.values_for(s, "A", variable="arketype") == {("respondent", "AMA-01", "arketype"): "dovne"}
        assert ag.values_for(s, "B", unit_kind="segment") == {("segment", "7", "tema:bolig"): "1"}
        assert ag.values_for(s, "C") == {}
        # counts can be shown without unblinding
        assert ag.progress(s) == {"A": 2, "B": 2} and ag.progress(s, "arketype") == {"A": 1, "B": 1}
        assert ag.coders(s) == ["A", "B"]
        assert ag.variables(s) == ["arketype", "samlet_tilfredshed", "tema:bolig"]
        # double coding leaves the respondent's answers and the Kodning page's history untouched
        assert store.get_answers(s, iv1.id) == {}
        assert coding.coding_view(s, guide, iv1.id).history == []
        assert s.execute(select(AuditEntry)).first() is None
        # a coder may revise or remove their own value
        ag.record(s, "A", ("respondent", "AMA-01"), "arketype", "etniske")
        ag.record(s, "A", ("respondent", "AMA-02"), "samlet_tilfredshed", "")
        assert ag.values_for(s, "A") == {("respondent", "AMA-01", "arketype"): "etniske"}


def test_record_refuses_bad_units_variables_and_values(engine, guide):
    with session_scope(engine) as s:
        (iv,) = _respondents(s, guide, 1)
        q = Quote(interview_id=iv.id, item_code="hvorfor_her", text="Her er rart")
        s.add(q)
        s.flush()
        ok = ("respondent", "AMA-01")
        cases = [
            (("A", ok, "arketype", "den_vrede"), "tilladt: den_aeldre"),
            (("A", ok, "samlet_tilfredshed", "glad"), "tilladt: tilfreds, utilfreds, ikke_vurderet"),
            (("A", ok, "tema:", "1"), "Ukendt variabel"),
            (("A", ok, "brugergruppe", "andet"), "Ukendt variabel"),
            (("A", ("segment", "1"), "tema:x", "2"), "brug 1"),
            (("A", ("quote", str(q.id)), "arketype", "dovne"), "kodes pr. respondent"),
            (("A", ("quote", "999"), "tema:x", "1"), "Citat '999' findes ikke"),
            (("A", ("respondent", "XYZ-9"), "arketype", "dovne"), "Respondenten 'XYZ-9' findes ikke"),
            (("A", ("person", "1"), "tema:x", "1"), "Ukendt enhedstype"),
            (("  ", ok, "arketype", "dovne"), "koderens navn"),
        ]
        for args, msg in cases:
            with pytest.raises(AgreementError, match=msg):
                ag.record(s, *args)
        assert ag.values_for(s, "A") == {}
        assert ag.record(s, "A", ("quote", q.id), "tema:trivsel", "ja") == "1"
        assert ag.record_themes(s, "A", ("segment", "3"), ["bolig"], ["bolig", "tema:gaeld"]) == {
            "tema:bolig": "1", "tema:gaeld": "0"}
        with pytest.raises(AgreementError, match="uden for kodebogen: spil"):
            ag.record_themes(s, "A", ("segment", "3"), ["spil"], ["bolig"])


# --------------------------------------------------------------------------- degenerate cases

def test_no_overlap_gives_a_clear_message_not_a_crash(engine):
    with session_scope(engine) as s:
        ag.record(s, "A", ("segment", "1"), "tema:x", "1")
        ag.record(s, "B", ("segment", "2"), "tema:x", "0")
        r = ag.agreement(s, "tema:x", "A", "B")
        assert r.n == 0 and r.kappa is None and r.alpha is None and r.observed is None
        assert "Ingen enheder er kodet af både A og B" in r.message and "(A: 1, B: 1)" in r.message
        assert r.disagreements == []
        empty = ag.agreement(s, "tema:ukendt", "A", "B")
        assert empty.n == 0 and empty.message
        with pytest.raises(AgreementError, match="to forskellige kodere"):
            ag.agreement(s, "tema:x", "A", "A")


def test_one_identical_category_reports_none_with_the_reason_and_no_warnings(engine):
    with session_scope(engine) as s:
        _code_pairs(s, "tema:x", [("1", "1")] * 4 + [("0", None)])   # the "0" is not pairable
        with warnings.catch_warnings():
            warnings.simplefilter("error")                           # any warning fails the test
            r = ag.agreement(s, "tema:x", "A", "B")
        assert r.n == 4 and r.observed_pct == 100.0 and r.disagreements == []
        assert r.kappa is None and r.alpha is None
        assert r.kappa_note.startswith("kun én kategori") and r.alpha_note.startswith("kun én kategori")
        assert r.message is None


def test_single_overlapping_unit_and_opposite_constant_coders_do_not_crash(engine):
    with session_scope(engine) as s:
        _code_pairs(s, "tema:a", [("1", "0")])
        _code_pairs(s, "tema:b", [("1", "0")] * 3)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            r1, r2 = ag.agreement_summary(s, "A", "B")
        assert (r1.variable, r1.n, r1.kappa, r1.alpha) == ("tema:a", 1, pytest.approx(0.0), pytest.approx(0.0))
        assert r2.n == 3 and r2.kappa == pytest.approx(0.0) and r2.alpha < 0   # systematic disagreement


# --------------------------------------------------------------------------- settlement

def test_settle_writes_the_final_value_to_the_answer_and_the_audit_trail(engine, guide):
    with session_scope(engine) as s:
        ivs = _respondents(s, guide, 3)
        for iv in ivs:
            store.set_answer(s, guide, iv.id, "age", "39")
        units = [ag.respondent_unit(iv) for iv in ivs]
        _code_pairs(s, "arketype", [("eks_misbruger", "unge_misbruger"), ("dovne", "dovne"),
                                    ("etniske", "etniske")], units=units, a="Anna", b="Bo")
        _code_pairs(s, "samlet_tilfredshed", [("tilfreds", "utilfreds")], units=units[:1], a="Anna", b="Bo")
        r = ag.agreement(s, "arketype", "Anna", "Bo")
        assert [(d.label, d.value_a, d.value_b, d.settled) for d in r.disagreements] == [
            ("AMA-01", "eks_misbruger", "unge_misbruger", None)]
        row = ag.settle(s, units[0], "arketype", "eks_misbruger", "Anna", "Clean i fem år, jf. citat")
        assert (row.value, row.who, row.note) == ("eks_misbruger", "Anna", "Clean i fem år, jf. citat")
        ag.settle(s, units[0], "samlet_tilfredshed", "tilfreds", "Bo")
        assert ag.settle_agreed(s, "arketype", "Anna", "Bo", "Anna") == 2
        assert ag.settle_agreed(s, "arketype", "Anna", "Bo", "Anna") == 0          # already settled
        iid = ivs[0].id
    with session_scope(engine) as s:
        r = ag.agreement(s, "arketype", "Anna", "Bo")
        assert r.n_settled == 3 and r.disagreements[0].settled == "eks_misbruger"
        assert ag.settled_values(s, "arketype") == {("respondent", "AMA-01", "arketype"): "eks_misbruger",
                                                    ("respondent", "AMA-02", "arketype"): "dovne",
                                                    ("respondent", "AMA-03", "arketype"): "etniske"}
        # the final values are the respondent's answers, set by the researcher, and the rule follows
        v = coding.coding_view(s, guide, iid)
        assert (v.arketype.value, v.arketype.source_label, v.arketype.who) == ("eks_misbruger", "forsker", "Anna")
        assert v.judgements["samlet_tilfredshed"].value == "tilfreds"
        assert v.group == "unge_misbrugere"
        entries = [e for e in coding.audit_trail(s, iid)][::-1]
        assert [(e.entity, e.code, e.old_value, e.new_value, e.who) for e in entries] == [
            ("answer", "age", None, "39", None),  # the interviewer's draft answer (audited since issue 6)
            ("settlement", "arketype", None, "eks_misbruger", "Anna"),
            ("answer", "arketype", None, "eks_misbruger", "Anna"),
            ("settlement", "samlet_tilfredshed", None, "tilfreds", "Bo"),
            ("answer", "samlet_tilfredshed", None, "tilfreds", "Bo"),
        ]
        assert "Anna: eks_misbruger, Bo: unge_misbruger" in entries[1].note
        assert "Clean i fem år, jf. citat" in entries[1].note
        assert "Afklaret efter dobbeltkodning" in entries[2].note
        # re-settling to another value: old and new are audited
        ag.settle(s, ("respondent", "AMA-01"), "arketype", "unge_misbruger", "Bo", "Ny vurdering")
        last = coding.audit_trail(s, iid)[:2]
        assert [(e.entity, e.old_value, e.new_value) for e in last] == [
            ("answer", "eks_misbruger", "unge_misbruger"), ("settlement", "eks_misbruger", "unge_misbruger")]


def test_settling_themes_on_quotes_is_audited_on_the_quotes_interview(engine, guide):
    with session_scope(engine) as s:
        (iv,) = _respondents(s, guide, 1)
        q = Quote(interview_id=iv.id, item_code="hvorfor_her", text="Jeg har ingen steder at bo")
        s.add(q)
        s.flush()
        u = ("quote", q.id)
        ag.record(s, "A", u, "tema:bolig", "1")
        ag.record(s, "B", u, "tema:bolig", "0")
        r = ag.agreement(s, "tema:bolig", "A", "B")
        assert r.disagreements[0].label.startswith(f"Citat {q.id} (AMA-01): Jeg har ingen steder")
        ag.settle(s, u, "tema:bolig", "1", "A", "Bolig nævnes direkte")
        (e,) = s.execute(select(AuditEntry)).scalars().all()
        assert (e.interview_id, e.entity, e.code, e.new_value) == (iv.id, "settlement", "tema:bolig", "1")
        assert store.get_answers(s, iv.id) == {}                 # themes are not answers
        with pytest.raises(AgreementError, match="Angiv den endelige værdi"):
            ag.settle(s, u, "tema:bolig", "", "A")
        with pytest.raises(AgreementError, match="brug 1"):
            ag.settle(s, u, "tema:bolig", "måske", "A")
        assert ag.settled_values(s) == {("quote", str(q.id), "tema:bolig"): "1"}
