"""Reading the dates and times people type on the command line.

dateutil is imported only inside the functions that need it: this module is
imported on every CLI start, dateutil.parser alone costs ~40 ms, and nearly
everything typed in practice (ISO, today, +3d, fri, eow) needs none of it.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from funnelcli.errors import Invalid

DATE_ORDERS = ("ymd", "dmy", "mdy")

_HINT = "try 2026-12-01, tomorrow, +3d, fri, eom"
# Hard-coded rather than taken from calendar, which follows the locale.
_MONTH_NAMES = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_WEEKDAYS = {
    **dict.fromkeys(("mon", "monday"), 0),
    **dict.fromkeys(("tue", "tues", "tuesday"), 1),
    **dict.fromkeys(("wed", "weds", "wednesday"), 2),
    **dict.fromkeys(("thu", "thur", "thurs", "thursday"), 3),
    **dict.fromkeys(("fri", "friday"), 4),
    **dict.fromkeys(("sat", "saturday"), 5),
    **dict.fromkeys(("sun", "sunday"), 6),
}

# Patterns are strings, compiled on first use by re's own cache: compiling them
# all at import took ~8 ms of every CLI start. (?a) keeps \d to ASCII digits.
_ISO = (
    r"(?a)\d{4}-\d{2}-\d{2}"
    r"(?:[t ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:z|[+-]\d{2}(?::?\d{2})?)?)?"
)
_OFFSET = r"(?a)([+-]?)\s*(\d+)\s*(d|days?|w|weeks?|m|months?|y|years?)"
_WEEKDAY = r"(?a)(?:(next|last)\s+)?([a-z]+)"
_NUMERIC = r"(?a)(\d+)([/.-])(\d+)(?:\2(\d+))?"
# Deliberately loose, so that "tomorrow 25:00" gets a message about the time.
_TIMEISH = r"\d+(?::\d+){1,2}(?:\s*[ap]m)?|\d+\s*[ap]m"
_WITH_TIME = rf"(?a)(.*?)\s+(?:at\s+)?({_TIMEISH})"
_BARE_TIME = rf"(?a)(?:at\s+)?({_TIMEISH})"
_TIME = r"(?a)(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?\s*([ap]m)?"
_MONTH_WORD = r"(?a)(?<![a-z])(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"


def parse_when(text: str, now: datetime, date_order: str = "ymd") -> date | datetime:
    """Read a due date or time; a date when no time of day was given.

    A plain date is kept apart from midnight so that "due fri" means the whole
    day, not 00:00. Every unreadable input becomes Invalid naming the text,
    because the CLI shows that message to the user as is.
    """
    order = date_order.strip().lower()
    if order not in DATE_ORDERS:
        raise Invalid(f"date_order must be ymd, dmy or mdy, not {date_order!r}")
    s = " ".join(text.lower().split())
    q = repr(text.strip())
    if not s:
        raise Invalid(f"no date given ({_HINT})")
    if s == "now":
        return now
    if re.fullmatch(_ISO, s):
        try:
            return _from_iso(s)
        except (ValueError, OverflowError):
            raise Invalid(f"{q} is not a real date or time") from None
    today = now.date()
    if m := re.fullmatch(_BARE_TIME, s):
        return datetime.combine(today, _time_of_day(m[1], q))
    if (m := re.fullmatch(_WITH_TIME, s)) and (day := _day(m[1], q, today, order)) is not None:
        return datetime.combine(day, _time_of_day(m[2], q))
    if (day := _day(s, q, today, order)) is not None:
        return day
    return _with_dateutil(" ".join(text.split()), q, today)  # case kept: dateutil wants UTC


def parse_now(value: str | None) -> datetime:
    """Read FUNNEL_NOW, which pins the clock for tests and reproducible demos.

    Only ISO is accepted: the value is written by scripts, and anything looser
    (like "tomorrow") would need a clock to be read against.
    """
    if value is None or not value.strip():
        return datetime.now().replace(microsecond=0)
    s = value.strip().lower()
    if re.fullmatch(_ISO, s):
        try:
            parsed = _from_iso(s)
        except (ValueError, OverflowError):
            pass
        else:
            return parsed if isinstance(parsed, datetime) else datetime.combine(parsed, time())
    raise Invalid(f"FUNNEL_NOW={value.strip()!r} is not an ISO date or datetime")


def to_iso(value: date | datetime) -> str:
    """Write a date or time the way parse_when reads it back, minutes unless needed."""
    if isinstance(value, datetime):
        spec = "seconds" if value.second else "minutes"
        return value.replace(microsecond=0).isoformat(timespec=spec)
    return value.isoformat()


def _from_iso(s: str) -> date | datetime:
    """Parse text _ISO matched; an offset is turned into local time, as stored."""
    if len(s) == 10:
        return date.fromisoformat(s)
    parsed = datetime.fromisoformat(s.upper()).replace(microsecond=0)
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone().replace(tzinfo=None)
    return parsed


def _time_of_day(s: str, q: str) -> time:
    """Read 14:00, 9:30, 5pm or 2:30pm, strictly, since a wrong hour is costly."""
    m = re.fullmatch(_TIME, s)
    if m:
        hour, minute, second = int(m[1]), int(m[2] or 0), int(m[3] or 0)
        ampm = m[4]
        if ampm and 1 <= hour <= 12:
            hour = hour % 12 + (12 if ampm == "pm" else 0)
        elif ampm:
            hour = 99
        if (m[2] or ampm) and hour < 24 and minute < 60 and second < 60:
            return time(hour, minute, second)
    raise Invalid(f"{q}: {s!r} is not a time of day (hours 0-23, minutes 00-59, or 5pm)")


def _day(s: str, q: str, today: date, order: str) -> date | None:
    """Read the forms that name a day without dateutil; None when s is none of them."""
    try:
        return _named_day(s, q, today, order)
    except (OverflowError, ValueError):
        raise Invalid(f"{q} is outside the years 1-9999") from None


def _named_day(s: str, q: str, today: date, order: str) -> date | None:
    """The arithmetic behind _day, kept apart so one handler covers every overflow."""
    if len(s) == 10 and re.fullmatch(_ISO, s):
        try:
            return date.fromisoformat(s)
        except ValueError:
            raise Invalid(f"{q} is not a real date") from None
    simple = {"today": 0, "tomorrow": 1, "yesterday": -1}
    if s in simple:
        return today + timedelta(days=simple[s])
    if s == "eow":
        return today + timedelta(days=(4 - today.weekday()) % 7)
    if s in ("eom", "eoq", "eoy"):
        month = {"eom": today.month, "eoq": (today.month + 2) // 3 * 3, "eoy": 12}[s]
        if month == 12:
            return date(today.year, 12, 31)
        return date(today.year, month + 1, 1) - timedelta(days=1)
    if m := re.fullmatch(_OFFSET, s):
        return _offset(today, -1 if m[1] == "-" else 1, int(m[2]), m[3][0])
    if (m := re.fullmatch(_WEEKDAY, s)) and m[2] in _WEEKDAYS:
        wanted = _WEEKDAYS[m[2]]
        if m[1] == "last":
            return today - timedelta(days=(today.weekday() - wanted - 1) % 7 + 1)
        return today + timedelta(days=(wanted - today.weekday() - 1) % 7 + 1)
    if m := re.fullmatch(_NUMERIC, s):
        return _numeric(m, q, today, order)
    return None


def _offset(today: date, sign: int, count: int, unit: str) -> date:
    """Add d/w by hand; only months and years need relativedelta's month-end care."""
    if unit in "dw":
        return today + timedelta(days=sign * count * (7 if unit == "w" else 1))
    from dateutil.relativedelta import relativedelta

    step = relativedelta(months=sign * count) if unit == "m" else relativedelta(years=sign * count)
    return today + step


