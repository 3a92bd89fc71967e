"""The report's figures and the quality map (kvalitetskort) as Plotly figures, and static images.

Every number comes from `report.tables` and `report.quality_map` (the same DataFrames the CLI, the
app and the workbook print); this module only draws them. What is published (which n, suppression,
labels, percent) is `report.publication`'s. UI text is Danish; the rules are those of
``spec/method.md``.

Figures (`FIGURES`, `figure(fig_id, df, guide, **filters)`)
---------------------------------------------------------
* ``kvalitetskort`` — `kvalitetskort_figure`: importance (Vigtighed, x) against outcome
  (Tilfredshed/udbytte, y), both 0–100 %, the 45° line, one labelled point per probe with its
  n ("Rytme (n=59)"), optional 95 % Wilson intervals in both directions, the area below the line
  shaded and labelled "Vigtigt, men ikke leveret".
* ``kvalitetskort_grupper`` — `kvalitetskort_small_multiples`: one such panel per user group,
  all on the same 0–100 % scale.
* ``fig3.1`` (tilbudstype), ``fig7.1``–``fig7.4`` (distributions incl. "Ikke besvaret") and
  ``7.2`` (inddragelse × tilfredshed): grouped bars, y = percent of the row's n, the count on
  every bar.
* ``fig4`` (any probe, ``probe=``) and ``fig4.1``/``fig4.2``/``fig4.3`` = the report's Figur
  4.1–4.3 (rytme, kontakt, arbejdsmarked): share ``ja`` of ``ja`` + ``nej`` per user group,
  bar text "ja af n", optional Wilson intervals.

Rules decided here
------------------
* **Not distinguishable from the line.** A point is flagged when its 95 % *box*
  ``[vigtighed_lav, vigtighed_hoej] × [udbytte_lav, udbytte_hoej]`` (the two Wilson intervals of
  `report.quality_map.kvalitetskort`) touches or crosses the diagonal y = x. A box meets the diagonal exactly
  when the two intervals overlap, so the rule is
  ``max(v_lo, u_lo) <= min(v_hi, u_hi)``. No interval for the gap itself is computed (the two
  shares come from the same respondents, so this is a descriptive, conservative reading, not a
  test). The flag is computed and shown (open marker, legend "Kan ikke skelnes fra linjen")
  whether or not the intervals are drawn (`report.quality_map.crosses_diagonal`).
* **Small groups.** ``publish=True`` (anything shown outside the research team) leaves out every
  point (map) or group bar (bar charts) that publication hides (``0 < n < min_n``, default 5;
  `report.publication.hidden`) and adds a note naming them. Without ``publish`` everything is drawn
  and a note counts the small-n points.
  n is the probe's ``ja + nej`` (map, Figur 4) or the group's number of respondents (Figur 3.1,
  7.x; the row's total for 7.2). Points with n = 0 have no position and are always left out
  (with a note).
* **Labels.** Each point's label is "Kort navn (n=…)" (`report.publication.probe_short`; the
  guide's labels are whole questions and go to the hover text). Probes at exactly the same place share one label
  ("Mod på tilværelsen (n=20), Kontakt (n=20)"). `place_labels` picks a text position per
  point (8 positions around it) that avoids other labels, markers, error bars and the shaded
  area's note, and falls back to an annotation with a thin leader line when all are crowded.
  The trace's ``text`` is always the point's own label (tests, hover); what is drawn is its
  ``texttemplate``.
* Percent axes with Danish decimal commas (layout ``separators=",."``).

Output (`write_figure`, `to_png_bytes`, `to_image_bytes`)
--------------------------------------------------------
By extension: ``.png`` / ``.svg`` through kaleido (v1; it starts Debian's ``chromium`` from
PATH), ``.html`` through plotly with plotly.js inline (works offline). PNGs are written at
``scale=2`` (e.g. 1720 × 2040 px for the map) for print. Kaleido is kept running in one
background Chromium after the first image (`kaleido.start_sync_server`), so only the first image
of a process pays Chromium's start-up (~4 s); later images take ~0.3 s. Calls are serialised
with a lock (the app's sessions run in threads). `stop_image_server()` ends it (it also ends at
interpreter exit).

Errors are `FigureError` (a `report.errors.TableError`, hence a ValueError) with a Danish message naming
what is wrong and what is allowed.
"""
from __future__ import annotations

import math
import operator
import textwrap
import threading
import warnings
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from archetypes.model import GROUP_ORDER, GROUPS
from report import tables
from report.errors import TableError
from report.labels import AXIS_HI, AXIS_LO, interval_segments, place_labels, shared_labels, text_width
from report.population import (BY, NO_CUTS, Cuts, group_rows, keep_group, population, pseudonymised, pseudonyms,
                               row_column)
from report.publication import (BLANK_COLOUR, DEFAULT_MIN_N, I_ALT, IKKE_BESVARET, PALETTE, UOPLYST,
                                check_publishable, complement, da3, figure_label, figure_text, hidden, hidden_rows,
                                hidden_units, left_out_note, named, pct, points, population_line, probe_key,
                                probe_number_texts, value_label)
from report.quality_map import (DEFAULT_METHOD, QUADRANTS, MapMethod, centre_text, kvalitetskort_points,
                                method_text, protect_points)
from report.registry import BY_WORDS, TITLES, regrouped_title
from report.tables import REPORT_FIG4, ROW_HEADINGS, row_col
from survey import files
from survey.guide import Guide

__all__ = [
    "FigureError", "FIGURES", "FIGURE_IDS", "FORMATS", "kvalitetskort_figure", "kvalitetskort_small_multiples",
    "figur_3_1_figure", "figur_4_figure", "figur_7_figure", "judgement_figure", "inddragelse_figure",
    "GROUPED_FIGURES", "place_labels", "figure", "write_figure", "to_png_bytes", "to_image_bytes", "to_html", "stop_image_server",
]


class FigureError(TableError):
    """A figure request that cannot be served (unknown id, extension, probe …); Danish message."""


# --------------------------------------------------------------------------- constants

FONT = "DejaVu Sans, Arial, Helvetica, sans-serif"
FONT_SIZE = 14
LABEL_SIZE = 12           # point labels on the single map
SMALL_LABEL_SIZE = 10     # point labels in the small multiples
PNG_SCALE = 2
FORMATS = (".png", ".svg", ".html")

SHADE = "rgba(214, 96, 77, 0.10)"
SHADE_TEXT = "#b2182b"
LINE = "#555555"
POINT = "#1f4e79"
FLAGGED = "#6b8fb3"
GRID = "#e6e6e6"


# --------------------------------------------------------------------------- small helpers

def _wrap(text: str, width: int, whole_words: bool = False) -> str:
    """`text` (from the data or the guide) wrapped at `width` characters for a figure: each line shown
    literally (`figure_text`), joined by ``<br>``; `whole_words`: a longer word is not cut."""
    lines = textwrap.wrap(text, width, break_long_words=not whole_words)
    return "<br>".join(figure_text(line) for line in lines) or figure_text(text)


def _convert(fn: Callable, *args, **kwargs):
    """Call a tables function, turning its TableError into a FigureError (same message)."""
    try:
        return fn(*args, **kwargs)
    except FigureError:
        raise
    except TableError as e:
        raise FigureError(str(e)) from None


def _population(df: pd.DataFrame, group: str | None, site_type: str | None,
                cuts: Cuts | None = None) -> pd.DataFrame:
    return _convert(population, df, group or None, site_type or None, cuts)


def _guide_and_population(df: pd.DataFrame, guide: Guide | None, group: str | None, site_type: str | None,
                          cuts: Cuts | None = None) -> tuple[Guide, pd.DataFrame]:
    """The guide (the bundled one when None) and the population a figure is drawn for."""
    cuts = cuts or NO_CUTS
    return tables.resolve_guide(guide), (_population(df, group, site_type, cuts)
                                         if (group or site_type or cuts.filters) else df)


def _population_text(guide: Guide, group: str | None, site_type: str | None, n: int,
                     cuts: Cuts | None = None, hide_below: int | None = None) -> str:
    """The subtitle's population; `hide_below` (publish: min_n) says «n under 5» for a hidden one."""
    return population_line(guide, group, site_type, n, cuts=(cuts or NO_CUTS).words(),
                           hide_below=hide_below).rstrip(".")  # a subtitle: no full stop


def _title(text: str, sub: str, width: int = 80, sub_width: int | None = None) -> dict:
    """The title (bold, wrapped at `width` characters) and the population line under it (wrapped at
    `sub_width` characters; one line when None, as the publication's figures have it)."""
    lines = _wrap(sub, sub_width).split("<br>") if sub_width else [figure_text(sub)]
    small = "<br>".join(f"<span style='font-size:13px;color:#555'>{line}</span>" for line in lines)
    return {"text": f"<b>{_wrap(text, width)}</b><br>{small}",
            "x": 0.0, "xref": "paper", "xanchor": "left", "y": 1.0, "yref": "container",
            "yanchor": "top", "pad": {"t": 16}, "font": {"size": 17}}


