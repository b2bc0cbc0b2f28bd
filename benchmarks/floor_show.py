"""Floor for `funnel show DEAL` (text view, as when piped): the same
statements funnelcli runs.

Connect (timeout 30, autocommit; a read sets no pragmas; the schema version
and journal mode in one SELECT), BEGIN, the deal (one DEAL_SELECT by number,
external id or uuid), its stage history (with stage names) and activities,
COMMIT (6 statements), then print the same plain lines funnelcli prints:
facts (an open deal's priority score and its parts among them, computed
from the deal's row as services/score.py deal_score() does), history (with
the hand-offs of issue 16) and activities, times in local time.
"""

import json
import os
import sys
from datetime import date, datetime

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


def money(minor: float | None, currency: str) -> str:
    if minor is None:
        return ""
    v = round(minor)
    return f"{v // 100:,}.{v % 100:02d} {currency}"


def score_lines(d: tuple, today: date) -> list[tuple[str, str]]:
    """render/score.py score_text() and explain_line() of services/score.py
    deal_score() (idle days as `stale` counts them, 0 while snoozed; days
    overdue as `due` counts them; touch rule and overdue cap 5)."""
    value, cur, prob, rot, touches = d[8], d[9], d[17] if d[17] is not None else d[18], d[33], d[32]
    if d[29] and d[29] > today.isoformat():
        idle = 0
    else:
        since = d[31] if d[31] and d[31] > d[23] else d[23]
        since_day = datetime.fromisoformat(since.replace("Z", "+00:00")).astimezone().date()
        idle = max((today - since_day).days, 0)
    day = (d[22] or "")[:10]
    day = max(day, d[29] or "") if day else ""
    overdue = (today - date.fromisoformat(day)).days if day and day < today.isoformat() else 0
    # urgency_of(): the factors multiplied as the SQL multiplies them
    urgency = (
        float(rot + min(idle, rot)) / rot * (5 + min(overdue, 5)) / 5 * (10 - min(touches, 5)) / 5
    )
    score = money(None if value is None else float(value) * prob / 100 * urgency, cur)
    score = score or "no value"
    head = (
        f"{money(value, cur)} × {prob}% = {money(value * prob / 100, cur)} expected"
        if value is not None
        else "no value, no expected value"
    )
    parts = (
        f"{head}; × idle {1 + min(idle, rot) / rot:.2f} ({idle} of {rot} rot days)"
        f" × overdue {1 + min(overdue, 5) / 5:.2f} ({overdue} days)"
        f" × touches {1 + (5 - min(touches, 5)) / 5:.2f} ({touches} of 5)"
        f" = {score}"
    )
    return [("score", score), ("score parts", parts)]


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
                  e.at, e.note, h.from_owner, h.to_owner, h.handed_by
           FROM stage_events e
           LEFT JOIN handoffs h ON h.deal_id = e.deal_id AND h.event_id = e.id
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
        ("snoozed until", d[29] and d[29] + (f" ({d[30]})" if d[30] else "")),
        ("lost reason", d[20]),
        ("external id", d[2]),
        ("created", local(d[24])),
        ("updated", local(d[25])),
        ("closed", local(d[26])),
        ("uuid", d[1]),
        *((f"field {k}", v) for k, v in fields.items()),
    ]
    if d[16] == "open":
        facts += score_lines(d, datetime.fromisoformat(os.environ["FUNNEL_NOW"]).date())
    out = [f"#{d[0]} {d[3]}"]
    out += [f"  {label} ".ljust(17) + v for label, v in facts if v]
    out += ["", "History"]
    for frm, to, at, note, h_from, h_to, h_by in history:
        move = f"created in {to}" if frm is None else f"{frm} → {to}"
        if h_to is not None:
            move += f"  handed {h_from} → {h_to}" + (
                f" by {h_by}" if h_by not in (None, h_from) else ""
            )
        out.append(f"  {local(at):<17}{move}" + (f"  {note}" if note else ""))
    if activities:
        out += ["", "Activities"]
        out += [f"  {local(at):<17}{kind:<8} {note or ''}" for _, kind, note, at in activities]
    sys.stdout.write("".join(line.rstrip() + "\n" for line in out))


if __name__ == "__main__":
    app()
