"""The Rapport page: the report writer's view of the study (URL: /rapport?gruppe=…&stedtype=…&offentlig=1&min_n=…
&intervaller=1&fane=…).

Population and filters in the sidebar (user group, site type, "Til offentliggørelse" with the
minimum n, Wilson intervals), kept in the URL so a reload keeps them. Four tabs:

* **Kvalitetskort** — the quality map, the small multiples per user group and the numbers behind
  the map (n, udbytte, vigtighed, gap in % with decimal commas; with publication, rows under the
  minimum n are shown as "<n").
* **Tabeller** — any table of `report.registry.TABLES` (a probe for Figur 4; the other sources'
  tables too) as a table with Danish headings, the matching figure when there is one, and the table
  as CSV.
* **Krydstabel** — two coded variables (`report.crosstab.crosstab_variables`): counts, row percentages and n;
  CSV.
* **Hent** — files, built only when a button is clicked: the Excel workbook
  (`exports.workbook.build_workbook`), a figure as PNG/SVG (kaleido, Chromium) or HTML, the raw
  data (CSV/XLSX, anonymised), SPSS (.sav) and REFI-QDA (.qdpx).

Every number comes from the report layer (`report.registry`, `report.quality_map`, `report.crosstab`,
`report.figures`), what is shown for publication from `report.publication` (which n, the one
suppression rule 0 < n < min_n, Danish labels and percent, the population line); this module only lays
them out. The page holds one `report.data.ReportData` per run, and the workbook takes it. The wide frame
is cached per store revision (`report.data.store_revision`: interviews, last change, newest answer,
sites), so clicking widgets does not reload the store; figures are cached per revision and filters.
Errors from the domain (TableError, FigureError, StoreError …) are shown as their Danish
message, anything else as a Danish "could not", never a traceback.

The page script ui/rapport.py only calls main(); the code lives here so it is imported once.
"""
from __future__ import annotations

import datetime as dt
import logging
import math
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import streamlit as st

from archetypes.model import GROUP_ORDER, GROUPS
from exports import qdpx, raw, spss, workbook
from report import data as report_data
from report import figures as F
from report import registry, saved
from report.registry import BY_WORDS
from report.crosstab import (TYPOLOGI_4_4, crosstab, crosstab_base, crosstab_note, crosstab_variables,
                             published_crosstab, published_crosstab_rows)
from report.errors import TableError
from report.population import NO_CUTS, PERSPEKTIV, Cuts, keep_group, pseudonyms, published_population
from report.publication import (DEFAULT_MIN_N, I_ALT, MAX_MIN_N, INDIVIDUAL_TABLES, NOT_PUBLISHED, PROBE_SHORT, SMALL_POPULATION,
                                UOPLYST, check_publishable,
                                count, da2, da3, hidden, hidden_n, hidden_rows, hidden_rows_note, n_column, pct, points, shown_small,
                                SUPPRESSED,
                                population_line, published_rows, row_n, suppress, value_label)
from report.quality_map import CSV_COLUMNS as MAP_CSV_COLUMNS
from report.quality_map import (DEFAULT_METHOD, QUADRANTS, MapMethod, centre_text, kvalitetskort_points, map_method,
                                method_columns, method_text)
from report.tables import FIG7_CODES, JUDGEMENTS, REPORT_FIG4, check_published_filters, item_of, to_csv
from survey.db import database_url
from survey.files import write_atomic
from survey.guide import Guide, GuideError
from survey.store import StoreError
from ui import rapport_sources as RS
from ui import report_cache as RC
from ui.common import (allows, danish_numbers, engine, guide, inject_css, md, number_table, principal, require_page,
                       today, unexpected)

log = logging.getLogger("brugerblik.ui")

# ---------------------------------------------------------------- keys and texts

K_GROUP, K_SITE, K_PUB, K_MINN, K_CI, K_TAB = "rp_group", "rp_site", "rp_publish", "rp_min_n", "rp_ci", "rp_tab"
K_DRAFTS = "rp_drafts"
#: the quality map's method (issue 15): "reference-vigtighed", the report's by default
K_METHOD = "rp_method"
#: the report's other cuts (issue 14): arbejdsmarkedsperspektiv, site, interviewer, and the grouping
K_PERSP, K_STED, K_INTERVIEWER, K_BY = "rp_persp", "rp_sted", "rp_interviewer", "rp_by"
#: widget key -> query parameter
PARAMS = {K_GROUP: "gruppe", K_SITE: "stedtype", K_PUB: "offentlig", K_MINN: "min_n", K_CI: "intervaller",
          K_TAB: "fane", K_DRAFTS: "kladder", K_PERSP: "perspektiv", K_STED: "sted", K_INTERVIEWER: "interviewer",
          K_BY: "efter", K_METHOD: "metode"}
#: the quality map's methods the page offers (`report.quality_map.map_method`), the report's first
MAP_METHODS = {"diagonal-angivet": "Rapportens: 45°-linjen, angivet vigtighed",
               "gennemsnit-angivet": "Trådkors ved gennemsnittene, angivet vigtighed",
               "midtpunkt-angivet": "Trådkors ved skalaens midtpunkter, angivet vigtighed",
               "gennemsnit-afledt": "Trådkors ved gennemsnittene, afledt vigtighed",
               "midtpunkt-afledt": "Trådkors ved skalaens midtpunkter, afledt vigtighed"}
#: the options of the page's «Arbejdsmarkedsperspektiv» (the label says the rest)
PERSPEKTIV_SHORT = {"reelt": "Reelt", "ikke_reelt": "Ikke reelt"}
#: the groupings of the page's «Grupper efter» (`report.population.BY`), the first the default
GROUPINGS = {"brugergruppe": "Brugergruppe", "perspektiv": "Arbejdsmarkedsperspektiv", "sted": "Sted",
             "interviewer": "Interviewer"}
SAVED = "bb_report_filters"   # the filters of this session (not widget keys: survive a visit to another page)
FILES = "rp_files"            # files built by the buttons of «Hent»: slot -> Built
#: the page's tabs; only the open one is computed and drawn. The small maps have their own tab: in
#: one tab with the map they cost its first drawing about 0.9 s at 10,000 respondents
#: (docs/benchmarks.md, issue 14)
TABS = ("Kvalitetskort", "Kort pr. gruppe", "Tabeller", "Krydstabel", "Hent")
#: the width the page's figures are laid out for: the main column at a 1024×768 window with the sidebar
#: open is about 664 px. Streamlit cannot tell the server how wide the column is, and a wider figure is
#: laid out again at the column's width with its margins and text sizes kept (titles, notes and legends
#: cut off, the small maps' titles into each other, labels placed for a larger plot colliding), so the
#: page draws every figure for the narrowest column it is shown in (one small map a row); the files of
#: «Hent» and the workbook keep the publication's layout (`report.figures`, `shown=None`)
PAGE_WIDTH = 660
ALL = ""
SITE_TYPES = ("boform", "vaerested")
UNEXPECTED = ("Det kunne ikke lade sig gøre på grund af en uventet fejl. Prøv igen; genindlæs siden, hvis det "
              "bliver ved.")

#: table id -> the figure drawn from the same numbers
TABLE_FIGURE = {"fig3.1": "fig3.1", "fig4": "fig4", "fig7.1": "fig7.1", "fig7.2": "fig7.2", "fig7.3": "fig7.3",
                "fig7.4": "fig7.4", "7.2": "7.2", "kvalitetskort": "kvalitetskort",
                **{tid: tid for tid in JUDGEMENTS}}
FIGURE_TITLES = {"kvalitetskort": "Kvalitetskort (alle i populationen)",
                 "kvalitetskort_grupper": "Kvalitetskort efter brugergruppe (små kort)",
                 **{fid: title for fid, (_, title) in REPORT_FIG4.items()},
                 "fig4": "Figur 4 for en valgfri probe",
                 "fig3.1": registry.TITLES["fig3.1"],
                 **{f"fig7.{n}": registry.TITLES[f"fig7.{n}"] for n in FIG7_CODES},
                 "7.2": registry.TITLES["7.2"],
                 **{tid: registry.TITLES[tid] for tid in JUDGEMENTS}}

