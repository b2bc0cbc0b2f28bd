"""Follow-ups through the CLI: log a touch, schedule, snooze, and the `due` and
`stale` lists; exact dates, exact order, exit codes and one-line errors.

FUNNEL_NOW is 2026-11-23T10:15:00 (a Monday), TZ=UTC, so local time = UTC.
Every expected date below is counted by hand from that Monday.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from funnelcli.dates import FORMS
from helpers import add, dump, fails, follow_up, ok_json, run_on_a_terminal, show

NOW_UTC = "2026-11-23T10:15:00Z"
DATE_HINT = f"({FORMS})"


def run(funnel: Any, *args: str) -> str:
    """Run a command that must succeed in table form; return its stderr message."""
    r = funnel(*args)
    assert r.exit_code == 0, r.stderr
    return r.stderr


def clock(monkeypatch: pytest.MonkeyPatch, when: str) -> None:
    monkeypatch.setenv("FUNNEL_NOW", when)


def due(funnel: Any, *args: str) -> list[tuple[Any, ...]]:
    """`funnel due` as (id, due_state, days_overdue, next_follow_up) rows."""
    return [
        (d["id"], d["due_state"], d["days_overdue"], follow_up(d))
        for d in ok_json(funnel, "due", *args)
    ]


def stale(funnel: Any, *args: str) -> list[tuple[int, int, int]]:
    """`funnel stale` as (id, idle_days, rot_days) rows."""
    return [(d["id"], d["idle_days"], d["rot_days"]) for d in ok_json(funnel, "stale", *args)]


# -- log: the next follow-up -------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "expected"),
    [
        ("lead", "2026-11-26"),  # cadence 3
        ("qualified", "2026-11-26"),  # 3
        ("contacted", "2026-11-26"),  # 3
        ("demo", "2026-11-30"),  # 5: Saturday, so Monday
        ("proposal", "2026-11-30"),  # 5: Saturday, so Monday
        ("negotiation", "2026-11-30"),  # 7
    ],
)
def test_log_schedules_the_default_cadence_of_each_stage(funnel, stage, expected):
    add(funnel, "Acme", "--stage", stage)
    message = run(funnel, "log", "1", "call", "intro")
    assert message == f"logged call on #1 Acme ({stage}); next follow-up {expected}\n"
    deal = show(funnel, "1")
    assert (deal["next_follow_up"], deal["touches"], deal["last_activity_at"]) == (
        expected,
        1,
        NOW_UTC,
    )
    assert deal["activities"] == [{"id": 1, "kind": "call", "note": "intro", "at": NOW_UTC}]


def test_log_json_is_the_updated_deal(funnel):
    add(funnel, "Acme", "--stage", "demo")
    deal = ok_json(funnel, "log", "1", "email")
    assert (deal["id"], deal["next_follow_up"], deal["touches"], deal["updated_at"]) == (
        1,
        "2026-11-30",  # Monday + 5 days is a Saturday: the next working day
        1,
        NOW_UTC,
    )
    assert "activities" not in deal


def test_cadence_set_per_stage(funnel):
    run(funnel, "stage", "set", "demo", "--cadence", "2")
    run(funnel, "stage", "set", "lead", "--cadence", "0")
    add(funnel, "Acme", "--stage", "demo")
    add(funnel, "Globex", "--follow-up", "+1d")
    assert ok_json(funnel, "log", "1", "call")["next_follow_up"] == "2026-11-25"
    # Cadence 0: the stage schedules nothing, and the old follow-up is gone.
    assert run(funnel, "log", "2", "call") == (
        "logged call on #2 Globex (lead); no next follow-up\n"
    )
    assert show(funnel, "2")["next_follow_up"] is None


def test_cadence_of_a_custom_pipeline_defaults_to_three_days(funnel):
    run(funnel, "pipeline", "create", "Hiring", "--stages", "screen,interview,offer")
    add(funnel, "Dev", "--pipeline", "hiring", "--stage", "offer")
    assert ok_json(funnel, "log", "1", "call")["next_follow_up"] == "2026-11-26"


def test_cadence_is_the_current_stage_after_a_move(funnel):
    add(funnel, "Acme")
    run(funnel, "move", "1", "negotiation")
    assert ok_json(funnel, "log", "1", "meeting")["next_follow_up"] == "2026-11-30"


@pytest.mark.parametrize(
    ("when", "stored", "shown"),
    [
        ("tomorrow 14:00", "2026-11-24T14:00", "2026-11-24 14:00"),
        ("fri 9:30", "2026-11-27T09:30", "2026-11-27 09:30"),
        ("2026-12-01T08:05", "2026-12-01T08:05", "2026-12-01 08:05"),
        ("today 16:00", "2026-11-23T16:00", "2026-11-23 16:00"),
        ("+1w", "2026-11-30", "2026-11-30"),
        ("fri", "2026-11-27", "2026-11-27"),
        ("today", "2026-11-23", "2026-11-23"),
    ],
)
def test_log_next(funnel, when, stored, shown):
    add(funnel, "Acme", "--stage", "demo")
    assert run(funnel, "log", "1", "call", "--next", when) == (
        f"logged call on #1 Acme (demo); next follow-up {shown}\n"
    )
    deal = show(funnel, "1")
    # always the day; the time, when one was given, in next_follow_up_at (TZ=UTC here)
    assert deal["next_follow_up"] == stored[:10]
    assert deal["next_follow_up_at"] == (f"{stored}:00+00:00" if "T" in stored else None)


def test_log_no_next_clears_the_follow_up(funnel):
    add(funnel, "Acme", "--follow-up", "+2d")
    assert show(funnel, "1")["next_follow_up"] == "2026-11-25"
    assert run(funnel, "log", "1", "note", "waiting on legal", "--no-next") == (
        "logged note on #1 Acme (lead); no next follow-up\n"
    )
    deal = show(funnel, "1")
    assert (deal["next_follow_up"], deal["touches"]) == (None, 0)  # a note is no touch
    assert due(funnel) == [(1, "unscheduled", None, None)]


def test_log_at_backfills_and_counts_the_cadence_from_the_touch(funnel):
    add(funnel, "Acme", "--stage", "demo", "--at", "2026-11-16")
    # A bare past date is the start of that day; demo's cadence is 5 days.
    deal = ok_json(funnel, "log", "1", "call", "on Friday", "--at", "2026-11-20")
    assert (deal["next_follow_up"], deal["last_activity_at"]) == (
        "2026-11-25",
        "2026-11-20T00:00:00Z",
    )
    # With a time; the cadence counts days, not hours.
    deal = ok_json(funnel, "log", "1", "email", "--at", "2026-11-22 18:45")
    assert (deal["next_follow_up"], deal["last_activity_at"]) == (
        "2026-11-27",
        "2026-11-22T18:45:00Z",
    )
    # "today" means now.
    deal = ok_json(funnel, "log", "1", "meeting", "--at", "today")
    assert (deal["next_follow_up"], deal["last_activity_at"]) == ("2026-11-30", NOW_UTC)
    assert [(a["kind"], a["at"]) for a in show(funnel, "1")["activities"]] == [
        ("call", "2026-11-20T00:00:00Z"),
        ("email", "2026-11-22T18:45:00Z"),
        ("meeting", NOW_UTC),
    ]


def test_log_at_long_ago_leaves_the_deal_overdue(funnel):
    add(funnel, "Acme", "--at", "2026-11-02")
    assert (
        ok_json(funnel, "log", "1", "call", "--at", "2026-11-17")["next_follow_up"] == "2026-11-20"
    )
    assert due(funnel) == [(1, "overdue", 3, "2026-11-20")]


def test_backfilling_an_older_touch_keeps_the_schedule_of_the_latest(funnel):
    add(funnel, "Acme", "--at", "2026-11-02")
    assert ok_json(funnel, "log", "1", "call", "picked up")["next_follow_up"] == "2026-11-26"
    # Entered late: last week's e-mail does not make today's call overdue.
    deal = ok_json(funnel, "log", "1", "email", "last week", "--at", "2026-11-12")
    assert (deal["next_follow_up"], deal["touches"], deal["last_activity_at"]) == (
        "2026-11-26",
        2,
        NOW_UTC,
    )
    # ...nor does it undo an explicit schedule; --next and --no-next still rule.
    run(funnel, "follow-up", "1", "2026-12-10")
    assert (
        ok_json(funnel, "log", "1", "note", "--at", "2026-11-13")["next_follow_up"] == "2026-12-10"
    )
    assert (
        ok_json(funnel, "log", "1", "note", "--at", "2026-11-14", "--next", "fri")["next_follow_up"]
        == "2026-11-27"
    )
    assert (
        ok_json(funnel, "log", "1", "note", "--at", "2026-11-15", "--no-next")["next_follow_up"]
        is None
    )


def test_touches_and_last_activity(funnel):
    add(funnel, "Acme", "--at", "2026-11-02")
    add(funnel, "Globex")
    assert [(d["touches"], d["last_activity_at"]) for d in ok_json(funnel, "list")] == [
        (0, None),
        (0, None),
    ]
    ok_json(funnel, "log", "1", "call", "--at", "2026-11-10 09:00")
    ok_json(funnel, "log", "1", "email")
    ok_json(funnel, "log", "1", "meeting", "--at", "2026-11-05")  # older: last stays
    ok_json(funnel, "log", "1", "note", "internal")  # newest, but no touch
    deals = ok_json(funnel, "list")
    assert [(d["id"], d["touches"], d["last_activity_at"]) for d in deals] == [
        (1, 3, NOW_UTC),
        (2, 0, None),
    ]
    assert [
        (d["touches"], d["last_activity_at"]) for d in ok_json(funnel, "due", "--within", "3")
    ] == [
        (3, NOW_UTC),
        (0, None),
    ]


def test_show_lists_the_activities(funnel):
    add(funnel, "Acme", "--at", "2026-11-16")
    ok_json(funnel, "log", "1", "email", "--at", "2026-11-20 09:05", "--no-next")
    ok_json(funnel, "log", "1", "Call", "sent pricing")
    ok_json(funnel, "log", "1", "demo", "ran the demo", "--at", "2026-11-18")
    assert show(funnel, "1")["activities"] == [
        {"id": 3, "kind": "demo", "note": "ran the demo", "at": "2026-11-18T00:00:00Z"},
        {"id": 1, "kind": "email", "note": None, "at": "2026-11-20T09:05:00Z"},
        {"id": 2, "kind": "call", "note": "sent pricing", "at": NOW_UTC},
    ]
    text = funnel("show", "1").stdout
    assert text.endswith(
        "\nActivities\n"
        "  2026-11-18       demo     ran the demo\n"
        "  2026-11-20 09:05 email\n"
        "  2026-11-23 10:15 call     sent pricing\n"
    )


# -- activity kinds -----------------------------------------------------------------


@pytest.mark.parametrize(("typed", "kind"), [("CALL", "call"), (" Meeting ", "meeting")])
def test_kinds_are_case_folded(funnel, typed, kind):
    add(funnel, "Acme")
    assert run(funnel, "log", "1", typed).startswith(f"logged {kind} on #1 Acme")
    assert show(funnel, "1")["activities"][0]["kind"] == kind


def test_kinds_beyond_the_built_in_ones_come_from_the_config(funnel, isolated):
    add(funnel, "Acme")
    run(funnel, "config", "set", "activity_kinds", "Webinar, linkedin")
    before = dump(isolated / "funnel.db")
    known = "known: call, email, meeting, message, demo, note, webinar, linkedin"
    hint = "add one with `funnel config set activity_kinds KIND,…`"
    fails(funnel, 1, f"unknown activity kind 'sms' ({known}; {hint})", "log", "1", "SMS")
    assert dump(isolated / "funnel.db") == before
    ok_json(funnel, "log", "1", "webinar")
    ok_json(funnel, "log", "1", "LinkedIn")
    ok_json(funnel, "log", "1", "EMAIL")
    assert [a["kind"] for a in show(funnel, "1")["activities"]] == [
        "webinar",
        "linkedin",
        "email",
    ]
    # Empty again: the built-in kinds only.
    run(funnel, "config", "set", "activity_kinds", "")
    assert funnel("log", "1", "webinar").exit_code == 1
    ok_json(funnel, "log", "1", "demo")
    assert show(funnel, "1")["touches"] == 4


# -- follow-up and snooze -------------------------------------------------------------


@pytest.mark.parametrize(
    ("when", "stored"),
    [
        ("2026-12-01", "2026-12-01"),
        ("fri 10:00", "2026-11-27T10:00"),
        ("today", "2026-11-23"),
        ("today 18:30", "2026-11-23T18:30"),
        ("+3d", "2026-11-26"),
        ("eom", "2026-11-30"),
    ],
)
def test_follow_up_sets_the_next_step(funnel, when, stored):
    add(funnel, "Acme", "--value", "4800")
    shown = stored.replace("T", " ")
    assert run(funnel, "follow-up", "1", when) == (
        f"#1 Acme (lead, 4,800.00 USD): next follow-up {shown}\n"
    )
    deal = show(funnel, "1")
    assert (follow_up(deal), deal["touches"], deal["updated_at"]) == (stored, 0, NOW_UTC)


def test_follow_up_clear(funnel):
    add(funnel, "Acme", "--follow-up", "tomorrow")
    assert run(funnel, "follow-up", "1", "--clear") == "#1 Acme (lead): no next follow-up\n"
    assert show(funnel, "1")["next_follow_up"] is None
    assert ok_json(funnel, "follow-up", "1", "+2d")["next_follow_up"] == "2026-11-25"


def test_snooze_and_wake(funnel):
    add(funnel, "Acme")
    assert run(funnel, "snooze", "1", "2027-01-11", "--reason", "budget opens in January") == (
        "#1 Acme (lead): snoozed until 2027-01-11\n"
    )
    deal = show(funnel, "1")
    assert (deal["snoozed_until"], deal["snooze_reason"]) == (
        "2027-01-11",
        "budget opens in January",
    )
    # A time of day is dropped: a snooze lasts whole days.
    deal = ok_json(funnel, "snooze", "1", "tomorrow 15:00")
    assert (deal["snoozed_until"], deal["snooze_reason"]) == ("2026-11-24", None)
    assert run(funnel, "snooze", "1", "--clear") == "#1 Acme (lead): awake\n"
    deal = show(funnel, "1")
    assert (deal["snoozed_until"], deal["snooze_reason"]) == (None, None)


def test_snooze_hides_from_due_and_stale_until_the_date(funnel, monkeypatch):
    clock(monkeypatch, "2026-11-02T09:00")
    add(funnel, "Acme", "--follow-up", "2026-11-05")  # lead: rot after 14 days
    add(funnel, "Globex")
    clock(monkeypatch, "2026-11-23T10:15")
    assert due(funnel) == [(1, "overdue", 18, "2026-11-05"), (2, "unscheduled", None, None)]
    assert stale(funnel) == [(1, 21, 14), (2, 21, 14)]
    ok_json(funnel, "snooze", "1", "2026-11-26", "--reason", "back from holiday")
    ok_json(funnel, "snooze", "2", "wed")
    for now in ("2026-11-23T10:15", "2026-11-24T23:59", "2026-11-25T08:00"):
        clock(monkeypatch, now)
        wed = now.startswith("2026-11-25")
        # A snoozed deal is due on its wake-up day: the day becomes its next follow-up.
        assert due(funnel) == ([(2, "today", 0, "2026-11-25")] if wed else [])
        # Idle days are calendar days: 2026-11-02 to 2026-11-25 is 23.
        assert stale(funnel) == ([(2, 23, 14)] if wed else [])
        r = funnel("due", "--check")
        assert r.exit_code == 0
    # On the snooze date it comes back due today, not late by the date it was
    # snoozed past; the one that woke yesterday is a day late.
    clock(monkeypatch, "2026-11-26T07:00")
    assert due(funnel) == [(2, "overdue", 1, "2026-11-25"), (1, "today", 0, "2026-11-26")]
    assert stale(funnel) == [(1, 24, 14), (2, 24, 14)]  # 2026-11-02 → 11-26: 24 days
    assert funnel("due", "--check").exit_code == 3
    # The snooze stays recorded (it is over), until cleared or replaced.
    assert show(funnel, "1")["snoozed_until"] == "2026-11-26"


def test_snooze_clear_wakes_the_deal_now(funnel):
    add(funnel, "Acme", "--follow-up", "today")
    ok_json(funnel, "snooze", "1", "+1w")
    assert due(funnel) == []
    ok_json(funnel, "snooze", "1", "--clear")
    assert due(funnel) == [(1, "today", 0, "2026-11-23")]


# -- closed deals ---------------------------------------------------------------------


@pytest.mark.parametrize("outcome", ["won", "lost"])
def test_closed_deals_take_no_follow_ups(funnel, isolated, outcome):
    add(funnel, "Acme", "--follow-up", "tomorrow")
    args = ["--reason", "no budget"] if outcome == "lost" else []
    run(funnel, outcome, "1", *args)
    assert show(funnel, "1")["next_follow_up"] is None
    before = dump(isolated / "funnel.db")
    touch = f"deal 1 is {outcome}; can't log a touch on a closed deal"
    schedule = f"deal 1 is {outcome}; can't schedule a follow-up on a closed deal"
    snooze = f"deal 1 is {outcome}; can't snooze a closed deal"
    fails(funnel, 1, touch, "log", "1", "call")
    fails(funnel, 1, touch, "log", "1", "call", "--no-next", "--at", "today")
    fails(funnel, 1, schedule, "follow-up", "1", "tomorrow")
    fails(funnel, 1, schedule, "follow-up", "1", "--clear")
    fails(funnel, 1, snooze, "snooze", "1", "+1w")
    fails(funnel, 1, snooze, "snooze", "1", "--clear")
    assert dump(isolated / "funnel.db") == before
    assert due(funnel) == []
    assert stale(funnel) == []


# -- due --------------------------------------------------------------------------------


@pytest.fixture
def week(funnel: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Deals scheduled a week ago (Monday 2026-11-16), seen on Monday 2026-11-23."""
    clock(monkeypatch, "2026-11-16T09:00")
    for title, args in [
        ("Late two", ["--follow-up", "2026-11-21"]),  # 1: overdue 2
        ("Late five", ["--follow-up", "2026-11-18"]),  # 2: overdue 5
        ("No step", []),  # 3: unscheduled
        ("Today later", ["--follow-up", "2026-11-23 16:00"]),  # 4: today (16:00 > 10:15)
        ("Today plain", ["--follow-up", "2026-11-23"]),  # 5: today
        ("Tomorrow", ["--follow-up", "2026-11-24"]),  # 6: upcoming, within >= 1
        ("In three", ["--follow-up", "2026-11-26 09:00"]),  # 7: upcoming, within >= 3
        ("Next week", ["--follow-up", "2026-11-30"]),  # 8: upcoming, within >= 7
        ("Also no step", []),  # 9: unscheduled
        ("Late five pm", ["--follow-up", "2026-11-18 17:00"]),  # 10: overdue 5, after #2
        ("Today early", ["--follow-up", "2026-11-23 08:00"]),  # 11: today (earlier today)
        ("Won", ["--follow-up", "2026-11-17"]),  # 12: closed below
        ("Lost", ["--follow-up", "2026-11-17"]),  # 13: closed below
        ("Late one", ["--follow-up", "2026-11-22 23:30"]),  # 14: overdue 1
    ]:
        add(funnel, title, *args)
    run(funnel, "won", "12")
    run(funnel, "lost", "13", "--reason", "gone quiet")
    clock(monkeypatch, "2026-11-23T10:15")


