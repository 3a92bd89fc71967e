"""Who a table is computed on: the *effective* user group of every respondent, the population
filter (user group, site type and the report's other cuts: arbejdsmarkedsperspektiv, site,
interviewer) and the grouping of every table "by group" (`BY`).

The effective group is the researcher's ``brugergruppe`` if given, else the default rule on
``arketype`` and ``age`` (`archetypes.effective_group`, vectorised here). Respondents with no
effective group (no archetype, or ``eks_misbruger`` with no age) are ``uoplyst``. Every table "by
group" uses the effective group; `group_rows` gives the report's row order (``GROUP_ORDER``, then
``uoplyst`` when non-zero) and `keep_group` limits a by-group table to one group and «I alt».
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from archetypes.model import GROUP_ORDER, GROUPS
from archetypes.rule import AGE_SPLIT, RULE
from report.counting import column, eq, equals, factor, numbers
from report.errors import TableError, allowed
from report.publication import I_ALT, IKKE_BESVARET, UOPLYST
from survey.guide import Guide
from survey.pseudonyms import numbered, numbers_of

__all__ = ["SITE_TYPES", "PERSPEKTIV", "BY", "Cuts", "group_codes", "effective_groups", "check_group",
           "check_site_type", "check_by", "population", "group_rows", "row_column", "keep_group", "by_name", "pseudonyms", "pseudonymised", "published_population"]

SITE_TYPES: tuple[str, ...] = ("boform", "vaerested")
#: the report's second grouping (instrument.md §5): ``arbejdsmarkedsperspektiv``
PERSPEKTIV: tuple[str, ...] = ("reelt", "ikke_reelt")
#: the groupings of a table "by group" (CLI --efter, the Rapport page) -> the wide frame's column
BY: dict[str, str] = {"brugergruppe": "brugergruppe", "perspektiv": "arbejdsmarkedsperspektiv",
                      "sted": "site", "interviewer": "interviewer"}


@dataclass(frozen=True)
class Cuts:
    """The report's cuts beside user group and site type (issue 14): a population filter on
    arbejdsmarkedsperspektiv (`perspektiv`: reelt | ikke_reelt), one site (`site`, its name) or one
    interviewer (`interviewer`, the code the interview was recorded under), and the grouping `by`
    (a key of `BY`) of every table "by group" (None: each table's own rows — by user group). The
    default cuts nothing."""
    perspektiv: str | None = None
    site: str | None = None
    interviewer: str | None = None
    by: str | None = None

    def __post_init__(self) -> None:
        for name in ("perspektiv", "site", "interviewer"):
            v = getattr(self, name)
            object.__setattr__(self, name, (str(v).strip() or None) if v is not None else None)
        object.__setattr__(self, "by", (str(self.by).strip().lower() or None) if self.by else None)
        if self.perspektiv is not None and self.perspektiv not in PERSPEKTIV:
            raise allowed("arbejdsmarkedsperspektiv", self.perspektiv, PERSPEKTIV)
        if self.by is not None:
            check_by(self.by)

    @property
    def filters(self) -> bool:
        """True when the cuts filter the population (a grouping alone does not)."""
        return any((self.perspektiv, self.site, self.interviewer))

    def words(self) -> list[str]:
        """The filters as the population line names them: «arbejdsmarkedsperspektiv reelt», «sted Basen»."""
        out = []
        if self.perspektiv:
            out.append(f"arbejdsmarkedsperspektiv {'reelt' if self.perspektiv == 'reelt' else 'ikke reelt'}")
        if self.site:
            out.append(f"sted {self.site}")
        if self.interviewer:
            out.append(f"interviewer {self.interviewer}")
        return out

    def renamed(self, names: dict[str, dict[object, str]]) -> "Cuts":
        """The cuts as a published output names them: an interviewer filter by its pseudonym (`pseudonyms`)."""
        if not self.interviewer:
            return self
        return replace(self, interviewer=names.get("interviewer", {}).get(self.interviewer, self.interviewer))


def check_by(by: str | None) -> str:
    """The grouping `by` if it is one of `BY` (None: brugergruppe); else TableError listing them."""
    if by is None:
        return "brugergruppe"
    if by not in BY:
        raise allowed("gruppering", by, list(BY))
    return by


NO_CUTS = Cuts()
#: the row codes a table keeps for itself
RESERVED = frozenset({I_ALT, UOPLYST, IKKE_BESVARET})


def row_column(by: str | None = "brugergruppe") -> str:
    """The first column of a table grouped `by` (the wide frame's code: brugergruppe,
    arbejdsmarkedsperspektiv, site, interviewer)."""
    return BY[check_by(by)]

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


def by_name(text: object) -> tuple:
    """The sort key of a site's or an interviewer's name: case-insensitive, numbers as numbers
    («Interviewer 2» before «Interviewer 10»)."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", str(text).casefold()) if p)


def _check_present(df: pd.DataFrame, code: str, value: str, word: str) -> None:
    """A site or interviewer filter names one the study has (else TableError listing the sites it has;
    never the interviewers' names: they are personal data, and a message can end up in a log or beside
    a published file)."""
    seen = sorted({str(v) for v in column(df, code).tolist() if isinstance(v, str) and v.strip()}, key=by_name)
    if value in seen:
        return
    if code == "interviewer":
        raise TableError(f"Ukendt interviewer — undersøgelsen har {len(seen)} interviewer(e); se dem i feltet "
                         "«Interviewer» på siden Rapport eller med brugerblik table 3.2 --efter interviewer.")
    raise allowed(word, value, seen)


