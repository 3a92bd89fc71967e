"""The synthetic demo study reproduces the report's published numbers.

Every count here is computed directly from the wide frame with plain pandas, following
spec/method.md (only `ja`/`nej` are counted; the group is archetypes.effective_group), and
compared with the numbers printed in the report — typed in here, not taken from survey.demo.
"""
import re

import pandas as pd
import pytest
from sqlalchemy import select

from archetypes import derive_group, effective_group
from survey import demo, store
from survey.db import session_scope
from survey.guide import CPR_RE
from survey.models import Interview, Site

# Oversigt over interview: site -> (type, interviewed, selected by staff, consent given, refused)
OVERSIGT = {
    "St. Dannesbo": ("boform", 7, 6, 7, 0),
    "KFUM Kollegium": ("boform", 5, 5, 5, 0),
    "Møltrup": ("boform", 5, 5, 5, 0),
    "Tre Ege": ("boform", 5, 5, 5, 0),
    "Basen": ("boform", 5, 3, 4, 0),
    "Solvang": ("boform", 4, 4, 4, 0),
    "Amadeus": ("vaerested", 4, 1, 3, 1),
    "Linie 14": ("vaerested", 5, 4, 5, 0),
    "Regnbuen": ("vaerested", 5, 2, 4, 1),
    "Livsværkstederne": ("vaerested", 5, 5, 5, 0),
    "Solstrålen": ("vaerested", 5, 3, 5, 0),
    "Værestedet i Otterup": ("vaerested", 6, 0, 5, 1),
}
TABEL_3_1 = {"-29": 6, "30-39": 19, "40-49": 20, "50-": 16}
TABEL_3_2 = {  # group -> (kvinde, mand)
    "andet": (1, 4), "etniske": (1, 6), "psykisk_paafaldende": (2, 5),
    "unge_misbrugere": (5, 9), "aeldre_misbrugere": (0, 28),
}
TABEL_4_2 = {  # probe -> (ja, ja_vigtigt, nej, nej_vigtigt)
    "rytme": (50, 39, 9, 2), "kontakt": (40, 28, 14, 2), "sjovt": (36, 28, 20, 11), "mod": (35, 29, 16, 10),
    "arbejdsmarked": (25, 17, 32, 12), "faglige_evner": (24, 11, 26, 6), "bolig": (16, 10, 16, 6),
    "sundhed": (15, 3, 27, 8), "familie": (10, 8, 34, 22), "virksomheder": (7, 1, 38, 5),
    "skrive_laese": (6, 3, 33, 7), "jobsoegning": (3, 1, 42, 5),
}
FIGUR_3_1 = {"boform_vaerested": 32, "udenfor": 8, "ordinaert_arbejde": 2, "andet": 3, "intet_tilbud": 16}


@pytest.fixture(scope="module")
def frame(guide):
    return demo.build_demo_frame(guide)


@pytest.fixture(scope="module")
def df(frame):
    """The frame with the effective group of every respondent (the tables' grouping)."""
    d = frame.copy()
    d["gruppe"] = [effective_group(b, a, age) for b, a, age in zip(d.brugergruppe, d.arketype, d.age)]
    return d


def counts(series: pd.Series) -> dict:
    return {k: int(v) for k, v in series.value_counts(dropna=False).items()}


# ----------------------------------------------------------------------------- the frame itself

def test_the_frame_is_deterministic_and_in_the_wide_contract(guide, frame):
    again = demo.build_demo_frame(guide)
    pd.testing.assert_frame_equal(frame, again)
    assert list(frame.columns) == guide.codes
    assert len(frame) == 61
    assert list(frame.respondent_id) == sorted(frame.respondent_id)
    assert frame.respondent_id.is_unique
    assert all(re.fullmatch(r"[A-Z]{3}-\d{2}", r) for r in frame.respondent_id)
    assert all(dtype == object for dtype in frame.dtypes)
    for col in frame.columns:
        assert all(v is None or isinstance(v, str) for v in frame[col]), col


def test_every_value_passes_the_guide_and_is_canonical(guide, frame):
    for code in guide.codes:
        for v in frame[code]:
            canon, problem = guide.check_value(code, v)
            assert problem is None, (code, v, problem)
            assert canon == v, (code, v, canon)


def test_it_says_it_is_synthetic(frame):
    assert set(frame.interviewer) == {"Demo (syntetisk)"}
    assert "SYNTHETIC" in demo.__doc__ and "invented" in demo.__doc__
    assert set(frame.interview_date.str[:4]) == {"2006"}


