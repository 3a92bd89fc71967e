"""How a report number is published: which n, small-cell suppression, Danish labels and percent,
the population line — one place, used by the tables' Markdown, the figures, the workbook and the
Rapport page (``ui/rapport_view.py``).

Suppression (one boundary)
--------------------------
A number computed on **n** respondents (or files, pairs …) is *hidden* for publication when
``0 < n < min_n`` (`hidden`; ``min_n`` defaults to `DEFAULT_MIN_N` = 5): its counts and shares are
shown as «–» (`SUPPRESSED`), its n as «<min_n», and charts leave it out. **n = 0 is not hidden**:
there is nothing about anyone to hide, and a table shows the row with its zeros and «–» for the
shares (a share of 0 has no value). A chart cannot draw a share of n = 0 either, so figures and the
quality map leave such points out as *empty* (with their own note), and the quality map's
``suppressed`` column (`not_on_map`) is "not shown on a published map": empty or hidden. This is
the rule the workbook and the Rapport page always used (``0 < n < min_n``); the tables' Markdown and
the figures used ``n < min_n``, which differed only for n = 0.

Secondary suppression (`complement`, `published_rows`, `hidden_units`)
----------------------------------------------------------------------
Rows that split one population (the groups of a grouping, the sites of a site type, the site types,
the values of a crosstab's single-choice row variable) add up to their total, shown in the table
(«I alt») or elsewhere (the population line, the ungrouped table). A single hidden row of such a
*block* could be recovered by subtracting the shown rows from the total, so every block with a row
hidden for its own n also hides one row that is not small: the next shown row after the first hidden
one, in the table's order (not the smallest: that choice can be worked back, see `complement`). A
subtotal hidden that way needs the same of the rows under it. Rows of one *unit* (a group's answers
in a distribution, one row per value) are hidden together. `published_rows` finds the blocks of a
report table from its columns (`PARTITION_COLUMNS`, outer to inner: a site's block is its site type;
``kode``, ``kilde``, ``informant`` … split blocks). A row hidden for its own n shows n «<min_n»; one
hidden to protect another shows «–» as its n (it is not small, and «<5» would be untrue). Tables whose
rows do not split one population (probes, topics, overlapping answers) have no blocks.

Which n (`row_n`)
-----------------
The n a row's numbers are computed on: the ``n`` column where a table has one (Figur 4, the
quality map, the crosstab, the distributions of Figur 3.1 and 7.x: the group's respondents),
``i_alt`` for Tabel 3.2 and 7.2, ``interviewet`` for the Oversigt, ``journaler`` / ``brugere`` /
``n`` for the tables of the other sources (`N_COLUMNS`), ``ja + nej`` for Tabel 4.1/4.2 and the
population for Tabel 3.1. Bilag C has individual rows and no n: nothing is suppressed there.

Labels and formatting
---------------------
`group_label` (the report's short group names, «Uoplyst», «I alt»), `value_label` (the guide's
choice labels, «Ikke besvaret», age bands in years), `site_labels` (type and site of a row with
subtotals), `status_short` (Bilag C: «X», «-» or the reason), `journal_label`, `topic_label`,
`probe_short` (the short probe names of the map's points and the workbook), `pct` (``84,7 %``,
Danish decimal comma), `da3` (``0,847``), `da2` (``0,47``), `count` (``1.234``), `fmt3` (CSV: ``0.847``), `points` (a gap in percentage
points, ``+15,2``), `population_line` («Population: brugergruppe De etniske (n = 7).»),
`md_table` (a Markdown table). `figure_text` and `figure_label`: the same texts for a Plotly figure,
shown literally (Plotly reads ``<a href>``, ``<b>``, ``&lt;`` … in its texts as markup).
"""
from __future__ import annotations

import html
import math
import textwrap
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from archetypes.model import GROUPS
from report.errors import TableError
from survey.guide import Guide
from survey.sources import COMPARE_TOPICS, EXTRA_TOPICS, SOURCE_STATUS

