"""The priority score (docs/metrics.md, "priority score"): each part and the
order of `list --sort score`, `show` and `due`, against figures worked out by
hand; the same in every time zone, on both engines."""

from __future__ import annotations

import pytest

from conftest import NOW
from funnelcli.services.score import Score
from helpers import ERROR

# The clock is conftest's NOW, 2026-11-23 10:15. Stages of the default
# pipeline: lead 10 % / rot 14 days, demo 50 % / rot 14.
DEALS: list[tuple[str, ...]] = [
    # 1 A: lead since 13 Nov, no touch, no follow-up
    ("add", "A", "--value", "1000", "--at", "2026-11-13"),
    # 2 B: demo since 20 Nov, two calls on 21 Nov (a note is no touch), due 20 Nov
    ("add", "B", "--value", "2000", "--at", "2026-11-20"),
    ("move", "2", "demo", "--at", "2026-11-20"),
    ("log", "2", "call", "--at", "2026-11-21", "--no-next"),
    ("log", "2", "email", "--at", "2026-11-21T09:00", "--no-next"),
    ("log", "2", "note", "internal", "--at", "2026-11-22", "--no-next"),
    ("@", "2026-11-19T12:00"),  # a follow-up set then, for 20 Nov
    ("follow-up", "2", "2026-11-20"),
    ("@", NOW),
    # 3 C: no value, lead since 1 Oct
    ("add", "C", "--at", "2026-10-01"),
    # 4 D: in euros, added today
    ("add", "D", "--value", "500", "--currency", "EUR", "--at", "2026-11-23"),
    # 5 E: the deal's own probability is 0
    ("add", "E", "--value", "3000", "--probability", "0", "--at", "2026-11-23"),
    # 6 F: idle since 1 Oct but snoozed until 1 Dec: parked, not idle
    ("add", "F", "--value", "1000", "--at", "2026-10-01"),
    ("snooze", "6", "2026-12-01"),
    # 7 G: won, so no score
    ("add", "G", "--value", "100", "--at", "2026-11-01"),
    ("won", "7", "--at", "2026-11-02"),
]

# By hand: expected value × (1 + idle/rot) × (1 + overdue/5) × (1 + (5 − touches)/5).
#   A: 100.00 × (1 + 10/14) × 1 × 2         = 342.857… → 342.86 USD
#   B: 1,000.00 × (1 + 2/14) × 1.6 × 1.6    = 2,925.714… → 2,925.71 USD
#   C: no value: no score; urgency 2 × 1 × 2 = 4
#   D: 50.00 EUR × 1 × 1 × 2                = 100.00 EUR
#   E: 0.00 × 1 × 1 × 2                     = 0
#   F: 100.00 × 1 (snoozed) × 1 × 2         = 200.00 USD
EXPECTED = {
    1: (342.86, {"idle_days": 10, "rot_days": 14, "days_overdue": 0, "touches": 0}),
    2: (2925.71, {"idle_days": 2, "rot_days": 14, "days_overdue": 3, "touches": 2}),
    3: (None, {"idle_days": 53, "rot_days": 14, "days_overdue": 0, "touches": 0}),
    4: (100, {"idle_days": 0, "rot_days": 14, "days_overdue": 0, "touches": 0}),
    5: (0, {"idle_days": 0, "rot_days": 14, "days_overdue": 0, "touches": 0}),
    6: (200, {"idle_days": 0, "rot_days": 14, "days_overdue": 0, "touches": 0}),
}
# Scores in one currency are compared, not across currencies (EUR, then
# USD), highest first; a deal without a score last.
ORDER = [4, 2, 1, 6, 5, 3]


def build(funnel, monkeypatch, zone: str | None = None) -> None:
    if zone is not None:
        assert funnel("config", "set", "timezone", zone).exit_code == 0
    for args in DEALS:
        if args[0] == "@":
            monkeypatch.setenv("FUNNEL_NOW", args[1])
            continue
        run = funnel(*args)
        assert run.exit_code == 0, (args, run.stderr)


def ranked(funnel, *args: str) -> list[dict]:
    run = funnel("list", "--sort", "score", "--explain", *args, "--format", "json")
    assert run.exit_code == 0, run.stderr
    return run.json()  # type: ignore[return-value]


def check_hand_case(got: list[dict]) -> None:
    assert [d["id"] for d in got] == ORDER
    for d in got:
        score, parts = EXPECTED[d["id"]]
        assert d["score"] == score, d["id"]
        assert {k: d["score_parts"][k] for k in parts} == parts, d["id"]


