"""The files funnelcli makes are private whatever the umask: the database and
its rollback journal 0600, its data directory 0700, backups (and the copy a
restore keeps) 0600. A database it may read but not write fails a write with
one line, and still serves reads and `funnel doctor`, unless a dead writer
left a hot journal that must be played back first (one line says so). (A
path it can't create at all: see test_errors.py.)"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest

from funnelcli.store import Store

NOW = datetime(2026, 11, 23, 10, 15)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask0() -> Iterator[None]:
    """The most permissive umask: anything not 0600/0700 would be world-writable."""
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def test_first_write_creates_a_private_data_dir_and_database(funnel, isolated, monkeypatch, umask0):
    monkeypatch.delenv("FUNNEL_DB")  # the platform's data directory
    (isolated / "xdg-data").mkdir(mode=0o755)  # exists, as ~/.local/share does
    data = isolated / "xdg-data" / "funnelcli"
    assert funnel("list").exit_code == 0
    assert not data.exists()  # reads create nothing
    assert funnel("add", "First").exit_code == 0
    assert mode(data) == 0o700
    assert mode(data / "funnel.db") == 0o600
    assert sorted(p.name for p in data.iterdir()) == ["funnel.db"]  # the journal is gone


def test_a_database_path_in_a_new_directory(funnel, isolated, monkeypatch, umask0):
    db = isolated / "crm" / "funnel.db"
    monkeypatch.setenv("FUNNEL_DB", str(db))
    assert funnel("add", "First").exit_code == 0
    assert (mode(db.parent), mode(db)) == (0o700, 0o600)


def test_every_directory_it_creates_is_private(funnel, isolated, monkeypatch, umask0):
    db = isolated / "a" / "b" / "funnel.db"
    monkeypatch.setenv("FUNNEL_DB", str(db))
    assert funnel("add", "First").exit_code == 0
    assert (mode(isolated / "a"), mode(db.parent), mode(db)) == (0o700, 0o700, 0o600)


def test_the_rollback_journal_is_private(isolated, umask0):
    """SQLite gives the journal the database file's mode; check it while a
    write transaction holds it open."""
    db = isolated / "funnel.db"
    journal = isolated / "funnel.db-journal"
    store = Store.open(db, for_write=True, now=NOW)
    try:
        assert mode(db) == 0o600
        with store.write():
            store.conn.execute("UPDATE stages SET probability = probability + 1")
            assert journal.exists()
            assert mode(journal) == 0o600
    finally:
        store.close()
    assert not journal.exists()


def test_backups_and_the_copy_a_restore_keeps_are_private(funnel, isolated, umask0):
    assert funnel("add", "First").exit_code == 0
    backup = isolated / "backups" / "monday.db"
    assert funnel("backup", str(backup)).exit_code == 0
    assert (mode(backup.parent), mode(backup)) == (0o700, 0o600)
    assert funnel("backup", str(backup), "--force").exit_code == 0
    assert mode(backup) == 0o600
    assert sorted(p.name for p in backup.parent.iterdir()) == ["monday.db"]  # no .part left

    assert funnel("restore", str(backup)).exit_code == 0
    kept = [p for p in isolated.iterdir() if ".before-restore-" in p.name]
    assert len(kept) == 1
    assert mode(kept[0]) == 0o600
    assert mode(isolated / "funnel.db") == 0o600


def test_a_restore_that_creates_the_database_makes_it_private(funnel, isolated, umask0):
    assert funnel("add", "First").exit_code == 0
    backup = isolated / "copy.db"
    assert funnel("backup", str(backup)).exit_code == 0
    (isolated / "funnel.db").unlink()
    assert funnel("restore", str(backup)).exit_code == 0
    assert mode(isolated / "funnel.db") == 0o600


# -- a database funnelcli may read but not write ------------------------------------


@contextmanager
def unwritable(path: Path) -> Iterator[None]:
    """Make `path` (a file or a directory) impossible to write for this process:
    chmod for an ordinary user; for root, who ignores modes, the immutable
    attribute (skips where chattr can't set it)."""
    if os.geteuid() != 0:
        old = mode(path)
        path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield
        finally:
            path.chmod(old)
        return
    try:
        done = subprocess.run(["chattr", "+i", str(path)], capture_output=True)
    except FileNotFoundError:
        pytest.skip("running as root, and there is no chattr to make a file read-only")
    if done.returncode != 0:
        pytest.skip(f"running as root, and chattr +i failed: {done.stderr.decode().strip()}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def one_error_line(stderr: str) -> str:
    assert stderr.count("\n") == 1 and stderr.startswith("funnel: error: "), stderr
    return stderr[len("funnel: error: ") : -1]


def test_a_read_only_database_file(funnel, isolated):
    db = isolated / "funnel.db"
    assert funnel("add", "First").exit_code == 0
    before = db.read_bytes()
    with unwritable(db):
        r = funnel("add", "Second")
        assert (r.exit_code, r.stdout) == (1, "")
        assert one_error_line(r.stderr) == (
            f"can't write database {db}: attempt to write a readonly database"
        )
        r = funnel("list", "--format", "json")  # reads still work
        assert r.exit_code == 0
        assert [d["title"] for d in r.json()] == ["First"]
        assert funnel("doctor").exit_code == 0
    assert db.read_bytes() == before


def test_a_database_in_a_read_only_directory(funnel, isolated, monkeypatch):
    """The file may be written, but the journal beside it can't be created."""
    db = isolated / "data" / "funnel.db"
    db.parent.mkdir()
    monkeypatch.setenv("FUNNEL_DB", str(db))
    assert funnel("add", "First").exit_code == 0
    before = db.read_bytes()
    with unwritable(db.parent):
        r = funnel("add", "Second")
        assert (r.exit_code, r.stdout) == (1, "")
        assert one_error_line(r.stderr) == (
            f"can't write database {db}: unable to open database file"
        )
        r = funnel("list", "--format", "json")
        assert r.exit_code == 0
        assert [d["title"] for d in r.json()] == ["First"]
        assert funnel("doctor").exit_code == 0
    assert db.read_bytes() == before
    assert sorted(p.name for p in db.parent.iterdir()) == ["funnel.db"]


# A writer that dies after SQLite spilled its changes into the file: the
# journal it leaves is hot (the next reader must roll the file back with it).
DIE_MID_WRITE = """
import os, signal, sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA cache_size = 1")
conn.execute("BEGIN IMMEDIATE")
conn.executemany(
    "INSERT INTO activities (deal_id, kind, at, recorded_at) VALUES (1, 'call', ?, ?)",
    ((f"2026-01-01T00:00:{i % 60:02d}Z", "x") for i in range(20000)),
)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_read_only_file_left_mid_write(funnel, isolated):
    db = isolated / "funnel.db"
    journal = isolated / "funnel.db-journal"
    assert funnel("add", "First").exit_code == 0
    subprocess.run([sys.executable, "-c", DIE_MID_WRITE, str(db)], check=False)
    assert journal.read_bytes()[:1] not in (b"", b"\0")  # hot
    with unwritable(db):
        r = funnel("doctor")
        assert (r.exit_code, r.stdout) == (1, "")
        assert one_error_line(r.stderr) == (
            f"{db} was left mid-write by a process that stopped, and rolling that back needs "
            "write access to it and its directory (attempt to write a readonly database): run "
            "funnel doctor as a user who may write them"
        )
    r = funnel("doctor")  # now it may: the journal is played back, the write undone
    assert (r.exit_code, r.stderr) == (0, "ok: 1 deal, 1 event checked\n")
    assert not journal.exists()
    assert funnel("show", "1", "--format", "json").json()["touches"] == 0
