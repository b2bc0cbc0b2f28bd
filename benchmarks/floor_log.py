"""Floor for `funnel log DEAL KIND NOTE`: the same statements funnelcli runs.

Connect (timeout 30, autocommit; foreign_keys ON, synchronous FULL; the
schema version and journal mode in one SELECT, and journal_mode = WAL only
if it isn't yet), BEGIN IMMEDIATE, open a change (m004's `changes`), find
the deal (one DEAL_SELECT by number, external id or uuid), read its pipeline
with its stages (one query) for the stage's cadence (not for a note), INSERT
the activity, move the deal's last touch forward (not for a
note: no touch), UPDATE its next follow-up (the day of the touch plus the
cadence, on to a working day, Monday to Friday: funnel's default `workdays`;
a note keeps it), SELECT it back, close the change (one UPDATE), COMMIT,
write "logged KIND on #ID TITLE (STAGE, VALUE); next follow-up DAY" to
stderr. 13 statements (11 for a note).
"""

import os
import sys
from datetime import UTC, datetime, timedelta

import typer
from floor_sql import (
    DEAL_SELECT,
    PIPELINE_STAGES,
    begin_change,
    connect,
    end_change,
    find_deal,
)

app = typer.Typer(add_completion=False)


@app.callback()
def root() -> None:
    """Floor for log."""


@app.command("log")
def log(deal: str, kind: str, note: str | None = typer.Argument(None)) -> None:
    now = datetime.fromisoformat(os.environ["FUNNEL_NOW"]).astimezone()
    stamp = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    kind = kind.strip().casefold()

    conn = connect(os.environ["FUNNEL_DB"], write=True)
    conn.execute("BEGIN IMMEDIATE")
    change = begin_change(conn, stamp)
    row = find_deal(conn, deal)
    deal_id = row[0]
    if row[16] != "open":
        sys.exit(f"deal {deal_id} is {row[16]}")
    if kind == "note":  # an internal note is no touch: the schedule stands
        follow_up = row[22]
    else:  # the stage's cadence from today, on to a working day (mon-fri)
        stages = conn.execute(PIPELINE_STAGES, {"id": row[11]}).fetchall()
        cadence = next(s[9] for s in stages if s[3] == row[13])
        day = now.date() + timedelta(days=cadence) if cadence else None
        while day is not None and day.weekday() > 4:
            day += timedelta(days=1)
        follow_up = day.isoformat() if day else None
    conn.execute(
        "INSERT INTO activities (deal_id, kind, note, at, recorded_at) "
        "VALUES (:d, :k, :n, :at, :rec)",
        {"d": deal_id, "k": kind, "n": note, "at": stamp, "rec": stamp},
    )
    if kind != "note":  # the last touch
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
