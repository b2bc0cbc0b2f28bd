"""Issue 13, dates that mean what the seller meant: the direction an option
looks in, periods, working days and the new forms. Expected values by hand."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime

import pytest

from funnelcli.dates import FORMS, parse_span, parse_when
from funnelcli.errors import Invalid
from funnelcli.periods import add_workdays, next_workday, read_workdays, workdays_text

FRI = datetime(2026, 11, 27, 9, 0)  # a Friday
MON = datetime(2026, 11, 23, 10, 15)  # a Monday


@pytest.mark.parametrize(
    ("now", "text", "future", "past"),
    [
        # a weekday name: the next one after today, or the last one up to today
        (FRI, "mon", date(2026, 11, 30), date(2026, 11, 23)),
        (FRI, "monday", date(2026, 11, 30), date(2026, 11, 23)),
        (FRI, "thu", date(2026, 12, 3), date(2026, 11, 26)),
        (FRI, "fri", date(2026, 12, 4), date(2026, 11, 27)),  # today only looking back
        (FRI, "sat", date(2026, 11, 28), date(2026, 11, 21)),
        (MON, "mon", date(2026, 11, 30), date(2026, 11, 23)),
        (MON, "sun", date(2026, 11, 29), date(2026, 11, 22)),
        # next and last say which, whatever the option
        (FRI, "next mon", date(2026, 11, 30), date(2026, 11, 30)),
        (FRI, "last fri", date(2026, 11, 20), date(2026, 11, 20)),
        (FRI, "fri 9:30", datetime(2026, 12, 4, 9, 30), datetime(2026, 11, 27, 9, 30)),
        # a month and day without a year: the next one from today, or the last
        (FRI, "Jan 15", date(2027, 1, 15), date(2026, 1, 15)),
        (FRI, "15 jan", date(2027, 1, 15), date(2026, 1, 15)),
        (FRI, "Dec 1", date(2026, 12, 1), date(2025, 12, 1)),
        (FRI, "Nov 27", date(2026, 11, 27), date(2026, 11, 27)),  # today, both ways
        (FRI, "Jan 15 14:00", datetime(2027, 1, 15, 14, 0), datetime(2026, 1, 15, 14, 0)),
        (FRI, "15.01", date(2027, 1, 15), date(2026, 1, 15)),
        (FRI, "31/12", date(2026, 12, 31), date(2025, 12, 31)),
        (FRI, "27/11", date(2026, 11, 27), date(2026, 11, 27)),
        # an unsigned offset follows the direction; a signed one says which
        (FRI, "3d", date(2026, 11, 30), date(2026, 11, 24)),
        (FRI, "2w", date(2026, 12, 11), date(2026, 11, 13)),
        (FRI, "1m", date(2026, 12, 27), date(2026, 10, 27)),
        (FRI, "+3d", date(2026, 11, 30), date(2026, 11, 30)),
        (FRI, "-3d", date(2026, 11, 24), date(2026, 11, 24)),
        (FRI, "in 3 days", date(2026, 11, 30), date(2026, 11, 30)),
        (FRI, "3 days ago", date(2026, 11, 24), date(2026, 11, 24)),
        (FRI, "2bd", date(2026, 12, 1), date(2026, 11, 25)),
        # the same whichever way
        (FRI, "2026-12-01", date(2026, 12, 1), date(2026, 12, 1)),
        (FRI, "Jan 15 2026", date(2026, 1, 15), date(2026, 1, 15)),
        (FRI, "15.01.2027", date(2027, 1, 15), date(2027, 1, 15)),
    ],
)
def test_direction(now: datetime, text: str, future: date, past: date) -> None:
    assert parse_when(text, now, "dmy", "future") == future
    assert parse_when(text, now, "dmy", "past") == past
    assert type(parse_when(text, now, "dmy", "past")) is type(past)


def test_future_is_the_default() -> None:
    assert parse_when("mon", FRI) == date(2026, 11, 30)
    assert parse_when("Jan 15", FRI) == date(2027, 1, 15)


@pytest.mark.parametrize(
    ("now", "text", "order", "future", "past"),
    [
        # 29 February: the nearest year that has one
        (FRI, "29/02", "dmy", date(2028, 2, 29), date(2024, 2, 29)),
        (FRI, "02/29", "mdy", date(2028, 2, 29), date(2024, 2, 29)),
        (datetime(2028, 1, 10), "29.02", "dmy", date(2028, 2, 29), date(2024, 2, 29)),
    ],
)
def test_yearless_leap_day(now: datetime, text: str, order: str, future: date, past: date) -> None:
    assert parse_when(text, now, order, "future") == future
    assert parse_when(text, now, order, "past") == past


@pytest.mark.parametrize(
    ("now", "text", "expected"),
    [
        # starts of periods
        (FRI, "sow", date(2026, 11, 23)),
        (MON, "sow", date(2026, 11, 23)),
        (datetime(2026, 11, 29), "sow", date(2026, 11, 23)),  # Sunday
        (FRI, "som", date(2026, 11, 1)),
        (FRI, "soq", date(2026, 10, 1)),
        (datetime(2026, 3, 31), "soq", date(2026, 1, 1)),
        (FRI, "SOY", date(2026, 1, 1)),
        # periods, as their first day
        (FRI, "this week", date(2026, 11, 23)),
        (FRI, "last week", date(2026, 11, 16)),
        (FRI, "next week", date(2026, 11, 30)),
        (datetime(2026, 11, 29), "next week", date(2026, 11, 30)),
        (FRI, "this month", date(2026, 11, 1)),
        (FRI, "last month", date(2026, 10, 1)),
        (datetime(2026, 1, 10), "last month", date(2025, 12, 1)),
        (FRI, "next month", date(2026, 12, 1)),
        (FRI, "this quarter", date(2026, 10, 1)),
        (FRI, "last quarter", date(2026, 7, 1)),
        (datetime(2026, 2, 1), "last quarter", date(2025, 10, 1)),
        (FRI, "next quarter", date(2027, 1, 1)),
        (FRI, "last year", date(2025, 1, 1)),
        (FRI, "2026-12", date(2026, 12, 1)),
        (FRI, "2027-1", date(2027, 1, 1)),
        (FRI, "2026-Q4", date(2026, 10, 1)),
        (FRI, "2026q1", date(2026, 1, 1)),
        (FRI, "Q2 2027", date(2027, 4, 1)),
        (FRI, "next week 9:00", datetime(2026, 11, 30, 9, 0)),
        # noon
        (FRI, "noon", datetime(2026, 11, 27, 12, 0)),
        (FRI, "tomorrow noon", datetime(2026, 11, 28, 12, 0)),
        (FRI, "mon at noon", datetime(2026, 11, 30, 12, 0)),
        # in N, N ago
        (FRI, "in 3 days", date(2026, 11, 30)),
        (FRI, "in 2 weeks", date(2026, 12, 11)),
        (FRI, "in 1 month 10:00", datetime(2026, 12, 27, 10, 0)),
        (FRI, "2 weeks ago", date(2026, 11, 13)),
        # working days, Monday to Friday
        (FRI, "+1bd", date(2026, 11, 30)),
        (FRI, "+2bd", date(2026, 12, 1)),
        (FRI, "+5bd", date(2026, 12, 4)),
        (FRI, "+6bd", date(2026, 12, 7)),
        (FRI, "-1bd", date(2026, 11, 26)),
        (MON, "-1bd", date(2026, 11, 20)),
        (FRI, "+0bd", date(2026, 11, 27)),
        (datetime(2026, 11, 28), "+1bd", date(2026, 11, 30)),  # Saturday
        (datetime(2026, 11, 28), "+5bd", date(2026, 12, 4)),
        (datetime(2026, 11, 28), "-5bd", date(2026, 11, 23)),
        (FRI, "+2 business days", date(2026, 12, 1)),
        (FRI, "in 2 workdays", date(2026, 12, 1)),
        (FRI, "+10bd 9am", datetime(2026, 12, 11, 9, 0)),
    ],
)
def test_new_forms(now: datetime, text: str, expected: date | datetime) -> None:
    result = parse_when(text, now)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("this week", (date(2026, 11, 23), date(2026, 11, 30))),
        ("last week", (date(2026, 11, 16), date(2026, 11, 23))),
        ("next week", (date(2026, 11, 30), date(2026, 12, 7))),
        ("this month", (date(2026, 11, 1), date(2026, 12, 1))),
        ("Last  Month", (date(2026, 10, 1), date(2026, 11, 1))),
        ("this quarter", (date(2026, 10, 1), date(2027, 1, 1))),
        ("last quarter", (date(2026, 7, 1), date(2026, 10, 1))),
        ("this year", (date(2026, 1, 1), date(2027, 1, 1))),
        ("2026-12", (date(2026, 12, 1), date(2027, 1, 1))),
        ("2026-02", (date(2026, 2, 1), date(2026, 3, 1))),
        ("2026-Q4", (date(2026, 10, 1), date(2027, 1, 1))),
        ("9999-12", (date(9999, 12, 1), date.max)),
        ("fri", None),
        ("2026-12-01", None),
        ("2026-13", None),
        ("2026-Q5", None),
    ],
)
def test_parse_span(text: str, span: tuple[date, date] | None) -> None:
    assert parse_span(text, FRI) == span


def test_business_days_follow_the_workdays() -> None:
    sun_thu = {6, 0, 1, 2, 3}
    thu = datetime(2026, 11, 26, 9, 0)
    assert parse_when("+1bd", thu, workdays=sun_thu) == date(2026, 11, 29)
    assert parse_when("+2bd", thu, workdays=sun_thu) == date(2026, 11, 30)
    assert add_workdays(date(2026, 11, 26), 5, sun_thu) == date(2026, 12, 3)
    assert add_workdays(date(2026, 11, 27), 5, sun_thu) == date(2026, 12, 3)
    assert add_workdays(date(2026, 11, 27), 1000) == date(2030, 9, 27)


def test_huge_business_day_counts_are_refused_quickly() -> None:
    with pytest.raises(Invalid, match="outside the years 1-9999"):
        parse_when("+99999999999bd", FRI)
    with pytest.raises(Invalid, match="outside the years 1-9999"):
        parse_when("+4000000bd", FRI)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 11, 27), date(2026, 11, 27)),  # Friday
        (date(2026, 11, 28), date(2026, 11, 30)),  # Saturday -> Monday
        (date(2026, 11, 29), date(2026, 11, 30)),  # Sunday -> Monday
    ],
)
def test_next_workday(day: date, expected: date) -> None:
    assert next_workday(day) == expected


@pytest.mark.parametrize(
    ("text", "days", "written"),
    [
        ("mon-fri", {0, 1, 2, 3, 4}, "mon-fri"),
        ("mon,tue,wed,thu,fri", {0, 1, 2, 3, 4}, "mon-fri"),
        ("sun-thu", {6, 0, 1, 2, 3}, "sun-thu"),
        ("Mon, Wed ,friday", {0, 2, 4}, "mon,wed,fri"),
        ("sat-sun,mon", {5, 6, 0}, "sat-mon"),
        ("fri-mon", {4, 5, 6, 0}, "fri-mon"),
        ("mon,tue,thu", {0, 1, 3}, "mon,tue,thu"),
        ("sun", {6}, "sun"),
        ("mon-sun", set(range(7)), "mon-sun"),
        ("tue-mon", set(range(7)), "mon-sun"),
    ],
)
def test_read_workdays(text: str, days: set[int], written: str) -> None:
    assert read_workdays(text) == days
    assert workdays_text(read_workdays(text)) == written


@pytest.mark.parametrize("text", ["", " , ", "mon-", "xyz", "mon-tue-wed", "weekdays"])
def test_read_workdays_bad(text: str) -> None:
    with pytest.raises(Invalid, match="workdays"):
        read_workdays(text)


@pytest.mark.parametrize(
    "text",
    [
        "xyz",
        "2026-13-45",
        "2026-02-30",
        "31/02/2026",
        "03/04/2017",
        "tomorrow 25:00",
        "+99999999999d",
        "Dec 2026",
        "in 3 days ago",
        "+3d ago",
        "next decade",
        "2026-Q5",
    ],
)
def test_every_error_lists_the_accepted_forms(text: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_when(text, FRI)
    message = caught.value.message
    assert message.endswith(f"({FORMS})") or message.endswith(f"; {FORMS})")
    assert "\n" not in message
    for form in ("2026-Q4", "+2bd", "in 3 days", "noon", "last month", "sow/som/soq/soy"):
        assert form in FORMS


def test_new_forms_do_not_import_dateutil() -> None:
    code = (
        "import sys\n"
        "from datetime import datetime\n"
        "from funnelcli.dates import parse_when\n"
        "now = datetime(2026, 11, 27, 9, 0)\n"
        "for text in ['15.01', 'mon', 'this month', '2026-Q4', '+2bd', 'in 3 days', 'noon',\n"
        "             'sow', 'last quarter', '2026-12', '3 days ago']:\n"
        "    parse_when(text, now, 'dmy', 'past')\n"
        "assert 'dateutil' not in sys.modules, 'imported too early'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
