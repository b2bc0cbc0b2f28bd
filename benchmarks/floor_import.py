"""Floor for `funnel import FILE --pipeline maven --map … --stage-date Engaging=…`
(transfer.py's mapping of a Maven-like CSV): a bare csv + executemany load
that writes the same rows into a database made by funnelcli's migrations.

    python floor_import.py DB CSV [--pipeline maven] [--bare]

What it does, and nothing more:

- connects like funnelcli (`timeout=30`, autocommit; `PRAGMA foreign_keys =
  ON`, `PRAGMA synchronous = FULL`, `PRAGMA user_version`) and sets the same
  64 MB page cache funnel's import sets (`PRAGMA cache_size = -65536`);
- `BEGIN IMMEDIATE`; opens a change and quiets its per-row notes as funnel
  does (`INSERT INTO changes … RETURNING id`, `UPDATE changes SET open = 2`:
  m004's triggers still run for every row, in both);
- reads the pipeline's stages and the next deal number;
- reads the file with `csv.reader` (UTF-8, the header skipped) and turns
  each row into what funnel writes for it, with the least conversion:
  a date cell `YYYY-MM-DD` becomes `YYYY-MM-DDT00:00:00Z` by appending text
  (transfer.py runs both with TZ=UTC, where that is local midnight), a
  value is `int(cell) * 100` (USD cents), an empty cell is NULL, the uuid is
  16 random bytes as hex; Won/Lost close the deal in its stage at the close
  date; a row without an engage date is created now in the first stage;
- per row: the deal (every column funnel's INSERT names, plus
  `furthest_stage_id`, which funnel sets with an UPDATE after the INSERT:
  here it is the one stage the deal stayed in), its stage events (created
  in its stage; for Won/Lost also the close) and its stay (with `days` as
  funnel computes it, `julianday(left) - julianday(entered)` in SQL);
- `executemany` into deals, stage_events and stage_stays, 2,000 rows at a
  time (funnel's batch); then notes the new deals as one id range on the
  change, closes it, `COMMIT`; prints `imported N deals` to stderr.

No checks of any kind (funnel checks every cell, dates against each other
and the clock, duplicates), no column mapping, no other file format.

`--bare` (issue 14's "bare floor"): the same, but with no undo triggers
and the secondary indexes built after the load. Right after `BEGIN
IMMEDIATE` it drops every trigger and every index with SQL text (not the
UNIQUE/PRIMARY KEY ones) of deals, stage_events and stage_stays, and
before the id range is noted it creates them again from their own
`sqlite_master.sql` text, in their order (generate.py's trick), with the
page cache at 16 MB as funnel sets it then (each index's sort holds up to
cache_size of keys in memory): the file ends with the migrations' schema,
byte for byte, as funnel's does.
"""

from __future__ import annotations

import csv
import os
import sqlite3
import sys

from floor_sql import DEAL_COLUMNS as BULK_DEAL_COLUMNS

BATCH = 2000
DEAL_COLUMNS = [*BULK_DEAL_COLUMNS, "furthest_stage_id"]
INSERT_DEAL = (
    f"INSERT INTO deals ({', '.join(DEAL_COLUMNS)}) VALUES ({', '.join('?' * len(DEAL_COLUMNS))})"
)
INSERT_EVENT = (
    "INSERT INTO stage_events (deal_id, from_stage_id, from_status, to_stage_id, to_status, "
    "at, note, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
INSERT_STAY = (
    "INSERT INTO stage_stays (deal_id, stage_id, entered_at, left_at, days) "
    "VALUES (?1, ?2, ?3, ?4, julianday(?4) - julianday(?3))"
)


def _uuid4() -> str:
    b = bytearray(os.urandom(16))
    b[6] = (b[6] & 0x0F) | 0x40
    b[8] = (b[8] & 0x3F) | 0x80
    h = b.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


BARE_TABLES = ("deals", "stage_events", "stage_stays")


def drop_for_load(conn: sqlite3.Connection) -> list[str]:
    """Drop the triggers and secondary indexes of BARE_TABLES; their SQL, in order."""
    marks = ", ".join("?" * len(BARE_TABLES))
    found = conn.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') "
        f"AND sql IS NOT NULL AND tbl_name IN ({marks}) ORDER BY rowid",
        BARE_TABLES,
    ).fetchall()
    for kind, name, _sql in found:
        conn.execute(f'DROP {kind.upper()} "{name}"')
    return [sql for _kind, _name, sql in found]


