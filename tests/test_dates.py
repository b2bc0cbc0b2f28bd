"""Tests for funnelcli.dates. Every expected value is written out by hand."""

from __future__ import annotations

import os
import subprocess
import sys
import time as time_module
from collections.abc import Iterator
from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from funnelcli.dates import FORMS, parse_now, parse_when, to_iso
from funnelcli.errors import Invalid

NOW = datetime(2026, 11, 23, 10, 15)  # a Monday
HINT = f"({FORMS})"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # ISO
        ("2026-12-01", date(2026, 12, 1)),
        ("  2026-12-01\n", date(2026, 12, 1)),
        ("2026-12-01T14:30", datetime(2026, 12, 1, 14, 30)),
        ("2026-12-01t14:30", datetime(2026, 12, 1, 14, 30)),
        ("2026-12-01 14:30", datetime(2026, 12, 1, 14, 30)),
        ("2026-12-01T14:30:05", datetime(2026, 12, 1, 14, 30, 5)),
        ("2026-12-01T14:30:05.987", datetime(2026, 12, 1, 14, 30, 5)),
        ("2026-12-01 9:30", datetime(2026, 12, 1, 9, 30)),
        ("2024-02-29", date(2024, 2, 29)),
        # named days
        ("today", date(2026, 11, 23)),
        ("TODAY", date(2026, 11, 23)),
        ("tomorrow", date(2026, 11, 24)),
        ("yesterday", date(2026, 11, 22)),
        ("now", datetime(2026, 11, 23, 10, 15)),
        (" Now ", datetime(2026, 11, 23, 10, 15)),
        # offsets
        ("+3d", date(2026, 11, 26)),
        ("3d", date(2026, 11, 26)),
        ("-2w", date(2026, 11, 9)),
        ("2w", date(2026, 12, 7)),
        ("+1m", date(2026, 12, 23)),
        ("1m", date(2026, 12, 23)),
        ("-3m", date(2026, 8, 23)),
        ("+1y", date(2027, 11, 23)),
        ("1y", date(2027, 11, 23)),
        ("+0d", date(2026, 11, 23)),
        ("+3 days", date(2026, 11, 26)),
        ("+3days", date(2026, 11, 26)),
        ("-1 day", date(2026, 11, 22)),
        ("+2 weeks", date(2026, 12, 7)),
        ("1 week", date(2026, 11, 30)),
        ("+1 Month", date(2026, 12, 23)),
        ("2 months", date(2027, 1, 23)),
        ("-1 year", date(2025, 11, 23)),
        ("10 YEARS", date(2036, 11, 23)),
        ("+40d", date(2027, 1, 2)),
        # weekdays: strictly after today (a Monday), or strictly before for "last"
        ("mon", date(2026, 11, 30)),
        ("tue", date(2026, 11, 24)),
        ("wed", date(2026, 11, 25)),
        ("thu", date(2026, 11, 26)),
        ("Thurs", date(2026, 11, 26)),
        ("fri", date(2026, 11, 27)),
        ("sat", date(2026, 11, 28)),
        ("sun", date(2026, 11, 29)),
        ("monday", date(2026, 11, 30)),
        ("Friday", date(2026, 11, 27)),
        ("next fri", date(2026, 11, 27)),
        ("next  friday", date(2026, 11, 27)),
        ("next mon", date(2026, 11, 30)),
        ("last fri", date(2026, 11, 20)),
        ("last friday", date(2026, 11, 20)),
        ("last mon", date(2026, 11, 16)),
        ("last sun", date(2026, 11, 22)),
        # period ends
        ("eow", date(2026, 11, 27)),
        ("eom", date(2026, 11, 30)),
        ("EOQ", date(2026, 12, 31)),
        ("eoy", date(2026, 12, 31)),
        # with a time of day
        ("tomorrow 14:00", datetime(2026, 11, 24, 14, 0)),
        ("fri 9:30", datetime(2026, 11, 27, 9, 30)),
        ("+3d 10:00", datetime(2026, 11, 26, 10, 0)),
        ("today 5pm", datetime(2026, 11, 23, 17, 0)),
        ("today 5 PM", datetime(2026, 11, 23, 17, 0)),
        ("tomorrow 2:30pm", datetime(2026, 11, 24, 14, 30)),
        ("tomorrow 9am", datetime(2026, 11, 24, 9, 0)),
        ("tomorrow 12am", datetime(2026, 11, 24, 0, 0)),
        ("tomorrow 12pm", datetime(2026, 11, 24, 12, 0)),
        ("tomorrow at 14:00", datetime(2026, 11, 24, 14, 0)),
        ("today 0:00", datetime(2026, 11, 23, 0, 0)),
        ("today 23:59:30", datetime(2026, 11, 23, 23, 59, 30)),
        ("yesterday 08:05", datetime(2026, 11, 22, 8, 5)),
        ("next fri 16:00", datetime(2026, 11, 27, 16, 0)),
        ("last fri 16:00", datetime(2026, 11, 20, 16, 0)),
        ("eow 17:00", datetime(2026, 11, 27, 17, 0)),
        ("eom 17:00", datetime(2026, 11, 30, 17, 0)),
        ("eoq 9:00", datetime(2026, 12, 31, 9, 0)),
        ("eoy 23:59", datetime(2026, 12, 31, 23, 59)),
        ("+1m 8am", datetime(2026, 12, 23, 8, 0)),
        ("+3 days 10:00", datetime(2026, 11, 26, 10, 0)),
        ("14:00", datetime(2026, 11, 23, 14, 0)),
        ("5pm", datetime(2026, 11, 23, 17, 0)),
        # forms with a month name, read by dateutil
        ("1 Dec 2026", date(2026, 12, 1)),
        ("Dec 1 2026", date(2026, 12, 1)),
        ("December 1, 2026", date(2026, 12, 1)),
        ("December 1, 2026 14:00", datetime(2026, 12, 1, 14, 0)),
        ("1 Dec 2026 5pm", datetime(2026, 12, 1, 17, 0)),
        ("1 Dec 2026 0:00", datetime(2026, 12, 1, 0, 0)),
        ("Dec 1", date(2026, 12, 1)),
        ("mar 5", date(2027, 3, 5)),  # the next 5 March: this year's is past
        ("5 March 2027", date(2027, 3, 5)),
        ("1-Dec-2026", date(2026, 12, 1)),
        ("Tue Dec 1 2026", date(2026, 12, 1)),
        # numeric day/month forms, read unambiguously under the default ymd
        ("13/04/2017", date(2017, 4, 13)),
        ("04/13/2017", date(2017, 4, 13)),
        ("3/3/2017", date(2017, 3, 3)),
        ("13.4.2017", date(2017, 4, 13)),
        ("4-13-2017", date(2017, 4, 13)),
        ("2017/04/03", date(2017, 4, 3)),
        ("2017.4.3", date(2017, 4, 3)),
        ("2017-4-3", date(2017, 4, 3)),
        ("25.12.26", date(2026, 12, 25)),
        ("31/12", date(2026, 12, 31)),
        ("12/31", date(2026, 12, 31)),
        ("13/4/17 14:00", datetime(2017, 4, 13, 14, 0)),
        # two-digit years: the century that puts them nearest to today (2026)
        ("1/1/75", date(2075, 1, 1)),
        ("1/1/76", date(1976, 1, 1)),
        ("1/1/99", date(1999, 1, 1)),
        ("1/1/00", date(2000, 1, 1)),
    ],
)
def test_parse_when(text: str, expected: date | datetime) -> None:
    result = parse_when(text, NOW)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("03/04/2017", "dmy", date(2017, 4, 3)),
        ("3.4.2017", "dmy", date(2017, 4, 3)),
        ("03-04-2017", "dmy", date(2017, 4, 3)),
        ("13/04/2017", "dmy", date(2017, 4, 13)),
        ("3/3/2017", "dmy", date(2017, 3, 3)),
        ("2017/04/03", "dmy", date(2017, 4, 3)),
        ("03/04", "dmy", date(2027, 4, 3)),  # yearless: the next 3 April
        ("03/04/17 9:15", "dmy", datetime(2017, 4, 3, 9, 15)),
        ("03/04/2017", "mdy", date(2017, 3, 4)),
        ("3.4.2017", "mdy", date(2017, 3, 4)),
        ("03-04-2017", "mdy", date(2017, 3, 4)),
        ("04/13/2017", "mdy", date(2017, 4, 13)),
        ("2017/04/03", "mdy", date(2017, 4, 3)),
        ("03/04", "mdy", date(2027, 3, 4)),
        ("03/04/2017", "MDY", date(2017, 3, 4)),
        ("2026-12-01", "dmy", date(2026, 12, 1)),
        ("1 Dec 2026", "mdy", date(2026, 12, 1)),
    ],
)
def test_date_order(text: str, order: str, expected: date | datetime) -> None:
    assert parse_when(text, NOW, order) == expected