# --------------------------------------------------------------------------- a figure for a narrow column

#: A figure is laid out for the width it is shown at: its own (the publication's: the files, the
#: workbook, the CLI) when `shown` is None, else for a column of `shown` px — the Rapport page's column
#: at a 1024 px wide window is about 664 px (`ui.rapport_view.PAGE_WIDTH`). Streamlit fits a wider figure
#: into the column by laying it out again at the column's width with the same margins and text sizes:
#: titles and notes run out of the figure, the panels' titles into each other, and labels placed for
#: the wider plot collide. Plotly cannot reflow subplots or wrap text itself, so the builders do it.
TITLE_PX = 11.5   # px per character of the title (17 px, bold), to wrap it
SUB_PX = 8.2      # px per character of the population line and the panel titles (13–14 px)
NOTE_PX = 7.2     # px per character of the notes (11 px)


def _title_room(shown: int, left: int) -> tuple[int, int]:
    """Characters per line of the title and of the population line in a figure `shown` px wide whose
    title starts `left` px in."""
    room = shown - left - 12
    return int(room / TITLE_PX), int(room / SUB_PX)


def _title_height(title: dict) -> int:
    """Pixels from the figure's top to below the title's last line (`_title`: pad, bold lines, small lines)."""
    text = title["text"]
    bold = text.split("</b>")[0].count("<br>") + 1
    small = text.count("font-size:13px")
    return 16 + 22 * bold + 18 * small


def _panel_title(name: str, n: str, per_line: int) -> str:
    """A panel's title wrapped at `per_line` characters, its n («(n = 29)») kept whole on the last line."""
    lines = textwrap.wrap(name, per_line, break_long_words=False) or [name]
    if len(lines[-1]) + 1 + len(n) <= per_line:
        lines[-1] += " " + n
    else:
        lines.append(n)
    return "<br>".join(figure_text(line) for line in lines)


def _legend_rows(names: Sequence[str], room: float, size: float) -> int:
    """How many rows plotly's horizontal legend takes for `names` in `room` px (an item: the symbol,
    40 px, the text and a gap)."""
    rows, used = 1, 0.0
    for name in names:
        w = 40 + text_width(name, size) + 12
        if used and used + w > room:
            rows, used = rows + 1, 0.0
        used += w
    return rows


def _wrapped(notes: Sequence[str], width: int) -> list[str]:
    """The notes' lines, each shown literally (`figure_text`)."""
    return [figure_text(line) for n in notes for line in (textwrap.wrap(n, width) or [""])]


NOTE_LINE = 15  # px per line of the notes (font 11)


def _notes_annotation(notes: Sequence[str], *, y: float = -0.08, x: float = 0.0, width: int = 120,
                      yanchor: str = "top") -> dict:
    text = "<br>".join(_wrapped(notes, width))
    return {"text": text, "xref": "paper", "yref": "paper", "x": x, "y": y, "xanchor": "left",
            "yanchor": yanchor, "showarrow": False, "align": "left", "font": {"size": 11, "color": "#444"},
            "name": "noter"}


def _notes_at_bottom(notes: Sequence[str], *, plot_h: float, margin_b: float, width: int) -> dict:
    """The notes as an annotation whose last line sits 12 px above the figure's bottom edge."""
    return _notes_annotation(notes, y=-(margin_b - 12) / plot_h, yanchor="bottom", width=width)


def _base_layout(fig: go.Figure, width: int, height: int, margin: dict) -> None:
    fig.update_layout(template="plotly_white", width=width, height=height, margin=margin,
                      font={"family": FONT, "size": FONT_SIZE, "color": "#222"}, separators=",.",
                      paper_bgcolor="white", plot_bgcolor="white")


X_DERIVED = (-1.08, 1.08)   # the derived importance's axis: a correlation with a little room


# --------------------------------------------------------------------------- the quality map: drawing

_PCT_TICKS = dict(tickmode="array", tickvals=list(range(0, 101, 20)), ticktext=[f"{v} %" for v in range(0, 101, 20)])
_AXIS_COMMON = dict(range=[AXIS_LO, AXIS_HI], **_PCT_TICKS,
                    showgrid=True, gridcolor=GRID, zeroline=False, showline=True, linecolor="#888",
                    mirror=True, ticks="outside", ticklen=4, tickcolor="#888")
DIAGONAL_NAME = "45°-linje: udbytte = vigtighed"
SHADE_LABEL = "Vigtigt, men ikke leveret"
FLAG_NAME = "Kan ikke skelnes fra linjen"
CLEAR_NAME = "Over eller under linjen"


_EMPTY_PANEL = "Ingen punkter at vise: "


def _empty_note(fig: go.Figure, notes: list[str], size: int, **kw) -> list[str]:
    """Write the 'nothing to show' note inside the plot; return the other notes."""
    empty = [n for n in notes if n.startswith(_EMPTY_PANEL)]
    if empty:
        fig.add_annotation(x=28, y=78, text=figure_text(empty[0]).replace(": ", ":<br>", 1), showarrow=False,
                           bgcolor="white",
                           font={"size": size, "color": "#666"}, name="tomt", **kw)
    return [n for n in notes if not n.startswith(_EMPTY_PANEL)]


