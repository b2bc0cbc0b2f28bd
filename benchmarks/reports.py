"""Time `funnel report funnel` and `funnel report metrics` against the naive
query (naive_report.py: days in stage by replaying the event log), and
measure funnel's peak memory.

    python benchmarks/reports.py [--runs 5] [--db PATH] [--since-days 90]

The database is generate.py's cached file for REPORTS_SPEC (1,000,000
deals, 5 stage events a deal on average: ~5,000,000 events; generated if
missing, ~5 min), or `--db`. It is used in place: reports only read.

For each window (all time, and `--since 90d`: stays and closes from 90 days
before FUNNEL_NOW) it runs, interleaved, `--runs` times each after one
warm-up: naive_report.py, `funnel report funnel` and `funnel report
metrics` (piped, so the plain table). Each is a fresh child process reaped
with os.wait4(), which gives its wall time and its own peak RSS
(ru_maxrss). The target: each report's median under one fifth of the
naive query's (ratio < 0.20), and peak RSS under 150 MB.

The check column: funnel's `--format json` days in stage (avg and median,
rounded to 2 decimals as funnel shows them) against the naive replay's,
stage by stage, so the stays funnel keeps on write and the event log agree.
`--queries` also times each SQL statement of funnel's two reports in this
process (a trace callback), to show where the time goes. `--what-if` times
funnel's days-in-stage statements (store/reports.py stage_days(), copied:
a count and sum, then the median through ORDER BY days LIMIT/OFFSET, per
stage) as they are, without their JOIN to deals, and with an index on
stage_stays(stage_id, days, left_at), on a copy of the database in
benchmarks/data/ that is deleted afterwards (~4 min).

`--engine postgres` (issue 15) times the same on a team database: a
throwaway server (tests/pgserver.py: fsync off, shared_buffers
`--shared-buffers`, 128MB by default) into which the file is loaded with
`funnel team migrate-from` (timed: wall and peak RSS), then VACUUM ANALYZE,
or `--pg-url`, a team database already loaded from that file. The naive
query is naive_report_pg.py (the same replay in PostgreSQL's SQL), and
`--queries` also prints EXPLAIN (ANALYZE, BUFFERS) of each statement over
100 ms, on a connection with funnel's options. The load goes into an
empty database, as issue 15 has it. `--counter-first` instead sets the
database up by `funnel team init` and moves its deal counter (funnel_ids)
to the file's highest deal number first, for a funnelcli whose team schema
is 1: there, migrate-from's COPY updated that one row once per deal in one
transaction, which is quadratic (100,000 deals: 173 s instead of 35 s;
hours at 1M). Schema 2 (store/pg_m002.py) moves it once per statement.
`--keep-server` leaves the server running afterwards (its URL is printed)
for later `--pg-url` runs. Peak RSS is funnel's own process: the
server's memory is not in it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

from generate import Spec, cached
from run import NOW, Bench, _version, funnel_argv

HERE = Path(__file__).resolve().parent
REPORTS_SPEC = Spec(deals=1_000_000, events=5, now=NOW)
RATIO = 0.2  # funnel's report under one fifth of the naive query
RSS_MB = 150
TESTS = HERE.parent / "tests"  # pgserver.py: the throwaway PostgreSQL server
SLOW_MS = 100  # --queries on PostgreSQL: EXPLAIN ANALYZE of the statements slower than this


def measure(argv: list[str], env: dict[str, str], tmp: Path) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of one fresh child process."""
    err_path = tmp / "stderr.txt"
    with open(err_path, "w") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err
        )
        _, status, usage = os.wait4(proc.pid, 0)
        took = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {proc.returncode}:\n{err_path.read_text()}")
    return took, usage.ru_maxrss / 1024  # Linux: kilobytes


def naive_argv(db: Path, since: str | None) -> list[str]:
    argv = [sys.executable, str(HERE / "naive_report.py"), str(db)]
    return argv + (["--since", since] if since else [])


def naive_pg_argv(url: str, since: str | None) -> list[str]:
    argv = [sys.executable, str(HERE / "naive_report_pg.py"), url]
    return argv + (["--since", since] if since else [])


