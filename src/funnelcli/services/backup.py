"""`funnel backup` and `funnel restore`, through SQLite's online backup API.

The backup API copies page by page under SQLite's own locks, so a backup
taken while another process writes is a consistent snapshot, and a restore
writes into the live file under a write lock, so a process that has it open
sees the old database or the new one, never half of each.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
from datetime import datetime
from pathlib import Path

from funnelcli.config import expand_home
from funnelcli.errors import Conflict, NotFound, StorageError
from funnelcli.services import Context
from funnelcli.store.connection import (
    _create_file,
    connect,
    database_exists,
    is_wal,
    storage_error,
)

TABLES = {"pipelines", "stages", "deals", "stage_events", "stage_stays", "activities"}


def backup(ctx: Context, db: Path, path: Path, *, force: bool = False) -> None:
    path = expand_home(path)
    if not database_exists(db):
        raise NotFound(f"there is no database at {db} yet: nothing to back up")
    try:
        existing = os.stat(path)
    except FileNotFoundError:
        existing = None
    except OSError as exc:  # a parent that is a file, a directory we may not search
        raise _cant_write(path, exc) from None
    if existing is not None and not force:
        raise Conflict(f"{path} exists; give --force to replace it")
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        raise Conflict(f"{path} is not a regular file (a backup is a database file)")
    try:
        make_private_dirs(path.parent)
        fd, part = temp_beside(path)
    except OSError as exc:
        raise _cant_write(path, exc) from None
    try:
        _copy_into(ctx.store.conn, part, name=str(path))
        try:
            same_file(fd, part)
            os.replace(part, path)
            sync_dir(path.parent)
        except OSError as exc:
            raise _cant_write(path, exc) from None
    finally:
        os.close(fd)
        _remove(part)


def single_file(conn: sqlite3.Connection) -> None:
    """A copy is one self-contained file: in the rollback-journal mode, whatever
    mode the database it copies is in (a WAL copy wants -wal and -shm files
    beside it, even to be read)."""
    conn.execute("PRAGMA journal_mode = DELETE")


def _cant_write(path: Path, exc: OSError) -> StorageError:
    return StorageError(f"can't write backup {path}: {exc.strerror or exc}")


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


def temp_beside(target: Path) -> tuple[int, Path]:
    """A new private file in target's directory, `.NAME.<random>.part`: (its open
    descriptor, its path). It is renamed onto `target` when complete."""
    import tempfile

    # the name cut short, so a target name of any legal length leaves room
    # for the dot, the random part and the suffix (255 bytes in all)
    short = target.name.encode()[:200].decode(errors="ignore")
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{short}.", suffix=".part")
    return fd, Path(name)


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


def sync_dir(directory: Path) -> None:
    """Make a rename in `directory` durable (where the system allows)."""
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


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
                single_file(dest)
        finally:
            dest.close()
    except sqlite3.Error as exc:
        raise storage_error(exc, name or str(dest_path)) from None


def _page_size(path: Path) -> int:
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            return int(conn.execute("PRAGMA page_size").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise storage_error(exc, str(path)) from None


def check_database(path: Path) -> tuple[int, int]:
    """(schema version, page size) of a funnelcli database at `path`; else StorageError."""
    from funnelcli.schema import SCHEMA_VERSION

    try:
        regular = path.is_file()
    except OSError as exc:  # a directory we may not search, a name too long
        raise StorageError(f"can't read {path}: {exc.strerror or exc}") from None
    if not regular:
        raise NotFound(f"no file {path}")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            page_size = conn.execute("PRAGMA page_size").fetchone()[0]
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            ok = conn.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise StorageError(f"{path} is not a funnelcli database (SQLite says: {exc})") from None
    if not tables >= TABLES or version < 1:
        raise StorageError(f"{path} is not a funnelcli database (no deals or pipelines tables)")
    if version > SCHEMA_VERSION:
        raise StorageError(f"{path} was written by a newer funnelcli (schema {version})")
    if ok != "ok":
        raise StorageError(f"{path} is damaged (SQLite's check says: {ok})")
    return int(version), int(page_size)


def restore(db: Path, source: Path, now: datetime) -> Path | None:
    """Copy `source` over `db`; the replaced database is kept beside it first.
    Returns where it was kept (None when there was no database)."""
    source = expand_home(source)
    _, page_size = check_database(source)
    exists = database_exists(db)
    if exists and db.resolve() == source.resolve():
        raise Conflict(f"{source} is the database itself")
    if exists and is_wal(db):
        live_page_size = _page_size(db)
        if page_size != live_page_size:  # SQLite can't copy it into a WAL file
            raise Conflict(
                f"can't restore {source}: its pages are {page_size} bytes, the database's "
                f"{live_page_size} (a backup made by `funnel backup` always matches); "
                f"VACUUM it with `PRAGMA page_size = {live_page_size}` first"
            )
    kept = None
    if exists:
        kept = create_new(db.with_name(f"{db.name}.before-restore-{now:%Y%m%dT%H%M%S}"))
        try:
            _copy(connect(db), kept)
        except StorageError:
            _remove(kept)
            raise
    else:
        _create_file(db)
    _copy(sqlite3.connect(f"file:{source}?mode=ro", uri=True), db, live=True)
    return kept
