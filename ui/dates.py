"""What a date field in Brugerblik allows (issue 10.9), for every `st.date_input`.

An interview (or a journal read) takes place on a day between 1 January 2000 and today: never in
the future. `date_limits()` gives `st.date_input` its ``min_value``/``max_value`` (Streamlit's
calendar then greys out the other days) and `DATE_HELP` says so in Danish. Use both on every
date field: ``st.date_input(…, format="DD.MM.YYYY", help=DATE_HELP, **date_limits())``.

The interview page itself has no date picker: its dates are typed («05.11.2026») and read by the
guide (`survey.guide.read_typed_date`, `outside_typed_limits`: the same limits), so a day that does
not exist is refused, never made the month's last day.
"""
from __future__ import annotations

import datetime as dt

from survey.guide import EARLIEST_DATE as EARLIEST
from ui.common import today

DATE_HELP = ("Skriv datoen som dd.mm.åååå, eller vælg den i kalenderen. Tidligst 01.01.2000 og senest i dag — "
             "aldrig en dato i fremtiden.")


#: the interview's own date, typed (`survey.guide.read_typed_date`; the interview page has no calendar)
TYPED_DATE_HELP = "Skriv datoen som dd.mm.åååå (fx 05.11.2026). Tidligst 01.01.2000 og senest i dag."


def date_limits() -> dict[str, dt.date]:
    """``min_value``/``max_value`` for an interview date: 1 January 2000 to today (local time)."""
    return {"min_value": EARLIEST, "max_value": today()}
