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
from floor_sql import AWAKE, DUE, UNSCHEDULED, UNSCHEDULED_COUNT, connect, deal_record, ranked

app = typer.Typer(add_completion=False)


def handoff(r: tuple) -> dict | None:
    """render/records.py handoff_record() of a row's last six columns (HANDED)."""
    if r[-5] is None:
        return None
    keys = ("from_owner", "to_owner", "from_stage", "to_stage", "by", "at")
    return {"deal_id": r[0], **dict(zip(keys, r[-6:], strict=True))}


def record(r: tuple, state: str, days: int | None, on: str | None, score: float | None) -> dict:
    return {
        **deal_record(r, json.loads),
        "due_state": state,
        "days_overdue": days,
        "due_on": on,
        "handoff": handoff(r),
        "score": None if score is None else money(round(score)),
    }


def money(v: int) -> int | float:
    return v // 100 if v % 100 == 0 else v / 100


def local_day(utc: str) -> date:
    return datetime.fromisoformat(utc.replace("Z", "+00:00")).astimezone().date()


def zone_date(value: object) -> str | None:
    """store/zone.py's zone_date, in the process's zone (the database's: UTC)."""
    return local_day(value).isoformat() if isinstance(value, str) else None


def score(
    value: int | None,
    prob: int,
    since: str,
    snoozed: str | None,
    rot: int,
    touches: int,
    today: date,
    overdue: int,
) -> tuple[float | None, float]:
    """services/score.py deal_score(): (score in minor units or None, urgency)."""
    asleep = snoozed is not None and snoozed > today.isoformat()
    idle = 0 if asleep else max((today - local_day(since)).days, 0)
    urgency = (
        float(rot + min(idle, rot)) / rot * (5 + min(overdue, 5)) / 5 * (10 - min(touches, 5)) / 5
    )
    return (None if value is None else float(value) * prob / 100 * urgency), urgency


def row_score(r: tuple, today: date, overdue: int) -> tuple[float | None, float]:
    prob = r[18] if r[17] is None else r[17]
    return score(r[8], prob, max(r[23], r[31] or r[23]), r[29], r[33], r[32], today, overdue)


def key(currency: str, s: tuple[float | None, float], nxt: str | None, deal_id: int) -> tuple:
    """services/score.py priority_key()."""
    head = (1, "", 0.0) if s[0] is None else (0, currency, -s[0])
    return (*head, -s[1], nxt is None, nxt or "", deal_id)


def cells(r: tuple, state: str, days: int | None, *_: object) -> list[str]:
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
        r[10] if r[-5] is None else f"{r[10]} ← {r[-6]}",  # handed over, not yet looked at
    ]


SCORE = 40  # a ranked() row's score: after 34 deal columns, 5 parts and the urgency
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
    conn.create_function("zone_date", 1, zone_date, deterministic=True)  # store/zone.py
    conn.execute("BEGIN")
    due = []
    # Due on its next follow-up, or on its wake-up day when that is later
    # (services/score.py due_day); overdue, then today, each highest score first.
    for r in conn.execute(DUE, params):
        effective = max(r[22][:10], r[29] or "")
        day = date.fromisoformat(effective)
        state, days = ("overdue", (today - day).days) if day < today else ("today", 0)
        s = row_score(r, today, days)
        due.append(
            ((state != "overdue", *key(r[9], s, r[22], r[0])), (r, state, days, effective, s[0]))
        )
    due.sort(key=lambda item: item[0])
    items = [item for _, item in due]
    # With no next step, highest score first (services/followups.py): as a
    # table the store ranks them and reads the first 20 in full (and counts
    # them all when 20 came back); else all of them, in full, scored here.
    if fmt == "table":
        where = "d.status = 'open' AND d.next_follow_up IS NULL AND " + AWAKE
        shown = 20  # cli/followups.py UNSCHEDULED_SHOWN
        listed = conn.execute(
            ranked(where, " LIMIT :limit"), {"today": params["today"], "limit": shown}
        )
        items += [(r, "unscheduled", None, None, r[SCORE]) for r in listed]
        more = 0
        if len(items) - len(due) == shown:
            count = conn.execute(UNSCHEDULED_COUNT, {"today": params["today"]}).fetchone()[0]
            more = count - shown
    else:
        rows = [
            (key(r[9], s, None, r[0]), r, s[0])
            for r in conn.execute(UNSCHEDULED, {"today": params["today"]})
            for s in [row_score(r, today, 0)]
        ]
        rows.sort(key=lambda k: k[0])
        items += [(r, "unscheduled", None, None, s) for _, r, s in rows]
        more = 0
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
    if check and any(item[1] == "overdue" for item in items):
        raise typer.Exit(3)


if __name__ == "__main__":
    app()