#: Danish headings of the tables' columns (the CSV keeps the codes)
HEADINGS = {
    "kode": "Kode", "spoergsmaal": "Spørgsmål", "ja": "Ja", "nej": "Nej", "ja_vigtigt": "Ja, og vigtigt",
    "nej_vigtigt": "Nej, men vigtigt", "brugergruppe": "Brugergruppe", "antal": "Antal", "andel": "Andel", "n": "n",
    "alder": "Alder", "kvinde": "Kvinde", "mand": "Mand", "i_alt": "I alt", "site_type": "Stedtype", "site": "Sted",
    "interviewet": "Interviewet", "udvalgt_af_personalet": "Udvalgt af personalet",
    "samtykke_givet": "Tilladelse til journalindsigt", "samtykke_ikke_givet": "Ikke givet tilladelse",
    "andel_udvalgt_af_personalet": "Andel udvalgt", "andel_samtykke_givet": "Andel tilladelse",
    "andel_samtykke_ikke_givet": "Andel ikke tilladelse", "tilbudstype": "Tilbudstype", "svar": "Svar",
    "andel_ja": "Andel ja", "andel_ja_lav": "95 % nedre", "andel_ja_hoej": "95 % øvre", "inddraget": "Inddraget",
    "andel_tilfreds": "Andel tilfredse", "udbytte": "Udbytte", "vigtighed": "Vigtighed", "gap": "Gap",
    "udbytte_lav": "Udbytte 95 % nedre", "udbytte_hoej": "Udbytte 95 % øvre",
    "vigtighed_lav": "Vigtighed 95 % nedre", "vigtighed_hoej": "Vigtighed 95 % øvre",
    "suppressed": "n under mindste n",
    "arbejdsmarkedsperspektiv": "Arbejdsmarkedsperspektiv", "interviewer": "Interviewer",
    "respondenter": "Respondenter",
}
SHARE_COLUMNS = {"udbytte", "vigtighed", "gap"}


@dataclass(frozen=True)
class Filters:
    group: str | None = None
    site_type: str | None = None
    publish: bool = False
    min_n: int = DEFAULT_MIN_N
    intervals: bool = False
    drafts: bool = False  # issue 14: count the drafts too (only completed interviews by default)
    cuts: Cuts = NO_CUTS  # issue 14: arbejdsmarkedsperspektiv, site, interviewer; the grouping
    method: MapMethod = DEFAULT_METHOD  # issue 15: how the quality map is read (the report's by default)

    def small(self, n: object) -> bool:
        """A row or point hidden for publication (`report.publication.hidden`: 0 < n < min_n)."""
        return self.publish and hidden(n, self.min_n)

    def key(self) -> tuple:
        return (self.group, self.site_type, self.publish, self.min_n, self.intervals, self.drafts, self.cuts)

    @property
    def method_key(self) -> str:
        """The quality map's method as the page's choice and the URL name it («gennemsnit-afledt»)."""
        return f"{self.method.reference}-{self.method.vigtighed}"


@dataclass
class Built:
    data: bytes
    name: str
    mime: str
    sig: tuple
    note: str


# ---------------------------------------------------------------- formatting (labels and percent: report.publication)

def site_label(g: Guide, code: str) -> str:
    return value_label(g, "site_type", code) if code else "Alle stedtyper"


def variable_label(g: Guide, code: str, width: int = 70) -> str:
    """A crosstab variable for a selectbox: "Rytme: er det vigtigt for dig?" rather than the bare question."""
    if code.endswith("_vigtigt") and code[:-len("_vigtigt")] in PROBE_SHORT:
        text = f"{PROBE_SHORT[code[:-len('_vigtigt')]]}: er det vigtigt for dig?"
    else:
        text = g.item(code).label if code in g.items else code
    text = " ".join(text.split())
    if len(text) > width:
        text = text[:width - 1].rstrip() + "…"
    return f"{text} ({code})"


def _shortened(text: str, width: int) -> str:
    """`text` in at most `width` characters, cut at a word with «…» (a box shows one line: the whole title is the
    table's heading below it)."""
    if len(text) <= width:
        return text
    return text[:width - 1].rsplit(" ", 1)[0].rstrip(" ,:;–-") + " …"


def csv_bytes(text: str) -> bytes:
    """CSV for Excel users: UTF-8 with a byte order mark, so æ, ø and å open right."""
    return ("\ufeff" + text).encode("utf-8")


# ---------------------------------------------------------------- filters (sidebar, kept in the URL)

def _parse(key: str, raw: str) -> tuple[object, str | None]:
    """A query parameter's value for widget `key`, or (None, Danish problem)."""
    raw = (raw or "").strip()
    if key == K_GROUP:
        if raw in ("", "alle"):
            return ALL, None
        if raw in GROUPS:
            return raw, None
        return None, (f"Ukendt brugergruppe «{raw}» i adressen — viser alle brugergrupper. "
                      f"Tilladt: {', '.join(GROUP_ORDER)}.")
    if key == K_SITE:
        if raw in ("", "alle"):
            return ALL, None
        if raw in SITE_TYPES:
            return raw, None
        return None, f"Ukendt stedtype «{raw}» i adressen — viser alle stedtyper. Tilladt: {', '.join(SITE_TYPES)}."
    if key in (K_PUB, K_CI, K_DRAFTS):
        low = raw.lower()
        if low in ("1", "ja", "true"):
            return True, None
        if low in ("", "0", "nej", "false"):
            return False, None
        what = PARAMS[key]
        return None, f"Ugyldig værdi «{raw}» for {what} i adressen — tilladt: 1 eller 0."
    if key == K_MINN:
        try:
            n = int(raw)
        except ValueError:
            n = 0
        if 1 <= n <= MAX_MIN_N:
            return n, None
        top = f"{MAX_MIN_N:,}".replace(",", ".")  # 10.000, as Danish writes it
        return None, (f"Ugyldigt mindste n «{raw}» i adressen — tilladt: et helt tal fra 1 til {top}. "
                      f"Bruger {DEFAULT_MIN_N}.")
    if key == K_TAB:
        return (raw, None) if raw in TABS else (TABS[0], None)  # an unknown tab: simply the first
    if key == K_PERSP:
        if raw in ("", "alle"):
            return ALL, None
        if raw in PERSPEKTIV:
            return raw, None
        return None, (f"Ukendt arbejdsmarkedsperspektiv «{raw[:20]}» i adressen — viser alle. "
                      f"Tilladt: {', '.join(PERSPEKTIV)}.")
    if key == K_BY:
        if raw in GROUPINGS:
            return raw, None
        return None, f"Ukendt gruppering «{raw[:20]}» i adressen — grupperer efter brugergruppe. Tilladt: " \
                     f"{', '.join(GROUPINGS)}."
    if key == K_METHOD:
        if raw in ("",):
            return "diagonal-angivet", None
        if raw in MAP_METHODS:
            return raw, None
        return None, (f"Ukendt metode «{raw[:30]}» for kvalitetskortet i adressen — viser rapportens. Tilladt: "
                      f"{', '.join(MAP_METHODS)}.")
    if key in (K_STED, K_INTERVIEWER):  # checked against the study's sites and interviewers in `sidebar`
        return raw[:200] if raw not in ("alle",) else ALL, None
    return None, None


DEFAULTS = {K_GROUP: ALL, K_SITE: ALL, K_PUB: False, K_MINN: DEFAULT_MIN_N, K_CI: False, K_TAB: TABS[0],
            K_DRAFTS: False, K_PERSP: ALL, K_STED: ALL, K_INTERVIEWER: ALL, K_BY: "brugergruppe",
            K_METHOD: "diagonal-angivet"}


def init_state(g: Guide) -> list[str]:
    """Set every filter widget that is not on the page yet: from the URL, else from this session's
    last choice, else the default. Returns the Danish problems with the URL's values."""
    problems: list[str] = []
    saved = st.session_state.get(SAVED) or {}
    for key, param in PARAMS.items():
        if key in st.session_state:
            continue
        raw = st.query_params.get(param)
        value = None
        if raw is not None:
            value, problem = _parse(key, raw)
            if problem:
                problems.append(problem)
        if value is None:
            value = saved.get(key, DEFAULTS[key])
        st.session_state[key] = value
    return problems


