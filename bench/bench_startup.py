"""Start-up time (issue 13): one CLI command against `import pandas`, and the app's first page.

    .venv/bin/python bench/bench_startup.py [--repeat 7] [--app-repeat 3] [--root DIR] [--no-browser] [--returning]

In one run, on a demo store in a new temporary folder (``brugerblik demo``; its own guide cache
in that folder, BRUGERBLIK_CACHE):

* **CLI** — ``brugerblik table 4.2`` against ``python -c "import pandas"``, each a new process,
  the two interleaved; the median of --repeat runs and their ratio (target ≤ 1.5). One run of
  each first, not counted: it writes the bytecode caches (``__pycache__``) as any installed
  copy has them, and the compiled-guide cache; that first run is reported too (cold guide
  cache). PYTHONDONTWRITEBYTECODE is removed from the children's environment for the same
  reason: without bytecode caches every project module is compiled anew on every start.
* **App** — ``streamlit run app.py`` headless on a free loopback port (started as
  tests/browser/conftest.py starts it, file watcher off), timed from the moment the process is
  started: until ``/_stcore/health`` answers 200, until ``/`` returns the page's HTML, and — with
  Playwright and Chromium present (launched before the server, so the browser's own start is
  not counted) — until the first page is drawn: the script run is over and the page's heading
  is in the main area. Target: the first page within 1.5 s. Median of --app-repeat starts.
  Interleaved with each start, the same is timed for **Streamlit's floor**: a one-line app
  (``st.title("Hej")``) with Brugerblik's .streamlit/config.toml, started the same way — what no
  Streamlit app can be faster than on this machine.

``--returning`` also times a browser that has shown the app before: the same port for every start and
one browser context, so its HTTP cache holds Streamlit's frontend (an interviewer who restarts the app
and reloads the tab). Every drawn time is also given from the moment the server answered.

``--root DIR`` runs the commands and the app from another copy of the code (e.g. ``git archive
COMMIT | tar -x -C DIR``) with this interpreter, to measure before and after on the same machine.
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("BRUGERBLIK_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# the first page is drawn: Streamlit's script run is over, the browser is connected, a heading is shown
DRAWN = """() => { const a = document.querySelector('[data-test-script-state]');
  return a && a.getAttribute('data-test-script-state') === 'notRunning'
         && a.getAttribute('data-test-connection-state') === 'CONNECTED'
         && document.querySelector('[data-testid="stMain"] :is(h1, h2, h3)') !== null; }"""


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONDONTWRITEBYTECODE", "BRUGERBLIK_USER", "BRUGERBLIK_PASSWORD", "BRUGERBLIK_GUIDE",
                        "BRUGERBLIK_LOG", "PYTHONPATH")}
    env.update(BRUGERBLIK_DB=f"sqlite:///{tmp / 'demo.db'}", BRUGERBLIK_CACHE=str(tmp / "cache"),
               PYTHONUNBUFFERED="1")
    return env


def _timed(cmd: list[str], root: Path, env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    r = subprocess.run(cmd, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    dt = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} gave exit code {r.returncode}: {r.stderr.decode()[-2000:]}")
    return dt


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _browser():
    """(playwright context manager, browser) or (None, None) without Playwright or Chromium."""
    if not Path(CHROMIUM).exists():
        return None, None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None, None
    pw = sync_playwright().start()
    return pw, pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def _app_once(root: Path, env: dict[str, str], browser, log: Path, file: str = "app.py",
              port: int | None = None) -> dict[str, float]:
    """One start, timed. `browser` is a Playwright browser (a new page in its default context: an empty
    HTTP cache for a new port) or a context kept across starts with the same `port` (its cache holds
    Streamlit's frontend: a browser that has shown the app before)."""
    port = port or _free_port()
    base = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "streamlit", "run", str(root / file), "--server.address", "127.0.0.1",
           "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none"]
    page = browser.new_page() if browser is not None else None
    out: dict[str, float] = {}
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        deadline = t0 + 60
        while "health" not in out:
            if proc.poll() is not None or time.perf_counter() > deadline:
                raise SystemExit(f"streamlit did not start: {log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(base + "/_stcore/health", timeout=1) as r:
                    if r.status == 200:
                        out["health"] = time.perf_counter() - t0
            except OSError:
                time.sleep(0.02)
        with urllib.request.urlopen(base + "/", timeout=10) as r:
            html = r.read()
        if r.status != 200 or b"<html" not in html.lower():
            raise SystemExit("/ did not return the page's HTML")
        out["html"] = time.perf_counter() - t0
        if page is not None:
            page.goto(base + "/")
            page.wait_for_function(DRAWN, timeout=60000, polling=20)
            out["page"] = time.perf_counter() - t0
    finally:
        if page is not None:
            page.close()
        os.killpg(proc.pid, 15)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait(10)
    return out


FLOOR_APP = 'import streamlit as st\n\nst.title("Hej")\n'


def _floor_root(tmp: Path, root: Path) -> Path:
    """A folder with a one-line Streamlit app and Brugerblik's Streamlit settings."""
    floor = tmp / "floor"
    (floor / ".streamlit").mkdir(parents=True)
    (floor / "app.py").write_text(FLOOR_APP, encoding="utf-8")
    shutil.copy(root / ".streamlit" / "config.toml", floor / ".streamlit" / "config.toml")
    return floor


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7, help="CLI runs of each command (median)")
    ap.add_argument("--app-repeat", type=int, default=3, help="app starts (median)")
    ap.add_argument("--root", type=Path, default=ROOT, help="the copy of the code to run (default: this one)")
    ap.add_argument("--no-browser", action="store_true", help="time the app's HTML only, not the drawn page")
    ap.add_argument("--returning", action="store_true",
                    help="also a returning browser: the same port each start and one browser context, whose HTTP "
                         "cache holds Streamlit's frontend (an interviewer who restarts the app and reloads)")
    ap.add_argument("--file", default="app.py", help="the file `streamlit run` starts: app.py, or serve.py as "
                                                     "make run does (with the session routes and the warm-up)")
    a = ap.parse_args()
    root = a.root.resolve()
    tmp = Path(tempfile.mkdtemp(prefix="bb-startup-"))
    try:
        env = _env(tmp)
        py = sys.executable
        table = [py, "-m", "brugerblik.cli", "table", "4.2"]
        pandas = [py, "-c", "import pandas"]
        _timed([py, "-m", "brugerblik.cli", "demo"], root, env)
        shutil.rmtree(tmp / "cache", ignore_errors=True)  # the first table run starts with no compiled guide
        cold = _timed(table, root, env)
        _timed(pandas, root, env)
        ts, tp = [], []
        for _ in range(a.repeat):
            tp.append(_timed(pandas, root, env))
            ts.append(_timed(table, root, env))
        mt, mp = statistics.median(ts), statistics.median(tp)

        pw, browser = (None, None) if a.no_browser else _browser()
        try:
            floor = _floor_root(tmp, root)
            runs, floors = [], []
            for _ in range(a.app_repeat):  # interleaved: the same machine load for both
                runs.append(_app_once(root, env, browser, tmp / "streamlit.log", a.file))
                floors.append(_app_once(floor, env, browser, tmp / "floor.log"))
            back, back_floor = [], []
            if a.returning and browser is not None:
                ctx = browser.new_context()
                ports = _free_port(), _free_port()
                _app_once(root, env, ctx, tmp / "streamlit.log", a.file, ports[0])  # fills the cache, not counted
                _app_once(floor, env, ctx, tmp / "floor.log", port=ports[1])
                for _ in range(a.app_repeat):
                    back.append(_app_once(root, env, ctx, tmp / "streamlit.log", a.file, ports[0]))
                    back_floor.append(_app_once(floor, env, ctx, tmp / "floor.log", port=ports[1]))
                ctx.close()
        finally:
            if browser is not None:
                browser.close()
                pw.stop()

        import pandas as pd

        print(f"Python {platform.python_version()}, pandas {pd.__version__}, {os.cpu_count()} cores; "
              f"code from {root}; demo store (SQLite) in a temporary folder")
        print()
        print(f"CLI, median of {a.repeat} runs (each a new process):")
        print(f"  python -c \"import pandas\"   {mp:6.2f} s")
        print(f"  brugerblik table 4.2         {mt:6.2f} s   ratio {mt / mp:.2f}  (target ≤ 1.5)")
        print(f"  brugerblik table 4.2, first run (no compiled guide yet): {cold:.2f} s")
        print()
        print(f"App (streamlit run {a.file}, headless), median of {a.app_repeat} starts, from the process start:")
        print(f"  /_stcore/health answers      {statistics.median(r['health'] for r in runs):6.2f} s")
        print(f"  / returns the page's HTML    {statistics.median(r['html'] for r in runs):6.2f} s")
        if all("page" in r for r in runs):
            print(f"  first page drawn (Chromium)  {statistics.median(r['page'] for r in runs):6.2f} s   "
                  "(target ≤ 1.5)")
            print(f"    of which after the server answered  {statistics.median(r['page'] - r['health'] for r in runs):.2f} s")
        else:
            print("  first page drawn: not measured (no Playwright/Chromium, or --no-browser)")
        print("Streamlit's floor (a one-line app, the same settings), interleaved with the starts above:")
        print(f"  / returns the page's HTML    {statistics.median(r['html'] for r in floors):6.2f} s")
        if all("page" in r for r in floors):
            print(f"  first page drawn (Chromium)  {statistics.median(r['page'] for r in floors):6.2f} s")
            print(f"    of which after the server answered  {statistics.median(r['page'] - r['health'] for r in floors):.2f} s")
        if back:
            print("A returning browser (the same port, its HTTP cache holds Streamlit's frontend), from the process start:")
            for what, rs in (("Brugerblik", back), ("Streamlit's floor", back_floor)):
                print(f"  {what:<18} first page drawn {statistics.median(r['page'] for r in rs):5.2f} s "
                      f"(after the server answered {statistics.median(r['page'] - r['health'] for r in rs):.2f} s)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