def test_the_demo_follows_the_guides_skip_logic(guide, frame):
    for row in frame.to_dict("records"):
        for code, value in row.items():
            if value is not None:
                assert guide.is_relevant(code, row), (row["respondent_id"], code, value)


def test_free_texts_are_short_and_hold_no_cpr_numbers_or_addresses(guide, frame):
    texts = [c for c in guide.codes if guide.item(c).type == "text" and c not in store.META_CODES]
    filled = 0
    for c in texts:
        for v in frame[c].dropna():
            filled += 1
            assert len(v) < 200 and not CPR_RE.search(v) and not re.search(r"\d{3,}", v), (c, v)
            assert not re.search(r"\b(vej|gade|allé)\s+\d", v), (c, v)
    assert filled > 500
    for c in ("hvorfor_her", "hverdag", "udbytte_aabent", "anderledes", "godt_tilbud", "fremtid"):
        assert frame[c].notna().all() and frame[c].nunique() >= 8, c
    assert frame.tilbud_indhold.notna().sum() == 45          # everyone with an offer
    assert frame.rytme_note.notna().any() and frame.arbejdsmarked_note.notna().any()


# ----------------------------------------------------------------------------- chapter 3

def test_sites_and_oversigt_over_interview(frame):
    for site, (stype, n, selected, given, refused) in OVERSIGT.items():
        rows = frame[frame.site == site]
        assert set(rows.site_type) == {stype}, site
        assert len(rows) == n, site
        assert (rows.selected_by_staff == "ja").sum() == selected, site
        assert (rows.consent_journal == "ja").sum() == given, site
        assert (rows.consent_journal == "nej").sum() == refused, site
    assert set(frame.site) == set(OVERSIGT)
    # one interviewee at Basen has no consent recorded
    assert frame.consent_journal.isna().sum() == 1
    assert frame.loc[frame.consent_journal.isna(), "site"].item() == "Basen"
    # computed subtotals (the report prints 1 refused for the boformer although its rows say 0)
    sub = frame.groupby("site_type").agg(
        n=("respondent_id", "size"), sel=("selected_by_staff", lambda s: (s == "ja").sum()),
        ja=("consent_journal", lambda s: (s == "ja").sum()), nej=("consent_journal", lambda s: (s == "nej").sum()))
    assert sub.loc["boform"].tolist() == [31, 28, 30, 0]
    assert sub.loc["vaerested"].tolist() == [30, 15, 27, 3]
    # ids are site prefix + running number
    for site, rows in frame.groupby("site"):
        prefixes = {r[:3] for r in rows.respondent_id}
        assert len(prefixes) == 1, site
        assert sorted(int(r[4:]) for r in rows.respondent_id) == list(range(1, len(rows) + 1))


def test_tabel_3_1_ages(frame):
    ages = frame.age.astype(int)
    assert ages.between(16, 110).all()
    bands = pd.cut(ages, [0, 29, 39, 49, 200], labels=["-29", "30-39", "40-49", "50-"])
    assert counts(bands) == TABEL_3_1


def test_tabel_3_2_group_by_gender(df):
    tab = pd.crosstab(df.gruppe, df.gender)
    for g, (k, m) in TABEL_3_2.items():
        assert (tab.loc[g, "kvinde"], tab.loc[g, "mand"]) == (k, m), g
    assert (tab.kvinde.sum(), tab.mand.sum()) == (9, 52)


def test_groups_follow_the_rule_and_both_paths_are_shown(df):
    explicit = df[df.brugergruppe.notna()]
    assert 3 <= len(explicit) <= 10
    for row in df.itertuples():
        rule = derive_group(row.arketype, row.age)
        assert rule.group == row.gruppe, row.respondent_id           # never contradicts the rule
    # the age split of eks_misbruger is exercised on both sides
    eks = df[df.arketype == "eks_misbruger"]
    assert set(eks[eks.age.astype(int) < 40].gruppe) == {"unge_misbrugere"}
    assert set(eks[eks.age.astype(int) >= 40].gruppe) == {"aeldre_misbrugere"}
    assert len(eks.gruppe.unique()) == 2
    # self-placement: mostly the archetype, sometimes another box, sometimes no answer
    same = (df.selvplacering == df.arketype).sum()
    other = (df.selvplacering.notna() & (df.selvplacering != df.arketype)).sum()
    assert same >= 45 and other >= 3 and df.selvplacering.isna().sum() >= 2