__all__ = [
    "I_ALT", "UOPLYST", "IKKE_BESVARET", "DEFAULT_MIN_N", "MAX_MIN_N", "SUPPRESSED", "PALETTE", "BLANK_COLOUR",
    "SITE_TYPE_LABELS", "PROBE_SHORT",
    "N_COLUMNS", "hidden", "hidden_rows", "shown_small", "SMALL_POPULATION", "check_publishable", "complement", "PARTITION_COLUMNS", "partition_columns", "table_blocks",
    "published_rows", "hidden_units", "hidden_n", "PROTECTING", "hidden_rows_note", "blanked",
    "INDIVIDUAL_TABLES", "NOT_PUBLISHED", "not_on_map", "n_column", "row_n", "suppress", "small_n_note",
    "suppression_note", "group_label", "value_label", "site_labels", "status_short", "journal_label",
    "topic_label", "probe_short", "figure_text", "figure_label",
    "pct", "da3", "da2", "count", "fmt3", "points", "population_line", "md_table",
    "drafts_line",
    "conflicts_line",
]

I_ALT = "i_alt"
UOPLYST = "uoplyst"
IKKE_BESVARET = "ikke_besvaret"
DEFAULT_MIN_N = 5
#: the largest smallest-n a publication may use; the smallest is 1 (the page's field and the CLI's --min-n)
MAX_MIN_N = 10_000
SUPPRESSED = "–"  # en dash: a suppressed count or share, a share with n = 0

#: colours per answer position in every chart (figures and the workbook's charts): colour-blind-safe,
#: print-friendly; blank («Ikke besvaret», «ikke vurderet») grey
PALETTE = ("#1f4e79", "#e08214", "#4dac26", "#b2182b", "#8073ac", "#35978f", "#bf812d")
BLANK_COLOUR = "#bdbdbd"

#: site-type labels where no guide is at hand (the tables of the other sources)
SITE_TYPE_LABELS = {"boform": "Boform", "vaerested": "Værested", UOPLYST: "Uoplyst"}

#: short Danish names of the probes (the guide's labels are whole questions).
PROBE_SHORT: dict[str, str] = {
    "arbejdsmarked": "Arbejdsmarked", "rytme": "Rytme", "sjovt": "Sjovt og udfordrende",
    "mod": "Mod på tilværelsen", "bolig": "Bolig", "familie": "Familie", "kontakt": "Kontakt",
    "sundhed": "Sundhed", "skrive_laese": "Skrive/læse", "faglige_evner": "Faglige evner",
    "virksomheder": "Virksomheder", "jobsoegning": "Jobsøgning",
}


# --------------------------------------------------------------------------- suppression

def _count(n: object) -> int | None:
    if n is None or n is pd.NA or (isinstance(n, float) and math.isnan(n)):
        return None
    try:
        return int(n)
    except (TypeError, ValueError):
        return None


def hidden(n: object, min_n: int = DEFAULT_MIN_N) -> bool:
    """True when a number computed on `n` is hidden for publication: ``0 < n < min_n``.

    Blank or non-numeric n (a row without an n, e.g. Bilag C) is never hidden."""
    k = _count(n)
    return k is not None and 0 < k < min_n


#: published, a population under min_n gets nothing (`check_publishable`)
SMALL_POPULATION = ("Populationen har færre end {min_n} respondenter. Til offentliggørelse vises intet om den — "
                    "selv en tabels rækker med 0 ville sige, hvilke grupper de få tilhører. Vælg en større "
                    "population, eller brug arbejdsmaterialet (uden «Til offentliggørelse»/--publish) i "
                    "forskergruppen.")


def check_publishable(n: int, min_n: int = DEFAULT_MIN_N) -> None:
    """Published, nothing is made for a population of ``0 < n < min_n`` (`TableError`, Danish, without the
    n): its tables would hide every row with people in it and show the others' zeros — which tells the
    groups, sites and answers of those few (a population of one: that person's)."""
    if hidden(n, min_n):
        raise TableError(SMALL_POPULATION.format(min_n=min_n))


def hidden_rows(ns: Iterable[object], min_n: int = DEFAULT_MIN_N) -> np.ndarray:
    """`hidden` for every n, as a boolean array."""
    return np.array([hidden(n, min_n) for n in ns], dtype=bool)


def shown_small(ns: Iterable[object], min_n: int = DEFAULT_MIN_N) -> np.ndarray:
    """For every n: a hidden row with this n shows n «<min_n» (True) rather than «–» (False) — as
    `hidden_n`: hidden for its own n (0 < n < min_n), or 0 (a row of a site or group hidden whole that
    nobody there answered: «–», the mark of a row that is not small, beside the site's «<5» told that
    all of its few gave no answer; the workbook said «<5», the CLI and the page's tables «–»)."""
    return np.array([hidden(n, min_n) or _count(n) == 0 for n in ns], dtype=bool)


