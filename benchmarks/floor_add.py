"""Floor for `funnel add TITLE --org ORG --value N`: the same statements
funnelcli runs, in one Typer command.

Connect (timeout 30, autocommit; foreign_keys ON, synchronous FULL; the
schema version and journal mode in one SELECT, and journal_mode = WAL only
if it isn't yet), BEGIN IMMEDIATE, open a change (m004's `changes`), read
pipelines with their stages (one query), pick the default pipeline's first
stage (one with an owner, which would hand the new deal over, issue 16, is
not covered: the benchmark databases have none), INSERT the
deal (RETURNING id), INSERT its first stage event and stay, refresh its
furthest stage, SELECT the deal back with DEAL_SELECT, close the change (one
UPDATE), COMMIT, and write "added #ID TITLE (STAGE, VALUE)" to stderr. 13
statements.
"""

import os
import sys
import uuid
from datetime import UTC, datetime
from typing import Annotated

import typer
from floor_sql import (
    ALL_PIPELINES,
    DEAL_SELECT,
    REFRESH_FURTHEST,
    begin_change,
    connect,
    end_change,
)

# In the order funnel's INSERT names them.
COLS = [
    "uuid",
    "title",
    "org",
    "value",
    "currency",
    "pipeline_id",
    "stage_id",
    "status",
    "stage_entered_at",
    "created_at",
    "updated_at",
    "closed_at",
    "lost_reason",
    "owner",
    "contact",
    "email",
    "phone",
    "source",
    "expected_close",
    "next_follow_up",
    "probability",
    "external_id",
]

app = typer.Typer(add_completion=False)


@app.callback()
def root() -> None:
    """Floor for add."""


@app.command("add")
def add(
    title: str,
    org: Annotated[str | None, typer.Option("--org")] = None,
    value: Annotated[str | None, typer.Option("--value")] = None,
) -> None:
    now = datetime.fromisoformat(os.environ["FUNNEL_NOW"])
    stamp = now.astimezone().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    whole, _, cents = (value or "0").partition(".")
    minor = int(whole) * 100 + int((cents + "00")[:2]) if value else None

    conn = connect(os.environ["FUNNEL_DB"], write=True)
    conn.execute("BEGIN IMMEDIATE")
    change = begin_change(conn, stamp)
    rows = conn.execute(ALL_PIPELINES).fetchall()
    # rows in position order: the first of the pipeline's is its first stage
    pipeline_id, stage_id, owner = next(
        (r[0], r[3], r[10]) for r in rows if r[2].casefold() == "sales"
    )
    if owner is not None:  # funnel would hand the deal over (issue 16): not covered
        sys.exit("the first stage has an owner: the floor makes no hand-offs")
    values = dict.fromkeys(COLS)
    values.update(
        uuid=str(uuid.uuid4()),
        title=title,
        org=org,
        value=minor,
        currency="USD",
        owner="me",
        pipeline_id=pipeline_id,
        stage_id=stage_id,
        status="open",
        stage_entered_at=stamp,
        created_at=stamp,
        updated_at=stamp,
    )
    deal_id = conn.execute(
        f"INSERT INTO deals ({', '.join(COLS)}) VALUES ({', '.join(':' + c for c in COLS)}) "
        "RETURNING id",
        values,
    ).fetchone()[0]
    conn.execute(
        "INSERT INTO stage_events (deal_id, from_stage_id, from_status, to_stage_id, "
        "to_status, at, note, recorded_at) VALUES (:deal, :fs, :fst, :ts, :tst, :at, "
        ":note, :rec)",
        {
            "deal": deal_id,
            "fs": None,
            "fst": None,
            "ts": stage_id,
            "tst": "open",
            "at": stamp,
            "note": None,
            "rec": stamp,
        },
    )
    conn.execute(
        "INSERT INTO stage_stays (deal_id, stage_id, entered_at) VALUES (:d, :s, :at)",
        {"d": deal_id, "s": stage_id, "at": stamp},
    )
    conn.execute(REFRESH_FURTHEST, {"id": deal_id})
    row = conn.execute(DEAL_SELECT + " WHERE d.id = :id", {"id": deal_id}).fetchone()
    end_change(conn, change)
    conn.execute("COMMIT")
    conn.close()
    shown = "" if row[8] is None else f", {row[8] // 100:,}.{row[8] % 100:02d} {row[9]}"
    sys.stderr.write(f"added #{row[0]} {row[3]} ({row[14]}{shown})\n")


if __name__ == "__main__":
    app()