def test_groups_are_placed_plausibly_by_site(df):
    by = pd.crosstab(df.site, df.gruppe)
    assert by.loc[["Møltrup", "Solvang", "St. Dannesbo"], "aeldre_misbrugere"].sum() >= 14
    assert by.loc[["KFUM Kollegium", "Livsværkstederne"], "etniske"].sum() == 7
    assert by.loc[["Værestedet i Otterup", "Amadeus"], "psykisk_paafaldende"].sum() == 7
    assert by.loc[["Linie 14", "Solstrålen", "Regnbuen"], "unge_misbrugere"].sum() >= 10
    assert (df[df.site_type == "boform"].gruppe == "aeldre_misbrugere").sum() >= 20


def test_figur_3_1_offer_types_and_foertidspension(df):
    assert counts(df.tilbudstype) == FIGUR_3_1
    none = df[df.tilbudstype == "intet_tilbud"]
    assert counts(none.gruppe) == {"psykisk_paafaldende": 5, "unge_misbrugere": 4, "aeldre_misbrugere": 6,
                                   "andet": 1}
    fp = df[df.forsoergelse == "foertidspension"]
    assert len(fp) == 16
    assert (fp.tilbudstype == "intet_tilbud").sum() == 6          # 6 of 16 (37.5 %)
    assert (df[df.forsoergelse != "foertidspension"].tilbudstype == "intet_tilbud").sum() == 10  # 10 of 45
    assert (fp.arbejdsmarked == "ja").sum() == 5                  # section 4.3.3
    assert (df[df.gruppe == "psykisk_paafaldende"].forsoergelse == "foertidspension").sum() >= 6
    assert set(df.forsoergelse) == {"kontanthjaelp", "foertidspension", "pension", "andet"}
    # aktiveret agrees with the offer
    assert (none.aktiveret == "nej").all()
    assert (df[df.tilbudstype != "intet_tilbud"].aktiveret == "ja").mean() > 0.9


# ----------------------------------------------------------------------------- chapter 4

@pytest.mark.parametrize("probe", list(TABEL_4_2))
def test_tabel_4_1_and_4_2(df, probe):
    a, v = df[probe], df[f"{probe}_vigtigt"]
    got = ((a == "ja").sum(), ((a == "ja") & (v == "ja")).sum(), (a == "nej").sum(), ((a == "nej") & (v == "ja")).sum())
    assert got == TABEL_4_2[probe]


def test_probes_not_counted_are_a_mix_and_importance_follows_the_answer(guide, df):
    seen = set()
    for p in guide.probes:
        a, v = df[p.code], df[f"{p.code}_vigtigt"]
        seen |= set(a.fillna("<blank>"))
        assert v[a.isna() | (a == "ikke_relevant")].isna().all(), p.code
        assert v[a.isin(["ja", "nej"])].isin(["ja", "nej", "uklart"]).all(), p.code
        assert (v[a.isin(["ja", "nej"])] != "ja").any(), p.code
    assert {"ikke_relevant", "uklart", "<blank>"} <= seen
    assert set(df.rytme) <= {"ja", "nej", "uklart", "ikke_relevant", None}
    # the quality map of method.md: rytme udbytte 50/59, vigtighed 41/59
    n = df.rytme.isin(["ja", "nej"]).sum()
    assert n == 59 and (df.rytme_vigtigt[df.rytme.isin(["ja", "nej"])] == "ja").sum() == 41


def share_ja(df, probe, group):
    a = df[df.gruppe == group][probe]
    return (a == "ja").sum() / a.isin(["ja", "nej"]).sum()


