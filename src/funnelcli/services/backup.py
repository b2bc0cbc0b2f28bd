"""`funnel backup` and `funnel restore`: what may be copied where.

The copies themselves (SQLite's online backup API, the pragmas, the files
created exclusively beside their target) are `store/backup.py`'s; this
module checks the request, chooses the paths and phrases the refusals.
"""

from __future__ import annotations

import os
import stat
from datetime import datetime
from pathlib import Path

from funnelcli.config import expand_home
from funnelcli.errors import Conflict, Invalid, NotFound, StorageError
from funnelcli.services import Context
from funnelcli.store.backup import copy_over, keep_copy, page_size, read_facts, write_backup
from funnelcli.store.connection import database_exists, is_wal

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
        write_backup(ctx.store.file_conn, path)
    except OSError as exc:
        raise _cant_write(path, exc) from None


def _cant_write(path: Path, exc: OSError) -> StorageError:
    return StorageError(f"can't write backup {path}: {exc.strerror or exc}")


def require_file(path: Path) -> None:
    """A regular file is at `path`; else one line saying what is there."""
    try:
        regular = path.is_file()
    except OSError as exc:  # a directory we may not search, a name too long
        raise StorageError(f"can't read {path}: {exc.strerror or exc}") from None
    if not regular:
        if path.is_dir():
            raise Invalid(f"{path} is a directory, not a database file")
        raise NotFound(f"no file {path}")


def check_database(path: Path) -> tuple[int, int]:
    """(schema version, page size) of a funnelcli database at `path`; else StorageError."""
    from funnelcli.schema import SCHEMA_VERSION

    require_file(path)
    facts = read_facts(path)
    version = facts.user_version
    if not facts.tables >= TABLES or version < 1:
        raise StorageError(f"{path} is not a funnelcli database (no deals or pipelines tables)")
    if version > SCHEMA_VERSION:
        raise StorageError(f"{path} was written by a newer funnelcli (schema {version})")
    if facts.quick_check != "ok":
        raise StorageError(f"{path} is damaged (SQLite's check says: {facts.quick_check})")
    return version, facts.page_size


def restore(db: Path, source: Path, now: datetime) -> Path | None:
    """Copy `source` over `db`; the replaced database is kept beside it first.
    Returns where it was kept (None when there was no database)."""
    source = expand_home(source)
    _, source_page_size = check_database(source)
    exists = database_exists(db)
    if exists and db.resolve() == source.resolve():
        raise Conflict(f"{source} is the database itself")
    if exists and is_wal(db):
        live_page_size = page_size(db)
        if source_page_size != live_page_size:  # SQLite can't copy it into a WAL file
            raise Conflict(
                f"can't restore {source}: its pages are {source_page_size} bytes, the "
                f"database's {live_page_size} (a backup made by `funnel backup` always "
                f"matches); VACUUM it with `PRAGMA page_size = {live_page_size}` first"
            )
    kept = None
    if exists:
        kept = keep_copy(db, db.with_name(f"{db.name}.before-restore-{now:%Y%m%dT%H%M%S}"))
    copy_over(source, db, create=not exists)
    return kept