def complement(ns: Sequence[object], hide: np.ndarray, blocks: Sequence[Sequence[Sequence[int]]], min_n: int,
               totals: Sequence[int | None] | None = None) -> np.ndarray:
    """Secondary suppression: `hide` (each row hidden for its own n: 0 < n < `min_n`; or given hidden,
    e.g. a part hidden on another sheet) widened so that no hidden row can be worked out by
    subtraction. `blocks`: each block a list of units in the table's order, each unit the row indices
    hidden together (their n: the largest of them); `totals`: per block the row index of its total
    row, or None.

    A block with a unit hidden for its own n gets one more hidden unit, not small itself (n ≥ min_n),
    unless it has one: **the next shown unit with n > 0 after the first hidden one, in the table's
    order** (wrapping to the first). So the hidden units add up to at least min_n, and even small rows
    that reach min_n together (two 4s) are not exact. The choice follows the order, not the sizes: a
    reader who knows the rule learns nothing about the size of the unit chosen (a smallest-first rule
    told a reviewer that the chosen row was at most the smallest row still shown — with rows of
    exactly min_n, the hidden ones exactly). A block whose total row is hidden but not for its own n
    gets its first shown unit hidden when none is. Repeated until nothing changes."""
    out = np.array(hide, dtype=bool, copy=True)
    counts = [(_count(n) or 0) for n in ns]
    small_row = np.array([0 < c < min_n for c in counts], dtype=bool) & out
    totals = list(totals) if totals is not None else [None] * len(blocks)
    changed = True
    while changed:
        changed = False
        for units, tot in zip(blocks, totals):
            unit_n = [max((counts[i] for i in rows), default=0) for rows in units]
            for rows in units:  # a unit is hidden whole
                if out[list(rows)].any() and not out[list(rows)].all():
                    out[list(rows)] = True
                    changed = True
            hid = [k for k, rows in enumerate(units) if unit_n[k] > 0 and out[list(rows)].any()]
            small = [k for k in hid if small_row[list(units[k])].any()]
            protected = any(k not in small for k in hid)
            total_hidden = tot is not None and out[tot] and not small_row[tot]
            if protected or not (small or total_hidden):
                continue
            start = hid[0] if hid else -1
            order = [(start + d) % len(units) for d in range(1, len(units) + 1)] if hid else range(len(units))
            nxt = next((k for k in order if unit_n[k] > 0 and not out[list(units[k])].any()), None)
            if nxt is not None:
                out[list(units[nxt])] = True
                changed = True
    return out


#: the columns whose rows split one population into parts (outer to inner), as the report's tables
#: name them: site type, site, the groupings' row columns (`report.population.row_column`), Figur 4's
#: and Tabel 7.2's rows
PARTITION_COLUMNS = ("site_type", "site", "brugergruppe", "arbejdsmarkedsperspektiv", "interviewer", "gruppe",
                     "inddraget")
#: columns that name a row's value inside a unit (one row per answer of one group), not a block
VALUE_COLUMNS = frozenset({"svar", "tilbudstype", "spoergsmaal", "label"})


def partition_columns(t: pd.DataFrame) -> list[str]:
    """The columns of table `t` whose rows split one population, outer to inner (none: its rows do not,
    e.g. probes, topics); a crosstab's row variable when it is a single choice."""
    cols = [c for c in PARTITION_COLUMNS if c in t.columns]
    a = t.attrs.get("a")
    if isinstance(a, str) and a in t.columns and a not in cols and not t.attrs.get("flervalg_a", False):
        cols.append(a)
    return sorted(cols, key=list(t.columns).index)


def table_blocks(t: pd.DataFrame) -> tuple[list[list[list[int]]], list[int | None]]:
    """The blocks of a report table for `complement`: for each partition column (outer to inner), the
    rows of each of its totals — same outer values, the inner columns at their total («I alt»), same
    other key columns — grouped by the column's value into units; and each block's total row."""
    parts = partition_columns(t)
    if not parts:
        return [], []
    other = [c for c in t.columns if c not in parts and c not in VALUE_COLUMNS
             and not pd.api.types.is_numeric_dtype(t[c]) and not pd.api.types.is_bool_dtype(t[c])]
    vals = {c: t[c].astype(object).tolist() for c in [*parts, *other]}
    blocks: list[list[list[int]]] = []
    totals: list[int | None] = []
    for i, col in enumerate(parts):
        outer, inner = parts[:i], parts[i + 1:]
        found: dict[tuple, dict[object, list[int]]] = {}
        total_of: dict[tuple, int] = {}
        for r in range(len(t)):
            if any(vals[c][r] == I_ALT for c in outer) or any(vals[c][r] != I_ALT for c in inner):
                continue
            key = tuple(vals[c][r] for c in [*outer, *other])
            if vals[col][r] == I_ALT:
                total_of.setdefault(key, r)
            else:
                found.setdefault(key, {}).setdefault(vals[col][r], []).append(r)
        for key, units in found.items():
            blocks.append(list(units.values()))
            totals.append(total_of.get(key))
    return blocks, totals


