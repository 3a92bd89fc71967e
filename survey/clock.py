"""The one time helper: every time the store writes is UTC; SQLite hands datetimes back without
a zone, so readers make them aware; field packages and JSON carry them as ISO 8601 text in UTC."""
from __future__ import annotations

import datetime as dt
import os
import zoneinfo
from typing import Optional

#: the study's time zone: what a person reads (the app without a browser zone, the workbook's Metode
#: sheet); BRUGERBLIK_TZ may name another IANA zone
DEFAULT_ZONE = "Europe/Copenhagen"


def utcnow() -> dt.datetime:
    """Now, in UTC (aware)."""
    return dt.datetime.now(dt.timezone.utc)


def aware(t: Optional[dt.datetime]) -> Optional[dt.datetime]:
    """`t` with its zone: a naive datetime from the store was written in UTC."""
    if t is None:
        return None
    return t if t.tzinfo is not None else t.replace(tzinfo=dt.timezone.utc)


def zone() -> dt.tzinfo:
    """The zone a person reads times in: BRUGERBLIK_TZ, else Europe/Copenhagen (an unknown name: the default)."""
    try:
        return zoneinfo.ZoneInfo(os.environ.get("BRUGERBLIK_TZ") or DEFAULT_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(DEFAULT_ZONE)


def today(tz: dt.tzinfo | None = None) -> dt.date:
    """Today's date where a person reads it (`zone()` unless `tz` is given), not the machine's."""
    return utcnow().astimezone(tz or zone()).date()


def local_text(t: dt.datetime, tz: dt.tzinfo | None = None) -> str:
    """`t` as a person reads it, with the zone named: «2026-12-04 22:40 (Europe/Copenhagen, UTC+01:00)»."""
    z = tz or zone()
    lt = aware(t).astimezone(z)
    off = lt.strftime("%z")
    return f"{lt:%Y-%m-%d %H:%M} ({getattr(z, 'key', None) or lt.tzname()}, UTC{off[:3]}:{off[3:]})"


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
