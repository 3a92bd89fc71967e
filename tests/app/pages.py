"""What the page tests (AppTest) share: the app, a run that must not fail, a page opened with its
URL parameters as a researcher, and the page's visible texts."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from ui.pages import BY_PATH
from ui.workbench import CODER

APP = str(Path(__file__).resolve().parents[2] / "app.py")
TIMEOUT = 60


def run_ok(at: AppTest) -> AppTest:
    """One run; no exception and no «uventet fejl» on the page."""
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not [e.value for e in at.error if "uventet fejl" in e.value], [e.value for e in at.error]
    return at


def switch(at: AppTest, page: str) -> AppTest:
    """To the page at /<page> (its `url_path` in `ui.pages`) on the next run, as a click in the menu.

    The pages are functions (``st.Page(function, url_path=…)``), and `AppTest.switch_page` knows only
    page files; a page's script hash is the hash of its url_path, which is what a browser asks for."""
    assert page in BY_PATH, f"ingen side /{page}"
    at._page_hash = calc_hash(page)
    return at


def open_page(page: str, coder: str | None = "Forsker A", **params) -> AppTest:
    """The page at /<page> opened fresh with `params` in the URL (the workbench's coder name set)."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if coder:
        at.session_state[CODER] = coder
    run_ok(at)
    for k, v in params.items():
        at.query_params[k] = v
    switch(at, page)
    return run_ok(at)


def rapport_table(tid: str, timeout: float = TIMEOUT, **params) -> AppTest:
    """The Rapport page opened fresh with `params` in the URL, its tab «Tabeller», and the table `tid` chosen
    (each step one plain run: the caller asserts what the page shows, errors and refusals included)."""
    from ui import rapport_view as RV  # the page's own keys

    at = AppTest.from_file(APP, default_timeout=timeout)
    at.query_params["fane"] = "Tabeller"
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    switch(at, "rapport")
    at.run()
    at.session_state[RV.K_TAB] = "Tabeller"
    at.run()
    at.selectbox(key="rp_table").set_value(tid)
    at.run()
    return at


def texts(at: AppTest) -> str:
    """Every markdown, caption, message and subheading of the page, one per line."""
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption] + [e.value for e in at.error]
                     + [w.value for w in at.warning] + [s.value for s in at.success] + [i.value for i in at.info]
                     + [h.value for h in at.subheader])  # the interview's section headings are subheaders
