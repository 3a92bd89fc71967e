"""Saturation (issue 15): new codes per interview in interview order, and whether more interviews
would add anything, by the method of Guest, Namey & Chen (2020), "A simple method to assess and
report thematic saturation in qualitative research", PLOS ONE 15(5): e0232076.

    brugerblik maetning [--basis 4] [--forloeb 2] [--taerskel 5] [--format md|csv] [--figur FIL]

The rule (docs/method.md, «Mætning»)
------------------------------------
* The interviews are the population's coded interviews — completed user interviews (drafts with
  ``--med-kladder``), filtered as every table is, that have at least one coding (a transcript
  segment or a quote) — in the order they were held: interview date, then respondent id (an
  interview without a date last). An interview not yet coded is left out and counted in the note:
  it would otherwise look like "nothing new".
* An interview's codes are the codes applied to its segments and quotes, as applied (a code
  group counts only where it was applied itself). *New* codes: those no earlier interview had.
* **Base size** b (default 4): the first b interviews; the *base* is the number of different
  codes in them. **Run length** r (default 2): a run is r consecutive interviews after the base,
  starting at every interview b + 1, b + 2, … for which a whole run is left. **New information
  threshold** t (default 5 %): a run's new information is the number of new codes in it
  divided by the base.
* **Saturation** is reached at interview k − 1 when the run starting at interview k is the
  first whose new information is at most t: the run confirms that the interviews after k − 1
  added (almost) nothing. Guest et al. report it as "saturation at k − 1 (base b, run r,
  ≤ t new information)"; so does the note. No such run: saturation is not shown to be reached.

`saturation` gives one row per interview (``nr, respondent_id, interview_date, koder,
nye_koder, kumulativt``) and one row per run (``attrs["forloeb"]``: ``fra, til, nye_koder,
ny_information, opfyldt``); `attrs` also hold ``basis``, ``basis_koder``, ``maetning_ved``
(the interview number, or None), ``ukodede`` and the settings. `figure_saturation` draws the
curve (cumulative codes, new codes per interview, the saturation point).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import pandas as pd

from report.errors import TableError
from report.population import Cuts
from report.publication import figure_text, md_table, pct, population_line
from report.tables import analysis_population, to_csv
from survey.guide import Guide

__all__ = ["Settings", "DEFAULT", "saturation", "render_saturation", "figure_saturation", "note"]

Unit = tuple[str, str, int, str]  # (code key, "segment" | "quote", unit id, respondent id)
COLUMNS = ["nr", "respondent_id", "interview_date", "koder", "nye_koder", "kumulativt"]
RUN_COLUMNS = ["fra", "til", "nye_koder", "ny_information", "opfyldt"]


@dataclass(frozen=True)
class Settings:
    """Base size, run length and new-information threshold (a share, 0.05 = 5 %)."""
    basis: int = 4
    forloeb: int = 2
    taerskel: float = 0.05

    def check(self) -> "Settings":
        if not 1 <= self.basis <= 1000:
            raise TableError(f"Basisstørrelsen skal være et helt tal fra 1 til 1000 (fik {self.basis}).")
        if not 1 <= self.forloeb <= 1000:
            raise TableError(f"Forløbets længde skal være et helt tal fra 1 til 1000 (fik {self.forloeb}).")
        if not 0 <= self.taerskel <= 1:
            raise TableError(f"Tærsklen for ny information skal være fra 0 til 100 % (fik {self.taerskel * 100:g} %).")
        return self

    def words(self) -> str:
        return f"basis {self.basis}, forløb {self.forloeb}, ≤ {self.taerskel * 100:g} % ny information"


DEFAULT = Settings()


def _order(pop: pd.DataFrame, coded: set[str]) -> list[tuple[str, object]]:
    """(respondent id, interview date) of the population's coded interviews, in interview order."""
    if "respondent_id" not in pop.columns:
        return []
    dates = pop["interview_date"] if "interview_date" in pop.columns else pd.Series([None] * len(pop), index=pop.index)
    rows = []
    for rid, d in zip(pop["respondent_id"], dates):
        rid = str(rid)
        if rid in coded:
            day = None if d is None or (isinstance(d, float) and pd.isna(d)) or d is pd.NaT else pd.Timestamp(d).date()
            rows.append((rid, day))
    return sorted(rows, key=lambda r: (r[1] is None, r[1] or pd.Timestamp.min.date(), r[0]))


def saturation(units: Sequence[Unit], pop: pd.DataFrame, settings: Settings = DEFAULT) -> pd.DataFrame:
    """The saturation table of the population's coded interviews (see the module doc)."""
    settings = settings.check()
    at = {str(r) for r in pop["respondent_id"]} if "respondent_id" in pop.columns else set()
    codes_of: dict[str, set[str]] = {}
    for key, _kind, _uid, rid in units:
        if rid in at:
            codes_of.setdefault(rid, set()).add(key)
    order = _order(pop, set(codes_of))
    seen: set[str] = set()
    rows, new_at = [], []
    for i, (rid, day) in enumerate(order, start=1):
        mine = codes_of[rid]
        new = mine - seen
        seen |= mine
        new_at.append(len(new))
        rows.append([i, rid, day, len(mine), len(new), len(seen)])
    out = pd.DataFrame(rows, columns=COLUMNS)
    b, r = settings.basis, settings.forloeb
    base = rows[b - 1][5] if len(rows) >= b else None
    runs, point = [], None
    if base:
        for k in range(b + 1, len(rows) - r + 2):  # a run k .. k + r - 1 that is whole
            new = sum(new_at[k - 1:k - 1 + r])
            share = new / base
            met = share <= settings.taerskel + 1e-12
            runs.append([k, k + r - 1, new, share, met])
            if met and point is None:
                point = k - 1
    out.attrs.update(forloeb=pd.DataFrame(runs, columns=RUN_COLUMNS), basis=base, maetning_ved=point,
                     ukodede=len(at) - len(order), indstillinger=settings, interviews=len(order))
    return out


