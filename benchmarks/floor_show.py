"""Floor for `funnel show DEAL` (text view, as when piped): the same
statements funnelcli runs.

Connect (timeout 30, autocommit; a read sets no pragmas; the schema version
and journal mode in one SELECT), BEGIN, the deal (one DEAL_SELECT by number,
external id or uuid), its stage history (with stage names) and activities,
COMMIT (6 statements), then print the same plain lines funnelcli prints:
facts, history and activities, times in local time.
"""

import json
import os
import sys
from datetime import datetime

import typer
from floor_sql import connect, find_deal

app = typer.Typer(add_completion=False)


def local(utc: str | None) -> str:
    if not utc:
        return ""
    t = datetime.fromisoformat(utc.replace("Z", "+00:00")).astimezone().replace(tzinfo=None)
    return (
        t.strftime("%Y-%m-%d")
        if (t.hour, t.minute, t.second) == (0, 0, 0)
        else t.strftime("%Y-%m-%d %H:%M")
    )


@app.callback()
def root() -> None:
    """Floor for show."""


@app.command("show")
def show(deal: str) -> None:
    conn = connect(os.environ["FUNNEL_DB"], write=False)
    conn.execute("BEGIN")
    d = find_deal(conn, deal)
    deal_id = d[0]
    history = conn.execute(
        """SELECT CASE WHEN e.from_status = 'open' THEN fs.name ELSE e.from_status END,
                  CASE WHEN e.to_status = 'open' THEN ts.name ELSE e.to_status END,
                  e.at, e.note
           FROM stage_events e
           LEFT JOIN stages fs ON fs.id = e.from_stage_id
           JOIN stages ts ON ts.id = e.to_stage_id
           WHERE e.deal_id = :id ORDER BY e.at, e.id""",
        {"id": deal_id},
    ).fetchall()
    activities = conn.execute(
        "SELECT id, kind, note, at FROM activities WHERE deal_id = :id ORDER BY at, id",
        {"id": deal_id},
    ).fetchall()
    conn.execute("COMMIT")
    conn.close()

    tags = json.loads(d[27])
    fields = json.loads(d[28])
    value = "" if d[8] is None else f"{d[8] // 100:,}.{d[8] % 100:02d} {d[9]}"
    facts = [
        ("stage", d[14] if d[16] == "open" else f"{d[16]} (closed in {d[14]})"),
        ("pipeline", d[12]),
        ("value", value),
        ("probability", f"{d[17] if d[17] is not None else d[18]}%"),
        ("owner", d[10]),
        ("org", d[4]),
        ("contact", d[5]),
        ("email", d[6]),
        ("phone", d[7]),
        ("source", d[19]),
        ("tags", ", ".join(tags)),
        ("expected close", d[21]),
        ("next follow-up", (d[22] or "").replace("T", " ")),
        ("lost reason", d[20]),
        ("external id", d[2]),
        ("created", local(d[24])),
        ("updated", local(d[25])),
        ("closed", local(d[26])),
        ("uuid", d[1]),
        *((f"field {k}", v) for k, v in fields.items()),
    ]
    out = [f"#{d[0]} {d[3]}"]
    out += [f"  {label:<15}{v}" for label, v in facts if v]
    out += ["", "History"]
    for frm, to, at, note in history:
        move = f"created in {to}" if frm is None else f"{frm} → {to}"
        out.append(f"  {local(at):<17}{move}" + (f"  {note}" if note else ""))
    if activities:
        out += ["", "Activities"]
        out += [f"  {local(at):<17}{kind:<8} {note or ''}" for _, kind, note, at in activities]
    sys.stdout.write("".join(line.rstrip() + "\n" for line in out))


if __name__ == "__main__":
    app()
