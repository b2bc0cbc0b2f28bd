"""Time funnel commands against their floors and print the tables of ratios.

    python benchmarks/run.py [--runs 20] [--only add,move,...] [--profile]
    python benchmarks/run.py --flatness [--sizes 10000,100000,1000000]

Two suites, each on its own database, copied to a temporary directory (so
`add` and `move` don't grow the original):

- start-up (`add`, `move`, `log`, `won`, `show`, `list-limit`, `list`,
  `version`), target 1.3x, on 100,000 deals (`--deals`; generate.py's
  default mix, cached under benchmarks/data/), or `--db`;
- due (`due-json`, `due-check`), target 1.5x, on 100,000 open deals (125,000
  deals, 80 % open) with 1,000,000 touches and 200 due (`DUE_SPEC`; cached
  under benchmarks/data/ by generate.py, or `--due-db`).

For each command it runs `funnel ...` and its floor program
(`benchmarks/floor_*.py`: a minimal Typer app that opens the same file and
runs the same SQL) alternately, `--runs` times each after one warm-up, and
reports the median wall time of each, the ratio funnel/floor, and PASS/FAIL
against the suite's target. Beside them runs the bare floor (floor_bare.py:
Typer, sqlite3 and one trivial query), interleaved with the other two, and
funnel's ratio to it; the everyday commands (issue 12: add, move, log, won,
show, list-limit, due-check; `--only everyday`) must be within 1.3x of both
floors. The statements column counts the SQL statements each program sends
to SQLite (sqltrace.sent()).

Before timing, each pair is run once with output captured and compared, and
once more under sqltrace.py, which records every statement each sends to
SQLite: a floor that stopped doing the same work shows up as "output
differs" or "SQL differs".

`--profile` prints, instead of timing: the top imports of
`python -X importtime -m funnelcli --version`, and for each command the
modules funnel imports that its floor does not, and a cProfile summary.

`--flatness` times `funnel due --format json`, its floor, and the due query
alone (in this process, and again with the index disabled) on databases of
`--sizes` deals (80 % open, 10 touches a deal, always 200 due, 50
unscheduled and 20 snoozed), and prints the due query's EXPLAIN QUERY PLAN.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import pstats
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from functools import cached_property
from pathlib import Path

from generate import Spec, cached

HERE = Path(__file__).resolve().parent
NOW = "2026-11-23T09:00:00"  # generate.py's default clock
# (name, target ratio, commands)
SUITES = (
    ("start-up", 1.3, ("add", "move", "log", "won", "show", "list-limit", "list", "version")),
    ("due", 1.5, ("due-json", "due-check")),
)
COMMANDS = tuple(c for _, _, cmds in SUITES for c in cmds)
# Issue 12: within EVERYDAY_TARGET of their same-SQL floor and of the bare floor.
EVERYDAY = ("add", "move", "log", "won", "show", "list-limit", "due-check")
EVERYDAY_TARGET = 1.3
LIST_LIMIT = 20
LABELS = {
    "add": "add 'Benchmark deal' --org Acme --value 4800",
    "move": "move DEAL demo/proposal",
    "log": "log DEAL call 'Benchmark touch'",
    "won": "won DEAL",
    "show": "show DEAL",
    "list-limit": f"list --limit {LIST_LIMIT} --format json",
    "list": "list --stage demo --format json",
    "version": "--version",
    "due-json": "due --format json",
    "due-check": "due --check",
}
ARGS = {  # commands whose arguments don't depend on the database
    "add": ["add", "Benchmark deal", "--org", "Acme", "--value", "4800"],
    "list": ["list", "--stage", "demo", "--format", "json"],
    "list-limit": ["list", "--limit", str(LIST_LIMIT), "--format", "json"],
    "version": ["--version"],
    "due-json": ["due", "--format", "json"],
    "due-check": ["due", "--check"],
}
FLOORS = {"due-json": "due", "due-check": "due", "list-limit": "list"}  # else floor_<command>.py
BARE = ["bare"]  # floor_bare.py's one command
EXIT = {"due-check": 3}  # expected exit status (3: something is overdue)
# 100,000 open deals, 1,000,000 touches; 200 due + 50 unscheduled in the list.
DUE_SPEC = Spec(deals=125_000, open_share=0.8, touches=1_000_000, due=200, now=NOW)
FLATNESS_SIZES = (10_000, 100_000, 1_000_000)


def funnel_argv() -> list[str]:
    """The `funnel` console script next to this Python, else `python -m funnelcli`."""
    script = Path(sys.executable).with_name("funnel")
    return [str(script)] if script.exists() else [sys.executable, "-m", "funnelcli"]


def python_funnel_argv() -> list[str]:
    """`funnel` as `python SCRIPT`, so interpreter flags (-X importtime) can be added."""
    script = Path(sys.executable).with_name("funnel")
    return [str(script)] if script.exists() else ["-m", "funnelcli"]


def floor(name: str) -> list[str]:
    """A floor program, imported rather than run as a script so that, like funnel's
    modules, its bytecode is cached (compiling a floor file costs ~2 ms here)."""
    code = f"import sys; sys.path.insert(0, {str(HERE)!r}); from floor_{name} import app; app()"
    return [sys.executable, "-c", code]


class Bench:
    """The working copy of the database and the argv of every command."""

    def __init__(self, db: Path, tmp: Path, *, copy: bool = True) -> None:
        self.tmp = tmp
        self.db = tmp / db.name if copy else db
        if copy:
            shutil.copyfile(db, self.db)
        self.env = dict(os.environ)
        for var in ("FUNNEL_DEBUG", "PYTHONPROFILEIMPORTTIME", "PYTHONDONTWRITEBYTECODE"):
            self.env.pop(var, None)
        # Bytecode cached, as in an installed funnelcli, but in a private tree:
        # nothing is written into src/ or site-packages.
        self.env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
        self.env.update(
            FUNNEL_DB=str(self.db),
            FUNNEL_CONFIG=str(tmp / "none" / "config.toml"),
            FUNNEL_NOW=NOW,
            TZ="UTC",
            NO_COLOR="1",
        )
        conn = sqlite3.connect(self.db)
        from funnelcli.schema import SCHEMA_VERSION

        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version != SCHEMA_VERSION:  # funnel would migrate it on the first run; the floor not
            conn.close()
            raise SystemExit(
                f"{db} has schema {version}, funnelcli {SCHEMA_VERSION}: generate it again"
            )
        self.deals = conn.execute("SELECT count(*) FROM deals").fetchone()[0]
        self.open_deals = conn.execute(
            "SELECT count(*) FROM deals WHERE status = 'open'"
        ).fetchone()[0]
        self.touches = conn.execute("SELECT count(*) FROM activities").fetchone()[0]
        conn.close()
        self.moves = {"funnel": 0, "floor": 0}
        self.wins = {"funnel": 0, "floor": 0}

    @cached_property
    def show_id(self) -> int:
        """show: an open deal with the longest history that has tags, fields and activities."""
        conn = sqlite3.connect(self.db)
        found = conn.execute(
            "SELECT d.id FROM deals d WHERE d.status = 'open' "
            "AND EXISTS (SELECT 1 FROM activities a WHERE a.deal_id = d.id) "
            "AND EXISTS (SELECT 1 FROM deal_tags t WHERE t.deal_id = d.id) "
            "AND EXISTS (SELECT 1 FROM deal_fields f WHERE f.deal_id = d.id) "
            "ORDER BY (SELECT count(*) FROM stage_events e WHERE e.deal_id = d.id) DESC, d.id "
            "LIMIT 1"
        ).fetchone()[0]
        conn.close()
        return int(found)

    @cached_property
    def move_ids(self) -> dict[str, int]:
        """move: two open deals of the default pipeline in its first stage, each
        moved demo -> proposal -> demo ... (one for funnel, one for the floor)."""
        conn = sqlite3.connect(self.db)
        a, b = (
            r[0]
            for r in conn.execute(
                "SELECT d.id FROM deals d JOIN stages s ON s.id = d.stage_id "
                "JOIN pipelines p ON p.id = d.pipeline_id "
                "WHERE d.status = 'open' AND p.key = 'sales' AND s.position = 1 "
                "AND (SELECT count(*) FROM stage_events e WHERE e.deal_id = d.id) = 3 "
                "ORDER BY d.id LIMIT 2"
            )
        )
        conn.close()
        return {"funnel": a, "floor": b}

    @cached_property
    def log_id(self) -> int:
        """log: an open deal of the default pipeline in its second stage (a cadence,
        so the next follow-up is set), with touches; funnel and the floor both log
        on it (after the first run its last touch is now, and stays so)."""
        conn = sqlite3.connect(self.db)
        found = conn.execute(
            "SELECT d.id FROM deals d JOIN stages s ON s.id = d.stage_id "
            "JOIN pipelines p ON p.id = d.pipeline_id "
            "WHERE d.status = 'open' AND p.key = 'sales' AND s.position = 2 "
            "AND s.cadence_days IS NOT NULL AND d.id != :show "
            "AND EXISTS (SELECT 1 FROM activities a WHERE a.deal_id = d.id) "
            "ORDER BY d.id LIMIT 1",
            {"show": self.show_id},
        ).fetchone()[0]
        conn.close()
        return int(found)

    @cached_property
    def won_ids(self) -> dict[str, list[int]]:
        """won: open USD deals with a value, of the default pipeline in its third
        stage with 3 stage events, each closed once (funnel's and the floor's
        in turn), so both print `won #N … (won in STAGE, … USD)`."""
        conn = sqlite3.connect(self.db)
        ids = [
            r[0]
            for r in conn.execute(
                "SELECT d.id FROM deals d JOIN stages s ON s.id = d.stage_id "
                "JOIN pipelines p ON p.id = d.pipeline_id "
                "WHERE d.status = 'open' AND p.key = 'sales' AND s.position = 3 "
                "AND d.currency = 'USD' AND d.value IS NOT NULL AND d.id != :show "
                "AND (SELECT count(*) FROM stage_events e WHERE e.deal_id = d.id) = 3 "
                "ORDER BY d.id LIMIT 2000",
                {"show": self.show_id},
            )
        ]
        conn.close()
        return {"funnel": ids[0::2], "floor": ids[1::2]}

    def _won(self, who: str) -> list[str]:
        pool, n = self.won_ids[who], self.wins[who]
        if n >= len(pool):
            raise SystemExit(f"won: only {len(pool)} deals to close for {who}; fewer --runs")
        self.wins[who] += 1
        return ["won", str(pool[n])]

    def _move(self, who: str) -> list[str]:
        target = ("demo", "proposal")[self.moves[who] % 2]
        self.moves[who] += 1
        return ["move", str(self.move_ids[who]), target]

    def argvs(self, cmd: str) -> tuple[Callable[[], list[str]], Callable[[], list[str]]]:
        """(funnel argv, floor argv) factories for one command."""
        f = funnel_argv()
        fl = floor(FLOORS.get(cmd, cmd))
        return (lambda: f + self.args(cmd, "funnel")), (lambda: fl + self.args(cmd, "floor"))

    def args(self, cmd: str, who: str) -> list[str]:
        """The command's arguments alone; a fresh deal for each `won`, the other
        stage for each `move`."""
        if cmd == "move":
            return self._move(who)
        if cmd == "won":
            return self._won(who)
        if cmd == "log":
            return ["log", str(self.log_id), "call", "Benchmark touch"]
        return ["show", str(self.show_id)] if cmd == "show" else ARGS[cmd]

    def run(
        self, argv: list[str], *, capture: bool = False, status: int = 0
    ) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            argv,
            env=self.env,
            text=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        if proc.returncode != status:
            raise SystemExit(
                f"{' '.join(argv)} exited {proc.returncode}, not {status}:\n{proc.stderr}"
            )
        return proc

    def timed(self, argv: list[str], status: int = 0) -> float:
        started = time.perf_counter()
        self.run(argv, status=status)
        return time.perf_counter() - started

    def traced(self, cmd: str, who: str) -> tuple[list[str], list[str]]:
        """The statements funnel or the floor sends to SQLite for `cmd`, normalized:
        the trace as recorded (with trigger runs) and the statements sent."""
        import sqltrace

        out = self.tmp / f"trace-{who}.jsonl"
        program = "funnel" if who == "funnel" else "floor_" + FLOORS.get(cmd, cmd)
        code = f"import sys; sys.path.insert(0, {str(HERE)!r}); import sqltrace; sqltrace.main()"
        argv = [sys.executable, "-c", code, str(out), program, *self.args(cmd, who)]
        self.run(argv, status=EXIT.get(cmd, 0))
        return sqltrace.load(out), sqltrace.sent(out)


def compare(
    cmd: str, funnel: subprocess.CompletedProcess[str], floor_: subprocess.CompletedProcess[str]
) -> str:
    """'same output' or a one-line description of the first difference."""

    def norm(text: str) -> str:
        return re.sub(r"#\d+", "#N", text)  # add/move name different deals

    a = norm(funnel.stdout + funnel.stderr)
    b = norm(floor_.stdout + floor_.stderr)
    if cmd in ("list", "due-json"):
        if json.loads(funnel.stdout) != json.loads(floor_.stdout):
            return "JSON differs"
        n = len(json.loads(funnel.stdout))
        return f"same output ({n} deals{'' if a == b else ', JSON equal but bytes differ'})"
    if cmd == "due-check":
        n = len(funnel.stdout.splitlines()) - 1  # the header line
        if a == b:
            return f"same output ({n} deals, exit {funnel.returncode})"
    if cmd == "move":  # different deals: compare the message up to the stage name
        a, b = (re.sub(r"#N .*\((\w+).*\)", r"#N … (\1 …)", t) for t in (a, b))
    if cmd == "won":  # different deals in the same stage, in USD
        a, b = (re.sub(r"#N .*\((won in \w+), .* USD\)", r"#N … (\1, … USD)", t) for t in (a, b))
    if a == b:
        return "same output"
    for la, lb in zip(a.splitlines(), b.splitlines(), strict=False):
        if la != lb:
            return f"differs: funnel {la!r} vs floor {lb!r}"
    return "differs in length"


def compare_sql(funnel: list[str], floor_: list[str]) -> str:
    """'same SQL (N statements)' or the first statement that differs."""
    if funnel == floor_:
        return f"same SQL ({len(funnel)} lines traced)"
    for i, (a, b) in enumerate(zip(funnel, floor_, strict=False)):
        if a != b:
            return f"SQL differs at statement {i + 1}: funnel {a[:80]!r} vs floor {b[:80]!r}"
    longer, extra = ("funnel", funnel) if len(funnel) > len(floor_) else ("floor", floor_)
    return f"SQL differs: {longer} also runs {extra[min(len(funnel), len(floor_))][:80]!r}"


def header(bench: Bench, runs: int, target: float) -> str:
    return (
        f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPUs ({platform.machine()}), "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"typer {_version('typer')}; {bench.deals:,} deals ({bench.open_deals:,} open), "
        f"{bench.touches:,} activities; median of {runs} runs each, interleaved with "
        f"the bare floor; target {target}x, the everyday commands {EVERYDAY_TARGET}x of "
        "both floors."
    )


def judge(cmd: str, ratio: float, bare: float, target: float) -> str:
    """PASS/FAIL: an everyday command against both floors, the others against
    their same-SQL floor and the suite's target."""
    if cmd not in EVERYDAY:
        return "PASS" if ratio <= target else "FAIL"
    missed = [n for n, r in (("floor", ratio), ("bare", bare)) if r > EVERYDAY_TARGET]
    return "PASS" if not missed else f"FAIL ({', '.join(missed)})"


