"""`run.py --instructions`: the start-up suite counted in CPU instructions.

Wall time on a shared 2-CPU VM moves by ±20 % from one minute to the next
(other test suites run there); the number of instructions a run executes
does not. Each program (funnel, its same-SQL floor, the bare floor) runs
once under valgrind's callgrind (`--callgrind-out-file=/dev/null`: only the
total, "Collected", is read), after a warm-up run, on the same working copy
as the timing suite. The ratios are of instructions, not of time: they leave
out what the kernel does (reading pages, fsync at a commit), which funnel
and its floor share and the bare floor, which writes nothing, doesn't.
With PYTHONHASHSEED=0 (random string hashes move a few M instructions
of dict and set work between runs) they repeat to ~0.1 %, so a change of
1 M instructions (~0.3 ms here) is seen; run under valgrind a command takes
~50x longer (~5 s).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from run import Bench

COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")


def count(bench: Bench, argv: list[str], status: int) -> int:
    """Instructions (callgrind's Ir) of one run of argv in the bench's environment."""
    proc = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *argv],
        env={**bench.env, "PYTHONHASHSEED": "0"},  # str hashes move dict and set work
        text=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    found = COLLECTED.search(proc.stderr)
    if proc.returncode != status or found is None:
        raise SystemExit(f"{' '.join(argv)} exited {proc.returncode}, not {status}:\n{proc.stderr}")
    return int(found.group(1))


def instructions(bench: Bench, commands: list[str], target: float) -> None:
    from run import BARE, EXIT, LABELS, floor, judge

    if shutil.which("valgrind") is None:
        raise SystemExit("--instructions needs valgrind (apt-get install valgrind)")
    bare_argv = floor("bare") + BARE
    bench.run(bare_argv)  # warm-up: .pyc files, page cache
    bare = count(bench, bare_argv, 0)
    print(
        f"\n{bench.deals:,} deals; instructions (callgrind Ir), one run each; bare floor "
        f"{bare / 1e6:.1f} M; target {target}x, the everyday commands 1.3x of both floors\n"
    )
    print("| command | funnel M | floor M | ratio | bare ratio | result |")
    print("|---|---:|---:|---:|---:|:---:|")
    for cmd in commands:
        make_funnel, make_floor = bench.argvs(cmd)
        status = EXIT.get(cmd, 0)
        bench.run(make_funnel(), status=status)
        bench.run(make_floor(), status=status)
        f, fl = count(bench, make_funnel(), status), count(bench, make_floor(), status)
        ratio, vs_bare = f / fl, f / bare
        ok = judge(cmd, ratio, vs_bare, target)
        print(
            f"| `funnel {LABELS[cmd]}` | {f / 1e6:.1f} | {fl / 1e6:.1f} | {ratio:.2f}x | "
            f"{vs_bare:.2f}x | {ok} |",
            flush=True,
        )
    print(file=sys.stderr)
