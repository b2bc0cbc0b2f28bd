"""A process killed (SIGKILL) in the middle of an import or a burst of moves
leaves the database whole: SQLite's integrity check passes, the import is all
there or not at all, no history is half-written (`funnel doctor` passes), and
the next command, a read or a write, recovers from the write-ahead log it left
and works.

The database is in WAL mode. A third of the kills land at a random moment, a
third while the write transaction is under way (once frames are in the log:
a big import spills pages there before it commits), a third just as frames
are appended (a commit, or the checkpoint at close that copies the log into
the file), so the recovery from a log a dead writer left, committed frames to
keep and uncommitted ones to drop, is really exercised. Delays are seeded; the
moments still depend on timing, so the test counts the logs it left."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.sqlite_only  # a writer killed mid-write: SQLite's recovery from its log

WORKER = Path(__file__).resolve().parent / "cli_worker.py"
ROUNDS = 32
ROWS = 3000  # deals per import: ~1 s, so random kills land early, late and in the commit
BIG_ROWS = 20000  # one import of this size, killed while it writes
KILLS = ("random", "in-write", "in-commit")
STAGES = ["lead", "qualified", "contacted", "demo", "proposal", "negotiation"]


def write_csv(path: Path, rows: int, tag: str, rng: random.Random) -> None:
    with path.open("w") as f:
        f.write("title,org,value,stage,owner,created,demo date\n")
        for i in range(rows):
            stage = rng.choice(STAGES)
            demo = f"2026-10-{rng.randrange(10, 28)}" if stage in STAGES[4:] else ""
            f.write(
                f"{tag} {i},Org {i % 300},{rng.randrange(100, 90000)},{stage},anna,"
                f"2026-0{rng.randrange(1, 9)}-{rng.randrange(10, 28)},{demo}\n"
            )


def kill_at_some_point(proc: subprocess.Popen, wal: Path, rng: random.Random, when: str,
                       window: float) -> None:  # type: ignore[type-arg]  # fmt: skip
    """SIGKILL `proc` at a random moment ("random"), while its write transaction
    is under way ("in-write": this process has written frames to the log), or
    as frames are being appended ("in-commit": the log is written again after
    that). A log is reused from its start after a checkpoint, so what tells a
    write is its modification time, not its size."""
    if when != "random":
        deadline = time.monotonic() + 30
        last = stamp(wal)
        writes = 0
        while proc.poll() is None and time.monotonic() < deadline:
            now = stamp(wal)
            if now != last and now[0] > 32:
                writes += 1
                if writes >= (1 if when == "in-write" else 2):
                    break
            last = now
            time.sleep(0.0002)
    time.sleep(rng.uniform(0, window))
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def stamp(path: Path) -> tuple[int, int]:
    """(size, modification time in ns); (0, 0) while there is no file."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return 0, 0
    return st.st_size, st.st_mtime_ns


def log_left(wal: Path) -> tuple[int, int]:
    """(frames up to the last commit, frames after it) in the write-ahead log
    a dead writer left: the frames of this log's generation (their salt is the
    header's), in order. Whoever opens the file next keeps the first and
    drops the second (uncommitted, or torn by the kill)."""
    try:
        data = wal.read_bytes()
    except FileNotFoundError:
        return 0, 0
    if len(data) < 32:
        return 0, 0
    page_size, salts = struct.unpack(">I", data[8:12])[0], data[16:24]
    committed = pending = 0
    at = 32
    while page_size and at + 24 + page_size <= len(data):
        if data[at + 8 : at + 16] != salts:
            break
        pending += 1
        if struct.unpack(">I", data[at + 4 : at + 8])[0]:  # a commit frame: the db size
            committed, pending = committed + pending, 0
        at += 24 + page_size
    return committed, pending


def count(db: Path, sql: str) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute(sql).fetchone()[0])
    finally:
        conn.close()


def histories_are_chains(db: Path) -> None:
    conn = sqlite3.connect(db)
    last: dict[int, tuple[int, str]] = {}
    for deal, fs, fst, ts, tst in conn.execute(
        "SELECT deal_id, from_stage_id, from_status, to_stage_id, to_status FROM stage_events "
        "ORDER BY deal_id, at, id"
    ):
        assert (fs, fst) == last.get(deal, (None, None)), f"deal {deal}'s history is broken"
        last[deal] = (ts, tst)
    conn.close()


