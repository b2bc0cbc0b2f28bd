"""Floor for `funnel won DEAL`: the same statements funnelcli runs.

Connect (timeout 30, autocommit; foreign_keys ON, synchronous FULL; the
schema version and journal mode in one SELECT, and journal_mode = WAL only
if it isn't yet), BEGIN IMMEDIATE, open a change (m004's `changes`), find
the deal (one DEAL_SELECT by number, external id or uuid), read the last
event's time, INSERT the closing stage event (the deal keeps its stage),
close the open stay (with its days), UPDATE the deal (status, closed_at;
follow-up and snooze cleared) and its furthest stage in one statement,
SELECT it back, close the change (one UPDATE), COMMIT, write "won #ID TITLE
(won in STAGE, VALUE)" to stderr. 13 statements.
"""

import os
import sys
from datetime import UTC, datetime

import typer
from floor_sql import DEAL_SELECT, begin_change, connect, end_change, find_deal, set_deal

app = typer.Typer(add_completion=False)


@app.callback()
def root() -> None:
    """Floor for won."""


@app.command("won")
def won(deal: str) -> None:
    now = datetime.fromisoformat(os.environ["FUNNEL_NOW"])
    stamp = now.astimezone().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    conn = connect(os.environ["FUNNEL_DB"], write=True)
    conn.execute("BEGIN IMMEDIATE")
    change = begin_change(conn, stamp)
    row = find_deal(conn, deal)
    deal_id = row[0]
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
    values = {
        "snoozed_until": None,
        "snooze_reason": None,
        "status": "won",
        "closed_at": stamp,
        "next_follow_up": None,
        "updated_at": stamp,
    }
    conn.execute(set_deal(values), {**values, "id": deal_id})
    row = conn.execute(DEAL_SELECT + " WHERE d.id = :id", {"id": deal_id}).fetchone()
    end_change(conn, change)
    conn.execute("COMMIT")
    conn.close()
    shown = "" if row[8] is None else f", {row[8] // 100:,}.{row[8] % 100:02d} {row[9]}"
    sys.stderr.write(f"won #{row[0]} {row[3]} (won in {row[14]}{shown})\n")


if __name__ == "__main__":
    app()