def check(
    bench: Bench,
    db: Path,
    since_args: list[str],
    since_utc: str | None,
    naive_cmd: list[str] | None = None,
) -> str:
    """Funnel's days in stage against the naive replay's (`naive_cmd`, else
    naive_report.py on `db`), stage by stage."""
    out = bench.run(
        [*funnel_argv(), "report", "funnel", "--format", "json", *since_args], capture=True
    )
    record = json.loads(out.stdout)
    if naive_cmd is None:
        naive_cmd = naive_argv(db, since_utc)
    naive = [json.loads(line) for line in bench.run(naive_cmd, capture=True).stdout.splitlines()]
    if since_utc is not None and not since_utc.startswith(str(record.get("since"))[:16]):
        return f"window differs: funnel since {record.get('since')!r} vs {since_utc!r}"
    stages = record["stages"]
    if [s["stage"] for s in stages] != [n["stage"] for n in naive]:
        return "stages differ"
    bad = []
    for s, n in zip(stages, naive, strict=True):
        for key, nkey in (
            ("avg_days_in_stage", "avg_days"),
            ("median_days_in_stage", "median_days"),
        ):
            want = None if n[nkey] is None else round(n[nkey], 2)
            got = s.get(key)
            if got is None or want is None:
                if got != want:
                    bad.append(f"{s['stage']} {key} {got} vs {want}")
            elif abs(got - want) > 0.011:  # a sum in another order can round the other way
                bad.append(f"{s['stage']} {key} {got} vs {want}")
    if bad:
        return "days differ: " + "; ".join(bad[:3])
    stays = sum(n["stays"] for n in naive)
    return f"days in stage equal ({len(stages)} stages, {stays:,} stays)"


def queries(bench: Bench, args: list[str]) -> list[tuple[float, str]]:
    """(ms, statement) for each statement funnel runs for `args`, in this process:
    the time from one statement's start to the next's (Python in between included)."""
    code = f"""
import json, sqlite3, sys, time
marks = []
real = sqlite3.connect
def connect(*a, **kw):
    conn = real(*a, **kw)
    conn.set_trace_callback(lambda s: marks.append((time.perf_counter(), s)))
    return conn
sqlite3.connect = connect
from funnelcli.__main__ import main
sys.argv = ["funnel", *{args!r}]
try:
    main()
except SystemExit:
    pass
marks.append((time.perf_counter(), "(end)"))
rows = [((b[0] - a[0]) * 1e3, a[1]) for a, b in zip(marks, marks[1:])]
sys.stderr.write(json.dumps(rows))
"""
    out = bench.run([sys.executable, "-c", code], capture=True)
    return [tuple(r) for r in json.loads(out.stderr)]


