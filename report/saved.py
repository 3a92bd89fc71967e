"""Saved analyses (issue 14): a crosstab or a quality map for any population that a researcher names
and keeps with the study. ``brugerblik table mine:NAVN`` prints it, the workbook has a sheet for
each, the Rapport page saves, lists and deletes them.

An analysis is its definition, never its numbers: the kind (``krydstabel`` with rows `a` and
columns `b`; ``kvalitetskort``, one map or — with a grouping — one per group), and the population
(user group, site type and the cuts: arbejdsmarkedsperspektiv, site, interviewer). It is computed
anew from the store each time, so it follows corrections and counts what the report counts
(completed interviews unless drafts are asked for).

Names: 1–25 characters, letters (æ, ø, å too), digits, space, ``-`` and ``_``; one analysis per
name whatever the case. The service owns its transactions; pages and the CLI only call it.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from report import quality_map
from report.crosstab import crosstab, render_crosstab
from report.errors import TableError
from report.population import NO_CUTS, Cuts, check_group, check_site_type, keep_group, population
from report.publication import DEFAULT_MIN_N, population_line
from report.registry import BY_WORDS, SAVED_PREFIX as PREFIX, saved_id  # noqa: F401 — re-exported
from report.registry import render as render_table
from survey import auth
from survey.db import session_scope
from survey.guide import Guide
from survey.models import SavedAnalysis, utcnow

__all__ = ["KINDS", "PREFIX", "NAME_MAX", "AnalysisError", "Analysis", "check_name", "save", "all_analyses",
           "get", "delete", "population_of", "population_text", "compute", "render", "saved_id"]

KINDS: dict[str, str] = {"krydstabel": "Krydstabel", "kvalitetskort": "Kvalitetskort"}
NAME_MAX = 25  # a workbook sheet is «Mine <name>»: Excel allows 31 characters
_NAME_RE = re.compile(rf"[0-9A-Za-zÆØÅæøåÄÖÜäöüÉé _-]{{1,{NAME_MAX}}}")
_SPEC_KEYS = ("a", "b", "gruppe", "stedtype", "perspektiv", "sted", "interviewer", "efter")


class AnalysisError(TableError):
    """A saved analysis that cannot be saved, found or read (Danish message)."""


@dataclass(frozen=True)
class Analysis:
    """One saved analysis: its name, kind and definition (see the module doc)."""
    name: str
    kind: str
    a: str | None = None
    b: str | None = None
    group: str | None = None
    site_type: str | None = None
    cuts: Cuts = NO_CUTS
    created_by: str | None = None
    created_at: dt.datetime | None = None

    def spec(self) -> dict[str, str | None]:
        c = self.cuts
        return {"a": self.a, "b": self.b, "gruppe": self.group, "stedtype": self.site_type,
                "perspektiv": c.perspektiv, "sted": c.site, "interviewer": c.interviewer, "efter": c.by}

    def describe(self, guide: Guide) -> str:
        """«Krydstabel: Forsørgelse × Arbejdsmarked» / «Kvalitetskort efter sted» (Danish)."""
        if self.kind == "krydstabel":
            return f"Krydstabel: {_label(guide, self.a)} × {_label(guide, self.b)}"
        return "Kvalitetskort" + (f" efter {BY_WORDS[self.cuts.by]}" if self.cuts.by else "")


def _label(guide: Guide, code: str | None) -> str:
    return guide.item(code).label if code and code in guide.items else str(code)


def folded(name: str) -> str:
    """The name as it is compared: case and spaces folded."""
    return " ".join(name.split()).casefold()


def check_name(name: object) -> str:
    """The name, trimmed with single spaces; else AnalysisError saying what a name may hold."""
    text = " ".join(str(name or "").split())
    if not _NAME_RE.fullmatch(text):
        what = "intet" if not text else (f"{len(text)} tegn" if len(text) > NAME_MAX else "andre tegn")
        raise AnalysisError(f"Navnet på en analyse skal være 1–{NAME_MAX} tegn: bogstaver, tal, mellemrum, - og _ "
                            f"(fik {what}).")
    return text


def _validate(guide: Guide, kind: str, a: str | None, b: str | None, group: str | None, site_type: str | None,
              cuts: Cuts) -> None:
    if kind not in KINDS:
        raise AnalysisError(f"Ukendt slags analyse {str(kind)[:20]!r} — tilladt: {', '.join(KINDS)}.")
    check_group(group)
    check_site_type(site_type)
    if kind == "krydstabel":
        if cuts.by is not None:
            raise AnalysisError("En krydstabel har sine egne rækker; gruppering (efter) gælder kvalitetskort.")
        crosstab(pd.DataFrame(columns=list(guide.codes)), guide, a, b)  # the variables: TableError if not
    elif a or b:
        raise AnalysisError("Et kvalitetskort har ingen rækker og kolonner (a og b); brug en gruppering (efter).")


def save(engine: Engine, guide: Guide, name: str, kind: str, *, a: str | None = None, b: str | None = None,
         group: str | None = None, site_type: str | None = None, cuts: Cuts | None = None,
         who: str | None = None, principal=None, replace: bool = False,
         wide: pd.DataFrame | None = None) -> Analysis:
    """Save an analysis under `name` (one transaction). An existing name is refused unless `replace`.
    With `principal` the role must allow ``analysis.save``. With `wide` (the study's users, as the
    report counts them) the population is checked first: a site or interviewer the study does not
    have is refused, not saved. Raises AnalysisError / TableError (Danish)."""
    if principal is not None:
        auth.require(principal, "analysis.save")
        who = principal.username or who
    name = check_name(name)
    group, site_type, cuts = group or None, site_type or None, cuts or NO_CUTS
    _validate(guide, kind, a, b, group, site_type, cuts)
    if wide is not None:
        population(wide, group, site_type, cuts)  # TableError naming what is allowed
    out = Analysis(name, kind, a if kind == "krydstabel" else None, b if kind == "krydstabel" else None,
                   group, site_type, cuts, who, utcnow())
    spec = json.dumps(out.spec(), ensure_ascii=False, sort_keys=True)
    try:
        with session_scope(engine) as s:
            row = s.execute(select(SavedAnalysis).where(SavedAnalysis.key == folded(name))).scalars().first()
            if row is not None and not replace:
                raise AnalysisError(f"Der findes allerede en analyse med navnet «{row.name}»; vælg et andet navn "
                                    "eller erstat den.")
            if row is None:
                row = SavedAnalysis(name=name, key=folded(name), kind=kind, spec=spec)
                s.add(row)
            row.name, row.kind, row.spec, row.created_by, row.created_at = name, kind, spec, who, out.created_at
    except IntegrityError:  # the same name saved at the same moment elsewhere
        raise AnalysisError(f"Der findes allerede en analyse med navnet «{name}».") from None
    return out


def _from_row(row: SavedAnalysis) -> Analysis:
    try:
        spec = json.loads(row.spec)
        if not isinstance(spec, dict) or set(spec) - set(_SPEC_KEYS) or row.kind not in KINDS:
            raise ValueError
        vals = {k: (str(spec[k]) if spec.get(k) not in (None, "") else None) for k in _SPEC_KEYS}
        cuts = Cuts(perspektiv=vals["perspektiv"], site=vals["sted"], interviewer=vals["interviewer"],
                    by=vals["efter"])
    except (ValueError, TypeError, TableError):
        raise AnalysisError(f"Den gemte analyse «{row.name}» kan ikke læses; slet den og gem den igen.") from None
    return Analysis(row.name, row.kind, vals["a"], vals["b"], vals["gruppe"], vals["stedtype"], cuts,
                    row.created_by, row.created_at)


def all_analyses(engine: Engine) -> list[Analysis]:
    """Every saved analysis, by name (one that cannot be read is left out here and refused by `get`)."""
    out = []
    with session_scope(engine) as s:
        for row in s.execute(select(SavedAnalysis).order_by(SavedAnalysis.key)).scalars():
            try:
                out.append(_from_row(row))
            except AnalysisError:
                continue
    return out


def _row(s, name: str) -> SavedAnalysis:
    """The row of the analysis called `name` (any case); else AnalysisError listing the saved names."""
    row = s.execute(select(SavedAnalysis).where(SavedAnalysis.key == folded(str(name or "")))).scalars().first()
    if row is None:
        names = list(s.execute(select(SavedAnalysis.name).order_by(SavedAnalysis.key)).scalars())
        have = f"gemte: {', '.join(names)}" if names else "der er ingen gemte analyser endnu"
        raise AnalysisError(f"Ingen gemt analyse hedder «{str(name)[:NAME_MAX]}» — {have}.")
    return row


def get(engine: Engine, name: str) -> Analysis:
    """The analysis called `name` (any case); else AnalysisError listing the saved names."""
    with session_scope(engine) as s:
        return _from_row(_row(s, name))


def delete(engine: Engine, name: str, *, principal=None) -> None:
    """Delete the analysis called `name`, also one that cannot be read (AnalysisError when there is none)."""
    if principal is not None:
        auth.require(principal, "analysis.save")
    with session_scope(engine) as s:
        s.delete(_row(s, name))


def population_of(analysis: Analysis, wide: pd.DataFrame) -> pd.DataFrame:
    """The analysis's own population of the wide frame (TableError for a site or interviewer the
    study no longer has)."""
    return population(wide, analysis.group, analysis.site_type, analysis.cuts)


def compute(analysis: Analysis, wide: pd.DataFrame, guide: Guide, *, min_n: int = DEFAULT_MIN_N,
            pop: pd.DataFrame | None = None) -> pd.DataFrame:
    """The analysis's table on its population (`pop`: that population as given, e.g. with the
    interviewers pseudonymised for publication): `report.crosstab.crosstab`, or the quality map
    (`quality_map.kvalitetskort`, or `kvalitetskort_by` with a grouping)."""
    pop = population_of(analysis, wide) if pop is None else pop
    if analysis.kind == "krydstabel":
        return crosstab(pop, guide, analysis.a, analysis.b)
    if analysis.cuts.by:  # one group by user group: that group's map and I alt, as `brugerblik table` shows it
        return keep_group(quality_map.kvalitetskort_by(pop, guide, analysis.cuts.by, min_n=min_n), analysis.group)
    return quality_map.kvalitetskort(pop, guide, min_n=min_n)


def render(analysis: Analysis, wide: pd.DataFrame, guide: Guide, fmt: str = "md", *, publish: bool = False,
           min_n: int = DEFAULT_MIN_N, study: dict[str, dict[object, str]] | None = None) -> str:
    """``brugerblik table mine:NAVN``: the analysis as CSV, or as Markdown under its name; `publish`: as
    the crosstab and the quality map publish (`report.publication`), an interviewer by the study's
    pseudonym `study` (`report.data.ReportData.pseudonyms`)."""
    if analysis.kind == "krydstabel":
        text = render_crosstab(wide, guide, analysis.a, analysis.b, fmt=fmt, group=analysis.group,
                               site_type=analysis.site_type, cuts=analysis.cuts, publish=publish, min_n=min_n,
                               study=study)
    else:
        text = render_table("kvalitetskort", wide, guide, fmt, group=analysis.group, site_type=analysis.site_type,
                            cuts=analysis.cuts, publish=publish, min_n=min_n, study=study)
    if fmt == "csv":
        return text
    if publish:  # the name and the researcher's are the team's words (a name given after an interviewer
        return f"# Gemt analyse: {analysis.describe(guide)}\n\n{text}"  # would decode the pseudonyms)
    who = f", gemt af {analysis.created_by}" if analysis.created_by else ""
    return f"# Gemt analyse «{analysis.name}»{who}\n\n{text}"


def population_text(analysis: Analysis, guide: Guide, n: int, hide_below: int | None = None,
                    names: dict[str, dict[object, str]] | None = None) -> str:
    """The analysis's population line («Population: …, n = 5.»); `hide_below` (publication: min_n): a
    small population says «n under 5»; `names` (publication, `report.population.pseudonyms`): an
    interviewer filter by its pseudonym."""
    return population_line(guide, analysis.group, analysis.site_type, n,
                           cuts=analysis.cuts.renamed(names or {}).words(), hide_below=hide_below)
