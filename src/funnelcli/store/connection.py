"""Opening the one SQLite file: permissions, pragmas, migrations, transactions.

Journal mode: WAL (write-ahead log) with `synchronous=FULL`, so a reader never
blocks a writer: a paused `funnel list | less` or a long export reads its
snapshot while `funnel add` commits beside it (with the rollback journal, the
reader's lock held every writer off until it gave up after `BUSY_TIMEOUT_S`).
SQLite 3.7.0–3.51.2 (this machine links 3.40.1; `funnel doctor` names the
version) have a WAL-reset race that can corrupt the file when writers and a
checkpoint meet at one moment; it is fixed in 3.51.3, and by SQLite's own
account it is rarer in the wild than faults of the SSD itself, while a team
blocked by one paused reader is certain. Writers serialise on `BEGIN
IMMEDIATE` and wait up to `BUSY_TIMEOUT_S` for each other. A write connection
switches a database to WAL (a database from before stays in the rollback
journal until its first write); the last connection to close folds the log
back into the file and removes `-wal` and `-shm`. WAL needs shared memory
between processes: keep the file on a local disk, not on a network share or
in a sync folder, where SQLite's locking doesn't work reliably.

A WAL database needs its `-shm` file even to be read. Where this process may
not write the file or its directory (a read-only copy, `chattr +i`), and no
log is waiting beside it, the file is opened `immutable` (read-only, no
locks, no `-shm`): nothing could be writing it, and no stray `-shm` it could
not remove is left behind to stop a later writer.

Upgrades: a database written by an older funnelcli is migrated forward the
first time any command opens it, reads included (the current code can't read
the old schema). Before that, under the same write lock, a copy of the file
as it was is written beside it, `<db>.before-migration-v<old>-<when>` (0600),
so a failed or unwanted upgrade loses nothing. The copy is written under a
temporary name and linked to its final name only when complete (a killed
upgrade leaves no copy that looks whole), and never replaces a file
(store/migration_backup.py). A
database from a newer funnelcli is refused, never migrated backwards.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from pathlib import Path

from funnelcli.clock import machine_zone
from funnelcli.errors import StorageError
from funnelcli.schema import SCHEMA_VERSION
from funnelcli.store.dialect import Connection

BUSY_TIMEOUT_S = 30.0


def storage_error(exc: sqlite3.Error, path: str) -> StorageError:
    """One line that says what is wrong with the file, from an sqlite3 error."""
    text = str(exc)
    if "locked" in text or "busy" in text:
        return StorageError(
            f"database {path} is locked by another process (waited {BUSY_TIMEOUT_S:g} s); "
            "nothing was changed: run it again"
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


def connect(path: Path | None, *, uri: str | None = None, write: bool = True) -> sqlite3.Connection:
    """A connection in autocommit mode: transactions are begun explicitly.
    `uri` (from `read_only_uri`) opens `path` that way instead. A connection
    that will write enforces foreign keys and syncs every commit (FULL); one
    that only reads needs neither (two statements less for every read)."""
    target = ":memory:" if path is None else str(path)
    try:
        if uri is not None:
            conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        else:
            conn = sqlite3.connect(target, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        if write:
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA synchronous = FULL")
    except sqlite3.Error as exc:
        raise storage_error(exc, target) from None
    return conn


def database_exists(path: Path) -> bool:
    """Is there a file at `path`? False when it or a directory on the way is
    missing; one clear error when the path can't be looked at (a directory
    this user may not enter, a name too long for the file system)."""
    try:
        os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError as exc:
        raise StorageError(f"can't open database {path}: {exc.strerror}") from None
    return True


def is_wal(path: Path) -> bool:
    """Does the file's header say WAL (bytes 18-19 of a SQLite file are 2)?"""
    try:
        with path.open("rb") as f:
            return f.read(20)[18:20] == b"\2\2"
    except OSError:
        return False


def wal_waiting(path: Path) -> bool:
    """Is there a write-ahead log beside `path` with frames in it (changes
    not yet folded into the file, committed or not)?"""
    try:
        return os.stat(path.with_name(path.name + "-wal")).st_size > 0
    except OSError:
        return False


def hot_journal(path: Path) -> bool:
    """Is there a rollback journal SQLite must play back before reading `path`?
    (One whose first byte is 0 was never made hot and is ignored.)"""
    try:
        with path.with_name(path.name + "-journal").open("rb") as f:
            return f.read(1) not in (b"", b"\0")
    except OSError:
        return False


def read_only_uri(path: Path, *, for_write: bool = False) -> str | None:
    """An `immutable` read-only URI for a WAL database that this process may
    not write (the file, or for a read its directory) and that has no log or
    hot journal waiting beside it; None when an ordinary open is right.
    (Opened the ordinary way, SQLite would fail a read for want of a `-shm`
    it can't create, or leave one it can't remove, which then stops the
    owner's writes. A write is refused either way; in a directory it may not
    write, SQLite refuses it before creating anything.)"""
    writable = os.access(path, os.W_OK)
    if not for_write:
        writable = writable and os.access(path.parent, os.W_OK | os.X_OK)
    if writable or not is_wal(path) or wal_waiting(path) or hot_journal(path):
        return None
    return f"{path.resolve().as_uri()}?mode=ro&immutable=1"