def published_rows(tid: str, t: pd.DataFrame, pop_n: int, min_n: int = DEFAULT_MIN_N,
                   hidden_parts: Mapping[str, Iterable[object]] | None = None) -> np.ndarray:
    """The rows of report table `tid` publication hides: those with ``0 < n < min_n`` (`row_n`, `hidden`)
    and those hidden to protect them (`complement` over `table_blocks`). `hidden_parts`: column ->
    values hidden whatever their n (a site another sheet of the same workbook hides)."""
    ns = row_n(tid, t, pop_n)
    hide = hidden_rows(ns, min_n)
    for col, values in (hidden_parts or {}).items():
        if col in t.columns:
            hide |= t[col].isin(list(values)).to_numpy() & (t[col] != I_ALT).to_numpy()
    if not hide.any():
        return hide
    blocks, totals = table_blocks(t)
    return complement(ns, hide, blocks, min_n, totals) if blocks else hide


def hidden_units(ns: Mapping[object, object], min_n: int = DEFAULT_MIN_N, *, outside: int = 0,
                 gone: Iterable[object] = ()) -> set:
    """The parts of one population (e.g. the groups of the small quality maps: part -> its n) whose n
    publication hides: under min_n, or hidden to protect those (`complement`; the total is public).
    `outside`: the population's people in no part shown (never published: a hidden part); `gone`:
    parts hidden whatever their n (the sites every published output hides)."""
    keys = list(ns)
    gone = set(gone)
    counts = [ns[k] for k in keys] + [outside]
    first = np.append(hidden_rows(counts[:-1], min_n) | np.array([k in gone for k in keys], dtype=bool),
                      outside > 0)
    hide = complement(counts, first, [[[i] for i in range(len(counts))]], min_n)
    return {k for k, h in zip(keys, hide) if h}


def not_on_map(ns: np.ndarray, min_n: int = DEFAULT_MIN_N) -> np.ndarray:
    """The quality map's ``suppressed``: no point on a published map — empty (n = 0, no position)
    or hidden (``0 < n < min_n``)."""
    ns = np.asarray(ns)
    return (ns == 0) | ((ns > 0) & (ns < min_n))


#: table id -> the column holding each row's n, for the tables of the other sources
N_COLUMNS: dict[str, str] = {"planer": "journaler", "oversigt_interview": "brugere", "enighed": "n",
                             "lab_personer": "med_tilbud"}


def n_column(tid: str, t: pd.DataFrame) -> str | None:
    """The column of table `tid` that holds each row's n (None: Tabel 3.1, 4.1, 4.2, Bilag C)."""
    if tid in N_COLUMNS:
        return N_COLUMNS[tid]
    if tid == "bilag_c":
        return None
    for c in ("n", "i_alt", "interviewet"):
        if c in t.columns and (c != "i_alt" or tid in ("3.2", "7.2")):
            return c
    return None


def row_n(tid: str, t: pd.DataFrame, pop_n: int) -> np.ndarray:
    """The n each row's numbers are computed on (what publication checks against the minimum n)."""
    if tid == "bilag_c":  # individual rows: nothing to suppress
        return np.full(len(t), None, dtype=object)
    if "personer" in t.columns:  # chapters 5–6: the people behind a row, not its interviews or files
        return t["personer"].to_numpy()
    c = n_column(tid, t)
    if c == "n" and "par" in t.columns:
        # section 7.4: a topic nobody answered (n = 0) still shows its pairs and «Mangler svar» — the
        # pairs are its people then (a reviewer found «Par 1 / Mangler svar 1» published)
        n, par = t["n"].to_numpy(), t["par"].to_numpy()
        t = t.assign(n=np.where(n > 0, n, par))
    if c is not None and "emne" in t.columns and (t["emne"] == I_ALT).any():
        return _agreement_total_n(t, c)
    if c is not None:
        return t[c].to_numpy()
    if {"ja", "nej"} <= set(t.columns):  # Tabel 4.1/4.2: the probe's ja + nej
        return (t["ja"] + t["nej"]).to_numpy()
    return np.full(len(t), pop_n)        # Tabel 3.1: the population