OVERDUE = [
    (2, "overdue", 5, "2026-11-18"),
    (10, "overdue", 5, "2026-11-18T17:00"),
    (1, "overdue", 2, "2026-11-21"),
    (14, "overdue", 1, "2026-11-22T23:30"),
]
TODAY = [
    (5, "today", 0, "2026-11-23"),
    (11, "today", 0, "2026-11-23T08:00"),
    (4, "today", 0, "2026-11-23T16:00"),
]
UNSCHEDULED = [(3, "unscheduled", None, None), (9, "unscheduled", None, None)]


def test_due_order(funnel, week):
    assert due(funnel) == OVERDUE + TODAY + UNSCHEDULED
    assert due(funnel, "--within", "0") == OVERDUE + TODAY + UNSCHEDULED


@pytest.mark.parametrize(
    ("within", "upcoming"),
    [
        ("1", [6]),
        ("2", [6]),
        ("3", [6, 7]),
        ("6", [6, 7]),  # up to Sunday 11-29
        ("7", [6, 7, 8]),  # Monday 11-30 included
        ("365", [6, 7, 8]),
    ],
)
def test_due_within(funnel, week, within, upcoming):
    dates = {6: "2026-11-24", 7: "2026-11-26T09:00", 8: "2026-11-30"}
    expected = [(i, "upcoming", None, dates[i]) for i in upcoming]
    assert due(funnel, "--within", within) == OVERDUE + TODAY + expected + UNSCHEDULED