def sync_url() -> None:
    """Write the filters to the URL (defaults are left out, so a plain /rapport means "everyone")."""
    want = {K_GROUP: st.session_state.get(K_GROUP) or None, K_SITE: st.session_state.get(K_SITE) or None,
            K_PUB: "1" if st.session_state.get(K_PUB) else None,
            K_MINN: (str(st.session_state.get(K_MINN)) if st.session_state.get(K_MINN) != DEFAULT_MIN_N else None),
            K_CI: "1" if st.session_state.get(K_CI) else None,
            K_DRAFTS: "1" if st.session_state.get(K_DRAFTS) else None,
            K_PERSP: st.session_state.get(K_PERSP) or None, K_STED: st.session_state.get(K_STED) or None,
            K_INTERVIEWER: st.session_state.get(K_INTERVIEWER) or None,
            K_BY: st.session_state.get(K_BY) if st.session_state.get(K_BY) != "brugergruppe" else None,
            K_METHOD: (st.session_state.get(K_METHOD)
                       if st.session_state.get(K_METHOD, "diagonal-angivet") != "diagonal-angivet" else None),
            K_TAB: st.session_state.get(K_TAB) if st.session_state.get(K_TAB) != TABS[0] else None}
    for key, value in want.items():
        param = PARAMS[key]
        if value is None:
            if param in st.query_params:
                del st.query_params[param]
        elif st.query_params.get(param) != value:
            st.query_params[param] = value
    st.session_state[SAVED] = {k: st.session_state.get(k, DEFAULTS[k]) for k in PARAMS}


def _reload() -> None:
    _wide.clear()
    _figure.clear()
    _map_points.clear()
    RS.clear()


def _names(wide: pd.DataFrame, code: str) -> list[str]:
    """The sites or interviewers the study has (by name), for the filters."""
    if code not in wide.columns:
        return []
    return sorted({v for v in wide[code].tolist() if isinstance(v, str) and v.strip()}, key=str.casefold)


def _known(key: str, options: list[str], what: str, problems: list[str]) -> None:
    """A site or interviewer from the address or the session that the study no longer has: all, and say so."""
    value = st.session_state.get(key) or ALL
    if value != ALL and value not in options:
        problems.append(f"{what} findes ikke i undersøgelsen — viser alle.")
        st.session_state[key] = ALL


def sidebar(g: Guide, wide: pd.DataFrame | None = None, problems: list[str] | None = None) -> Filters:
    wide = wide if wide is not None else pd.DataFrame()
    problems = problems if problems is not None else []
    sites, interviewers = _names(wide, "site"), _names(wide, "interviewer")
    _known(K_STED, sites, "Stedet i adressen", problems)
    _known(K_INTERVIEWER, interviewers, "Intervieweren i adressen", problems)
    with st.sidebar, st.container(key="rp_filters"):  # the key widens the sidebar (ui.common.CSS)
        st.markdown("**Population og filtre**")
        st.selectbox("Brugergruppe", [ALL, *GROUP_ORDER], key=K_GROUP,
                     format_func=lambda c: GROUPS[c].short if c else "Alle brugergrupper",
                     help="Den effektive brugergruppe: forskerens kodning, ellers standardreglen (arketype og alder).")
        st.selectbox("Stedtype", [ALL, *SITE_TYPES], key=K_SITE, format_func=lambda c: site_label(g, c))
        # a soft hyphen: the narrow sidebar breaks the long word where Danish does
        st.selectbox("Arbejdsmarkeds\u00adperspektiv", [ALL, *PERSPEKTIV], key=K_PERSP,
                     format_func=lambda c: PERSPEKTIV_SHORT.get(c, "Alle"),
                     help="Rapportens anden gruppering: brugere med og uden et reelt arbejdsmarkedsperspektiv.")
        st.selectbox("Sted", [ALL, *sites], key=K_STED, format_func=lambda c: c or "Alle steder")
        st.selectbox("Interviewer", [ALL, *interviewers], key=K_INTERVIEWER,
                     format_func=lambda c: c or "Alle interviewere")
        st.selectbox("Grupper efter", list(GROUPINGS), key=K_BY, format_func=GROUPINGS.get,
                     help="Rækkerne i tabellerne pr. gruppe, søjlerne i figurerne og de små kvalitetskort: pr. "
                          "brugergruppe (som rapporten), arbejdsmarkedsperspektiv, sted eller interviewer.")
        st.toggle("Til offentliggørelse", key=K_PUB,
                  help="Skjuler grupper, rækker og punkter med n under mindste n i kort, tabeller og filer, og "
                       "hvor de lægges sammen til en total, også den næste række, så et lille tal ikke kan "
                       "regnes ud af totalen. Noterne siger hvilke.")
        st.number_input("Mindste n", min_value=1, max_value=MAX_MIN_N, step=1, key=K_MINN,
                        help="Under dette n vises en gruppe eller et punkt ikke, når «Til offentliggørelse» er "
                             "slået til (standard 5). Uden offentliggørelse markeres de kun.")
        st.toggle("Medtag kladder", key=K_DRAFTS,
                  help="Tæl også interview, der ikke er afsluttet. Som standard tælles kun afsluttede; med "
                       "kladder mærkes siden, figurerne og projektmappen «MED KLADDER», og filnavnene får "
                       "«med_kladder».")
        st.toggle("95 % Wilson-intervaller", key=K_CI,
                  help="Usikkerheden på andelene: streger på kort og søjler, intervaller i tabellen.")
        st.button("Hent data igen", key="rp_reload", on_click=_reload, icon=":material/refresh:",
                  help="Siden genbruger data, indtil noget er ændret i databasen; dette henter dem under alle "
                       "omstændigheder igen.")
    by = st.session_state[K_BY]
    cuts = Cuts(perspektiv=st.session_state[K_PERSP] or None, site=st.session_state[K_STED] or None,
                interviewer=st.session_state[K_INTERVIEWER] or None, by=None if by == "brugergruppe" else by)
    return Filters(group=st.session_state[K_GROUP] or None, site_type=st.session_state[K_SITE] or None,
                   publish=bool(st.session_state[K_PUB]), min_n=int(st.session_state[K_MINN]),
                   intervals=bool(st.session_state[K_CI]), drafts=bool(st.session_state[K_DRAFTS]), cuts=cuts,
                   method=method_of(st.session_state.get(K_METHOD)))


def method_of(value: str | None) -> MapMethod:
    """The page's choice («gennemsnit-afledt») as the domain's method; the report's for anything else."""
    ref, _, vig = (value or "").partition("-")
    try:
        return map_method(ref, vig) if value in MAP_METHODS else DEFAULT_METHOD
    except TableError:
        return DEFAULT_METHOD


# ---------------------------------------------------------------- data (cached per store version)

# the report's data, cached once for the pages (ui/report_cache.py); the names the page used before
store_version, guide_key, _wide = RC.store_version, RC.guide_key, RC.wide_frame


@st.cache_resource(show_spinner=False, max_entries=64, ttl=900)
def _figure(url: str, version: tuple, gkey: tuple, fig_id: str, fkey: tuple, probe: str | None,
            method: MapMethod | None = None, shown: int | None = None):
    """The figure, kept once in the server's memory and handed to every session as it is: the page only draws
    it (`chart`) or writes it to a file (`F.to_html`, `F.to_image_bytes`) and never changes it. As
    `st.cache_data` every read unpickled and validated a new Plotly figure again (0.1–0.2 s of a rerun at
    10,000 respondents, docs/benchmarks.md)."""
    group, site_type, publish, min_n, intervals, drafts, cuts = fkey
    if fig_id not in F.GROUPED_FIGURES:  # a grouping applies to the figures by group only
        cuts = Cuts(perspektiv=cuts.perspektiv, site=cuts.site, interviewer=cuts.interviewer)
    return F.figure(fig_id, _wide(url, version, gkey, drafts), guide(), group=group, site_type=site_type, probe=probe,
                    intervals=intervals, min_n=min_n, publish=publish, drafts=drafts, cuts=cuts,
                    study=RC.study_pseudonyms(url, version, gkey) if publish else None, shown=shown,
                    **({"method": method} if method is not None else {}))


def _figure_for(url: str, version: tuple, g: Guide, fig_id: str, f: Filters, probe: str | None = None,
                shown: int | None = None):
    """`_figure` for the page's filters — the one call the page and `prewarm` share: Streamlit's cache
    key is the arguments as passed (an argument left to its default is another key). `shown`: laid out
    for the page's column (`PAGE_WIDTH`); None for a file (the publication's layout)."""
    # the quality map's method: the single map only, and None for the report's
    method = f.method if fig_id == "kvalitetskort" and not f.method.is_default else None
    return _figure(url, version, guide_key(g), fig_id, f.key(), probe, method, shown)


@st.cache_data(show_spinner=False, max_entries=64, ttl=900)
def _map_points(url: str, version: tuple, gkey: tuple, fkey: tuple, method: MapMethod, _pop: pd.DataFrame
                ) -> pd.DataFrame:
    """The numbers behind the map (`kvalitetskort_points`, 27 rows) of the population `_pop`, which the other
    arguments determine (the store's revision, the guide, the filters: `Ctx.pop`) — so it is not hashed
    (Streamlit skips an argument whose name starts with «_»)."""
    return kvalitetskort_points(_pop, guide(), min_n=fkey[3], method=method)


