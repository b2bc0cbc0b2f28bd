"""`report activity` (issue 16): touches by kind, forward moves, wins and won
value per period and seller, on a hand-built history; the same series in
every zone for `report activity` and `report metrics --per`."""

from __future__ import annotations

from typing import Any

import pytest

from helpers import fails, ok, ok_json, report, team_url
from test_timezones import in_tz

# FUNNEL_NOW is Monday 23 November 2026. Weeks: W45 = 2-8 Nov, W46 = 9-15,
# W47 = 16-22. Stages: lead, qualified, contacted, demo, proposal, negotiation.
STEPS: list[tuple[str, ...]] = [
    ("add", "One", "--owner", "anna", "--value", "1000", "--at", "2026-11-02"),
    ("log", "1", "call", "--at", "2026-11-03"),  # W45
    ("log", "1", "email", "--at", "2026-11-04"),  # W45
    ("log", "1", "note", "internal", "--at", "2026-11-04"),  # a note: no touch
    ("move", "1", "qualified", "--at", "2026-11-05", "--note", "n"),  # W45 forward
    ("move", "1", "demo", "--at", "2026-11-10"),  # W46 forward (skipping one)
    ("move", "1", "qualified", "--at", "2026-11-11"),  # back: not forward
    ("won", "1", "--at", "2026-11-12"),  # W46 won 1000 USD (no forward move)
    ("add", "Two", "--owner", "bob", "--value", "500", "--at", "2026-11-02"),
    ("log", "2", "meeting", "--at", "2026-11-09"),  # W46
    ("lost", "2", "--reason", "x", "--at", "2026-11-10"),
    ("reopen", "2", "--at", "2026-11-17"),  # not forward
    ("move", "2", "demo", "--at", "2026-11-18"),  # W47 forward
    ("add", "Three", "--owner", "ANNA", "--value", "200", "--currency", "EUR",
     "--at", "2026-11-16"),  # anna, case ignored
    ("log", "3", "call", "--at", "2026-11-17"),  # W47
    ("won", "3", "--at", "2026-11-18"),  # W47 won 200 EUR
    ("add", "Gone", "--owner", "carol", "--at", "2026-10-01"),
    ("lost", "4", "--reason", "x", "--at", "2026-10-02"),  # carol: nothing open, nothing done
    ("add", "Quiet", "--owner", "dave", "--at", "2026-10-01"),  # dave: open, quiet
    ("pipeline", "create", "renewals", "--stages", "ask,quote,signed"),
    ("add", "Four", "--owner", "bob", "--pipeline", "renewals", "--at", "2026-11-16"),
    ("move", "6", "quote", "--at", "2026-11-19"),  # W47 forward, another pipeline
]  # fmt: skip
WEEKS = ("--since", "2026-11-02", "--until", "2026-11-23")


@pytest.fixture
def steps(funnel: Any) -> Any:
    for args in STEPS:
        ok(funnel, *args)
    return funnel


def figures(rec: dict[str, Any]) -> tuple[Any, ...]:
    return (
        rec["period"],
        rec.get("owner"),
        rec["touches_by_kind"],
        rec["forward_moves"],
        rec["won"],
        rec["won_value_by_currency"],
    )


def test_activity_by_hand(steps):
    total = report(steps, "activity", "--per", "week", *WEEKS)
    zero = {"call": 0, "email": 0, "meeting": 0}
    money = {"EUR": 0, "USD": 0}
    assert [figures(r) for r in total] == [
        ("2026-W45", None, {**zero, "call": 1, "email": 1}, 1, 0, money),
        ("2026-W46", None, {**zero, "meeting": 1}, 1, 1, {**money, "USD": 1000}),
        ("2026-W47", None, {**zero, "call": 1}, 2, 1, {**money, "EUR": 200}),
    ]
    assert [r["touches"] for r in total] == [2, 1, 1]
    # two currencies: no single won value
    assert {(r["won_value"], r["currency"]) for r in total} == {(None, None)}
    assert (total[0]["since"], total[0]["until"]) == ("2026-11-02T00:00", "2026-11-09T00:00")

    by = report(steps, "activity", "--per", "week", "--by", "owner", *WEEKS)
    # carol (nothing open, nothing in the window) is left out; dave is shown, quiet
    assert [(r["period"], r["owner"]) for r in by] == [
        (week, owner)
        for week in ("2026-W45", "2026-W46", "2026-W47")
        for owner in ("ANNA", "bob", "dave")
    ]
    got = {(r["period"], r["owner"]): figures(r)[2:] for r in by}
    assert got["2026-W45", "ANNA"] == ({**zero, "call": 1, "email": 1}, 1, 0, money)
    assert got["2026-W46", "ANNA"] == (zero, 1, 1, {**money, "USD": 1000})
    assert got["2026-W47", "ANNA"] == ({**zero, "call": 1}, 0, 1, {**money, "EUR": 200})
    assert got["2026-W46", "bob"] == ({**zero, "meeting": 1}, 0, 0, money)
    assert got["2026-W47", "bob"] == (zero, 2, 0, money)
    assert all(got[w, "dave"] == (zero, 0, 0, money) for w in ("2026-W45", "2026-W46", "2026-W47"))

    # one pipeline: only its deals' touches and moves
    renewals = report(steps, "activity", "--pipeline", "renewals", *WEEKS)
    assert [r["forward_moves"] for r in renewals] == [0, 0, 1]
    assert [r["touches"] for r in renewals] == [0, 0, 0]
    # one owner, by day: bob's meeting on 9 November
    days = report(steps, "activity", "--per", "day", "--owner", "bob",
                  "--since", "2026-11-08", "--until", "2026-11-11")  # fmt: skip
    assert [(r["period"], r["touches"]) for r in days] == [
        ("2026-11-08", 0),
        ("2026-11-09", 1),
        ("2026-11-10", 0),
    ]
    # the defaults: the last 4 weeks (this one included), 7 days, 3 months
    assert [r["period"] for r in report(steps, "activity")] == [
        "2026-W45", "2026-W46", "2026-W47", "2026-W48",
    ]  # fmt: skip
    assert len(report(steps, "activity", "--per", "day")) == 7
    assert [r["period"] for r in report(steps, "activity", "--per", "month")] == [
        "2026-09", "2026-10", "2026-11",
    ]  # fmt: skip
    activity_outputs_and_undo(steps)  # one history for both