def test_due_later_the_same_day(funnel, week, monkeypatch):
    # At 23:00 the 16:00 follow-up is still "today"; at midnight it is overdue.
    clock(monkeypatch, "2026-11-23T23:00")
    assert due(funnel) == OVERDUE + TODAY + UNSCHEDULED
    clock(monkeypatch, "2026-11-24")
    assert due(funnel) == [
        (2, "overdue", 6, "2026-11-18"),
        (10, "overdue", 6, "2026-11-18T17:00"),
        (1, "overdue", 3, "2026-11-21"),
        (14, "overdue", 2, "2026-11-22T23:30"),
        (5, "overdue", 1, "2026-11-23"),
        (11, "overdue", 1, "2026-11-23T08:00"),
        (4, "overdue", 1, "2026-11-23T16:00"),
        (6, "today", 0, "2026-11-24"),
        *UNSCHEDULED,
    ]


def test_due_json_is_deal_objects(funnel, week):
    items = ok_json(funnel, "due")
    assert list(items[0])[-5:] == ["due_state", "days_overdue", "due_on", "handoff", "score"]
    assert items[0]["id"] == 2 and items[0]["title"] == "Late five"
    deal = show(funnel, "2")
    del deal["history"], deal["activities"], deal["score_parts"]
    extra = ("due_state", "days_overdue", "due_on", "handoff")
    assert {k: v for k, v in items[0].items() if k not in extra} == deal