def _agreement_total_n(t: pd.DataFrame, c: str) -> np.ndarray:
    """Section 7.4 over all topics: the «I alt» row sums comparisons, so its own n says nothing about
    how many people stand behind it. It is published only when every topic row with answers is
    (its n is then the smallest topic n, else 0 < that n < min_n hides it with them): a total shown
    beside a hidden topic would give the hidden numbers away by subtraction."""
    ns = t[c].to_numpy().astype(object)
    total = (t["emne"] == I_ALT).to_numpy()
    topic_ns = [int(n) for n, tot in zip(ns, total) if not tot and int(n) > 0]
    ns[total] = min(topic_ns) if topic_ns else 0
    return ns


def suppress(t: pd.DataFrame, hide: Sequence[bool] | np.ndarray, min_n: int, n_col: str | None,
             small: Sequence[bool] | np.ndarray | None = None) -> pd.DataFrame:
    """A copy of `t` with the rows in `hide` blanked: their numbers None (blank in CSV, «–» on the
    page), their n (column `n_col`) «<min_n» where the row is hidden for its own n or its n is 0
    (`small`: `shown_small` of the n publication uses, `row_n` — the people, not the files; else of the
    column's own n), «–» where it protects another (`complement`); text and yes/no columns are kept."""
    hide = np.asarray(hide, dtype=bool)
    if small is None and n_col is not None:
        small = shown_small(t[n_col], min_n)
    small = np.asarray(small if small is not None else hide, dtype=bool)
    out = t.copy()
    if not hide.any():
        return out
    for j, c in enumerate(out.columns):
        col = out.iloc[:, j]
        if c == n_col:
            out.isetitem(j, pd.Series([(f"<{min_n}" if k else SUPPRESSED) if h else str(v)
                                       for v, h, k in zip(col, hide, small)], index=out.index, dtype=object))
        elif pd.api.types.is_bool_dtype(col) or not pd.api.types.is_numeric_dtype(col):
            continue
        else:
            out.isetitem(j, pd.Series([None if h else v for v, h in zip(col.tolist(), hide)], index=out.index,
                                      dtype=object))
    return out


def hidden_n(n: object, min_n: int = DEFAULT_MIN_N) -> str:
    """A hidden row's n as published: «<min_n», or «–» when the row was hidden to protect another (its n
    is not small: «<5» would be untrue)."""
    k = _count(n)
    return SUPPRESSED if k is not None and k >= min_n else f"<{min_n}"


def small_n_note(min_n: int = DEFAULT_MIN_N) -> str:
    """The note under a Markdown table that marks small n with *."""
    return f"Markeret med *: n under {min_n} — for få svar til at vise uden for forskergruppen."


def named(items: Sequence[str], limit: int = 6) -> str:
    """«a, b, c» — at most `limit` names, then «og N flere»."""
    items = list(items)
    if len(items) <= limit:
        return ", ".join(items)
    return ", ".join(items[:limit]) + f" og {len(items) - limit} flere"


def left_out_note(labels: Sequence[str], min_n: int = DEFAULT_MIN_N, where: str = "",
                  protecting: Sequence[str] = ()) -> str:
    """What publication left out of a figure or a quality map's table (groups or points with n under
    `min_n`), named; `where`: the panel or group it concerns («Etniske minoriteter: »); `protecting`:
    those left out so that the small ones cannot be worked out from the total (`complement`)."""
    parts = []
    if labels:
        parts.append(f"{where}Udeladt, n under {min_n} (for få svar til offentliggørelse): {named(labels)}.")
    if protecting:
        parts.append(f"{'' if labels else where}{PROTECTING}: {named(protecting)}.")
    return " ".join(parts)


#: tables with a row per respondent: not in anything published (their rows would count every site and
#: group a table hides, and give each respondent's sources and consents)
INDIVIDUAL_TABLES = frozenset({"bilag_c"})
NOT_PUBLISHED = ("Bilag C har én række pr. respondent og er ikke med til offentliggørelse: rækkerne ville vise "
                 "antallet på hvert sted, også hvor tabellerne skjuler det, og hver respondents kilder og "
                 "samtykker. Brug arbejdsmaterialet (uden «Til offentliggørelse»/--publish) i forskergruppen.")