def test_group_patterns_of_figur_4_1_to_4_3(df):
    # 4.3.1 rytme: about equally often across the groups
    assert all(share_ja(df, "rytme", g) >= 0.75 for g in TABEL_3_2)
    # Figur 4.2 kontakt: high for ældre and etniske, under half for psykisk and unge
    assert share_ja(df, "kontakt", "aeldre_misbrugere") > 0.75 and share_ja(df, "kontakt", "etniske") > 0.75
    assert share_ja(df, "kontakt", "psykisk_paafaldende") < 0.5 and share_ja(df, "kontakt", "unge_misbrugere") < 0.5
    # Figur 4.3 arbejdsmarked: godt 2 ud af 3 ældre not closer; 6 of 7 etniske closer; unge under half;
    # ældre the lowest share
    aeldre = df[df.gruppe == "aeldre_misbrugere"].arbejdsmarked
    assert (aeldre == "nej").sum() / aeldre.isin(["ja", "nej"]).sum() > 2 / 3
    etn = df[df.gruppe == "etniske"].arbejdsmarked
    assert ((etn == "ja").sum(), len(etn)) == (6, 7)
    assert share_ja(df, "arbejdsmarked", "unge_misbrugere") < 0.5
    assert min(TABEL_3_2, key=lambda g: share_ja(df, "arbejdsmarked", g)) == "aeldre_misbrugere"
    # 4.3.3: the unge are the group least often finding the offer sjovt og udfordrende
    assert min(TABEL_3_2, key=lambda g: share_ja(df, "sjovt", g)) == "unge_misbrugere"


def test_satisfaction_about_40_of_61(df):
    assert 38 <= (df.samlet_tilfredshed == "tilfreds").sum() <= 42


# ----------------------------------------------------------------------------- chapter 7

def test_figur_7_2_cooperation(df):
    assert counts(df.samarbejde) == {"positivt": 22, "neutralt": 12, "negativt": 21, "ingen_vurdering": 6}
    no_view = df[df.samarbejde == "ingen_vurdering"]
    assert (no_view.gruppe == "psykisk_paafaldende").sum() == 4
    unge = df[df.gruppe == "unge_misbrugere"]
    assert ((unge.samarbejde == "negativt").sum(), (unge.samarbejde == "positivt").sum()) == (7, 3)
    assert (unge.enige == "nej").sum() == 8                         # "otte af de unge misbrugere"
    aeldre = df[df.gruppe == "aeldre_misbrugere"]
    assert (aeldre.samarbejde == "positivt").sum() > (aeldre.samarbejde == "negativt").sum()


def test_figur_7_3_could_be_better(df):
    tab = pd.crosstab(df.gruppe, df.kunne_vaere_bedre)
    assert (tab.loc["unge_misbrugere", "ja"], tab.loc["unge_misbrugere", "nej"]) == (9, 5)
    for g in ("psykisk_paafaldende", "andet"):
        assert set(df[df.gruppe == g].kunne_vaere_bedre.dropna()) == {"nej"}, g
    for g in ("aeldre_misbrugere", "etniske"):
        share = tab.loc[g, "ja"] / tab.loc[g].sum()
        assert 0.4 <= share <= 0.6, g


def test_figur_7_4_enough_say(df):
    def dist(g):
        s = df[df.gruppe == g].nok_med_at_bestemme.dropna()
        return (s == "ja").mean(), (s == "nej").mean()
    for g in ("etniske", "psykisk_paafaldende"):
        assert dist(g)[0] > 0.75, g
    ja, nej = dist("unge_misbrugere")
    assert 0.4 <= ja <= 0.6 and 0.3 <= nej <= 0.5
    aeldre = df[df.gruppe == "aeldre_misbrugere"].nok_med_at_bestemme
    assert 0.4 <= (aeldre == "ja").sum() / 28 <= 0.55 and 0.18 <= (aeldre == "nej").sum() / 28 <= 0.3
    # not asked of those with no offer (the guide's skip logic)
    assert df[df.tilbudstype == "intet_tilbud"].nok_med_at_bestemme.isna().all()


def test_figur_7_1_right_people_mostly_yes_with_many_blanks(df):
    c = counts(df.rigtige_mennesker)
    assert c["ja"] > c.get("nej", 0) + c.get("ved_ikke", 0)
    assert c[None] >= 10


def test_section_7_2_involvement_and_satisfaction(df):
    tab = pd.crosstab(df.inddraget, df.samlet_tilfredshed)
    assert tab.loc["ja"].sum() == 42 and tab.loc["ja", "tilfreds"] == 37 and tab.loc["ja", "utilfreds"] == 5
    assert tab.loc["nej"].sum() == 11 and tab.loc["nej", "tilfreds"] == 4 and tab.loc["nej", "utilfreds"] == 7
    assert tab.loc["uklart"].sum() == 8 and tab.loc["uklart", "ikke_vurderet"] >= 1


