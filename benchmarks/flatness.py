"""`run.py --flatness`: the due list comes from an index, so its cost follows
the number of due deals, not the size of the database.

For each size N it takes generate.py's cached database of N deals, 80 %
open, 10 touches a deal on average, and always the same due list (200 open
deals overdue or due today, 50 open deals with no follow-up, 20 overdue but
snoozed: `flatness_spec(N)`), then times, median of `runs`:

- `funnel due --format json` and its floor (whole processes, interleaved,
  output compared as in run.py);
- the two statements of the due list alone (floor_sql.DUE and UNSCHEDULED,
  run and fetched in this process on a warm connection), and their WHERE and
  ORDER BY alone (`SELECT d.id FROM deals d WHERE …`: the index range, and
  the snooze column read from each deal row);
- the same two with `NOT INDEXED` on deals (a full scan of the table): what
  the query would cost without the deals_follow_up index.

Then it prints the due query's EXPLAIN QUERY PLAN on the largest database.
"""

from __future__ import annotations

import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from floor_sql import DUE, UNSCHEDULED
from generate import Spec, cached
from run import NOW, Bench, compare, floor, funnel_argv


def flatness_spec(deals: int) -> Spec:
    return Spec(deals=deals, open_share=0.8, touches=10 * deals, due=200, now=NOW)


PARAMS = {"today": NOW[:10], "until": "2026-11-24"}  # due: before tomorrow


def due_query(conn: sqlite3.Connection, *, indexed: bool = True, ids: bool = False) -> int:
    """Run the due list's two statements (`ids`: selecting d.id only); how many
    rows they return."""
    n = 0
    for sql in (DUE, UNSCHEDULED):
        if ids:
            sql = "SELECT d.id FROM deals d WHERE d.status" + sql.split(" WHERE d.status", 1)[1]
        if not indexed:
            sql = sql.replace("FROM deals d\n", "FROM deals d NOT INDEXED\n")
            assert "NOT INDEXED" in sql
        n += len(conn.execute(sql, PARAMS).fetchall())
    return n


def median_ms(fn: Callable[[], object], runs: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1e3


def plan(conn: sqlite3.Connection, sql: str) -> list[str]:
    """EXPLAIN QUERY PLAN as indented lines."""
    rows = conn.execute("EXPLAIN QUERY PLAN " + sql, PARAMS).fetchall()
    depth = {0: 0}
    out = []
    for node, parent, _, detail in rows:
        depth[node] = depth.get(parent, 0) + 1
        out.append("  " * (depth[node] - 1) + detail)
    return out


def flatness(sizes: list[int], runs: int) -> None:
    rows = []
    largest = None
    for n in sizes:
        db = cached(flatness_spec(n))
        largest = db
        with tempfile.TemporaryDirectory(prefix="funnel-flat-") as tmp:
            bench = Bench(db, Path(tmp), copy=False)  # due only reads
            args = ["due", "--format", "json"]
            f = funnel_argv() + args
            fl = floor("due") + args
            check = compare("due-json", bench.run(f, capture=True), bench.run(fl, capture=True))
            bench.run(f)  # warm-up
            bench.run(fl)
            times: dict[str, list[float]] = {"funnel": [], "floor": []}
            for i in range(runs):
                order = ((f, "funnel"), (fl, "floor"))
                for argv, who in order if i % 2 == 0 else reversed(order):
                    times[who].append(bench.timed(argv))
            conn = sqlite3.connect(db)
            listed = due_query(conn)
            query = median_ms(lambda conn=conn: due_query(conn), runs)
            where = median_ms(lambda conn=conn: due_query(conn, ids=True), runs)
            scan = median_ms(lambda conn=conn: due_query(conn, indexed=False), max(3, runs // 4))
            conn.close()
        fun = statistics.median(times["funnel"]) * 1e3
        flo = statistics.median(times["floor"]) * 1e3
        rows.append((bench, listed, fun, flo, query, where, scan, check))
        print(
            f"  {bench.deals:,} deals: funnel {fun:.1f} ms, floor {flo:.1f} ms, "
            f"query {query:.2f} ms (ids only {where:.2f}), without the index {scan:.1f} ms",
            file=sys.stderr,
        )

    print(
        f"\nmedian of {runs} runs each (the NOT INDEXED scan: {max(3, runs // 4)}); "
        "each database: 80 % open, 10 touches a deal, 200 due + 50 unscheduled "
        "listed, 20 snoozed skipped.\n"
    )
    print(
        "| deals | open | activities | listed | funnel due ms | floor ms | ratio "
        "| due query ms | its ids only ms | NOT INDEXED ms | floor check |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for bench, listed, fun, flo, query, where, scan, check in rows:
        print(
            f"| {bench.deals:,} | {bench.open_deals:,} | {bench.touches:,} | {listed} | "
            f"{fun:.1f} | {flo:.1f} | {fun / flo:.2f}x | {query:.2f} | {where:.2f} | "
            f"{scan:.1f} | {check} |"
        )
    if largest is not None:
        conn = sqlite3.connect(largest)
        for name, sql in (("due", DUE), ("unscheduled", UNSCHEDULED)):
            print(f"\nEXPLAIN QUERY PLAN of the {name} query on {largest.name}:\n")
            for line in plan(conn, sql):
                print("    " + line)
        conn.close()
