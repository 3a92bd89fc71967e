"""Matrix coding (issue 15): theme codes × any coded attribute of the respondents, the query NVivo
and MAXQDA call matrix coding, here with the guide's answers as the cases' attributes.

    brugerblik matrix KODE ATTRIBUT [--format md|csv] [--group …] [--site-type …] [--perspektiv …]

Rows: the code's sub-codes when it has any (a code group: «trivsel» → its themes), else the code
itself, then ``i_alt`` (every row's units, a unit with two of the rows' codes counted once). A row
takes the units — transcript segments and quotes — coded with its code or any code below it
(`coding.transcripts.coded_units`). Columns: every value of the attribute (any variable
`report.crosstab` can cross: ``select_one`` and ``select_multiple`` items, banded age;
``brugergruppe`` is the effective group), then ``ikke_besvaret`` (the respondent has no answer),
then ``i_alt``. Each cell: ``kodninger_<v>`` = the units of the row whose respondent holds v, and
``respondenter_<v>`` = how many different respondents they come from. A multiple-choice attribute
counts a unit once under every value its respondent holds.

The population is the report's: completed interviews (drafts with ``--med-kladder``), filtered as
every table is; a unit whose respondent is outside it (another group, a draft, a withdrawn
respondent) is not counted, and the Markdown note says how many were left out.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from report.crosstab import check_variable, members
from report.population import Cuts
from report.publication import I_ALT, IKKE_BESVARET, md_table, population_line, value_label
from report.tables import analysis_population, to_csv
from survey.guide import Guide

__all__ = ["matrix", "cell_units", "render_matrix"]

Unit = tuple[str, str, int, str]  # (row key, "segment" | "quote", unit id, respondent id)


def _membership(pop: pd.DataFrame, guide: Guide, attribute: str) -> tuple[list[object], np.ndarray, dict[str, int]]:
    """(the columns, respondent × column membership, respondent id -> row) of the attribute."""
    attribute = check_variable(guide, attribute)
    m, levels, answered = members(pop, guide, attribute)
    cols = [*levels, IKKE_BESVARET, I_ALT]
    member = np.column_stack([m, ~answered, np.ones(len(pop), dtype=bool)]) if len(pop) else \
        np.zeros((0, len(cols)), dtype=bool)
    at = {str(r): i for i, r in enumerate(pop["respondent_id"])} if "respondent_id" in pop.columns else {}
    return cols, member, at


def _cell(units: Sequence[Unit], key: str, j: int, member: np.ndarray, at: dict[str, int]) -> list[tuple[str, int, str]]:
    """The units of row `key` (``i_alt``: every row, each unit once) in column j: (kind, id, respondent)."""
    mine = {(u[1], u[2], u[3]) for u in units if u[3] in at and (key == I_ALT or u[0] == key)}
    return sorted((k, uid, rid) for k, uid, rid in mine if member[at[rid], j])


def cell_units(units: Sequence[Unit], pop: pd.DataFrame, guide: Guide, attribute: str, key: str,
               value: object) -> list[tuple[str, int, str]]:
    """The units one cell of `matrix` counts — row `key`, column `value` — as (kind, id, respondent):
    what the page opens when a researcher asks to read a cell."""
    cols, member, at = _membership(pop, guide, attribute)
    return _cell(units, key, cols.index(value), member, at)


def matrix(rows: Sequence[tuple[str, str]], units: Sequence[Unit], pop: pd.DataFrame, guide: Guide,
           attribute: str) -> pd.DataFrame:
    """The matrix (see the module doc): ``kode, navn, kodninger_<v>, respondenter_<v> …`` for every
    value v of `attribute`, ``ikke_besvaret`` and ``i_alt``; `rows` are (key, name) in order."""
    attribute = check_variable(guide, attribute)
    cols, member, at = _membership(pop, guide, attribute)
    inside = [u for u in units if u[3] in at]
    out_rows = []
    for key, name in [*rows, (I_ALT, "I alt")]:
        counts, people = [], []
        for j in range(len(cols)):
            hit = _cell(inside, key, j, member, at)
            counts.append(len(hit))
            people.append(len({rid for _, _, rid in hit}))
        out_rows.append([key, name, *[x for pair in zip(counts, people) for x in pair]])
    names = ["kode", "navn", *[f"{kind}_{v}" for v in cols for kind in ("kodninger", "respondenter")]]
    out = pd.DataFrame(out_rows, columns=names)
    for c in names[2:]:
        out[c] = out[c].astype(np.int64)
    out.attrs.update(attribut=attribute, kolonner=list(cols),
                     udenfor=len({(u[1], u[2]) for u in units}) - len({(u[1], u[2]) for u in inside}))
    return out


def render_matrix(rows: Sequence[tuple[str, str]], units: Sequence[Unit], wide: pd.DataFrame, guide: Guide,
                  attribute: str, fmt: str = "md", *, group: str | None = None, site_type: str | None = None,
                  cuts: Cuts | None = None, code_name: str = "") -> str:
    """`matrix` on the population (`group`, `site_type`, the `cuts`' filters) as CSV or Markdown."""
    pop, cuts = analysis_population(fmt, wide, group, site_type, cuts)
    t = matrix(rows, units, pop, guide, attribute)
    if fmt == "csv":
        return to_csv(t)
    cols = t.attrs["kolonner"]
    heads = ["Kode", *[value_label(guide, attribute, v) for v in cols]]
    body_rows = [[r["navn"], *[f"{r[f'kodninger_{v}']} ({r[f'respondenter_{v}']})" for v in cols]]
                 for _, r in t.iterrows()]
    label = guide.item(attribute).label if attribute in guide.items else attribute
    lines = [f"## Matrixkodning: {code_name or rows[0][1] if rows else ''} × {label}".replace("  ", " "), "",
             population_line(guide, group or None, site_type or None, len(pop), cuts=cuts.words()), "",
             md_table(heads, body_rows, [False] + [True] * len(cols)), "",
             "Hver celle: kodninger (respondenter). Kodninger = segmenter af transskriptioner og citater med "
             "rækkens kode eller en kode under den; respondenter = forskellige respondenter, de kommer fra. "
             "I alt-rækken tæller en kodning med flere af rækkernes koder én gang."]
    if t.attrs["udenfor"]:
        lines.append(f"{t.attrs['udenfor']} kodning(er) fra respondenter uden for populationen (andre filtre, "
                     "kladder eller trukket tilbage) er ikke talt med.")
    return "\n".join(lines) + "\n"