def prewarm() -> bool:
    """Fill the caches the Rapport page's first visit reads — the completed interviews' wide frame
    and the quality map for everyone — as the page itself would (same functions, same keys). Run
    once in a thread when the server starts (serve.py), so the first visitor does not wait for the
    store's first read (about 2 s at 10,000 respondents). True when done; anything that goes wrong
    is left to the page, which computes and reports it itself."""
    try:
        g = guide()
        url, version = database_url(), store_version()
        if _wide(url, version, guide_key(g), False).empty:  # the arguments as the page passes them (the key)
            return True
        _figure_for(url, version, g, "kvalitetskort", Filters(), None, PAGE_WIDTH)
        return True
    except Exception:  # noqa: BLE001 - a warm-up only: the page shows its own Danish error
        return False


@dataclass
class Ctx:
    g: Guide
    f: Filters
    url: str
    version: tuple
    data: report_data.ReportData
    _published: tuple[pd.DataFrame, Cuts] | None = field(default=None, repr=False)

    @property
    def wide(self) -> pd.DataFrame:
        return self.data.wide

    @property
    def pop(self) -> pd.DataFrame:
        """The population; to be published, with no interviewer named (each by the workbook's pseudonym,
        `report.population.published_population`)."""
        if not self.f.publish:
            return self.data.pop
        if self._published is None:
            self._published = published_population(self.data.wide, self.data.pop, self.g, self.f.cuts, self.study)
        return self._published[0]

    @property
    def cuts_shown(self) -> Cuts:
        """The cuts as the page names them: to be published, an interviewer filter by its pseudonym."""
        if not self.f.publish:
            return self.f.cuts
        self.pop  # noqa: B018 - computes `_published`
        return self._published[1]

    @property
    def study(self) -> dict:
        """The study's pseudonyms of the interviewers (cached per store version): the same «Interviewer N»
        as the workbook, the CLI and the exports, whatever the page's filters."""
        return RC.study_pseudonyms(self.url, self.version, guide_key(self.g))

    def figure(self, fig_id: str, probe: str | None = None, shown: int | None = None):
        """The figure as shown on the page (`shown=PAGE_WIDTH`) or as a file (None: the publication's layout)."""
        return _figure_for(self.url, self.version, self.g, fig_id, self.f, probe, shown)

    def population_text(self) -> str:
        line = population_line(self.g, self.f.group, self.f.site_type, len(self.pop), of=len(self.wide),
                               cuts=self.cuts_shown.words(), hide_below=self.f.min_n if self.f.publish else None)
        return line.rstrip(".")

    def sig(self) -> tuple:
        return (self.version, self.f.group, self.f.site_type, self.f.publish, self.f.min_n, self.f.drafts,
                self.f.cuts, self.f.method)


def guarded(what: str, fn: Callable[[], object]) -> object:
    """Run one part of the page; a refused request shows its Danish message, anything else a Danish
    "could not" (only the exception type is logged), never a traceback."""
    try:
        return fn()
    except (TableError, StoreError, GuideError) as e:  # FigureError, WorkbookError and the exporters' errors too;
        st.error(md(str(e)))                           # an other source's guide that does not fit (survey.guide_fit)
    except Exception as e:  # noqa: BLE001
        log.error("fejl i rapport (%s): %s", what, type(e).__name__)
        st.error(f"{md(what)}: {unexpected(e, UNEXPECTED)}")
    return None


def chart(fig, key: str) -> None:
    st.plotly_chart(fig, key=key, width="content", theme=None,
                    config={"displaylogo": False, "toImageButtonOptions": {"format": "png", "scale": 2}})


# ---------------------------------------------------------------- tables with Danish headings

def _is_share(col: str) -> bool:
    return col.startswith("andel") or col in SHARE_COLUMNS or col.endswith(("_lav", "_hoej"))


def published(tid: str, t: pd.DataFrame, f: Filters, pop: pd.DataFrame, g: Guide,
              by: str | None = None) -> tuple[pd.DataFrame, int]:
    """The table of population `pop` (grouped `by`) for publication: rows with 0 < n < min_n
    (`report.publication`: which n, the rule) get their numbers blanked and n "<min_n", and so do the
    rows that protect them and the sites and groups every published output hides
    (`report.registry.published_parts`). Returns (table, rows hidden); unchanged without publication."""
    if not f.publish:
        return t, 0
    pop_n = len(pop)
    hide = published_rows(tid, t, pop_n, f.min_n, registry.published_parts(t, pop, g, by, f.min_n))
    if not hide.any():
        return t, 0
    small = shown_small(row_n(tid, t, pop_n), f.min_n)
    return suppress(t, hide, f.min_n, n_column(tid, t), small), int(hide.sum())


def _numbers(col: pd.Series) -> bool:
    """A column of numbers — as published too: numbers, None and the marks `suppress` writes («–», «<5», an n
    as text)."""
    if pd.api.types.is_bool_dtype(col):
        return False
    if pd.api.types.is_numeric_dtype(col):
        return True
    vals = [v for v in col if v is not None and not (isinstance(v, float) and math.isnan(v))]
    nums = [v for v in vals if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
            or isinstance(v, str) and v.isdigit()]
    return bool(nums) and all(v in nums or v == SUPPRESSED or (isinstance(v, str) and v.startswith("<"))
                              for v in vals)


def shown_table(tid: str, t: pd.DataFrame, g: Guide, hidden_marker: bool):
    """A table as the page shows it: Danish headings and labels; its numbers stay numbers (a click on a
    heading sorts by number) written the Danish way — shares "84,7 %", counts, what publication hides
    «–» and its n «<5» (`ui.common.danish_numbers`)."""
    out = pd.DataFrame(index=t.index)
    formats: dict[str, Callable[[object], str]] = {}
    value_code = {"svar": item_of(tid),
                  "tilbudstype": "tilbudstype", "site_type": "site_type", "inddraget": "inddraget",
                  "brugergruppe": "brugergruppe", "alder": "alder",
                  "arbejdsmarkedsperspektiv": "arbejdsmarkedsperspektiv"}
    for c in t.columns:
        if c == "kode" and tid != "kvalitetskort":
            continue
        col = t[c]
        fmt = None
        source_vals = RS.shown_values(tid, c, col, t) if tid in RS.IDS else None
        if source_vals is not None:  # the other sources' tables (issue 7): their own codes
            vals = source_vals
        elif c in value_code and value_code[c]:
            vals = [value_label(g, value_code[c], v) for v in col]
        elif c in ("site", "interviewer"):  # names (to be published: the interviewers' pseudonyms)
            vals = ["I alt" if v == I_ALT else ("Uoplyst" if v == UOPLYST else v) for v in col]
        elif c == "suppressed":
            vals = ["ja" if v else "nej" for v in col]
        elif _is_share(c):
            vals, fmt = col, (points if c == "gap" else lambda x: pct(x, 1))
        elif _numbers(col):
            vals = col
            whole = all(float(v) == int(float(v)) for v in pd.to_numeric(col, errors="coerce").dropna())
            fmt = count if whole else da3
        elif hidden_marker and col.dtype == object:
            vals = ["–" if v is None else str(v) for v in col]
        else:
            vals = col
        head = (RS.heading(tid, c) if tid in RS.IDS else None) or HEADINGS.get(c)
        if head is None:  # 7.2's columns are the values of samlet_tilfredshed
            head = value_label(g, "samlet_tilfredshed", c) if tid == "7.2" else c
        if c == "gap":
            head = "Gap (procentpoint)"
        out[head] = vals
        if fmt is not None:
            formats[head] = fmt
    return danish_numbers(out.reset_index(drop=True), formats, SUPPRESSED)


def table_frame(ctx: Ctx, tid: str, probe: str | None, src_by: str | None = None) -> pd.DataFrame:
    """The table `tid` for the population, exactly as `brugerblik table` computes it (group rows
    limited to the chosen group and I alt, as `report.registry.render` does); a chapter 5-6 table
    with the rows `src_by` (None: by site type)."""
    frames = RS.frames(ctx) if registry.is_source_table(tid) else None
    by = ctx.f.cuts.by if tid in registry.BY_TABLES else src_by
    t = registry.compute(tid, ctx.pop, ctx.g, probe=probe, min_n=ctx.f.min_n, frames=frames, by=by)
    return t if frames is not None else keep_group(t, ctx.f.group)  # a no-op on another grouping's rows


