"""The database copies behind `funnel backup` and `funnel restore`: SQLite's
online backup API, the pragmas and the files.

The backup API copies page by page under SQLite's own locks, so a backup
taken while another process writes is a consistent snapshot, and a restore
writes into the live file under a write lock, so a process that has it open
sees the old database or the new one, never half of each.

Imported only by `services/backup.py` (and the export's output file), so no
everyday command loads it.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from funnelcli.errors import StorageError
from funnelcli.files import sync_dir, temp_beside
from funnelcli.store.connection import _create_file, connect, storage_error

# -- files created exclusively ------------------------------------------------------
# No file funnelcli writes is opened by a name someone else could have made
# first (a symlink to their victim, or another run's file): a temporary file
# gets a random name, a kept copy the first free one of name, name-2, name-3 …,
# and both are created with O_EXCL | O_NOFOLLOW, 0600.


def make_private_dirs(directory: Path) -> None:
    """Create `directory` and each missing parent 0700, whatever the umask."""
    for d in [*reversed(directory.parents), directory]:
        if not d.exists():
            d.mkdir(mode=0o700, exist_ok=True)
            os.chmod(d, 0o700)


def create_new(base: Path) -> Path:
    """Create the first of base, base-2, base-3 … that doesn't exist yet (0600,
    never through a symlink) and return it: a copy we keep is never overwritten."""
    for n in range(1, 10_000):
        path = base if n == 1 else base.with_name(f"{base.name}-{n}")
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        except FileExistsError:
            continue
        except OSError as exc:
            raise StorageError(f"can't keep a copy at {path}: {exc.strerror or exc}") from None
        os.close(fd)
        return path
    raise StorageError(f"can't keep a copy beside {base}: too many copies of that name")


def same_file(fd: int, path: Path) -> None:
    """Refuse when `path` is no longer the file we created (someone replaced it
    while SQLite wrote it by name)."""
    mine, now = os.fstat(fd), os.lstat(path)
    if (mine.st_dev, mine.st_ino) != (now.st_dev, now.st_ino):
        raise StorageError(f"{path} was replaced by someone else while it was written")


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


# -- copies through SQLite's backup API ---------------------------------------------


def write_backup(src: sqlite3.Connection, path: Path) -> None:
    """Write a copy of the database `src` is connected to at `path`: into a new
    private file beside it (its missing directories made 0700), renamed onto
    `path` only when complete, so a failed copy leaves nothing and a reader of
    `path` never sees half a file. Raises OSError when a directory or the file
    can't be made or renamed; StorageError when SQLite fails (naming `path`) or
    someone replaced the file while it was written."""
    make_private_dirs(path.parent)
    fd, part = temp_beside(path)
    try:
        _copy_into(src, part, name=str(path))
        same_file(fd, part)
        os.replace(part, path)
        sync_dir(path.parent)
    finally:
        os.close(fd)
        _remove(part)


def keep_copy(db: Path, base: Path) -> Path:
    """Copy the database at `db` to the first free one of base, base-2, base-3 …
    (created exclusively, 0600) and return its path; a copy that failed is
    removed again."""
    kept = create_new(base)
    try:
        _copy(connect(db), kept)
    except StorageError:
        _remove(kept)
        raise
    return kept


def copy_over(source: Path, db: Path, *, create: bool) -> None:
    """Copy the database at `source` (opened read-only) into the live file `db`,
    which keeps its journal mode; `create`: make `db` first (0600, its
    directories 0700), as there is no database there yet."""
    if create:
        _create_file(db)
    _copy(sqlite3.connect(f"file:{source}?mode=ro", uri=True), db, live=True)


def _single_file(conn: sqlite3.Connection) -> None:
    """A copy is one self-contained file: in the rollback-journal mode, whatever
    mode the database it copies is in (a WAL copy wants -wal and -shm files
    beside it, even to be read)."""
    conn.execute("PRAGMA journal_mode = DELETE")


def _copy(src: sqlite3.Connection, dest_path: Path, *, live: bool = False) -> None:
    """Copy a whole database into the file at dest_path, closing both ends."""
    try:
        _copy_into(src, dest_path, live=live)
    finally:
        src.close()


def _copy_into(
    src: sqlite3.Connection, dest_path: Path, *, live: bool = False, name: str | None = None
) -> None:
    """Copy a whole database into the file at dest_path (SQLite's backup API). A
    copy is made one self-contained file; the `live` database keeps its journal
    mode (leaving WAL needs every other connection closed: a paused reader
    would make the restore fail). Errors name `name` (default: dest_path)."""
    try:
        dest = connect(dest_path)
        try:
            src.backup(dest)
            if not live:
                _single_file(dest)
        finally:
            dest.close()
    except sqlite3.Error as exc:
        raise storage_error(exc, name or str(dest_path)) from None


# -- what a file holds --------------------------------------------------------------


@dataclass(frozen=True)
class DatabaseFacts:
    """What a restore checks about a file before copying it in."""

    user_version: int
    page_size: int
    tables: frozenset[str]
    quick_check: str  # "ok", or SQLite's first complaint


def read_facts(path: Path) -> DatabaseFacts:
    """Open the SQLite file at `path` read-only and read its user_version,
    page size, table names and `PRAGMA quick_check`. StorageError (`… is not a
    funnelcli database (SQLite says: …)`) when SQLite can't read it."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            page_size = conn.execute("PRAGMA page_size").fetchone()[0]
            tables = frozenset(r[0] for r in conn.execute("SELECT name FROM sqlite_master"))
            ok = conn.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise StorageError(f"{path} is not a funnelcli database (SQLite says: {exc})") from None
    return DatabaseFacts(int(version), int(page_size), tables, str(ok))


def page_size(path: Path) -> int:
    """The page size of the database file at `path` (opened read-only)."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            return int(conn.execute("PRAGMA page_size").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise storage_error(exc, str(path)) from None
