"""The app from the installed package (``brugerblik-app``); the same as app.py at the repository root."""
from ui.main import run

run()