def _map_traces(t: pd.DataFrame, guide: Guide, *, intervals: bool, publish: bool, min_n: int,
                label_size: float, marker: float, px_x: float, px_y: float, showlegend: bool,
                panel: str = "", method: MapMethod = DEFAULT_METHOD,
                obstacles: Sequence[tuple[float, float, float, float]] | None = None
                ) -> tuple[list[go.Scatter], list[str], list[dict]]:
    """The point traces of one map (clear points, flagged points), the notes for them, and the
    labels that need a leader line (annotation dicts in data coordinates). With derived importance
    (`method`) x is the correlation (−1…1, not scaled); `obstacles` replace the shaded area's label
    as what the labels avoid."""
    notes: list[str] = []
    xc, fx = ("afledt", 1.0) if method.derived else ("vigtighed", 100.0)
    empty = t[t["tom"]]
    keep = t[~t["tom"]]
    if publish:
        small = keep[keep["suppressed"]]
        keep = keep[~keep["suppressed"]]
        if len(small):
            where = f"{panel}: " if panel else ""
            own = (small["n"] < min_n).to_numpy()  # else hidden to protect another panel's point
            notes.append(left_out_note(list(small["label"][own]), min_n, where,
                                       protecting=list(small["label"][~own])))
    elif keep["suppressed"].any():
        where = f"{panel}: " if panel else ""
        notes.append(f"{where}{int(keep['suppressed'].sum())} punkt(er) med n under {min_n} — kun til intern brug.")
    if len(empty):
        where = f"{panel}: " if panel else ""
        if method.derived:
            notes.append(f"{where}Ingen sammenhæng kan beregnes (ingen ja/nej-svar, eller alle med samme svar eller "
                         f"samme tilfredshed) — vises ikke: {named(empty['label'])}.")
        else:
            notes.append(f"{where}Ingen ja/nej-svar (vises ikke): {named(empty['label'])}.")
    x = keep[xc].to_numpy(dtype=float) * fx
    y = keep["udbytte"].to_numpy(dtype=float) * 100
    segs = interval_segments(keep, method.derived) if intervals else []
    shade_box = (AXIS_HI - 38, AXIS_LO, AXIS_HI, AXIS_LO + 6)  # where the shaded area's label sits
    texts = list(keep["tekst"])
    disp = shared_labels(x, y, texts)  # points at exactly the same place share one label
    lead = [i for i, d in enumerate(disp) if d]
    placed = place_labels(x[lead], y[lead], [disp[i] for i in lead], px_x=px_x, px_y=px_y, size=label_size,
                          marker=marker, obstacles=[shade_box] if obstacles is None else list(obstacles),
                          segments=segs, x_range=X_DERIVED if method.derived else None)
    pos: list[object] = ["middle right"] * len(texts)
    for i, p in zip(lead, placed):
        pos[i] = p
    keep = keep.assign(_pos=pd.Series(pos, index=keep.index, dtype=object),
                       _disp=pd.Series(disp, index=keep.index, dtype=object))
    traces = []
    leader_labels: list[dict] = []
    for flagged in (False, True):
        part = keep[keep["krydser"] == flagged]
        if not len(part) and not showlegend:
            continue
        custom = np.column_stack([
            part["kode"].to_numpy(dtype=object), part["n"].to_numpy(dtype=object),
            [_wrap(guide.item(c).label if c in guide.items else c, 60) for c in part["kode"]],
            [f"{pct(a, 1)} ({pct(lo, 1)}–{pct(hi, 1)})" for a, lo, hi in
             zip(part["udbytte"], part["udbytte_lav"], part["udbytte_hoej"])],
            [f"{pct(a, 1)} ({pct(lo, 1)}–{pct(hi, 1)})" for a, lo, hi in
             zip(part["vigtighed"], part["vigtighed_lav"], part["vigtighed_hoej"])],
            [f"{points(g)} procentpoint" for g in part["gap"]],
            *([[f"{da3(a)} ({da3(lo)}–{da3(hi)}), n = {k}" for a, lo, hi, k in
                zip(part["afledt"], part["afledt_lav"], part["afledt_hoej"], part["afledt_n"])]]
              if method.derived else []),
            *([[QUADRANTS.get(q, "–") for q in part["kvadrant"]]] if method.crosshairs else []),
        ]) if len(part) else None
        px_ = part[xc].to_numpy(dtype=float) * fx
        py_ = part["udbytte"].to_numpy(dtype=float) * 100
        err_x = err_y = None
        if intervals and len(part):
            err_x = dict(type="data", symmetric=False, array=part[xc + "_hoej"].to_numpy(float) * fx - px_,
                         arrayminus=px_ - part[xc + "_lav"].to_numpy(float) * fx,
                         color="rgba(60,60,60,0.45)", thickness=1.2, width=3)
            if method.derived:  # no interval (n < 4, |r| = 1): no bar
                err_x["array"] = np.nan_to_num(err_x["array"])
                err_x["arrayminus"] = np.nan_to_num(err_x["arrayminus"])
            err_y = dict(type="data", symmetric=False, array=part["udbytte_hoej"].to_numpy(float) * 100 - py_,
                         arrayminus=py_ - part["udbytte_lav"].to_numpy(float) * 100,
                         color="rgba(60,60,60,0.45)", thickness=1.2, width=3)
        plain = [isinstance(p, str) and bool(d) for p, d in zip(part["_pos"], part["_disp"])]
        for (kx, ky, txt, p) in zip(px_, py_, part["_disp"], part["_pos"]):
            if txt and not isinstance(p, str):
                leader_labels.append(dict(
                    x=kx, y=ky, ax=p[0], ay=-p[1], axref="pixel", ayref="pixel", text=figure_text(txt), showarrow=True,
                    arrowhead=0, arrowwidth=0.8, arrowcolor="#888", standoff=marker / 2 + 1,
                    font={"size": label_size, "color": "#222" if not flagged else "rgba(61, 90, 120, 0.85)"},
                    name="etiket"))
        traces.append(go.Scatter(
            x=px_, y=py_, mode="markers+text", text=[figure_text(x) for x in part["tekst"]],
            textposition=[p if ok else "middle right" for p, ok in zip(part["_pos"], plain)],
            texttemplate=[("%{text}" if d == own else figure_text(d)) if ok else ""
                          for d, own, ok in zip(part["_disp"], part["tekst"], plain)],
            textfont={"size": label_size, "color": "#222" if not flagged else "#3d5a78"},
            marker={"size": marker, "color": "white" if flagged else POINT,
                    "line": {"width": 2, "color": FLAGGED if flagged else POINT},
                    "symbol": "circle"},
            opacity=0.85 if flagged else 1.0,
            error_x=err_x, error_y=err_y, customdata=custom,
            hovertemplate=_hover(method),
            name=_flag_names(method)[flagged], legendgroup="flag" if flagged else "clear",
            legendrank=1003 if flagged else 1002,
            showlegend=showlegend, meta={"role": "punkter", "flagged": flagged}, cliponaxis=False,
        ))
    if not len(keep):
        why = "ingen ja/nej-svar"
        if publish and len(t) > len(empty):
            protecting = bool((t["suppressed"].to_numpy(bool) & (t["n"].to_numpy() >= min_n)).any())
            why = f"n under {min_n}" + (", eller skjult, så et lille tal ikke kan regnes ud" if protecting else "")
        notes.append(_EMPTY_PANEL + why)
    return traces, notes, leader_labels


def _hover(method: MapMethod) -> str:
    if method.is_default:
        return ("<b>%{customdata[2]}</b><br>n = %{customdata[1]}<br>Udbytte: %{customdata[3]}"
                "<br>Vigtighed: %{customdata[4]}<br>Gap (vigtighed − udbytte): %{customdata[5]}"
                "<extra></extra>")
    k = 6
    out = "<b>%{customdata[2]}</b><br>n = %{customdata[1]}<br>Udbytte: %{customdata[3]}"
    if method.derived:
        out += f"<br>Afledt vigtighed (r): %{{customdata[{k}]}}<br>Angivet vigtighed: %{{customdata[4]}}"
        k += 1
    else:
        out += "<br>Vigtighed: %{customdata[4]}"
    return out + f"<br>Felt: %{{customdata[{k}]}}<extra></extra>"


def _flag_names(method: MapMethod) -> dict[bool, str]:
    if method.crosshairs:
        return {False: "Klart i sit felt", True: "Kan ikke skelnes fra trådkorset"}
    return {False: CLEAR_NAME, True: FLAG_NAME}


#: where each quadrant's label sits: (x anchor, y anchor) in the plot's corners
_CORNERS = {"fortsaet": ("right", "top"), "saet_ind_her": ("right", "bottom"), "lav_prioritet": ("left", "bottom"),
            "overindsats": ("left", "top")}
QUADRANT_COLOUR = "#7a4f01"
CROSSHAIR = "#8c510a"
CROSSHAIR_BAND = 6.0  # px: the band around a crosshair line the point labels avoid


def _crosshairs(fig: go.Figure, cx: float, cy: float, method: MapMethod, x_range: tuple[float, float], *,
                label_size: float, px_x: float, px_y: float) -> list[tuple[float, float, float, float]]:
    """The crosshair lines through (cx, cy) (x in the axis's units, y in %), the four quadrants' labels
    in the plot's corners; returns what the point labels avoid (data units): the corner labels' boxes and
    the two lines, each as a band `CROSSHAIR_BAND` px wide (a label drawn across a line is hard to read)."""
    x0, x1 = x_range
    where = "gennemsnittene" if method.reference == "gennemsnit" else "skalaens midtpunkter"
    fig.add_trace(go.Scatter(x=[cx, cx, None, x0, x1], y=[AXIS_LO, AXIS_HI, None, cy, cy], mode="lines",
                             line={"color": CROSSHAIR, "width": 1.5, "dash": "dash"}, name=f"Trådkors ved {where}",
                             hoverinfo="skip", showlegend=True, legendgroup="traadkors", legendrank=1001,
                             meta={"role": "traadkors", "centre": [cx, cy]}))
    boxes = []
    for code, (xa, ya) in _CORNERS.items():
        text = QUADRANTS[code]
        x = x1 - (x1 - x0) * 0.01 if xa == "right" else x0 + (x1 - x0) * 0.01
        y = AXIS_HI - 1 if ya == "top" else AXIS_LO + 1
        room = (x - cx if xa == "right" else cx - x) * px_x - CROSSHAIR_BAND  # px between the corner and the line
        lines = [text]
        if text_width(text, label_size) > room and " " in text:  # in two lines rather than across the line
            words = text.split(" ")
            cut = min(range(1, len(words)), key=lambda i: max(len(" ".join(words[:i])), len(" ".join(words[i:]))))
            lines = [" ".join(words[:cut]), " ".join(words[cut:])]
        fig.add_annotation(x=x, y=y, text="<br>".join(f"<i>{line}</i>" for line in lines), showarrow=False,
                           xanchor=xa, yanchor=ya, align=xa,
                           font={"size": label_size, "color": QUADRANT_COLOUR}, name="kvadrant")
        w = max(text_width(line, label_size) for line in lines) / px_x
        h = (label_size * 1.5 * len(lines)) / px_y
        bx = (x - w, x) if xa == "right" else (x, x + w)
        by = (y - h, y) if ya == "top" else (y, y + h)
        boxes.append((bx[0], by[0], bx[1], by[1]))
    half_x, half_y = CROSSHAIR_BAND / 2 / px_x, CROSSHAIR_BAND / 2 / px_y
    boxes.append((cx - half_x, AXIS_LO, cx + half_x, AXIS_HI))
    boxes.append((x0, cy - half_y, x1, cy + half_y))
    return boxes


def _diagonal_and_shade(fig: go.Figure, row: int | None = None, col: int | None = None, *,
                        showlegend: bool = True, label_size: float = 12) -> None:
    kw = {"row": row, "col": col} if row is not None else {}
    fig.add_shape(type="path", path=f"M {AXIS_LO},{AXIS_LO} L {AXIS_HI},{AXIS_LO} L {AXIS_HI},{AXIS_HI} Z",
                  fillcolor=SHADE, line={"width": 0}, layer="below", name="vigtigt_ikke_leveret", **kw)
    fig.add_trace(go.Scatter(x=[AXIS_LO, AXIS_HI], y=[AXIS_LO, AXIS_HI], mode="lines",
                             line={"color": LINE, "width": 1.5, "dash": "dash"}, name=DIAGONAL_NAME,
                             hoverinfo="skip", showlegend=showlegend, legendgroup="diagonal", legendrank=1001,
                             meta={"role": "diagonal"}), **kw)
    fig.add_annotation(x=AXIS_HI - 1, y=AXIS_LO + 1, text=f"<i>{SHADE_LABEL}</i>", showarrow=False,
                       xanchor="right", yanchor="bottom", font={"size": label_size, "color": SHADE_TEXT},
                       name="vigtigt_ikke_leveret", **kw)


