"""A week of follow-ups, morning by morning, with FUNNEL_NOW moving on.

Monday 2026-11-23 a seller adds five deals; through the week they log calls,
reschedule, forget one, snooze one (due the day it wakes), win one. Every morning `funnel due` must
list exactly what a person would expect. Dates are counted by hand from the
default pipeline's cadences: lead/contacted 3 days, demo/proposal 5,
negotiation 7.
"""

from __future__ import annotations

from typing import Any

from helpers import follow_up

Row = tuple[int, str, int | None, str | None]


def do(funnel: Any, *args: str) -> str:
    r = funnel(*args)
    assert r.exit_code == 0, r.stderr
    return r.stderr


def due(funnel: Any, *args: str, check: int = 0) -> list[Row]:
    """(id, due_state, days_overdue, next_follow_up) of `funnel due --check`,
    which must exit `check` (3 when something is overdue)."""
    r = funnel("due", "--check", *args, "--format", "json")
    assert (r.exit_code, r.stderr) == (check, "")
    return [(d["id"], d["due_state"], d["days_overdue"], follow_up(d)) for d in r.json()]


def stale(funnel: Any) -> list[tuple[int, int, int]]:
    r = funnel("stale", "--format", "json")
    assert r.exit_code == 0
    return [(d["id"], d["idle_days"], d["rot_days"]) for d in r.json()]


