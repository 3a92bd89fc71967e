"""Text as every store can hold it: one cleaning rule for every free-text field (issue 6).

PostgreSQL refuses NUL (``\\x00``) in text and neither database driver can encode a lone UTF-16
surrogate (``\\ud800``), so a value with either would fail at the database with an error the user
cannot read. The rule is the interview's (`survey.interview._sanitise` + `survey.guide.clean_text`,
which answers and quotes go through): lone surrogates become U+FFFD, control characters other
than tab and newline are removed, Windows line ends become ``\\n``. `text_field` adds the checks
a field needs (type, length, single line) and raises the module's own `StoreError` subclass with
a Danish message.
"""
from __future__ import annotations

from numbers import Number
from typing import Optional

from survey.guide import clean_text
from survey.store import StoreError


def safe_text(raw: object) -> str:
    """`raw` (None → "") as text a database can store: no lone surrogates, no control characters
    except tab and newline."""
    if raw is None:
        return ""
    return clean_text(raw if isinstance(raw, str) else str(raw))


def shown(raw: object, limit: int = 40) -> str:
    """A value quoted in a message: cleaned and cut, so a message stays short and printable."""
    t = " ".join(safe_text(raw).split())
    return repr(t if len(t) <= limit else t[:limit] + "…")


def text_field(raw: object, what: str, *, max_len: Optional[int] = None, single_line: bool = True,
               error: type[StoreError] = StoreError) -> str:
    """A text field's value: text (numbers are taken as written; other types are refused),
    cleaned by `safe_text`, one line with single spaces when `single_line`, stripped; longer
    than `max_len` is refused. Raises `error` with a Danish message naming `what`."""
    if raw is None:
        return ""
    if not isinstance(raw, str):
        if isinstance(raw, bool) or not isinstance(raw, Number):
            raise error(f"{what} skal være tekst (fik {type(raw).__name__}).")
        raw = str(raw)
    t = safe_text(raw)
    t = " ".join(t.split()) if single_line else t.strip()
    if max_len is not None and len(t) > max_len:
        raise error(f"{what} er for lang ({len(t)} tegn, højst {max_len}).")
    return t
