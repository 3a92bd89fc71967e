"""What a date field in Brugerblik allows (issue 10.9), for every `st.date_input`.

An interview (or a journal read) takes place on a day between 1 January 2000 and today: never in
the future. `date_limits()` gives `st.date_input` its ``min_value``/``max_value`` (Streamlit's
calendar then greys out the other days) and `DATE_HELP` says so in Danish. Use both on every
date field: ``st.date_input(…, format="DD.MM.YYYY", help=DATE_HELP, **date_limits())``.
"""
from __future__ import annotations

import datetime as dt

from ui.common import today

EARLIEST = dt.date(2000, 1, 1)
DATE_HELP = ("Skriv datoen som dd.mm.åååå, eller vælg den i kalenderen. Tidligst 01.01.2000 og senest i dag — "
             "aldrig en dato i fremtiden.")


def date_limits() -> dict[str, dt.date]:
    """``min_value``/``max_value`` for an interview date: 1 January 2000 to today (local time)."""
    return {"min_value": EARLIEST, "max_value": today()}


def clamp(d: dt.date | None) -> dt.date | None:
    """A stored date shown in a limited field: outside the limits it becomes the nearest limit
    (Streamlit refuses a value outside min_value/max_value)."""
    if d is None:
        return None
    lim = date_limits()
    return min(max(d, lim["min_value"]), lim["max_value"])