def test_a_week_of_follow_ups(funnel, at):
    # -- Monday 2026-11-23 ------------------------------------------------------------
    at("2026-11-23T09:00")
    for args in (
        ["Acme renewal", "--org", "Acme", "--value", "4800", "--owner", "anna",
         "--follow-up", "today"],
        ["Globex pilot", "--org", "Globex", "--stage", "demo", "--owner", "ben",
         "--follow-up", "tomorrow 10:00"],
        ["Initech upgrade", "--org", "Initech", "--stage", "proposal", "--owner", "anna"],
        ["Umbrella support", "--org", "Umbrella", "--stage", "negotiation", "--owner", "ben",
         "--follow-up", "wed"],
        # Entered last week from a trade-fair list, never called.
        ["Hooli expansion", "--org", "Hooli", "--stage", "contacted", "--owner", "anna",
         "--at", "2026-11-12"],
    ):  # fmt: skip
        do(funnel, "add", *args)
    # No next step: Hooli first, by its priority score (no value: by urgency,
    # docs/metrics.md): idle past its rot limit (×2) and never touched (×2)
    # makes 4, where Initech, entered today, makes 1 × 1 × 2 = 2.
    assert due(funnel) == [
        (1, "today", 0, "2026-11-23"),
        (5, "unscheduled", None, None),
        (3, "unscheduled", None, None),
    ]
    assert due(funnel, "--within", "2") == [
        (1, "today", 0, "2026-11-23"),
        (2, "upcoming", None, "2026-11-24T10:00"),
        (4, "upcoming", None, "2026-11-25"),
        (5, "unscheduled", None, None),
        (3, "unscheduled", None, None),
    ]
    assert due(funnel, "--owner", "ben") == []
    # Hooli: in "contacted" (rot 10) since 2026-11-12, 11 days untouched.
    assert stale(funnel) == [(5, 11, 10)]

    at("2026-11-23T11:00")
    assert do(funnel, "log", "1", "call", "intro call") == (
        "logged call on #1 Acme renewal (lead, 4,800.00 USD); next follow-up 2026-11-26\n"
    )
    assert do(funnel, "log", "3", "email", "sent the proposal") == (
        # proposal's cadence is 5 days: Saturday, so the next working day
        "logged email on #3 Initech upgrade (proposal); next follow-up 2026-11-30\n"
    )
    at("2026-11-23T17:00")
    assert due(funnel) == [(5, "unscheduled", None, None)]

    # -- Tuesday 2026-11-24 -----------------------------------------------------------
    at("2026-11-24T08:30")
    assert due(funnel) == [
        (2, "today", 0, "2026-11-24T10:00"),
        (5, "unscheduled", None, None),
    ]
    assert stale(funnel) == [(5, 12, 10)]
    at("2026-11-24T09:00")
    do(funnel, "log", "5", "call", "first real conversation")  # contacted: +3 days
    assert stale(funnel) == []
    # 10:00 has passed, but a follow-up later than its time is still "today".
    at("2026-11-24T10:30")
    assert due(funnel) == [(2, "today", 0, "2026-11-24T10:00")]
    at("2026-11-24T10:45")
    assert do(funnel, "log", "2", "demo", "ran the demo", "--next", "thu 14:00") == (
        "logged demo on #2 Globex pilot (demo); next follow-up 2026-11-26 14:00\n"
    )
    at("2026-11-24T12:00")
    r = funnel("due", "--check")
    assert (r.exit_code, r.stdout, r.stderr) == (0, "", "")  # nothing: cron mails nothing

    # -- Wednesday 2026-11-25: Umbrella is due, and nobody calls --------------------------
    at("2026-11-25T08:00")
    assert due(funnel) == [(4, "today", 0, "2026-11-25")]

    # -- Thursday 2026-11-26 ----------------------------------------------------------
    at("2026-11-26T08:00")
    assert due(funnel, check=3) == [
        (4, "overdue", 1, "2026-11-25"),
        (1, "today", 0, "2026-11-26"),
        (2, "today", 0, "2026-11-26T14:00"),
    ]
    r = funnel("due", "--check")
    assert r.exit_code == 3
    assert r.stdout == (
        "Due         When              ID  Title             Org       "
        "Stage               Value  Owner\n"
        "overdue 1d  2026-11-25         4  Umbrella support  Umbrella  "
        "negotiation                ben\n"
        "today       2026-11-26         1  Acme renewal      Acme      "
        "lead         4,800.00 USD  anna\n"
        "today       2026-11-26 14:00   2  Globex pilot      Globex    "
        "demo                       ben\n"
    )
    assert due(funnel, "--owner", "anna") == [(1, "today", 0, "2026-11-26")]
    at("2026-11-26T09:00")
    do(funnel, "log", "1", "call", "no answer", "--next", "tomorrow")
    at("2026-11-26T09:30")
    do(funnel, "log", "4", "call", "pricing questions")  # negotiation: +7 days
    at("2026-11-26T15:00")
    do(funnel, "log", "2", "meeting", "agreed scope")  # demo: +5 days
    do(funnel, "move", "2", "proposal")  # a move keeps the follow-up
    at("2026-11-26T16:00")
    assert due(funnel) == []
    assert due(funnel, "--within", "7") == [
        (1, "upcoming", None, "2026-11-27"),
        (5, "upcoming", None, "2026-11-27"),
        (3, "upcoming", None, "2026-11-30"),
        (2, "upcoming", None, "2026-12-01"),
        (4, "upcoming", None, "2026-12-03"),
    ]

    # -- Friday 2026-11-27 ------------------------------------------------------------
    at("2026-11-27T08:00")
    assert due(funnel) == [
        (1, "today", 0, "2026-11-27"),
        (5, "today", 0, "2026-11-27"),
    ]
    at("2026-11-27T08:05")
    assert do(funnel, "snooze", "1", "mon", "--reason", "out until Monday") == (
        "#1 Acme renewal (lead, 4,800.00 USD): snoozed until 2026-11-30\n"
    )
    # The call made before breakfast, entered now: Initech's 5 days count from it.
    do(funnel, "log", "3", "call", "chasing the proposal", "--at", "2026-11-27 07:30")
    do(funnel, "log", "5", "email", "sent references")  # contacted: +3 days
    at("2026-11-27T14:00")
    do(funnel, "won", "4")
    assert due(funnel) == []
    assert due(funnel, "--within", "7") == [
        (5, "upcoming", None, "2026-11-30"),
        (2, "upcoming", None, "2026-12-01"),
        (3, "upcoming", None, "2026-12-02"),
    ]

    # -- the weekend: nothing ------------------------------------------------------------
    for day in ("2026-11-28T09:00", "2026-11-29T09:00"):
        at(day)
        assert due(funnel) == []
        assert stale(funnel) == []

    # -- Monday 2026-11-30: Acme wakes up, due today (not three days late) -------------
    at("2026-11-30T08:00")
    assert due(funnel) == [
        (1, "today", 0, "2026-11-30"),
        (5, "today", 0, "2026-11-30"),
    ]
    assert due(funnel, "--within", "3") == [
        (1, "today", 0, "2026-11-30"),
        (5, "today", 0, "2026-11-30"),
        (2, "upcoming", None, "2026-12-01"),
        (3, "upcoming", None, "2026-12-02"),
    ]
    assert due(funnel, "--owner", "ben") == []
    assert stale(funnel) == []

    r = funnel("list", "--status", "all", "--format", "json")
    assert [(d["id"], d["status"], d["stage"], d["touches"]) for d in r.json()] == [
        (1, "open", "lead", 2),
        (2, "open", "proposal", 2),
        (3, "open", "proposal", 2),
        (4, "won", "negotiation", 1),
        (5, "open", "contacted", 2),
    ]
    r = funnel("show", "2", "--format", "json")
    assert [(a["kind"], a["note"], a["at"]) for a in r.json()["activities"]] == [
        ("demo", "ran the demo", "2026-11-24T10:45:00Z"),
        ("meeting", "agreed scope", "2026-11-26T15:00:00Z"),
    ]
