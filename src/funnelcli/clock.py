"""Instants: stored as UTC ISO-8601 text, shown and reasoned about in local time.

Core code receives `now` as a naive local datetime (the CLI reads the clock
or `FUNNEL_NOW`); these helpers convert at the storage boundary.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from funnelcli.errors import Invalid

# datetime can't convert an instant within a day or so of the calendar's ends
# between local time and UTC (it raises), and that in some zone or other, so
# nothing nearer than this is stored: every reader can show what is.
FIRST_DAY, LAST_DAY = date(1, 1, 3), date(9999, 12, 29)
_FIRST, _LAST = FIRST_DAY, LAST_DAY


def utc_text(local: datetime) -> str:
    """Naive local time -> '2026-11-23T09:15:00Z'."""
    try:
        aware = local.astimezone(UTC) if local.tzinfo else local.astimezone().astimezone(UTC)
    except (ValueError, OverflowError):
        aware = None
    if aware is None or not _FIRST <= aware.date() <= _LAST:
        shown = local.isoformat(sep=" ", timespec="minutes")
        raise Invalid(f"{shown} is outside the times funnelcli keeps ({_FIRST} to {_LAST})")
    # isoformat, not strftime: %Y doesn't pad years before 1000 on every libc
    return aware.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def local_from_utc(text: str) -> datetime:
    """'2026-11-23T09:15:00Z' -> naive local time."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone().replace(tzinfo=None)


def start_of_day(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)