_MAP_NOTE = ("Udbytte (y) = andel ja blandt ja + nej; vigtighed (x) = andel, der finder det vigtigt (ja eller nej); "
             "n = antal ja + nej. Under 45°-linjen: vigtigere end det, tilbuddet har givet (forbedringsområder).")
_FLAG_NOTE = ("Åben markør: kan ikke skelnes fra linjen — 95 %-intervallerne for vigtighed og udbytte overlapper "
              "(boksen af de to Wilson-intervaller rører 45°-linjen).")
_INTERVAL_NOTE = "Streger: 95 % Wilson-intervaller for vigtighed (vandret) og udbytte (lodret)."


def kvalitetskort_figure(df: pd.DataFrame, guide: Guide | None = None, group: str | None = None,
                         site_type: str | None = None, intervals: bool = False, min_n: int = DEFAULT_MIN_N,
                         publish: bool = False, cuts: Cuts | None = None,
                         method: MapMethod = DEFAULT_METHOD, shown: int | None = None) -> go.Figure:
    """The quality map for one population (all respondents, one user group, one site type, the cuts);
    `method` another reference (crosshairs) or derived importance (`report.quality_map.MapMethod`);
    the default is the report's map: the 45° line and its shaded area. `shown`: laid out for a column
    that many px wide (a smaller plot, the texts wrapped to it)."""
    g, pop = _guide_and_population(df, guide, group, site_type, cuts)
    t = _convert(kvalitetskort_points, pop, g, min_n=min_n, method=method)
    cx, cy = t.attrs.get("centre", (float("nan"), float("nan")))
    has_centre = bool(np.isfinite(cx) and np.isfinite(cy))
    plot = 740                      # square plot area in px
    margin = {"l": 80, "r": 40, "t": 112, "b": 0}
    if shown is not None:
        plot = min(plot, shown - margin["l"] - margin["r"])
    width = margin["l"] + margin["r"] + plot
    x_range = X_DERIVED if method.derived else (AXIS_LO, AXIS_HI)
    fx = 1.0 if method.derived else 100.0
    px_x, px_y = plot / (x_range[1] - x_range[0]), plot / (AXIS_HI - AXIS_LO)
    fig = go.Figure()
    obstacles: list[tuple[float, float, float, float]] = []
    if method.crosshairs and has_centre:
        obstacles = _crosshairs(fig, cx * fx, cy * 100, method, x_range, label_size=12, px_x=px_x, px_y=px_y)
    traces, notes, leader_labels = _map_traces(t, g, intervals=intervals, publish=publish, min_n=min_n,
                                               label_size=LABEL_SIZE, marker=11, px_x=px_x, px_y=px_y,
                                               showlegend=True, method=method, obstacles=obstacles)
    notes = _empty_note(fig, notes, 16)
    if method.is_default:
        head = [_MAP_NOTE, _FLAG_NOTE] + ([_INTERVAL_NOTE] if intervals else [])
    else:
        centre_note = ""
        if method.crosshairs and not has_centre:
            notes.append(centre_text(cx, cy, method))
        elif has_centre:
            centre_note = " " + centre_text(cx, cy, method)
        flag = ("Åben markør: kan ikke skelnes fra trådkorset — 95 %-intervallet for vigtighed eller udbytte rører "
                "en af linjerne, så feltet er usikkert" + (" (eller sammenhængen har intet interval)."
                                                           if method.derived else "."))
        interval = ("Streger: 95 %-interval for den afledte vigtighed (Fishers z, vandret) og Wilson-interval for "
                    "udbytte (lodret)." if method.derived else _INTERVAL_NOTE)
        head = [method_text(method) + centre_note, flag] + ([interval] if intervals else [])
    all_notes = head + notes
    note_width = 112 if shown is None else int((width - margin["l"] - 10) / NOTE_PX)
    title = _title(TITLES["kvalitetskort"], _population_text(g, group, site_type, len(pop), cuts,
                                                             min_n if publish else None),
                   *((70,) if shown is None else _title_room(width, margin["l"])))
    if shown is not None:  # the title's lines, then the legend's rows above the plot
        names = [tr.name for tr in [*fig.data, *traces] if tr.showlegend is not False and tr.name]
        if not method.crosshairs:
            names.append(DIAGONAL_NAME)
        margin["t"] = max(margin["t"], _title_height(title) + 10 + 22 * _legend_rows(names, plot, 12))
    margin["b"] = 78 + NOTE_LINE * len(_wrapped(all_notes, note_width)) + 16
    _base_layout(fig, width, margin["t"] + plot + margin["b"], margin)
    if not method.crosshairs:
        _diagonal_and_shade(fig, label_size=13)
    for tr in traces:
        fig.add_trace(tr)
    for a in leader_labels:
        fig.add_annotation(**a)
    y_title = {"text": "Tilfredshed/udbytte (andel ja)", "font": {"size": 15}}
    if method.derived:
        fig.update_xaxes(title={"text": "Afledt vigtighed (korrelation med samlet tilfredshed)", "font": {"size": 15}},
                         range=list(X_DERIVED), tickmode="array", tickvals=[-1, -0.5, 0, 0.5, 1],
                         ticktext=["−1", "−0,5", "0", "0,5", "1"], showgrid=True, gridcolor=GRID, zeroline=False,
                         showline=True, linecolor="#888", mirror=True, ticks="outside", ticklen=4, tickcolor="#888",
                         constrain="domain")
        fig.update_yaxes(title=y_title, constrain="domain", **_AXIS_COMMON)
    else:
        fig.update_xaxes(title={"text": "Vigtighed (andel, der finder det vigtigt)", "font": {"size": 15}},
                         constrain="domain", **_AXIS_COMMON)
        fig.update_yaxes(title=y_title, scaleanchor="x", scaleratio=1, constrain="domain", **_AXIS_COMMON)
    fig.update_layout(
        title=title,
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 1.0, "yanchor": "bottom",
                "font": {"size": 12}, "bgcolor": "rgba(255,255,255,0)"},
    )
    fig.add_annotation(**_notes_at_bottom(all_notes, plot_h=plot, margin_b=margin["b"], width=note_width))
    meta = {"figure": "kvalitetskort", "publish": publish, "min_n": min_n, "notes": all_notes}
    if not method.is_default:
        meta.update({"reference": method.reference, "vigtighed": method.vigtighed, "centre": [cx, cy]})
    fig.update_layout(meta=meta)
    return fig


