"""A process killed (SIGKILL) in the middle of an import or a burst of moves
leaves the database whole: SQLite's integrity check passes, the import is all
there or not at all, no history is half-written (`funnel doctor` passes), and
the next command, a read or a write, rolls back the journal it left and works.

A third of the kills land at a random moment, a third while the write
transaction is under way (the rollback journal exists), a third while it
commits (the journal is hot: SQLite is writing the database file), so the
recovery of a hot journal is really exercised. Delays are seeded; the moments
still depend on timing, so the test counts the hot journals it left."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

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


def kill_at_some_point(proc: subprocess.Popen, journal: Path, rng: random.Random, when: str,
                       window: float) -> None:  # type: ignore[type-arg]  # fmt: skip
    """SIGKILL `proc` at a random moment ("random"), while its write transaction
    is under way ("in-write": the journal exists), or while it commits
    ("in-commit": the journal is hot, the database file is being written)."""
    if when != "random":
        ready = journal.exists if when == "in-write" else (lambda: hot(journal))
        deadline = time.monotonic() + 30
        while not ready() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.0002)
    time.sleep(rng.uniform(0, window))
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def hot(journal: Path) -> bool:
    """A journal SQLite must roll back before anyone reads the file: one whose
    header is written (a journal whose first byte is 0 was never synced, the
    database file wasn't touched yet, and SQLite ignores it)."""
    try:
        with journal.open("rb") as f:
            return f.read(1) not in (b"", b"\0")
    except FileNotFoundError:
        return False


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
    journal = db.with_name(db.name + "-journal")
    for i in range(6):
        assert funnel("add", f"Mover {i}", "--external-id", f"m{i}").exit_code == 0
    movers = [f"m{i}" for i in range(6)]
    small, big = isolated / "small.csv", isolated / "big.csv"
    write_csv(big, BIG_ROWS, "Big", rng)

    started = time.monotonic()
    hot_journals = {"import": 0, "moves": 0}
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
        kill_at_some_point(proc, journal, rng, when, window)
        assert proc.stderr is not None
        err = proc.stderr.read().decode()
        proc.stderr.close()
        assert proc.returncode in (0, -signal.SIGKILL), err
        assert "error" not in err, err
        if hot(journal):
            hot_journals[kind] += 1

        # The first command after the crash rolls back what the dead one left:
        # a reader (doctor) on even rounds, a writer on odd ones.
        added = 0
        if round_ % 2:
            r = funnel("add", f"After crash {round_}")
            assert r.exit_code == 0, r.stderr
            added = 1
        r = funnel("doctor")
        assert (r.exit_code, r.stdout) == (0, ""), f"round {round_}: {r.stdout}{r.stderr}"
        assert not hot(journal)
        conn = sqlite3.connect(db)
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
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
    # The kills that waited for a write transaction left hot journals to roll back.
    assert hot_journals["import"] >= 3 and hot_journals["moves"] >= 3, hot_journals
    assert outcomes["none"] >= 2, outcomes
    assert elapsed < 150, f"took {elapsed:.0f} s"
    print(f"\n{ROUNDS} kills in {elapsed:.0f} s: hot journals {hot_journals}, imports {outcomes}")