def note(t: pd.DataFrame) -> str:
    """The conclusion in Danish, with the settings (Guest et al.'s way of reporting it)."""
    st: Settings = t.attrs["indstillinger"]
    n, base, point = t.attrs["interviews"], t.attrs["basis"], t.attrs["maetning_ved"]
    if n < st.basis:
        return (f"For få kodede interview til at vurdere mætning: {n}, basis kræver {st.basis} "
                f"og et helt forløb {st.basis + st.forloeb}.")
    if not base:
        return f"De første {st.basis} interview har ingen koder; mætning kan ikke vurderes."
    if point is None:
        if n < st.basis + st.forloeb:
            return (f"Basis: {base} koder i de første {st.basis} interview. Der er endnu ikke et helt forløb "
                    f"på {st.forloeb} interview efter basis ({n} kodede interview).")
        return (f"Mætning er ikke nået ({st.words()}): hvert forløb efter basis ({base} koder i de første "
                f"{st.basis} interview) bragte mere ny information end tærsklen. Flere interview kan tilføje nyt.")
    run = t.attrs["forloeb"]
    first = run[run["opfyldt"]].iloc[0]
    return (f"Mætning nået ved interview {point} ({st.words()}): interview {int(first['fra'])}–"
            f"{int(first['til'])} tilføjede {int(first['nye_koder'])} nye koder = "
            f"{pct(first['ny_information'], 1)} af basis ({base} koder i de første {st.basis} interview).")


def render_saturation(units: Sequence[Unit], wide: pd.DataFrame, guide: Guide, fmt: str = "md",
                      settings: Settings = DEFAULT, *, group: str | None = None, site_type: str | None = None,
                      cuts: Cuts | None = None) -> str:
    """`saturation` on the population as CSV (the interviews) or Markdown (both tables and the note)."""
    pop, cuts = analysis_population(fmt, wide, group, site_type, cuts)
    t = saturation(units, pop, settings)
    if fmt == "csv":
        return to_csv(t)
    lines = ["## Mætning: nye koder pr. interview", "",
             population_line(guide, group or None, site_type or None, len(pop), cuts=cuts.words()), ""]
    body = [[r.nr, r.respondent_id, r.interview_date or "", r.koder, r.nye_koder, r.kumulativt]
            for r in t.itertuples()]
    lines += [md_table(["Nr.", "Respondent", "Dato", "Koder", "Nye koder", "Koder i alt"], body,
                       [True, False, False, True, True, True]), ""]
    runs = t.attrs["forloeb"]
    if len(runs):
        lines += [md_table(["Forløb", "Nye koder", "Ny information", "Under tærsklen"],
                           [[f"{int(r.fra)}–{int(r.til)}", int(r.nye_koder), pct(r.ny_information, 1),
                             "ja" if r.opfyldt else "nej"] for r in runs.itertuples()],
                           [False, True, True, False]), ""]
    lines.append(note(t))
    if t.attrs["ukodede"]:
        lines.append(f"{t.attrs['ukodede']} interview i populationen er endnu ikke kodet og indgår ikke.")
    lines.append("Metode: Guest, Namey & Chen (2020), PLOS ONE 15(5): e0232076.")
    return "\n".join(lines) + "\n"


def figure_saturation(t: pd.DataFrame):
    """The saturation curve (Plotly): codes found so far and new codes per interview, the base and
    the saturation point marked."""
    import plotly.graph_objects as go  # only the figure needs Plotly (start-up time)

    st: Settings = t.attrs["indstillinger"]
    fig = go.Figure()
    fig.add_bar(x=t["nr"], y=t["nye_koder"], name="Nye koder", marker_color="#8fb3d9",
                hovertemplate="Interview %{x}: %{y} nye koder<extra></extra>")
    fig.add_scatter(x=t["nr"], y=t["kumulativt"], mode="lines+markers", name="Koder i alt", line_color="#1f4e79",
                    hovertemplate="Interview %{x}: %{y} koder i alt<extra></extra>")
    if len(t) >= st.basis:
        fig.add_vrect(x0=0.5, x1=st.basis + 0.5, fillcolor="#dddddd", opacity=0.35, line_width=0,
                      annotation_text="Basis", annotation_position="top left")
    point = t.attrs["maetning_ved"]
    if point is not None:
        fig.add_vline(x=point, line_dash="dash", line_color="#b03a2e",
                      annotation_text=f"Mætning ved interview {point}", annotation_position="top right")
    fig.update_layout(title=figure_text(f"Mætning ({st.words()})"), xaxis_title="Interview (i rækkefølge)",
                      yaxis_title="Koder", legend=dict(orientation="h", y=-0.2), margin=dict(t=60, b=80),
                      separators=",.",  # Danish decimal comma on the axes and in the hover
                      meta={"figure": "maetning", "maetning_ved": point})
    fig.update_xaxes(dtick=1 if len(t) <= 30 else None)
    return fig
