"""Floor for `funnel move DEAL STAGE`: the same statements funnelcli runs.

Connect (timeout 30, autocommit; foreign_keys ON, synchronous FULL; read
user_version; journal_mode WAL), BEGIN IMMEDIATE, open a change (m004's
`changes`), find the deal (SELECT id by number and by external id/uuid, then DEAL_SELECT), read
its pipeline and stages, match the stage name, read the last event's time,
INSERT the stage event, close the open stay (with its days) and open a new
one, refresh the furthest stage, UPDATE the deal, refresh the furthest
stage again, SELECT it back, close the change, COMMIT, write "moved #ID
TITLE (STAGE, VALUE)" to stderr.
"""

import os
import sqlite3
import sys
from datetime import UTC, datetime

import typer
from floor_sql import (
    BY_NUMBER,
    BY_REF,
    DEAL_SELECT,
    REFRESH_FURTHEST,
    begin_change,
    end_change,
)

app = typer.Typer(add_completion=False)


@app.callback()
def root() -> None:
    """Floor for move."""


@app.command("move")
def move(deal: str, stage: str) -> None:
    now = datetime.fromisoformat(os.environ["FUNNEL_NOW"])
    stamp = now.astimezone().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    conn = sqlite3.connect(os.environ["FUNNEL_DB"], timeout=30.0, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA user_version").fetchone()
    conn.execute("PRAGMA journal_mode = WAL").fetchone()
    conn.execute("BEGIN IMMEDIATE")
    change = begin_change(conn, stamp)
    deal_id = conn.execute(BY_NUMBER, {"id": int(deal)}).fetchone()[0]
    conn.execute(BY_REF, {"ref": deal}).fetchone()  # funnel checks the number isn't ambiguous
    row = conn.execute(DEAL_SELECT + " WHERE d.id = :id", {"id": deal_id}).fetchone()
    if row[16] != "open":
        sys.exit(f"deal {deal_id} is {row[16]}")
    pipeline_id = conn.execute(
        "SELECT id, uuid, name FROM pipelines WHERE id = :id", {"id": row[11]}
    ).fetchone()[0]
    stages = conn.execute(
        "SELECT id, pipeline_id, name, position, probability, rot_days, cadence_days "
        "FROM stages WHERE pipeline_id = :id AND removed_at IS NULL ORDER BY position",
        {"id": pipeline_id},
    ).fetchall()
    key = stage.casefold()
    to_stage = next(s[0] for s in stages if s[2].casefold().startswith(key))
    if to_stage == row[13]:
        sys.exit(f"deal {deal_id} is already in {stage}")
    last = conn.execute(
        "SELECT max(at) FROM stage_events WHERE deal_id = :id", {"id": deal_id}
    ).fetchone()[0]
    if last is not None and stamp < last:
        sys.exit("history must stay in order")
    conn.execute(
        "INSERT INTO stage_events (deal_id, from_stage_id, from_status, to_stage_id, "
        "to_status, at, note, recorded_at) VALUES (:deal, :fs, :fst, :ts, :tst, :at, "
        ":note, :rec)",
        {
            "deal": deal_id,
            "fs": row[13],
            "fst": "open",
            "ts": to_stage,
            "tst": "open",
            "at": stamp,
            "note": None,
            "rec": stamp,
        },
    )
    conn.execute(
        "UPDATE stage_stays SET left_at = :at, days = julianday(:at) - julianday(entered_at) "
        "WHERE deal_id = :deal AND left_at IS NULL",
        {"at": stamp, "deal": deal_id},
    )
    conn.execute(
        "INSERT INTO stage_stays (deal_id, stage_id, entered_at) VALUES (:d, :s, :at)",
        {"d": deal_id, "s": to_stage, "at": stamp},
    )
    conn.execute(REFRESH_FURTHEST, {"id": deal_id})  # after the event (append_event)
    conn.execute(
        "UPDATE deals SET pipeline_id = :pipeline_id, stage_id = :stage_id, "
        "stage_entered_at = :stage_entered_at, updated_at = :updated_at WHERE id = :id",
        {
            "pipeline_id": pipeline_id,
            "stage_id": to_stage,
            "stage_entered_at": stamp,
            "updated_at": stamp,
            "id": deal_id,
        },
    )
    conn.execute(REFRESH_FURTHEST, {"id": deal_id})  # and again after the update (update_deal)
    row = conn.execute(DEAL_SELECT + " WHERE d.id = :id", {"id": deal_id}).fetchone()
    end_change(conn, change)
    conn.execute("COMMIT")
    conn.close()
    shown = "" if row[8] is None else f", {row[8] // 100:,}.{row[8] % 100:02d} {row[9]}"
    sys.stderr.write(f"moved #{row[0]} {row[3]} ({row[14]}{shown})\n")


if __name__ == "__main__":
    app()
