"""The report's data cached for the pages (issue 15): the Rapport and Matrix pages share one read
of the store's completed interviews, kept until the store changes (`store_version`) or for 15
minutes — at 10,000 respondents the read takes about 2 s, which no rerun should pay twice. The frame is
kept once, in the server's memory (`st.cache_resource`), and every caller gets its own shallow copy.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from report import data as report_data
from survey.db import database_url
from survey.guide import Guide, guide_digest
from ui.common import engine, guide

__all__ = ["store_version", "guide_key", "wide_frame", "current_wide", "on_deletion", "after_deletion"]


_CLEARERS: list = []


def on_deletion(fn):
    """Register `fn` (no arguments) to drop a cache that holds the store's text when the store deletes
    something (`after_deletion`); a decorator."""
    _CLEARERS.append(fn)
    return fn


@st.cache_resource(show_spinner=False)
def _seen_deletions() -> dict:
    """{database url: the deletion stamp this process last saw} (`report.data.deletion_stamp`)."""
    return {}


def after_deletion() -> None:
    """Drop every cache of this process that holds the store's text — the wide frames (free text) of
    every revision, the source frames, the coding models (registered with `on_deletion`) — after a
    respondent or the raw data were deleted (here, by another page, or by the CLI): an old revision's
    entry is no longer asked for, but it stayed in memory until it expired."""
    wide_frame.clear()
    for fn in _CLEARERS:
        fn()


def store_version() -> tuple:
    """The store's revision (`report.data.store_revision`): when it changes, the wide frame and the
    figures are computed again; when its deletion stamp changes, `after_deletion` drops the caches
    first. An answer changed in place without a newer stamp (a merged field package) is picked up
    when the cache expires (15 minutes) or with «Hent data igen»."""
    rev = report_data.store_revision(engine())
    stamp, seen, url = report_data.deletion_stamp(rev), _seen_deletions(), database_url()
    if seen.get(url, stamp) != stamp:
        after_deletion()
    seen[url] = stamp
    return rev


#: id(guide) -> (the guide, its key): a loaded guide is one object until its file changes (survey.guide's
#: cache), and its digest takes ~20 ms — paid once per guide, not on every rerun
_KEYS: dict[int, tuple[Guide, tuple]] = {}


def guide_key(g: Guide) -> tuple:
    """The guide's part of the caches' key: its form, version and digest (`survey.guide.guide_digest`), so a
    question text or a choice label corrected without a new version is drawn at once (it was keyed by form,
    version and the number of codes: the old text stayed for up to 15 minutes, or until a restart)."""
    hit = _KEYS.get(id(g))
    if hit is not None and hit[0] is g:
        return hit[1]
    key = (g.form_id, g.version, guide_digest(g))
    if len(_KEYS) > 16:
        _KEYS.clear()
    _KEYS[id(g)] = (g, key)
    return key


@st.cache_resource(show_spinner=False, max_entries=4, ttl=900)
def _shared_wide(url: str, version: tuple, gkey: tuple, drafts: bool = False) -> pd.DataFrame:
    """The one wide frame per key in the server's memory, never handed out itself (`wide_frame`)."""
    return report_data.wide_frame(engine(), guide(), drafts=drafts)


def wide_frame(url: str, version: tuple, gkey: tuple, drafts: bool = False) -> pd.DataFrame:
    """The cached wide frame; call it with every argument given positionally (the cache's key).

    Each call gets its own frame: a shallow copy of the shared one, which pandas' copy-on-write keeps
    apart from it (a column set or a value changed in the copy is copied first). It was `st.cache_data`,
    which unpickles a new frame on every read: 0.4–0.6 s of every rerun of the Rapport page at 10,000
    respondents (docs/benchmarks.md, issue 14); the copy takes well under a millisecond."""
    return _shared_wide(url, version, gkey, drafts).copy(deep=False)


#: `wide_frame.clear()` empties the cache, as it did when `wide_frame` was the cached function itself
wide_frame.clear = _shared_wide.clear  # type: ignore[attr-defined]


@st.cache_data(show_spinner=False, max_entries=4, ttl=900)
def study_pseudonyms(url: str, version: tuple, gkey: tuple) -> dict:
    """The study's pseudonyms of the interviewers (`report.data.study_pseudonyms`: one person one
    «Interviewer N» in every output); every argument positionally (the cache's key)."""
    return report_data.study_pseudonyms(engine(), guide())


def current_wide(drafts: bool = False) -> pd.DataFrame:
    """The completed interviews (`drafts`: the drafts too) as the pages count them, from the cache."""
    return wide_frame(database_url(), store_version(), guide_key(guide()), drafts)
