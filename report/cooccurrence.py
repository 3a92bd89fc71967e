"""Code co-occurrence (issue 15): which codes occur together, as a table and a network graph.

    brugerblik samforekomst [--niveau segment|respondent] [--mindst N] [--format md|csv] [--figur FIL]

The rule (docs/method.md, «Samforekomst»)
-----------------------------------------
* The codings are the population's — completed user interviews (drafts with ``--med-kladder``),
  filtered as every table is — codes as applied to transcript segments and quotes (a code group
  counts only where it was applied itself).
* ``segment`` (default): two codes co-occur in a unit (a segment or a quote) that carries both;
  the count is the number of such units. ``respondent``: two codes co-occur in a respondent who
  has both, in any of their units; the count is the number of such respondents.
* Each code's own count (``forekomster``) is its units (or respondents) on the same level, so a
  pair can be read against both codes: ``andel_af_a`` = pair / code a's count (how often a comes
  with b), likewise ``andel_af_b``.
* Rows: every pair with a count of at least `min_count` (default 1), most frequent first, then by
  the codebook's order. The network graph draws the codes as nodes (size: their count) and the
  pairs as edges (width: the pair's count); its layout is networkx's spring layout with a fixed
  seed, so the same data always gives the same picture.
"""
from __future__ import annotations

from collections import Counter
from itertools import combinations
from typing import Sequence

import pandas as pd

from report.errors import TableError, allowed
from report.population import Cuts
from report.publication import figure_text, md_table, population_line
from report.tables import analysis_population, to_csv
from survey.guide import Guide

__all__ = ["LEVELS", "cooccurrence", "render_cooccurrence", "figure_cooccurrence"]

Unit = tuple[str, str, int, str]  # (code key, "segment" | "quote", unit id, respondent id)
LEVELS = {"segment": "samme segment eller citat", "respondent": "samme respondent"}
COLUMNS = ["kode_a", "navn_a", "kode_b", "navn_b", "antal", "andel_af_a", "andel_af_b"]


def cooccurrence(codes: Sequence[tuple[str, str]], units: Sequence[Unit], pop: pd.DataFrame, *,
                 level: str = "segment", min_count: int = 1) -> pd.DataFrame:
    """The pairs (see the module doc); `codes` are (key, name) in the codebook's order.
    `attrs["forekomster"]`: each code's own count; `attrs["enheder"]`: units (or respondents)
    with at least one code."""
    if level not in LEVELS:
        raise allowed("niveau", level, list(LEVELS))
    if not isinstance(min_count, int) or min_count < 1:
        raise TableError(f"Mindste antal skal være et helt tal på mindst 1 (fik {min_count!r}).")
    at = {str(r) for r in pop["respondent_id"]} if "respondent_id" in pop.columns else set()
    order = {k: i for i, (k, _) in enumerate(codes)}
    names = dict(codes)
    groups: dict[object, set[str]] = {}
    for key, kind, uid, rid in units:
        if rid in at and key in order:
            groups.setdefault((kind, uid) if level == "segment" else rid, set()).add(key)
    own = Counter(k for ks in groups.values() for k in ks)
    pairs: Counter = Counter()
    for ks in groups.values():
        for a, b in combinations(sorted(ks, key=order.__getitem__), 2):
            pairs[(a, b)] += 1
    rows = [[a, names[a], b, names[b], n, n / own[a], n / own[b]]
            for (a, b), n in pairs.items() if n >= min_count]
    rows.sort(key=lambda r: (-r[4], order[r[0]], order[r[2]]))
    out = pd.DataFrame(rows, columns=COLUMNS)
    out.attrs.update(niveau=level, forekomster={k: own[k] for k, _ in codes if own[k]}, enheder=len(groups),
                     navne=names, mindst=min_count)
    return out


def render_cooccurrence(codes: Sequence[tuple[str, str]], units: Sequence[Unit], wide: pd.DataFrame, guide: Guide,
                        fmt: str = "md", *, level: str = "segment", min_count: int = 1, group: str | None = None,
                        site_type: str | None = None, cuts: Cuts | None = None) -> str:
    """`cooccurrence` on the population as CSV or Markdown."""
    pop, cuts = analysis_population(fmt, wide, group, site_type, cuts)
    t = cooccurrence(codes, units, pop, level=level, min_count=min_count)
    if fmt == "csv":
        return to_csv(t)
    unit = "segmenter og citater" if level == "segment" else "respondenter"
    lines = [f"## Samforekomst af koder ({LEVELS[level]})", "",
             population_line(guide, group or None, site_type or None, len(pop), cuts=cuts.words()), ""]
    if t.empty:
        lines.append(f"Ingen to koder forekommer sammen i {unit}"
                     + (f" mindst {min_count} gange." if min_count > 1 else "."))
    else:
        own = t.attrs["forekomster"]
        body = [[r.navn_a, r.navn_b, r.antal, f"{r.andel_af_a * 100:.0f} % af {own[r.kode_a]}",
                 f"{r.andel_af_b * 100:.0f} % af {own[r.kode_b]}"] for r in t.itertuples()]
        lines.append(md_table(["Kode A", "Kode B", "Sammen", "Andel af A", "Andel af B"], body,
                              [False, False, True, True, True]))
    lines += ["", f"Tælleenhed: {unit} med begge koder ({t.attrs['enheder']} {unit} har mindst én kode). "
                  "Andel af A: hvor ofte kode A forekommer sammen med kode B."]
    return "\n".join(lines) + "\n"


def figure_cooccurrence(t: pd.DataFrame):
    """The network graph (Plotly; layout by networkx, seeded): codes as nodes, pairs as edges."""
    import networkx as nx  # only the figure needs them (start-up time)
    import plotly.graph_objects as go

    own, names = t.attrs["forekomster"], t.attrs["navne"]
    g = nx.Graph()
    for k in own:
        g.add_node(k)
    for r in t.itertuples():
        g.add_edge(r.kode_a, r.kode_b, weight=int(r.antal))
    pos = nx.spring_layout(g, seed=7, weight="weight") if len(g) else {}
    top = max([int(x) for x in t["antal"]] or [1])
    fig = go.Figure()
    for r in t.itertuples():
        (x0, y0), (x1, y1) = pos[r.kode_a], pos[r.kode_b]
        fig.add_scatter(x=[x0, x1], y=[y0, y1], mode="lines", line=dict(width=1 + 7 * int(r.antal) / top,
                        color="#8fa6bf"), hoverinfo="skip", showlegend=False)
    nodes = list(g.nodes)
    biggest = max([own.get(k, 1) for k in nodes] or [1])
    fig.add_scatter(x=[pos[k][0] for k in nodes], y=[pos[k][1] for k in nodes], mode="markers+text",
                    text=[figure_text(names.get(k, k)) for k in nodes], textposition="top center",
                    marker=dict(size=[12 + 30 * own.get(k, 0) / biggest for k in nodes], color="#1f4e79"),
                    customdata=[own.get(k, 0) for k in nodes],
                    hovertemplate="%{text}: %{customdata}<extra></extra>", showlegend=False)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(title=f"Samforekomst af koder ({LEVELS[t.attrs['niveau']]})", plot_bgcolor="white",
                      separators=",.",  # Danish decimal comma wherever plotly writes a number
                      margin=dict(t=60, l=20, r=20, b=20),
                      meta={"figure": "samforekomst", "kanter": len(t), "knuder": len(nodes)})
    return fig
