"""The default rule from archetype (and age) to user group, as instrument.md section 5 states it.

The rule is a small table so a researcher can read it; `derive_group` also says *why*, so the
coding page can show the reasoning and the researcher can override it with a reason.
"""
from __future__ import annotations

from dataclasses import dataclass

from archetypes.model import ARCHETYPES, GROUPS

# archetype -> group; None means "depends on age" (see AGE_SPLIT)
RULE: dict[str, str | None] = {
    "den_aeldre": "aeldre_misbrugere",
    "gamle_junkie": "aeldre_misbrugere",
    "unge_misbruger": "unge_misbrugere",
    "eks_misbruger": None,
    "psykisk_paafaldende": "psykisk_paafaldende",
    "etniske": "etniske",
    "socialt_udfordrede": "andet",
    "dovne": "andet",
}
AGE_SPLIT = 40  # eks_misbruger: under 40 -> unge, otherwise aeldre


@dataclass(frozen=True)
class GroupDecision:
    group: str | None
    reason: str
    source: str  # "regel", "forsker" (given/overridden), "mangler"


def derive_group(arketype: str | None, age: int | str | None) -> GroupDecision:
    """The user group the default rule gives, with a Danish explanation."""
    if not arketype:
        return GroupDecision(None, "Ingen arketype kodet — brugergruppen kan ikke udledes.", "mangler")
    if arketype not in RULE:
        raise ValueError(f"ukendt arketype {arketype!r} — tilladt: {', '.join(RULE)}")
    name = ARCHETYPES[arketype].name
    target = RULE[arketype]
    if target is not None:
        return GroupDecision(target, f"{name} → {GROUPS[target].name} (standardreglen).", "regel")
    try:
        a = int(age) if age not in (None, "") else None
    except (TypeError, ValueError):
        a = None
    if a is None:
        return GroupDecision(None, f"{name}: gruppen afhænger af alder (under {AGE_SPLIT} → unge, ellers ældre), "
                                   "men alderen mangler.", "mangler")
    target = "unge_misbrugere" if a < AGE_SPLIT else "aeldre_misbrugere"
    cmp = f"{a} år < {AGE_SPLIT}" if a < AGE_SPLIT else f"{a} år ≥ {AGE_SPLIT}"
    return GroupDecision(target, f"{name}, {cmp} → {GROUPS[target].name} (standardreglen).", "regel")


def effective_group(brugergruppe: str | None, arketype: str | None, age: int | str | None) -> str | None:
    """The group used in every table: the researcher's coding if given, else the rule's."""
    if brugergruppe:
        return brugergruppe
    return derive_group(arketype, age).group
