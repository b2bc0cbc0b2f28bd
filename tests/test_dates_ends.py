"""Issue 13, the corners of dates: an end-of-period word as `--until` means
the end of that period, inclusive; a quarter without a year (`q4`) is read in
the option's direction; and every form the issue lists is accepted by an
option that looks ahead and by one that looks back. Expected values by hand."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from funnelcli.dates import FORMS, parse_span, parse_when
from funnelcli.errors import Invalid
from helpers import add, bounds, follow_up, ok, ok_json, one_error, report

FRIDAY = "2026-11-27T10:00"
FRI = datetime(2026, 11, 27, 9, 0)  # a Friday in the fourth quarter
FEB = datetime(2027, 2, 10, 9, 0)  # a Wednesday in the first quarter


# -- the end of a period is the whole period, for what ends something -----------


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("eow", (date(2026, 11, 23), date(2026, 11, 28))),  # through Friday
        ("eom", (date(2026, 11, 1), date(2026, 12, 1))),
        ("EOM", (date(2026, 11, 1), date(2026, 12, 1))),
        ("eoq", (date(2026, 10, 1), date(2027, 1, 1))),
        ("eoy", (date(2026, 1, 1), date(2027, 1, 1))),
        # a start-of-period word is a day, as before: --until som is its start
        ("som", None),
        ("sow", None),
    ],
)
def test_an_end_word_names_the_period_it_ends(text: str, span: object) -> None:
    assert parse_span(text, FRI) == span


def test_eow_on_a_weekend_is_next_weeks_friday() -> None:
    saturday = datetime(2026, 11, 28, 9, 0)
    assert parse_span("eow", saturday) == (date(2026, 11, 30), date(2026, 12, 5))


@pytest.mark.parametrize(
    ("until", "expected"),
    [
        ("eom", "2026-12-01T00:00"),  # 30 November included
        ("eow", "2026-11-28T00:00"),  # today, Friday, included
        ("eoq", "2027-01-01T00:00"),
        ("eoy", "2027-01-01T00:00"),
        ("som", "2026-11-01T00:00"),  # a day: its start, as before
        ("2026-11-30", "2026-11-30T00:00"),
    ],
)
def test_report_until_an_end_word_includes_its_last_day(
    funnel: Any, empty_db: Any, at: Any, until: str, expected: str
) -> None:
    at(FRIDAY)
    assert bounds(report(funnel, "metrics", "--since", "2026-01-01", "--until", until)) == (
        "2026-01-01T00:00",
        expected,
    )


def test_report_until_eom_counts_a_deal_won_on_the_last_day(funnel: Any, at: Any) -> None:
    at("2026-11-30T15:00")
    add(funnel, "Last day", "--value", "100")
    ok(funnel, "won", "1")
    metrics = report(funnel, "metrics", "--since", "som", "--until", "eom")
    assert bounds(metrics) == ("2026-11-01T00:00", "2026-12-01T00:00")
    assert metrics[0]["won"] == 1
    # a bare day stays the start of that day
    metrics = report(funnel, "metrics", "--since", "som", "--until", "2026-11-30")
    assert metrics[0]["won"] == 0


def test_forecast_until_eom_includes_the_last_day(funnel: Any, at: Any) -> None:
    at(FRIDAY)
    add(funnel, "Nov", "--expected-close", "2026-11-30", "--value", "100")
    add(funnel, "Dec", "--expected-close", "2026-12-01", "--value", "200")
    rows = report(funnel, "forecast", "--until", "eom")
    assert [(r["period"], r["deals"]) for r in rows] == [("2026-11", 1)]
    rows = report(funnel, "forecast", "--until", "eoq")
    assert [(r["period"], r["deals"]) for r in rows] == [("2026-11", 1), ("2026-12", 1)]


def test_expected_close_eom_is_still_the_last_day(funnel: Any, at: Any) -> None:
    at(FRIDAY)
    assert add(funnel, "A", "--expected-close", "eom")["expected_close"] == "2026-11-30"
    assert add(funnel, "B", "--expected-close", "eow")["expected_close"] == "2026-11-27"


# -- a quarter without a year ------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "text", "future", "past"),
    [
        # the quarter we are in counts both ways, like today for `Nov 27`
        (FRI, "q4", date(2026, 10, 1), date(2026, 10, 1)),
        (FRI, "Q4", date(2026, 10, 1), date(2026, 10, 1)),
        # otherwise the next one looking ahead, the last one looking back
        (FRI, "q1", date(2027, 1, 1), date(2026, 1, 1)),
        (FRI, "Q3", date(2027, 7, 1), date(2026, 7, 1)),
        (FEB, "q4", date(2027, 10, 1), date(2026, 10, 1)),
        (FEB, "q1", date(2027, 1, 1), date(2027, 1, 1)),
        (FEB, "q2", date(2027, 4, 1), date(2026, 4, 1)),
        # with a year it is that one, whichever way
        (FEB, "Q4 2026", date(2026, 10, 1), date(2026, 10, 1)),
        (FEB, "2027-q4", date(2027, 10, 1), date(2027, 10, 1)),
    ],
)
def test_a_yearless_quarter_follows_the_direction(
    now: datetime, text: str, future: date, past: date
) -> None:
    assert parse_when(text, now, direction="future") == future
    assert parse_when(text, now, direction="past") == past


@pytest.mark.parametrize(
    ("now", "text", "future", "past"),
    [
        (FRI, "q4", (date(2026, 10, 1), date(2027, 1, 1)), (date(2026, 10, 1), date(2027, 1, 1))),
        (FRI, "q1", (date(2027, 1, 1), date(2027, 4, 1)), (date(2026, 1, 1), date(2026, 4, 1))),
        (FEB, "q4", (date(2027, 10, 1), date(2028, 1, 1)), (date(2026, 10, 1), date(2027, 1, 1))),
    ],
)
def test_a_yearless_quarter_span(
    now: datetime, text: str, future: tuple[date, date], past: tuple[date, date]
) -> None:
    assert parse_span(text, now, "future") == future
    assert parse_span(text, now, "past") == past


def test_a_yearless_quarter_in_each_option(funnel: Any, empty_db: Any, at: Any) -> None:
    at(FRIDAY)
    # a report looks back: q1 is this year's, q4 the one we are in
    assert bounds(report(funnel, "metrics", "--since", "q1", "--until", "q3")) == (
        "2026-01-01T00:00",
        "2026-10-01T00:00",
    )
    assert bounds(report(funnel, "metrics", "--since", "Q4")) == ("2026-10-01T00:00", None)
    assert bounds(report(funnel, "metrics", "--since", "q4", "--until", "q4")) == (
        "2026-10-01T00:00",
        "2027-01-01T00:00",
    )
    # what looks ahead: q1 is next year's, q4 the one we are in
    assert add(funnel, "A", "--expected-close", "q4")["expected_close"] == "2026-12-31"
    assert add(funnel, "B", "--expected-close", "Q1")["expected_close"] == "2027-03-31"
    assert follow_up(add(funnel, "C", "--follow-up", "q1")) == "2027-01-01"
    assert ok_json(funnel, "snooze", "1", "q2")["snoozed_until"] == "2027-04-01"
    rows = report(funnel, "forecast", "--since", "q4", "--until", "q1")
    dated = [(r["period"], r["deals"]) for r in rows if r["period"] is not None]
    assert dated == [("2026-12", 1), ("2027-03", 1)]
    # a follow-up at the start of the quarter we are in is in the past, and says so
    one_error(funnel("follow-up", "1", "q4"), 1, "is in the past (2026-10-01)")


@pytest.mark.parametrize("text", ["q5", "q0", "q", "2026-q0"])
def test_a_bad_quarter_lists_the_accepted_forms(text: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_when(text, FRI)
    assert caught.value.message.endswith(f"({FORMS})")


def test_the_accepted_forms_name_the_new_ones() -> None:
    for form in ("Q4", "2026-Q4", "eom", "som", "+2bd", "in 3 days", "noon", "Dec 1", "15.01"):
        assert form in FORMS


# -- every form the issue lists, through the options ---------------------------------


@pytest.mark.parametrize(
    ("when", "ahead", "back"),
    [
        # (on Friday 27 November 2026, date_order dmy)
        ("som", "2026-11-01", "2026-11-01T00:00"),
        ("sow", "2026-11-23", "2026-11-23T00:00"),
        ("soq", "2026-10-01", "2026-10-01T00:00"),
        ("soy", "2026-01-01", "2026-01-01T00:00"),
        ("this month", "2026-11-01", "2026-11-01T00:00"),
        ("last month", "2026-10-01", "2026-10-01T00:00"),
        ("this quarter", "2026-10-01", "2026-10-01T00:00"),
        ("last quarter", "2026-07-01", "2026-07-01T00:00"),
        ("2026-12", "2026-12-01", "2026-12-01T00:00"),
        ("2026-Q4", "2026-10-01", "2026-10-01T00:00"),
        ("next week", "2026-11-30", "2026-11-30T00:00"),
        ("in 3 days", "2026-11-30", "2026-11-30T00:00"),
        ("in 3 working days", "2026-12-02", "2026-12-02T00:00"),
        ("noon", "2026-11-27T12:00", "2026-11-27T12:00"),
        ("+2bd", "2026-12-01", "2026-12-01T00:00"),
        ("Jan 15", "2027-01-15", "2026-01-15T00:00"),
        ("15.01", "2027-01-15", "2026-01-15T00:00"),
        ("fri", "2026-12-04", "2026-11-27T00:00"),
        ("monday", "2026-11-30", "2026-11-23T00:00"),
        ("eom", "2026-11-30", "2026-11-30T00:00"),
        ("q4", "2026-10-01", "2026-10-01T00:00"),
    ],
)
def test_every_listed_form_is_read_both_ways(
    funnel: Any, at: Any, when: str, ahead: str, back: str
) -> None:
    """`follow-up` looks ahead, `report --since` looks back (a day is its start;
    one after now is refused)."""
    at(FRIDAY)
    ok(funnel, "config", "set", "date_order", "dmy")
    add(funnel, "Acme")
    run = funnel("follow-up", "1", when, "--format", "json")
    if ahead < "2026-11-27":  # a start already behind us: refused as in the past
        one_error(run, 1, "in the past")
    else:
        assert run.exit_code == 0, run.stderr
        assert follow_up(run.json()) == ahead
    if back > FRIDAY[:16]:  # a window never starts in the future (issue 13)
        one_error(funnel("report", "metrics", "--since", when), 1, "in the future")
    else:
        assert report(funnel, "metrics", "--since", when)[0]["since"] == back
