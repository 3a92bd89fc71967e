import pytest

from tests.conftest import shared_or_copy

from archetypes import ARCHETYPES, GROUP_ORDER, GROUPS, derive_group, effective_group


def test_eight_archetypes_with_the_reports_texts_verbatim():
    assert list(ARCHETYPES) == ["den_aeldre", "gamle_junkie", "unge_misbruger", "eks_misbruger",
                                "psykisk_paafaldende", "socialt_udfordrede", "etniske", "dovne"]
    src = shared_or_copy("seeds/004_29458ba46708c802.txt", "report_3_3_archetypes.txt").read_text(encoding="utf-8")
    flat = " ".join(src.replace("-\n", "").split())
    for a in ARCHETYPES.values():
        # every sentence of the stored text occurs in the report (line breaks undone)
        for sentence in a.text.split(". "):
            assert sentence.strip(". ") in flat, (a.code, sentence)
    assert ARCHETYPES["den_aeldre"].text.startswith("Han er omkring 50 år.")
    assert ARCHETYPES["dovne"].name == "Den dovne"


def test_groups_and_report_order():
    assert GROUP_ORDER == ["andet", "etniske", "psykisk_paafaldende", "unge_misbrugere", "aeldre_misbrugere"]
    assert set(GROUPS) == set(GROUP_ORDER)


@pytest.mark.parametrize("arketype, age, group", [
    ("den_aeldre", 55, "aeldre_misbrugere"),
    ("gamle_junkie", None, "aeldre_misbrugere"),
    ("unge_misbruger", 45, "unge_misbrugere"),   # the archetype decides, not the age
    ("eks_misbruger", 39, "unge_misbrugere"),
    ("eks_misbruger", 40, "aeldre_misbrugere"),
    ("eks_misbruger", "25", "unge_misbrugere"),
    ("psykisk_paafaldende", 30, "psykisk_paafaldende"),
    ("etniske", 33, "etniske"),
    ("socialt_udfordrede", 60, "andet"),
    ("dovne", 30, "andet"),
])
def test_default_rule(arketype, age, group):
    d = derive_group(arketype, age)
    assert d.group == group
    assert d.source == "regel"
    assert GROUPS[group].name in d.reason


def test_rule_explains_missing_inputs():
    assert derive_group(None, 30).group is None
    d = derive_group("eks_misbruger", None)
    assert d.group is None and "alderen mangler" in d.reason
    with pytest.raises(ValueError, match="ukendt arketype"):
        derive_group("nisse", 30)


def test_researchers_coding_wins_over_the_rule():
    assert effective_group("andet", "den_aeldre", 60) == "andet"
    assert effective_group(None, "den_aeldre", 60) == "aeldre_misbrugere"
    assert effective_group("", "eks_misbruger", 20) == "unge_misbrugere"
