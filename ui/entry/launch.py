"""``brugerblik-app [--port 8501] [--db URL]``: the web app from the installed package, on this
machine only (127.0.0.1), until Ctrl-C. The store is --db or BRUGERBLIK_DB, as for `brugerblik`.
No login here: the app's own pages sign users in (ui/access.py)."""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path
from typing import Optional, Sequence

#: Streamlit's settings for the app, as .streamlit/config.toml holds them in the repository (which an
#: installed package does not have): no developer menu, no tracebacks or links under an error, no
#: usage statistics, loopback only
SETTINGS = ("--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
            "--client.toolbarMode", "minimal", "--client.showErrorDetails", "none",
            "--client.showErrorLinks", "false", "--server.maxUploadSize", "50")


def command(port: int) -> list[str]:
    """The command that serves `ui/entry/serve.py` of this installation on 127.0.0.1:`port`."""
    serve = Path(__file__).with_name("serve.py")
    return [sys.executable, "-m", "streamlit", "run", str(serve), "--server.port", str(port), *SETTINGS]


def main(argv: Optional[Sequence[str]] = None) -> int:
    from brugerblik import dansk  # argparse's usage line, headings and refusals in Danish (as `brugerblik`)

    dansk.install()
    p = argparse.ArgumentParser(prog="brugerblik-app", description="Start Brugerblik-appen på 127.0.0.1.")
    p.add_argument("--port", type=dansk.heltal, default=8501, help="porten (standard 8501)")
    p.add_argument("--db", help="databasens URL (ellers BRUGERBLIK_DB eller standardfilen)")
    args = p.parse_args(argv)
    if not 0 < args.port < 65536:
        print("--port skal være et tal mellem 1 og 65535.", file=sys.stderr)
        return 2
    env = dict(os.environ)
    if args.db:
        env["BRUGERBLIK_DB"] = args.db
    try:
        return subprocess.call(command(args.port), env=env)
    except KeyboardInterrupt:
        return 0
