"""m011 (team schema 6): the won deals by close time, indexed (`deals_won`,
partial: won deals only). A database from before it (SQLite schema 10, team
schema 5) is brought up by the next command with every figure as it was and
its change log still undoable; the statements it is for read it."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from funnelcli.store.reports import ReportStore, Window
from helpers import add, ok, ok_json, raw_connection, redo, report, team_url


def _pipeline(funnel: Any, at: Any) -> None:
    """Deals won before and inside a --since 30d window (since 2026-10-24),
    one lost in it, touches before and after the wins."""
    at("2026-09-01T09:00")
    for title in ("Acme", "Globex", "Initech", "Umbrella"):
        add(funnel, title, "--value", "1000")
    ok(funnel, "log", "1", "call", "first call")
    ok(funnel, "log", "2", "meeting", "kick-off")
    at("2026-10-01T09:00")
    ok(funnel, "won", "1")  # 30 days, before the window
    at("2026-11-10T09:00")
    ok(funnel, "log", "2", "call", "terms")
    ok(funnel, "won", "2", "--value", "2500")  # 70 days, in the window, 2 touches
    ok(funnel, "lost", "3", "--reason", "price")
    at("2026-11-20T09:00")
    ok(funnel, "won", "4")  # 80 days, in it, no touch: the last change


def _figures(funnel: Any) -> Any:
    return (
        report(funnel, "metrics", "--since", "30d"),
        report(funnel, "metrics"),
        report(funnel, "metrics", "--since", "30d", "--by", "owner"),
        report(funnel, "metrics", "--since", "90d", "--per", "month"),
    )


def _back_to_10(db: Path) -> None:
    """The database as schema 10 (team schema 5) left it: without deals_won."""
    with contextlib.closing(raw_connection(db)) as conn:
        conn.execute("DROP INDEX deals_won")
        if team_url(db) is None:
            conn.execute("DELETE FROM _sqlite_migrations WHERE name LIKE 'm011_%'")
            conn.execute("PRAGMA user_version = 10")
        else:
            conn.execute("UPDATE funnel_schema SET version = 5")


def _has_index(db: Path) -> bool:
    with contextlib.closing(raw_connection(db)) as conn:
        if team_url(db) is None:
            sql = "SELECT count(*) FROM sqlite_master WHERE name = 'deals_won'"
        else:
            sql = "SELECT count(*) FROM pg_indexes WHERE indexname = 'deals_won'"
        return bool(conn.execute(sql).fetchone()[0])


def test_an_older_database_gets_the_index_and_keeps_its_figures_and_undo(
    funnel: Any, at: Any, isolated: Path
) -> None:
    db = isolated / "funnel.db"
    _pipeline(funnel, at)
    before = _figures(funnel)
    # by hand: won in the window #2 (70 days, 2 touches) and #4 (80, none);
    # all time #1 too (30 days, 1 touch)
    window, always = before[0][0], before[1][0]
    assert (window["won"], window["sales_cycle_days"], window["avg_touches_per_won_deal"]) == (
        2,
        75,
        1,
    )
    assert (always["won"], always["sales_cycle_median_days"]) == (3, 70)
    assert window["won_value"] == 3500
    _back_to_10(db)
    assert not _has_index(db)
    assert _figures(funnel) == before  # the first command brought it up
    assert _has_index(db)
    # the change made before the upgrade undoes, and redoes, across it
    undone = ok(funnel, "undo")
    assert ok_json(funnel, "show", "4")["status"] == "open"
    assert report(funnel, "metrics", "--since", "30d")[0]["won"] == 1
    redo(funnel, undone)  # undoing the undo
    assert _figures(funnel) == before
    ok(funnel, "doctor")


@pytest.mark.sqlite_only
def test_the_sales_cycle_reads_the_index_alone(funnel: Any, at: Any, isolated: Path) -> None:
    """SQLite's plan (EXPLAIN QUERY PLAN) of the sales cycle over the deals
    won in a window, as the store writes it: a covering range of deals_won,
    no row of the table read. (The touches per win are a subquery of the
    deals scan on SQLite; apart, _won_touches, on PostgreSQL.)"""
    _pipeline(funnel, at)
    conn = sqlite3.connect(isolated / "funnel.db")
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    store = ReportStore(conn)  # type: ignore[arg-type]
    w = Window(since="2026-10-24T00:00:00Z")
    assert store.cycle_days(w) == {"USD": (150.0, 75.0)}
    conn.set_trace_callback(None)
    (sql,) = statements
    plan = str(conn.execute("EXPLAIN QUERY PLAN " + sql, w.params()).fetchall())
    assert "COVERING INDEX deals_won (status=? AND closed_at>?)" in plan, plan