def kvalitetskort_small_multiples(df: pd.DataFrame, guide: Guide | None = None, group: str | None = None,
                                  site_type: str | None = None, intervals: bool = False,
                                  min_n: int = DEFAULT_MIN_N, publish: bool = False,
                                  groups: Sequence[str] | None = None, cuts: Cuts | None = None,
                                  shown: int | None = None) -> go.Figure:
    """One quality map per user group (report order), all on the same 0–100 % scale; with a grouping
    (`cuts.by`: arbejdsmarkedsperspektiv, site, interviewer) one per group of that.

    `group` (or `groups`) limits the panels to user groups (by user group) or the population (another
    grouping); respondents without a group are not in any panel (a note says how many). `shown`: laid
    out for a column that many px wide (one panel a row when two would be under 300 px each).
    """
    g = tables.resolve_guide(guide)
    cuts = cuts or NO_CUTS
    by = cuts.by or "brugergruppe"
    col = row_column(by)
    if group:
        _convert(population, df.iloc[:0], group)  # validates the code
    if by == "brugergruppe":
        groups = [group] if group else (list(groups) if groups else list(GROUP_ORDER))
        for code in groups:
            if code not in GROUPS:
                raise FigureError(f"Ukendt brugergruppe {code!r} — tilladt: {', '.join(GROUP_ORDER)}.")
        pop = _population(df, None, site_type, cuts) if (site_type or cuts.filters) else population(df)
        member = {c: (pop["brugergruppe"] == c).to_numpy() for c in groups}
        without = int(pop["brugergruppe"].isna().sum())
    else:
        pop = _population(df, group, site_type, cuts)
        codes, levels = _convert(group_rows, pop, by)
        groups = [lv for lv in levels if lv != UOPLYST]
        if not groups:
            raise FigureError("Populationen er tom; der er intet kort at tegne." if pop.empty else
                              f"Ingen i populationen har en værdi for {BY_WORDS[by]}; der er intet kort at tegne.")
        member = {lv: codes == i for i, lv in enumerate(levels)}
        without = int(member.get(UOPLYST, np.zeros(len(pop), dtype=bool)).sum())
    k = len(groups)
    # two panels a row in the files (about 930 px); laid out for a narrower column (`shown`: the Rapport
    # page, about 664 px at 1024 px), one a row — drawn at its own size, the labels keep their places
    gap = 75
    cols = min(2, k)
    if shown is not None and (shown - 95 - gap) / 2 < 300:  # two panels under 300 px: one a row
        cols = 1
    rows = math.ceil(k / cols)
    spare = rows * cols - k  # empty cells at the end take the legend and the notes
    # numbered points with a key: a number collides far less than a name, and the same probe has the
    # same number in every panel (guide order)
    key_note = probe_key(g)
    per_n = {c: int(member[c].sum()) for c in groups}
    in_panel = np.any([member[c] for c in groups], axis=0) if groups else np.zeros(len(pop), dtype=bool)
    # published: a group's n, and a probe's point, under min_n — and the smallest others that protect
    # them from subtraction from the whole population's (`report.publication.complement`); the people
    # in no panel are a hidden part of every sum
    gone = _convert(tables.hidden_parts, pop, g, by, min_n).get(col, ()) if publish else ()
    small = hidden_units(per_n, min_n, outside=int((~in_panel).sum()), gone=gone) if publish else set()
    maps = {c: _convert(kvalitetskort_points, pop[member[c]], g, min_n=min_n) for c in groups}
    if publish:
        rest = pop[~in_panel]
        maps = protect_points(maps, min_n, _convert(kvalitetskort_points, rest, g, min_n=min_n) if len(rest) else None,
                              gone)

    def n_text(c) -> str:
        if c in small:
            return f"n under {min_n}" if hidden(per_n[c], min_n) else "n ikke vist"
        return f"n = {per_n[c]}"

    panel = 380 if cols > 1 else 560
    margin = {"l": 70, "r": 25, "t": 100, "b": 80}
    if shown is not None:
        panel = min(panel, int((shown - margin["l"] - margin["r"] - gap * (cols - 1)) / cols))
    width = margin["l"] + margin["r"] + int(cols * panel + (cols - 1) * gap)
    height = margin["t"] + margin["b"] + int(rows * panel + (rows - 1) * 95)
    specs = [[({} if r * cols + c < k else None) for c in range(cols)] for r in range(rows)]
    # a panel's title (14 px) wrapped to its panel: the name, then the n, on lines of their own if need be
    per_line = 40 if shown is None else max(12, int(panel / (SUB_PX + 0.7)))
    fig = make_subplots(rows=rows, cols=cols, specs=specs,
                        horizontal_spacing=gap / (width - margin["l"] - margin["r"]) if cols > 1 else 0.0,
                        vertical_spacing=95 / (height - margin["t"] - margin["b"]) if rows > 1 else 0.0,
                        subplot_titles=[_panel_title(value_label(g, col, c), f"({n_text(c)})", per_line)
                                        if shown is not None else f"{_wrap(value_label(g, col, c), 40)} ({n_text(c)})"
                                        for c in groups])
    _base_layout(fig, width, height, margin)
    span = AXIS_HI - AXIS_LO
    notes: list[str] = []
    seen_flag = {False: False, True: False}
    for i, code in enumerate(groups):
        r, c = divmod(i, cols)
        t = maps[code]
        t = t.assign(tekst=probe_number_texts(g, t["kode"]))
        _diagonal_and_shade(fig, r + 1, c + 1, showlegend=(i == 0), label_size=10)
        traces, ns, leader_labels = _map_traces(t, g, intervals=intervals, publish=publish, min_n=min_n,
                                                label_size=SMALL_LABEL_SIZE, marker=9, px_x=panel / span,
                                                px_y=panel / span, showlegend=False,
                                                panel=value_label(g, col, code))
        if code in small:  # which probes had no answers there is not published either (a reviewer)
            _empty_note(fig, ns, 13, row=r + 1, col=c + 1)
        else:
            notes += _empty_note(fig, ns, 13, row=r + 1, col=c + 1)
        for tr in traces:
            flagged = tr.meta["flagged"]
            if len(tr.x) and not seen_flag[flagged]:
                tr.showlegend = seen_flag[flagged] = True
            tr.meta = {**tr.meta, "group": code}
            fig.add_trace(tr, row=r + 1, col=c + 1)
        for a in leader_labels:
            fig.add_annotation(**a, row=r + 1, col=c + 1)
        linked = {"matches": None} if i == 0 else {"matches": "x"}  # zoom one panel, zoom all
        fig.update_xaxes(row=r + 1, col=c + 1, title={"text": "Vigtighed", "font": {"size": 12}},
                         **_AXIS_COMMON, **linked, tickfont={"size": 11})
        fig.update_yaxes(row=r + 1, col=c + 1, title={"text": "Udbytte", "font": {"size": 12}},
                         **_AXIS_COMMON, **({"matches": None} if i == 0 else {"matches": "y"}), tickfont={"size": 11})
    for a in fig.layout.annotations:  # the subplot titles
        if a.font.size is None:
            a.font = {"size": 14}
    base_notes = [key_note, _MAP_NOTE, _FLAG_NOTE] + ([_INTERVAL_NOTE] if intervals else [])
    if without:
        count = f"Færre end {min_n}" if publish and hidden(without, min_n) else str(without)
        base_notes.append(f"{count} respondent(er) uden {BY_WORDS[by]} indgår ikke i noget panel.")
    all_notes = base_notes + notes
    sub = (_population_text(g, None if by == "brugergruppe" else group, site_type, len(pop), cuts,
                            min_n if publish else None)
           + f" — ét kort pr. {BY_WORDS[by]}, samme skala")
    title = (_title(f"{TITLES['kvalitetskort']} efter {BY_WORDS[by]}", sub, 110) if shown is None else
             _title(f"{TITLES['kvalitetskort']} efter {BY_WORDS[by]}", sub, *_title_room(width, margin["l"])))
    fig.update_layout(title=title,
                      meta={"figure": "kvalitetskort_grupper", "publish": publish, "min_n": min_n,
                            "groups": groups, "by": by, "notes": all_notes})
    if spare:
        # the first empty cell (bottom right): legend on top, notes below it
        x0 = (cols - spare) / cols + 0.03
        cell_top = (1 / rows) - 0.03
        fig.update_layout(legend={"x": x0, "xanchor": "left", "y": cell_top, "yanchor": "top",
                                  "font": {"size": 14}, "bgcolor": "rgba(255,255,255,0)"})
        below_legend = cell_top - 110 / (height - margin["t"] - margin["b"])
        fig.add_annotation(**_notes_annotation(all_notes, x=x0, y=below_legend, width=int(spare * 60)))
    else:
        note_width = int(width / 7.2) if shown is None else int((width - margin["l"] - 10) / NOTE_PX)
        extra = NOTE_LINE * len(_wrapped(all_notes, note_width)) + 16
        plot_h = height - margin["t"] - margin["b"]
        # the legend goes above the panel titles: 32 px more at the top; laid out for a narrow column,
        # room for the title's lines and the legend's rows
        top = margin["t"] + 32
        if shown is not None:
            names = [tr.name for tr in fig.data if tr.showlegend is not False and tr.name]
            rows_ = _legend_rows(names, width - margin["l"] - margin["r"], FONT_SIZE)
            top = max(top, _title_height(title) + 8 + 26 * rows_ + 34 + 8)
        fig.update_layout(height=height - margin["t"] + top + extra,
                          margin={**margin, "b": margin["b"] + extra, "t": top},
                          legend={"orientation": "h", "x": 0, "y": 1 + 34 / plot_h, "yanchor": "bottom"})
        fig.add_annotation(**_notes_at_bottom(all_notes, plot_h=plot_h, margin_b=margin["b"] + extra,
                                              width=note_width))
    return fig


# --------------------------------------------------------------------------- bar charts