@pytest.mark.parametrize("zone", [None, "Pacific/Auckland", "America/Los_Angeles"])
def test_score_by_hand(funnel, monkeypatch, zone):
    # the process's own TZ is never the database's
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    build(funnel, monkeypatch, zone)
    got = ranked(funnel)
    check_hand_case(got)
    b = next(d for d in got if d["id"] == 2)["score_parts"]
    assert b == {
        "expected_value": 1000,
        "probability": 50,
        "idle_days": 2,
        "rot_days": 14,
        "idle_factor": 1.1429,
        "days_overdue": 3,
        "overdue_factor": 1.6,
        "touches": 2,
        "touch_factor": 1.6,
        "urgency": 2.9257,
    }
    c = next(d for d in got if d["id"] == 3)["score_parts"]
    assert c["expected_value"] is None
    assert c["urgency"] == 4


def test_score_limit_and_filters(funnel, monkeypatch):
    build(funnel, monkeypatch)
    assert [d["id"] for d in ranked(funnel, "--limit", "2")] == ORDER[:2]
    assert [d["id"] for d in ranked(funnel, "--stage", "lead")] == [4, 1, 6, 5, 3]
    # without --explain: the score, no parts
    run = funnel("list", "--sort", "score", "--format", "json", "--limit", "1")
    (first,) = run.json()  # type: ignore[misc]
    assert first["score"] == 100 and "score_parts" not in first
    # the table: the score in money beside the value, the parts with --explain
    table = funnel("list", "--sort", "score", "--explain").stdout.splitlines()
    assert "Score" in table[0] and "Idle" in table[0] and "Touches" in table[0]
    assert "2,925.71 USD" in table[2] and "2/14d ×1.14" in table[2] and "3d ×1.60" in table[2]
    assert "no value" in table[-1]


def test_show_explains_the_score(funnel, monkeypatch):
    build(funnel, monkeypatch)
    text = funnel("show", "2").stdout
    assert "score          2,925.71 USD" in text
    assert (
        "2,000.00 USD × 50% = 1,000.00 USD expected; × idle 1.14 (2 of 14 rot days)"
        " × overdue 1.60 (3 days) × touches 1.60 (2 of 5) = 2,925.71 USD"
    ) in " ".join(text.split())
    # `list` ranks in SQL (store/score.py), `show` and `due` score in Python
    # (services/score.py): the same numbers, deal by deal
    for listed in ranked(funnel):
        shown = funnel("show", str(listed["id"]), "--format", "json").json()
        assert shown["score"] == listed["score"]  # type: ignore[index]
        assert shown["score_parts"] == listed["score_parts"]  # type: ignore[index]
    won = funnel("show", "7", "--format", "json").json()
    assert won["score"] is None and won["score_parts"] is None  # type: ignore[index]
    assert "score" not in funnel("show", "7").stdout


def test_due_orders_each_group_by_score(funnel, monkeypatch):
    build(funnel, monkeypatch)
    monkeypatch.setenv("FUNNEL_NOW", "2026-11-19T12:00")
    assert funnel("follow-up", "1", "2026-11-22").exit_code == 0  # overdue 1 day
    monkeypatch.setenv("FUNNEL_NOW", NOW)
    for deal in ("4", "5"):
        assert funnel("follow-up", deal, "2026-11-23").exit_code == 0
    got = funnel("due", "--format", "json").json()
    states = [(d["due_state"], d["id"]) for d in got]  # type: ignore[index]
    # overdue: B (2,925.71 USD) before A (A: 100 × 24/14 × 1.2 × 2 = 411.43);
    # today: D (EUR) before E (USD, 0); no next step: C has no score
    assert states == [
        ("overdue", 2),
        ("overdue", 1),
        ("today", 4),
        ("today", 5),
        ("unscheduled", 3),
    ]
    assert [d["score"] for d in got] == [2925.71, 411.43, 100, 0, None]  # type: ignore[index]


def test_score_factors_are_capped():
    s = Score("USD", 10000, 50, idle_days=40, rot_days=10, days_overdue=9, touches=7, score=None)
    assert (s.idle_factor, s.overdue_factor, s.touch_factor, s.urgency) == (2, 2, 1, 4)
    assert s.expected_value == 5000


def test_score_usage_errors(funnel, monkeypatch):
    build(funnel, monkeypatch)
    run = funnel("list", "--explain")
    assert run.exit_code == 2 and run.stderr.startswith(ERROR + "--explain explains")
    run = funnel("list", "--sort", "-score")
    assert run.exit_code == 1 and "highest first already" in run.stderr
