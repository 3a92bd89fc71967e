"""Who a table is computed on: the *effective* user group of every respondent and the population
filter (user group, site type).

The effective group is the researcher's ``brugergruppe`` if given, else the default rule on
``arketype`` and ``age`` (`archetypes.effective_group`, vectorised here). Respondents with no
effective group (no archetype, or ``eks_misbruger`` with no age) are ``uoplyst``. Every table "by
group" uses the effective group; `group_rows` gives the report's row order (``GROUP_ORDER``, then
``uoplyst`` when non-zero) and `keep_group` limits a by-group table to one group and «I alt».
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from archetypes.model import GROUP_ORDER, GROUPS
from archetypes.rule import AGE_SPLIT, RULE
from report.counting import column, eq, equals, factor, numbers
from report.errors import allowed
from report.publication import I_ALT, UOPLYST

__all__ = ["SITE_TYPES", "group_codes", "effective_groups", "check_group", "check_site_type", "population",
           "group_rows", "keep_group"]

SITE_TYPES: tuple[str, ...] = ("boform", "vaerested")

_ARCHETYPE_CODES = list(RULE)
_RULE_TARGET = np.array([GROUP_ORDER.index(RULE[a]) if RULE[a] else -2 for a in _ARCHETYPE_CODES] + [-1],
                        dtype=np.int64)  # -2: depends on age; last entry: unknown/blank archetype
_UNGE, _AELDRE = GROUP_ORDER.index("unge_misbrugere"), GROUP_ORDER.index("aeldre_misbrugere")
_GROUP_VALUES = np.array(list(GROUP_ORDER) + [None], dtype=object)


def group_codes(df: pd.DataFrame) -> np.ndarray:
    """Effective group of every respondent as an index into GROUP_ORDER (-1 = unknown).

    Vectorised `archetypes.effective_group`: the researcher's ``brugergruppe`` if given,
    else the default rule on ``arketype`` (``eks_misbruger``: age under 40 → unge, else
    ældre). A given value that is not a group code, an unknown archetype, or an
    eks_misbruger with no numeric age gives -1 (``uoplyst``).
    """
    given_arr = column(df, "brugergruppe")
    given, _ = factor(given_arr, GROUP_ORDER, extra=False)
    given_blank = pd.isna(given_arr) | equals(given_arr, "")
    arke, _ = factor(column(df, "arketype"), _ARCHETYPE_CODES, extra=False)
    derived = _RULE_TARGET[arke]
    by_age = derived == -2
    if by_age.any():
        age = numbers(column(df, "age")[by_age])
        derived[by_age] = np.where(np.isnan(age), -1, np.where(age < AGE_SPLIT, _UNGE, _AELDRE))
    return np.where(given_blank, derived, given)


def effective_groups(df: pd.DataFrame) -> pd.Series:
    """The effective user group of every respondent (object Series of codes, None = unknown)."""
    return pd.Series(_GROUP_VALUES[group_codes(df)], index=df.index, dtype=object)


def check_group(group: str | None) -> None:
    """Raise TableError (Danish, listing the groups) for an unknown group code; None is fine."""
    if group is not None and group not in GROUPS:
        raise allowed("brugergruppe", group, GROUP_ORDER)


def check_site_type(site_type: str | None) -> None:
    """Raise TableError (Danish, listing the site types) for an unknown site type; None is fine."""
    if site_type is not None and site_type not in SITE_TYPES:
        raise allowed("stedtype", site_type, SITE_TYPES)


def population(df: pd.DataFrame, group: str | None = None, site_type: str | None = None) -> pd.DataFrame:
    """The respondents a table is computed on, with ``brugergruppe`` = the effective group.

    `group` (a code of `GROUPS`) keeps the respondents whose *effective* group it is;
    `site_type` (``boform``/``vaerested``) those of that type. Unknown codes raise
    `TableError`; None or "" means no filter. The input frame is not modified.
    """
    group, site_type = group or None, site_type or None
    check_group(group)
    check_site_type(site_type)
    codes = group_codes(df)
    out = df.assign(brugergruppe=pd.Series(_GROUP_VALUES[codes], index=df.index, dtype=object))
    mask = np.ones(len(df), dtype=bool)
    if group is not None:
        mask &= codes == GROUP_ORDER.index(group)
    if site_type is not None:
        mask &= eq(df, "site_type", site_type)
    return out if mask.all() else out.loc[mask]


def group_rows(df: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """(group code per respondent, row levels): GROUP_ORDER, then ``uoplyst`` if needed.

    Codes index the levels; ``i_alt`` is not a level (callers add it as the column sum).
    """
    g = group_codes(df)
    levels = list(GROUP_ORDER)
    missing = g < 0
    if missing.any():
        g = np.where(missing, len(levels), g)
        levels.append(UOPLYST)
    return g, levels


def keep_group(t: pd.DataFrame, group: str | None) -> pd.DataFrame:
    """With a group filter, a by-group table keeps only that group's row(s) and "I alt"."""
    if group is not None and "brugergruppe" in t.columns:
        return t[t["brugergruppe"].isin([group, I_ALT])].reset_index(drop=True)
    return t