def _publish_groups(rows: pd.DataFrame, n_col: str, min_n: int, publish: bool,
                    guide: Guide | None = None, pop: pd.DataFrame | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Drop (publish) or count (not publish) the rows publication hides — 0 < n < min_n, and, published,
    the next group that protects them from subtraction (`report.publication.complement`:
    the groups add up to «I alt») and the sites and groups every published output of the population
    `pop` hides whole (`report.tables.hidden_parts`); returns notes."""
    rc = row_col(rows)
    ns = rows[n_col].to_numpy()
    own = hidden_rows(ns, min_n)
    codes = rows[rc].to_numpy()
    # the sites and groups every published output of `pop` hides whole, their rows of n = 0 too
    by = next((b for b, c in BY.items() if c == rc), None)
    gone = (_convert(tables.hidden_parts, pop, guide, by, min_n).get(rc, ())
            if publish and by is not None and pop is not None else ())
    preset = np.array([c in gone for c in codes], dtype=bool)
    if not own.any() and not preset.any():
        return rows, []

    def labels(mask: np.ndarray) -> list[str]:
        return [value_label(guide, rc, c) for c in dict.fromkeys(codes[mask])]

    if publish:
        units = [[i] for i, c in enumerate(codes) if c != I_ALT]
        total = next((i for i, c in enumerate(codes) if c == I_ALT), None)
        hide = complement(ns, own | preset, [units], min_n, [total])
        return rows[~hide], [left_out_note(labels(own), min_n, protecting=labels(hide & ~own))]
    return rows, [f"n under {min_n} (kun til intern brug): {named(labels(own))}."]


def _bar_layout(fig: go.Figure, title: str, sub: str, notes: Sequence[str], *, y_title: str, x_title: str,
                n_bars: int, width: int | None = None, legend: bool = True, shown: int | None = None) -> None:
    """The bars' common layout; `shown`: laid out for a column that many px wide — the texts wrapped to
    it, and group names too long for their slot as one line each, turned upright, with room below."""
    width = width or max(900, min(1500, 150 + 26 * n_bars))
    plot_h = 430
    margin = {"l": 90, "r": 30, "t": 118 if legend else 92, "b": 0}
    below = 112  # the ticks (three lines), the axis title
    if shown is None:
        note_width, head = int(width / 7.3), _title(title, sub, int(width / 11))
    else:
        width = min(width, shown)
        note_width, head = int((width - margin["l"] - 10) / NOTE_PX), _title(title, sub, *_title_room(width, margin["l"]))
        rows = _legend_rows([tr.name for tr in fig.data if tr.name], width - margin["l"] - margin["r"], 13) \
            if legend else 0
        margin["t"] = max(margin["t"], _title_height(head) + 12 + 26 * rows)
        cats = list(dict.fromkeys(x for tr in fig.data for x in (tr.x if tr.x is not None else ())))
        slot = (width - margin["l"] - margin["r"]) / max(1, len(cats))
        if cats and max(text_width(line, 12) for c in cats for line in str(c).split("<br>")) > slot - 6:
            flat = [str(c).replace("<br>", " ") for c in cats]
            fig.update_xaxes(tickangle=-90, tickmode="array", tickvals=cats, ticktext=flat)
            below = max(below, int(max(text_width(f, 12) for f in flat)) + 8 + 50)
    margin["b"] = below + NOTE_LINE * len(_wrapped(notes, note_width)) + 14
    _base_layout(fig, width, margin["t"] + plot_h + margin["b"], margin)
    fig.update_layout(
        title=head, barmode="group", bargap=0.22, bargroupgap=0.06,
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 1.02, "yanchor": "bottom", "font": {"size": 13},
                "traceorder": "normal"},
    )
    fig.update_yaxes(title={"text": figure_text(y_title), "font": {"size": 15}}, range=[0, 112], **_PCT_TICKS,
                     gridcolor=GRID, zeroline=True, zerolinecolor="#888", showline=False)
    fig.update_xaxes(title={"text": figure_text(x_title), "font": {"size": 14}, "standoff": 8}, showline=True, linecolor="#888",
                     tickfont={"size": 12})
    if notes:
        fig.add_annotation(**_notes_at_bottom(notes, plot_h=plot_h, margin_b=margin["b"], width=note_width))


def _group_ticks(codes: Sequence[str], ns: Sequence[int], col: str = "brugergruppe",
                 guide: Guide | None = None) -> list[str]:
    # a name's words whole: «Livsværkstederne» was cut into «Livsværksteder» and «ne», with no hyphen
    return [f"{_wrap(value_label(guide, col, c), 14, whole_words=True)}<br>(n = {n})" for c, n in zip(codes, ns)]


def _distribution_figure(long: pd.DataFrame, guide: Guide, code: str, value_col: str, *, title: str, sub: str,
                         fig_id: str, group: str | None, min_n: int, publish: bool, note: str,
                         pop: pd.DataFrame | None = None, shown: int | None = None) -> go.Figure:
    long = keep_group(long, group)
    rc = row_col(long)
    rows = long.drop_duplicates(rc)[[rc, "n"]]
    rows, notes = _publish_groups(rows, "n", min_n, publish, guide, pop)
    long = long[long[rc].isin(rows[rc])]
    ticks = dict(zip(rows[rc], _group_ticks(list(rows[rc]), list(rows["n"]), rc, guide)))
    values = list(dict.fromkeys(long[value_col]))
    fig = go.Figure()
    for i, v in enumerate(values):
        part = long[long[value_col] == v]
        colour = BLANK_COLOUR if v == IKKE_BESVARET else PALETTE[i % len(PALETTE)]
        fig.add_trace(go.Bar(
            x=[ticks[c] for c in part[rc]], y=(part["andel"].to_numpy(float) * 100),
            text=[str(int(a)) for a in part["antal"]], textposition="outside", cliponaxis=False,
            textfont={"size": 11}, marker={"color": colour},
            customdata=np.column_stack([part["antal"].to_numpy(), part["n"].to_numpy(),
                                        [figure_label(guide, rc, c) for c in part[rc]]]),
            hovertemplate="%{customdata[2]}: %{customdata[0]} af %{customdata[1]} (%{y:.0f} %)<extra></extra>",
            name=figure_label(guide, code, v), meta={"value": v, "groups": list(part[rc])},
        ))
    _bar_layout(fig, title, sub, [note] + notes, y_title="Andel af gruppen", x_title=ROW_HEADINGS[rc],
                n_bars=len(values) * len(rows), shown=shown)
    fig.update_layout(meta={"figure": fig_id, "publish": publish, "min_n": min_n, "notes": [note] + notes})
    return fig


def figur_3_1_figure(df: pd.DataFrame, guide: Guide | None = None, group: str | None = None,
                     site_type: str | None = None, min_n: int = DEFAULT_MIN_N, publish: bool = False,
                     cuts: Cuts | None = None, shown: int | None = None, **_: object) -> go.Figure:
    """Figur 3.1: tilbudstype by user group or `cuts.by` (percent of the group, count on each bar)."""
    g, pop = _guide_and_population(df, guide, group, site_type, cuts)
    by = (cuts or NO_CUTS).by
    long = _convert(tables.figur_3_1, pop, g, by=by or "brugergruppe")
    return _distribution_figure(long, g, "tilbudstype", "tilbudstype", title=regrouped_title(TITLES["fig3.1"], by),
                                sub=_population_text(g, group, site_type, len(pop), cuts, min_n if publish else None), fig_id="fig3.1",
                                group=group, min_n=min_n, publish=publish, pop=pop,
                                note="Tal over søjlerne: antal respondenter. Procent af gruppens n.", shown=shown)


def figur_7_figure(df: pd.DataFrame, n: int, guide: Guide | None = None, group: str | None = None,
                   site_type: str | None = None, min_n: int = DEFAULT_MIN_N, publish: bool = False,
                   cuts: Cuts | None = None, shown: int | None = None, **_: object) -> go.Figure:
    """Figur 7.n (n = 1..4): the answers by user group or `cuts.by`, blanks as "Ikke besvaret"."""
    g, pop = _guide_and_population(df, guide, group, site_type, cuts)
    by = (cuts or NO_CUTS).by
    long = _convert(tables.figur_7, pop, n, g, by=by or "brugergruppe")
    return _distribution_figure(long, g, tables.FIG7_CODES[n], "svar", title=regrouped_title(TITLES[f"fig7.{n}"], by),
                                sub=_population_text(g, group, site_type, len(pop), cuts, min_n if publish else None), fig_id=f"fig7.{n}",
                                group=group, min_n=min_n, publish=publish, pop=pop,
                                note="Tal over søjlerne: antal respondenter. Procent af gruppens n "
                                     "(alle i gruppen; ubesvaret vises som «Ikke besvaret»).", shown=shown)


def judgement_figure(df: pd.DataFrame, tid: str, guide: Guide | None = None, group: str | None = None,
                     site_type: str | None = None, min_n: int = DEFAULT_MIN_N, publish: bool = False,
                     cuts: Cuts | None = None, shown: int | None = None, **_: object) -> go.Figure:
    """A users' judgement by user group or `cuts.by` (`tables.JUDGEMENTS`: satisfaction, listened to,
    agreed), blanks as "Ikke besvaret" — drawn as Figur 7.x."""
    g, pop = _guide_and_population(df, guide, group, site_type, cuts)
    by = (cuts or NO_CUTS).by
    code = tables.JUDGEMENTS[tid]
    long = _convert(tables.fordeling, pop, code, g, by=by or "brugergruppe")
    return _distribution_figure(long, g, code, "svar", title=regrouped_title(TITLES[tid], by),
                                sub=_population_text(g, group, site_type, len(pop), cuts, min_n if publish else None), fig_id=tid,
                                group=group, min_n=min_n, publish=publish, pop=pop,
                                note="Tal over søjlerne: antal respondenter. Procent af gruppens n "
                                     "(alle i gruppen; et spørgsmål uden svar vises som «Ikke besvaret»).", shown=shown)


def figur_4_figure(df: pd.DataFrame, guide: Guide | None = None, probe: str | None = None,
                   group: str | None = None, site_type: str | None = None, intervals: bool = False,
                   min_n: int = DEFAULT_MIN_N, publish: bool = False, title: str | None = None,
                   fig_id: str = "fig4", cuts: Cuts | None = None, shown: int | None = None, **_: object) -> go.Figure:
    """Figur 4.x for one probe: share ``ja`` among ``ja`` + ``nej`` per user group (or `cuts.by`),
    "ja af n" on the bars."""
    g, pop = _guide_and_population(df, guide, group, site_type, cuts)
    by = (cuts or NO_CUTS).by
    t = _convert(tables.figur_4, pop, g, probe=probe, by=by or "brugergruppe")
    t = keep_group(t, group)  # a no-op on rows of another grouping
    rc = row_col(t)
    t = t[(t[rc] != UOPLYST) | (t["n"] > 0)]
    t, notes = _publish_groups(t, "n", min_n, publish, g, pop)
    y = t["andel_ja"].to_numpy(float) * 100
    err = None
    if intervals:
        err = dict(type="data", symmetric=False, array=t["andel_ja_hoej"].to_numpy(float) * 100 - y,
                   arrayminus=y - t["andel_ja_lav"].to_numpy(float) * 100, color="#555", thickness=1.3, width=6)
    colours = ["#7f7f7f" if c == I_ALT else POINT for c in t[rc]]
    fig = go.Figure(go.Bar(
        x=_group_ticks(list(t[rc]), list(t["n"]), rc, g), y=y,
        text=[f"{j} af {n}" if n else "ingen svar" for j, n in zip(t["ja"], t["n"])],
        # with intervals the count sits inside the foot of the bar, clear of the error bar
        textposition=[("inside" if v >= 15 else "outside") if intervals else "outside" for v in np.nan_to_num(y)],
        insidetextanchor="start", cliponaxis=False,
        textfont={"size": 13}, insidetextfont={"size": 13, "color": "white"}, marker={"color": colours}, error_y=err,
        customdata=np.column_stack([t["ja"].to_numpy(), t["nej"].to_numpy(), t["n"].to_numpy(),
                                    [pct(a, 0) for a in t["andel_ja"]],
                                    [f"{pct(lo, 0)}–{pct(hi, 0)}" for lo, hi in
                                     zip(t["andel_ja_lav"], t["andel_ja_hoej"])]]),
        hovertemplate=("Ja: %{customdata[0]}, nej: %{customdata[1]} (n = %{customdata[2]})<br>"
                       "Andel ja: %{customdata[3]} (95 %: %{customdata[4]})<extra></extra>"),
        name="Andel ja", showlegend=False, meta={"groups": list(t[rc])},
    ))
    label = g.item(probe).label if probe in g.items else str(probe)
    head = regrouped_title(title or f"Figur 4 {label}", by)
    base = ["Søjlens højde: andel ja af dem, der har svaret ja eller nej; tal på søjlen: antal ja af n. "
            "«Ikke relevant», «uklart» og ubesvaret er ikke talt med."]
    if intervals:
        base.append("Streger: 95 % Wilson-intervaller.")
    _bar_layout(fig, head, _population_text(g, group, site_type, len(pop), cuts, min_n if publish else None), base + notes,
                y_title="Andel ja (af ja + nej)", x_title=ROW_HEADINGS[rc], n_bars=len(t),
                width=max(900, 150 + 80 * len(t)), legend=False, shown=shown)
    fig.update_layout(meta={"figure": fig_id, "probe": probe, "publish": publish, "min_n": min_n,
                            "notes": base + notes})
    return fig


def inddragelse_figure(df: pd.DataFrame, guide: Guide | None = None, group: str | None = None,
                       site_type: str | None = None, min_n: int = DEFAULT_MIN_N, publish: bool = False,
                       cuts: Cuts | None = None, shown: int | None = None, **_: object) -> go.Figure:
    """Section 7.2: satisfaction by involvement (percent of the row, count on each bar)."""
    g, pop = _guide_and_population(df, guide, group, site_type, cuts)
    t = _convert(tables.inddragelse_tilfredshed, pop, g)
    values = [c for c in t.columns if c not in ("inddraget", "i_alt", "andel_tilfreds")]
    rows = t.rename(columns={"inddraget": "brugergruppe"})  # reuse the publish helper on the row n
    rows, notes = _publish_groups(rows, "i_alt", min_n, publish)
    notes = [n.replace("Udeladt,", "Udeladte rækker,") for n in notes]
    ticks = [f"{figure_label(g, 'inddraget', v)}<br>(n = {n})" for v, n in zip(rows["brugergruppe"], rows["i_alt"])]
    fig = go.Figure()
    for i, v in enumerate(values):
        cnt = rows[v].to_numpy()
        tot = rows["i_alt"].to_numpy(dtype=float)
        share = np.divide(cnt * 100.0, tot, out=np.full(len(tot), np.nan), where=tot > 0)
        fig.add_trace(go.Bar(
            x=ticks, y=share, text=[str(int(c)) for c in cnt], textposition="outside", cliponaxis=False,
            textfont={"size": 12},
            marker={"color": BLANK_COLOUR if v == "ikke_vurderet" else PALETTE[i % len(PALETTE)]},
            customdata=np.column_stack([cnt, rows["i_alt"].to_numpy()]),
            hovertemplate="%{customdata[0]} af %{customdata[1]} (%{y:.0f} %)<extra></extra>",
            name=figure_label(g, "samlet_tilfredshed", v), meta={"value": v, "rows": list(rows["brugergruppe"])},
        ))
    note = ("Tal over søjlerne: antal respondenter. Procent af rækkens n (kun respondenter med både inddragelse "
            "og samlet tilfredshed vurderet).")
    _bar_layout(fig, TITLES["7.2"], _population_text(g, group, site_type, len(pop), cuts, min_n if publish else None), [note] + notes,
                y_title="Andel af rækken", x_title="Inddraget i beslutningen om tilbuddet",
                n_bars=len(values) * len(rows),
                width=900, shown=shown)
    fig.update_layout(meta={"figure": "7.2", "publish": publish, "min_n": min_n, "notes": [note] + notes})
    return fig


# --------------------------------------------------------------------------- registry

def _fig4(fig_id: str) -> Callable[..., go.Figure]:
    probe, title = REPORT_FIG4[fig_id]

    def build(df, guide=None, probe_arg=None, **kw):
        if probe_arg and probe_arg != probe:
            raise FigureError(f"{fig_id} er rapportens figur for proben {probe!r}, ikke {probe_arg!r} — brug "
                              f"«fig4 --probe {probe_arg}» for andre prober.")
        return figur_4_figure(df, guide, probe=probe, title=title, fig_id=fig_id, **kw)

    return build


def _fig7(n: int) -> Callable[..., go.Figure]:
    return lambda df, guide=None, **kw: figur_7_figure(df, n, guide, **kw)


#: figure id -> builder(df, guide, **filters). Every builder accepts group, site_type, intervals,
#: min_n and publish; only fig4 takes a probe.
FIGURES: dict[str, Callable[..., go.Figure]] = {
    "kvalitetskort": kvalitetskort_figure,
    "kvalitetskort_grupper": kvalitetskort_small_multiples,
    "fig3.1": figur_3_1_figure,
    "fig4": figur_4_figure,
    **{fid: _fig4(fid) for fid in REPORT_FIG4},
    **{f"fig7.{n}": _fig7(n) for n in tables.FIG7_CODES},
    "7.2": inddragelse_figure,
    **{tid: (lambda t: lambda df, guide=None, **kw: judgement_figure(df, t, guide, **kw))(tid)
       for tid in tables.JUDGEMENTS},
}
FIGURE_IDS: tuple[str, ...] = tuple(FIGURES)
_ALIASES = {"kvalitetskort-grupper": "kvalitetskort_grupper", "kvalitetskort.grupper": "kvalitetskort_grupper"}


def _figure_id(fig_id: object) -> str:
    fid = str(fig_id).strip().lower()
    fid = _ALIASES.get(fid, fid)
    if fid not in FIGURES:
        raise FigureError(f"Ukendt figur {fig_id!r} — tilladt: {', '.join(FIGURE_IDS)}.")
    return fid


#: the figures a grouping (`Cuts.by`) applies to: the bars by group and the small quality maps
GROUPED_FIGURES: frozenset[str] = frozenset({"fig3.1", "fig4", *REPORT_FIG4, *(f"fig7.{n}" for n in tables.FIG7_CODES),
                                             *tables.JUDGEMENTS,
                                             "kvalitetskort_grupper"})


def figure(fig_id: str, df: pd.DataFrame, guide: Guide | None = None, *, group: str | None = None,
           site_type: str | None = None, probe: str | None = None, intervals: bool = False,
           min_n: int = DEFAULT_MIN_N, publish: bool = False, drafts: bool = False,
           cuts: Cuts | None = None, method: MapMethod = DEFAULT_METHOD,
           study: dict[str, dict[object, str]] | None = None, shown: int | None = None) -> go.Figure:
    """The figure `fig_id` (see `FIGURE_IDS`) for the population, as a Plotly figure.

    `probe` is required for ``fig4`` and refused for the figures that have none. Unknown ids,
    groups, site types or probes raise `FigureError`. `drafts`: `df` holds drafts too (issue 14),
    and the title says so («MED KLADDER · …»). `cuts` filters the population (arbejdsmarkedsperspektiv,
    site, interviewer) and groups the figures of `GROUPED_FIGURES` (`cuts.by`); a grouping on another
    figure is refused. `method` (the single quality map only) reads the map otherwise than the report.
    Published, an interviewer is named by the study's pseudonym `study` (`report.data.ReportData.pseudonyms`).
    `shown`: laid out for a column that many px wide (the Rapport page; see `TITLE_PX`), else the
    publication's layout.
    """
    if not method.is_default and _figure_id(fig_id) != "kvalitetskort":
        raise FigureError("Reference og vigtighed (trådkors, afledt vigtighed) gælder kun det enkelte "
                          "kvalitetskort (kvalitetskort uden --efter); de små kort følger rapportens 45°-linje.")
    fig = _figure(fig_id, df, guide, group=group, site_type=site_type, probe=probe, intervals=intervals,
                  min_n=min_n, publish=publish, cuts=cuts or NO_CUTS, method=method, study=study, shown=shown)
    if drafts and shown is None:
        fig.update_layout(title_text=f"MED KLADDER · {fig.layout.title.text or ''}")
    elif drafts:  # a line of its own, and room for it
        fig.update_layout(title_text=f"<b>MED KLADDER</b><br>{fig.layout.title.text or ''}",
                          height=fig.layout.height + 22, margin={"t": fig.layout.margin.t + 22})
    return fig


def _figure(fig_id: str, df: pd.DataFrame, guide: Guide | None, *, group: str | None, site_type: str | None,
            probe: str | None, intervals: bool, min_n: int, publish: bool, cuts: Cuts,
            method: MapMethod = DEFAULT_METHOD, study: dict[str, dict[object, str]] | None = None,
            shown: int | None = None) -> go.Figure:
    fid = _figure_id(fig_id)
    if cuts.by is not None and fid not in GROUPED_FIGURES:
        raise FigureError(f"Figuren {fid} har ingen søjler eller kort pr. gruppe og kan ikke grupperes (--efter) — "
                          f"det kan: {', '.join(sorted(GROUPED_FIGURES))}.")
    g = tables.resolve_guide(guide)
    probe = (probe or "").strip() or None
    try:
        if isinstance(min_n, bool):
            raise TypeError
        min_n = operator.index(min_n)
    except TypeError:
        min_n = -1
    if min_n < 0:
        raise FigureError(f"Ugyldigt mindste n — tilladt: et helt tal ≥ 0 (standard {DEFAULT_MIN_N}).")
    if publish:  # nothing for a population under min_n; no interviewer named (bars, panels, order,
        # subtitle): each by the workbook's pseudonym
        pop = _guide_and_population(df, g, group, site_type, cuts)[1]
        _convert(check_publishable, len(pop), min_n)
        names = pseudonyms(df, g, study)
        df, cuts = pseudonymised(df, names), cuts.renamed(names)
    kw = dict(group=group or None, site_type=site_type or None, intervals=intervals, min_n=min_n, publish=publish,
              cuts=cuts, **({"shown": shown} if shown is not None else {}))
    if fid == "fig4":
        if probe is None:
            raise FigureError("Figur 4 kræver en probe (--probe) — tilladt: "
                              + ", ".join(p.code for p in g.probes) + ".")
        return FIGURES[fid](df, g, probe=probe, **kw)
    if fid in REPORT_FIG4:
        return FIGURES[fid](df, g, probe_arg=probe, **kw)
    if probe is not None:
        raise FigureError(f"--probe gælder kun fig4 og fig4.1–fig4.3, ikke {fid!r}.")
    if not method.is_default:
        kw["method"] = method
    return FIGURES[fid](df, g, **kw)


# --------------------------------------------------------------------------- output

_RENDER_LOCK = threading.Lock()


def _kaleido_server() -> bool:
    """Start kaleido's background Chromium once (faster images after the first); False if unavailable."""
    try:
        import kaleido  # kaleido (Chromium): only a static image loads it (start-up)

        if hasattr(kaleido, "start_sync_server"):
            kaleido.start_sync_server(mathjax=False, silence_warnings=True)
            return True
    except Exception:  # noqa: BLE001 - fall back to plotly's one-shot rendering
        pass
    return False


