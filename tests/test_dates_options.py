"""Issue 13: each option reads a date in its own direction (a follow-up looks
ahead, `--at` and `--since` look back), periods bound report windows, and the
follow-up cadence lands on a working day (config `workdays`)."""

from __future__ import annotations

from typing import Any

import pytest

from funnelcli.dates import FORMS
from helpers import add, bounds, follow_up, ok, ok_json, one_error, report, show

FRIDAY = "2026-11-27T10:00"


@pytest.mark.parametrize(
    ("since", "until", "expected"),
    [
        # looking back: on a Friday, monday is this week's, friday is today
        (("--since", "monday"), (), ("2026-11-23T00:00", None)),
        (("--since", "fri"), (), ("2026-11-27T00:00", None)),
        (("--since", "sat"), (), ("2026-11-21T00:00", None)),
        (("--since", "sow"), (), ("2026-11-23T00:00", None)),
        (("--since", "3d"), (), ("2026-11-24T00:00", None)),
        (("--since", "2bd"), (), ("2026-11-25T00:00", None)),
        (("--since", "Oct 1"), (), ("2026-10-01T00:00", None)),
        (("--since", "Dec 1"), (), ("2025-12-01T00:00", None)),  # the last 1 December
        (("--since", "15/12"), (), ("2025-12-15T00:00", None)),
        # a period: its start for --since, its end for --until ([since, until))
        (
            ("--since", "last month"),
            ("--until", "last month"),
            ("2026-10-01T00:00", "2026-11-01T00:00"),
        ),
        (("--since", "this quarter"), (), ("2026-10-01T00:00", None)),
        (
            ("--since", "last quarter"),
            ("--until", "last quarter"),
            ("2026-07-01T00:00", "2026-10-01T00:00"),
        ),
        (("--since", "2026-09"), ("--until", "2026-10"), ("2026-09-01T00:00", "2026-11-01T00:00")),
        (("--since", "2026-Q3"), ("--until", "2026-Q3"), ("2026-07-01T00:00", "2026-10-01T00:00")),
        (
            ("--since", "last week"),
            ("--until", "last week"),
            ("2026-11-16T00:00", "2026-11-23T00:00"),
        ),
        (("--since", "som"), ("--until", "mon"), ("2026-11-01T00:00", "2026-11-23T00:00")),
    ],
)
def test_report_windows_look_back(
    funnel: Any,
    empty_db: Any,
    at: Any,
    since: tuple[str, ...],
    until: tuple[str, ...],
    expected: tuple[object, object],
) -> None:
    at(FRIDAY)
    assert bounds(report(funnel, "metrics", *since, *until)) == expected


def test_a_future_window_stays_refused_for_what_looks_back(
    funnel: Any, empty_db: Any, at: Any
) -> None:
    at(FRIDAY)
    run = funnel("report", "metrics", "--since", "fri", "--until", "mon")
    one_error(run, 1, "--since must be before --until")


@pytest.mark.parametrize(
    ("when", "read"),
    [
        ("next week", "2026-11-30"),
        ("eom", "2026-11-30"),
        ("in 3 days", "2026-11-30"),
        ("noon", "2026-11-27 12:00"),
        ("tomorrow", "2026-11-28"),
        ("2026-Q1 2027", None),
    ],
)
@pytest.mark.parametrize("kind", ["metrics", "funnel", "owners"])
def test_a_since_after_now_is_an_error_naming_what_it_read(
    funnel: Any, empty_db: Any, at: Any, kind: str, when: str, read: str | None
) -> None:
    # issue 13: "never a window in the future"; it was all zeros and exit 0
    at(FRIDAY)
    if read is None:  # not a date at all: the date error, as before
        one_error(funnel("report", kind, "--since", when), 1, "--since")
        return
    run = funnel("report", kind, "--since", when, "--format", "json")
    one_error(run, 1, f"--since {when} is {read}, in the future")
    if kind != "owners":
        run = funnel("report", kind, "--since", when, "--compare", "previous")
        one_error(run, 1, f"--since {when} is {read}, in the future")


def test_a_future_since_suggests_the_start_word(funnel: Any, empty_db: Any, at: Any) -> None:
    at(FRIDAY)
    run = funnel("report", "metrics", "--since", "eom")
    one_error(run, 1, "(`som` is the start of this month)")
    run = funnel("report", "metrics", "--since", "EOQ")
    one_error(run, 1, "(`soq` is the start of this quarter)")


def test_since_now_or_today_and_a_future_until_stay_allowed(
    funnel: Any, empty_db: Any, at: Any
) -> None:
    at(FRIDAY)
    assert bounds(report(funnel, "metrics", "--since", "today", "--until", "eom")) == (
        "2026-11-27T00:00",
        "2026-12-01T00:00",
    )
    assert bounds(report(funnel, "metrics", "--since", "10:00"))[0] == "2026-11-27T10:00"
    # the forecast's --since is an expected close date: it looks ahead
    ok(funnel, "report", "forecast", "--since", "next month")


def test_at_looks_back(funnel: Any, at: Any) -> None:
    at("2026-11-20T09:00")
    add(funnel, "Acme")
    at(FRIDAY)
    deal = ok_json(funnel, "move", "1", "demo", "--at", "mon")
    assert deal["stage_entered_at"] == "2026-11-23T00:00:00Z"
    deal = ok_json(funnel, "log", "1", "call", "--at", "wed 15:00")
    assert deal["last_activity_at"] == "2026-11-25T15:00:00Z"
    ok(funnel, "won", "1", "--at", "fri 9:00")  # today, at 9
    assert show(funnel, "1")["closed_at"] == "2026-11-27T09:00:00Z"


