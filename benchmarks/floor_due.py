"""Floor for `funnel due [--format json] [--check]`: the same statements
funnelcli runs, and the same output.

Connect (timeout 30, autocommit; a read sets no pragmas; the schema version
and journal mode in one SELECT), BEGIN, the due query (open deals whose next
follow-up is before tomorrow and that aren't snoozed, oldest first: a range
of the deals_follow_up index) and the unscheduled query (open deals with no
follow-up, same index; as a table the first 20, and when 20 came back their
count, one statement more), COMMIT (5 statements). Each row gets its due state
(overdue, today, or unscheduled) and days overdue, counted from its next
follow-up or its wake-up day, whichever is later (issue 13; the due rows
sorted by that day), and is written as funnel writes it: with --format json
the deal's JSON object plus due_state and days_overdue, one per line inside
[ ]; as a table, the plain columns funnel prints when piped, and the line
counting the unscheduled deals not shown. --check exits 3 when anything is
overdue.
"""

import json
import os
import sys
from datetime import date, datetime, timedelta
from typing import Annotated

import typer
from floor_sql import DUE, UNSCHEDULED, UNSCHEDULED_COUNT, connect, deal_record

app = typer.Typer(add_completion=False)


def record(r: tuple, state: str, days: int | None) -> dict:
    return {**deal_record(r, json.loads), "due_state": state, "days_overdue": days}


def cells(r: tuple, state: str, days: int | None) -> list[str]:
    """Due, When, ID, Title, Org, Stage, Value, Owner."""
    v = r[8]
    return [
        f"overdue {days}d" if state == "overdue" else state,
        (r[22] or "").replace("T", " "),
        str(r[0]),
        r[3],
        r[4] or "",
        r[14],
        "" if v is None else f"{v // 100:,}.{v % 100:02d} {r[9]}",
        r[10],
    ]


HEADERS = ["Due", "When", "ID", "Title", "Org", "Stage", "Value", "Owner"]
RIGHT = {2, 6}  # ID and Value


@app.callback()
def root() -> None:
    """Floor for due."""


@app.command("due")
def due(
    check: Annotated[bool, typer.Option("--check")] = False,
    fmt: Annotated[str, typer.Option("--format")] = "table",
) -> None:
    today = datetime.fromisoformat(os.environ["FUNNEL_NOW"]).date()
    params = {"today": today.isoformat(), "until": (today + timedelta(days=1)).isoformat()}

    conn = connect(os.environ["FUNNEL_DB"], write=False)
    conn.execute("BEGIN")
    items = []
    # Due on its next follow-up, or on its wake-up day when that is later
    # (services/followups.py effective_due), in that order.
    due = [(max(r[22][:10], r[29] or ""), r) for r in conn.execute(DUE, params)]
    due.sort(key=lambda item: (item[0], item[1][22], item[1][0]))
    for effective, r in due:
        day = date.fromisoformat(effective)
        if day < today:
            items.append((r, "overdue", (today - day).days))
        else:
            items.append((r, "today", 0))
    shown = 20 if fmt == "table" else None  # cli/followups.py UNSCHEDULED_SHOWN
    unscheduled = UNSCHEDULED if shown is None else UNSCHEDULED + " LIMIT :limit"
    listed = 0
    for r in conn.execute(unscheduled, {"today": params["today"], "limit": shown}):
        items.append((r, "unscheduled", None))
        listed += 1
    more = 0
    if listed == shown:
        count = conn.execute(UNSCHEDULED_COUNT, {"today": params["today"]}).fetchone()[0]
        more = count - listed
    conn.execute("COMMIT")
    conn.close()

    write = sys.stdout.write
    if fmt == "json":
        for n, item in enumerate(items):
            write(("[\n" if n == 0 else ",\n") + json.dumps(record(*item), ensure_ascii=False))
        write("[]\n" if not items else "\n]\n")
    elif items:
        rows = [HEADERS, *(cells(*item) for item in items)]
        widths = [max(len(row[i]) for row in rows) for i in range(len(HEADERS))]
        for row in rows:
            line = "  ".join(
                c.rjust(w) if i in RIGHT else c.ljust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
            write(line.rstrip() + "\n")
        if more > 0:
            write(f"{more:,} more with no next step: funnel due --unscheduled lists them all\n")
    if check and any(state == "overdue" for _, state, _ in items):
        raise typer.Exit(3)


if __name__ == "__main__":
    app()