def stop_image_server() -> None:
    """Stop kaleido's background Chromium (if running). The next image starts it again."""
    with _RENDER_LOCK:
        try:
            import kaleido  # kaleido (Chromium): only a static image loads it (start-up)

            kaleido.stop_sync_server(silence_warnings=True)
        except Exception:  # noqa: BLE001
            pass


def to_image_bytes(fig: go.Figure, fmt: str = "png", scale: float | None = None) -> bytes:
    """The figure as PNG or SVG bytes through kaleido (Chromium). Raises FigureError on failure."""
    import plotly.io as pio  # only a static image needs it

    fmt = fmt.lower().lstrip(".")
    if fmt not in ("png", "svg"):
        raise FigureError(f"Ukendt billedformat {fmt!r} — tilladt: png, svg.")
    if scale is None:
        scale = PNG_SCALE if fmt == "png" else 1
    with _RENDER_LOCK:
        last: Exception | None = None
        for attempt in range(2):
            _kaleido_server()
            try:
                with warnings.catch_warnings():
                    warnings.filterwarnings("ignore", message="The kopts argument is ignored")
                    return pio.to_image(fig, format=fmt, scale=scale)
            except Exception as e:  # noqa: BLE001 - a dead Chromium: restart once, then report
                last = e
                try:
                    import kaleido  # kaleido (Chromium): only a static image loads it (start-up)

                    kaleido.stop_sync_server(silence_warnings=True)
                except Exception:  # noqa: BLE001
                    pass
    raise FigureError(f"Kunne ikke lave {fmt.upper()}-billedet med kaleido og Chromium ({last}). Kræver Python-"
                      "pakken kaleido ≥ 1 og Debian-pakken chromium på PATH (tools/system-deps.sh); "
                      "vælg ellers .html.")