@pytest.mark.parametrize(
    ("now", "text", "expected"),
    [
        (datetime(2026, 1, 31, 9, 0), "+1m", date(2026, 2, 28)),
        (datetime(2028, 1, 31, 9, 0), "+1m", date(2028, 2, 29)),
        (datetime(2026, 3, 31, 9, 0), "-1m", date(2026, 2, 28)),
        (datetime(2026, 5, 31, 9, 0), "1m", date(2026, 6, 30)),
        (datetime(2028, 2, 29, 9, 0), "+1y", date(2029, 2, 28)),
        (datetime(2026, 12, 31, 9, 0), "+1d", date(2027, 1, 1)),
        (datetime(2026, 12, 31, 9, 0), "tomorrow", date(2027, 1, 1)),
        (datetime(2026, 2, 10, 9, 0), "eom", date(2026, 2, 28)),
        (datetime(2028, 2, 10, 9, 0), "eom", date(2028, 2, 29)),
        (datetime(2026, 12, 31, 9, 0), "eom", date(2026, 12, 31)),
        # eow: the Friday on or after today
        (datetime(2026, 11, 26, 9, 0), "eow", date(2026, 11, 27)),  # Thursday
        (datetime(2026, 11, 27, 9, 0), "eow", date(2026, 11, 27)),  # Friday
        (datetime(2026, 11, 28, 9, 0), "eow", date(2026, 12, 4)),  # Saturday
        (datetime(2026, 11, 29, 9, 0), "eow", date(2026, 12, 4)),  # Sunday
        # weekdays on a Friday
        (datetime(2026, 11, 27, 9, 0), "fri", date(2026, 12, 4)),
        (datetime(2026, 11, 27, 9, 0), "next fri", date(2026, 12, 4)),
        (datetime(2026, 11, 27, 9, 0), "last fri", date(2026, 11, 20)),
        (datetime(2026, 11, 27, 9, 0), "sat", date(2026, 11, 28)),
        (datetime(2026, 11, 27, 9, 0), "last thu", date(2026, 11, 26)),
        # eoq in each quarter, and on its edges
        (datetime(2026, 1, 1, 9, 0), "eoq", date(2026, 3, 31)),
        (datetime(2026, 2, 14, 9, 0), "eoq", date(2026, 3, 31)),
        (datetime(2026, 3, 31, 9, 0), "eoq", date(2026, 3, 31)),
        (datetime(2026, 4, 1, 9, 0), "eoq", date(2026, 6, 30)),
        (datetime(2026, 5, 20, 9, 0), "eoq", date(2026, 6, 30)),
        (datetime(2026, 8, 3, 9, 0), "eoq", date(2026, 9, 30)),
        (datetime(2026, 10, 1, 9, 0), "eoq", date(2026, 12, 31)),
        (datetime(2026, 1, 15, 9, 0), "eoy", date(2026, 12, 31)),
        (datetime(9999, 12, 31, 9, 0), "eow", date(9999, 12, 31)),
        (datetime(9999, 12, 31, 9, 0), "now", datetime(9999, 12, 31, 9, 0)),
    ],
)
def test_relative_to_other_days(now: datetime, text: str, expected: date) -> None:
    assert parse_when(text, now) == expected


