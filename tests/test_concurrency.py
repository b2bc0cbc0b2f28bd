"""Parallel writers on one file: WAL + BEGIN IMMEDIATE + busy timeout must
make every write land once, with no "database is locked"."""

from __future__ import annotations

import multiprocessing
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from funnelcli.config import Config
from funnelcli.services import Context
from funnelcli.services.deal_edit import add_deal
from funnelcli.services.deal_input import DealChanges
from funnelcli.services.deals import close_deal, move_deal
from funnelcli.store import Store

pytestmark = pytest.mark.sqlite_only  # SQLite's locking: WAL, BEGIN IMMEDIATE and the busy timeout

NOW = datetime(2026, 11, 23, 10, 15)
WORKERS = 4
DEALS_PER_WORKER = 40
STAGES = ["qualified", "contacted", "demo"]


def _worker(path: str, worker: int, errors: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    try:
        ctx = Context(
            Store.open(Path(path), for_write=True, now=NOW),
            NOW,
            Config(Path(path).with_suffix(".toml")),
        )
        for i in range(DEALS_PER_WORKER):
            deal = add_deal(ctx, f"w{worker}-{i}", DealChanges(value="100"))
            for stage in STAGES:
                move_deal(ctx, str(deal.id), stage)
            if i % 2:
                close_deal(ctx, str(deal.id), "won")
            # A reader in the middle of the writers.
            with ctx.store.read():
                ctx.store.deals.get(deal.id)
    except Exception as exc:  # reported to the parent, which fails the test
        errors.put(f"worker {worker}: {type(exc).__name__}: {exc}")


@pytest.mark.slow
def test_parallel_writers_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    Store.open(path, for_write=True, now=NOW).close()
    assert path.read_bytes()[18:20] == b"\2\2"  # the file is in WAL mode
    errors: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    procs = [
        multiprocessing.Process(target=_worker, args=(str(path), w, errors)) for w in range(WORKERS)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    problems = []
    while not errors.empty():
        problems.append(errors.get())
    assert problems == []
    assert all(p.exitcode == 0 for p in procs)

    conn = sqlite3.connect(path)
    total = WORKERS * DEALS_PER_WORKER
    assert conn.execute("SELECT count(*) FROM deals").fetchone()[0] == total
    per_deal = conn.execute(
        "SELECT d.title, count(e.id) FROM deals d JOIN stage_events e ON e.deal_id = d.id "
        "GROUP BY d.id"
    ).fetchall()
    for title, events in per_deal:
        closed = int(title.split("-")[1]) % 2
        assert events == 1 + len(STAGES) + closed, title
    # Every event starts where the previous one ended.
    chain = conn.execute(
        "SELECT deal_id, from_stage_id, from_status, to_stage_id, to_status FROM stage_events "
        "ORDER BY deal_id, at, id"
    ).fetchall()
    last: dict[int, tuple[int, str]] = {}
    for deal_id, fs, fst, ts, tst in chain:
        if deal_id in last:
            assert (fs, fst) == last[deal_id]
        else:
            assert (fs, fst) == (None, None)
        last[deal_id] = (ts, tst)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