def md_notes(ctx: Ctx, tid: str, probe: str | None, src_by: str | None = None) -> list[str]:
    """The definitions under the table in `report.registry.render`'s Markdown (the lines after the table)."""
    if registry.is_source_table(tid):
        text = RS.render(ctx, tid, "md", src_by)
    else:
        c = ctx.f.cuts
        cuts = c if tid in registry.BY_TABLES else Cuts(perspektiv=c.perspektiv, site=c.site, interviewer=c.interviewer)
        text = registry.render(tid, ctx.wide, ctx.g, "md", group=ctx.f.group, site_type=ctx.f.site_type,
                               probe=probe, cuts=cuts)
    lines = text.rstrip("\n").split("\n")
    last = max((i for i, ln in enumerate(lines) if ln.startswith("|")), default=len(lines) - 1)
    return [ln for ln in lines[last + 1:] if ln.strip() and not ln.startswith("Markeret med *")]


# ---------------------------------------------------------------- tab: Kvalitetskort

def map_table(pts: pd.DataFrame, f: Filters):
    """The numbers behind the map, one row per probe: n, udbytte, vigtighed, gap — numbers (a click on a
    heading sorts by number) written the Danish way (`ui.common.danish_numbers`); what publication hides
    «–», its n «<5»; an n under the minimum not published «12 *»."""
    nan = float("nan")
    rows = []
    spans: dict[str, list[str]] = {}  # a 95 % interval: its lower end is the number sorted by, «12,3 %–45,6 %» its text

    def span(row: dict, col: str, low: float, text: str | None) -> None:
        row[col] = nan if text is None else low
        spans.setdefault(col, []).append("–" if text is None else text)

    for r in pts.itertuples():
        hide = f.small(r.n)
        empty = r.n == 0
        row = {"Probe": r.label, "Spørgsmål": r.spoergsmaal, "n": f"<{f.min_n}" if hide else r.n}
        dash = hide or empty
        row["Udbytte"] = nan if dash else r.udbytte
        if f.intervals:
            span(row, "Udbytte 95 %", r.udbytte_lav, None if dash else f"{pct(r.udbytte_lav, 1)}–{pct(r.udbytte_hoej, 1)}")
        row["Vigtighed"] = nan if dash else r.vigtighed
        if f.intervals:
            span(row, "Vigtighed 95 %", r.vigtighed_lav,
                 None if dash else f"{pct(r.vigtighed_lav, 1)}–{pct(r.vigtighed_hoej, 1)}")
        row["Gap (procentpoint)"] = nan if dash else r.gap
        m = f.method
        if m.derived:
            none = dash or r.tom
            row["n (afledt)"] = "–" if hide else r.afledt_n
            row["Afledt vigtighed (r)"] = nan if none else r.afledt
            if f.intervals:
                span(row, "Afledt 95 %", r.afledt_lav, None if none or not np.isfinite(r.afledt_lav) else
                     f"{da2(r.afledt_lav)}–{da2(r.afledt_hoej)}")
        if m.crosshairs:
            row["Felt"] = "–" if dash or not isinstance(r.kvadrant, str) else QUADRANTS.get(r.kvadrant, "–")
            row["Kan ikke skelnes fra trådkorset"] = "–" if dash or r.tom else ("ja" if r.krydser else "nej")
        else:
            row["Kan ikke skelnes fra linjen"] = "–" if dash else ("ja" if r.krydser else "nej")
        rows.append(row)
    t = pd.DataFrame(rows)
    if not f.method.is_default and len(t):  # the method's columns first, the long question last (1024 px)
        first = [c for c in ("Probe", "Felt", "Afledt vigtighed (r)") if c in t.columns]
        t = t[first + [c for c in t.columns if c not in first and c != "Spørgsmål"] + ["Spørgsmål"]]
    starred = not f.publish  # working material: an n under the minimum is shown, marked
    return danish_numbers(t, {
        "n": lambda n: f"{count(n)} *" if starred and hidden(n, f.min_n) else count(n), "n (afledt)": count,
        "Udbytte": lambda x: pct(x, 1), "Vigtighed": lambda x: pct(x, 1), "Gap (procentpoint)": points,
        "Afledt vigtighed (r)": da2}, SUPPRESSED, texts=spans)


def map_csv(pts: pd.DataFrame, f: Filters) -> str:
    cols = MAP_CSV_COLUMNS + ["udbytte_lav", "udbytte_hoej", "vigtighed_lav", "vigtighed_hoej"]
    t = pts[cols + method_columns(f.method)]
    if f.publish:
        t = suppress(t, hidden_rows(t["n"], f.min_n), f.min_n, "n")
    return to_csv(t)


def tab_map(ctx: Ctx) -> None:
    f = ctx.f
    st.selectbox("Metode", list(MAP_METHODS), key=K_METHOD, format_func=MAP_METHODS.get,
                 help="Rapportens kort har 45°-linjen og den vigtighed, brugerne selv angiver. Trådkors (Martilla & "
                      "James 1977) deler kortet i fire felter ved probernes gennemsnit eller skalaens midtpunkter; "
                      "afledt vigtighed er sammenhængen mellem probens udbytte og brugerens samlede tilfredshed.")
    fig = guarded("Kvalitetskortet", lambda: ctx.figure("kvalitetskort", None, PAGE_WIDTH))
    pts = guarded("Kvalitetskortets tal", lambda: _map_points(ctx.url, ctx.version, guide_key(ctx.g), f.key(),
                                                                f.method, ctx.pop))
    if not f.method.is_default:
        words = method_text(f.method)
        if pts is not None and f.method.crosshairs:
            words += " " + centre_text(*pts.attrs.get("centre", (float("nan"), float("nan"))), f.method)
        st.info(md(words), icon=":material/insights:")
    if fig is not None:
        chart(fig, "rp_map")
    if pts is not None:
        st.markdown("## Tallene bag kortet")
        small = [lab for lab, n in zip(pts["label"], pts["n"]) if f.small(n)]
        if small:
            st.info(f"Til offentliggørelse: {len(small)} af {len(pts)} prober har n under {f.min_n} og vises "
                    f"ikke ({md(', '.join(small))}).", icon=":material/visibility_off:")
        shown = map_table(pts, f)
        number_table(shown, hide_index=True, width="stretch", key="rp_map_table", height=35 * (len(pts) + 1) + 3,
                     column_config={"Spørgsmål": st.column_config.TextColumn(width="medium")})
        notes = ["Udbytte = ja / n; vigtighed = (ja og vigtigt + nej og vigtigt) / n; n = ja + nej. "
                 "Gap = vigtighed − udbytte i procentpoint (positiv: vigtigt, men ikke opnået — "
                 "forbedringsområde)."]
        if not f.publish and bool(hidden_rows(pts["n"], f.min_n).any()):
            notes.append(f"* n under {f.min_n}: kun til intern brug (slå «Til offentliggørelse» til for at "
                         "skjule).")
        for n in notes:
            st.caption(n)
        st.download_button("Hent tallene som CSV", csv_bytes(map_csv(pts, f)), file_name="kvalitetskort.csv",
                           mime="text/csv", key="rp_map_csv", on_click="ignore", icon=":material/download:")
    save_form(ctx, "kvalitetskort")
    st.caption(f"Et kort pr. {BY_WORDS[f.cuts.by or 'brugergruppe']}: fanen «{TABS[1]}» (grupperingen vælges under "
               "«Grupper efter»).")


def tab_small_maps(ctx: Ctx) -> None:
    """One small quality map per group of the page's grouping («Grupper efter»), one a row (`PAGE_WIDTH`)."""
    f = ctx.f
    words = BY_WORDS[f.cuts.by or "brugergruppe"]
    st.markdown(f"## Efter {words}")
    if f.group and f.cuts.by is None:
        st.caption("Der er valgt én brugergruppe; vælg «Alle brugergrupper» for at se et kort pr. gruppe, eller "
                   "vælg en anden gruppering under «Grupper efter».")
        return
    if not f.method.is_default:
        st.caption(f"De små kort følger rapportens metode (45°-linjen, angivet vigtighed); metoden "
                   f"«{MAP_METHODS[f.method_key]}» gælder kortet under fanen «{TABS[0]}».")
    multi = guarded(f"Kortene efter {words}", lambda: ctx.figure("kvalitetskort_grupper", None, PAGE_WIDTH))
    if multi is not None:
        chart(multi, "rp_map_groups")


# ---------------------------------------------------------------- tab: Tabeller

