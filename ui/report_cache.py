"""The report's data cached for the pages (issue 15): the Rapport and Matrix pages share one read
of the store's completed interviews, kept until the store changes (`store_version`) or for 15
minutes — at 10,000 respondents the read takes about 2 s, which no rerun should pay twice.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from report import data as report_data
from survey.db import database_url
from survey.guide import Guide
from ui.common import engine, guide

__all__ = ["store_version", "guide_key", "wide_frame", "current_wide"]


def store_version() -> tuple:
    """The store's revision (`report.data.store_revision`): when it changes, the wide frame and the
    figures are computed again. An answer changed in place without a newer stamp (a merged field
    package) is picked up when the cache expires (15 minutes) or with «Hent data igen»."""
    return report_data.store_revision(engine())


def guide_key(g: Guide) -> tuple:
    return g.form_id, g.version, len(g.codes)


@st.cache_data(show_spinner=False, max_entries=4, ttl=900)
def wide_frame(url: str, version: tuple, gkey: tuple, drafts: bool = False) -> pd.DataFrame:
    """The cached wide frame; call it with every argument given positionally (the cache's key)."""
    return report_data.wide_frame(engine(), guide(), drafts=drafts)


def current_wide(drafts: bool = False) -> pd.DataFrame:
    """The completed interviews (`drafts`: the drafts too) as the pages count them, from the cache."""
    return wide_frame(database_url(), store_version(), guide_key(guide()), drafts)