def activity_outputs_and_undo(steps: Any) -> None:
    csv = ok(steps, "report", "activity", *WEEKS, "--format", "csv").stdout.splitlines()
    assert csv[0] == (
        "period,since,until,touches,forward_moves,won,won_value,currency,"
        "touches.call,touches.email,touches.meeting,won_value.EUR,won_value.USD"
    )
    assert csv[3] == "2026-W47,2026-11-16T00:00,2026-11-23T00:00,1,2,1,,,1,0,0,200,0"
    table = ok(steps, "report", "activity", "--by", "owner", *WEEKS).stdout
    assert table.splitlines()[0].split() == [
        "Period", "Owner", "Touches", "Call", "Email", "Meeting", "Forward", "Won", "Won", "value",
    ]  # fmt: skip
    assert "2026-W47  bob" in table
    # the last change (bob's renewals move) undone: it no longer counts
    ok(steps, "undo")
    total = report(steps, "activity", *WEEKS)
    assert [r["forward_moves"] for r in total] == [1, 1, 1]


def test_activity_errors(funnel, empty_db):
    fails(funnel, 2, "--per must be one of day, week, month, not 'quarter'",
          "report", "activity", "--per", "quarter")  # fmt: skip
    fails(funnel, 2, "--by must be owner, not 'stage'", "report", "activity", "--by", "stage")
    assert ok_json(funnel, "report", "activity")[0]["touches_by_kind"] == {}


# Late on a Sunday and just after midnight on a Monday, in whatever zone the
# database has: the same weeks and months everywhere.
ZONED: list[tuple[str, ...]] = [
    ("add", "Z", "--owner", "anna", "--at", "2026-10-01T00:30"),  # October
    ("log", "1", "call", "--at", "2026-11-08T23:30"),  # Sunday: W45
    ("log", "1", "email", "--at", "2026-11-09T00:30"),  # Monday: W46
    ("move", "1", "qualified", "--at", "2026-11-15T23:59"),  # Sunday: W46
    ("add", "W", "--value", "100", "--at", "2026-10-01T00:30"),  # October
    ("won", "2", "--at", "2026-10-31T23:30"),  # October
    ("add", "Y", "--at", "2026-11-01T00:10"),  # November
]


@pytest.mark.parametrize("tz", ["UTC", "America/New_York", "Pacific/Kiritimati"])
def test_the_same_series_in_every_zone(funnel, monkeypatch, isolated, tz):
    in_tz(monkeypatch, tz)  # a database made here takes the machine's zone
    if team_url(isolated / "funnel.db") is not None:  # a team database: team init's
        ok(funnel, "config", "set", "timezone", tz)
    for args in ZONED:
        ok(funnel, *args)
    weeks = report(funnel, "activity", "--since", "2026-11-02", "--until", "2026-11-16")
    assert [(r["period"], r["touches_by_kind"], r["forward_moves"]) for r in weeks] == [
        ("2026-W45", {"call": 1, "email": 0}, 0),
        ("2026-W46", {"call": 0, "email": 1}, 1),
    ]
    months = report(funnel, "metrics", "--per", "month", "--since", "2026-10", "--until", "2026-11")
    assert [(r["period"], r["won"], r["won_value"], r["new_deals"]) for r in months] == [
        ("2026-10", 1, 100, 2),
        ("2026-11", 0, 0, 1),
    ]
    assert months[0]["sales_cycle_days"] == 30.96  # 00:30 on 1 Oct to 23:30 on 31 Oct
