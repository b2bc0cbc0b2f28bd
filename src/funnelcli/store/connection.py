"""Opening the one SQLite file: permissions, pragmas, migrations, transactions.

Journal mode: the rollback journal with `synchronous=FULL`. WAL would let
readers run beside a writer, but SQLite 3.7.0–3.51.2 has a WAL-reset bug
that can corrupt the file under concurrent writers, and a one-to-ten person
team's writes take about a millisecond each, so readers rarely wait. Writers
serialise on `BEGIN IMMEDIATE` and wait up to `BUSY_TIMEOUT_S` for the lock.

Upgrades: a database written by an older funnelcli is migrated forward the
first time any command opens it, reads included (the current code can't read
the old schema). Before that, under the same write lock, a copy of the file
as it was is written beside it, `<db>.before-migration-v<old>-<when>` (0600),
so a failed or unwanted upgrade loses nothing. A database from a newer
funnelcli is refused, never migrated backwards.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from pathlib import Path

from funnelcli.errors import StorageError
from funnelcli.schema import SCHEMA_VERSION

BUSY_TIMEOUT_S = 30.0


def storage_error(exc: sqlite3.Error, path: str) -> StorageError:
    """One line that says what is wrong with the file, from an sqlite3 error."""
    text = str(exc)
    if "locked" in text or "busy" in text:
        return StorageError(
            f"database {path} is locked by another process (waited {BUSY_TIMEOUT_S:g} s)"
        )
    if "not a database" in text or "malformed" in text:
        return StorageError(f"{path} is not a funnelcli database (SQLite says: {text})")
    if "readonly" in text or "unable to open" in text or "disk I/O" in text:
        return StorageError(f"can't write database {path}: {text}")
    return StorageError(f"database {path}: {text}")


def _create_file(path: Path) -> None:
    """Create the database file 0600 (and its directory 0700) before SQLite opens it."""
    try:
        # each missing directory 0700 (mkdir(parents=True) gives the ones above
        # the last the umask's mode)
        for directory in [*reversed(path.parent.parents), path.parent]:
            if not directory.exists():
                directory.mkdir(mode=0o700, exist_ok=True)
                os.chmod(directory, 0o700)  # exactly, whatever the umask
    except OSError as exc:  # a parent that is a file, or not writable
        raise StorageError(f"can't create database {path}: {exc.strerror}") from None
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    except OSError as exc:
        raise StorageError(f"can't create database {path}: {exc.strerror}") from None
    os.close(fd)


def connect(path: Path | None) -> sqlite3.Connection:
    """A connection in autocommit mode: transactions are begun explicitly."""
    target = ":memory:" if path is None else str(path)
    try:
        conn = sqlite3.connect(target, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = FULL")
    except sqlite3.Error as exc:
        raise storage_error(exc, target) from None
    return conn


def open_connection(
    path: Path | None,
    *,
    for_write: bool,
    now: datetime,
    on_backup: Callable[[Path, int], None] | None = None,
) -> sqlite3.Connection:
    """Open (and if needed create and migrate) the database at `path`.

    A read of a file that doesn't exist yet gets an in-memory database with
    the current schema, so reads never create files. A file of an older
    schema is migrated whatever the command, after a backup beside it;
    `on_backup(backup_path, old_version)` is told where it went.
    """
    if path is not None and not path.exists():
        if not for_write:
            path = None
        else:
            _create_file(path)
    conn = connect(path)
    name = ":memory:" if path is None else str(path)
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.Error as exc:
        conn.close()
        raise storage_error(exc, name) from None
    if version > SCHEMA_VERSION:
        conn.close()
        raise StorageError(
            f"{name} was written by a newer funnelcli (schema {version}; this one knows "
            f"{SCHEMA_VERSION}): upgrade funnelcli"
        )
    if version < SCHEMA_VERSION:
        try:
            backup = migrate(conn, name, now, path=path)
        except BaseException:
            conn.close()
            raise
        if backup is not None and on_backup is not None:
            on_backup(backup, version)
    return conn


def migrate(
    conn: sqlite3.Connection, name: str, now: datetime, *, path: Path | None = None
) -> Path | None:
    """Apply pending migrations under one write lock, then seed a new database.

    A database that already had a schema (user_version >= 1) is first copied
    to a backup beside `path`, under that lock, so the copy is exactly what
    is migrated. Returns the backup's path (None when none was needed).
    """
    from sqlite_utils import Database

    from funnelcli.migrations import migrations

    backup: Path | None = None
    # Off for the migration, as SQLite's recipe for rebuilding a table asks (a
    # no-op inside a transaction, so before BEGIN); checked before COMMIT.
    conn.execute("PRAGMA foreign_keys = OFF")
    try:
        conn.execute("BEGIN IMMEDIATE")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version == 0:
            foreign = conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
            ).fetchone()[0]
            if foreign:
                raise StorageError(f"{name} is a SQLite database, but not a funnelcli one")
        if version < SCHEMA_VERSION:
            if version >= 1 and path is not None:
                backup = backup_before_migration(path, version, now)
            migrations.apply(Database(conn, execute_plugins=False))
            if version == 0:
                from funnelcli.store.seed import seed_default_pipeline

                seed_default_pipeline(conn, now)
        broken = conn.execute("PRAGMA foreign_key_check").fetchone()
        if broken is not None:
            raise StorageError(f"{name}: the upgrade would break a reference ({broken[0]})")
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        _discard(backup)
        raise storage_error(exc, name) from None
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        _discard(backup)
        raise
    finally:
        conn.execute("PRAGMA foreign_keys = ON")
    return backup


def backup_before_migration(path: Path, version: int, now: datetime) -> Path:
    """Copy the database at `path` to `<path>.before-migration-v<version>-<now>`.

    Called while the migrating connection holds the write lock (RESERVED): a
    second connection can still read, and no one can write, so the copy is the
    database exactly as it is about to be migrated. (The backup API can't read
    through the connection that holds the write transaction: SQLITE_LOCKED.)
    """
    stamp = now.strftime("%Y%m%dT%H%M%S")
    base = f"{path.name}.before-migration-v{version}-{stamp}"
    for n in range(1, 100):
        target = path.with_name(base if n == 1 else f"{base}-{n}")
        try:
            fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            continue
        except OSError as exc:
            raise StorageError(
                f"can't upgrade {path} from schema {version}: can't write a backup "
                f"beside it ({target}: {exc.strerror})"
            ) from None
        os.close(fd)
        break
    else:
        raise StorageError(f"can't upgrade {path}: too many backups named {base}-N beside it")
    try:
        source = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S)
        try:
            dest = sqlite3.connect(target)
            try:
                source.backup(dest)
            finally:
                dest.close()
        finally:
            source.close()
    except sqlite3.Error as exc:
        _discard(target)
        raise StorageError(
            f"can't upgrade {path} from schema {version}: the backup to {target} failed: {exc}"
        ) from None
    except BaseException:
        _discard(target)
        raise
    return target


def _discard(path: Path | None) -> None:
    """Remove a backup that a failed migration made needless (the file is unchanged)."""
    if path is not None:
        with suppress(OSError):
            path.unlink(missing_ok=True)


@contextmanager
def transaction(conn: sqlite3.Connection, name: str, *, write: bool) -> Iterator[None]:
    """One transaction: `BEGIN IMMEDIATE` for writes (no SQLITE_BUSY_SNAPSHOT
    half-way through), a deferred `BEGIN` for a consistent read.

    Inside a write that is already open (a demo or an import made of many
    use-cases) it nests as a savepoint, so the whole batch is one transaction."""
    if conn.in_transaction:
        with _savepoint(conn, name):
            yield
        return
    try:
        conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
    except sqlite3.Error as exc:
        raise storage_error(exc, name) from None
    try:
        yield
    except sqlite3.Error as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise storage_error(exc, name) from None
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    else:
        try:
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise storage_error(exc, name) from None


@contextmanager
def _savepoint(conn: sqlite3.Connection, name: str) -> Iterator[None]:
    conn.execute("SAVEPOINT funnel_nested")
    try:
        yield
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK TO funnel_nested")
            conn.execute("RELEASE funnel_nested")
        raise
    else:
        conn.execute("RELEASE funnel_nested")
