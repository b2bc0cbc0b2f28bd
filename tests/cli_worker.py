"""Many `funnel` commands in one Python process, for the stress and crash tests.

Each call goes through the real command path (Typer parsing, the error
boundary, its own connection and transaction), in-process, because a new
process per command costs 0.2-0.3 s of start-up. The database, config and
clock come from the environment (FUNNEL_DB, FUNNEL_CONFIG, FUNNEL_NOW).

    python tests/cli_worker.py writer REPORT WORKER WRITES SEED
    python tests/cli_worker.py reader REPORT STOPFILE
    python tests/cli_worker.py moves REF...      (until killed)
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import sys
import time
from pathlib import Path

import typer.main

from funnelcli.cli import app

COMMAND = typer.main.get_command(app)  # built once: Typer rebuilds it per app() call
STAGES = ["lead", "qualified", "contacted", "demo", "proposal", "negotiation"]


def funnel(*args: str) -> tuple[int, str, str]:
    """Run `funnel ARGS…` in this process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            COMMAND.main(list(args), prog_name="funnel", standalone_mode=True)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return code, out.getvalue(), err.getvalue()


def _bad(stderr: str) -> bool:
    """An error or a wait that ran out (a write's confirmation also goes to stderr)."""
    return "error" in stderr or "locked" in stderr or "Traceback" in stderr


def writer(report: Path, worker: int, writes: int, seed: int) -> None:
    """`writes` writes (add, move, log, edit), remembering what each deal should
    hold afterwards."""
    rng = random.Random(seed)
    deals: dict[str, dict[str, object]] = {}
    failures: list[object] = []
    counts = {"add": 0, "move": 0, "log": 0, "edit": 0}
    for n in range(writes):
        verb = "add" if not deals or n % 5 == 0 else rng.choice(["move", "log", "edit"])
        if verb == "add":
            ref = f"w{worker}-{len(deals)}"
            args = ["add", f"Deal {ref}", "--external-id", ref, "--value", "100"]
            deals[ref] = {"events": 1, "activities": 0, "value": 10000, "stage": "lead"}
        else:
            ref = rng.choice(sorted(deals))
            deal = deals[ref]
            if verb == "move":
                stage = rng.choice([s for s in STAGES if s != deal["stage"]])
                args = ["move", ref, stage]
                deal["stage"] = stage
                deal["events"] = int(deal["events"]) + 1  # type: ignore[call-overload]
            elif verb == "log":
                args = ["log", ref, rng.choice(["call", "email", "meeting"]), f"touch {n}"]
                deal["activities"] = int(deal["activities"]) + 1  # type: ignore[call-overload]
            else:
                value = rng.randrange(1, 100_000)
                args = ["edit", ref, "--value", str(value)]
                if n % 2:
                    args += ["--note", f"edit {n}"]  # an edit's note is an activity too
                    deal["activities"] = int(deal["activities"]) + 1  # type: ignore[call-overload]
                deal["value"] = value * 100
        counts[verb] += 1
        code, _out, err = funnel(*args)
        if code != 0 or _bad(err):
            failures.append({"args": args, "code": code, "stderr": err})
    report.write_text(json.dumps({"deals": deals, "counts": counts, "failures": failures}))


def reader(report: Path, stop: Path) -> None:
    """Reports and the due list, over and over (a read every 30 ms or so),
    until `stop` exists."""
    runs = {"report funnel": 0, "report metrics": 0, "due": 0}
    failures: list[object] = []
    while not stop.exists():
        for name in runs:
            code, _out, err = funnel(*name.split())
            runs[name] += 1
            if code != 0 or _bad(err):
                failures.append({"args": name, "code": code, "stderr": err})
            time.sleep(0.03)  # leave the CPUs to the writers between reads
    report.write_text(json.dumps({"runs": runs, "failures": failures}))


def moves(refs: list[str]) -> None:
    """Move the deals round their stages, one command at a time, until killed."""
    at = {}
    for ref in refs:
        code, out, err = funnel("show", ref, "--format", "json")
        if code != 0:
            sys.exit(err)
        at[ref] = STAGES.index(json.loads(out)["stage"])
    while True:
        for ref in refs:
            at[ref] = (at[ref] + 1) % len(STAGES)
            code, _out, err = funnel("move", ref, STAGES[at[ref]])
            if code != 0:
                sys.exit(err)


if __name__ == "__main__":
    mode, rest = sys.argv[1], sys.argv[2:]
    if mode == "writer":
        writer(Path(rest[0]), int(rest[1]), int(rest[2]), int(rest[3]))
    elif mode == "reader":
        reader(Path(rest[0]), Path(rest[1]))
    elif mode == "moves":
        moves(rest)
    else:
        sys.exit(f"unknown mode {mode}")