def tab_tables(ctx: Ctx) -> None:
    g, f = ctx.g, ctx.f
    ids = list(registry.TABLES)  # with the tables of the other sources (issue 7)
    # the table's whole width: its titles are long (at 1024×768, beside the next box, 4 of 11 were cut off)
    tid = st.selectbox("Tabel", ids, key="rp_table", format_func=lambda t: _shortened(registry.TITLES.get(t, t), 100))
    c2, _ = st.columns([1, 1])
    probe = None
    if tid == "fig4":
        probes = [p.code for p in g.probes]
        if st.session_state.get("rp_probe") not in probes:
            st.session_state["rp_probe"] = "rytme" if "rytme" in probes else probes[0]
        probe = c2.selectbox("Probe", probes, key="rp_probe",
                             format_func=lambda c: PROBE_SHORT.get(c, g.item(c).label if c in g.items else c))
    src_by = None
    if tid in RS.ITEMS:  # chapters 5-6: by site type, or by the users' grouping
        options = RS.row_options(tid)
        if st.session_state.get("rp_src_by") not in options:
            st.session_state["rp_src_by"] = ctx.f.cuts.by if ctx.f.cuts.by in options else None
        src_by = c2.selectbox("Rækker", options, key="rp_src_by", format_func=RS.ROWS.get,
                              help="Kilderne om en bruger følger brugerens gruppe, arbejdsmarkedsperspektiv "
                                   "eller sted; lederne deres eget sted.")
    if f.publish and tid in INDIVIDUAL_TABLES:
        st.info(NOT_PUBLISHED, icon=":material/visibility_off:")
        return
    t = guarded("Tabellen", lambda: table_frame(ctx, tid, probe, src_by))
    if t is None:
        return
    title = registry.TITLES.get(tid, tid)
    if src_by is not None:
        title = f"{title} — efter {registry.BY_WORDS[src_by]}"
    if tid == "fig4" and probe:
        title = f"Figur 4 {g.item(probe).label} — andel ja efter brugergruppe"
    if tid in registry.BY_TABLES and tid != "kvalitetskort":
        title = registry.regrouped_title(title, f.cuts.by)
    st.markdown(f"## {md(title)}")
    st.caption(md(ctx.population_text()))
    got = guarded("Tabellen", lambda: published(tid, t, f, ctx.pop, g,
                                                ctx.f.cuts.by if tid in registry.BY_TABLES else src_by))
    if got is None:  # refused for publication (Tabel 4.4 with hidden groups as columns): the reason is shown
        return
    pub, n_hidden = got
    if n_hidden:
        st.info(hidden_rows_note(n_hidden, f.min_n), icon=":material/visibility_off:")
    if tid == "4.4":  # a crosstab: shown as the Krydstabel tab shows one, in Danish
        shown = crosstab_frames(ctx, *TYPOLOGI_4_4)[1]
    else:
        shown = shown_table(tid, pub, g, bool(n_hidden))
    number_table(shown, hide_index=True, width="stretch", key="rp_table_df")
    for note in guarded("Noterne", lambda: md_notes(ctx, tid, probe, src_by)) or []:
        st.caption(md(note))
    # the frame already computed (pub is t when nothing is hidden), not the table a second time
    csv = RS.render(ctx, tid, "csv", src_by) if tid in RS.IDS and not n_hidden else to_csv(pub, registry.csv_columns(
        tid, ctx.f.cuts.by if tid in registry.BY_TABLES else None))
    st.download_button("Hent tabellen som CSV", csv_bytes(csv), file_name=f"tabel_{tid.replace('.', '_')}.csv",
                       mime="text/csv", key="rp_table_csv", on_click="ignore", icon=":material/download:")
    fid = TABLE_FIGURE.get(tid)
    if fid:
        fig = guarded("Figuren", lambda: ctx.figure(fid, probe if fid == "fig4" else None, PAGE_WIDTH))
        if fig is not None:
            chart(fig, "rp_table_fig")


# ---------------------------------------------------------------- tab: Krydstabel

def crosstab_frames(ctx: Ctx, a: str, b: str, pop: pd.DataFrame | None = None
                    ) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """(the crosstab as `report.crosstab.crosstab` gives it, the shown table, rows hidden for
    publication), on the page's population or `pop` (a saved analysis's own)."""
    g, f = ctx.g, ctx.f
    pop = ctx.pop if pop is None else pop
    if f.publish:  # groups as rows with «Uoplyst»; groups as columns refused when some are hidden
        t, hidden_rows_ = published_crosstab(pop, g, a, b, f.min_n)
        hide = list(hidden_rows_)
    else:
        t = crosstab(pop, g, a, b)
        hide = [False] * len(t)
    return t, crosstab_shown(t, g, hide, f.min_n), sum(hide)


def crosstab_shown(t: pd.DataFrame, g: Guide, hide: list[bool], min_n: int) -> pd.DataFrame:
    """A `report.crosstab.crosstab` as the page shows it — the Krydstabel tab, a saved analysis and Tabel 4.4
    (a crosstab too): Danish headings and labels, counts and row shares as numbers written the Danish way; a
    row `hide` says publication hides shows no number and its n «<min_n»."""
    a, b = t.attrs["a"], t.attrs["b"]
    levels = t.attrs["kolonner"]
    heads: list[str] = []
    for v in levels:  # two values with the same label keep apart by their code
        lab = value_label(g, b, v)
        heads.append(f"{lab} ({v})" if lab in heads else lab)
    first = variable_label(g, a, 40).rsplit(" (", 1)[0]
    if first in heads or first == "n":
        first = a
    out: dict[str, list] = {first: [value_label(g, a, v) for v in t[a]]}
    formats: dict[str, Callable[[object], str]] = {}
    for v, head in zip(levels, heads):
        out[head] = [None if h else int(x) for x, h in zip(t[f"antal_{v}"], hide)]
        formats[head] = count
    out["n"] = [hidden_n(x, min_n) if h else int(x) for x, h in zip(t["n"], hide)]
    formats["n"] = count
    for v, head in zip(levels, heads):
        out[f"{head} %"] = [None if h else x for x, h in zip(t[f"andel_{v}"], hide)]
        formats[f"{head} %"] = pct
    # numbers (a click on a heading sorts by number), Danish; a hidden cell empty as a number, shown «–»/«<5»
    return danish_numbers(pd.DataFrame(out), formats, SUPPRESSED)


def tab_crosstab(ctx: Ctx) -> None:
    g, f = ctx.g, ctx.f
    codes = crosstab_variables(g)
    if not codes:
        st.info("Spørgeguiden har ingen kodede variable at krydstabulere.")
        return
    for key, default in (("rp_xa", "forsoergelse"), ("rp_xb", "arbejdsmarked")):
        if st.session_state.get(key) not in codes:
            st.session_state[key] = default if default in codes else codes[0]
    # one above the other, each the column's width: side by side at 1024×768, 7 and 9 of their 13 choices on
    # the screen were cut off (the variable's code at the end lost)
    a = st.selectbox("Rækker", codes, key="rp_xa", format_func=lambda c: variable_label(g, c))
    b = st.selectbox("Kolonner", codes, key="rp_xb", format_func=lambda c: variable_label(g, c))
    got = guarded("Krydstabellen", lambda: crosstab_frames(ctx, a, b))
    if got is None:
        return
    t, shown, n_hidden = got
    st.markdown(f"## Krydstabel: {md(variable_label(g, a, 80))} × {md(variable_label(g, b, 80))}")
    st.caption(md(ctx.population_text()))
    if n_hidden:
        st.info(hidden_rows_note(n_hidden, f.min_n), icon=":material/visibility_off:")
    number_table(shown, hide_index=True, width="stretch", key="rp_xtab_df")
    st.caption(md(crosstab_base(t, g)))  # the percentage base (a multiple choice: rows overlap)
    st.caption(md(crosstab_note(t, f.min_n if f.publish else None)))
    if n_hidden:
        csv = to_csv(suppress(t, published_crosstab_rows(t, ctx.pop, g, f.min_n), f.min_n, "n"))
    else:
        csv = to_csv(t)  # the crosstab already computed
    st.download_button("Hent krydstabellen som CSV", csv_bytes(csv), file_name=f"krydstabel_{a}_x_{b}.csv",
                       mime="text/csv", key="rp_xtab_csv", on_click="ignore", icon=":material/download:")
    save_form(ctx, "krydstabel", a=a, b=b)
    saved_list(ctx)


# ---------------------------------------------------------------- saved analyses (issue 14; report.saved)

