"""Shared pieces of the real-browser tests: a `streamlit run` server on a free loopback port and
Debian's Chromium driven by Playwright. Under CI (CI=true) these tests must run: a missing Chromium
or Playwright fails them. Elsewhere they are skipped with the reason when they are missing.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import free_port as _free_port

ROOT = Path(__file__).resolve().parents[2]
CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = os.environ.get("BRUGERBLIK_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = os.environ.get("BRUGERBLIK_SCREENSHOTS")  # a folder: save screenshots of the pages there
#: how long an `expect(...)` waits for a state in every browser test: Playwright's 5 s default is too short for a
#: Streamlit script run on a loaded 2-core machine (a test that waited for its first map failed at load 10);
#: three files set it themselves, which held only for the tests that ran after them
EXPECT_TIMEOUT_MS = 20000


@pytest.fixture(autouse=True)
def _expect_timeout():
    try:
        from playwright.sync_api import expect
    except ImportError:  # _require_browser says what is missing
        yield
        return
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    yield


def _require_browser():
    problems = []
    if not Path(CHROMIUM).exists():
        problems.append(f"Chromium findes ikke ({CHROMIUM}); installer Debians pakke: apt-get install chromium "
                        "(make test gør det via tools/system-deps.sh)")
    try:
        import playwright.sync_api  # noqa: F401  (only checking it is installed)
    except ImportError:
        problems.append("Python-pakken playwright mangler (pip install -e '.[test]')")
    if problems:
        if CI:
            pytest.fail("Browsertesten SKAL køre i CI: " + "; ".join(problems), pytrace=False)
        pytest.skip("; ".join(problems))


class Server:
    """`streamlit run serve.py` (app.py with the session and autosave routes) in its own process group, so a
    kill takes exactly it and nothing else."""

    def __init__(self, port: int, db_url: str, log: Path):
        self.port, self.db_url, self.log = port, db_url, log
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        env = {**os.environ, "BRUGERBLIK_DB": self.db_url, "PYTHONUNBUFFERED": "1"}
        cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "serve.py"), "--server.address", "127.0.0.1",
               "--server.port", str(self.port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
               "--server.fileWatcherType", "none"]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=self.log.open("ab"), stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit stoppede: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/_stcore/health", timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("streamlit svarede ikke inden for 40 s")

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, no flushing — like a crash or a pulled plug."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)


@pytest.fixture
def server(tmp_path, db_url):
    _require_browser()
    srv = Server(_free_port(), db_url, tmp_path / "streamlit.log")
    srv.start()
    yield srv
    srv.kill()


@pytest.fixture
def demo_store(db_url, guide):
    """The demo study (61 completed interviews) in the server's store; the engine to read it back."""
    from survey.db import make_engine
    from survey.demo import load_demo

    engine = make_engine(db_url)
    assert load_demo(engine, guide) == 61
    yield engine
    engine.dispose()


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def shot(page, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"))


def saves(page) -> int:
    loc = page.locator(".bb-status")
    return int(loc.get_attribute("data-saves") or 0) if loc.count() else 0


def wait_saved(page, n0: int, what: str) -> None:
    """Wait until the sidebar says a newer change, to `what`, is saved: the promise the test then checks."""
    try:
        page.wait_for_function(
            """([n0, what]) => { const e = document.querySelector('.bb-status');
                   return e && Number(e.dataset.saves) > n0 && e.innerText.includes('✔ Gemt')
                          && e.innerText.includes(what); }""", arg=[n0, what], timeout=15000)
    except Exception:
        st = page.locator(".bb-status")
        shown = (st.inner_text(), st.get_attribute("data-saves")) if st.count() else None
        main = page.locator('[data-testid="stMain"]')
        text = main.inner_text()[:400] if main.count() else page.content()[:400]
        raise AssertionError(f"«{what}» blev ikke vist som gemt (før: {n0} gemt); statuslinjen: {shown}; "
                             f"siden: {text!r}") from None


def item(page, iid: str, code: str):
    return page.locator(f".st-key-v_{iid}_{code}")


def idle(page, timeout: float = 30000) -> None:
    """Wait until the app's script run is over: a click during a rerun can be lost (a loaded machine)."""
    page.wait_for_function("() => document.querySelector('[data-testid=\"stApp\"]')"
                           "?.dataset.testScriptState === 'notRunning'", timeout=timeout)


def press_until(page, el, by: str, key: str, holds) -> None:
    """Press `el` by mouse (a click) or keyboard (focus, then `key`) until `holds(timeout=…)` — an `expect` —
    passes: on a loaded machine a press during a run the app was still doing can be lost. Three presses."""
    for _attempt in range(3):
        idle(page)
        if by == "mouse":
            el.click()
        else:
            el.focus()
            page.keyboard.press(key)
        try:
            holds(timeout=10000)
            return
        except AssertionError:
            continue
    holds(timeout=5000)


def open_tab(page, name: str, by: str) -> None:
    """Press the page's tab `name` (in the main area) by mouse or keyboard until it is the selected one."""
    from playwright.sync_api import expect

    tab = page.locator('[data-testid="stMain"]').get_by_role("tab", name=name)
    press_until(page, tab, by, "Enter", lambda **kw: expect(tab).to_have_attribute("aria-selected", "true", **kw))
    idle(page)


def choose(page, label, option: str, by: str, size, area: str = "stMain") -> None:
    """Pick `option` in the selectbox `label` of `area` (stMain or stSidebar), checked to be on screen
    at `size`: a click on it and on the option ("mouse"), or focus, typing the option's first
    letters and Enter ("keyboard"). Waits for the app's script run to end first: a rerun (a toggle
    just switched) replaces the box, and a box replaced mid-action is "not attached to the DOM"."""
    idle(page)
    box = page.locator(f'[data-testid="{area}"]').get_by_role("combobox", name=label)
    box.scroll_into_view_if_needed()
    bb = box.bounding_box()
    assert bb and bb["y"] >= 0 and bb["y"] + bb["height"] <= size[1], bb  # on screen at this size
    if by == "mouse":
        box.click()
        page.get_by_role("option", name=option, exact=True).click()
    else:
        box.focus()
        page.keyboard.type(option)
        page.keyboard.press("Enter")


@pytest.fixture
def coded(db_url):
    """The coded demo study (tests/report/test_matrix.py's `build_coded_study`) in the server's
    store: (engine, guide)."""
    from tests.report.test_matrix import build_coded_study

    engine, guide = build_coded_study(db_url)
    yield engine, guide
    engine.dispose()
