"""The files funnelcli makes are private whatever the umask: the database 0600
(its write-ahead log and index too: test_wal.py), its data directory 0700,
backups (and the copy a restore keeps) 0600. A database it may read but not
write fails a write with one line, and still serves reads and `funnel doctor`,
also when a dead writer left frames in the log. (A path it can't create at
all: see test_errors.py.)"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest

from conftest import DIE_MID_WRITE
from helpers import mode, one_error_line

NOW = datetime(2026, 11, 23, 10, 15)


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


@pytest.mark.sqlite_only  # file modes and read-only files of the SQLite database
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


@pytest.mark.sqlite_only  # file modes and read-only files of the SQLite database
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


@pytest.mark.sqlite_only  # file modes and read-only files of the SQLite database
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


@pytest.mark.sqlite_only  # file modes and read-only files of the SQLite database
def test_a_read_only_file_left_mid_write(funnel, isolated):
    """A writer killed mid-write leaves uncommitted frames in the write-ahead
    log; a reader who may not write the file reads what was committed, or says
    in one line what it needs; the next command that may write drops them."""
    db = isolated / "funnel.db"
    log = isolated / "funnel.db-wal"
    assert funnel("add", "First").exit_code == 0
    subprocess.run([sys.executable, "-c", DIE_MID_WRITE, str(db)], check=False)
    assert log.stat().st_size > 0  # the dead writer's frames
    with unwritable(db):
        r = funnel("doctor")
        if r.exit_code == 0:
            assert r.stderr.endswith("ok: 1 deal, 1 event checked\n")
        else:
            assert (r.exit_code, r.stdout) == (1, "")
            assert "write-ahead log" in one_error_line(r.stderr)
    r = funnel("doctor")  # now it may: the uncommitted frames are dropped
    assert (r.exit_code, r.stderr.splitlines()[-1]) == (0, "ok: 1 deal, 1 event checked")
    assert funnel("show", "1", "--format", "json").json()["touches"] == 0
