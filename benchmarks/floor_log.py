"""Floor for `funnel log DEAL KIND NOTE`: the same statements funnelcli runs.

Connect (timeout 30, autocommit; foreign_keys ON, synchronous FULL; read
user_version; journal_mode WAL), BEGIN IMMEDIATE, open a change (m004's
`changes`), find the deal (SELECT id by number and by external id/uuid, then
DEAL_SELECT), read its pipeline and stages for the stage's cadence, INSERT
the activity (RETURNING id), move the deal's last touch forward, UPDATE its
next follow-up (the day of the touch plus the cadence), SELECT it back,
close the change, COMMIT, write "logged KIND on #ID TITLE (STAGE, VALUE);
next follow-up DAY" to stderr.
"""

import os
import sqlite3
import sys
from datetime import UTC, datetime, timedelta

import typer
from floor_sql import BY_NUMBER, BY_REF, DEAL_SELECT, begin_change, end_change

app = typer.Typer(add_completion=False)


@app.callback()
def root() -> None:
    """Floor for log."""


@app.command("log")
def log(deal: str, kind: str, note: str | None = typer.Argument(None)) -> None:
    now = datetime.fromisoformat(os.environ["FUNNEL_NOW"]).astimezone()
    stamp = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    kind = kind.strip().casefold()

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
    cadence = next(s[6] for s in stages if s[0] == row[13])
    follow_up = (now.date() + timedelta(days=cadence)).isoformat() if cadence else None
    conn.execute(
        "INSERT INTO activities (deal_id, kind, note, at, recorded_at) "
        "VALUES (:d, :k, :n, :at, :rec) RETURNING id",
        {"d": deal_id, "k": kind, "n": note, "at": stamp, "rec": stamp},
    ).fetchone()
    conn.execute(
        "UPDATE deals SET last_activity_at = :at WHERE id = :d "
        "AND (last_activity_at IS NULL OR last_activity_at < :at)",
        {"d": deal_id, "at": stamp},
    )
    conn.execute(
        "UPDATE deals SET next_follow_up = :next_follow_up, updated_at = :updated_at "
        "WHERE id = :id",
        {"next_follow_up": follow_up, "updated_at": stamp, "id": deal_id},
    )
    row = conn.execute(DEAL_SELECT + " WHERE d.id = :id", {"id": deal_id}).fetchone()
    end_change(conn, change)
    conn.execute("COMMIT")
    conn.close()
    shown = "" if row[8] is None else f", {row[8] // 100:,}.{row[8] % 100:02d} {row[9]}"
    nxt = f"next follow-up {row[22].replace('T', ' ')}" if row[22] else "no next follow-up"
    sys.stderr.write(f"logged {kind} on #{row[0]} {row[3]} ({row[14]}{shown}); {nxt}\n")


if __name__ == "__main__":
    app()
