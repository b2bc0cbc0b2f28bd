"""Readers never block writers (issue 11, item 10): the database is in WAL mode
(synchronous=FULL), so a paused reader (`funnel export | less`, a held read
transaction) doesn't stop `funnel add`; the reader keeps its snapshot. The log
and its index are private; backups hold what is still in the log; a read-only
copy is read without adding files beside it, and a writer killed mid-write
leaves a log the next command recovers from."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

import funnelcli.store.connection
from conftest import DIE_MID_WRITE
from funnelcli.store import Store
from helpers import mode, ok, without_root_powers

pytestmark = pytest.mark.sqlite_only  # the write-ahead log and its files beside the SQLite file

NOW = datetime(2026, 11, 23, 10, 15)
PATIENCE_S = 5.0  # the busy timeout in these tests: a blocked writer fails after it
PROMPT_S = 1.5  # what "promptly" means, well under PATIENCE_S


def journal_mode(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return str(conn.execute("PRAGMA journal_mode").fetchone()[0])
    finally:
        conn.close()


def test_a_new_database_is_in_wal_mode_with_synchronous_full(funnel, isolated):
    ok(funnel, "add", "First")
    db = isolated / "funnel.db"
    assert journal_mode(db) == "wal"
    assert db.read_bytes()[18:20] == b"\2\2"  # the file's header says so
    store = Store.open(db, for_write=True, now=NOW)
    try:
        assert store.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    finally:
        store.close()
    assert sorted(p.name for p in isolated.iterdir() if p.name.startswith("funnel")) == [
        "funnel.db"
    ]  # the last connection folded the log in and removed -wal and -shm


def test_a_rollback_journal_database_switches_on_its_first_write(funnel, isolated):
    ok(funnel, "add", "First")
    db = isolated / "funnel.db"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    ok(funnel, "list")
    assert journal_mode(db) == "delete"  # reads leave it
    ok(funnel, "add", "Second")
    assert journal_mode(db) == "wal"


# -- a paused reader and a writer -------------------------------------------------


def csv_of(deals: int) -> str:
    rows = "".join(f"Deal {i},Org {i},{100 + i},demo,anna\n" for i in range(deals))
    return "title,org,value,stage,owner\n" + rows


def test_a_writer_commits_promptly_beside_a_held_read_transaction(funnel, isolated, monkeypatch):
    """A reader that began a transaction and read (as `funnel list` does) and
    then stops, holding it: with the rollback journal the writer's commit
    waited for it and failed after the busy timeout."""
    monkeypatch.setattr(funnelcli.store.connection, "BUSY_TIMEOUT_S", PATIENCE_S)
    ok(funnel, "add", "First")
    db = isolated / "funnel.db"
    reader = sqlite3.connect(db, isolation_level=None)
    try:
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM deals").fetchone() == (1,)
        started = time.monotonic()
        r = funnel("add", "While a reader reads")
        elapsed = time.monotonic() - started
        assert (r.exit_code, r.stderr) == (0, "added #2 While a reader reads (lead)\n")
        assert elapsed < PROMPT_S, f"the write took {elapsed:.1f} s"
        # the reader still sees its snapshot, not the new deal
        assert reader.execute("SELECT count(*) FROM deals").fetchone() == (1,)
        reader.execute("COMMIT")
        assert reader.execute("SELECT count(*) FROM deals").fetchone() == (2,)
    finally:
        reader.close()
    assert journal_mode(db) == "wal"


def blocked_in_write(pid: int) -> bool:
    """Is the process waiting for room in a pipe (Linux: its wchan)?"""
    try:
        return Path(f"/proc/{pid}/wchan").read_text().endswith("pipe_write")  # anon_pipe_write
    except OSError:
        return False


@pytest.mark.slow
def test_a_paused_export_does_not_block_funnel_add(funnel, isolated, monkeypatch):
    """`funnel export | less` with the pager paused: the export has filled the
    pipe and waits, inside its read transaction. `funnel add` commits at once,
    and the export, resumed, is the snapshot it started from."""
    monkeypatch.setattr(funnelcli.store.connection, "BUSY_TIMEOUT_S", PATIENCE_S)
    source = isolated / "deals.csv"
    source.write_text(csv_of(3000))  # ~1 MB of export: far more than a pipe holds
    ok(funnel, "import", str(source))
    env = {**os.environ, "FUNNEL_DB": str(isolated / "funnel.db")}
    export = subprocess.Popen(
        [sys.executable, "-m", "funnelcli", "export"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        bufsize=0,
    )
    try:
        assert export.stdout is not None
        first = export.stdout.read(1)  # it has begun (and holds its snapshot)
        deadline = time.monotonic() + 30
        while not blocked_in_write(export.pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        if not Path(f"/proc/{export.pid}/wchan").exists():
            time.sleep(1)  # no /proc: give it time to fill the pipe
        assert export.poll() is None, "the export finished: the pipe never filled"
        started = time.monotonic()
        r = funnel("add", "Added while the export waits", "--external-id", "late")
        elapsed = time.monotonic() - started
        assert r.exit_code == 0, r.stderr
        assert elapsed < PROMPT_S, f"the write took {elapsed:.1f} s"
        rest, err = export.communicate(timeout=60)
    finally:
        if export.poll() is None:
            export.kill()
            export.wait()
    assert (export.returncode, err) == (0, b"")
    text = (first + rest).decode()
    assert text.count('"title":"Deal ') == 3000
    assert "Added while the export waits" not in text  # its snapshot, from before
    shown = ok(funnel, "show", "late", "--format", "json").json()
    assert shown["title"] == "Added while the export waits"


# -- files ----------------------------------------------------------------------


def test_the_log_and_its_index_are_private(isolated, umask0):
    """SQLite gives -wal and -shm the database file's mode; check them while a
    write transaction holds them open."""
    db = isolated / "funnel.db"
    store = Store.open(db, for_write=True, now=NOW)
    try:
        assert mode(db) == 0o600
        with store.write():
            store.conn.execute("UPDATE stages SET probability = probability + 1")
            for tail in ("-wal", "-shm"):
                assert mode(isolated / f"funnel.db{tail}") == 0o600, tail
    finally:
        store.close()
    assert sorted(p.name for p in isolated.iterdir()) == ["funnel.db"]


@pytest.fixture
def held(funnel: Any, isolated: Path) -> Iterator[sqlite3.Connection]:
    """A database with one deal, First, and a connection to it kept open (no
    transaction), so the log is not folded into the file when the commands
    close theirs: what they write stays in funnel.db-wal."""
    ok(funnel, "add", "First")
    conn = sqlite3.connect(isolated / "funnel.db")
    conn.execute("SELECT count(*) FROM deals").fetchone()
    yield conn
    conn.close()


def test_a_backup_holds_what_is_still_in_the_log(funnel, isolated, held):
    db = isolated / "funnel.db"
    ok(funnel, "add", "Only in the log")
    wal = isolated / "funnel.db-wal"
    assert wal.stat().st_size > 0
    assert b"Only in the log" not in db.read_bytes()  # not folded in yet
    copy = isolated / "copy.db"
    ok(funnel, "backup", str(copy))
    conn = sqlite3.connect(f"{copy.as_uri()}?mode=ro&immutable=1", uri=True)  # the file alone
    assert [r[0] for r in conn.execute("SELECT title FROM deals ORDER BY id")] == [
        "First",
        "Only in the log",
    ]
    conn.close()


def test_a_restore_beside_an_open_connection(funnel, isolated, held, monkeypatch):
    """Another process has the database open (a paused reader, between its
    transactions), and the last write is still only in the log: the copy the
    restore keeps has it, the restore writes into the live file beside the
    open connection, promptly, and the file stays in WAL mode."""
    monkeypatch.setattr(funnelcli.store.connection, "BUSY_TIMEOUT_S", PATIENCE_S)
    db = isolated / "funnel.db"
    copy = isolated / "copy.db"
    ok(funnel, "backup", str(copy))
    ok(funnel, "add", "Only in the log")
    assert b"Only in the log" not in db.read_bytes()
    started = time.monotonic()
    ok(funnel, "restore", str(copy))
    assert time.monotonic() - started < PROMPT_S
    assert held.execute("SELECT title FROM deals").fetchall() == [("First",)]
    assert held.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    (kept,) = [p for p in isolated.iterdir() if p.name.startswith("funnel.db.before-restore-")]
    conn = sqlite3.connect(f"{kept.as_uri()}?mode=ro&immutable=1", uri=True)  # the file alone
    assert [r[0] for r in conn.execute("SELECT title FROM deals ORDER BY id")] == [
        "First",
        "Only in the log",
    ]
    conn.close()


def test_the_backup_before_an_upgrade_holds_what_is_still_in_the_log(funnel, isolated):
    """An old database in WAL mode whose last write is only in its log: the
    copy made before migrating has it, and is complete in itself."""
    from test_upgrades import FIXTURES, OLDER, backups

    db = isolated / "funnel.db"
    shutil.copyfile(FIXTURES / f"schema-v{OLDER[0]}.sqlite", db)
    keeper = sqlite3.connect(db, isolation_level=None)
    try:
        assert keeper.execute("PRAGMA journal_mode = WAL").fetchone() == ("wal",)
        keeper.execute(
            "INSERT INTO activities (deal_id, kind, note, at, recorded_at) VALUES "
            "(1, 'call', 'only in the log', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z')"
        )
        assert b"only in the log" not in db.read_bytes()
        ok(funnel, "list")
    finally:
        keeper.close()
    (copy,) = backups(db)
    assert copy.read_bytes()[18:20] == b"\1\1"  # a rollback-journal file: no -wal needed
    conn = sqlite3.connect(f"{copy.as_uri()}?mode=ro&immutable=1", uri=True)
    notes = [r[0] for r in conn.execute("SELECT note FROM activities")]
    conn.close()
    assert "only in the log" in notes


@pytest.mark.slow
def test_a_read_only_wal_database_is_read_without_adding_files(funnel, isolated):
    """A WAL file needs its -shm to be read; a file (or directory) this user
    may not write is read `immutable` instead, so nothing is added beside it:
    a stray -shm it couldn't remove would stop the owner's next write."""
    prefix = without_root_powers()
    data = isolated / "data"
    data.mkdir()
    db = data / "funnel.db"
    env = {**os.environ, "FUNNEL_DB": str(db)}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*prefix, sys.executable, "-m", "funnelcli", *args],
            capture_output=True, text=True, env=env, timeout=60,
        )  # fmt: skip

    assert cli("add", "First").returncode == 0
    for unwritable in (db, data):  # the file 0444, then the directory 0555
        unwritable.chmod(0o444 if unwritable == db else 0o555)
        try:
            r = cli("list", "--format", "json")
            assert (r.returncode, r.stderr) == (0, ""), r.stderr
            assert '"First"' in r.stdout
            r = cli("doctor")
            assert r.returncode == 0, r.stderr
            r = cli("add", "Refused")
            assert r.returncode == 1
            assert sorted(p.name for p in data.iterdir()) == ["funnel.db"]
        finally:
            unwritable.chmod(0o600 if unwritable == db else 0o700)
        r = cli("add", "Second")  # writable again: nothing left in the way
        assert r.returncode == 0, r.stderr
    assert cli("list").stdout.count("Second") == 2


@pytest.mark.slow
def test_a_writer_killed_mid_write_leaves_a_log_the_next_command_recovers(funnel, isolated):
    db = isolated / "funnel.db"
    ok(funnel, "add", "First")
    done = subprocess.run([sys.executable, "-c", DIE_MID_WRITE, str(db)], check=False)
    assert done.returncode == -signal.SIGKILL
    assert (isolated / "funnel.db-wal").stat().st_size > 100_000  # uncommitted pages
    r = funnel("doctor")
    assert (r.exit_code, r.stdout) == (0, "")
    assert r.stderr.endswith("ok: 1 deal, 1 event checked\n")
    assert ok(funnel, "show", "1", "--format", "json").json()["touches"] == 0
    ok(funnel, "log", "1", "call")
    assert ok(funnel, "show", "1", "--format", "json").json()["touches"] == 1
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    conn.close()
