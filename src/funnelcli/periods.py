"""Periods and working days: the calendar arithmetic behind `this month`,
`2026-Q4`, `+2bd` and a follow-up cadence that lands on a working day.

Pure and cheap to import (no dateutil); patterns compile on first use.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import date, timedelta

from funnelcli.errors import Invalid

MON_FRI = frozenset(range(5))
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAYS = {
    **dict.fromkeys(("mon", "monday"), 0),
    **dict.fromkeys(("tue", "tues", "tuesday"), 1),
    **dict.fromkeys(("wed", "weds", "wednesday"), 2),
    **dict.fromkeys(("thu", "thur", "thurs", "thursday"), 3),
    **dict.fromkeys(("fri", "friday"), 4),
    **dict.fromkeys(("sat", "saturday"), 5),
    **dict.fromkeys(("sun", "sunday"), 6),
}

_RELATIVE = r"(this|last|next) (week|month|quarter|year)"
_MONTH = r"(?a)(\d{4})-(\d{1,2})"
_QUARTER = r"(?a)(?:(\d{4})-?q([1-4])|q([1-4]) ?(\d{4}))"
_YEARLESS_QUARTER = r"(?a)q([1-4])"


def span_of(s: str, today: date, past: bool = False) -> tuple[date, date] | None:
    """[first day, day after the last) of the period s names, or None.

    s is lower case with single spaces. Weeks start on Monday. A quarter
    without a year (`q4`) is the one we are in, else the next such quarter,
    or when `past` the last one (like a month and day without a year, which
    is today both ways). Raises ValueError or OverflowError past the years
    1-9999.
    """
    if m := re.fullmatch(_RELATIVE, s):
        step = {"this": 0, "last": -1, "next": 1}[m[1]]
        if m[2] == "week":
            start = today - timedelta(days=today.weekday()) + timedelta(weeks=step)
            return start, start + timedelta(weeks=1)
        months = {"month": 1, "quarter": 3, "year": 12}[m[2]]
        first = (today.month - 1) // months * months  # months since January
        return _months(today.year, first + step * months, months)
    if (m := re.fullmatch(_MONTH, s)) and 1 <= int(m[2]) <= 12:
        return _months(int(m[1]), int(m[2]) - 1, 1)
    if m := re.fullmatch(_QUARTER, s):
        year, quarter = (m[1], m[2]) if m[1] else (m[4], m[3])
        return _months(int(year), (int(quarter) - 1) * 3, 3)
    if m := re.fullmatch(_YEARLESS_QUARTER, s):
        wanted, now = int(m[1]), (today.month - 1) // 3 + 1
        year = today.year
        if past and wanted > now:
            year -= 1
        elif not past and wanted < now:
            year += 1
        return _months(year, (wanted - 1) * 3, 3)
    return None


def _months(year: int, first: int, count: int) -> tuple[date, date]:
    """`count` months from month `first` (0 = January of `year`, may be out of 0-11)."""
    start = date(year + first // 12, first % 12 + 1, 1)
    after = first + count
    try:
        end = date(year + after // 12, after % 12 + 1, 1)
    except ValueError:  # the period ends with the year 9999
        end = date.max
    return start, end


def next_workday(day: date, workdays: Collection[int] = MON_FRI) -> date:
    """`day` when it is a working day, else the first working day after it."""
    if not workdays:
        return day
    while day.weekday() not in workdays:
        day += timedelta(days=1)
    return day


def add_workdays(day: date, count: int, workdays: Collection[int] = MON_FRI) -> date:
    """The `count`th working day after `day` (before it when count < 0); 0 is `day`.

    Whole weeks are added at once, so a huge count costs nothing more (and
    overflows like any date arithmetic).
    """
    per_week = len(workdays) or 7
    days = workdays or range(7)
    sign = -1 if count < 0 else 1
    weeks, rest = divmod(abs(count), per_week)
    if weeks and not rest:  # end on a working day, not a week after the start
        weeks, rest = weeks - 1, per_week
    day += timedelta(weeks=sign * weeks)
    while rest:
        day += timedelta(days=sign)
        rest -= day.weekday() in days
    return day


def read_workdays(text: str) -> frozenset[int]:
    """The `workdays` setting: days and ranges, comma-separated (`mon-fri`,
    `sun-thu`, `mon,wed,fri`), as weekday numbers (Monday 0)."""
    found: set[int] = set()
    for part in (p.strip().lower() for p in text.split(",")):
        if not part:
            continue
        ends = [e.strip() for e in part.split("-")]
        if len(ends) > 2 or any(e not in WEEKDAYS for e in ends):
            raise Invalid(
                f"workdays are day names or ranges, comma-separated (mon-fri, sun-thu, "
                f"mon,wed,fri), not {text!r}"
            )
        first, last = WEEKDAYS[ends[0]], WEEKDAYS[ends[-1]]
        found.update((first + i) % 7 for i in range((last - first) % 7 + 1))
    if not found:
        raise Invalid("workdays needs at least one day (mon-fri, sun-thu, mon,wed,fri)")
    return frozenset(found)


def workdays_text(days: Collection[int]) -> str:
    """The shortest way to write `days` back: mon-fri, sun-thu, mon,wed,fri."""
    if len(set(days)) == 7:
        return "mon-sun"
    starts = [d for d in sorted(days) if (d - 1) % 7 not in days]
    parts = []
    for start in starts:
        end = start
        while (end + 1) % 7 in days:
            end = (end + 1) % 7
        length = (end - start) % 7 + 1
        run = [DAY_NAMES[(start + i) % 7] for i in range(length)]
        parts.append(f"{run[0]}-{run[-1]}" if length > 2 else ",".join(run))
    return ",".join(parts)
