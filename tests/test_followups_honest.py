"""Follow-ups that don't cry wolf (issue 13): a snoozed deal is due on its
wake-up day and nowhere overdue before it; an internal note is no touch; a
mistyped kind is an error with a suggestion.

FUNNEL_NOW is 2026-11-23T10:15:00 (a Monday) unless a test sets it, TZ=UTC.
"""

from __future__ import annotations

from typing import Any

import pytest

from helpers import add, dump, fails, ok_json, show


def clock(monkeypatch: pytest.MonkeyPatch, when: str) -> None:
    monkeypatch.setenv("FUNNEL_NOW", when)


def due(funnel: Any, *args: str) -> list[tuple[Any, ...]]:
    return [
        (d["id"], d["due_state"], d["days_overdue"], d["next_follow_up"])
        for d in ok_json(funnel, "due", *args)
    ]


def marks(funnel: Any) -> dict[int, str | None]:
    board = ok_json(funnel, "board")
    return {d["id"]: d["follow_up_mark"] for s in board["stages"] for d in s["deals"]}


# -- snooze -----------------------------------------------------------------------------


def test_a_snoozed_deal_is_due_on_its_wake_up_day_and_never_overdue_before(funnel, monkeypatch):
    clock(monkeypatch, "2026-11-30T09:00")
    for title in ("Acme", "Globex", "Initech", "Umbrella"):
        add(funnel, title)
    add(funnel, "Hooli", "--follow-up", "2026-12-09")  # #5: due 37 days before Jan 15
    clock(monkeypatch, "2026-12-10T09:00")
    assert marks(funnel)[5] == "!"
    deal = ok_json(funnel, "snooze", "5", "2027-01-15")
    # The wake-up day is its next follow-up now, and its JSON says so.
    assert (deal["snoozed_until"], deal["next_follow_up"]) == ("2027-01-15", "2027-01-15")
    for now in ("2026-12-10T09:00", "2027-01-14T23:59"):
        clock(monkeypatch, now)
        assert marks(funnel)[5] is None
        assert 5 not in [i[0] for i in due(funnel, "--within", "400")]
        assert funnel("due", "--check").exit_code == 0
    clock(monkeypatch, "2027-01-15T08:00")
    assert marks(funnel)[5] == "*"
    assert due(funnel)[0] == (5, "today", 0, "2027-01-15")
    r = funnel("due")
    assert "overdue" not in r.stdout and "today" in r.stdout
    assert funnel("due", "--check").exit_code == 0
    # A day later it is one day late, by its wake-up day.
    clock(monkeypatch, "2027-01-16T08:00")
    assert due(funnel)[0] == (5, "overdue", 1, "2027-01-15")
    assert marks(funnel)[5] == "!"


def test_an_unscheduled_snoozed_deal_wakes_up_due(funnel, monkeypatch):
    add(funnel, "Acme")
    ok_json(funnel, "snooze", "1", "wed")
    clock(monkeypatch, "2026-11-25T08:00")
    assert due(funnel) == [(1, "today", 0, "2026-11-25")]


def test_a_follow_up_planned_after_the_wake_up_day_stands(funnel, monkeypatch):
    add(funnel, "Acme", "--follow-up", "2026-12-15 10:00")
    deal = ok_json(funnel, "snooze", "1", "2026-12-01")
    assert deal["next_follow_up"] == "2026-12-15T10:00"
    clock(monkeypatch, "2026-12-01T08:00")
    assert due(funnel) == []
    assert due(funnel, "--within", "14") == [(1, "upcoming", None, "2026-12-15T10:00")]


def test_a_follow_up_set_while_snoozed_is_not_late_before_the_wake_up_day(funnel, monkeypatch):
    add(funnel, "Acme", "--stage", "demo")
    ok_json(funnel, "snooze", "1", "2026-12-10")
    ok_json(funnel, "log", "1", "call", "they called us")  # cadence: 2026-11-28
    assert show(funnel, "1")["next_follow_up"] == "2026-11-28"
    clock(monkeypatch, "2026-12-05T08:00")
    assert marks(funnel)[1] is None
    assert due(funnel) == []
    clock(monkeypatch, "2026-12-10T08:00")
    assert marks(funnel)[1] == "*"
    assert due(funnel) == [(1, "today", 0, "2026-11-28")]


def test_waking_a_deal_early_makes_it_due_today(funnel, monkeypatch):
    add(funnel, "Acme", "--follow-up", "today")
    clock(monkeypatch, "2026-11-25T08:00")  # overdue 2d when snoozed
    ok_json(funnel, "snooze", "1", "2027-01-11")
    clock(monkeypatch, "2026-12-01T08:00")
    deal = ok_json(funnel, "snooze", "1", "--clear")
    assert (deal["snoozed_until"], deal["next_follow_up"]) == (None, "2026-12-01")
    assert due(funnel) == [(1, "today", 0, "2026-12-01")]


def test_undo_of_a_snooze_brings_back_the_follow_up(funnel):
    add(funnel, "Acme", "--follow-up", "tomorrow")
    ok_json(funnel, "snooze", "1", "2027-01-11")
    assert funnel("undo").exit_code == 0
    deal = show(funnel, "1")
    assert (deal["snoozed_until"], deal["next_follow_up"]) == (None, "2026-11-24")


# -- kinds ------------------------------------------------------------------------------


def test_a_mistyped_kind_is_refused_with_the_closest_known_one(funnel, isolated):
    add(funnel, "Acme")
    add(funnel, "Globex")
    before = dump(isolated / "funnel.db")
    hint = "add one with `funnel config set activity_kinds KIND,…`"
    known = "known: call, email, meeting, message, demo, note"
    fails(
        funnel,
        1,
        f"unknown activity kind 'emial' (did you mean email? {known}; {hint})",
        "log",
        "2",
        "emial",
        "intro",
    )
    fails(funnel, 1, f"unknown activity kind 'xyzzy' ({known}; {hint})", "log", "2", "xyzzy")
    assert dump(isolated / "funnel.db") == before
    for kind in ("call", "email", "meeting", "message", "demo", "note"):
        ok_json(funnel, "log", "2", kind)
    run = funnel("config", "set", "activity_kinds", "visit")
    assert run.exit_code == 0, run.stderr
    ok_json(funnel, "log", "2", "visit")
    fails(funnel, 1, f"unknown activity kind 'vist' (did you mean visit? {known}, visit; {hint})",
          "log", "2", "vist")  # fmt: skip


def test_log_imports_difflib_only_for_an_unknown_kind():
    import subprocess
    import sys

    code = "import sys, funnelcli.services.followups as f; print('difflib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
