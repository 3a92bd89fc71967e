"""The Rapport page's tables from the other sources (issue 7): Bilag C, Oversigt over interview,
Planer (6.3) and Enighed (7.4) — `report.registry` on the population's users and the sources about
them, exactly as ``brugerblik table bilag_c|oversigt_interview|planer|enighed``.

Used by ui/rapport_view.py (tab «Tabeller»); the source frames are cached per store revision
(`report.data.sources_revision`), the labels are `report.publication`'s.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from report import data as report_data
from report import registry, source_items, triangulation
from report.triangulation import topic_name
from report.population import Cuts
from report.publication import I_ALT, journal_label, status_short, value_label
from survey.sources import KILDER
from ui import report_cache as RC
from ui.common import engine

IDS: list[str] = list(registry.SOURCE_TABLES)
#: the chapter 5-6 tables (one item of one source): rows by site type or by a grouping
ITEMS: frozenset[str] = frozenset(source_items.SOURCE_ITEMS)
HEADINGS: dict[str, str] = {
    "respondent_id": "Bruger-id", "journal_kommune": "Journal kommune", "journal_boform": "Journal boform",
    "sagsbehandler": "Interview kommune (sagsbehandler)", "kontaktperson": "Interview kontaktperson",
    "noter": "Noter", "brugere": "Brugere", "sagsbehandler_konkret": "Heraf om den konkrete bruger (sagsbehandler)",
    "sagsbehandlere": "Sagsbehandlere (personer)", "kontaktperson_konkret": "Heraf om den konkrete bruger "
    "(kontaktperson)", "kontaktpersoner": "Kontaktpersoner (personer)", "leder": "Leder", "kilde": "Kilde",
    "journaler": "Journaler læst", "handleplan": "Handleplan (§ 111)", "jobplan": "Jobplan", "begge": "Begge",
    "kun_jobplan": "Kun jobplan", "nogen_plan": "Nogen plan", "uoplyst": "Uden svar",
    "andel_handleplan": "Andel handleplan", "andel_jobplan": "Andel jobplan", "andel_nogen_plan": "Andel nogen plan",
    "emne": "Emne", "par": "Par", "enige": "Enige", "delvist": "Delvist enige", "uenige": "Uenige",
    "mangler": "Mangler svar", "andel_enige": "Andel enige",
    "med_tilbud": "Brugere med et tilbud", "med_journal": "Heraf med journal", "lab": "Givet efter LAB",
    "andel_lab": "Andel LAB", "andel_lab_journal": "Andel LAB af dem med journal",
}


@st.cache_data(show_spinner=False, max_entries=4, ttl=900)
def _frames(url: str, version: tuple, sversion: tuple, drafts: bool) -> dict[str, pd.DataFrame]:
    return report_data.load_all_sources(engine(), drafts=drafts)


def all_frames(url: str, version: tuple, drafts: bool = False) -> dict[str, pd.DataFrame]:
    """Every source frame and the reasons, cached per store revision (Bilag C's reasons have their own);
    completed interviews only unless `drafts` (issue 14)."""
    return _frames(url, version, report_data.sources_revision(engine()), drafts)


@RC.on_deletion
def clear() -> None:
    """Forget the cached source frames («Hent data igen»; and after a deletion, `ui.report_cache.after_deletion`)."""
    _frames.clear()


def frames(ctx) -> dict[str, pd.DataFrame]:
    """The sources and reasons about the population's users (and their sites' leaders)."""
    return ctx.data.sources()


#: the rows a chapter 5-6 table can have on the page (None: by site type, the table's own rows)
ROWS = {None: "Stedtype", "brugergruppe": "Brugergruppe", "perspektiv": "Arbejdsmarkedsperspektiv", "sted": "Sted"}


def row_options(tid: str) -> list[str | None]:
    """The rows table `tid` can have: site type, then the groupings its source allows."""
    informant = source_items.SOURCE_ITEMS[tid][0]
    return [None, *(source_items.LEADER_BY if informant == "leder" else source_items.SOURCE_BY)]


def render(ctx, tid: str, fmt: str, by: str | None = None) -> str:
    return registry.render(tid, ctx.pop, ctx.g, fmt, frames=frames(ctx), cuts=Cuts(by=by) if by else None)


def shown_values(tid: str, c: str, col: pd.Series, t: pd.DataFrame | None = None) -> list | None:
    """Danish labels for the codes in a column of these tables (None: the page's own rules apply);
    `t` is the whole table (a topic's name needs its item code)."""
    if tid == "bilag_c" and c in KILDER:
        return [status_short(v) for v in col]
    if tid == "bilag_c" and c == "noter":
        return [v or "" for v in col]
    if tid == "planer" and c == "kilde":
        return [journal_label(v) for v in col]
    if tid in ("planer", "lab_personer") and c == "site_type":
        return ["I alt" if v == I_ALT else value_label(None, "site_type", v) for v in col]
    if tid in triangulation.COMPARED and c == "emne":
        codes = t["kode"] if t is not None and "kode" in t.columns else col
        return [topic_name(v, k) for v, k in zip(col, codes)]
    if tid in source_items.SIDE_BY_SIDE and c in ("site_type", "informant"):
        return [source_items.row_label(c, v) if c == "site_type" else source_items.SIDE_LABELS.get(v, v) for v in col]
    if tid in source_items.SOURCE_ITEMS and c == source_items.row_of(t if t is not None else col.to_frame(c)):
        return [source_items.row_label(c, v) for v in col]
    return None


def heading(tid: str, c: str) -> str | None:
    """The Danish heading of a column of these tables (None: the page's own headings apply)."""
    if tid in source_items.SOURCE_ITEMS or tid in source_items.SIDE_BY_SIDE:
        return source_items.heading(tid, c)
    return HEADINGS.get(c)
