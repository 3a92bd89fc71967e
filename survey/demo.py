"""The demo study, loaded into a store: the 61 SYNTHETIC users of `survey.demo_users` and their
SYNTHETIC other sources (`survey.demo_sources`). Above the services it calls (the store and the
source store); `brugerblik demo`, `make run` and the tests load it from here.

Nothing in it describes a real person: every respondent, answer and free text is invented for this
toolkit. The demo reproduces the report's published numbers exactly; how, is told in
`survey.demo_users`.
"""
from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from survey.db import session_scope
from survey.demo_sources import build_demo_sources
from survey.demo_users import INTERVIEWER, SITES, SOURCE, WHO, build_demo_frame
from survey.guide import Guide
from survey.models import Interview, SourceStatus
from survey.source_store import SOURCE_INFORMANTS, delete_source_interviews, insert_reasons, insert_sources
from survey.store import StoreError, count_interviews, ensure_site, insert_wide

__all__ = ["INTERVIEWER", "SITES", "SOURCE", "WHO", "build_demo_frame", "load_demo", "load_demo_sources"]


def _existing_demo_ids(s: Session, ids: list[str], source: str, refusal: str) -> dict[str, str]:
    """Those of `ids` already in the store (id -> source); real data under a demo id is never
    replaced: `StoreError` starting with `refusal`."""
    existing = dict(s.execute(select(Interview.respondent_id, Interview.source)
                              .where(Interview.respondent_id.in_(ids))).all())
    foreign = sorted(r for r, src in existing.items() if src != source)
    if foreign:
        raise StoreError(f"{refusal} findes allerede og er ikke demodata (de erstattes aldrig): " + ", ".join(foreign))
    return existing


def load_demo(engine: Engine, guide: Guide, *, if_empty: bool = False, replace: bool = False) -> int:
    """Write the demo study to the store in one transaction; returns the number of respondents.

    Also writes the demo's SYNTHETIC other sources (issue 7: case-worker, contact-person and leader
    interviews, case-file extractions and Bilag C's reasons; `survey.demo_sources`).
    if_empty: do nothing (return 0) when the store already holds any interview.
    replace: rebuild demo respondents that are already there. Real data is never replaced: an
    existing respondent with a demo id that did not come from the demo is always an error.
    """
    df = build_demo_frame(guide)
    ids = list(df["respondent_id"])
    with session_scope(engine) as s:
        if if_empty and count_interviews(s, informant=None) > 0:
            return 0
        existing = _existing_demo_ids(s, ids, SOURCE, "Demoundersøgelsen kan ikke indlæses: disse respondent-id'er")
        if existing and not replace:
            raise StoreError(f"Demoundersøgelsen er allerede indlæst ({len(existing)} af {len(ids)} "
                             "demo-respondenter findes). Brug --replace for at indlæse den igen.")
        for site in SITES:  # so new interviews at a demo site continue the demo's prefix
            ensure_site(s, site.name, site.site_type, prefix=site.prefix)
        n = insert_wide(s, guide, df, replace=replace, source=SOURCE, who=WHO)
        # issue 7: the SYNTHETIC case-worker, contact-person and leader interviews, case files and
        # Bilag C's reasons (survey.demo_sources), marked source "demo" like the users
        load_demo_sources(s, guide, replace=replace, who=WHO, source=SOURCE)
        return n


def load_demo_sources(s: Session, user_guide: Guide, *, replace: bool = False, who: str | None = None,
                      source: str = "demo") -> dict[str, int]:
    """Write the demo study's SYNTHETIC sources (`survey.demo_sources.build_demo_sources`) in the
    caller's transaction, after the demo users. With `replace`, earlier demo sources and reasons go
    first; a source id used by real data is never replaced (`StoreError`). Returns counts."""
    frames = build_demo_sources(user_guide)
    ids = [str(x) for k in SOURCE_INFORMANTS for x in frames[k]["source_id"]]
    existing = _existing_demo_ids(s, ids, source, "Demoens kilder kan ikke indlæses: disse id'er")
    if existing:
        if not replace:
            raise StoreError("Demoens kilder er allerede indlæst. Brug --replace for at indlæse dem igen.")
        old = list(s.execute(select(Interview.id).where(Interview.respondent_id.in_(list(existing)))).scalars())
        delete_source_interviews(s, old)
    if replace:
        s.execute(delete(SourceStatus).where(SourceStatus.source == source))
    s.flush()
    counts = {k: insert_sources(s, k, frames[k], who=who, source=source) for k in SOURCE_INFORMANTS}
    counts["aarsager"] = insert_reasons(s, frames["aarsager"], who=who, source=source)
    return counts
