"""Time `funnel import` and `funnel export` at 1,000,000 deals against their
floors (issue #5), with peak RSS.

    python benchmarks/transfer.py [--rows 1000000] [--runs 3] [--keep] [--floor bare|triggers]
    python benchmarks/transfer.py --rows 100000 --profile

Targets: importing N CSV rows within 2x of floor_import.py (a bare csv +
executemany load of the same rows into the same schema; by default its
`--bare` mode, issue 14's floor: no undo triggers, the secondary indexes
built after the load; `--floor triggers` keeps both live as before);
exporting the
resulting N deals as JSONL within 2x of floor_export.py (the same cursors,
one json.dumps a deal, to a file), with funnel's peak RSS under 150 MB.

The CSV (`maven-N.csv` under benchmarks/data/, made once with the csv
module, seeded) has the columns of the Maven CRM data set's
sales_pipeline.csv and its mix: opportunity_id (8 characters, unique),
sales_agent (30), product (7), account (85; empty for Prospecting and half
of Engaging), deal_stage (48 % Won, 28 % Lost, 18 % Engaging, 6 %
Prospecting), engage_date (2016-10-20 to 2017-12-27; none for Prospecting),
close_date (1-138 days later, for Won and Lost) and close_value (whole
dollars near the product's price for Won, 0 for Lost, empty when open).

The database is an empty one made by funnelcli's migrations with the
`maven` pipeline (Prospecting, Engaging), as examples/import/maven.sh
makes it, copied fresh for every import run (funnel and floor each on
their own copy). The import runs as examples/import/maven.sh does:
`funnel import FILE --pipeline maven --map external_id=opportunity_id --map
title=product --map owner=sales_agent --map value=close_value --map
closed_at=close_date --stage-date Engaging=engage_date`. The export is
`funnel export --output FILE` (JSONL) on the database funnel's last import
made, and floor_export.py on the same file.

Each program is a fresh child process reaped with os.wait4() (wall time and
its own peak RSS), `--runs` times each, interleaved, after no warm-up (a run
takes seconds to minutes; the first import of each pair reads the CSV into
the OS cache for both). Environment as run.py's: FUNNEL_NOW pinned, TZ=UTC,
FUNNEL_CONFIG a missing file, bytecode cached in the temporary directory.

Checks: after the imports, funnel's and the floor's databases are compared
row by row (deals without their random uuid, stage events, stays); after
the exports, the two files byte for byte.

`--profile` instead runs funnel import and funnel export once each under
cProfile (on `--rows` rows: use a subset, e.g. 100000) and prints the top
functions by cumulative and by own time.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import platform
import pstats
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from reports import measure
from run import NOW, _version, funnel_argv

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
RATIO = 2.0
RSS_MB = 150
CSV_VERSION = 1  # bump when the rows make_csv() writes change
MAPPING = [
    "--pipeline", "maven",
    "--map", "external_id=opportunity_id", "--map", "title=product",
    "--map", "owner=sales_agent", "--map", "value=close_value",
    "--map", "closed_at=close_date", "--stage-date", "Engaging=engage_date",
]  # fmt: skip
HEADER = [
    "opportunity_id", "sales_agent", "product", "account", "deal_stage", "engage_date",
    "close_date", "close_value",
]  # fmt: skip
PRODUCTS = {
    "GTX Basic": 550, "GTX Pro": 4821, "MG Special": 55, "MG Advanced": 3393,
    "GTX Plus Pro": 5482, "GTX Plus Basic": 1096, "GTK 500": 26768,
}  # fmt: skip
AGENTS = [
    f"{first} {last}"
    for first, last in zip(
        [
            "Moses",
            "Darcel",
            "Zane",
            "Vicki",
            "Hayden",
            "Donn",
            "Versie",
            "Corliss",
            "Jonathan",
            "Annie",
            "Cassey",
            "Rosalina",
            "Wilburn",
            "Kary",
            "Violet",
            "Markita",
            "Rosie",
            "Gladys",
            "Anna",
            "Cecily",
            "Lajuana",
            "Elease",
            "Reed",
            "Niesha",
            "Boris",
            "Maureen",
            "Garret",
            "James",
            "Daniell",
            "Marty",
        ],
        [
            "Frase",
            "Schlecht",
            "Levien",
            "Laflamme",
            "Zeigler",
            "Cantrell",
            "Wilder",
            "Cobb",
            "Berthelot",
            "Hartman",
            "Cunningham",
            "Dieterich",
            "Farren",
            "Hominy",
            "Mcelhaney",
            "Hagan",
            "Ohare",
            "Jandreau",
            "Snelling",
            "Lampkin",
            "Bahr",
            "Bergstrom",
            "Carl",
            "Faller",
            "Oquendo",
            "Wadell",
            "Kinsella",
            "Hannon",
            "Hammack",
            "Freudenburg",
        ],
        strict=True,
    )
]
ACCOUNTS = [f"{a}{b}" for a in ("Can", "Cod", "Hot", "Is", "Sun", "Zoo", "Bio", "Gold", "Kin",
                                "Rank", "Silver", "Streth", "Ton", "Vol", "Xx", "Ran", "Con")
            for b in ("city", "ehow", "tech", "dom", "zone")][:85]  # fmt: skip
STAGES = ("Won", "Lost", "Engaging", "Prospecting")
STAGE_WEIGHTS = (48, 28, 18, 6)


# -- the CSV and the empty database ----------------------------------------------


def _ids(start: int, n: int) -> list[str]:
    """Unique 8-character ids like Maven's (a bijection of the row number mod 36**8)."""
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = []
    for i in range(start, start + n):
        x = (i * 2654435761 + 12345) % 36**8
        s = ""
        for _ in range(8):
            x, r = divmod(x, 36)
            s += digits[r]
        out.append(s)
    return out