def population(df: pd.DataFrame, group: str | None = None, site_type: str | None = None,
               cuts: Cuts | None = None) -> pd.DataFrame:
    """The respondents a table is computed on, with ``brugergruppe`` = the effective group.

    `group` (a code of `GROUPS`) keeps the respondents whose *effective* group it is;
    `site_type` (``boform``/``vaerested``) those of that type; `cuts` those with that
    arbejdsmarkedsperspektiv, at that site, interviewed by that interviewer. Unknown codes raise
    `TableError` (a site or interviewer the study does not have too); None or "" means no filter.
    The input frame is not modified.
    """
    group, site_type, cuts = group or None, site_type or None, cuts or NO_CUTS
    check_group(group)
    check_site_type(site_type)
    codes = group_codes(df)
    out = df.assign(brugergruppe=pd.Series(_GROUP_VALUES[codes], index=df.index, dtype=object))
    mask = np.ones(len(df), dtype=bool)
    if group is not None:
        mask &= codes == GROUP_ORDER.index(group)
    if site_type is not None:
        mask &= eq(df, "site_type", site_type)
    if cuts.perspektiv is not None:
        mask &= eq(df, "arbejdsmarkedsperspektiv", cuts.perspektiv)
    if cuts.site is not None:
        _check_present(df, "site", cuts.site, "sted")
        mask &= eq(df, "site", cuts.site)
    if cuts.interviewer is not None:
        _check_present(df, "interviewer", cuts.interviewer, "interviewer")
        mask &= eq(df, "interviewer", cuts.interviewer)
    return out if mask.all() else out.loc[mask]


def group_rows(df: pd.DataFrame, by: str | None = "brugergruppe") -> tuple[np.ndarray, list[str]]:
    """(row code per respondent, row levels) of a table grouped `by` (a key of `BY`):

    * brugergruppe — the effective group: GROUP_ORDER;
    * perspektiv — ``reelt``, ``ikke_reelt``;
    * sted, interviewer — every value the population has, by name (`by_name`: «Interviewer 2» before
      «Interviewer 10»);

    then ``uoplyst`` when some respondent has none. Codes index the levels; ``i_alt`` is not a level
    (callers add it as the column sum).
    """
    by = check_by(by)
    if by != "brugergruppe":
        g, levels = factor(column(df, BY[by]), PERSPEKTIV if by == "perspektiv" else (), extra=by != "perspektiv")
        if by != "perspektiv":  # names, case-insensitively
            order = sorted(range(len(levels)), key=lambda i: by_name(levels[i]))
            rank = np.empty(len(order) + 1, dtype=np.int64)
            rank[order] = np.arange(len(order))
            rank[-1] = -1
            g = rank[g]
            # a site or interviewer called like a reserved row (i_alt, uoplyst, ikke_besvaret) keeps its
            # own row: it is shown with what it is in brackets, never merged into the total
            levels = [f"{levels[i]} ({'sted' if by == 'sted' else 'interviewer'})" if levels[i] in RESERVED
                      else levels[i] for i in order]
    else:
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


def pseudonyms(wide: pd.DataFrame, guide: Guide, study: dict[str, dict[object, str]] | None = None
               ) -> dict[str, dict[object, str]]:
    """For each direct identifier of the guide (marked ``ja``: the interviewer), its value -> the
    pseudonym every published output gives it («Interviewer 2»): the study's numbering `study`
    (`report.data.ReportData.pseudonyms`: by each person's first interview in the store,
    `survey.pseudonyms`), whatever the population, the cuts and the drafts option — the workbook, its
    Data sheet, the CLI's ``--publish``, the figures, the Rapport page and the exports give one person
    one number. Without `study` (a frame with no store behind it) `wide`'s rows are numbered in order."""
    return numbered(guide, study and numbers_of(study), wide)


def pseudonymised(df: pd.DataFrame, names: dict[str, dict[object, str]]) -> pd.DataFrame:
    """`df` with each direct identifier (the interviewer) as its pseudonym (`pseudonyms`): rows by
    interviewer are then named and ordered by the pseudonyms («Interviewer 1, 2 …»), not by the real
    names — an order that would tell a reader who knows the team who is who."""
    for code, known in names.items():
        if code in df.columns and known:
            df = df.assign(**{code: [known.get(v, v) for v in df[code]]})
    return df


def published_population(wide: pd.DataFrame, pop: pd.DataFrame, guide: Guide, cuts: Cuts | None = None,
                         study: dict[str, dict[object, str]] | None = None) -> tuple[pd.DataFrame, Cuts]:
    """A population and its cuts as a published output shows them: no interviewer named, each by the
    study's pseudonym (`pseudonyms`; `study` from the store) — in rows by interviewer, in their order
    and in the population line of an interviewer filter."""
    names = pseudonyms(wide, guide, study)
    return pseudonymised(pop, names), (cuts or NO_CUTS).renamed(names)