def test_section_4_4_1_ten_users_feel_syltet(df):
    syltet = df[df.syltet == "ja"]
    assert len(syltet) == 10 and df.syltet.notna().all()
    assert counts(syltet.gruppe) == {"unge_misbrugere": 5, "aeldre_misbrugere": 5}
    unge = syltet[syltet.gruppe == "unge_misbrugere"]
    assert (unge.gender == "kvinde").sum() == 4
    women = unge[unge.gender == "kvinde"]
    assert women.problemer.str.contains("psykisk").sum() == 3   # "tre af de fire kvinder"


def test_other_codes_are_filled_plausibly(df):
    for code in ("gender", "age", "forsoergelse", "interview_date", "problemer", "skoleaar", "loennet_arbejde",
                 "arbejdsmarkedsperspektiv", "fremtid_fokus", "lyttet_til", "enige"):
        assert df[code].notna().sum() >= 50, code
    offered = df[df.tilbudstype != "intet_tilbud"]
    for code in ("hvem_bestemte", "plan", "begrundelse", "betaling", "varighed_mdr", "kan_bruge_senere",
                 "overensstemmelse"):
        assert offered[code].notna().all(), code
    assert df.problemer.str.contains(";").sum() >= 30
    assert (df[df.gruppe == "etniske"].arbejdsmarkedsperspektiv == "reelt").all()
    # unge the most critical about what they can use later (section 4.3.3)
    later = offered.groupby("gruppe").kan_bruge_senere.apply(lambda s: (s == "nej").mean())
    assert later.idxmax() == "unge_misbrugere"


# ----------------------------------------------------------------------------- loading into the store

def test_load_demo_writes_the_same_frame_once(engine, guide, frame):
    assert demo.load_demo(engine, guide) == 61
    loaded = store.load_wide(engine, guide)
    pd.testing.assert_frame_equal(loaded, frame)
    with session_scope(engine) as s:
        assert store.count_interviews(s) == 61
        assert set(s.execute(select(Interview.source)).scalars()) == {"demo"}
        prefixes = dict(s.execute(select(Site.name, Site.prefix)).all())
    assert prefixes == {site.name: site.prefix for site in demo.SITES}
    # if_empty: nothing happens when the store holds interviews
    assert demo.load_demo(engine, guide, if_empty=True) == 0
    with pytest.raises(store.StoreError, match="allerede indlæst.*--replace"):
        demo.load_demo(engine, guide)
    assert demo.load_demo(engine, guide, replace=True) == 61
    pd.testing.assert_frame_equal(store.load_wide(engine, guide), frame)


def test_if_empty_loads_into_an_empty_store(engine, guide):
    assert demo.load_demo(engine, guide, if_empty=True) == 61
    assert demo.load_demo(engine, guide, if_empty=True) == 0


def test_new_interviews_at_a_demo_site_continue_its_ids(engine, guide):
    demo.load_demo(engine, guide)
    with session_scope(engine) as s:
        site = store.ensure_site(s, "Solstrålen")
        assert store.next_respondent_id(s, site) == "SST-06"


def test_real_data_is_never_replaced_by_the_demo(engine, guide):
    with session_scope(engine) as s:
        site = store.ensure_site(s, "Amadeus", "vaerested")
        store.create_interview(s, guide, site, respondent_id="AMA-01")
    with pytest.raises(store.StoreError, match="AMA-01"):
        demo.load_demo(engine, guide, replace=True)
    with session_scope(engine) as s:
        assert store.count_interviews(s) == 1                      # nothing was written


def test_cli_demo(db_url, capsys):
    from brugerblik.cli import main
    from survey.db import dispose_all

    url = db_url
    try:
        assert main(["--db", url, "demo", "--if-empty"]) == 0
        out = capsys.readouterr().out
        assert "61 syntetiske respondenter" in out
        # the codebook has the report's themes at once, as after the app's first read of it (a CLI user of the
        # demo found «Koden 'rytme_i_hverdagen' findes ikke» and an empty .qdc until a page had been opened)
        from coding import codebook as cb
        from survey.db import get_engine

        with session_scope(get_engine(url)) as s:
            keys = [e.key for e in cb.entries(s)]
        assert keys == [e.key for e in cb.load_seed()] and f"rapportens {len(keys)} temaer" in out
        assert main(["--db", url, "matrix", "rytme_i_hverdagen", "brugergruppe"]) == 0
        capsys.readouterr()
        assert main(["--db", url, "demo", "--if-empty"]) == 0
        assert "allerede data" in capsys.readouterr().out
        assert main(["--db", url, "demo"]) == 1
        assert "--replace" in capsys.readouterr().err
    finally:
        dispose_all()
