"""The built wheel holds the whole app (issue 13): the package is built from a copy of the source,
unpacked into a folder of its own, and `brugerblik-app` (`ui.entry.launch`) — from that folder, away from the
repository — serves the app to Chromium, which shows its first page in Danish."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, _free_port, _require_browser

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ("pyproject.toml", "README.md", "brugerblik", "survey", "archetypes", "coding", "exports", "report", "ui")


def _build_wheel(tmp: Path) -> Path:
    src = tmp / "src"
    src.mkdir()
    for name in SOURCE:
        p = ROOT / name
        if p.is_dir():
            shutil.copytree(p, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(p, src / name)
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
                        "-w", str(tmp / "dist"), str(src)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    (wheel,) = (tmp / "dist").glob("brugerblik-*.whl")
    return wheel


def test_the_app_starts_from_the_built_wheel(tmp_path):
    _require_browser()
    wheel = _build_wheel(tmp_path)
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
    for needed in ("ui/main.py", "ui/entry/serve.py", "ui/entry/app.py", "ui/pages.py", "ui/static/queue.js",
                   "survey/guide/brugerguide.xlsx", "survey/migrations/env.py", "report/quality_map.py",
                   "exports/workbook.py", "coding/data/navne.tsv.gz", "archetypes/archetypes.json",
                   "brugerblik/cli.py"):
        assert needed in names, needed
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as z:
        z.extractall(site)
    run_dir = tmp_path / "run"  # away from the repository: nothing of it on the path
    run_dir.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site), "BRUGERBLIK_DB": f"sqlite:///{tmp_path / 'store.db'}",
           "PYTHONUNBUFFERED": "1"}
    where = subprocess.run([sys.executable, "-c", "import ui.main, survey, report, ui.entry.launch as c; "
                            "print(ui.main.__file__, survey.__file__, c.command(1)[4])"],
                           cwd=run_dir, env=env, capture_output=True, text=True, timeout=120)
    assert where.returncode == 0, where.stderr[-2000:]
    assert all(p.startswith(str(site)) for p in where.stdout.split()), where.stdout
    port = _free_port()
    log = tmp_path / "app.log"
    proc = subprocess.Popen([sys.executable, "-c", "import sys; from ui.entry.launch import main; "
                             f"sys.exit(main(['--port', '{port}']))"],
                            cwd=run_dir, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, log.read_text()[-3000:]
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                assert time.monotonic() < deadline, "the app did not answer within 60 s: " + log.read_text()[-3000:]
                time.sleep(0.3)
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = b.new_page(viewport={"width": 1280, "height": 720})
                page.goto(f"http://127.0.0.1:{port}/", wait_until="domcontentloaded")
                main = page.locator('[data-testid="stMain"]')
                main.get_by_role("heading", name="Interviews").first.wait_for(timeout=60000)
                text = main.inner_text()
                assert "uventet fejl" not in text and "kan ikke nå databasen" not in text, text[:500]
            finally:
                b.close()
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
    assert "Traceback" not in log.read_text()