@pytest.mark.parametrize(
    "text",
    [
        "xyz",
        "+3x",
        "3",
        "12",
        "2026",
        "2026-13-45",
        "2026-02-30",
        "2026-12-01T25:00",
        "2026-12-01T14:30:99",
        "99999-01-01",
        "31/02/2026",
        "13/13/2026",
        "12/2026",
        "1/2/3",
        "1/2/123",
        "3.4.5.6",
        "+d",
        "d",
        "++3d",
        "3 d ays",
        "next",
        "last",
        "next xyz",
        "next today",
        "fri fri",
        "tomorrow 25:00",
        "tomorrow 14:60",
        "tomorrow 9:5",
        "today 13pm",
        "today 0am",
        "today 9:30:61",
        "fri 9",
        "25:00",
        "now 14:00",
        "14:00 tomorrow",
        "Dec",
        "Dec 2026",
        "Feb 30 2026",
        "Feb 29",
        "1 Dec 10000",
        "decade",
        "+99999999999d",
        "+99999999999w",
        "+100000y",
        "-100000m",
        "+" + "9" * 5000 + "d",
        "on 03/04/2017",
        "Dec 1 2026 14:30 EST",
        "🙂",
        "2026-12-01\n14:30 extra",
    ],
)
def test_bad_input(text: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_when(text, NOW)
    message = caught.value.message
    assert "\n" not in message
    if len(text) < 100:
        assert repr(text.strip()) in message


@pytest.mark.parametrize("text", ["", "   ", "\t\n"])
def test_empty(text: str) -> None:
    with pytest.raises(Invalid, match="no date given"):
        parse_when(text, NOW)


@pytest.mark.parametrize(
    ("now", "text"),
    [
        (datetime(9999, 12, 31, 9, 0), "tomorrow"),
        (datetime(9999, 12, 31, 9, 0), "fri"),
        (datetime(9999, 12, 31, 9, 0), "+1d"),
        (datetime(9999, 12, 31, 9, 0), "+1m"),
        (datetime(9999, 12, 31, 9, 0), "1y 10:00"),
        (datetime(1, 1, 1, 9, 0), "yesterday"),
        (datetime(1, 1, 1, 9, 0), "last fri"),
        (datetime(1, 1, 1, 9, 0), "-1y"),
    ],
)
def test_out_of_range(now: datetime, text: str) -> None:
    with pytest.raises(Invalid, match="outside the years 1-9999"):
        parse_when(text, now)


def test_messages() -> None:
    with pytest.raises(Invalid) as caught:
        parse_when("xyz", NOW)
    assert caught.value.message == f"can't read 'xyz' as a date {HINT}"
    with pytest.raises(Invalid) as caught:
        parse_when("tomorrow 25:00", NOW)
    assert "'25:00' is not a time of day" in caught.value.message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "03/04/2017",
            "'03/04/2017' is ambiguous: is it 3 April or March 4? "
            "Use ISO (2017-04-03) or set date_order to dmy or mdy " + HINT,
        ),
        (
            "3.4.2017",
            "'3.4.2017' is ambiguous: is it 3 April or March 4? "
            "Use ISO (2017-04-03) or set date_order to dmy or mdy " + HINT,
        ),
        (
            "11-12-25",
            "'11-12-25' is ambiguous: is it 11 December or November 12? "
            "Use ISO (2025-12-11) or set date_order to dmy or mdy " + HINT,
        ),
        (
            "1/2",
            "'1/2' is ambiguous: is it 1 February or January 2? "
            "Use ISO (2026-02-01) or set date_order to dmy or mdy " + HINT,
        ),
    ],
)
def test_ambiguous(text: str, message: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_when(text, NOW)
    assert caught.value.message == message
    with pytest.raises(Invalid, match="ambiguous"):
        parse_when(text + " 10:00", NOW)


@pytest.mark.parametrize(
    ("text", "order"),
    [("04/13/2017", "dmy"), ("13/04/2017", "mdy"), ("31/12", "mdy"), ("12/31", "dmy")],
)
def test_impossible_in_given_order(text: str, order: str) -> None:
    with pytest.raises(Invalid, match="is not a real date"):
        parse_when(text, NOW, order)


@pytest.mark.parametrize("order", ["xyz", "", "ydm"])
def test_unknown_date_order(order: str) -> None:
    with pytest.raises(Invalid, match="date_order must be ymd, dmy or mdy"):
        parse_when("2026-12-01", NOW, order)


@pytest.fixture
def two_hours_ahead() -> Iterator[None]:
    """Local time two hours ahead of UTC, with no DST (a POSIX TZ needs no tzdata)."""
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "ABC-2"  # not "UTC-2": dateutil would read "UTC" as local
    time_module.tzset()
    yield
    if saved is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = saved
    time_module.tzset()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01T14:30Z", datetime(2026, 12, 1, 16, 30)),
        ("2026-12-01T14:30:05z", datetime(2026, 12, 1, 16, 30, 5)),
        ("2026-12-01 14:30+01:00", datetime(2026, 12, 1, 15, 30)),
        ("2026-12-01T23:30-01:00", datetime(2026, 12, 2, 2, 30)),
        ("2026-12-01T14:30+0200", datetime(2026, 12, 1, 14, 30)),
        ("Dec 1 2026 14:30 UTC", datetime(2026, 12, 1, 16, 30)),
    ],
)
@pytest.mark.usefixtures("two_hours_ahead")
def test_offsets_become_local_time(text: str, expected: datetime) -> None:
    result = parse_when(text, NOW)
    assert result == expected
    assert isinstance(result, datetime)
    assert result.tzinfo is None