def test_at_takes_a_yearless_date_in_the_past(funnel: Any, at: Any) -> None:
    at("2026-01-10T09:00")
    add(funnel, "Acme", "--at", "Dec 20")  # the last 20 December: 2025
    assert show(funnel, "1")["created_at"] == "2025-12-20T00:00:00Z"


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("Jan 15", "2027-01-15"),  # this year's is past: next year's
        ("15.01", "2027-01-15"),
        ("Nov 27", "2026-11-27"),  # today
        ("fri", "2026-12-04"),  # a weekday name looking ahead is never today
        ("mon", "2026-11-30"),
        ("next week", "2026-11-30"),
        ("+2bd", "2026-12-01"),
        ("in 3 days", "2026-11-30"),
        ("noon", "2026-11-27T12:00"),
        ("tomorrow noon", "2026-11-28T12:00"),
    ],
)
def test_follow_ups_look_ahead(funnel: Any, at: Any, when: str, expected: str) -> None:
    at(FRIDAY)
    ok(funnel, "config", "set", "date_order", "dmy")
    assert follow_up(add(funnel, "Acme", "--follow-up", when)) == expected
    assert follow_up(ok_json(funnel, "follow-up", "1", when)) == expected
    assert follow_up(ok_json(funnel, "log", "1", "call", "--next", when)) == expected


def test_snooze_looks_ahead(funnel: Any, at: Any) -> None:
    at(FRIDAY)
    add(funnel, "Acme")
    assert ok_json(funnel, "snooze", "1", "Jan 15")["snoozed_until"] == "2027-01-15"


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("Mar 31", "2027-03-31"),
        ("2026-Q4", "2026-12-31"),  # a period: by its last day
        ("next quarter", "2027-03-31"),
        ("this month", "2026-11-30"),
        ("2027-02", "2027-02-28"),
        ("eoq", "2026-12-31"),
    ],
)
def test_expected_close(funnel: Any, at: Any, when: str, expected: str) -> None:
    at(FRIDAY)
    assert add(funnel, "Acme", "--expected-close", when)["expected_close"] == expected


def test_forecast_until_a_period_includes_all_of_it(funnel: Any, at: Any) -> None:
    at(FRIDAY)
    add(funnel, "Nov", "--expected-close", "2026-11-30", "--value", "100")
    add(funnel, "Dec", "--expected-close", "2026-12-31", "--value", "200")
    add(funnel, "Jan", "--expected-close", "2027-01-01", "--value", "400")
    rows = report(funnel, "forecast", "--since", "2026-12", "--until", "2026-12")
    assert [(r["period"], r["deals"]) for r in rows] == [("2026-12", 1)]
    rows = report(funnel, "forecast", "--since", "next month", "--until", "next quarter")
    assert [(r["period"], r["deals"]) for r in rows] == [("2026-12", 1), ("2027-01", 1)]


def test_a_date_error_lists_the_accepted_forms(funnel: Any) -> None:
    for args in (
        ("add", "X", "--follow-up", "someday"),
        ("report", "metrics", "--since", "lastmonth"),
        ("add", "X", "--at", "2026-02-30"),
    ):
        run = funnel(*args)
        one_error(run, 1, FORMS)


# -- working days ---------------------------------------------------------------


def test_cadence_lands_on_a_working_day(funnel: Any, at: Any) -> None:
    at("2026-11-23T10:15")  # a Monday
    add(funnel, "Acme", "--stage", "demo")  # cadence 5: Saturday
    assert ok_json(funnel, "log", "1", "call")["next_follow_up"] == "2026-11-30"
    at("2026-11-24T10:15")  # Tuesday + 5 = Sunday
    assert ok_json(funnel, "log", "1", "call")["next_follow_up"] == "2026-11-30"
    at("2026-11-25T10:15")  # Wednesday + 5 = Monday
    assert ok_json(funnel, "log", "1", "call")["next_follow_up"] == "2026-11-30"
    at("2026-11-26T10:15")  # Thursday + 5 = Tuesday
    assert ok_json(funnel, "log", "1", "call")["next_follow_up"] == "2026-12-01"


def test_cadence_follows_the_workdays_setting(funnel: Any, at: Any) -> None:
    ok(funnel, "config", "set", "workdays", "sun-thu")
    at("2026-11-23T10:15")  # Monday + 4 = Friday: not a working day here
    add(funnel, "Acme", "--stage", "demo")
    ok(funnel, "stage", "set", "demo", "--cadence", "4")
    assert ok_json(funnel, "log", "1", "call")["next_follow_up"] == "2026-11-29"
    # +Nbd counts the same days
    assert add(funnel, "B", "--follow-up", "+4bd")["next_follow_up"] == "2026-11-29"
    ok(funnel, "config", "set", "workdays", "mon,tue,wed,thu,fri,sat,sun")
    assert ok_json(funnel, "log", "1", "call")["next_follow_up"] == "2026-11-27"


def test_workdays_setting(funnel: Any) -> None:
    assert ok(funnel, "config", "get", "workdays").stdout == "mon-fri\n"
    assert "workdays" in ok(funnel, "config", "get").stdout
    ok(funnel, "config", "set", "workdays", "Sun,Mon,Tue-Thu")
    assert ok(funnel, "config", "get", "workdays").stdout == "sun-thu\n"
    one_error(funnel("config", "set", "workdays", "weekdays"), 1, "workdays are day names")
    one_error(funnel("config", "set", "workdays", ""), 1, "workdays needs at least one day")


def test_workdays_in_a_hand_edited_file_are_checked(funnel: Any, isolated: Any) -> None:
    (isolated / "config.toml").write_text('workdays = "mon-funday"\n')
    one_error(funnel("list"), 1, "workdays are day names")
