"""`funnel board`: one column per stage, deals with value and follow-up marks."""

from __future__ import annotations


def test_board_plain_and_json(funnel, monkeypatch):
    monkeypatch.setenv("FUNNEL_NOW", "2026-11-20T09:00")
    funnel("add", "Acme", "--value", "4800", "--follow-up", "2026-11-21")
    funnel("add", "Globex", "--stage", "demo", "--follow-up", "2026-11-23")
    funnel("add", "Initech", "--stage", "demo")
    funnel("add", "Gone", "--stage", "demo")
    funnel("lost", "4", "--reason", "x")  # closed deals are not on the board
    monkeypatch.setenv("FUNNEL_NOW", "2026-11-23T10:15")
    r = funnel("board")
    assert r.exit_code == 0, r.stderr
    assert r.stdout == (
        "lead (1)\n"
        "  #1 Acme · 4,800.00 USD · !2026-11-21\n"  # overdue
        "qualified (0)\n"
        "contacted (0)\n"
        "demo (2)\n"
        "  #2 Globex · *2026-11-23\n"  # due today
        "  #3 Initech\n"
        "proposal (0)\n"
        "negotiation (0)\n"
    )
    board = funnel("board", "--format", "json").json()
    assert board["pipeline"] == "sales"
    cells = {s["stage"]: [(d["id"], d["follow_up_mark"]) for d in s["deals"]]
             for s in board["stages"]}  # fmt: skip
    assert cells == {
        "lead": [(1, "!")], "qualified": [], "contacted": [], "demo": [(2, "*"), (3, None)],
        "proposal": [], "negotiation": [],
    }  # fmt: skip
    assert funnel("board", "--format", "csv").exit_code == 2
    assert funnel("board", "--pipeline", "nope").exit_code == 1