def make_csv(path: Path, rows: int, seed: int = 1) -> None:
    rnd = random.Random(seed)
    first = date(2016, 10, 20)
    engage_days = [(first + timedelta(days=d)).isoformat() for d in range(434)]  # → 2017-12-27
    products = list(PRODUCTS)
    part = path.with_name(path.name + ".part")
    with part.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(HEADER)
        done = 0
        while done < rows:
            n = min(50_000, rows - done)
            ids = _ids(done, n)
            agents = rnd.choices(AGENTS, k=n)
            prods = rnd.choices(products, k=n)
            accounts = rnd.choices(ACCOUNTS, k=n)
            stages = rnd.choices(STAGES, weights=STAGE_WEIGHTS, k=n)
            out = []
            for i in range(n):
                stage = stages[i]
                if stage == "Prospecting":
                    out.append((ids[i], agents[i], prods[i], "", stage, "", "", ""))
                    continue
                e = rnd.randrange(434)
                account = accounts[i] if stage != "Engaging" or rnd.random() < 0.5 else ""
                if stage == "Engaging":
                    out.append(
                        (ids[i], agents[i], prods[i], account, stage, engage_days[e], "", "")
                    )
                    continue
                close = (first + timedelta(days=e + rnd.randint(1, 138))).isoformat()
                value = round(PRODUCTS[prods[i]] * rnd.uniform(0.8, 1.1)) if stage == "Won" else 0
                out.append(
                    (ids[i], agents[i], prods[i], account, stage, engage_days[e], close, value)
                )
            w.writerows(out)
            done += n
    part.rename(path)


