"""`funnel backup` and `funnel restore`, through SQLite's online backup API.

The backup API copies page by page under SQLite's own locks, so a backup
taken while another process writes is a consistent snapshot, and a restore
writes into the live file under a write lock, so a process that has it open
sees the old database or the new one, never half of each.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from funnelcli.config import expand_home
from funnelcli.errors import Conflict, NotFound, StorageError
from funnelcli.services import Context
from funnelcli.store.connection import _create_file, connect, storage_error

TABLES = {"pipelines", "stages", "deals", "stage_events", "stage_stays", "activities"}


def backup(ctx: Context, db: Path, path: Path, *, force: bool = False) -> None:
    path = expand_home(path)
    if not db.exists():
        raise NotFound(f"there is no database at {db} yet: nothing to back up")
    if path.exists() and not force:
        raise Conflict(f"{path} exists; give --force to replace it")
    if path.exists() and not path.is_file():
        raise Conflict(f"{path} is not a regular file (a backup is a database file)")
    part = path.with_name(f".{path.name}.part")
    part.unlink(missing_ok=True)
    _create_file(part)
    try:
        dest = connect(part)
        try:
            ctx.store.conn.backup(dest)
        finally:
            dest.close()
        part.replace(path)
    except sqlite3.Error as exc:
        raise storage_error(exc, str(path)) from None
    finally:
        part.unlink(missing_ok=True)


def _copy(src: sqlite3.Connection, dest_path: Path) -> None:
    """Copy a whole database into the file at dest_path (closing both ends)."""
    try:
        dest = connect(dest_path)
        try:
            src.backup(dest)
        finally:
            dest.close()
    except sqlite3.Error as exc:
        raise storage_error(exc, str(dest_path)) from None
    finally:
        src.close()


def check_database(path: Path) -> int:
    """The schema version of a funnelcli database at `path`; else StorageError."""
    from funnelcli.schema import SCHEMA_VERSION

    if not path.is_file():
        raise NotFound(f"no file {path}")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
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
    return int(version)


def restore(db: Path, source: Path, now: datetime) -> Path | None:
    """Copy `source` over `db`; the replaced database is kept beside it first.
    Returns where it was kept (None when there was no database)."""
    source = expand_home(source)
    check_database(source)
    if db.exists() and db.resolve() == source.resolve():
        raise Conflict(f"{source} is the database itself")
    kept = None
    if db.exists():
        kept = db.with_name(f"{db.name}.before-restore-{now.strftime('%Y%m%dT%H%M%S')}")
        _create_file(kept)
        try:
            _copy(connect(db), kept)
        except StorageError:
            kept.unlink(missing_ok=True)
            raise
    else:
        _create_file(db)
    _copy(sqlite3.connect(f"file:{source}?mode=ro", uri=True), db)
    return kept
