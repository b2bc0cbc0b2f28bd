"""Floor for `funnel export --output FILE` (JSONL, every deal): the same
statements over the same joins, each deal made a dict and written with one
json.dumps call, to a file.

    python floor_export.py DB OUT

What it does, and nothing more: connects like funnelcli (`timeout=30`,
autocommit; `PRAGMA foreign_keys = ON`, `PRAGMA synchronous = FULL`, `PRAGMA
user_version`); `BEGIN`; the pipelines and their stages (one statement: the
header line); `count(*)` of the deals (funnel's progress total); then three
cursors, each ordered by deal, walked side by side: the deals (floor_sql.py's
DEAL_SELECT: pipeline and stage joined, tags, fields and the touch count as
subqueries), their stage events (joined to the stages and pipelines on
both sides) and their activities. For each deal one dict with the keys of
funnel's export in its order (value in major units: cents / 100, an int when
whole; tags and fields decoded from the JSON SQLite builds; the history with
a pipeline named only when it isn't the deal's), encoded by json's encoder
(`ensure_ascii=False`, compact separators, made once) and written as a line;
`COMMIT`. The version in the header is funnelcli's installed version (read
with importlib.metadata, without importing funnelcli), the time FUNNEL_NOW
(transfer.py sets TZ=UTC, where local time is UTC).

Written straight to OUT (funnel writes a temporary file beside it, 0600,
and renames it when complete). transfer.py compares the two files byte for
byte.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from importlib.metadata import version
from itertools import groupby
from operator import itemgetter

from floor_sql import DEAL_SELECT, follow_up_at

STAGES = (
    "SELECT p.id, p.uuid, p.name, s.name, s.probability, s.rot_days, s.cadence_days, "
    "s.removed_at IS NOT NULL, s.owner "
    "FROM pipelines p LEFT JOIN stages s ON s.pipeline_id = p.id "
    "ORDER BY p.id, s.removed_at IS NOT NULL, s.position, s.id"
)
EVENTS = """SELECT e.deal_id, fs.name, fp.name, e.from_status, ts.name, tp.name,
                       e.to_status, e.at, e.note, e.recorded_at
                FROM stage_events e JOIN deals d ON d.id = e.deal_id
                LEFT JOIN stages fs ON fs.id = e.from_stage_id
                LEFT JOIN pipelines fp ON fp.id = fs.pipeline_id
                JOIN stages ts ON ts.id = e.to_stage_id
                JOIN pipelines tp ON tp.id = ts.pipeline_id
                WHERE 1 = 1 ORDER BY e.deal_id, e.at, e.id"""
ACTIVITIES = """SELECT a.deal_id, a.kind, a.note, a.at, a.recorded_at, a.id
                FROM activities a JOIN deals d ON d.id = a.deal_id
                WHERE 1 = 1 ORDER BY a.deal_id, a.at, a.id"""
SCALES = {"USD": 100, "EUR": 100, "GBP": 100, "JPY": 1}


def export(db: str, out_path: str) -> int:
    conn = sqlite3.connect(db, timeout=30, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA user_version").fetchone()
    conn.execute("BEGIN")
    pipelines: dict[int, dict] = {}
    for pid, puuid, pname, sname, prob, rot, cad, removed, owner in conn.execute(STAGES):
        p = pipelines.setdefault(pid, {"name": pname, "uuid": puuid, "stages": []})
        if sname is not None:
            stage = {"name": sname, "probability": prob, "rot_days": rot, "cadence_days": cad}
            stage["owner"] = owner
            if removed:
                stage["removed"] = True
            p["stages"].append(stage)
    header = {
        "funnelcli_export": 1,
        "version": version("funnelcli"),
        "exported_at": os.environ["FUNNEL_NOW"][:19] + "Z",
        "pipelines": list(pipelines.values()),
    }
    conn.execute("SELECT count(*) FROM deals d WHERE 1 = 1").fetchone()
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    loads = json.loads
    events = groupby(conn.execute(EVENTS), itemgetter(0))
    acts = groupby(conn.execute(ACTIVITIES), itemgetter(0))
    ev = next(events, None)
    act = next(acts, None)
    n = 0
    with open(out_path, "w", encoding="utf-8", newline="") as out:
        out.write(dumps(header) + "\n")
        for r in conn.execute(DEAL_SELECT + " WHERE 1 = 1 ORDER BY d.id"):
            deal_id = r[0]
            hist: list = []
            while ev is not None and ev[0] <= deal_id:
                if ev[0] == deal_id:
                    hist = list(ev[1])
                ev = next(events, None)
            mine: list = []
            while act is not None and act[0] <= deal_id:
                if act[0] == deal_id:
                    mine = list(act[1])
                act = next(acts, None)
            v, cur, pipeline = r[8], r[9], r[12]
            if v is not None:
                scale = SCALES[cur]
                v = v // scale if v % scale == 0 else v / scale
            history = []
            for _, fs, fp, fst, ts, tp, tst, at, note, rec in hist:
                e = {"from_stage": fs, "from_status": fst, "to_stage": ts, "to_status": tst,
                     "at": at, "note": note, "recorded_at": rec}  # fmt: skip
                if fp is not None and fp != pipeline:
                    e["from_pipeline"] = fp
                if tp != pipeline:
                    e["to_pipeline"] = tp
                history.append(e)
            record = {
                "id": deal_id, "uuid": r[1], "external_id": r[2], "title": r[3], "org": r[4],
                "contact": r[5], "email": r[6], "phone": r[7], "value": v, "currency": cur,
                "owner": r[10], "pipeline": pipeline, "stage": r[14], "status": r[16],
                "probability": r[18] if r[17] is None else r[17],
                "tags": loads(r[27]), "source": r[19], "lost_reason": r[20],
                "expected_close": r[21], "next_follow_up": r[22] and r[22][:10],
                "created_at": r[24], "updated_at": r[25], "closed_at": r[26],
                "stage_entered_at": r[23],
                "fields": loads(r[28]), "touches": r[32], "last_activity_at": r[31],
                "snoozed_until": r[29], "snooze_reason": r[30],
                "next_follow_up_at": follow_up_at(r[22]), "probability_override": r[17],
                "history": history,
                "activities": [
                    {"id": i, "kind": k, "note": nt, "at": at, "recorded_at": rec}
                    for _, k, nt, at, rec, i in mine
                ],
            }  # fmt: skip
            out.write(dumps(record) + "\n")
            n += 1
    conn.execute("COMMIT")
    conn.close()
    return n


def main() -> None:
    db, out = sys.argv[1:3]
    n = export(db, out)
    print(f"exported {n} deals to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