def cached_csv(rows: int) -> Path:
    path = DATA / f"maven-{rows}-v{CSV_VERSION}.csv"
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        make_csv(path, rows)
        print(
            f"made {path.name} ({path.stat().st_size / 1e6:.0f} MB) in "
            f"{time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )
    return path


def environment(tmp: Path, db: Path) -> dict[str, str]:
    env = dict(os.environ)
    for var in ("FUNNEL_DEBUG", "PYTHONPROFILEIMPORTTIME", "PYTHONDONTWRITEBYTECODE"):
        env.pop(var, None)
    env.update(
        FUNNEL_DB=str(db),
        FUNNEL_CONFIG=str(tmp / "none" / "config.toml"),
        FUNNEL_NOW=NOW,
        TZ="UTC",
        NO_COLOR="1",
        PYTHONPYCACHEPREFIX=str(tmp / "pycache"),
    )
    return env


def empty_db(tmp: Path) -> Path:
    """A database made by funnelcli's migrations, with the maven pipeline."""
    path = tmp / "empty.db"
    subprocess.run(
        [*funnel_argv(), "pipeline", "create", "maven", "--stages", "Prospecting,Engaging"],
        env=environment(tmp, path),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return path


def floor_argv(name: str, *args: str) -> list[str]:
    code = f"import sys; sys.path.insert(0, {str(HERE)!r}); import {name}; {name}.main()"
    return [sys.executable, "-c", code, *args]


# -- checks ---------------------------------------------------------------------


def same_rows(a: Path, b: Path) -> str:
    """Compare what two imports wrote: deals (but their uuid), events, stays."""
    queries = {
        "deals": "SELECT * FROM deals ORDER BY id",
        "stage events": "SELECT * FROM stage_events ORDER BY id",
        "stays": "SELECT * FROM stage_stays ORDER BY id",
    }
    ca, cb = sqlite3.connect(a), sqlite3.connect(b)
    counts = []
    try:
        for name, sql in queries.items():
            n = 0
            skip = 1 if name == "deals" else None  # column 1: the random uuid
            for ra, rb in zip(ca.execute(sql), cb.execute(sql), strict=False):
                if skip is not None:
                    ra, rb = ra[:skip] + ra[skip + 1 :], rb[:skip] + rb[skip + 1 :]
                if ra != rb:
                    return f"{name} differ: funnel {ra!r} vs floor {rb!r}"
                n += 1
            other = [c.execute(f"SELECT count(*) FROM ({sql})").fetchone()[0] for c in (ca, cb)]
            if other[0] != other[1]:
                return f"{name}: funnel {other[0]:,} rows, floor {other[1]:,}"
            counts.append(f"{n:,} {name}")
    finally:
        ca.close()
        cb.close()
    return "same rows (" + ", ".join(counts) + ")"


def digest(path: Path) -> tuple[int, str]:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return path.stat().st_size, h.hexdigest()


# -- the runs -------------------------------------------------------------------


def bench(rows: int, runs: int, keep: bool, floor: str = "bare") -> None:
    source = cached_csv(rows)
    results: list[tuple] = []  # (what, command, 6 figures of _stats(), check)
    with tempfile.TemporaryDirectory(prefix="funnel-transfer-", dir=DATA) as tmp_name:
        tmp = Path(tmp_name)
        empty = empty_db(tmp)
        dbs = {"funnel": tmp / "funnel.db", "floor": tmp / "floor.db"}
        argvs = {
            "funnel": [*funnel_argv(), "import", str(source), *MAPPING],
            "floor": floor_argv(
                "floor_import",
                str(dbs["floor"]),
                str(source),
                *(["--bare"] if floor == "bare" else []),
            ),
        }
        times: dict[str, list[float]] = {"funnel": [], "floor": []}
        rss: dict[str, list[float]] = {"funnel": [], "floor": []}
        for i in range(runs):
            for who in ("funnel", "floor") if i % 2 == 0 else ("floor", "funnel"):
                for p in dbs[who].parent.glob(dbs[who].name + "*"):
                    p.unlink()
                shutil.copyfile(empty, dbs[who])
                took, peak = measure(argvs[who], environment(tmp, dbs[who]), tmp)
                times[who].append(took)
                rss[who].append(peak)
                print(f"  import {who}: {took:.1f} s, {peak:.0f} MB", file=sys.stderr)
        check = same_rows(dbs["funnel"], dbs["floor"])
        print(f"  import check: {check}", file=sys.stderr)
        label = f"`funnel import` {rows:,} CSV rows (floor: {floor})"
        results.append(("import", label, *_stats(times, rss), check))

        db = dbs["funnel"]
        dbs["floor"].unlink()
        outs = {"funnel": tmp / "funnel.jsonl", "floor": tmp / "floor.jsonl"}
        argvs = {
            "funnel": [*funnel_argv(), "export", "--output", str(outs["funnel"])],
            "floor": floor_argv("floor_export", str(db), str(outs["floor"])),
        }
        times = {"funnel": [], "floor": []}
        rss = {"funnel": [], "floor": []}
        for i in range(runs):
            for who in ("funnel", "floor") if i % 2 == 0 else ("floor", "funnel"):
                outs[who].unlink(missing_ok=True)
                took, peak = measure(argvs[who], environment(tmp, db), tmp)
                times[who].append(took)
                rss[who].append(peak)
                print(f"  export {who}: {took:.1f} s, {peak:.0f} MB", file=sys.stderr)
        a, b = digest(outs["funnel"]), digest(outs["floor"])
        check = f"same bytes ({a[0] / 1e6:.0f} MB)" if a == b else f"files differ: {a} vs {b}"
        print(f"  export check: {check}", file=sys.stderr)
        results.append(
            ("export", f"`funnel export` {rows:,} deals (JSONL)", *_stats(times, rss), check)
        )
        if keep:
            kept = DATA / f"transfer-{rows}.db"
            shutil.move(db, kept)
            print(f"kept {kept}", file=sys.stderr)

    print(
        f"\n{time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPUs ({platform.machine()}), "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"typer {_version('typer')}; {source.name} ({source.stat().st_size / 1e6:.0f} MB); "
        f"median of {runs} runs each, interleaved; target: within {RATIO:g}x of the floor, "
        f"peak RSS under {RSS_MB} MB.\n"
    )
    print("| what | command | funnel s (min) | floor s (min) | ratio | result | "
          "peak RSS MB funnel / floor | check |")  # fmt: skip
    print("|---|---|---:|---:|---:|:---:|---:|---|")
    for what, label, fun, fun_min, flo, flo_min, peak, floor_peak, check in results:
        ratio = fun / flo
        ok = ratio <= RATIO and peak < RSS_MB
        print(
            f"| {what} | {label} | {fun:.1f} ({fun_min:.1f}) | {flo:.1f} ({flo_min:.1f}) | "
            f"{ratio:.2f}x | {'PASS' if ok else 'FAIL'} | {peak:.0f} / {floor_peak:.0f} | {check} |"
        )


def _stats(
    times: dict[str, list[float]], rss: dict[str, list[float]]
) -> tuple[float, float, float, float, float, float]:
    return (
        statistics.median(times["funnel"]),
        min(times["funnel"]),
        statistics.median(times["floor"]),
        min(times["floor"]),
        max(rss["funnel"]),
        max(rss["floor"]),
    )


def profile(rows: int, top: int) -> None:
    source = cached_csv(rows)
    script = Path(sys.executable).with_name("funnel")
    with tempfile.TemporaryDirectory(prefix="funnel-transfer-", dir=DATA) as tmp_name:
        tmp = Path(tmp_name)
        db = tmp / "funnel.db"
        shutil.copyfile(empty_db(tmp), db)
        env = environment(tmp, db)
        for name, args in (
            ("import", ["import", str(source), *MAPPING]),
            ("export", ["export", "--output", str(tmp / "out.jsonl")]),
        ):
            prof = tmp / f"{name}.prof"
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "cProfile", "-o", str(prof), str(script), *args],
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
            took = time.perf_counter() - started
            stats = pstats.Stats(str(prof))
            print(f"\n## funnel {name}, {rows:,} rows: {took:.1f} s under cProfile\n")
            for key, label in (("cumulative", "cumulative"), ("tottime", "own time")):
                print(f"by {label}:\n")
                entries = sorted(
                    stats.stats.items(),  # type: ignore[attr-defined]
                    key=lambda kv: -kv[1][3 if key == "cumulative" else 2],
                )
                shown = 0
                for (file, line, func), (_cc, nc, tt, ct, _callers) in entries:
                    if file.endswith(("/runpy.py", "/cProfile.py")) or "<frozen" in file:
                        continue
                    short = file.split("site-packages/")[-1].split("/src/")[-1]
                    short = short.split("/lib/python3.11/")[-1]
                    print(f"  {tt:7.2f} s own {ct:7.2f} s cum {nc:9d}x  {short}:{line}({func})")
                    shown += 1
                    if shown >= top:
                        break
                print()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="CSV rows / deals (1000000)")
    ap.add_argument("--runs", type=int, default=3, help="timed runs of each program (3)")
    ap.add_argument("--keep", action="store_true", help="keep funnel's imported database")
    ap.add_argument("--profile", action="store_true", help="cProfile funnel import and export")
    ap.add_argument(
        "--floor",
        choices=("bare", "triggers"),
        default="bare",
        help="import floor: bare (no undo triggers, indexes after the load) or triggers",
    )
    ap.add_argument("--top", type=int, default=25, help="rows per profile listing (25)")
    args = ap.parse_args(argv)
    if args.profile:
        profile(args.rows, args.top)
    else:
        bench(args.rows, args.runs, args.keep, args.floor)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