@pytest.mark.usefixtures("two_hours_ahead")
def test_parse_now_offset() -> None:
    assert parse_now("2026-12-01T14:30Z") == datetime(2026, 12, 1, 16, 30)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-23", datetime(2026, 11, 23, 0, 0)),
        (" 2026-11-23 ", datetime(2026, 11, 23, 0, 0)),
        ("2026-11-23T10:15", datetime(2026, 11, 23, 10, 15)),
        ("2026-11-23 10:15:30", datetime(2026, 11, 23, 10, 15, 30)),
    ],
)
def test_parse_now(value: str, expected: datetime) -> None:
    result = parse_now(value)
    assert result == expected
    assert type(result) is datetime


@pytest.mark.parametrize("value", [None, "", "  "])
def test_parse_now_real_clock(value: str | None) -> None:
    before = datetime.now().replace(microsecond=0)
    result = parse_now(value)
    after = datetime.now()
    assert before <= result <= after
    assert result.microsecond == 0
    assert result.tzinfo is None


@pytest.mark.parametrize("value", ["tomorrow", "2026-13-01", "xyz", "2026-11-23 25:00", "1 Dec"])
def test_parse_now_bad(value: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_now(value)
    assert caught.value.message == f"FUNNEL_NOW='{value}' is not an ISO date or datetime"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (date(2026, 12, 1), "2026-12-01"),
        (datetime(2026, 12, 1, 14, 30), "2026-12-01T14:30"),
        (datetime(2026, 12, 1, 0, 0), "2026-12-01T00:00"),
        (datetime(2026, 12, 1, 14, 30, 5), "2026-12-01T14:30:05"),
        (datetime(2026, 12, 1, 14, 30, 0, 999), "2026-12-01T14:30"),
        (datetime(2026, 12, 1, 14, 30, 5, 999), "2026-12-01T14:30:05"),
    ],
)
def test_to_iso(value: date | datetime, expected: str) -> None:
    assert to_iso(value) == expected