def _use_wal(conn: sqlite3.Connection) -> None:
    """Switch the file to WAL (kept in the file; a no-op when it already is).
    Can't now (a reader of a rollback-journal file holds it): the next write
    switches it; a file that can't be written fails on the write itself."""
    with suppress(sqlite3.Error):
        conn.execute("PRAGMA journal_mode = WAL").fetchone()


def open_connection(
    path: Path | None,
    *,
    for_write: bool,
    now: datetime,
    on_backup: Callable[[Path, int], None] | None = None,
    on_zone: Callable[[str | None], None] | None = None,
) -> sqlite3.Connection:
    """Open (and if needed create and migrate) the database at `path`.

    A read of a file that doesn't exist yet gets an in-memory database with
    the current schema, so reads never create files. A file of an older
    schema is migrated whatever the command, after a backup beside it;
    `on_backup(backup_path, old_version)` is told where it went, and
    `on_zone(name)` the database's `timezone` setting (read once, here).
    """
    if path is not None and not database_exists(path):
        if not for_write:
            path = None
        else:
            _create_file(path)
    uri = None if path is None else read_only_uri(path, for_write=for_write)
    conn = connect(path, uri=uri, write=for_write)
    name = ":memory:" if path is None else str(path)
    try:
        # the schema version and the journal mode in one statement
        version, mode = conn.execute(
            "SELECT * FROM pragma_user_version, pragma_journal_mode"
        ).fetchone()
    except sqlite3.Error as exc:
        conn.close()
        if not for_write and path is not None and (wal_waiting(path) or hot_journal(path)):
            raise StorageError(
                f"{name} has changes waiting beside it (-wal or -journal), and reading them "
                f"needs write access to the file and its directory ({exc})"
            ) from None
        raise storage_error(exc, name) from None
    if version > SCHEMA_VERSION:
        conn.close()
        raise StorageError(
            f"{name} was written by a newer funnelcli (schema {version}; this one knows "
            f"{SCHEMA_VERSION}): upgrade funnelcli"
        )
    from funnelcli.store.zone import read_zone, use_calendar

    if version < SCHEMA_VERSION:
        try:
            # m008 gives a database without a zone the machine's, and counts
            # its stays in that zone's calendar
            use_calendar(conn, machine_zone())
            backup = migrate(conn, name, now, path=path)
        except BaseException:
            conn.close()
            raise
        if backup is not None and on_backup is not None:
            on_backup(backup, version)
    try:
        zone = read_zone(conn)
        use_calendar(conn, zone or machine_zone(), replacing=version < SCHEMA_VERSION)
    except BaseException:  # a zone this system has no data for
        conn.close()
        raise
    if on_zone is not None:
        on_zone(zone)
    # Only once it is known to be ours (a foreign file is left as it was), and
    # only when the connection says it isn't WAL yet. Asked of the connection,
    # never read from the file's header here: closing
    # any descriptor of the file drops the POSIX locks this process holds on
    # it, and an open WAL connection holds one (the stress test saw another
    # process then checkpoint under it: "database disk image is malformed").
    if for_write and mode != "wal":
        _use_wal(conn)
    return conn


def migrate(
    conn: sqlite3.Connection, name: str, now: datetime, *, path: Path | None = None
) -> Path | None:
    """Apply pending migrations under one write lock, set `user_version` to
    `SCHEMA_VERSION` once they all are, then seed a new database.

    A database that already had a schema (user_version >= 1) is first copied
    to a backup beside `path`, under that lock, so the copy is exactly what
    is migrated. Returns the backup's path (None when none was needed).
    """
    from sqlite_utils import Database

    from funnelcli.migrations import migrations
    from funnelcli.store.migration_backup import backup_before_migration, discard

    backup: Path | None = None
    conn.execute("PRAGMA synchronous = FULL")  # also when a read migrates the file
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
                backup = backup_before_migration(path, version, now, busy_timeout=BUSY_TIMEOUT_S)
            migrations.apply(Database(conn, execute_plugins=False))
            # once, after all of them: a migration only runs its statements
            conn.execute(f"PRAGMA user_version = {int(SCHEMA_VERSION)}")
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
        discard(backup)
        raise storage_error(exc, name) from None
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        discard(backup)
        raise
    finally:
        conn.execute("PRAGMA foreign_keys = ON")
    return backup


def is_engine_error(exc: BaseException) -> bool:
    """An error of SQLite itself (the CLI's last resort reports it in one line)."""
    return isinstance(exc, sqlite3.Error)


@contextmanager
def transaction(conn: Connection, name: str, *, write: bool) -> Iterator[None]:
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
def _savepoint(conn: Connection, name: str) -> Iterator[None]:
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
