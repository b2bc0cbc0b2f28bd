"""The copy of a database written beside it before an upgrade migrates it.

`store.connection.migrate` calls `backup_before_migration` under the write
lock it migrates in, and `discard`s the copy when the migration fails (the
file is then unchanged). Imported only when a migration runs.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import tempfile
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime
from pathlib import Path

from funnelcli.errors import StorageError
from funnelcli.files import sync_dir

_PART_TAILS = ("", "-journal", "-wal", "-shm")


def backup_before_migration(
    path: Path, version: int, now: datetime, *, busy_timeout: float
) -> Path:
    """Copy the database at `path` to `<path>.before-migration-v<version>-<now>`.

    Called while the migrating connection holds the write lock (RESERVED): a
    second connection can still read, and no one can write, so the copy is the
    database exactly as it is about to be migrated. (The backup API can't read
    through the connection that holds the write transaction: SQLITE_LOCKED.)

    The copy is written to a temporary file created exclusively beside it,
    synced, and only then linked to its final name, which must not exist yet
    (`-2`, `-3`… otherwise): a killed upgrade leaves no half-written file
    under a backup's name, and no kept copy is ever overwritten. Temporary
    files an earlier, killed upgrade left are removed first (no one else can
    be writing one: we hold the write lock). The copy is a rollback-journal
    file, complete in itself (no -wal), that reads never add files beside.
    """
    stamp = now.strftime("%Y%m%dT%H%M%S")
    base = f"{path.name}.before-migration-v{version}-{stamp}"
    prefix = f".{path.name}.before-migration-"

    def refuse(target: Path, exc: OSError) -> StorageError:
        return StorageError(
            f"can't upgrade {path} from schema {version}: can't write a backup "
            f"beside it ({target}: {exc.strerror})"
        )

    with suppress(OSError):
        for stale in os.listdir(path.parent):
            # the copy, and the journal its writing connection had beside it
            if stale.startswith(prefix) and stale.rpartition(".part")[2] in _PART_TAILS:
                discard(path.with_name(stale))
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{base}.", suffix=".part", dir=path.parent)
    except OSError as exc:
        raise refuse(path.with_name(f".{base}.part"), exc) from None
    os.close(fd)  # mkstemp: O_EXCL, 0600
    tmp = Path(tmp_name)
    try:
        _copy_database(path, tmp, version, busy_timeout)
        kept = _link_unique(tmp, path.with_name(base), refuse)
    finally:
        discard(tmp)
    if kept is None:
        raise StorageError(f"can't upgrade {path}: too many backups named {base}-N beside it")
    return kept


def _copy_database(path: Path, dest_path: Path, version: int, busy_timeout: float) -> None:
    """SQLite's backup API from `path` (its committed state, WAL included) into
    the empty file at `dest_path`, left in rollback-journal mode and synced."""
    try:
        source = sqlite3.connect(path, timeout=busy_timeout)
        try:
            dest = sqlite3.connect(dest_path, isolation_level=None)
            try:
                dest.execute("PRAGMA synchronous = FULL")
                source.backup(dest)
                if dest.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                    dest.execute("PRAGMA journal_mode = DELETE")
            finally:
                dest.close()
        finally:
            source.close()
        fd = os.open(dest_path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except sqlite3.Error as exc:
        raise StorageError(
            f"can't upgrade {path} from schema {version}: the backup to {dest_path} failed: {exc}"
        ) from None
    except OSError as exc:
        raise StorageError(
            f"can't upgrade {path} from schema {version}: the backup to {dest_path} failed: "
            f"{exc.strerror}"
        ) from None


def _link_unique(
    tmp: Path, wanted: Path, refuse: Callable[[Path, OSError], StorageError]
) -> Path | None:
    """Give the complete file `tmp` the name `wanted` (or `wanted-2`, `-3`…,
    whichever doesn't exist yet), never replacing a file; returns the name
    (None when 99 are taken)."""
    for n in range(1, 100):
        target = wanted if n == 1 else wanted.with_name(f"{wanted.name}-{n}")
        try:
            os.link(tmp, target)
        except FileExistsError:
            continue
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
                raise refuse(target, exc) from None
            # no hard links here: claim the name exclusively, then rename onto it
            try:
                os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            except FileExistsError:
                continue
            except OSError as exc2:
                raise refuse(target, exc2) from None
            try:
                os.replace(tmp, target)
            except OSError as exc2:
                discard(target)
                raise refuse(target, exc2) from None
        sync_dir(target.parent)
        return target
    return None


def discard(path: Path | None) -> None:
    """Remove a backup that a failed migration made needless (the file is unchanged)."""
    if path is not None:
        with suppress(OSError):
            path.unlink(missing_ok=True)
