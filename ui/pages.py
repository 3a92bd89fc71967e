"""The app's pages: one function per page, with the action (`survey.auth.ACTIONS`) it needs, its
title, icon and URL. `ui.access.build_pages` (called by app.py on every rerun) registers them as
``st.Page(function, url_path=…)``; a link or a switch to a page uses `page(url_path)`.

Each page function imports its view when the page is opened: a view brings its domain with it
(coding and scikit-learn, the report and its figures …), which the login form and the other pages
do not need at start-up.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import streamlit as st

START_PAGE = "start"          # url_path of «Start og fortsæt»
INTERVIEW_PAGE = "interview"  # url_path of one interview (/interview?iv=<id>&afsnit=<section>)


# ---------------------------------------------------------------- the pages (each view imported when opened)

def start() -> None:
    """Start a new interview, resume a draft or open a completed one."""
    from ui.start_view import main  # imported when the page is opened (start-up time)
    main()


def interview() -> None:
    """One interview, section by section (URL: /interview?iv=<id>&afsnit=<section>)."""
    from ui.interview_view import main  # imported when the page is opened (start-up time)
    main()


def kodning() -> None:
    """Kodning: one respondent at a time (URL: /kodning?r=<respondent-id>)."""
    from ui.kodning_view import main  # imported when the page is opened (start-up time)
    main()


def kodebog() -> None:
    """Kodebog: theme codes with description and cue words, export and import."""
    from ui.kodebog_view import main  # imported when the page is opened (start-up time)
    main()


def transskriptioner() -> None:
    """Transskriptioner: import, segments, suggestions and coding (URL: /transskriptioner?r=<respondent-id>)."""
    from ui.transskriptioner_view import main  # imported when the page is opened (start-up time)
    main()


def citatbank() -> None:
    """Citatbank: search, filter, mark for the report, code and export quotes."""
    from ui.citatbank_view import main  # imported when the page is opened (start-up time)
    main()


def enighed() -> None:
    """Enighed: blind double coding, kappa and alpha, settling disagreements."""
    from ui.enighed_view import main  # imported when the page is opened (start-up time)
    main()


def matrix() -> None:
    """Matrix: theme codes × an attribute of the respondents, a cell opened to read it (issue 15)."""
    from ui.matrix_view import main  # imported when the page is opened (start-up time)
    main()


def analyser() -> None:
    """Analyser: saturation, code co-occurrence and word frequency (issue 15)."""
    from ui.queries_view import main  # imported when the page is opened (start-up time)
    main()


def kilder() -> None:
    """Kilder: every source about one respondent side by side, Bilag C's reasons (URL: /kilder?r=<respondent-id>)."""
    from ui.kilder_view import main  # imported when the page is opened (start-up time)
    main()


def anonymisering() -> None:
    """Anonymisering: masked text beside the original, the always- and never-mask lists."""
    from ui.anonymisering_view import main  # imported when the page is opened (start-up time)
    main()


def rapport() -> None:
    """Rapport: quality map, tables, crosstab and downloads (URL: /rapport?gruppe=…&stedtype=…)."""
    from ui.rapport_view import main  # imported when the page is opened (start-up time)
    main()


def administration() -> None:
    """Brugere og steder: users (add, roles, disable, new password), sites, consent and deletion."""
    from ui.admin_view import main  # imported when the page is opened (start-up time)
    main()


def historik() -> None:
    """Historik: a respondent's full audit trail, read-only (URL: /historik?r=<respondent-id>)."""
    from ui.historik_view import main  # imported when the page is opened (start-up time)
    main()


@dataclass(frozen=True)
class PageSpec:
    """One page of the app and the action (`auth.ACTIONS`) it needs."""
    section: str
    page: Callable[[], None]
    title: str
    icon: str
    url_path: str
    action: str


PAGE_SPECS: tuple[PageSpec, ...] = (
    PageSpec("Interview", start, "Start og fortsæt", ":material/play_arrow:", START_PAGE, "interview.own"),
    PageSpec("Interview", interview, "Interview", ":material/forum:", INTERVIEW_PAGE, "interview.own"),
    PageSpec("Kodning", kodning, "Kodning", ":material/label:", "kodning", "coding"),
    PageSpec("Kodning", kodebog, "Kodebog", ":material/account_tree:", "kodebog", "coding"),
    PageSpec("Kodning", transskriptioner, "Transskriptioner", ":material/description:", "transskriptioner", "coding"),
    PageSpec("Kodning", citatbank, "Citatbank", ":material/format_quote:", "citatbank", "coding"),
    PageSpec("Kodning", enighed, "Enighed", ":material/join_inner:", "enighed", "coding"),
    PageSpec("Kodning", matrix, "Matrix", ":material/grid_on:", "matrix", "coding"),
    PageSpec("Kodning", analyser, "Analyser", ":material/hub:", "analyser", "coding"),
    # issue 7: every source about one respondent side by side, Bilag C's reasons (raw answers: researchers)
    PageSpec("Kodning", kilder, "Kilder", ":material/compare_arrows:", "kilder", "coding"),
    # side by side with the original text: raw, identifiable text, so researchers only
    PageSpec("Kodning", anonymisering, "Anonymisering", ":material/visibility_off:", "anonymisering", "coding"),
    PageSpec("Rapport", rapport, "Rapport", ":material/bar_chart:", "rapport", "report"),
    PageSpec("Administration", administration, "Brugere og steder", ":material/manage_accounts:", "administration",
             "users"),
    PageSpec("Administration", historik, "Historik", ":material/history:", "historik", "audit.view"),
)
BY_PATH: dict[str, PageSpec] = {s.url_path: s for s in PAGE_SPECS}


def st_page(spec: PageSpec, **kw) -> st.Page:
    """The page as st.navigation registers it (`kw`: default, visibility)."""
    return st.Page(spec.page, title=spec.title, icon=spec.icon, url_path=spec.url_path, **kw)


def page(url_path: str) -> st.Page:
    """A registered page by its URL (for st.switch_page and st.page_link: a page made from a function
    is reached through its st.Page, never through a file name)."""
    return st_page(BY_PATH[url_path])