def hidden_rows_note(n_hidden: int, min_n: int = DEFAULT_MIN_N) -> str:
    """The Rapport page's line over a published table with hidden rows."""
    return (f"Til offentliggørelse: {n_hidden} række(r) er skjult — med n under {min_n} (n vist som «<{min_n}»), "
            "eller så et lille tal ikke kan regnes ud af totalen (n vist som «–»); tallene vises som «–».")


#: the words for what `complement` hid (not small itself)
PROTECTING = "Også udeladt, så et lille tal ikke kan regnes ud af de øvrige og totalen"


def suppression_note(min_n: int = DEFAULT_MIN_N) -> str:
    """The note on every published sheet (and the Rapport page's info)."""
    return (f"Til offentliggørelse: tal beregnet på færre end {min_n} respondenter (0 < n < "
            f"{min_n}) er undertrykt og vist som «{SUPPRESSED}»; n vises som «<{min_n}». "
            "Undertrykte grupper og punkter er udeladt af diagrammerne. Hvor rækker lægges sammen til en "
            "total, er også den næste række undertrykt (n vist som «–»), så et lille tal ikke kan regnes ud "
            "af totalen.")


# --------------------------------------------------------------------------- labels

def group_label(code: object) -> str:
    """The report's short name of a user group; «I alt», «Uoplyst»; anything else as it is."""
    if code == I_ALT:
        return "I alt"
    if code == UOPLYST:
        return "Uoplyst"
    return GROUPS[code].short if code in GROUPS else str(code)


def figure_text(text: object) -> str:
    """Text for a Plotly figure (a title, label, tick, legend entry, hover text or annotation), shown
    as it is: Plotly renders its texts as pseudo-HTML — a site named ``<a href="https://…">klik</a>``
    became a live link in the SVG and HTML — and shows ``&lt;``, ``&gt;`` and ``&amp;`` as ``<``, ``>``
    and ``&``. Every text from the data or the guide (site and group names, labels, notes) goes
    through here once, before the figure's own markup (``<br>``, ``<b>``) is put around it."""
    return html.escape(str(text), quote=False)


def figure_label(guide: Guide | None, code: str, value: object) -> str:
    """`value_label` for a Plotly figure (`figure_text`)."""
    return figure_text(value_label(guide, code, value))


def value_label(guide: Guide | None, code: str, value: object) -> str:
    """The Danish label of a coded value: guide choices, user groups, age bands, totals, blanks."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if value == I_ALT:
        return "I alt"
    if value == IKKE_BESVARET:
        return "Ikke besvaret"
    if value == UOPLYST:
        return "Uoplyst"
    if code == "brugergruppe":
        return group_label(value)
    if code in ("age", "alder"):
        return f"{value} år"
    if guide is not None and code in guide.items:
        try:
            return guide.item(code).choice_label(str(value))
        except Exception:  # noqa: BLE001 - a value outside the guide is shown as it is
            return str(value)
    if code == "site_type":
        return SITE_TYPE_LABELS.get(str(value), str(value))
    return str(value)


def site_labels(site_type: str, site: str, guide: Guide | None = None, *, total_type: str = "") -> tuple[str, str]:
    """(type, place) of a row of a table by site with subtotals: the grand total is
    (`total_type`, «I alt»), a subtotal («Boform», «I alt boform»), a site («Boform», its name)."""
    if site_type == I_ALT:
        return total_type, "I alt"
    typ = value_label(guide, "site_type", site_type)
    return typ, (f"I alt {typ.lower()}" if site == I_ALT else "Uoplyst" if site == UOPLYST else site)


def status_short(status: object) -> str:
    """A source's status in Bilag C: «X» (foreligger), «-» (ikke oplyst) or the reason's words."""
    short = {"foreligger": "X", "ikke_oplyst": "-"}
    return short.get(status, SOURCE_STATUS.get(status, status or ""))


def journal_label(kilde: object) -> str:
    """«Kommunens journal» / «Boformens journal» (the source of a case file)."""
    return "Kommunens journal" if kilde == "kommune" else "Boformens journal"


_TOPICS = {k: lab for k, lab, _ in COMPARE_TOPICS + EXTRA_TOPICS}


def topic_label(topic: object) -> str:
    """The Danish label of a topic compared between two accounts (section 7.4)."""
    return _TOPICS.get(topic, topic)


def probe_short(guide: Guide, code: str) -> str:
    """A probe's short name («Rytme»); a probe outside `PROBE_SHORT`: its label, shortened."""
    if code in PROBE_SHORT:
        return PROBE_SHORT[code]
    label = guide.item(code).label if code in guide.items else code
    return textwrap.shorten(label, 28, placeholder="…")