def save_form(ctx: Ctx, kind: str, a: str | None = None, b: str | None = None) -> None:
    """«Gem som analyse»: the crosstab or the quality map on the page, with its population (and, for
    the map, its grouping), kept with the study under a name."""
    p = principal()
    if not allows(p, "analysis.save"):
        return
    what = "krydstabellen" if kind == "krydstabel" else "kvalitetskortet"
    with st.form(f"rp_save_{kind}", border=True, enter_to_submit=True):
        st.markdown(f"**Gem {what} som analyse** — med populationen ovenfor; den kommer med i projektmappen "
                    "som sit eget ark.")
        c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
        # no max_chars: the browser cut a longer pasted name without a word and it was saved under a name nobody
        # typed; `saved.check_name` refuses it, naming the limit, and what was typed stays to be shortened
        name = c1.text_input(f"Navn på analysen (højst {saved.NAME_MAX} tegn)", key=f"rp_save_name_{kind}",
                             placeholder="fx Problemer reelt",
                             help=f"Højst {saved.NAME_MAX} tegn: bogstaver, tal, mellemrum, - og _. Navnet bliver "
                                  "arkets navn i projektmappen.")
        replace = c2.checkbox("Erstat en med samme navn", key=f"rp_save_replace_{kind}")
        pressed = st.form_submit_button("Gem analysen", icon=":material/bookmark_add:")
    if not pressed:
        return
    c = ctx.f.cuts
    cuts = c if kind == "kvalitetskort" else Cuts(perspektiv=c.perspektiv, site=c.site, interviewer=c.interviewer)
    try:
        got = saved.save(engine(), ctx.g, name, kind, a=a, b=b, group=ctx.f.group, site_type=ctx.f.site_type,
                         cuts=cuts, principal=p, replace=replace, wide=ctx.wide)
    except (TableError, StoreError) as e:  # AnalysisError, AuthError: Danish
        st.error(md(str(e)))
        return
    st.success(f"Gemt: «{md(got.name)}» ({md(got.describe(ctx.g))}). Den står under «Gemte analyser», i "
               f"projektmappen og i `brugerblik table {saved.PREFIX}{md(got.name)}`.")


def saved_frames(ctx: Ctx, an: saved.Analysis) -> tuple[str, pd.DataFrame, int, list[str]]:
    """A saved analysis on its own population, as the page shows the crosstab and the tables: (its
    population line, the shown table, rows hidden for publication, the notes under it). «Til
    offentliggørelse» and the minimum n apply as everywhere on the page."""
    g, f = ctx.g, ctx.f
    pop = saved.population_of(an, ctx.wide)
    if f.publish:  # its own population under min_n: nothing of it published (a Danish message)
        check_publishable(len(pop), f.min_n)
        check_published_filters(ctx.wide, g, an.group, an.site_type, an.cuts, f.min_n)
    line = saved.population_text(an, g, len(pop), f.min_n if f.publish else None,
                                 pseudonyms(ctx.wide, g, ctx.study) if f.publish else None)
    if f.publish:  # no interviewer named: each by the study's pseudonym
        pop = published_population(ctx.wide, pop, g, study=ctx.study)[0]
    if an.kind == "krydstabel":
        t, shown, n_hidden = crosstab_frames(ctx, an.a, an.b, pop)
        return line, shown, n_hidden, [crosstab_base(t, g), crosstab_note(t, f.min_n if f.publish else None)]
    t = saved.compute(an, ctx.wide, g, min_n=f.min_n, pop=pop)
    pub, n_hidden = published("kvalitetskort", t, f, pop, g, an.cuts.by)
    notes = ["Udbytte = ja / n; vigtighed = (ja og vigtigt + nej og vigtigt) / n; n = ja + nej. "
             "Gap = vigtighed − udbytte i procentpoint."]
    return line, shown_table("kvalitetskort", pub, g, bool(n_hidden)), n_hidden, notes


def saved_list(ctx: Ctx) -> None:
    """The study's saved analyses: one shown as `brugerblik table mine:NAVN` prints it, and deleted."""
    found = guarded("De gemte analyser", lambda: saved.all_analyses(engine()))
    st.markdown("## Gemte analyser")
    if not found:
        st.caption("Ingen gemte analyser endnu. Gem krydstabellen ovenfor eller kvalitetskortet under «Kvalitetskort».")
        return
    names = [an.name for an in found]
    if st.session_state.get("rp_saved_pick") not in names:
        st.session_state["rp_saved_pick"] = names[0]
    pick = st.selectbox("Analyse", names, key="rp_saved_pick",
                        format_func=lambda n: f"{n} — {next(an for an in found if an.name == n).describe(ctx.g)}")
    an = next(x for x in found if x.name == pick)
    got = guarded("Analysen", lambda: saved_frames(ctx, an))
    if got is not None:
        line, shown, n_hidden, notes = got
        st.caption(md(line))  # a site's name is text from the store: never Markdown
        if n_hidden:
            st.info(hidden_rows_note(n_hidden, ctx.f.min_n), icon=":material/visibility_off:")
        number_table(shown, hide_index=True, width="stretch", key="rp_saved_df")
        for note in notes:
            st.caption(md(note))
    if allows(principal(), "analysis.save") and st.button("Slet analysen", key="rp_saved_delete",
                                                          icon=":material/delete:"):
        try:
            saved.delete(engine(), an.name, principal=principal())
        except (TableError, StoreError) as e:
            st.error(md(str(e)))
            return
        st.session_state.pop("rp_saved_pick", None)
        st.rerun()


# ---------------------------------------------------------------- tab: Hent (files built on request)

def _files() -> dict[str, Built]:
    return st.session_state.setdefault(FILES, {})


def _safe_name(text: str, limit: int = 30) -> str:
    """A name as a file name part: Danish letters spelled out, anything else «_», at most `limit`."""
    folded = text.lower().translate(str.maketrans({"æ": "ae", "ø": "oe", "å": "aa"}))
    return (re.sub(r"[^a-z0-9]+", "_", folded).strip("_") or "sted")[:limit]


def _slug(ctx: Ctx) -> str:
    parts = [ctx.f.group or "alle"]
    if ctx.f.site_type:
        parts.append(ctx.f.site_type)
    c = ctx.f.cuts
    if c.perspektiv:
        parts.append(c.perspektiv)
    if c.site:  # the site's name folded to a-z, 0-9 and _ (a «/» in a name must not make a folder)
        parts.append(_safe_name(c.site))
    if c.interviewer:  # never a person's name or initials in a file name
        parts.append("en_interviewer")
    if c.by:
        parts.append(f"efter_{c.by}")
    if ctx.f.publish:
        parts.append(f"offentlig_min{ctx.f.min_n}")
    if ctx.f.drafts:  # issue 14: a file made with the drafts says so in its name
        parts.append("med_kladder")
    return "_".join(parts)


def build_file(slot: str, what: str, sig: tuple, make: Callable[[Path], tuple[str, str, str]]) -> None:
    """Make one file in a temporary folder (`make(folder)` returns (path name, mime, note)) and keep
    its bytes in the session for the download button; errors as Danish messages."""
    def run() -> None:
        with tempfile.TemporaryDirectory(prefix="brugerblik_") as d:
            name, mime, note = make(Path(d))
            data = (Path(d) / name).read_bytes()
        _files()[slot] = Built(data, name, mime, sig, note)

    with st.spinner(f"Laver {what} …"):
        guarded(what[0].upper() + what[1:], run)


def offer(slot: str, sig: tuple, label: str) -> Built | None:
    """The download button of a built file, when it matches the current choices."""
    b = _files().get(slot)
    if b is None:
        return None
    if b.sig != sig:
        st.caption("Valgene eller data er ændret, siden filen blev lavet — lav den igen.")
        return None
    size = f"{len(b.data) / 1024:,.0f}".replace(",", ".")
    st.download_button(f"{label} ({b.name}, {size} kB)", b.data,
                       file_name=b.name, mime=b.mime, key=f"rp_dl_{slot}", on_click="ignore",
                       icon=":material/download:", type="primary")
    if b.note:
        st.caption(md(b.note))
    return b


def _workbook(ctx: Ctx, folder: Path) -> tuple[str, str, str]:
    name = f"brugerblik_rapport_{_slug(ctx)}_{today():%Y%m%d}.xlsx"
    t0 = dt.datetime.now()
    # the data this page already holds: the workbook does not load the store again
    workbook.build_workbook(engine(), ctx.g, folder / name, group=ctx.f.group, site_type=ctx.f.site_type,
                            publish=ctx.f.publish, min_n=ctx.f.min_n, data=ctx.data, cuts=ctx.f.cuts,
                            method=ctx.f.method)
    secs = (dt.datetime.now() - t0).total_seconds()
    kind = "til offentliggørelse" if ctx.f.publish else "arbejdsmateriale"
    return (name, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            f"{ctx.population_text()}; {kind}; lavet på {f'{secs:.1f}'.replace('.', ',')} s.")


