"""Time spans, and the couple's calendar days in their own time zone."""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

log = logging.getLogger("close_together")

DAY = 24 * 3600
WEEK = 7 * DAY


def zone(name: str | None) -> dt.tzinfo:
    """The named IANA time zone; UTC when the name is empty or unknown (with a warning, so a
    typo in the configuration shows in the logs without breaking anyone's evening)."""
    name = (name or "").strip()
    if not name or name.upper() == "UTC":
        return dt.UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: 'America' is a folder
        log.warning("unknown time zone %r, using UTC", name)
        return dt.UTC


def local_date(at: float, tz: dt.tzinfo) -> dt.date:
    """The calendar date a moment (seconds since the epoch) falls on in `tz`."""
    return dt.datetime.fromtimestamp(at, tz).date()


def days_ago(at: float, now: float, tz: dt.tzinfo) -> int:
    """Calendar days between the date `at` falls on and today's, both in `tz`: 0 for
    earlier today (however early), 1 for yesterday (however late); negative ahead of today."""
    return (local_date(now, tz) - local_date(at, tz)).days