def to_png_bytes(fig: go.Figure, scale: float = PNG_SCALE) -> bytes:
    """PNG bytes of the figure (for the app's download buttons)."""
    return to_image_bytes(fig, "png", scale)


def to_html(fig: go.Figure) -> str:
    """A complete HTML page with plotly.js inline (opens offline)."""
    return fig.to_html(include_plotlyjs=True, full_html=True, config={"displaylogo": False})


def write_figure(fig_id: str, wide_df: pd.DataFrame, guide: Guide | None, out_path: str | Path,
                 group: str | None = None, site_type: str | None = None, probe: str | None = None,
                 intervals: bool = False, *, min_n: int = DEFAULT_MIN_N, publish: bool = False,
                 drafts: bool = False, cuts: Cuts | None = None, method: MapMethod = DEFAULT_METHOD,
                 study: dict[str, dict[object, str]] | None = None) -> Path:
    """Write figure `fig_id` to `out_path`; the format follows the extension (.png, .svg, .html).

    Returns the path written. Raises FigureError (Danish message) for an unknown id, extension,
    group, site type or probe, a missing output folder, or when kaleido/Chromium cannot render.
    The file is written by `survey.files.write_atomic` (atomic, owner-only 0600).
    """
    path = _target(out_path)
    fig = figure(fig_id, wide_df, guide, group=group, site_type=site_type, probe=probe, intervals=intervals,
                 min_n=min_n, publish=publish, drafts=drafts, cuts=cuts, method=method, study=study)
    return save_figure(fig, path)


def _target(out_path: str | Path) -> Path:
    """The checked output path (known extension, existing folder, no folder as target)."""
    path = Path(out_path)
    if path.suffix.lower() not in FORMATS:
        raise FigureError(f"Ukendt filtype {path.suffix or '(ingen)'!r} for {path.name!r} — tilladt: "
                          f"{', '.join(FORMATS)}.")
    try:  # the one rule for every file the tool writes: the folder must exist, the target is no folder
        return files.check_target(path)
    except files.FileWriteError as e:
        raise FigureError(str(e)) from None


def save_figure(fig: go.Figure, out_path: str | Path) -> Path:
    """Write a figure to `out_path` in the format its extension names (.png, .svg, .html) —
    atomic and owner-only (`survey.files.write_atomic`), as every file Brugerblik writes; also
    the figures of `report.saturation` and `report.cooccurrence`. Raises FigureError (Danish)."""
    path = _target(out_path)
    ext = path.suffix.lower()
    data = to_html(fig).encode("utf-8") if ext == ".html" else to_image_bytes(fig, ext[1:])
    try:
        return files.write_atomic(path, data)
    except files.FileWriteError as e:
        raise FigureError(str(e)) from None