@pytest.mark.parametrize("text", ["2026-12-01", "2026-12-01T14:30:05", "today 9:30"])
def test_to_iso_round_trips(text: str) -> None:
    value = parse_when(text, NOW)
    assert parse_when(to_iso(value), NOW) == value


def test_common_forms_do_not_import_dateutil_parser() -> None:
    code = (
        "import sys\n"
        "from datetime import datetime\n"
        "from funnelcli.dates import parse_when\n"
        "now = datetime(2026, 11, 23, 10, 15)\n"
        "for text in ['2026-12-01', '+3d', 'fri', '2w', 'eow', 'tomorrow 14:00', '13/4/2017']:\n"
        "    parse_when(text, now)\n"
        "assert 'dateutil.parser' not in sys.modules, 'imported too early'\n"
        "parse_when('1 Dec 2026', now)\n"
        "assert 'dateutil.parser' in sys.modules, 'check is blind'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def _check_total(text: str, order: str = "ymd") -> None:
    try:
        result = parse_when(text, NOW, order)
    except Invalid as error:
        assert "\n" not in error.message
    else:
        assert isinstance(result, date)
        if isinstance(result, datetime):
            assert result.tzinfo is None


@settings(deadline=None)  # the first example pays for importing dateutil
@given(st.text())
def test_any_text_is_a_date_or_invalid(text: str) -> None:
    _check_total(text)


TOKENS = [
    "+", "-", "/", ".", ":", " ", "T", "Z", "am", "pm", "at", "next", "last", "now",
    "today", "tomorrow", "fri", "sunday", "eow", "eom", "eoq", "eoy", "d", "w", "m", "y",
    "days", "months", "Dec", "March", "UTC", "+01:00", "0", "1", "12", "13", "29", "31",
    "99", "2026", "9999", "10000", "99999999999",
]  # fmt: skip
DATEISH = st.one_of(
    st.text(alphabet="0123456789/-.:+ TZtzdwmyapDecfrinowlsu", max_size=24),
    st.lists(st.sampled_from(TOKENS), max_size=6).map("".join),
    st.lists(st.sampled_from(TOKENS), max_size=6).map(" ".join),
)


@settings(deadline=None)
@given(DATEISH, st.sampled_from(["ymd", "dmy", "mdy"]))
def test_dateish_text_is_a_date_or_invalid(text: str, order: str) -> None:
    _check_total(text, order)