def load(db: str, path: str, pipeline: str = "maven", bare: bool = False) -> int:
    now = os.environ["FUNNEL_NOW"][:19] + "Z"  # TZ=UTC: the local clock is UTC
    conn = sqlite3.connect(db, timeout=30, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA user_version").fetchone()
    conn.execute("PRAGMA cache_size = -65536")
    conn.execute("BEGIN IMMEDIATE")
    dropped = drop_for_load(conn) if bare else []
    change = conn.execute(
        "INSERT INTO changes (at, who, command) VALUES (?, ?, ?) RETURNING id",
        (now, "floor", "floor_import"),
    ).fetchone()[0]
    conn.execute("UPDATE changes SET open = 2 WHERE open = 1")
    pid, first, engaging = conn.execute(
        "SELECT p.id, min(s.id), (SELECT id FROM stages WHERE pipeline_id = p.id AND "
        "name = 'Engaging') FROM pipelines p JOIN stages s ON s.pipeline_id = p.id "
        "WHERE p.name = ? GROUP BY p.id",
        (pipeline,),
    ).fetchone()
    next_id = conn.execute(
        "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'deals'), 0), "
        "coalesce((SELECT max(id) FROM deals), 0)) + 1"
    ).fetchone()[0]
    lo = next_id
    deals: list[tuple] = []
    events: list[tuple] = []
    stays: list[tuple] = []
    with open(path, encoding="utf-8", newline="") as f:
        rows = csv.reader(f)
        next(rows)  # opportunity_id,sales_agent,product,account,deal_stage,engage_date,...
        for ext, agent, product, account, stage, engage, close, value in rows:
            i = next_id
            next_id += 1
            if engage:
                created = engage + "T00:00:00Z"
                sid = engaging
            else:
                created = now
                sid = first
            status = "won" if stage == "Won" else "lost" if stage == "Lost" else "open"
            closed = close + "T00:00:00Z" if status != "open" else None
            deals.append(
                (i, _uuid4(), ext, product, account or None, None, None, None,
                 int(value) * 100 if value else None, "USD", agent, pid, sid, status,
                 None, None, None, None, None, created, created, now, closed, None, None,
                 None, sid)
            )  # fmt: skip
            events.append((i, None, None, sid, "open", created, None, now))
            if closed is not None:
                events.append((i, sid, "open", sid, status, closed, None, now))
            stays.append((i, sid, created, closed))
            if len(deals) >= BATCH:
                conn.executemany(INSERT_DEAL, deals)
                conn.executemany(INSERT_EVENT, events)
                conn.executemany(INSERT_STAY, stays)
                deals, events, stays = [], [], []
    if deals:
        conn.executemany(INSERT_DEAL, deals)
        conn.executemany(INSERT_EVENT, events)
        conn.executemany(INSERT_STAY, stays)
    if dropped:
        conn.execute("PRAGMA cache_size = -16384")  # as funnel's: the sorts' memory
    for sql in dropped:
        conn.execute(sql)
    conn.execute(
        "INSERT INTO change_rows (change_id, tbl, op, key) "
        "VALUES (?, 'deals', 'insert_range', json_object('lo', ?, 'hi', ?))",
        (change, lo, next_id - 1),
    )
    conn.execute("UPDATE changes SET open = 0 WHERE id = ?", (change,))
    conn.execute("COMMIT")
    conn.close()
    return next_id - lo


def main() -> None:
    args = sys.argv[1:]
    pipeline = "maven"
    bare = "--bare" in args
    if bare:
        args.remove("--bare")
    if "--pipeline" in args:
        i = args.index("--pipeline")
        pipeline = args[i + 1]
        del args[i : i + 2]
    db, path = args
    n = load(db, path, pipeline, bare)
    print(f"imported {n} deals", file=sys.stderr)


if __name__ == "__main__":
    main()
