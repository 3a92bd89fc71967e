"""The one time helper: every time the store writes is UTC; SQLite hands datetimes back without
a zone, so readers make them aware; field packages and JSON carry them as ISO 8601 text in UTC."""
from __future__ import annotations

import datetime as dt
from typing import Optional


def utcnow() -> dt.datetime:
    """Now, in UTC (aware)."""
    return dt.datetime.now(dt.timezone.utc)


def aware(t: Optional[dt.datetime]) -> Optional[dt.datetime]:
    """`t` with its zone: a naive datetime from the store was written in UTC."""
    if t is None:
        return None
    return t if t.tzinfo is not None else t.replace(tzinfo=dt.timezone.utc)


def to_text(t: Optional[dt.datetime]) -> Optional[str]:
    """`t` as canonical text in UTC (``2026-12-04T17:05:00.000000Z``; packages, hashes)."""
    if t is None:
        return None
    return aware(t).astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_text(s: Optional[str]) -> Optional[dt.datetime]:
    """The inverse of `to_text`; a time without a zone is refused (`ValueError`)."""
    if s is None:
        return None
    t = dt.datetime.fromisoformat(s)
    if t.tzinfo is None:
        raise ValueError("uden tidszone")
    return t.astimezone(dt.timezone.utc)
