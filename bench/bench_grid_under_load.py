"""The probe grid answered from the keyboard on a loaded machine: are keys lost, is the grid redrawn?

Starts `streamlit run serve.py` on a new SQLite store, keeps `--burners` busy processes running
(a CI machine with other jobs), and per trial opens a new interview's «3. Udbytte» in Chromium at
1280×720, focuses the first probe and presses the 21 keys of the keyboard test
(tests/browser/test_field_trust_browser.py) without waiting. Then it reads the store: a trial
fails when not all 21 answers arrive within 15 s. It also counts how often the grid was drawn
anew (a new `.bbg` element: the focus is lost then) and whether the page crashed (a page error).

    .venv/bin/python bench/bench_grid_under_load.py --trials 30 --burners 3
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, Server, _free_port  # noqa: E402

from survey import interview as svc  # noqa: E402
from survey.db import make_engine  # noqa: E402
from survey.guide import load_guide  # noqa: E402

WATCH = """window.__drawn = 0; window.__g = document.querySelector('.bbg');
new MutationObserver(() => { const x = document.querySelector('.bbg');
  if (x && x !== window.__g) { window.__drawn++; window.__g = x; } })
  .observe(document.body, {subtree: true, childList: true});"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=20)
    ap.add_argument("--burners", type=int, default=3, help="busy processes beside the test (default 3)")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    d = Path(tempfile.mkdtemp())
    url = f"sqlite:///{d}/bench.db"
    engine = make_engine(url)
    g = load_guide()
    rows = [p.code for p, _, _ in svc.probe_rows(g, svc.section_of(g, "rytme"))]
    keys = []
    for i, row in enumerate(rows):
        keys += ["i"] if i % 4 == 3 else ["jnuj"[i % 4], "jnu"[i % 3]]
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.burners)]
    srv = Server(_free_port(), url, d / "streamlit.log")
    lost = redrawn = crashed = 0
    try:
        srv.start()
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for _ in range(args.trials):
                iid = svc.start_interview(engine, g, site_name="Basen", site_type="boform", interviewer="KL").id
                page = browser.new_page(viewport={"width": 1280, "height": 720})
                errors = []
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.goto(f"http://127.0.0.1:{srv.port}/interview?iv={iid}&afsnit=udbytte")
                page.locator(".bbg").wait_for(timeout=60000)
                page.evaluate(WATCH)
                page.locator(f'.bbg-row[data-row="{rows[0]}"] .bbg-answer .bbg-opt').first.focus()
                for k in keys:
                    page.keyboard.press(k)
                deadline = time.monotonic() + 15
                while len(svc.load_state(engine, iid).answers) < len(keys) and time.monotonic() < deadline:
                    time.sleep(0.2)
                lost += len(svc.load_state(engine, iid).answers) < len(keys)
                redrawn += page.evaluate("window.__drawn") > 0
                crashed += bool(errors)
                page.close()
            browser.close()
    finally:
        srv.kill()
        for b in burners:
            b.kill()
    print(f"trials {args.trials}, busy processes {args.burners}: keys lost in {lost}, "
          f"grid drawn anew in {redrawn}, page errors in {crashed}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
