"""Every date field in Brugerblik is typed, never picked (issue 10.9; docs/method.md, "Dates as typed").

Streamlit's date picker makes «31.04.2025» the 30th and stores it; a date here is typed
(«05.11.2026», also 5.11.2026, 05112026, 2026-11-05) and read by the guide
(`survey.guide.read_typed_date`), so a day that does not exist is refused with its reason, never
made another day. An interview (or a journal read) takes place between 1 January 2000 and today:
never in the future (`survey.guide.outside_typed_limits`, `outside_dates`).

The interview page's dates go through its save queue (`ui.autosave.text_field`); the start page's,
a source's start and the administration's dates through `typed_date` here.
"""
from __future__ import annotations

import datetime as dt

import streamlit as st

from survey.guide import TYPED_DATE_FORM, outside_dates, read_typed_date

#: the interview's own date, typed (`survey.guide.read_typed_date`; the interview page has no calendar)
TYPED_DATE_HELP = "Skriv datoen som dd.mm.åååå (fx 05.11.2026). Tidligst 01.01.2000 og senest i dag."
ANY_DATE_HELP = "Skriv datoen som dd.mm.åååå (fx 05.11.2026). Tidligst 01.01.2000."


def typed_date(label: str, *, key: str, value: dt.date | None, latest: dt.date | None,
               help: str | None = None) -> tuple[dt.date | None, str | None]:
    """A date typed into a text field: (the date, None), or (None, the Danish reason — shown under
    the field when something was typed; the reason never quotes it). From 1 January 2000, and at
    the latest `latest` when given (today, for the day an interview took place)."""
    raw = st.text_input(label, value=f"{value:%d.%m.%Y}" if value else "", key=key, max_chars=20,
                        placeholder=TYPED_DATE_FORM, width=220,
                        help=help or (TYPED_DATE_HELP if latest is not None else ANY_DATE_HELP))
    if not (raw or "").strip():
        return None, f"skriv datoen som {TYPED_DATE_FORM}"
    try:
        d = read_typed_date(raw)
    except ValueError as e:
        why = str(e)
    else:
        why = outside_dates(d, latest)
        if why is None:
            return d, None
    st.error(f"{label}: {why}", icon=":material/event_busy:")
    return None, why