def stage_days(conn: sqlite3.Connection, since: str | None, *, join: bool) -> list[tuple]:
    """store/reports.py stage_days() for the stages of `sales`, without --owner:
    (stays, mean, median) per stage; `join=False` leaves out `JOIN deals d`."""
    ended_in = "(st.left_at IS NOT NULL" + (" AND st.left_at >= :since" if since else "") + ")"
    base = (
        f"FROM stage_stays st {'JOIN deals d ON d.id = st.deal_id ' if join else ''}"
        f"WHERE st.stage_id = :stage AND st.days IS NOT NULL AND {ended_in} "
    )
    stages = conn.execute(
        "SELECT s.id FROM stages s JOIN pipelines p ON p.id = s.pipeline_id "
        "WHERE p.key = 'sales' AND s.removed_at IS NULL ORDER BY s.position"
    ).fetchall()
    out = []
    for (stage,) in stages:
        params = {"since": since, "stage": stage}
        count, total = conn.execute(f"SELECT count(*), sum(st.days) {base}", params).fetchone()
        middle = conn.execute(
            f"SELECT st.days {base} ORDER BY st.days LIMIT :n OFFSET :off",
            {**params, "n": 2 - count % 2, "off": (count - 1) // 2},
        ).fetchall()
        out.append(
            (count, round(total / count, 2), round(sum(r[0] for r in middle) / len(middle), 2))
        )
    return out


def what_if(db: Path, windows: list[tuple[str, list[str], str | None]]) -> None:
    """Where report funnel's time goes, and what would remove it (see the docstring)."""
    import shutil

    copy = db.with_name("what-if-" + db.name)
    shutil.copyfile(db, copy)  # also leaves its pages in the OS cache
    try:
        conn = sqlite3.connect(copy, isolation_level=None)  # funnel's 2 MB page cache
        print(
            "\nstage_days() x 6 stages, one run each in this process (what would change "
            "funnel's report funnel):\n"
        )
        print("| window | stage_stays index | JOIN deals | s | same figures |")
        print("|---|---|---|---:|---|")
        baseline: dict[str, list[tuple]] = {}

        def run(label: str, since: str | None, index: str, join: bool) -> None:
            started = time.perf_counter()
            result = stage_days(conn, since, join=join)
            took = time.perf_counter() - started
            same = "" if label not in baseline else str(result == baseline[label]).lower()
            baseline.setdefault(label, result)
            print(
                f"| {label} | {index} | {'yes' if join else 'no'} | {took:.2f} | {same} |",
                flush=True,
            )

        for label, _, since in windows:
            run(label, since, "(stage_id, days) (m003)", True)
            run(label, since, "(stage_id, days) (m003)", False)
        started = time.perf_counter()
        conn.execute("CREATE INDEX what_if_stays ON stage_stays(stage_id, days, left_at)")
        made = time.perf_counter() - started
        for label, _, since in windows:
            run(label, since, "+ (stage_id, days, left_at)", True)
            run(label, since, "+ (stage_id, days, left_at)", False)
        print(f"\n(CREATE INDEX ... ON stage_stays(stage_id, days, left_at): {made:.1f} s)")
        conn.close()
    finally:
        copy.unlink(missing_ok=True)


def pg_queries(bench: Bench, args: list[str]) -> list[tuple[float, str, str]]:
    """(ms, statement, plan) for each statement funnel sends to PostgreSQL for
    `args`, in this process (psycopg's Connection.execute wrapped): the time from
    one statement's start to the next's, as queries() on SQLite. Each statement
    over SLOW_MS is then run again under EXPLAIN (ANALYZE, BUFFERS), with its
    parameters, on a connection of its own opened with funnel's options and
    given funnel's SETs: its plan (else "")."""
    code = f"""
import json, os, sys, time
import psycopg
marks = []
options = []
real = psycopg.Connection.execute
real_connect = psycopg.connect
def execute(self, query, params=None, **kw):
    marks.append((time.perf_counter(), str(query), params))
    return real(self, query, params, **kw)
def connect(*a, **kw):
    options.append(kw.get("options", ""))
    return real_connect(*a, **kw)
psycopg.Connection.execute = execute
psycopg.connect = connect
from funnelcli.__main__ import main
sys.argv = ["funnel", *{args!r}]
try:
    main()
except SystemExit:
    pass
marks.append((time.perf_counter(), "(end)", None))
psycopg.Connection.execute = real
rows = []
# funnel's own connection options (lock_timeout, jit, …), as its session had them
with real_connect(os.environ["FUNNEL_DB"], autocommit=True, options=options[-1]) as conn:
    for a, b in zip(marks, marks[1:]):
        ms, sql, params = (b[0] - a[0]) * 1e3, a[1], a[2]
        if sql.lstrip().upper().startswith("SET "):
            conn.execute(sql, params)  # the session funnel had (time zone)
        plan = ""
        if ms > {SLOW_MS} and sql.lstrip().upper().startswith(("SELECT", "WITH")):
            found = conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            plan = "\\n".join(r[0] for r in found)
        rows.append((ms, sql, plan))
sys.stderr.write(json.dumps(rows))
"""
    out = bench.run([sys.executable, "-c", code], capture=True)
    return [tuple(r) for r in json.loads(out.stderr)]


@contextlib.contextmanager
def pg_team(db: Path, args: argparse.Namespace, tmp: Path) -> Iterator[tuple[str, list[str]]]:
    """A team database loaded from the SQLite file `db`: `--pg-url` as it is,
    else a throwaway server's (stopped afterwards), loaded by `funnel team
    migrate-from` and VACUUM ANALYZEd. Yields its URL and lines saying how."""
    import psycopg

    if args.pg_url:
        with psycopg.connect(args.pg_url) as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
        yield args.pg_url, [f"PostgreSQL {version}, the team database given by --pg-url"]
        return
    sys.path.insert(0, str(TESTS))
    import pgserver  # type: ignore[import-not-found]  # tests/, put on sys.path above

    # tests/pgserver.py's settings (fsync off: nothing of it is kept) but a
    # server's usual shared_buffers, not the test suite's 32MB
    pgserver.SETTINGS = {**pgserver.SETTINGS, "shared_buffers": args.shared_buffers}
    server = pgserver.Server().start()
    url = pgserver.with_database(server.url, "funnel_reports")
    try:
        with psycopg.connect(server.url, autocommit=True) as admin:
            admin.execute("CREATE DATABASE funnel_reports")
            version = admin.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
            shown = {
                key: admin.execute(f"SHOW {key}").fetchone()[0]  # type: ignore[index]
                for key in (
                    "shared_buffers",
                    "work_mem",
                    "fsync",
                    "synchronous_commit",
                    "max_parallel_workers_per_gather",
                )
            }
        notes = [
            f"PostgreSQL {version} (tests/pgserver.py's throwaway server, "
            + ", ".join(f"{k}={v}" for k, v in shown.items())
            + ")"
        ]
        env = {**os.environ, "FUNNEL_CONFIG": str(tmp / "none" / "config.toml"), "TZ": "UTC"}
        env.pop("FUNNEL_DB", None)
        if args.counter_first:
            init = [*funnel_argv(), "--db", url, "team", "init", "--timezone", "UTC"]
            subprocess.run(init, env=env, check=True, capture_output=True)
            top = sqlite3.connect(db).execute("SELECT max(id) FROM deals").fetchone()[0]
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("UPDATE funnel_ids SET last = %s WHERE tbl = 'deals'", (top,))
            notes.append(
                f"set up by `funnel team init`, its deal counter moved to {top:,} "
                "(the file's highest deal number) before migrate-from"
            )
        print(f"loading {db.name} into PostgreSQL…", file=sys.stderr)
        load = [*funnel_argv(), "--db", url, "team", "migrate-from", str(db)]
        took, peak = measure(load, env, tmp)
        notes.append(f"`funnel team migrate-from`: {took:.1f} s, peak RSS {peak:.0f} MB")
        print(f"  {notes[-1]}", file=sys.stderr)
        # what index-only scans can skip the table for (the visibility map): after
        # the load, then after VACUUM
        visible = (
            "SELECT string_agg(format('%s %s/%s', relname, relallvisible, relpages), ', ' "
            "ORDER BY relname) FROM pg_class WHERE relname IN ('deals', 'stage_stays')"
        )
        with psycopg.connect(url, autocommit=True) as conn:
            loaded = conn.execute(visible).fetchone()[0]  # type: ignore[index]
        started = time.perf_counter()
        with psycopg.connect(url, autocommit=True) as conn:
            # This server commits asynchronously (synchronous_commit off), and
            # a row's "committed" hint bit, which VACUUM needs to call its page
            # all-visible, can't be set before the commit's WAL is flushed: a
            # VACUUM right after the load left 2,172 of deals' 35,010 pages
            # all-visible (one later: all). CHECKPOINT flushes it first.
            conn.execute("CHECKPOINT")
            conn.execute("VACUUM ANALYZE")
            size = conn.execute(
                "SELECT pg_size_pretty(pg_database_size(current_database()))"
            ).fetchone()[0]  # type: ignore[index]
            seen = conn.execute(visible).fetchone()[0]  # type: ignore[index]
        notes.append(
            f"VACUUM ANALYZE: {time.perf_counter() - started:.1f} s; database {size}; "
            f"pages all-visible of all: {loaded} after the load, {seen} after VACUUM"
        )
        print(f"  {notes[-1]}", file=sys.stderr)
        yield url, notes
    finally:
        if args.keep_server:  # for --pg-url runs after this one
            import atexit

            atexit.unregister(server._at_exit)
            print(
                f"server kept: --pg-url {url} (data {server.data}); stop it with "
                f"pg_ctl stop -m immediate -D {server.data} (as postgres), "
                f"then remove {server.dir}",
                file=sys.stderr,
            )
        else:
            server.stop()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5, help="timed runs of each program (5)")
    ap.add_argument("--db", type=Path, help="database (default: cached REPORTS_SPEC)")
    ap.add_argument("--since-days", type=int, default=90, help="the --since window (90)")
    ap.add_argument(
        "--queries", action="store_true", help="also time each SQL statement of the reports"
    )
    ap.add_argument(
        "--what-if",
        action="store_true",
        help="only time report funnel's days-in-stage SQL as is and changed (on a copy)",
    )
    ap.add_argument(
        "--engine",
        choices=("sqlite", "postgres"),
        default="sqlite",
        help="sqlite: the file itself; postgres: a team database loaded from it (issue 15)",
    )
    ap.add_argument(
        "--pg-url", help="postgres: a team database already loaded from the file (else a server)"
    )
    ap.add_argument(
        "--shared-buffers", default="128MB", help="postgres: the server's shared_buffers (128MB)"
    )
    ap.add_argument(
        "--counter-first",
        action="store_true",
        help="postgres: team init and the deal counter moved before migrate-from (schema 1)",
    )
    ap.add_argument(
        "--keep-server",
        action="store_true",
        help="postgres: leave the server running afterwards (for --pg-url runs)",
    )
    args = ap.parse_args(argv)
    if args.engine == "postgres" and args.what_if:
        ap.error("--what-if is SQLite only")
    db = args.db or cached(REPORTS_SPEC)
    since_day = date.fromisoformat(NOW[:10]) - timedelta(days=args.since_days)
    windows = [
        ("all time", [], None),
        # TZ=UTC: `--since 90d` is that day's start in UTC
        (
            f"--since {args.since_days}d",
            ["--since", f"{args.since_days}d"],
            f"{since_day}T00:00:00Z",
        ),
    ]
    if args.what_if:
        what_if(db, windows)
        return 0
    rows = []
    pg_notes: list[str] = []
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="funnel-reports-")))
        bench = Bench(db, tmp, copy=False)
        events = sqlite3.connect(db).execute("SELECT count(*) FROM stage_events").fetchone()[0]
        url = None
        if args.engine == "postgres":
            url, pg_notes = stack.enter_context(pg_team(db, args, tmp))
            bench.env["FUNNEL_DB"] = url  # every funnel command on the team database
        for label, since_args, since_utc in windows:
            naive_cmd = naive_argv(db, since_utc) if url is None else naive_pg_argv(url, since_utc)
            programs = {
                "naive": naive_cmd,
                "report funnel": [*funnel_argv(), "report", "funnel", *since_args],
                "report metrics": [*funnel_argv(), "report", "metrics", *since_args],
            }
            verdict = check(bench, db, since_args, since_utc, naive_cmd)
            print(f"  {label}: {verdict}", file=sys.stderr)
            for argv in programs.values():  # warm-up: page cache, .pyc files
                measure(argv, bench.env, tmp)
            times: dict[str, list[float]] = {name: [] for name in programs}
            rss: dict[str, list[float]] = {name: [] for name in programs}
            names = list(programs)
            for i in range(args.runs):  # interleaved, rotating who goes first
                for name in names[i % 3 :] + names[: i % 3]:
                    took, peak = measure(programs[name], bench.env, tmp)
                    times[name].append(took)
                    rss[name].append(peak)
            naive = statistics.median(times["naive"])
            for name in programs:
                med = statistics.median(times[name])
                rows.append(
                    (label, name, med, min(times[name]), naive, max(rss[name]), since_args, verdict)
                )
                print(
                    f"  {label} {name}: {med:.2f} s ({med / naive:.2f} of naive), "
                    f"peak RSS {max(rss[name]):.0f} MB",
                    file=sys.stderr,
                )
        if args.queries:
            for _label, since_args, _ in windows:
                for report in ("funnel", "metrics"):
                    cmd = ["report", report, *since_args]
                    print(f"\nSQL of `funnel {' '.join(cmd)}` (ms from start to the next):\n")
                    if url is not None:
                        for ms, sql, plan in pg_queries(bench, cmd):
                            text = " ".join(sql.split())
                            print(f"  {ms:8.1f}  {text[:150]}")
                            if plan:
                                print("\n    " + plan.replace("\n", "\n    ") + "\n")
                        continue
                    for ms, sql in queries(bench, cmd):
                        text = " ".join(sql.split())
                        print(f"  {ms:8.1f}  {text[:150]}")

    engine = f"SQLite {sqlite3.sqlite_version}"
    if url is not None:
        engine = f"psycopg {_version('psycopg')}; {'; '.join(pg_notes)}"
    print(
        f"\n{time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPUs ({platform.machine()}), "
        f"Python {platform.python_version()}, {engine}, "
        f"typer {_version('typer')}; {bench.deals:,} deals ({bench.open_deals:,} open), "
        f"{events:,} stage events, {bench.touches:,} activities; median of {args.runs} runs "
        f"each, interleaved; target: under {RATIO:.2f} of the naive query, peak RSS under "
        f"{RSS_MB} MB; load average {os.getloadavg()[0]:.2f} at the end.\n"
    )
    print("| window | command | s (min) | naive s | ratio | result | peak RSS MB | check |")
    print("|---|---|---:|---:|---:|:---:|---:|---|")
    for label, name, med, low, naive, peak, since_args, verdict in rows:
        if name == "naive":
            cmd = "`naive_report.py` (replay)" if url is None else "`naive_report_pg.py` (replay)"
            result, ratio, note = "", "1.00", ""
        else:
            cmd = f"`funnel {' '.join([name, *since_args])}`"
            ok = med / naive < RATIO and peak < RSS_MB
            result, ratio = ("PASS" if ok else "FAIL"), f"{med / naive:.2f}"
            note = verdict if name == "report funnel" else ""
        print(
            f"| {label} | {cmd} | {med:.2f} ({low:.2f}) | {naive:.2f} | {ratio} | {result} | "
            f"{peak:.0f} | {note} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
