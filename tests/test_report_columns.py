"""What reports read is kept on write: each deal's furthest stage and each ended
stay's length in days. Checked against the history, by hand."""

from __future__ import annotations

import os
from typing import Any

from helpers import connect


def _db() -> Any:
    return connect(os.environ["FUNNEL_DB"])


def _furthest(deal: int) -> str | None:
    row = (
        _db()
        .execute(
            "SELECT s.name FROM deals d LEFT JOIN stages s ON s.id = d.furthest_stage_id "
            "WHERE d.id = ?",
            (deal,),
        )
        .fetchone()
    )
    return row[0]


def test_furthest_stage_follows_moves_back_and_reopen(funnel):
    assert funnel("add", "A", "--at", "2026-11-01").exit_code == 0
    assert _furthest(1) == "lead"
    funnel("move", "1", "demo", "--at", "2026-11-03")
    assert _furthest(1) == "demo"
    funnel("move", "1", "qualified", "--at", "2026-11-05")  # back: furthest stays demo
    assert _furthest(1) == "demo"
    funnel("lost", "1", "--reason", "x", "--at", "2026-11-06")
    funnel("reopen", "1", "--stage", "negotiation", "--at", "2026-11-07")
    assert _furthest(1) == "negotiation"


def test_furthest_stage_follows_the_stage_order(funnel):
    funnel("add", "A", "--at", "2026-11-01")
    funnel("move", "1", "contacted", "--at", "2026-11-02")
    funnel("move", "1", "qualified", "--at", "2026-11-03")
    assert _furthest(1) == "contacted"
    # qualified now comes after contacted, so it is the furthest stage reached.
    assert funnel("stage", "move", "qualified", "--after", "contacted").exit_code == 0
    assert _furthest(1) == "qualified"


def test_furthest_stage_counts_only_the_current_pipeline(funnel):
    funnel("pipeline", "create", "renewals", "--stages", "ask,quote,signed")
    funnel("add", "A", "--stage", "negotiation", "--at", "2026-11-01")
    funnel("edit", "1", "--pipeline", "renewals", "--stage", "ask")
    assert _furthest(1) == "ask"


def test_ended_stays_carry_their_length_in_days(funnel):
    funnel("add", "A", "--at", "2026-11-01")
    funnel("move", "1", "demo", "--at", "2026-11-04T12:00")  # lead: 3.5 days
    funnel("won", "1", "--at", "2026-11-14T12:00")  # demo: 10 days, ended by the win
    rows = (
        _db()
        .execute(
            "SELECT s.name, st.days FROM stage_stays st JOIN stages s ON s.id = st.stage_id "
            "ORDER BY st.id"
        )
        .fetchall()
    )
    assert rows == [("lead", 3.5), ("demo", 10.0)]
    funnel("reopen", "1", "--at", "2026-11-20")  # a new stay, not ended yet
    assert _db().execute("SELECT count(*), count(days) FROM stage_stays").fetchone() == (3, 2)


def test_a_removed_stage_no_longer_counts_as_furthest(funnel):
    funnel("add", "X", "--at", "2026-11-01")
    funnel("move", "1", "contacted", "--at", "2026-11-02")
    funnel("move", "1", "lead", "--at", "2026-11-03")
    assert _furthest(1) == "contacted"
    assert funnel("stage", "remove", "contacted").exit_code == 0
    # Its history still names contacted, but of the stages that exist, lead is
    # the furthest it reached.
    assert _furthest(1) == "lead"
