"""Follow-ups that don't cry wolf (issue 13): a snoozed deal is due on its
wake-up day and nowhere overdue before it; an internal note is no touch; a
mistyped kind is an error with a suggestion.

FUNNEL_NOW is 2026-11-23T10:15:00 (a Monday) unless a test sets it, TZ=UTC.
"""

from __future__ import annotations

from typing import Any

import pytest

from helpers import add, dump, fails, follow_up, ok_json, show


def clock(monkeypatch: pytest.MonkeyPatch, when: str) -> None:
    monkeypatch.setenv("FUNNEL_NOW", when)


def due(funnel: Any, *args: str) -> list[tuple[Any, ...]]:
    return [
        (d["id"], d["due_state"], d["days_overdue"], follow_up(d))
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
    assert follow_up(deal) == "2026-12-15T10:00"
    clock(monkeypatch, "2026-12-01T08:00")
    assert due(funnel) == []
    assert due(funnel, "--within", "14") == [(1, "upcoming", None, "2026-12-15T10:00")]


def test_a_follow_up_set_while_snoozed_is_not_late_before_the_wake_up_day(funnel, monkeypatch):
    add(funnel, "Acme", "--stage", "demo")
    ok_json(funnel, "snooze", "1", "2026-12-10")
    ok_json(funnel, "log", "1", "call", "they called us")  # the demo stage's cadence
    nxt = show(funnel, "1")["next_follow_up"]
    assert "2026-11-28" <= nxt < "2026-12-05"
    clock(monkeypatch, "2026-12-05T08:00")
    assert marks(funnel)[1] is None
    assert due(funnel) == []
    clock(monkeypatch, "2026-12-10T08:00")
    assert marks(funnel)[1] == "*"
    assert due(funnel) == [(1, "today", 0, nxt)]


def test_a_touch_on_a_snoozed_deal_says_when_it_is_due(funnel):
    add(funnel, "Acme", "--stage", "demo")
    ok_json(funnel, "snooze", "1", "2026-12-10")
    r = funnel("log", "1", "call", "they called us")
    assert r.exit_code == 0
    nxt = show(funnel, "1")["next_follow_up"]
    assert nxt < "2026-12-10"
    assert f"next follow-up {nxt}" in r.stderr
    assert "(snoozed: due 2026-12-10, when it wakes)" in r.stderr
    # Awake, or with a follow-up after the wake-up day: nothing to add.
    r = funnel("follow-up", "1", "2026-12-15")
    assert r.exit_code == 0 and "snoozed" not in r.stderr
    # Cleared: it wakes up with no next step, so nothing is promised for that day.
    r = funnel("follow-up", "1", "--clear")
    assert r.exit_code == 0
    assert "no next follow-up (snoozed until 2026-12-10)" in r.stderr
    ok_json(funnel, "snooze", "1", "--clear")
    r = funnel("log", "1", "email")
    assert r.exit_code == 0 and "snoozed" not in r.stderr


def test_a_snooze_shortened_to_an_earlier_day_is_due_that_day(funnel, monkeypatch):
    clock(monkeypatch, "2026-12-07T09:00")
    add(funnel, "Stark renewal", "--follow-up", "2026-12-08")
    ok_json(funnel, "snooze", "1", "2027-01-15")  # a typo: Friday was meant
    deal = ok_json(funnel, "snooze", "1", "2026-12-11")
    assert (deal["snoozed_until"], deal["next_follow_up"]) == ("2026-12-11", "2026-12-11")
    clock(monkeypatch, "2026-12-11T09:00")
    assert due(funnel) == [(1, "today", 0, "2026-12-11")]
    # Longer again: the wake-up day moves with it; a planned follow-up after it stays.
    deal = ok_json(funnel, "snooze", "1", "2026-12-18")
    assert deal["next_follow_up"] == "2026-12-18"
    ok_json(funnel, "follow-up", "1", "2027-01-04")
    deal = ok_json(funnel, "snooze", "1", "2026-12-14")
    assert (deal["snoozed_until"], deal["next_follow_up"]) == ("2026-12-14", "2027-01-04")


def test_a_deal_due_by_its_wake_up_day_shows_that_day(funnel, monkeypatch):
    clock(monkeypatch, "2026-12-07T09:00")
    add(funnel, "Snoozy", "--follow-up", "2026-12-08")
    ok_json(funnel, "snooze", "1", "2026-12-10")
    clock(monkeypatch, "2026-12-08T09:00")
    ok_json(funnel, "follow-up", "1", "tomorrow")  # the 9th, while it sleeps
    for now, state, days in (("2026-12-10T09:00", "today", 0), ("2026-12-11T09:00", "overdue", 1)):
        clock(monkeypatch, now)
        [item] = ok_json(funnel, "due")
        assert (item["due_state"], item["days_overdue"]) == (state, days)
        assert (item["due_on"], item["next_follow_up"]) == ("2026-12-10", "2026-12-09")
        line = funnel("due").stdout.splitlines()[1]
        assert "2026-12-10" in line and "2026-12-09" not in line
    # Due by its own follow-up: the follow-up, with its time.
    ok_json(funnel, "follow-up", "1", "2026-12-11 15:00")
    [item] = ok_json(funnel, "due")
    assert item["due_on"] == "2026-12-11"
    assert "2026-12-11 15:00" in funnel("due").stdout


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


# -- touches: contact with the customer, not an internal note ---------------------------


def stale_ids(funnel: Any) -> list[int]:
    return [d["id"] for d in ok_json(funnel, "stale")]


def test_an_internal_note_is_no_touch(funnel, monkeypatch):
    clock(monkeypatch, "2026-11-01T11:00")
    add(funnel, "Acme", "--note", "met at the fair")  # lead: rot after 14 days
    clock(monkeypatch, "2026-11-23T10:15")
    add(funnel, "Globex", "--stage", "demo", "--follow-up", "2026-11-30")
    ok_json(funnel, "log", "2", "call", "intro", "--no-next")
    assert stale_ids(funnel) == [1]
    ok_json(funnel, "edit", "1", "--note", "ask finance about the discount")
    ok_json(funnel, "log", "1", "note", "internal: CFO is new")
    ok_json(funnel, "log", "2", "NOTE", "internal: legal is slow")
    # a note neither makes a deal fresh nor counts as a touch, nor moves the schedule
    assert stale_ids(funnel) == [1]
    acme, globex = show(funnel, "1"), show(funnel, "2")
    assert (acme["touches"], acme["last_activity_at"], acme["next_follow_up"]) == (0, None, None)
    assert len(acme["activities"]) == 3  # all kept and shown
    assert (globex["touches"], globex["last_activity_at"], globex["next_follow_up"]) == (
        1,
        "2026-11-23T10:15:00Z",
        None,
    )
    stale_row = next(d for d in ok_json(funnel, "stale") if d["id"] == 1)
    assert stale_row["idle_days"] == 22
    # `move --note` keeps its note on the stage event: no activity, no touch
    clock(monkeypatch, "2026-11-24T09:00")
    ok_json(funnel, "move", "2", "proposal", "--note", "waiting for legal")
    globex = show(funnel, "2")
    assert (globex["touches"], len(globex["activities"])) == (1, 2)
    # a contact is a touch
    ok_json(funnel, "log", "1", "call", "follow-up call")
    acme = show(funnel, "1")
    assert (acme["touches"], acme["last_activity_at"]) == (1, "2026-11-24T09:00:00Z")
    assert stale_ids(funnel) == []
    assert funnel("doctor").exit_code == 0


def test_touches_per_win_count_no_notes(funnel):
    add(funnel, "Acme", "--at", "2026-11-02", "--note", "from the fair")
    ok_json(funnel, "log", "1", "call", "--at", "2026-11-03")
    ok_json(funnel, "log", "1", "note", "pricing approved internally", "--at", "2026-11-04")
    ok_json(funnel, "log", "1", "email", "--at", "2026-11-05")
    ok_json(funnel, "won", "1", "--at", "2026-11-06")
    metrics = ok_json(funnel, "report", "metrics")
    assert [r["avg_touches_per_won_deal"] for r in metrics] == [2.0]


def test_show_says_a_deal_is_snoozed_until_when_and_why(funnel):
    add(funnel, "Acme")
    ok_json(funnel, "snooze", "1", "2027-01-15", "--reason", "budget opens in January")
    text = funnel("show", "1").stdout
    assert "  snoozed until  2027-01-15 (budget opens in January)\n" in text
    ok_json(funnel, "snooze", "1", "--clear")
    assert "snoozed" not in funnel("show", "1").stdout