# Who runs first, second and third in turn: each program in each place as often.
ORDERS = (("funnel", "floor", "bare"), ("floor", "bare", "funnel"), ("bare", "funnel", "floor"))


def timing(bench: Bench, commands: list[str], runs: int, target: float) -> None:
    rows = []
    bare_argv = floor("bare") + BARE
    for cmd in commands:
        make_funnel, make_floor = bench.argvs(cmd)
        status = EXIT.get(cmd, 0)
        check = compare(
            cmd,
            bench.run(make_funnel(), capture=True, status=status),
            bench.run(make_floor(), capture=True, status=status),
        )
        funnel_trace, funnel_sent = bench.traced(cmd, "funnel")
        floor_trace, floor_sent = bench.traced(cmd, "floor")
        check += ", " + compare_sql(funnel_trace, floor_trace)
        bench.run(make_funnel(), status=status)  # warm-up: page cache, .pyc files
        bench.run(make_floor(), status=status)
        bench.run(bare_argv)
        times: dict[str, list[float]] = {"funnel": [], "floor": [], "bare": []}
        for i in range(runs):  # interleaved, taking turns at who goes first
            for who in ORDERS[i % len(ORDERS)]:
                if who == "bare":
                    times[who].append(bench.timed(bare_argv))
                else:
                    argv = make_funnel() if who == "funnel" else make_floor()
                    times[who].append(bench.timed(argv, status))
        med = {who: statistics.median(t) for who, t in times.items()}
        low = {who: min(t) for who, t in times.items()}
        ratio, bare = med["funnel"] / med["floor"], med["funnel"] / med["bare"]
        sent = f"{len(funnel_sent)} / {len(floor_sent)}"
        rows.append((cmd, med, low, ratio, bare, sent, check))
        print(
            f"  {LABELS[cmd]}: {med['funnel'] * 1e3:.1f} ms vs floor {med['floor'] * 1e3:.1f} "
            f"ms = {ratio:.2f}x, vs bare {med['bare'] * 1e3:.1f} ms = {bare:.2f}x; "
            f"{sent} statements",
            file=sys.stderr,
        )

    print(f"\n{header(bench, runs, target)}\n")
    print(
        "| command | funnel ms (min) | floor ms (min) | ratio | bare ms (min) | bare ratio "
        "| statements funnel / floor | result | floor check |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|:---:|---|")
    for cmd, med, low, ratio, bare, sent, check in rows:
        ms = {who: f"{med[who] * 1e3:.1f} ({low[who] * 1e3:.1f})" for who in med}
        print(
            f"| `funnel {LABELS[cmd]}` | {ms['funnel']} | {ms['floor']} | {ratio:.2f}x | "
            f"{ms['bare']} | {bare:.2f}x | {sent} | {judge(cmd, ratio, bare, target)} | "
            f"{check} |"
        )


