"""8 processes make 2,000 writes (add, move, log, edit) to one database while 2
more run reports and the due list in a loop: every write lands exactly once,
nothing fails or reports "database is locked", every history is a chain, and
`funnel doctor` finds nothing wrong. The file is in WAL mode throughout."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

WORKER = Path(__file__).resolve().parent / "cli_worker.py"
WRITERS = 8
WRITES = 2000
READERS = 2


@pytest.mark.slow
@pytest.mark.sqlite_only  # one file (test_team_mode: writers and readers on PostgreSQL)
def test_writers_and_readers_on_one_file(funnel, isolated: Path) -> None:
    db = isolated / "funnel.db"  # FUNNEL_DB; the first writer creates it
    stop = isolated / "stop"
    started = time.monotonic()
    writers = [
        subprocess.Popen(
            [sys.executable, str(WORKER), "writer", str(isolated / f"writer{w}.json"), str(w),
             str(WRITES // WRITERS), str(w)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for w in range(WRITERS)
    ]  # fmt: skip
    readers = [
        subprocess.Popen(
            [sys.executable, str(WORKER), "reader", str(isolated / f"reader{r}.json"), str(stop)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for r in range(READERS)
    ]
    outputs = []
    try:
        deadline = time.monotonic() + 30
        while not db.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        while db.read_bytes()[18:20] != b"\2\2" and time.monotonic() < deadline:
            time.sleep(0.01)  # the first writer is creating it
        assert db.read_bytes()[18:20] == b"\2\2", "the database is not in WAL mode"
        for p in writers:
            outputs.append(p.communicate(timeout=180))
    finally:
        stop.touch()
        for p in readers:
            outputs.append(p.communicate(timeout=60))
        for p in writers + readers:
            if p.poll() is None:
                p.kill()
    elapsed = time.monotonic() - started
    assert [p.returncode for p in writers + readers] == [0] * (WRITERS + READERS), outputs
    assert all(out == "" and err == "" for out, err in outputs), outputs

    # No command failed, waited in vain or said "database is locked".
    reports = [json.loads((isolated / f"writer{w}.json").read_text()) for w in range(WRITERS)]
    reads = [json.loads((isolated / f"reader{r}.json").read_text()) for r in range(READERS)]
    assert [f for r in reports + reads for f in r["failures"]] == []
    assert sum(sum(r["counts"].values()) for r in reports) == WRITES
    for r in reads:  # the readers really ran alongside the writers
        assert min(r["runs"].values()) >= 1, r["runs"]

    # Every write landed exactly once.
    expected = {ref: deal for r in reports for ref, deal in r["deals"].items()}
    conn = sqlite3.connect(db)
    rows = conn.execute(
        """SELECT d.external_id, d.value, s.name,
                  (SELECT count(*) FROM stage_events e WHERE e.deal_id = d.id),
                  (SELECT count(*) FROM activities a WHERE a.deal_id = d.id)
           FROM deals d JOIN stages s ON s.id = d.stage_id"""
    ).fetchall()
    found = {
        ext: {"events": events, "activities": acts, "value": value, "stage": stage}
        for ext, value, stage, events, acts in rows
    }
    assert len(rows) == sum(r["counts"]["add"] for r in reports)
    assert found == expected

    # Every history is a chain: each event starts where the one before it ended.
    last: dict[int, tuple[int, str]] = {}
    for deal, fs, fst, ts, tst in conn.execute(
        "SELECT deal_id, from_stage_id, from_status, to_stage_id, to_status FROM stage_events "
        "ORDER BY deal_id, at, id"
    ):
        assert (fs, fst) == last.get(deal, (None, None)), deal
        last[deal] = (ts, tst)
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()

    r = funnel("doctor")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert elapsed < 120, f"took {elapsed:.0f} s"
    runs = [sum(r["runs"].values()) for r in reads]
    print(f"\n{WRITES} writes by {WRITERS} processes in {elapsed:.0f} s; reads alongside: {runs}")