IMAGE_FORMATS = {"png": ("PNG (til tryk og Word)", "image/png"), "svg": ("SVG (vektor)", "image/svg+xml"),
                 "html": ("HTML (interaktiv, virker uden net)", "text/html")}
RAW_FORMATS = {"csv": ("Rådata som CSV", "text/csv"),
               "xlsx": ("Rådata som Excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
               "sav": ("SPSS (.sav) med variabel- og værdilabels", "application/octet-stream"),
               "qdpx": ("REFI-QDA-projekt (.qdpx) til NVivo, ATLAS.ti og MAXQDA", "application/octet-stream")}


def _image(ctx: Ctx, fid: str, probe: str | None, fmt: str, folder: Path) -> tuple[str, str, str]:
    fig = ctx.figure(fid, probe)
    stem = fid.replace(".", "_") + (f"_{probe}" if probe else "")
    name = f"{stem}_{_slug(ctx)}.{fmt}"
    data = F.to_html(fig).encode("utf-8") if fmt == "html" else F.to_image_bytes(fig, fmt)
    write_atomic(folder / name, data)  # owner-only, atomic: the one writer
    return name, IMAGE_FORMATS[fmt][1], ""


def _raw(ctx: Ctx, fmt: str, folder: Path) -> tuple[str, str, str]:
    name = f"brugerblik_data{'_med_kladder' if ctx.f.drafts else ''}_{today():%Y%m%d}.{fmt}"
    path = folder / name
    if fmt in ("csv", "xlsx"):
        n = raw.export_file(engine(), ctx.g, path, anonymised=True, drafts=ctx.f.drafts)
        what = "respondenter (fritekst anonymiseret)"
    elif fmt == "sav":
        n = spss.export_sav(engine(), ctx.g, path, anonymised=True, drafts=ctx.f.drafts)
        what = "respondenter (fritekst anonymiseret, interviewere som numre)"
    else:
        n = qdpx.export_qdpx(engine(), ctx.g, path, anonymised=True, drafts=ctx.f.drafts)
        what = "cases (anonymiseret, valideret mod REFI-QDA's Project.xsd)"
    return name, RAW_FORMATS[fmt][1], f"{n} {what}. {ctx.data.counted_line()}"


def tab_download(ctx: Ctx) -> None:
    g, f = ctx.g, ctx.f
    st.caption(md(ctx.population_text()) + (f" · til offentliggørelse (mindste n {f.min_n})" if f.publish
                                            else " · arbejdsmateriale (intet skjult)"))
    # the workbook
    with st.container(border=True):
        st.markdown("## Projektmappe (Excel)")
        st.caption("Ét ark pr. tabel som i rapporten (danske overskrifter, antal og procent, n, definitioner), "
                   "Excel-diagrammer til figurerne og kvalitetskortet, arkene Metode, Citater og Data "
                   "(anonymiseret). Bygges for den valgte population og de valgte filtre.")
        if not f.method.is_default:
            st.caption(f"Kvalitetskortet også med metoden «{MAP_METHODS[f.method_key]}» på arket "
                       f"«{workbook.METHOD_SHEET}» (valgt under fanen «{TABS[0]}»); arket Kvalitetskort følger "
                       "rapporten.")
        sig = ("xlsx", *ctx.sig())
        if st.button("Lav projektmappe", key="rp_build_xlsx", icon=":material/table_view:"):
            build_file("xlsx", "projektmappen", sig, lambda d: _workbook(ctx, d))
        offer("xlsx", sig, "Hent projektmappen")
    # one figure as an image
    with st.container(border=True):
        st.markdown("## Figur som billede")
        c1, c2, c3 = st.columns([3, 2, 2])
        fid = c1.selectbox("Figur", list(F.FIGURE_IDS), key="rp_img_fig", format_func=lambda x: FIGURE_TITLES.get(x, x))
        probe = None
        if fid == "fig4":
            probes = [p.code for p in g.probes]
            if st.session_state.get("rp_img_probe") not in probes:
                st.session_state["rp_img_probe"] = probes[0]
            probe = c2.selectbox("Probe", probes, key="rp_img_probe", format_func=lambda c: PROBE_SHORT.get(c, c))
        fmt = c3.selectbox("Format", list(IMAGE_FORMATS), key="rp_img_fmt", format_func=lambda x: IMAGE_FORMATS[x][0])
        sig = ("img", fid, probe, fmt, f.intervals, *ctx.sig())
        if st.button("Lav billede", key="rp_build_img", icon=":material/image:"):
            build_file("img", "billedet", sig, lambda d: _image(ctx, fid, probe, fmt, d))
        offer("img", sig, "Hent billedet")
    # the raw data and the other programs (the whole study)
    with st.container(border=True):
        st.markdown("## Data til andre programmer")
        st.caption(f"Hele undersøgelsen ({len(ctx.wide)} respondenter), ikke kun den valgte population. Fritekst, "
                   "navne og andre personoplysninger er anonymiseret.")
        fmt = st.selectbox("Fil", list(RAW_FORMATS), key="rp_raw_fmt", format_func=lambda x: RAW_FORMATS[x][0])
        sig = ("raw", fmt, ctx.version, f.drafts)
        if st.button("Lav fil", key="rp_build_raw", icon=":material/dataset:"):
            build_file("raw", "filen", sig, lambda d: _raw(ctx, fmt, d))
        offer("raw", sig, "Hent filen")


# ---------------------------------------------------------------- page

def main() -> None:
    require_page("report")
    inject_css()
    st.title("Rapport")
    g = guide()
    problems = init_state(g)
    url = database_url()
    version = store_version()
    # the sites and interviewers the filters offer are the study's: the data first (with or without the
    # drafts, as the toggle stands), then the sidebar
    wide = _wide(url, version, guide_key(g), bool(st.session_state.get(K_DRAFTS)))
    f = sidebar(g, wide, problems)
    sync_url()
    for p in problems:
        st.warning(md(p), icon=":material/link_off:")
    if wide.empty:
        st.info("Der er ingen respondenter endnu. Gennemfør et interview, importér data eller indlæs "
                "demoundersøgelsen (`brugerblik demo`).")
        return
    data = guarded("Populationen", lambda: report_data.load(
        engine(), g, f.group, f.site_type, wide=wide, drafts=f.drafts, cuts=f.cuts,
        source_loader=lambda: RS.all_frames(url, version, f.drafts)))
    if data is None:
        return
    pop = data.pop
    ctx = Ctx(g, f, url, version, data)
    st.markdown(f"**{md(ctx.population_text())}**")
    if f.drafts:  # issue 14: what is made with the drafts is marked
        st.warning(md(data.drafts_line()) + " Tal, kort og filer på siden tæller også interview, der ikke er afsluttet.",
                   icon=":material/edit_note:")
    else:
        st.caption(md(data.drafts_line()))
    if data.conflicts_line():  # the field laptops' versions that wait for an administrator are not counted
        st.warning(md(data.conflicts_line()), icon=":material/call_split:")
    if f.publish:
        st.caption(f"Til offentliggørelse: grupper, rækker og punkter med n under {f.min_n} vises ikke, og hvor "
                   "de lægges sammen til en total, heller ikke den næste række; noterne siger hvilke.")
    if pop.empty:
        st.warning("Ingen respondenter i den valgte population. Vælg andre filtre (brugergruppe, stedtype, "
                   "arbejdsmarkedsperspektiv, sted eller interviewer).")
        return
    if f.publish and hidden(len(pop), f.min_n):  # nothing published about so few (`check_publishable`)
        st.warning(md(SMALL_POPULATION.format(min_n=f.min_n)), icon=":material/visibility_off:")
        return
    if f.publish and guarded("Populationen", lambda: check_published_filters(
            ctx.wide, g, f.group or None, f.site_type or None, f.cuts, f.min_n) or True) is None:
        return  # cut to a part the population without the cut hides: the reason is shown
    tabs = st.tabs(list(TABS), key=K_TAB, on_change="rerun")
    parts = (tab_map, tab_small_maps, tab_tables, tab_crosstab, tab_download)
    for tab, part in zip(tabs, parts):
        with tab:
            if tab.open is not False:  # only the open tab is computed
                part(ctx)