def _numeric(m: re.Match[str], q: str, today: date, order: str) -> date:
    """Read 03/04/2017-style dates, refusing to guess which number is the month."""
    first, _, second, last = m.groups()
    small = len(first) <= 2 and len(second) <= 2
    try:
        if last is None and small:
            year, a, b = today.year, int(first), int(second)
        elif last is not None and len(first) == 4 and len(second) <= 2 and len(last) <= 2:
            return date(int(first), int(second), int(last))  # year first: always y/m/d
        elif last is not None and small and len(last) in (2, 4):
            year, a, b = int(last), int(first), int(second)
            if len(last) == 2:  # the century nearest to today, as dateutil does
                year += today.year // 100 * 100
                year += 100 if year < today.year - 50 else -100 if year >= today.year + 50 else 0
        else:
            raise Invalid(f"can't read {q} as a date ({_HINT})")
        if order == "dmy" or (order == "ymd" and a > 12):
            return date(year, b, a)
        if order == "mdy" or b > 12 or a == b:
            return date(year, a, b)
    except ValueError:
        raise Invalid(f"{q} is not a real date") from None
    raise Invalid(
        f"{q} is ambiguous: is it {a} {_MONTH_NAMES[b - 1]} or {_MONTH_NAMES[a - 1]} {b}? "
        f"Use ISO ({year:04d}-{b:02d}-{a:02d}) or set date_order to dmy or mdy"
    )


def _with_dateutil(text: str, q: str, today: date) -> date | datetime:
    """Read forms with a month name (1 Dec 2026, Dec 1 14:00) via dateutil.

    Without a month name a text is all numbers, and those are read above where
    day/month order is under our control; dateutil would silently guess.
    Parsing against two defaults shows which fields the text left out: a
    missing time gives a date, a missing month or day is refused.
    """
    cannot = Invalid(f"can't read {q} as a date ({_HINT})")
    if not re.search(_MONTH_WORD, text.lower()):
        raise cannot
    import warnings

    from dateutil import parser

    try:
        # An unknown zone (EST) is only a warning; ignoring it would shift the time.
        with warnings.catch_warnings(action="error", category=parser.UnknownTimezoneWarning):
            a = parser.parse(text, default=datetime(today.year, 1, 1))
            b = parser.parse(text, default=datetime(today.year, 2, 2, 1, 1, 1))
        if (a.month, a.day) != (b.month, b.day):
            raise Invalid(f"{q} needs a day and a month ({_HINT})")
        if a.hour != b.hour:
            return a.date()
        if a.tzinfo is not None:
            a = a.astimezone().replace(tzinfo=None)
        return a.replace(microsecond=0)
    except Invalid:
        raise
    except Exception:  # dateutil has raised odd types on odd input; the CLI needs Invalid
        raise cannot from None
