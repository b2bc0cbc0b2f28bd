"""Reading the dates and times people type on the command line.

dateutil is imported only inside the functions that need it: this module is
imported on every CLI start, dateutil.parser alone costs ~40 ms, and nearly
everything typed in practice (ISO, today, +3d, fri, eow) needs none of it.

Where a form leaves open which such day it means (a weekday name, a month and
day without a year, an unsigned offset like `3d`), the option's direction
decides: "future" (follow-ups, snoozes, expected close) takes the next such
day, "past" (`--at`, `--since`, `--until`) the last one. Today itself: a month
and day is today in both directions; a weekday name is today only looking back
(`--since fri` on a Friday starts today, `--follow-up fri` on a Friday is next
week's Friday, since `today` says today).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import date, datetime, time, timedelta

from funnelcli.errors import Invalid
from funnelcli.periods import MON_FRI, WEEKDAYS, add_workdays, span_of

DATE_ORDERS = ("ymd", "dmy", "mdy")
DIRECTIONS = ("future", "past")

# Every date error ends with this, so the accepted forms are one message away.
FORMS = (
    "accepted: 2026-12-01, 2026-12-01 14:30, 2026-12, 2026-Q4, Q4, today, tomorrow, yesterday, "
    "now, noon, 14:00, 5pm, +3d, -2w, +1m, +1y, +2bd (working days), 3d, in 3 days, "
    "3 days ago, fri, next fri, last fri, Dec 1, 1 Dec 2026, 15/01 or 15.01 (per date_order), "
    "sow/som/soq/soy, eow/eom/eoq/eoy, this month, last month, this quarter, last quarter, "
    "next week (this/last/next + week/month/quarter/year); a day may take a time: fri 9:30"
)
_HINT = FORMS
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

# Patterns are strings, compiled on first use by re's own cache: compiling them
# all at import took ~8 ms of every CLI start. (?a) keeps \d to ASCII digits.
_ISO = (
    r"(?a)\d{4}-\d{2}-\d{2}"
    r"(?:[t ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:z|[+-]\d{2}(?::?\d{2})?)?)?"
)
_UNIT = r"bd|business\s+days?|work(?:ing\s+)?days?|d|days?|w|weeks?|m|months?|y|years?"
_OFFSET = rf"(?a)(in\s+|[+-]?)\s*(\d+)\s*({_UNIT})(\s+ago)?"
_WEEKDAY = r"(?a)(?:(next|last)\s+)?([a-z]+)"
_NUMERIC = r"(?a)(\d+)([/.-])(\d+)(?:\2(\d+))?"
# Deliberately loose, so that "tomorrow 25:00" gets a message about the time.
_TIMEISH = r"\d+(?::\d+){1,2}(?:\s*[ap]m)?|\d+\s*[ap]m|noon"
_WITH_TIME = rf"(?a)(.*?)\s+(?:at\s+)?({_TIMEISH})"
_BARE_TIME = rf"(?a)(?:at\s+)?({_TIMEISH})"
_TIME = r"(?a)(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?\s*([ap]m)?"
_MONTH_WORD = r"(?a)(?<![a-z])(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
# The end words and the period each ends.
_ENDS = {"eow": "week", "eom": "month", "eoq": "quarter", "eoy": "year"}


class _Ask:
    """What a form is read against: the day, the numeric order, the direction.
    (A plain class: a NamedTuple costs ~0.9 M instructions to make at import,
    a fifth of this module's.)"""

    __slots__ = ("order", "past", "today", "workdays")

    def __init__(self, today: date, order: str, past: bool, workdays: Collection[int]) -> None:
        self.today = today
        self.order = order
        self.past = past
        self.workdays = workdays


def parse_when(
    text: str,
    now: datetime,
    date_order: str = "ymd",
    direction: str = "future",
    workdays: Collection[int] = MON_FRI,
) -> date | datetime:
    """Read a due date or time; a date when no time of day was given.

    A plain date is kept apart from midnight so that "due fri" means the whole
    day, not 00:00. `direction` ("future" or "past", see the module's
    docstring) picks which weekday or yearless date is meant; a period
    (`last month`, `2026-Q4`) is its first day. Every unreadable input becomes
    Invalid naming the text and the accepted forms, because the CLI shows that
    message to the user as is.
    """
    order = date_order.strip().lower()
    if order not in DATE_ORDERS:
        raise Invalid(f"date_order must be ymd, dmy or mdy, not {date_order!r}")
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be future or past, not {direction!r}")
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
            raise Invalid(f"{q} is not a real date or time ({_HINT})") from None
    ask = _Ask(now.date(), order, direction == "past", workdays)
    if m := re.fullmatch(_BARE_TIME, s):
        return datetime.combine(ask.today, _time_of_day(m[1], q))
    if (m := re.fullmatch(_WITH_TIME, s)) and (day := _day(m[1], q, ask)) is not None:
        return datetime.combine(day, _time_of_day(m[2], q))
    if (day := _day(s, q, ask)) is not None:
        return day
    return _with_dateutil(" ".join(text.split()), q, ask)  # case kept: dateutil wants UTC


def parse_span(text: str, now: datetime, direction: str = "future") -> tuple[date, date] | None:
    """The period a text names (`last month`, `2026-12`, `2026-Q4`, `q4`, `this
    week`) as [first day, the day after its last), or None when it names none:
    a report's `--until last month` ends where that month ends. An end word
    (`eow`, `eom`, `eoq`, `eoy`) names the period it ends, so `--until eom`
    takes in the month's last day; `direction` picks which `q4` (see span_of)."""
    s = " ".join(text.lower().split())
    try:
        if s in _ENDS:
            last = _end_of(s, now.date())
            start = span_of(f"this {_ENDS[s]}", last)
            assert start is not None
            return start[0], (last + timedelta(days=1) if last < date.max else date.max)
        return span_of(s, now.date(), past=direction == "past")
    except (OverflowError, ValueError):
        return None


def parse_now(value: str | None) -> datetime:
    """Read FUNNEL_NOW, which pins the clock for tests and reproducible demos.

    Only ISO is accepted: the value is written by scripts, and anything looser
    (like "tomorrow") would need a clock to be read against.
    """
    if value is None or not value.strip():
        from funnelcli.clock import now_local

        return now_local()
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
    """Parse text _ISO matched; an offset is turned into the database's zone."""
    if len(s) == 10:
        return date.fromisoformat(s)
    parsed = datetime.fromisoformat(s.upper()).replace(microsecond=0)
    if parsed.tzinfo is not None:
        from funnelcli.clock import to_local

        parsed = to_local(parsed)
    return parsed


def _time_of_day(s: str, q: str) -> time:
    """Read 14:00, 9:30, 5pm, 2:30pm or noon, strictly, since a wrong hour is costly."""
    if s == "noon":
        return time(12)
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
    raise Invalid(
        f"{q}: {s!r} is not a time of day (hours 0-23, minutes 00-59, 5pm or noon; {_HINT})"
    )


def _day(s: str, q: str, ask: _Ask) -> date | None:
    """Read the forms that name a day without dateutil; None when s is none of them."""
    try:
        for read in (_fixed, _offset, _weekday, _numeric):
            if (day := read(s, q, ask)) is not None:
                return day
        return None
    except (OverflowError, ValueError):
        raise Invalid(f"{q} is outside the years 1-9999 ({_HINT})") from None


def _fixed(s: str, q: str, ask: _Ask) -> date | None:
    """ISO days, today and its neighbours, the starts and ends of periods."""
    today = ask.today
    if len(s) == 10 and re.fullmatch(_ISO, s):
        try:
            return date.fromisoformat(s)
        except ValueError:
            raise Invalid(f"{q} is not a real date ({_HINT})") from None
    simple = {"today": 0, "tomorrow": 1, "yesterday": -1}
    if s in simple:
        return today + timedelta(days=simple[s])
    if s in _ENDS:
        return _end_of(s, today)
    starts = {"sow": "this week", "som": "this month", "soq": "this quarter", "soy": "this year"}
    span = span_of(starts.get(s, s), today, ask.past)
    return None if span is None else span[0]


def _end_of(s: str, today: date) -> date:
    """The last day eow (the coming Friday), eom, eoq or eoy names."""
    if s == "eow":
        return today + timedelta(days=(4 - today.weekday()) % 7)
    month = {"eom": today.month, "eoq": (today.month + 2) // 3 * 3, "eoy": 12}[s]
    if month == 12:
        return date(today.year, 12, 31)
    return date(today.year, month + 1, 1) - timedelta(days=1)


def _offset(s: str, q: str, ask: _Ask) -> date | None:
    """+3d, -2w, +1m, +2bd; in 3 days, 3 days ago; a bare 3d follows the direction."""
    m = re.fullmatch(_OFFSET, s)
    if not m or (m[4] and m[1]):
        return None
    sign = -1 if m[1] == "-" or m[4] or (not m[1] and ask.past) else 1
    count, unit = int(m[2]), m[3]
    if unit == "bd" or unit.startswith(("business", "work")):
        return add_workdays(ask.today, sign * count, ask.workdays)
    if unit[0] in "dw":
        return ask.today + timedelta(days=sign * count * (7 if unit[0] == "w" else 1))
    from dateutil.relativedelta import relativedelta  # month-end care for m and y

    step = relativedelta(months=count) if unit[0] == "m" else relativedelta(years=count)
    return ask.today + step if sign > 0 else ask.today - step


def _weekday(s: str, q: str, ask: _Ask) -> date | None:
    """fri: the next Friday after today, or looking back the last one up to today;
    next fri and last fri: strictly after or before today, whatever the option."""
    m = re.fullmatch(_WEEKDAY, s)
    if not m or m[2] not in WEEKDAYS:
        return None
    wanted, today = WEEKDAYS[m[2]], ask.today
    if m[1] == "last":
        return today - timedelta(days=(today.weekday() - wanted - 1) % 7 + 1)
    if m[1] is None and ask.past:
        return today - timedelta(days=(today.weekday() - wanted) % 7)
    return today + timedelta(days=(wanted - today.weekday() - 1) % 7 + 1)


def _yearless(month: int, day: int, ask: _Ask) -> date:
    """A month and day without a year: the next one on or after today, or
    looking back the last one on or before it (a 29 February, in a leap year)."""
    year = ask.today.year
    for _ in range(9):
        try:
            found = date(year, month, day)
        except ValueError:
            if month != 2 or day != 29:
                raise
        else:
            if (found <= ask.today) if ask.past else (found >= ask.today):
                return found
        year += -1 if ask.past else 1
    raise ValueError("no such day")


def _numeric(s: str, q: str, ask: _Ask) -> date | None:
    """Read 03/04/2017-style dates, refusing to guess which number is the month."""
    m = re.fullmatch(_NUMERIC, s)
    if not m:
        return None
    first, _, second, last = m.groups()
    small = len(first) <= 2 and len(second) <= 2
    today, order = ask.today, ask.order
    try:
        if last is None and small:
            year, a, b = None, int(first), int(second)
        elif last is not None and len(first) == 4 and len(second) <= 2 and len(last) <= 2:
            return date(int(first), int(second), int(last))  # year first: always y/m/d
        elif last is not None and small and len(last) in (2, 4):
            year, a, b = int(last), int(first), int(second)
            if len(last) == 2:  # the century nearest to today, as dateutil does
                year += today.year // 100 * 100
                year += 100 if year < today.year - 50 else -100 if year >= today.year + 50 else 0
        else:
            raise Invalid(f"can't read {q} as a date ({_HINT})")
        month_day = None
        if order == "dmy" or (order == "ymd" and a > 12):
            month_day = b, a
        elif order == "mdy" or b > 12 or a == b:
            month_day = a, b
        if month_day is not None:
            return _yearless(*month_day, ask) if year is None else date(year, *month_day)
    except ValueError:
        raise Invalid(f"{q} is not a real date ({_HINT})") from None
    y = today.year if year is None else year
    raise Invalid(
        f"{q} is ambiguous: is it {a} {_MONTH_NAMES[b - 1]} or {_MONTH_NAMES[a - 1]} {b}? "
        f"Use ISO ({y:04d}-{b:02d}-{a:02d}) or set date_order to dmy or mdy ({_HINT})"
    )


def _with_dateutil(text: str, q: str, ask: _Ask) -> date | datetime:
    """Read forms with a month name (1 Dec 2026, Dec 1 14:00) via dateutil.

    Without a month name a text is all numbers, and those are read above where
    day/month order is under our control; dateutil would silently guess.
    Parsing against two defaults shows which fields the text left out: a
    missing time gives a date, a missing month or day is refused, a missing
    year is the direction's nearest.
    """
    cannot = Invalid(f"can't read {q} as a date ({_HINT})")
    if not re.search(_MONTH_WORD, text.lower()):
        raise cannot
    import warnings

    from dateutil import parser

    year = ask.today.year
    other = year + 4 if year <= 9995 else year - 4  # as leap as `year`, mostly
    try:
        # An unknown zone (EST) is only a warning; ignoring it would shift the time.
        with warnings.catch_warnings(action="error", category=parser.UnknownTimezoneWarning):
            a = parser.parse(text, default=datetime(year, 1, 1))
            b = parser.parse(text, default=datetime(other, 2, 2, 1, 1, 1))
        if (a.month, a.day) != (b.month, b.day):
            raise Invalid(f"{q} needs a day and a month ({_HINT})")
        if a.year != b.year:
            a = datetime.combine(_yearless(a.month, a.day, ask), a.timetz())
        if a.hour != b.hour:
            return a.date()
        if a.tzinfo is not None:
            from funnelcli.clock import to_local

            a = to_local(a)
        return a.replace(microsecond=0)
    except Invalid:
        raise
    except Exception:  # dateutil has raised odd types on odd input; the CLI needs Invalid
        raise cannot from None
