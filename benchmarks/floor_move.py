"""Floor for `funnel move DEAL STAGE`: the same statements funnelcli runs.

Connect (timeout 30, autocommit; foreign_keys ON, synchronous FULL; read
user_version), BEGIN IMMEDIATE, find the deal (SELECT id, then DEAL_SELECT),
read its pipeline and stages, match the stage name, read the last event's
time, INSERT the stage event, close the open stay and open a new one,
UPDATE the deal, SELECT it back, COMMIT, write "moved #ID TITLE (STAGE, VALUE)"
to stderr.
"""

import os
import sqlite3
import sys
from datetime import UTC, datetime

import typer

DEAL_SELECT = """
SELECT d.id, d.uuid, d.external_id, d.title, d.org, d.contact, d.email, d.phone,
       d.value, d.currency, d.owner, d.pipeline_id, p.name, d.stage_id, s.name, s.position,
       d.status, d.probability, s.probability, d.source, d.lost_reason, d.expected_close,
       d.next_follow_up, d.stage_entered_at, d.created_at, d.updated_at, d.closed_at,
       (SELECT json_group_array(tag) FROM
           (SELECT tag FROM deal_tags t WHERE t.deal_id = d.id ORDER BY tag)),
       (SELECT json_group_object(key, value) FROM
           (SELECT key, value FROM deal_fields f WHERE f.deal_id = d.id ORDER BY key))
FROM deals d
JOIN pipelines p ON p.id = d.pipeline_id
JOIN stages s ON s.id = d.stage_id
"""

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
    conn.execute("BEGIN IMMEDIATE")
    deal_id = conn.execute("SELECT id FROM deals WHERE id = :id", {"id": int(deal)}).fetchone()[0]
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
        "UPDATE stage_stays SET left_at = :at WHERE deal_id = :deal AND left_at IS NULL",
        {"at": stamp, "deal": deal_id},
    )
    conn.execute(
        "INSERT INTO stage_stays (deal_id, stage_id, entered_at) VALUES (:d, :s, :at)",
        {"d": deal_id, "s": to_stage, "at": stamp},
    )
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
    row = conn.execute(DEAL_SELECT + " WHERE d.id = :id", {"id": deal_id}).fetchone()
    conn.execute("COMMIT")
    conn.close()
    shown = "" if row[8] is None else f", {row[8] // 100:,}.{row[8] % 100:02d} {row[9]}"
    sys.stderr.write(f"moved #{row[0]} {row[3]} ({row[14]}{shown})\n")


if __name__ == "__main__":
    app()
