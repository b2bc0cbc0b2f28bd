"""Issue 15: the everyday commands' start-up on PostgreSQL, against a floor.

    python benchmarks/pg_startup.py [--runs 30] [--only add,move,...] [--url URL]

On a throwaway server (tests/pgserver.py; or `--url`, a server whose user
may CREATE DATABASE) over loopback TCP, the benchmark databases are loaded
with `funnel team migrate-from` (run.py's start-up file of 100,000 deals,
and its due file when `due-check` runs) into a template database, once per
server (~3 min for 100,000 deals), and each suite runs on a fresh copy of
it (CREATE DATABASE … TEMPLATE), so adds and moves don't pile up.

The commands are run.py's everyday set (issue 12), with run.py's choice of
deals (its Bench, on the SQLite file the database was loaded from: the
numbers are the same): `add`, `move` (two deals in the first stage, each
moved demo -> proposal -> demo …), `log`, `won` (a fresh open deal each run),
`show`, `list --limit 20 --format json`, `due --check` (exit 3).

The floor (floor_pg.py) replays what funnel sent, recorded at run time, so
it follows funnel's statements as they change: each command is first run
twice under pgtrace.py (two deals where the command takes one: funnel's and
the floor's), which records every statement with its parameters as psycopg
receives them and the rows it returned; comparing the two runs tells which
parameters are a fresh uuid, the deal argument or a value an earlier
statement returned (anything else that differs stops the benchmark), and
the recording is written as a Python module the floor imports. Then funnel
and its replay are each run once with output captured and compared, and
once through pgtrace.Proxy, which counts the round trips each makes on the
wire (a floor making fewer trips than funnel would show). Then funnel, the
floor and the bare floor (floor_pg_bare.py: Typer, psycopg, connect with
the keywords funnel passed, `SELECT 1`) are timed interleaved, `--runs`
times each after a warm-up, and
the table gives the medians (and minimums), the ratios and PASS/FAIL at
1.3x of both floors. After the timing, funnel is traced once more: had the
statements changed meanwhile (others edit src/), the check column says so.

Statements: each statement psycopg was asked to send (an executemany row
counts as one). Round trips: how many times the client waited for the
server: the proxy's turns (the server answering after the client sent,
however many statements a pipeline batched) plus one TCP handshake per
connection. `--rtt-ms` sets the network round trip the "at N ms" column
prices them at (30).

`--importtime` prints what `import psycopg` adds to a Typer app's start-up
(python -X importtime, median of --runs).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generate import Spec, cached
from pgtrace import Proxy
from run import DUE_SPEC, EXIT, LABELS, NOW, ORDERS, Bench, compare, floor, funnel_argv
from sqltrace import normalize

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from pgserver import Server, with_database  # type: ignore[import-not-found]  # noqa: E402

EVERYDAY = ("add", "move", "log", "won", "show", "list-limit", "due-check")
TARGET = 1.3
NAMES = {"list-limit": "list_limit", "due-check": "due_check"}  # recording module names
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")
BARE = ["bare"]


class ReplayError(SystemExit):
    """Funnel's two traced runs can't be turned into one replay."""


# -- the server and its databases ----------------------------------------


def admin(url: str) -> Any:
    """An autocommit connection to the server, for CREATE/DROP DATABASE."""
    import psycopg

    return psycopg.connect(url, autocommit=True)


def template_name(source: Path) -> str:
    """The template database a SQLite file is loaded into, named after it."""
    return "tpl_" + re.sub(r"\W", "_", source.stem).lower()


def loaded(url: str, source: Path, env: dict[str, str]) -> str:
    """The template database holding `source` on the server at `url`, loaded
    with `funnel team migrate-from` if it isn't there yet; its name."""
    name = template_name(source)
    with admin(url) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            return name
        part = name + "_part"
        conn.execute(f'DROP DATABASE IF EXISTS "{part}"')
        conn.execute(f'CREATE DATABASE "{part}"')
    print(f"loading {source.name} into {name} (funnel team migrate-from)…", file=sys.stderr)
    started = time.perf_counter()
    argv = [*funnel_argv(), "--db", with_database(url, part), "team", "migrate-from", str(source)]
    proc = subprocess.run(argv, env=env, text=True, capture_output=True, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {proc.returncode}:\n{proc.stderr}")
    print(f"  {proc.stderr.strip()} ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    with admin(url) as conn:
        conn.execute(f'ALTER DATABASE "{part}" RENAME TO "{name}"')
    return name


@contextmanager
def working_copy(url: str, template: str) -> Iterator[str]:
    """A fresh copy of the template database; its URL; dropped afterwards."""
    name = f"{template}_run{os.getpid()}"
    with admin(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield with_database(url, name)
    finally:
        with admin(url) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# -- recordings ----------------------------------------------------------


def decode(value: Any) -> Any:
    """pgtrace's JSON value back as psycopg received it."""
    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, dict):
        if "tuple" in value:
            return tuple(decode(v) for v in value["tuple"])
        if "dict" in value:
            return {k: decode(v) for k, v in value["dict"].items()}
        if "bytes" in value:
            return bytes.fromhex(value["bytes"])
        raise ReplayError(f"a {value['type']} parameter ({value['repr']}) can't be replayed")
    return value


@dataclass
class Trace:
    """One traced run of funnel: what it sent, printed and exited with."""

    argv: list[str]
    events: list[dict[str, Any]]
    connects: list[dict[str, Any]]
    waits: int
    connect_polls: int
    stdout: str
    stderr: str
    status: int
    subs: dict[int, str] = field(default_factory=dict)  # event index: what the floor changes

    @property
    def statements(self) -> list[str]:
        """The statements sent, normalized (an executemany row counts as one)."""
        out = []
        for e in self.events:
            if e["op"] == "executemany":
                out += [normalize(e["sql"])] * len(e["params"])
            elif "sql" in e:
                out.append(normalize(e["sql"]))
        return out

    def listing(self) -> list[str]:
        """The statements as a numbered list, pipelines and early reads marked."""
        lines, n, depth = [], 0, 0
        for i, e in enumerate(self.events):
            if e["op"] == "pipeline":
                lines.append("  pipeline {")
                depth = 1
            elif e["op"] == "end-pipeline":
                lines.append("  } (sync: one trip for the batch)")
                depth = 0
            elif e["op"] == "fetch":
                lines.append(f"  {'  ' * depth}(reads #{self._number(e['of'])} early: a trip)")
            else:
                n += 1
                many = f" x{len(e['params'])}" if e["op"] == "executemany" else ""
                text = normalize(e["sql"])
                text = text if len(text) <= 110 else text[:107] + "..."
                sub = f" [floor: {self.subs[i]}]" if i in self.subs else ""
                lines.append(f"  {'  ' * depth}{n}. {text}{many}{sub}")
        return lines

    def _number(self, index: int) -> int:
        return sum(1 for e in self.events[: index + 1] if "sql" in e)


def slots(params: Any) -> list[Any]:
    """The keys (a dict) or indexes (a sequence) of a statement's parameters."""
    if params is None:
        return []
    return list(params) if isinstance(params, dict) else list(range(len(params)))


def rows_of(event: dict[str, Any]) -> list[Any]:
    """The rows a traced statement returned (none when it returned nothing)."""
    return decode(event.get("rows", []))


def explain(
    label: str, i: int, key: Any, v1: Any, v2: Any, args: tuple[str | None, str | None], t: Any
) -> tuple[Any, ...]:
    """How the floor gets parameter `key` of statement i, which was v1 in the
    first traced run and v2 in the second: a substitution."""
    a1, a2 = args
    if isinstance(v1, str) and isinstance(v2, str) and UUID.match(v1) and UUID.match(v2):
        return (key, "uuid")
    if a1 is not None and a2 is not None and a1 != a2:
        if type(v1) is int and type(v2) is int and str(v1) == a1 and str(v2) == a2:
            return (key, "arg", "int")
        if v1 == a1 and v2 == a2:
            return (key, "arg", "str")
        if isinstance(v1, str) and isinstance(v2, str) and a1 in v1:
            parts = v1.split(a1)
            if parts == v2.split(a2):
                return (key, "text", tuple(parts))
    e1, e2 = t
    for j in range(i - 1, -1, -1):  # the nearest earlier statement that returned it
        r1, r2 = rows_of(e1[j]), rows_of(e2[j])
        for r, (row1, row2) in enumerate(zip(r1, r2, strict=False)):
            for c, (x1, x2) in enumerate(zip(row1, row2, strict=False)):
                if type(x1) is type(v1) and x1 == v1 and type(x2) is type(v2) and x2 == v2:
                    return (key, "ref", j, r, c)
    raise ReplayError(
        f"{label}: parameter {key!r} of statement {i + 1} was {v1!r} in one run and "
        f"{v2!r} in the other, and is no uuid, no deal argument and nothing an earlier "
        "statement returned: the floor can't replay it"
    )


def recording(label: str, t1: Trace, t2: Trace, args: tuple[str | None, str | None]) -> str:
    """The floor's recording (Python source) from two traced runs of one command."""
    e1, e2 = t1.events, t2.events
    shape1 = [(e["op"], e.get("sql")) for e in e1]
    shape2 = [(e["op"], e.get("sql")) for e in e2]
    if shape1 != shape2:
        where = next(
            (i for i, (a, b) in enumerate(zip(shape1, shape2, strict=False)) if a != b),
            min(len(shape1), len(shape2)),
        )
        one, two = (s[where] if where < len(s) else "(nothing)" for s in (shape1, shape2))
        raise ReplayError(
            f"{label}: funnel's two traced runs sent different statements, first at event "
            f"{where + 1}: {str(one)[:200]} vs {str(two)[:200]}"
        )
    if len(t1.connects) != 1:
        raise ReplayError(f"{label}: funnel made {len(t1.connects)} connections, the floor 1")
    steps: list[tuple[Any, ...]] = []
    uuids = False
    for i, (a, b) in enumerate(zip(e1, e2, strict=True)):
        op = a["op"]
        if op in ("copy", "server-execute"):
            raise ReplayError(f"{label}: the floor doesn't replay {op} ({a['sql'][:60]})")
        if op == "execute":
            p1, p2 = decode(a["params"]), decode(b["params"])
            subs = tuple(
                explain(label, i, k, p1[k], p2[k], args, (e1, e2))
                for k in slots(p1)
                if not (type(p1[k]) is type(p2[k]) and p1[k] == p2[k])
            )
            steps.append((op, a["sql"], p1, decode(a["kw"]), subs))
        elif op == "executemany":
            rows1, rows2 = decode(a["params"]), decode(b["params"])
            if len(rows1) != len(rows2):
                raise ReplayError(f"{label}: executemany of {len(rows1)} and {len(rows2)} rows")
            subs_rows = tuple(
                tuple(
                    explain(label, i, k, r1[k], r2[k], args, (e1, e2))
                    for k in slots(r1)
                    if not (type(r1[k]) is type(r2[k]) and r1[k] == r2[k])
                )
                for r1, r2 in zip(rows1, rows2, strict=True)
            )
            steps.append((op, a["sql"], rows1, decode(a["kw"]), subs_rows))
        elif op == "fetch":
            steps.append((op, None, a["of"], None, ()))
        else:  # pipeline, end-pipeline
            steps.append((op, None, None, None, ()))
        flat = _flat(steps[-1])
        uuids = uuids or any(s[1] == "uuid" for s in flat)
        if flat:
            t1.subs[i] = ", ".join(_describe(s, t1) for s in flat)
    literal = repr(steps)
    if ast.literal_eval(literal) != steps:
        raise ReplayError(f"{label}: a parameter has no Python literal")
    connect = decode(t1.connects[0]["kwargs"])
    return (
        f'"""Recording of `funnel {" ".join(t1.argv)}` for floor_pg.py (pg_startup.py)."""\n\n'
        f"CONNECT = {connect!r}\nUUIDS = {uuids!r}\nSTATUS = {t1.status!r}\n"
        f"STDOUT = {t1.stdout!r}\nSTDERR = {t1.stderr!r}\nSTEPS = {literal}\n"
    )


def _describe(sub: tuple[Any, ...], trace: Trace) -> str:
    key, kind, *how = sub
    if kind == "ref":
        return f"{key} = #{trace._number(how[0])}'s row {how[1] + 1} column {how[2] + 1}"
    what = {"uuid": "a fresh uuid4", "arg": "the deal", "text": "the text with the deal"}
    return f"{key} = {what[kind]}"


def _flat(step: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    subs = step[4]
    if step[0] == "executemany":
        return [s for row in subs for s in row]
    return list(subs)


# -- the benchmark -------------------------------------------------------


@dataclass
class Result:
    """One command's row: times (seconds) by program, counts, checks."""

    cmd: str
    med: dict[str, float] = field(default_factory=dict)
    low: dict[str, float] = field(default_factory=dict)
    statements: int = 0  # funnel's; the floor's are the same by construction
    trips: tuple[int, int] = (0, 0)
    bare_trips: int = 0  # the bare floor's: connecting, and SELECT 1
    check: str = ""
    trace: Trace | None = None
    far: dict[str, float] = field(default_factory=dict)  # medians through the delaying proxy
    cpu: dict[str, float] = field(default_factory=dict)  # median user + system time
    far_trips: dict[str, list[int]] = field(default_factory=dict)  # as the far proxy saw them


class PgBench:
    """run.py's Bench (its deals, its environment) pointed at a PostgreSQL copy."""

    far_url: str | None = None  # through a proxy adding --rtt-ms to each trip
    far_proxy: Proxy | None = None
    far_runs = 5

    def __init__(self, source: Path, tmp: Path, url: str, proxy_url: str) -> None:
        self.bench = Bench(source, tmp, copy=False)
        self.url = url
        self.proxy_url = proxy_url
        self.replays = tmp / "replay"
        self.replays.mkdir(exist_ok=True)
        self.bench.env.update(FUNNEL_DB=url, FUNNEL_PG_REPLAY=str(self.replays))
        self.tmp = tmp

    def funnel(self, cmd: str) -> list[str]:
        """funnel's arguments for its next run of `cmd` (run.py's deals)."""
        return self.bench.args(cmd, "funnel")

    def floor_args(self, cmd: str) -> list[str]:
        """floor_pg.py's arguments for the floor's next run of `cmd`."""
        args = self.bench.args(cmd, "floor")
        if cmd == "move":
            return ["replay", f"move_{args[2]}", args[1]]
        if cmd in ("won", "log", "show"):
            return ["replay", cmd, args[1]]
        return ["replay", NAMES.get(cmd, cmd)]

    def trace(self, args: list[str], status: int) -> Trace:
        """One run of `funnel ARGS` under pgtrace.py."""
        out = self.tmp / "trace.json"
        code = f"import sys; sys.path.insert(0, {str(HERE)!r}); import pgtrace; pgtrace.main()"
        argv = [sys.executable, "-c", code, str(out), "funnel", *args]
        proc = self.bench.run(argv, capture=True, status=status)
        data = json.loads(out.read_text())
        return Trace(
            args,
            data["events"],
            data["connects"],
            data["waits"],
            data["connect_polls"],
            proc.stdout,
            proc.stderr,
            proc.returncode,
        )

    def record(self, cmd: str) -> Trace:
        """Trace funnel twice and write the floor's recording(s) of `cmd`; the
        first trace (for the statement list)."""
        status = EXIT.get(cmd, 0)
        first = None
        for _target in ("demo", "proposal") if cmd == "move" else (None,):
            if cmd in ("move", "won"):  # funnel's deal, then the floor's
                a1 = self.funnel(cmd)
                a2 = self.bench.args(cmd, "floor")
            else:
                a1 = self.funnel(cmd)
                a2 = self.funnel(cmd)
            deal = (a1[1], a2[1]) if cmd in ("move", "won", "log", "show") else (None, None)
            name = f"move_{a1[2]}" if cmd == "move" else NAMES.get(cmd, cmd)
            t1, t2 = self.trace(a1, status), self.trace(a2, status)
            for attempt in range(3):
                try:
                    source = recording(LABELS[cmd], t1, t2, deal)
                    break
                except ReplayError:
                    # the first `log` of the day differs, or src/ changed between
                    # the two runs: once more, on deals that can take it again
                    if attempt == 2 or cmd in ("move", "won"):
                        raise
                    t1, t2 = t2, self.trace(a2, status)
            (self.replays / f"{name}.py").write_text(source)
            first = first or t1
        assert first is not None
        return first

    def counted(self, argv: list[str], status: int) -> int:
        """Round trips of one run of argv through the counting proxy."""
        env = dict(self.bench.env, FUNNEL_DB=self.proxy_url)
        self.proxy.reset()
        proc = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, capture_output=True)
        if proc.returncode != status:
            raise SystemExit(f"{' '.join(argv)} exited {proc.returncode} through the proxy")
        connections, turns = self.proxy.reset()
        return connections + turns

    proxy: Proxy


def timed(bench: Bench, argv: list[str], status: int) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run of argv: the client's
    CPU time, which a busy machine inflates less than the wall time (the
    server's work is not in it)."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        argv,
        env=bench.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _pid, code, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(code)
    if proc.returncode != status:
        raise SystemExit(f"{' '.join(argv)} exited {proc.returncode}, not {status}")
    return wall, usage.ru_utime + usage.ru_stime


def timing(pg: PgBench, cmd: str, runs: int) -> Result:
    """Record, check, count and time one command (see the module docstring)."""
    bench = pg.bench
    status = EXIT.get(cmd, 0)
    trace = pg.record(cmd)
    fl, bare_argv = floor("pg"), floor("pg_bare") + BARE

    def make_funnel() -> list[str]:
        return funnel_argv() + pg.funnel(cmd)

    def make_floor() -> list[str]:
        return fl + pg.floor_args(cmd)

    check = compare(
        cmd,
        bench.run(make_funnel(), capture=True, status=status),
        bench.run(make_floor(), capture=True, status=status),
    )
    connect = decode(trace.connects[0]["kwargs"])  # the bare floor's too
    (pg.replays / "pg_connect.py").write_text(f"CONNECT = {connect!r}\n")
    trips = (pg.counted(make_funnel(), status), pg.counted(make_floor(), status))
    bare_trips = pg.counted(bare_argv, 0)
    if trips[0] != trips[1]:
        check += f", TRIPS DIFFER ({trips[0]} vs {trips[1]})"
    bench.run(bare_argv)
    times: dict[str, list[float]] = {"funnel": [], "floor": [], "bare": []}
    cpu: dict[str, list[float]] = {"funnel": [], "floor": [], "bare": []}
    makers: dict[str, Callable[[], list[str]]] = {"funnel": make_funnel, "floor": make_floor}
    for i in range(runs):
        for who in ORDERS[i % len(ORDERS)]:
            if who == "bare":
                wall, used = timed(bench, bare_argv, 0)
                times[who].append(wall)
                cpu[who].append(used)
            else:
                wall, used = timed(bench, makers[who](), status)
                times[who].append(wall)
                cpu[who].append(used)
    if pg.far_url is not None:
        far_env = dict(bench.env, FUNNEL_DB=pg.far_url)
        far: dict[str, list[float]] = {"funnel": [], "floor": []}
        far_trips: dict[str, list[int]] = {"funnel": [], "floor": []}
        for i in range(pg.far_runs):
            for who in ("funnel", "floor") if i % 2 == 0 else ("floor", "funnel"):
                argv = makers[who]()
                assert pg.far_proxy is not None
                pg.far_proxy.reset()
                started = time.perf_counter()
                proc = subprocess.run(
                    argv, env=far_env, stdin=subprocess.DEVNULL, capture_output=True
                )
                far[who].append(time.perf_counter() - started)
                connections, turns = pg.far_proxy.reset()
                far_trips[who].append(connections + turns)
                if proc.returncode != status:
                    raise SystemExit(f"{' '.join(argv)} exited {proc.returncode} via the far proxy")
    after = pg.trace(pg.funnel(cmd), status)
    same = after.statements == trace.statements
    check += ", same statements after the timing" if same else ", STATEMENTS CHANGED DURING THE RUN"
    sent = len(trace.statements)
    result = Result(cmd, statements=sent, trips=trips, check=check, trace=trace)
    result.bare_trips = bare_trips
    if pg.far_url is not None:
        result.far = {who: statistics.median(t) for who, t in far.items()}
        result.far_trips = {who: sorted(set(t)) for who, t in far_trips.items()}
    result.med = {who: statistics.median(t) for who, t in times.items()}
    result.low = {who: min(t) for who, t in times.items()}
    result.cpu = {who: statistics.median(t) for who, t in cpu.items()}
    med = result.med
    print(
        f"  {LABELS[cmd]}: {med['funnel'] * 1e3:.1f} ms vs floor {med['floor'] * 1e3:.1f} ms "
        f"= {med['funnel'] / med['floor']:.2f}x, vs bare {med['bare'] * 1e3:.1f} ms "
        f"= {med['funnel'] / med['bare']:.2f}x; {sent} statements, {trips[0]} trips",
        file=sys.stderr,
    )
    return result


def server_info(url: str) -> str:
    """The server's and psycopg's versions, for the header."""
    import psycopg

    with admin(url) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
    return (
        f"PostgreSQL {version} (loopback TCP), psycopg {psycopg.__version__} "
        f"({psycopg.pq.__impl__}, libpq {psycopg.pq.version() // 10000}."
        f"{psycopg.pq.version() % 100})"
    )


def source_state() -> str:
    """The commit funnelcli runs from, and whether src/ differs from it."""

    def git(*args: str) -> str:
        proc = subprocess.run(["git", *args], cwd=HERE.parent, capture_output=True, text=True)
        return proc.stdout.strip()

    head = git("rev-parse", "--short", "HEAD")
    diff = git("diff", "HEAD", "--", "src/")
    if not diff:
        return f"source {head}"
    import hashlib

    files = len(git("diff", "HEAD", "--name-only", "--", "src/").splitlines())
    digest = hashlib.sha1(diff.encode()).hexdigest()[:10]
    return f"source {head} + uncommitted changes to {files} files in src/ (diff sha1 {digest})"


def judge(ratio: float, bare: float) -> str:
    """PASS, or FAIL naming the floor(s) funnel is over TARGET of."""
    missed = [n for n, r in (("floor", ratio), ("bare", bare)) if r > TARGET]
    return "PASS" if not missed else f"FAIL ({', '.join(missed)})"


def report(
    results: list[Result], info: str, runs: int, rtt_ms: float, loads: list[str], source: str
) -> None:
    """The markdown table, the emulated-distance table, each command's statements."""
    import typer

    print(
        f"\n{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} CPUs "
        f"({platform.machine()}), Python {platform.python_version()}, {info}, typer "
        f"{typer.__version__}; {source}; load average {' -> '.join(loads)}; median of {runs} runs "
        f"each, interleaved; target {TARGET}x of both floors.\n"
    )
    print(
        "| command | funnel ms (min) | floor ms (min) | ratio | bare ms (min) | bare ratio "
        f"| CPU ms funnel / floor / bare | CPU ratio | statements | round trips "
        f"| at {rtt_ms:g} ms RTT | result | check |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|---|")
    for r in results:
        ms = {w: f"{r.med[w] * 1e3:.1f} ({r.low[w] * 1e3:.1f})" for w in r.med}
        ratio, bare = r.med["funnel"] / r.med["floor"], r.med["funnel"] / r.med["bare"]
        print(
            f"| `funnel {LABELS[r.cmd]}` | {ms['funnel']} | {ms['floor']} | {ratio:.2f}x | "
            f"{ms['bare']} | {bare:.2f}x | {r.cpu['funnel'] * 1e3:.0f} / {r.cpu['floor'] * 1e3:.0f}"
            f" / {r.cpu['bare'] * 1e3:.0f} | {r.cpu['funnel'] / r.cpu['floor']:.2f}x | "
            f"{r.statements} | {r.trips[0]} | "
            f"+{r.trips[0] * rtt_ms:.0f} ms | {judge(ratio, bare)} | {r.check} |"
        )
    if results and results[0].far:
        print(
            f"\nThrough a proxy holding each chunk {rtt_ms / 2:g} ms each way (a {rtt_ms:g} ms "
            "round trip; the TCP handshake, to the proxy, isn't delayed), median of "
            f"{PgBench.far_runs} runs each:\n"
        )
        print(
            "| command | round trips | at that distance, funnel / floor | funnel ms | floor ms "
            "| ratio |"
        )
        print("|---|---:|---:|---:|---:|---:|")
        for r in results:
            seen = " / ".join(",".join(str(n) for n in r.far_trips[w]) for w in ("funnel", "floor"))
            print(
                f"| `funnel {LABELS[r.cmd]}` | {r.trips[0]} | {seen} | "
                f"{r.far['funnel'] * 1e3:.0f} | {r.far['floor'] * 1e3:.0f} | "
                f"{r.far['funnel'] / r.far['floor']:.2f}x |"
            )
    print("\nStatements each command sends (first traced run, normalized):\n")
    for r in results:
        assert r.trace is not None
        print(
            f"- `funnel {LABELS[r.cmd]}`: {r.statements} statements, {r.trips[0]} round "
            f"trips, {r.bare_trips - 1} of them connecting (the bare floor's {r.bare_trips} "
            "less its SELECT 1)\n"
        )
        print("\n".join("    " + line for line in r.trace.listing()) + "\n")


def importtime(runs: int) -> None:
    """What `import psycopg` adds after `import typer`, under -X importtime:
    its cumulative time beside typer's in the same process (a ratio a busy
    machine moves less than the times), and its biggest parts."""
    cums: dict[str, list[float]] = defaultdict(list)
    for _ in range(runs):
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", "import typer; import psycopg"],
            capture_output=True,
            text=True,
        )
        found = re.finditer(r"import time:\s+\d+ \|\s+(\d+) \|( *)(\S+)", proc.stderr)
        rows = [(m[3], len(m[2]) // 2, int(m[1]) / 1e3) for m in found]
        seen = set()
        for name, depth, cum in rows:
            top = name.split(".")[0]
            if name not in seen and (depth == 0 or (top.startswith("psycopg") and depth <= 2)):
                cums[name].append(cum)  # the first import of each only
                seen.add(name)
    import psycopg

    pg, ty = statistics.median(cums["psycopg"]), statistics.median(cums["typer"])
    print(
        f"\nimport psycopg {psycopg.__version__} ({psycopg.pq.__impl__}) after import typer "
        f"(python -X importtime, median of {runs}; min): psycopg {pg:.1f} ms "
        f"({min(cums['psycopg']):.1f}), typer {ty:.1f} ms ({min(cums['typer']):.1f}): "
        f"psycopg is {pg / ty:.2f}x typer's. Its biggest parts (cumulative, median):"
    )
    parts = [(n, statistics.median(c)) for n, c in cums.items() if n.startswith("psycopg.")]
    parts += [(n, statistics.median(c)) for n, c in cums.items() if n.startswith("psycopg_")]
    for name, ms in sorted(parts, key=lambda kv: -kv[1])[:6]:
        print(f"  {ms:7.1f} ms  {name}")


def load_average() -> str:
    """The 1, 5 and 15 minute load averages."""
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=30, help="timed runs of each program (30)")
    ap.add_argument("--only", default=",".join(EVERYDAY), help=f"commands ({','.join(EVERYDAY)})")
    ap.add_argument(
        "--url",
        help="a PostgreSQL server to use (its user may CREATE DATABASE; the loaded "
        "templates are kept there for the next run) instead of a throwaway one",
    )
    ap.add_argument("--db", type=Path, help="start-up SQLite file to load (run.py's default)")
    ap.add_argument("--due-db", type=Path, help="due SQLite file to load (run.py's default)")
    ap.add_argument("--rtt-ms", type=float, default=30.0, help="price trips at this RTT (30)")
    ap.add_argument(
        "--emulate-rtt",
        action="store_true",
        help="also time funnel and the floor through a proxy adding --rtt-ms to each trip",
    )
    ap.add_argument("--importtime", action="store_true", help="only time `import psycopg`")
    args = ap.parse_args(argv)
    if args.importtime:
        importtime(args.runs)
        return 0
    commands = [c.strip() for c in args.only.split(",") if c.strip()]
    unknown = set(commands) - set(EVERYDAY)
    if unknown:
        ap.error(f"unknown commands: {', '.join(sorted(unknown))}")
    server = None
    if args.url is None:
        server = Server().start()
        url = server.url
    else:
        url = args.url
    loads = [load_average()]
    state = source_state()
    try:
        results = []
        failed: list[str] = []
        suites = [
            (
                args.db or cached(Spec(deals=100_000, now=NOW)),
                [c for c in commands if c != "due-check"],
            ),
            (args.due_db or cached(DUE_SPEC), [c for c in commands if c == "due-check"]),
        ]
        for source, cmds in suites:
            if not cmds:
                continue
            with tempfile.TemporaryDirectory(prefix="funnel-pgbench-") as tmp:
                env_bench = Bench(source, Path(tmp), copy=False)
                template = loaded(url, source, env_bench.env)
                with working_copy(url, template) as db:
                    host, port = re.match(r".*@([\d.]+):(\d+)/", db).groups()  # type: ignore[union-attr]
                    proxy = Proxy((host, int(port)))
                    proxy_url = db.replace(f"{host}:{port}", f"127.0.0.1:{proxy.port}")
                    pg = PgBench(source, Path(tmp), db, proxy_url)
                    pg.proxy = proxy
                    if args.emulate_rtt:
                        far = Proxy((host, int(port)), rtt=args.rtt_ms / 1000)
                        pg.far_proxy = far
                        PgBench.far_runs = max(5, args.runs // 4)
                        pg.far_url = db.replace(f"{host}:{port}", f"127.0.0.1:{far.port}")
                    print(f"\n## {source.name} on {db}", file=sys.stderr)
                    for cmd in cmds:
                        try:
                            results.append(timing(pg, cmd, args.runs))
                        except ReplayError as exc:
                            print(f"  {LABELS[cmd]}: not measured: {exc}", file=sys.stderr)
                            failed.append(f"`funnel {LABELS[cmd]}`: not measured: {exc}")
        loads.append(load_average())
        order = {c: i for i, c in enumerate(EVERYDAY)}
        results.sort(key=lambda r: order[r.cmd])
        report(results, server_info(url), args.runs, args.rtt_ms, loads, state)
        for line in failed:
            print(f"\n{line}")
        importtime(max(5, args.runs // 3))
    finally:
        if server is not None:
            server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
