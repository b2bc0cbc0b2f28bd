"""m010 (team schema 5): the stays by leave time and the hand-offs by
receiver, indexed. A database from before it (SQLite schema 9, team schema
4) is brought up by the next command with every figure as it was and its
change log still undoable; the statements they are for read them."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from helpers import add, ok, ok_json, raw_connection, redo, report, team_url

NEW = ("stage_stays_left", "handoffs_to")


def _pipeline(funnel: Any, at: Any) -> None:
    """Stays ended before and inside a --since 30d window, and hand-offs to
    Bob (under two spellings) and to Ann."""
    ok(funnel, "stage", "set", "proposal", "--owner", "Bob")
    at("2026-09-01T09:00")
    for title in ("Acme", "Globex", "Initech"):
        add(funnel, title, "--value", "1000")
    ok(funnel, "move", "1", "qualified")
    at("2026-10-01T09:00")
    ok(funnel, "move", "1", "proposal")  # to Bob
    ok(funnel, "move", "2", "qualified")
    at("2026-11-10T09:00")
    ok(funnel, "stage", "set", "proposal", "--owner", "bob")
    ok(funnel, "move", "2", "proposal")  # to bob: the same receiver
    ok(funnel, "move", "3", "demo")
    ok(funnel, "stage", "set", "negotiation", "--owner", "Ann")
    at("2026-11-20T09:00")
    ok(funnel, "won", "2")
    ok(funnel, "move", "1", "negotiation")  # to Ann: the last change


def _figures(funnel: Any) -> Any:
    return (
        report(funnel, "funnel", "--since", "30d"),
        report(funnel, "funnel"),
        report(funnel, "metrics", "--since", "30d"),
        ok_json(funnel, "inbox", "--owner", "BOB", "--peek", "--all"),
        ok_json(funnel, "inbox", "--owner", "ann", "--peek", "--all"),
    )


def _back_to_9(db: Path) -> None:
    """The database as schema 9 (team schema 4) left it: without m010's
    indexes, nor m011's (test_m011_indexes.py) made since."""
    with contextlib.closing(raw_connection(db)) as conn:
        for name in (*NEW, "deals_won"):
            conn.execute(f"DROP INDEX {name}")
        if team_url(db) is None:
            conn.execute(
                "DELETE FROM _sqlite_migrations WHERE name LIKE 'm010_%' OR name LIKE 'm011_%'"
            )
            conn.execute("PRAGMA user_version = 9")
        else:
            conn.execute("UPDATE funnel_schema SET version = 4")


def _indexes(db: Path) -> set[str]:
    with contextlib.closing(raw_connection(db)) as conn:
        if team_url(db) is None:
            rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
        else:
            rows = conn.execute(
                "SELECT indexname::text FROM pg_indexes WHERE schemaname = current_schema()"
            )
        return {r[0] for r in rows} & set(NEW)


def test_an_older_database_gets_the_indexes_and_keeps_its_figures_and_undo(
    funnel: Any, at: Any, isolated: Path
) -> None:
    db = isolated / "funnel.db"
    _pipeline(funnel, at)
    before = _figures(funnel)
    # the figures are what the deals say: in qualified, #1 stayed 30 days (left
    # 2026-10-01, before the window: since 2026-10-24) and #2 40 (left in it)
    window = {s["stage"]: s["avg_days_in_stage"] for s in before[0]["stages"]}
    always = {s["stage"]: s["avg_days_in_stage"] for s in before[1]["stages"]}
    assert (window["qualified"], always["qualified"]) == (40, 35)
    assert [h["deal_id"] for h in before[3]] == [1, 2]  # Bob's and bob's
    assert [h["deal_id"] for h in before[4]] == [1]
    _back_to_9(db)
    assert _indexes(db) == set()
    assert _figures(funnel) == before  # the first command brought it up
    assert _indexes(db) == set(NEW)
    # the change made before the upgrade undoes, and redoes, across it
    undone = ok(funnel, "undo")
    assert ok_json(funnel, "show", "1")["stage"] == "proposal"
    assert ok_json(funnel, "inbox", "--owner", "ann", "--peek", "--all") == []
    redo(funnel, undone)  # undoing the undo
    assert _figures(funnel) == before
    ok(funnel, "doctor")


@pytest.mark.sqlite_only
def test_the_statements_read_the_new_indexes(funnel: Any, at: Any, isolated: Path) -> None:
    """SQLite's plans (EXPLAIN QUERY PLAN): days in stage in a window ranges
    over stage_stays_left, the inbox over handoffs_to."""
    _pipeline(funnel, at)
    conn = sqlite3.connect(isolated / "funnel.db")
    # (funnel never ANALYZEs a file: SQLite plans with its default estimates)
    stays = conn.execute(
        "EXPLAIN QUERY PLAN SELECT count(*), sum(st.days) FROM stage_stays st "
        "WHERE st.stage_id = 2 AND st.days IS NOT NULL "
        "AND (st.left_at IS NOT NULL AND st.left_at >= '2026-10-24T00:00:00Z')"
    ).fetchall()
    assert "COVERING INDEX stage_stays_left (stage_id=? AND left_at>?)" in str(stays)
    from funnelcli.store.handoffs import _SELECT

    inbox = conn.execute(
        "EXPLAIN QUERY PLAN " + _SELECT + " WHERE lower(h.to_owner) = 'bob' ORDER BY h.id"
    ).fetchall()
    assert "SEARCH h USING INDEX handoffs_to (<expr>=?)" in str(inbox)