def _version(dist: str) -> str:
    from importlib.metadata import version

    return version(dist)


# -- profile -------------------------------------------------------------


def importtime(bench: Bench, argv: list[str]) -> list[tuple[str, int, int, int]]:
    """(module, self µs, cumulative µs, depth) for each import, from -X importtime."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", *argv],
        env=bench.env,
        text=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    out = []
    for line in proc.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if m:
            out.append((m[4], int(m[1]), int(m[2]), len(m[3]) // 2))
    return out


def group(module: str) -> str:
    """funnelcli modules by name; everything else by top-level package."""
    return module if module.startswith("funnelcli") else module.split(".")[0]


def profile(bench: Bench, commands: list[str], top: int) -> None:
    bench.run([sys.executable, "-m", "funnelcli", "--version"])  # warm the bytecode cache
    rows = importtime(bench, ["-m", "funnelcli", "--version"])
    total = sum(r[1] for r in rows)
    print(
        f"## python -X importtime -m funnelcli --version: {len(rows)} modules, "
        f"{total / 1e3:.1f} ms of imports\n"
    )
    print("Top by cumulative time (first import of each):\n")
    for name, _self, cum, depth in sorted(rows, key=lambda r: -r[2])[:top]:
        print(f"  {cum / 1e3:7.1f} ms  {'  ' * depth}{name}")
    print("\nTop packages by self time:\n")
    by_group: dict[str, int] = defaultdict(int)
    for name, self_us, _cum, _d in rows:
        by_group[group(name)] += self_us
    for name, us in sorted(by_group.items(), key=lambda kv: -kv[1])[:top]:
        print(f"  {us / 1e3:7.1f} ms  {name}")

    for cmd in commands:
        make_funnel, make_floor = bench.argvs(cmd)
        bench.run(make_funnel(), status=EXIT.get(cmd, 0))  # warm-up
        bench.run(make_floor(), status=EXIT.get(cmd, 0))
        skip = len(funnel_argv())
        funnel_rows = importtime(bench, [*python_funnel_argv(), *make_funnel()[skip:]])
        floor_rows = importtime(bench, make_floor()[1:])
        floor_mods = {r[0] for r in floor_rows}
        extra: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for name, self_us, _cum, _d in funnel_rows:
            if name not in floor_mods:
                extra[group(name)][0] += self_us
                extra[group(name)][1] += 1
        f_total = sum(r[1] for r in funnel_rows) / 1e3
        fl_total = sum(r[1] for r in floor_rows) / 1e3
        x_total = sum(v[0] for v in extra.values()) / 1e3
        print(
            f"\n## funnel {LABELS[cmd]}\n\nimports: funnel {len(funnel_rows)} modules "
            f"{f_total:.1f} ms, floor {len(floor_rows)} modules {fl_total:.1f} ms; "
            f"{sum(v[1] for v in extra.values())} modules only funnel imports, "
            f"{x_total:.1f} ms (self time, under -X importtime):\n"
        )
        for name, (us, n) in sorted(extra.items(), key=lambda kv: -kv[1][0])[:top]:
            print(f"  {us / 1e3:7.1f} ms  {name}" + (f" ({n} modules)" if n > 1 else ""))

        with tempfile.TemporaryDirectory() as tmp:
            prof = Path(tmp) / "funnel.prof"
            argv = [
                sys.executable,
                "-m",
                "cProfile",
                "-o",
                str(prof),
                *python_funnel_argv(),
                *make_funnel()[skip:],
            ]
            proc = subprocess.run(
                argv,
                env=bench.env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            if proc.returncode not in (0, EXIT.get(cmd, 0)):  # cProfile exits 0 on sys.exit
                raise SystemExit(f"{' '.join(argv)} exited {proc.returncode}")
            stats = pstats.Stats(str(prof))
            print(
                f"\ncProfile of funnel {LABELS[cmd]}, {stats.total_tt * 1e3:.0f} ms "
                "under the profiler; Python functions by cumulative time, leaving out "
                "the import system and module bodies:\n"
            )
            entries = [
                (k, v)
                for k, v in stats.stats.items()  # type: ignore[attr-defined]
                if k[0] != "~"
                and "<frozen" not in k[0]
                and k[2] != "<module>"
                and not k[0].endswith(("/runpy.py", "/cProfile.py"))
            ]
            for (file, line, func), (_cc, nc, tt, ct, _callers) in sorted(
                entries, key=lambda kv: -kv[1][3]
            )[:top]:
                short = re.sub(r".*site-packages/|.*/src/|.*/lib/python3\.\d+/", "", file)
                print(
                    f"  {tt * 1e3:6.1f} ms own {ct * 1e3:7.1f} ms cum {nc:7d}x  "
                    f"{short}:{line}({func})"
                )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=20, help="timed runs of each program (20)")
    ap.add_argument(
        "--db",
        type=Path,
        help="start-up database to copy (default: generate.py's cached file of --deals deals)",
    )
    ap.add_argument(
        "--deals", type=int, default=100_000, help="deals in the default start-up database (100000)"
    )
    ap.add_argument(
        "--due-db",
        type=Path,
        help="due database to copy (default: generate.py's cached file for DUE_SPEC)",
    )
    ap.add_argument(
        "--only",
        default=",".join(COMMANDS),
        help=f"commands, comma-separated ({','.join(COMMANDS)}; everyday: {','.join(EVERYDAY)})",
    )
    ap.add_argument(
        "--profile",
        action="store_true",
        help="print import and cProfile breakdowns instead of timing",
    )
    ap.add_argument("--top", type=int, default=15, help="rows per profile listing (15)")
    ap.add_argument(
        "--instructions",
        action="store_true",
        help="count each program's instructions under valgrind instead of timing",
    )
    ap.add_argument(
        "--flatness",
        action="store_true",
        help="time `due` on databases of --sizes deals with the same due list",
    )
    ap.add_argument(
        "--sizes",
        default=",".join(str(n) for n in FLATNESS_SIZES),
        help="deals in each --flatness database (10000,100000,1000000)",
    )
    args = ap.parse_args(argv)
    if args.flatness:
        from flatness import flatness

        flatness([int(n) for n in args.sizes.split(",")], args.runs)
        return 0
    commands = [c.strip() for c in args.only.split(",") if c.strip()]
    if "everyday" in commands:
        commands = [*commands, *EVERYDAY]
    unknown = set(commands) - set(COMMANDS) - {"everyday"}
    if unknown:
        ap.error(f"unknown commands: {', '.join(sorted(unknown))}")
    suites = [(n, t, [c for c in cmds if c in commands]) for n, t, cmds in SUITES]
    suites = [s for s in suites if s[2]]
    dbs = {}  # cached() generates a file that is missing (or of an older schema)
    for name, _target, _cmds in suites:
        if name == "due":
            dbs[name] = args.due_db or cached(DUE_SPEC)
        else:
            dbs[name] = args.db or cached(Spec(deals=args.deals, now=NOW))
    for name, target, cmds in suites:
        with tempfile.TemporaryDirectory(prefix="funnel-bench-") as tmp:
            print(f"\n## {name}: {dbs[name].name}", file=sys.stderr)
            bench = Bench(dbs[name], Path(tmp))
            if args.profile:
                profile(bench, cmds, args.top)
            elif args.instructions:
                from instructions import instructions

                instructions(bench, cmds, target)
            else:
                timing(bench, cmds, args.runs, target)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