def test_due_plain_when_piped(funnel, week):
    r = funnel("due", "--within", "1")
    assert (r.exit_code, r.stderr) == (0, "")
    assert r.stdout == (
        "Due          When              ID  Title         Org  Stage  Value  Owner\n"
        "overdue 5d   2026-11-18         2  Late five          lead          me\n"
        "overdue 5d   2026-11-18 17:00  10  Late five pm       lead          me\n"
        "overdue 2d   2026-11-21         1  Late two           lead          me\n"
        "overdue 1d   2026-11-22 23:30  14  Late one           lead          me\n"
        "today        2026-11-23         5  Today plain        lead          me\n"
        "today        2026-11-23 08:00  11  Today early        lead          me\n"
        "today        2026-11-23 16:00   4  Today later        lead          me\n"
        "upcoming     2026-11-24         6  Tomorrow           lead          me\n"
        "unscheduled                     3  No step            lead          me\n"
        "unscheduled                     9  Also no step       lead          me\n"
    )


def test_due_csv_and_jsonl(funnel, week):
    items = ok_json(funnel, "due", "--within", "3")
    r = funnel("due", "--within", "3", "--format", "jsonl")
    assert r.exit_code == 0
    assert [json.loads(line) for line in r.stdout.splitlines()] == items
    r = funnel("due", "--within", "3", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert list(rows[0])[-5:] == ["due_state", "days_overdue", "due_on", "handoff", "score"]
    assert [
        (
            int(x["id"]),
            x["due_state"],
            x["days_overdue"],
            x["next_follow_up_at"][:16] or x["next_follow_up"],
        )
        for x in rows
    ] == [
        (i, state, "" if days is None else str(days), nxt or "")
        for i, state, days, nxt in due(funnel, "--within", "3")
    ]
    assert len(rows) == 11


def _in_a_terminal(args: list[str]) -> tuple[int, str]:
    """Run the installed `funnel` with stdout on a pseudo-terminal."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    env["COLUMNS"] = "120"
    code, out, err = run_on_a_terminal(["funnel", *args], env)
    assert err == b""
    return code, out


def test_due_in_a_terminal_is_grouped_and_coloured(funnel, week):
    code, text = _in_a_terminal(["due", "--within", "3", "--check"])
    assert code == 3
    assert "\x1b[" in text
    plain = re.sub(r"\x1b\[[0-9;]*m", "", text)
    headings = [line.strip() for line in plain.splitlines() if line.strip().endswith(")")]
    assert headings == ["Overdue (4)", "Today (3)", "Next 3 days (2)", "No next step (2)"]
    order = [
        plain.index(t) for t in ("Late five ", "Late one", "Today plain", "In three", "Also no")
    ]
    assert order == sorted(order)


def test_due_filters_by_owner_and_pipeline(funnel):
    run(funnel, "pipeline", "create", "Hiring", "--stages", "screen,offer")
    add(funnel, "Anna's", "--owner", "anna", "--follow-up", "today")
    add(funnel, "Ben's", "--owner", "Ben")
    add(funnel, "Anna's hire", "--owner", "Anna", "--pipeline", "hiring")
    add(funnel, "Ben's hire", "--owner", "ben", "--pipeline", "hiring", "--follow-up", "today")
    assert due(funnel, "--owner", "ANNA") == [
        (1, "today", 0, "2026-11-23"),
        (3, "unscheduled", None, None),
    ]
    assert due(funnel, "--pipeline", "hiring") == [
        (4, "today", 0, "2026-11-23"),
        (3, "unscheduled", None, None),
    ]
    assert due(funnel, "--pipeline", "sales", "--owner", "ben") == [(2, "unscheduled", None, None)]
    # an owner no deal has is an error, never an empty list (issue 13)
    fails(funnel, 1, "no deal has owner 'carol' (owners: Anna, Ben)", "due", "--owner", "carol")
    assert due(funnel, "--owner", "anna", "--owner", "BEN") == [
        (1, "today", 0, "2026-11-23"),
        (4, "today", 0, "2026-11-23"),
        (2, "unscheduled", None, None),
        (3, "unscheduled", None, None),
    ]


def test_due_check(funnel, empty_db, monkeypatch):
    # Nothing at all: exit 0, nothing printed.
    r = funnel("due", "--check")
    assert (r.exit_code, r.stdout, r.stderr) == (0, "", "")
    # Due today and unscheduled, nothing overdue: printed, exit 0.
    add(funnel, "Acme", "--follow-up", "today")
    add(funnel, "Globex")
    r = funnel("due", "--check")
    assert r.exit_code == 0
    assert len(r.stdout.splitlines()) == 3
    # A day later Acme is overdue: exit 3, and the list is still printed.
    clock(monkeypatch, "2026-11-24T07:00")
    r = funnel("due", "--check")
    assert (r.exit_code, r.stderr) == (3, "")
    assert r.stdout.splitlines()[1].startswith("overdue 1d   2026-11-23   1  Acme")
    r = funnel("due", "--check", "--format", "json")
    assert r.exit_code == 3
    assert [(d["id"], d["due_state"], d["days_overdue"]) for d in r.json()] == [
        (1, "overdue", 1),
        (2, "unscheduled", None),
    ]
    # Without --check, overdue is not an error.
    assert funnel("due").exit_code == 0
    # --check looks only at what is listed: another owner's overdue deal doesn't count.
    add(funnel, "Hooli", "--owner", "nobody")
    assert funnel("due", "--check", "--owner", "nobody").exit_code == 0


def test_due_empty(funnel):
    add(funnel, "Acme", "--follow-up", "tomorrow")
    add(funnel, "Globex", "--follow-up", "+1w")
    for fmt, out in [("table", ""), ("json", "[]\n"), ("jsonl", ""), ("csv", "")]:
        r = funnel("due", "--check", "--format", fmt)
        assert (r.exit_code, r.stdout, r.stderr) == (0, out, "")
    assert due(funnel, "--within", "1") == [(1, "upcoming", None, "2026-11-24")]


# -- stale ------------------------------------------------------------------------------


def test_stale_idle_since_the_later_of_stage_entry_and_last_touch(funnel, monkeypatch):
    add(funnel, "Acme", "--at", "2026-11-01")  # lead, rot 14
    add(funnel, "Globex", "--stage", "contacted", "--at", "2026-10-01")  # rot 10
    add(funnel, "Initech", "--at", "2026-11-01")
    add(funnel, "Fresh")
    run(funnel, "move", "2", "demo", "--at", "2026-11-20")  # demo: rot 14
    ok_json(funnel, "log", "2", "call", "--at", "2026-11-10")  # before the move: doesn't count
    ok_json(funnel, "log", "3", "call", "--at", "2026-11-12")
    # Acme: idle since 11-01 (22 days); Globex since the move (3); Initech since the call (11).
    assert stale(funnel) == [(1, 22, 14)]
    record = ok_json(funnel, "stale")[0]
    assert (record["title"], record["stage_entered_at"], record["last_activity_at"]) == (
        "Acme",
        "2026-11-01T00:00:00Z",
        None,
    )
    assert list(record)[-2:] == ["idle_days", "rot_days"]
    # Friday 11-27: Initech's call is 15 days old; Globex's move 7.
    clock(monkeypatch, "2026-11-27T00:00")
    assert stale(funnel) == [(1, 26, 14), (3, 15, 14)]
    # A touch makes a deal fresh again.
    ok_json(funnel, "log", "1", "email")
    assert stale(funnel) == [(3, 15, 14)]


def test_stale_is_longer_than_the_rot_limit(funnel, monkeypatch):
    add(funnel, "Acme", "--at", "2026-11-09")
    clock(monkeypatch, "2026-11-23T00:00")  # exactly 14 days: not longer than 14
    assert stale(funnel) == []
    clock(monkeypatch, "2026-11-23T23:59")
    assert stale(funnel) == []
    clock(monkeypatch, "2026-11-24T00:00")
    assert stale(funnel) == [(1, 15, 14)]


def test_a_future_follow_up_does_not_hide_staleness(funnel):
    add(funnel, "Acme", "--at", "2026-11-01")
    run(funnel, "follow-up", "1", "+1m")
    assert show(funnel, "1")["next_follow_up"] == "2026-12-23"
    assert stale(funnel) == [(1, 22, 14)]
    assert due(funnel) == []
    ok_json(funnel, "snooze", "1", "2026-12-23")
    assert stale(funnel) == []


def test_rot_days_per_stage(funnel):
    add(funnel, "Acme", "--at", "2026-11-01")  # lead
    add(funnel, "Globex", "--stage", "proposal", "--at", "2026-11-01")  # rot 21
    add(funnel, "Initech", "--stage", "negotiation", "--at", "2026-11-02")  # rot 21
    # Idle 22, 22, 21: ordered by how far past the limit, then id.
    assert stale(funnel) == [(1, 22, 14), (2, 22, 21)]
    run(funnel, "stage", "set", "lead", "--rot-days", "22")
    run(funnel, "stage", "set", "negotiation", "--rot-days", "5")
    assert stale(funnel) == [(3, 21, 5), (2, 22, 21)]
    run(funnel, "stage", "set", "lead", "--rot-days", "21")
    assert stale(funnel) == [(3, 21, 5), (1, 22, 21), (2, 22, 21)]


def test_closed_deals_are_never_stale(funnel):
    add(funnel, "Acme", "--at", "2026-09-01")
    add(funnel, "Globex", "--at", "2026-09-01")
    add(funnel, "Initech", "--at", "2026-09-01")
    run(funnel, "won", "1", "--at", "2026-09-02")
    run(funnel, "lost", "2", "--reason", "budget", "--at", "2026-09-02")
    assert stale(funnel) == [(3, 83, 14)]
    run(funnel, "reopen", "2")  # back in lead today: fresh
    assert stale(funnel) == [(3, 83, 14)]


def test_stale_filters_and_formats(funnel):
    run(funnel, "pipeline", "create", "Hiring", "--stages", "screen,offer")
    add(funnel, "Acme", "--owner", "anna", "--at", "2026-11-01")
    add(funnel, "Globex", "--owner", "ben", "--at", "2026-11-01")
    add(funnel, "Hire", "--owner", "Anna", "--pipeline", "hiring", "--at", "2026-11-01")
    assert stale(funnel, "--owner", "ANNA") == [(1, 22, 14), (3, 22, 14)]
    assert stale(funnel, "--pipeline", "hiring") == [(3, 22, 14)]
    fails(funnel, 1, "no deal has owner 'carol' (owners: Anna, ben)", "stale", "--owner", "carol")
    r = funnel("stale", "--owner", "ben")
    assert r.stdout == (
        "ID  Title   Org  Stage  Idle  Rot  Last touch  Value  Owner\n"
        " 2  Globex       lead    22d  14d                     ben\n"
    )
    rows = list(csv.DictReader(io.StringIO(funnel("stale", "--format", "csv").stdout)))
    assert [(r["id"], r["idle_days"], r["rot_days"]) for r in rows] == [
        ("1", "22", "14"),
        ("2", "22", "14"),
        ("3", "22", "14"),
    ]
    r = funnel("stale", "--owner", "carol", "--format", "json")
    assert (r.exit_code, r.stdout) == (1, "")
    assert stale(funnel, "--owner", "ben", "--owner", "anna") == [
        (1, 22, 14),
        (2, 22, 14),
        (3, 22, 14),
    ]


# -- bad input: one line, exit 1, nothing changed ----------------------------------------


@pytest.fixture
def db(funnel: Any, isolated: Path) -> Path:
    """#1 open in demo (created 2026-11-20, follow-up 2026-11-25), #2 won, #3 lost;
    the built-in activity kinds."""
    for args in (
        ["add", "Acme", "--stage", "demo", "--at", "2026-11-20", "--follow-up", "+2d"],
        ["add", "Globex"],
        ["add", "Initech"],
        ["won", "2"],
        ["lost", "3", "--reason", "budget"],
        ["log", "1", "call", "--at", "2026-11-21"],
        ["follow-up", "1", "2026-11-25"],
    ):
        r = funnel(*args)
        assert r.exit_code == 0, r.stderr
    return isolated / "funnel.db"


BAD: list[tuple[list[str], str]] = [
    (
        ["log", "1", "emial"],
        "unknown activity kind 'emial' (did you mean email? known: call, email, meeting, "
        "message, demo, note; add one with `funnel config set activity_kinds KIND,…`)",
    ),
    (
        ["log", "1", "cold call"],
        "'cold call' is not an activity kind (one word: call, email, meeting…)",
    ),
    (["log", "1", " "], "'' is not an activity kind (one word: call, email, meeting…)"),
    (["log", "1", "call", "--next", "yesterday"], "--next yesterday is in the past (2026-11-22)"),
    (
        ["log", "1", "call", "--next", "2026-11-20 09:00"],
        "--next 2026-11-20 09:00 is in the past (2026-11-20)",
    ),
    (
        ["log", "1", "call", "--next", "someday"],
        f"--next: can't read 'someday' as a date {DATE_HINT}",
    ),
    (["log", "1", "call", "--next", "+1d", "--no-next"], "give --next or --no-next, not both"),
    (
        ["log", "1", "call", "--at", "tomorrow"],
        "--at tomorrow is in the future; history records what already happened",
    ),
    (
        ["log", "1", "call", "--at", "today 11:00"],
        "--at today 11:00 is in the future; history records what already happened",
    ),
    (
        ["log", "1", "call", "--at", "2026-11-19"],
        "--at 2026-11-19 is before deal 1 was created (2026-11-20 00:00)",
    ),
    (["log", "1", "call", "--at", "someday"], f"--at: can't read 'someday' as a date {DATE_HINT}"),
    (["log", "2", "call"], "deal 2 is won; can't log a touch on a closed deal"),
    (["log", "3", "email", "lost it"], "deal 3 is lost; can't log a touch on a closed deal"),
    (["log", "9", "call"], "no deal '9' (number, external id, uuid, or part of title/org)"),
    (["follow-up", "1"], "give WHEN, or --clear to remove the next follow-up"),
    (["follow-up", "1", "+1d", "--clear"], "give WHEN or --clear, not both"),
    (["follow-up", "1", "yesterday"], "WHEN yesterday is in the past (2026-11-22)"),
    (["follow-up", "1", "someday"], f"WHEN: can't read 'someday' as a date {DATE_HINT}"),
    (["follow-up", "2", "tomorrow"], "deal 2 is won; can't schedule a follow-up on a closed deal"),
    (["follow-up", "3", "--clear"], "deal 3 is lost; can't schedule a follow-up on a closed deal"),
    (
        ["follow-up", "9", "tomorrow"],
        "no deal '9' (number, external id, uuid, or part of title/org)",
    ),
    (["snooze", "1"], "snooze needs a date (UNTIL), or --clear to wake the deal"),
    (
        ["snooze", "1", "--reason", "later"],
        "snooze needs a date (UNTIL), or --clear to wake the deal",
    ),
    (["snooze", "1", "today"], "snooze until today (2026-11-23): give a day after today"),
    (
        ["snooze", "1", "today 18:00"],
        "snooze until today 18:00 (2026-11-23): give a day after today",
    ),
    (["snooze", "1", "2026-11-01"], "snooze until 2026-11-01 (2026-11-01): give a day after today"),
    (["snooze", "1", "+1w", "--clear"], "give UNTIL or --clear, not both"),
    (["snooze", "1", "someday"], f"UNTIL: can't read 'someday' as a date {DATE_HINT}"),
    (["snooze", "2", "+1w"], "deal 2 is won; can't snooze a closed deal"),
    (["snooze", "3", "--clear"], "deal 3 is lost; can't snooze a closed deal"),
    (["due", "--within", "-1"], "--within can't be negative (-1)"),
    (["due", "--pipeline", "nope"], "no pipeline 'nope'; pipelines: sales"),
    (["stale", "--pipeline", "nope"], "no pipeline 'nope'; pipelines: sales"),
]  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize(("args", "message"), BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_input_changes_nothing(funnel, db, args, message):
    before = dump(db)
    r = funnel(*args)
    assert (r.exit_code, r.stdout, r.stderr) == (1, "", f"funnel: error: {message}\n")
    assert dump(db) == before


@pytest.mark.parametrize(
    "args",
    [
        ["log", "1", "call", "--format", "csv"],
        ["follow-up", "1", "tomorrow", "--format", "jsonl"],
        ["snooze", "1", "+1w", "--format", "csv"],
        ["due", "--format", "xml"],
        ["due", "--within", "soon"],
        ["log", "1"],
    ],
)
def test_usage_errors_exit_2_and_change_nothing(funnel, db, args):
    before = dump(db)
    r = funnel(*args)
    assert (r.exit_code, r.stdout) == (2, "")
    assert r.stderr
    assert dump(db) == before


def test_stale_counts_calendar_days_across_dst(funnel, monkeypatch):
    monkeypatch.setenv("TZ", "Europe/Warsaw")
    monkeypatch.setenv("FUNNEL_NOW", "2026-03-30T00:00")
    time.tzset()
    funnel("stage", "set", "lead", "--rot-days", "6")
    funnel("add", "s1", "--at", "2026-03-23")  # 7 calendar days, only 6 days 23 h of time
    r = funnel("stale", "--format", "json")
    assert [(d["title"], d["idle_days"]) for d in r.json()] == [("s1", 7)]


def test_closing_a_deal_ends_its_snooze(funnel):
    funnel("add", "a")
    funnel("snooze", "1", "+1w")
    funnel("lost", "1", "--reason", "x")
    funnel("reopen", "1")
    assert funnel("show", "1", "--format", "json").json()["snoozed_until"] is None
