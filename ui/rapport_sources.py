"""The Rapport page's tables from the other sources (issue 7): Bilag C, Oversigt over interview,
Planer (6.3) and Enighed (7.4) — `exports.triangulation` on the population's users and the
sources about them, exactly as ``brugerblik table bilag_c|oversigt_interview|planer|enighed``.

Used by ui/rapport_view.py (tab «Tabeller»); the source frames are cached per store version.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st
from sqlalchemy import func, select

from exports import triangulation as TR
from survey.models import SourceStatus
from survey.sources import COMPARE_TOPICS, EXTRA_TOPICS, KILDER, SOURCE_STATUS, source_status
from ui.common import engine

IDS: list[str] = list(TR.TABLES)
TITLES: dict[str, str] = dict(TR.TITLES)
#: the column holding each row's n (what publication checks against the minimum n)
N_COLUMN: dict[str, str] = {"planer": "journaler", "oversigt_interview": "brugere", "enighed": "n"}
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
}
_TOPICS = {k: lab for k, lab, _ in COMPARE_TOPICS + EXTRA_TOPICS}
_SHORT = {"foreligger": "X", "ikke_oplyst": "-"}


def source_version() -> tuple:
    """Bilag C's reasons change without touching an interview: their own fingerprint."""
    with engine().connect() as c:
        n, last = c.execute(select(func.count(SourceStatus.id), func.max(SourceStatus.recorded_at))).one()
    return int(n), str(last)


@st.cache_data(show_spinner=False, max_entries=4, ttl=900)
def _frames(url: str, version: tuple, sversion: tuple) -> dict[str, pd.DataFrame]:
    from survey.source_store import load_reasons, load_sources

    out = load_sources(engine())
    out["aarsager"] = load_reasons(engine())
    return out


def frames(ctx) -> dict[str, pd.DataFrame]:
    """The sources and reasons about the population's users (and their sites' leaders)."""
    from survey.source_store import restrict

    return restrict(_frames(ctx.url, ctx.version, source_version()), ctx.pop)


def table_frame(ctx, tid: str) -> pd.DataFrame:
    """The table for the population, as `exports.triangulation` computes it (the CSV's form)."""
    f = frames(ctx)
    empty = pd.DataFrame(columns=["source_id", "respondent_id", "kilde", "handleplan", "jobplan"])
    if tid in ("bilag_c", "oversigt_interview"):
        status = source_status(ctx.pop, f, f.get("aarsager"))
        return TR.bilag_c(status) if tid == "bilag_c" else TR.oversigt_interview(status, ctx.pop)
    if tid == "planer":
        return TR.planer(f.get("journal", empty), ctx.pop)
    return TR.enighed_bruger_sagsbehandler(ctx.pop, f.get("sagsbehandler", empty), ctx.g)


def render(ctx, tid: str, fmt: str) -> str:
    return TR.render(tid, ctx.pop, frames(ctx), guide=ctx.g, fmt=fmt)


def notes(ctx, tid: str) -> list[str]:
    """The definitions under the table in the Markdown (the lines after the table)."""
    lines = render(ctx, tid, "md").rstrip("\n").split("\n")
    last = max((i for i, ln in enumerate(lines) if ln.startswith("|")), default=len(lines) - 1)
    return [ln for ln in lines[last + 1:] if ln.strip()]


def shown_values(tid: str, c: str, col: pd.Series) -> list | None:
    """Danish labels for the codes in a column of these tables (None: the page's own rules apply)."""
    if tid == "bilag_c" and c in KILDER:
        return [_SHORT.get(v, SOURCE_STATUS.get(v, v or "")) for v in col]
    if tid == "bilag_c" and c == "noter":
        return [v or "" for v in col]
    if tid == "planer" and c == "kilde":
        return ["Kommunens journal" if v == "kommune" else "Boformens journal" for v in col]
    if tid == "planer" and c == "site_type":
        return ["I alt" if v == TR.I_ALT else {"boform": "Boform", "vaerested": "Værested"}.get(v, "Uoplyst")
                for v in col]
    if tid == "enighed" and c == "emne":
        return [_TOPICS.get(v, v) for v in col]
    return None
