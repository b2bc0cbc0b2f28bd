"""Issue 12's refactor, attacked where it changed how things are done: one
query finds a deal by number, external id or uuid; one UPDATE sets a deal's
columns and its furthest stage after an event; the journal mode is read with
the schema version. Each holds what the code before it did."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import add, connect, fails, ok, ok_json, show, stage_id


def _furthest(db: Path) -> dict[int, int | None]:
    conn = connect(db)
    try:
        return dict(conn.execute("SELECT id, furthest_stage_id FROM deals").fetchall())
    finally:
        conn.close()


def _stage_id(db: Path, pipeline: str, stage: str) -> int:
    conn = connect(db)
    try:
        return stage_id(conn, pipeline, stage)
    finally:
        conn.close()


def test_furthest_stage_follows_a_pipeline_change_and_its_undo_and_redo(funnel, isolated):
    db = isolated / "funnel.db"
    ok(funnel, "pipeline", "create", "B", "--stages", "b1,b2,b3")
    add(funnel, "D")
    ok(funnel, "move", "1", "negotiation")
    assert _furthest(db)[1] == _stage_id(db, "sales", "negotiation")
    # into B: the furthest stage is B's (the UPDATE sees the old pipeline_id)
    ok(funnel, "edit", "1", "--pipeline", "B", "--stage", "b2")
    assert _furthest(db)[1] == _stage_id(db, "B", "b2")
    ok(funnel, "edit", "1", "--pipeline", "sales", "--stage", "lead")
    assert _furthest(db)[1] == _stage_id(db, "sales", "negotiation")
    ok(funnel, "won", "1")
    ok(funnel, "reopen", "1", "--stage", "demo")
    assert _furthest(db)[1] == _stage_id(db, "sales", "negotiation")
    assert ok_json(funnel, "doctor", quiet=False)["ok"] is True
    for _ in range(4):  # reopen, won, back to sales, into B
        ok(funnel, "undo")
        assert ok_json(funnel, "doctor", quiet=False)["ok"] is True
    assert _furthest(db)[1] == _stage_id(db, "sales", "negotiation")
    assert show(funnel, "1")["stage"] == "negotiation"
    ok(funnel, "undo", "11")  # redo #4, the move into B
    assert show(funnel, "1")["pipeline"] == "B"
    assert _furthest(db)[1] == _stage_id(db, "B", "b2")
    assert ok_json(funnel, "doctor", quiet=False)["ok"] is True


def test_a_deal_ref_is_a_number_else_an_external_id_else_a_uuid(funnel):
    first = add(funnel, "A")
    add(funnel, "B", "--external-id", "1")
    add(funnel, "C", "--external-id", first["uuid"])
    fails(
        funnel,
        1,
        "'1' is deal #1 and also the external id of deal #2: write #1 for the first, "
        "or the other's uuid",
        "show",
        "1",
    )
    assert show(funnel, "#1")["title"] == "A"
    assert show(funnel, " #1 ")["title"] == "A"
    # an external id that is another deal's uuid names the external id's deal
    assert show(funnel, first["uuid"])["title"] == "C"
    for ref in ("#2x", "99999999999999999999", "#99999999999999999999", "١"):
        fails(
            funnel,
            1,
            f"no deal '{ref}' (number, external id, uuid, or part of title/org)",
            "show",
            ref,
        )


def _mode(db: Path) -> str:
    conn = connect(db)
    try:
        return str(conn.execute("PRAGMA journal_mode").fetchone()[0])
    finally:
        conn.close()


@pytest.mark.sqlite_only  # the SQLite file's journal mode
def test_a_rollback_journal_file_turns_wal_on_its_first_write_only(funnel, isolated):
    db = isolated / "funnel.db"
    add(funnel, "A")
    conn = connect(db)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    ok(funnel, "list")
    assert _mode(db) == "delete"
    add(funnel, "B")
    assert _mode(db) == "wal"


@pytest.mark.sqlite_only  # the SQLite file's journal mode
def test_a_foreign_sqlite_file_is_left_in_its_journal_mode(funnel, isolated):
    db = isolated / "funnel.db"
    conn = connect(db)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    message = f"{db} is a SQLite database, but not a funnelcli one"
    fails(funnel, 1, message, "add", "A")
    fails(funnel, 1, message, "list")
    assert _mode(db) == "delete"