def probe_numbers(guide: Guide) -> dict[str, int]:
    """The number a probe's point carries in the small quality maps (page and workbook): 1, 2, … in the
    guide's order — the same probe has the same number in every map."""
    return {p.code: i + 1 for i, p in enumerate(guide.probes)}


def probe_number_texts(guide: Guide, codes: Iterable[str]) -> list[str]:
    """The labels of numbered points: each probe's number (`probe_numbers`) as text; a code the guide has no
    probe for, itself."""
    number = probe_numbers(guide)
    return [str(number.get(c, c)) for c in codes]


def probe_key(guide: Guide) -> str:
    """The key under numbered maps: «Punkterne er nummereret: 1 Arbejdsmarked, 2 Rytme, …»."""
    number = probe_numbers(guide)
    return "Punkterne er nummereret: " + ", ".join(f"{number[p.code]} {probe_short(guide, p.code)}"
                                                   for p in guide.probes) + "."


# --------------------------------------------------------------------------- numbers as text

def pct(x: object, digits: int = 0) -> str:
    """A share as Danish percent: 0.847 -> "85 %" (digits=1: "84,7 %"); blank/NaN -> "–"."""
    if x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{float(x) * 100:.{digits}f} %".replace(".", ",")


def fmt3(x: object) -> str:
    """A proportion in CSV: 3 decimals with a point (``0.847``), blank for NaN, never ``-0.000``."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    s = f"{x:.3f}"
    return "0.000" if s == "-0.000" else s


def da3(x: object) -> str:
    """A proportion in Danish Markdown: ``0,847``; «–» for NaN."""
    s = fmt3(x)
    return s.replace(".", ",") if s else "–"


def da2(x: object) -> str:
    """A coefficient with two decimals (the quality map's derived importance r): ``0,47``, ``-0,12`` (as `da3`); «–»
    for NaN, never ``-0,00``."""
    if x is None or x is pd.NA or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    s = f"{float(x):.2f}"
    return "0,00" if s == "-0.00" else s.replace(".", ",")


def count(x: object) -> str:
    """A count as the page writes it: ``7``, ``1.234`` (Danish thousands); «–» for a missing one."""
    if x is None or x is pd.NA or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    return f"{int(round(float(x))):,}".replace(",", ".")


def points(x: object) -> str:
    """A gap in percentage points with sign and decimal comma: 0.152 -> "+15,2"."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    s = f"{float(x) * 100:+.1f}".replace(".", ",")
    return "0,0" if s in ("+0,0", "-0,0") else s.replace("-", "−")


def population_line(guide: Guide | None, group: str | None, site_type: str | None, n: int, *,
                    of: int | None = None, unit: str = "", lower_site: bool = False,
                    cuts: Sequence[str] = (), hide_below: int | None = None) -> str:
    """«Population: brugergruppe De etniske, stedtype Boform (n = 7).» — «alle respondenter»
    without filters; `of` adds «af M i undersøgelsen», `unit` a word after n («brugere»);
    `lower_site` writes the site type in lower case (the tables of the other sources); `cuts` are
    the other filters' words (`report.population.Cuts.words`: «arbejdsmarkedsperspektiv reelt»).
    `hide_below` (publication: min_n): a population the rule hides says «n under 5», not its n (a
    reviewer found «sted Amadeus (n = 4)» above a published figure whose every row said «<5»)."""
    parts = []
    if group:
        parts.append(f"brugergruppe {group_label(group)}")
    if site_type:
        label = value_label(guide, "site_type", site_type)
        parts.append(f"stedtype {label.lower() if lower_site else label}")
    parts.extend(cuts)
    shown = f"n under {hide_below}" if hide_below is not None and hidden(n, hide_below) else f"n = {n}"
    count = shown + (f" {unit}" if unit else "") + (f" af {of} i undersøgelsen" if of is not None else "")
    return f"Population: {', '.join(parts) if parts else 'alle respondenter'} ({count})."


def drafts_line(n: int, n_drafts: int, drafts: bool) -> str:
    """What every report says about unfinished interviews (issue 14): by default only the completed
    ones are counted — «n = 61 afsluttede interview; 2 kladder er ikke talt med.» — and a report made
    with the drafts (`drafts`; CLI --med-kladder, the page's «Medtag kladder») says so in capitals."""
    word = "kladde" if n_drafts == 1 else "kladder"
    if drafts:
        return f"MED KLADDER: n = {n} interview, heraf {n_drafts} {word} (ikke {'afsluttet' if n_drafts == 1 else 'afsluttede'})."
    if n_drafts:
        return f"n = {n} afsluttede interview; {n_drafts} {word} er ikke talt med."
    return f"n = {n} afsluttede interview."


def conflicts_line(n_conflicts: int) -> str:
    """What every report says while field packages' merge conflicts wait for a person (`survey.sync`): the
    laptop's version of those interviews is not counted — '' when there are none."""
    if not n_conflicts:
        return ""
    which = ("1 flettekonflikt venter" if n_conflicts == 1 else f"{n_conflicts} flettekonflikter venter")
    return (f"{which} på en afgørelse: feltcomputerens udgave af {'det' if n_conflicts == 1 else 'de'} "
            f"interview er ikke talt med, før en administrator afgør {'den' if n_conflicts == 1 else 'dem'} "
            "(siden Administration, fanen Feltpakker, eller `brugerblik merge --conflicts`).")


def starred(body: str, hide: Sequence[bool]) -> str | None:
    """A Markdown table (`md_table`'s) with «*» after the first cell of each row in `hide` — the rows
    publication hides (`row_n`, `hidden_rows`) — or None when `body` is not one table of exactly
    those rows (a table drawn otherwise marks its rows itself)."""
    lines = body.split("\n")
    if len(lines) != len(hide) + 2 or not all(ln.startswith("| ") and ln.endswith(" |")
                                              for ln in (lines[0], *lines[2:])) or not lines[1].startswith("|-"):
        return None
    cells = [[c.strip() for c in ln[2:-2].split(" | ")] for ln in (lines[0], *lines[2:])]
    if len({len(r) for r in cells}) != 1:
        return None
    right = [c.endswith(":") for c in lines[1].strip("|").split("|")]
    rows = [[f"{r[0]} *" if h else r[0], *r[1:]] for r, h in zip(cells[1:], hide)]
    return md_table(cells[0], rows, right)


def blanked(body: str, hide: Sequence[bool], small: Sequence[bool] | None = None, min_n: int = DEFAULT_MIN_N) -> str:
    """A Markdown table (`md_table`'s) with every number cell (right-aligned) of the lines in `hide`
    «–» — a published table's hidden rows (`published_rows`); a line in `small` (hidden for its own n)
    says «(n <min_n)» after its name (the last text cell before the numbers), the others («–») protect it. A `body` that is not one table
    of exactly that many lines is refused (`TableError`) rather than published with what should be
    hidden."""
    lines = body.split("\n")
    cells = [[c.strip() for c in ln[2:-2].split(" | ")] for ln in (lines[0], *lines[2:])]
    right = [c.endswith(":") for c in lines[1].strip("|").split("|")] if len(lines) > 1 else []
    if (len(lines) != len(hide) + 2 or not lines[1].startswith("|-")
            or len({len(r) for r in cells} | {len(right)}) != 1):
        raise TableError("Tabellen kan ikke vises til offentliggørelse som Markdown — brug --format csv eller "
                         "projektmappen (brugerblik report … --publish).")
    small = list(small) if small is not None else [False] * len(hide)
    rows = []
    for row, h, k in zip(cells[1:], hide, small):
        out = [SUPPRESSED if h and r else c for c, r in zip(row, right)]
        if h and k:  # on the row's name: the last text cell before the numbers (Oversigt: the site)
            j = max(0, (right.index(True) if True in right else 1) - 1)
            out[j] = f"{out[j]} (n <{min_n})"
        rows.append(out)
    return md_table(cells[0], rows, right)


def md_table(headers: Sequence[str], rows: Sequence[Sequence[object]], right: Sequence[bool]) -> str:
    """A Markdown table; `right` marks the right-aligned (number) columns."""
    cells = [[str(c) for c in r] for r in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]

    def line(vals: Sequence[str]) -> str:
        return "| " + " | ".join(v.rjust(w) if rt else v.ljust(w) for v, w, rt in zip(vals, widths, right)) + " |"

    sep = "|" + "|".join(("-" * (w + 1) + ":") if rt else ("-" * (w + 2)) for w, rt in zip(widths, right)) + "|"
    return "\n".join([line(headers), sep] + [line(r) for r in cells])