@pytest.mark.slow
def test_killed_writers_leave_a_whole_database(funnel, isolated: Path) -> None:
    rng = random.Random(20261123)
    db = isolated / "funnel.db"
    wal = db.with_name(db.name + "-wal")
    journal = db.with_name(db.name + "-journal")
    for i in range(6):
        assert funnel("add", f"Mover {i}", "--external-id", f"m{i}").exit_code == 0
    movers = [f"m{i}" for i in range(6)]
    small, big = isolated / "small.csv", isolated / "big.csv"
    write_csv(big, BIG_ROWS, "Big", rng)
    assert db.read_bytes()[18:20] == b"\2\2"  # the file is in WAL mode

    started = time.monotonic()
    left = {"import": 0, "moves": 0}  # kills that left frames in the log
    logs = {"import": 0, "moves": 0}  # ... committed ones, to keep
    torn = {"import": 0, "moves": 0}  # ... frames after the last commit, to drop
    outcomes = {"all": 0, "none": 0}
    plan = [(kind, when) for kind in ("import", "moves") for when in KILLS]
    for round_ in range(ROUNDS):
        kind, when = plan[round_ % len(plan)]
        size = BIG_ROWS if round_ == 1 else ROWS  # the big one is killed mid-write
        deals_before = count(db, "SELECT count(*) FROM deals")
        events_before = count(db, "SELECT count(*) FROM stage_events")
        if kind == "import":
            csv = big if size == BIG_ROWS else small
            if csv is small:
                write_csv(small, ROWS, f"R{round_}", rng)
            args = [sys.executable, "-m", "funnelcli", "import", str(csv)]
            late = 0.5 if size == ROWS else 3.0
            window = {"random": 3.0, "in-write": late, "in-commit": 0.01}[when]
        else:
            args = [sys.executable, str(WORKER), "moves", *movers]
            window = {"random": 1.5, "in-write": 0.002, "in-commit": 0.0005}[when]
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        kill_at_some_point(proc, wal, rng, when, window)
        assert proc.stderr is not None
        err = proc.stderr.read().decode()
        proc.stderr.close()
        assert proc.returncode in (0, -signal.SIGKILL), err
        assert "error" not in err, err
        kept, dropped = log_left(wal)
        left[kind] += kept + dropped > 0
        logs[kind] += kept > 0
        torn[kind] += dropped > 0
        assert not journal.exists()  # WAL: no rollback journal

        # The first command after the crash recovers from the log the dead one left:
        # a reader (doctor) on even rounds, a writer on odd ones.
        added = 0
        if round_ % 2:
            r = funnel("add", f"After crash {round_}")
            assert r.exit_code == 0, r.stderr
            added = 1
        r = funnel("doctor")
        assert (r.exit_code, r.stdout) == (0, ""), f"round {round_}: {r.stdout}{r.stderr}"
        assert not wal.exists()  # the last to close folded the log in and removed it
        conn = sqlite3.connect(db)
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        conn.close()

        deals_after = count(db, "SELECT count(*) FROM deals") - added
        if kind == "import":  # all of it or none of it
            assert deals_after in (deals_before, deals_before + size), (round_, deals_after)
            outcomes["all" if deals_after > deals_before else "none"] += 1
        else:
            assert deals_after == deals_before
            assert count(db, "SELECT count(*) FROM stage_events") >= events_before
        histories_are_chains(db)
        if not round_ % 2:  # and a write after the reader works too
            r = funnel("log", "m0", "call", f"after round {round_}")
            assert r.exit_code == 0, r.stderr

    elapsed = time.monotonic() - started
    # The kills that waited for a write left logs to recover from, some torn.
    assert left["import"] >= 3 and left["moves"] >= 3, left
    assert sum(logs.values()) >= 3 and sum(torn.values()) >= 2, (logs, torn)
    assert outcomes["none"] >= 2, outcomes
    assert elapsed < 150, f"took {elapsed:.0f} s"
    print(f"\n{ROUNDS} kills in {elapsed:.0f} s: logs {logs}, torn {torn}, imports {outcomes}")
