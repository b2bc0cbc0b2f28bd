"""Floor for `funnel won DEAL`: the same statements funnelcli runs.

Connect (timeout 30, autocommit; foreign_keys ON, synchronous FULL; read
user_version; journal_mode WAL), BEGIN IMMEDIATE, open a change (m004's
`changes`), find the deal (SELECT id by number and by external id/uuid, then
DEAL_SELECT), read the last event's time, INSERT the closing stage event
(the deal keeps its stage), close the open stay (with its days), refresh the
furthest stage, UPDATE the deal (status, closed_at; follow-up and snooze
cleared), SELECT it back, close the change, COMMIT, write "won #ID TITLE
(won in STAGE, VALUE)" to stderr.
"""

import os
import sqlite3
import sys
from datetime import UTC, datetime

import typer
from floor_sql import BY_NUMBER, BY_REF, DEAL_SELECT, REFRESH_FURTHEST, begin_change, end_change

app = typer.Typer(add_completion=False)


@app.callback()
def root() -> None:
    """Floor for won."""


@app.command("won")
def won(deal: str) -> None:
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
        sys.exit(f"deal {deal_id} is already {row[16]}")
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
            "ts": row[13],
            "tst": "won",
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
    conn.execute(REFRESH_FURTHEST, {"id": deal_id})  # append_event
    conn.execute(
        "UPDATE deals SET snoozed_until = :snoozed_until, snooze_reason = :snooze_reason, "
        "status = :status, closed_at = :closed_at, next_follow_up = :next_follow_up, "
        "updated_at = :updated_at WHERE id = :id",
        {
            "snoozed_until": None,
            "snooze_reason": None,
            "status": "won",
            "closed_at": stamp,
            "next_follow_up": None,
            "updated_at": stamp,
            "id": deal_id,
        },
    )
    row = conn.execute(DEAL_SELECT + " WHERE d.id = :id", {"id": deal_id}).fetchone()
    end_change(conn, change)
    conn.execute("COMMIT")
    conn.close()
    shown = "" if row[8] is None else f", {row[8] // 100:,}.{row[8] % 100:02d} {row[9]}"
    sys.stderr.write(f"won #{row[0]} {row[3]} (won in {row[14]}{shown})\n")


if __name__ == "__main__":
    app()
