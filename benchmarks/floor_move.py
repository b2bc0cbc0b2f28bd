"""Floor for `funnel move DEAL STAGE`: the same statements funnelcli runs.

Connect (timeout 30, autocommit; foreign_keys ON, synchronous FULL; the
schema version and journal mode in one SELECT, and journal_mode = WAL only
if it isn't yet), BEGIN IMMEDIATE, open a change (m004's `changes`), find
the deal (one DEAL_SELECT by number, external id or uuid), read its pipeline
with its stages (one query), match the stage name (one with an owner, which
would hand the deal over, issue 16, is not covered: the benchmark databases
have none), read the last event's
time, INSERT the stage event, close the open stay (with its days) and open a
new one, UPDATE the deal's stage and its furthest stage in one statement,
SELECT it back, close the change (one UPDATE), COMMIT, write "moved #ID
TITLE (STAGE, VALUE)" to stderr. 15 statements.
"""

import os
import sys
from datetime import UTC, datetime

import typer
from floor_sql import (
    DEAL_SELECT,
    PIPELINE_STAGES,
    begin_change,
    connect,
    end_change,
    find_deal,
    set_deal,
)

app = typer.Typer(add_completion=False)


@app.callback()
def root() -> None:
    """Floor for move."""


@app.command("move")
def move(deal: str, stage: str) -> None:
    now = datetime.fromisoformat(os.environ["FUNNEL_NOW"])
    stamp = now.astimezone().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    conn = connect(os.environ["FUNNEL_DB"], write=True)
    conn.execute("BEGIN IMMEDIATE")
    change = begin_change(conn, stamp)
    row = find_deal(conn, deal)
    deal_id = row[0]
    if row[16] != "open":
        sys.exit(f"deal {deal_id} is {row[16]}")
    stages = conn.execute(PIPELINE_STAGES, {"id": row[11]}).fetchall()
    pipeline_id = stages[0][0]
    key = stage.casefold()
    to_stage, owner = next((s[3], s[10]) for s in stages if s[5].casefold().startswith(key))
    if owner is not None:  # funnel would hand the deal over (issue 16): not covered
        sys.exit(f"stage {stage} has an owner: the floor makes no hand-offs")
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
    values = {
        "pipeline_id": pipeline_id,
        "stage_id": to_stage,
        "stage_entered_at": stamp,
        "updated_at": stamp,
    }
    conn.execute(set_deal(values), {**values, "id": deal_id})
    row = conn.execute(DEAL_SELECT + " WHERE d.id = :id", {"id": deal_id}).fetchone()
    end_change(conn, change)
    conn.execute("COMMIT")
    conn.close()
    shown = "" if row[8] is None else f", {row[8] // 100:,}.{row[8] % 100:02d} {row[9]}"
    sys.stderr.write(f"moved #{row[0]} {row[3]} ({row[14]}{shown})\n")


if __name__ == "__main__":
    app()
