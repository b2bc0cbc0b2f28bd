"""`funnel team migrate-from FILE`: a solo SQLite database copied into an
empty team database, rows and ids as they are.

- **The source** is only read, opened as any read of a file is
  (store/connection.py: `immutable` for a WAL file this process may not
  write), in one read transaction: one snapshot, even while its owner keeps
  writing. Rows are
  streamed table by table, never all held in memory.
- **The target** must have no funnelcli schema (it gets team schema 1 in the
  same transaction) or be as `funnel team init` left it: no deals and no
  changes. The seeded pipeline, its stages and the time zone are replaced
  by the file's. A database with tables of something else is refused.
- **One transaction**: the write lock (store/pg.py's WRITE_LOCK) first, then
  the migration lock (store/pg_schema.py), so neither a writer nor a
  `team init` runs meanwhile; everything or nothing is committed.
- **Rows** go in by COPY, in SQLite's column order, ids included (the team
  schema's identity columns are BY DEFAULT). No change is open while they go
  in (`changes` and `change_rows` are copied last, after every table the
  undo triggers watch), so the triggers note nothing: the copy is not a
  change, and the change log is the file's. References are checked at
  commit (`SET CONSTRAINTS ALL DEFERRED`), and the file's time zone must be
  one PostgreSQL knows (every later command sets it).
- **Ids are never given again**: each identity sequence is moved past the
  highest of the table's ids, SQLite's `sqlite_sequence` for it (a deleted
  newest deal's number) and the ids `change_rows` names for it (rows undo
  may bring back, an import's range).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from funnelcli.errors import Conflict, StorageError
from funnelcli.store.connection import read_only_uri
from funnelcli.store.pg import WRITE_LOCK, PgConnection, psycopg_error
from funnelcli.store.pg_sql import error as _error

if TYPE_CHECKING:
    import psycopg

# In the order they are copied: a table after those it references, and the
# change log last (while `changes` is empty, the undo triggers note nothing).
TABLES = (
    "pipelines",
    "stages",
    "deals",
    "deal_tags",
    "deal_fields",
    "stage_events",
    "stage_stays",
    "activities",
    "settings",
    "handoffs",
    "inbox_seen",
    "changes",
    "change_rows",
)
# The tables whose `id` is an identity column (AUTOINCREMENT on SQLite).
IDENTITY = (
    "pipelines",
    "stages",
    "stage_events",
    "stage_stays",
    "activities",
    "handoffs",
    "change_rows",
)
# The numbers people type: counted in funnel_ids (store/pg_m001.py).
COUNTED = ("deals", "changes")
# What a target `funnel team init` set up holds that the file replaces.
SEEDED = ("stages", "pipelines", "settings")


@contextmanager
def open_source(path: Path) -> Iterator[tuple[sqlite3.Connection, int, frozenset[str]]]:
    """The SQLite file at `path` in one read transaction (one snapshot), with
    its schema version and table names. Opened as every read of a file is
    (store/connection.py): nothing is written, and no `-wal`/`-shm` is left
    beside it (a `mode=ro` open of a WAL file would leave both)."""
    from funnelcli.store.connection import connect

    conn = connect(path, uri=read_only_uri(path), write=False)
    try:
        conn.execute("BEGIN")
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        names = frozenset(r[0] for r in conn.execute("SELECT name FROM sqlite_master"))
        yield conn, version, names
    except sqlite3.Error as exc:
        raise StorageError(f"{path} is not a funnelcli database (SQLite says: {exc})") from None
    finally:
        conn.close()


def copy_database(target: PgConnection, source: sqlite3.Connection, path: Path) -> dict[str, int]:
    """Copy every table of `source` into `target`, in one transaction of
    `target`'s (which must be in none). Returns each table's row count."""
    raw = target.raw
    try:
        with raw.transaction():
            raw.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
            raw.execute(f"SELECT pg_advisory_xact_lock({WRITE_LOCK})")
            from funnelcli.store.pg_schema import MIGRATION_LOCK

            raw.execute(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
            _prepare(raw, target.name)
            raw.execute("SET CONSTRAINTS ALL DEFERRED")
            counts = {table: _copy_table(raw, source, table, path) for table in TABLES}
            _move_sequences(raw, _sqlite_sequences(source))
            # a zone PostgreSQL doesn't know would fail every later command
            raw.execute(
                "SELECT set_config('TimeZone', value, true) FROM settings WHERE key = 'timezone'"
            )
            for table in TABLES:
                raw.execute(f"ANALYZE {table}")
    except psycopg_error() as exc:
        raise StorageError(f"can't copy {path} into {target.name}: {_error(exc)}") from None
    return counts


def _prepare(raw: psycopg.Connection[Any], name: str) -> None:
    """Give a database without a funnelcli schema the team schema; empty one
    `team init` set up (its seeded pipeline and zone); refuse anything else."""
    from funnelcli.store.pg_schema import apply_pending

    apply_pending(raw, name)
    deals, changes = _fetch(
        raw, "SELECT EXISTS (SELECT 1 FROM deals), EXISTS (SELECT 1 FROM changes)"
    )
    if deals or changes:
        raise Conflict(
            f"{name} already holds a pipeline (deals or a change log): migrate-from copies "
            "into a database with no funnelcli schema, or one just set up by `team init`"
        )
    for table in SEEDED:  # no change is open: the triggers note nothing
        raw.execute(f"DELETE FROM {table}")


def _fetch(raw: psycopg.Connection[Any], sql: str, params: tuple[Any, ...] = ()) -> tuple[Any, ...]:
    row = raw.execute(sql, params or None).fetchone()
    assert row is not None
    return tuple(row)


def _columns(raw: psycopg.Connection[Any], table: str) -> list[str]:
    return [
        r[0]
        for r in raw.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = %s "
            "ORDER BY ordinal_position",
            (table,),
        )
    ]


def _copy_table(
    raw: psycopg.Connection[Any], source: sqlite3.Connection, table: str, path: Path
) -> int:
    """COPY `table`'s rows from `source`, streamed; the number copied."""
    columns = _columns(raw, table)
    have = {r[1] for r in source.execute(f"PRAGMA table_info({table})")}
    missing = [c for c in columns if c not in have]
    if missing:
        raise StorageError(
            f"{path} is not a funnelcli database of this version "
            f"({table} has no {', '.join(missing)})"
        )
    names = ", ".join(f'"{c}"' for c in columns)
    order = "id" if table in IDENTITY else "1"
    rows = source.execute(f"SELECT {names} FROM {table} ORDER BY {order}")
    count = 0
    with raw.cursor() as cur, cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def _sqlite_sequences(source: sqlite3.Connection) -> dict[str, int]:
    """SQLite's highest id ever given per AUTOINCREMENT table."""
    try:
        return {
            str(name): int(seq)
            for name, seq in source.execute("SELECT name, seq FROM sqlite_sequence")
            if seq is not None
        }
    except sqlite3.OperationalError:  # no AUTOINCREMENT table at all
        return {}


def _move_sequences(raw: psycopg.Connection[Any], given: dict[str, int]) -> None:
    """Each identity sequence past every id its table has, SQLite gave, or
    the change log names (a deleted row undo may bring back, an import's
    range of deals)."""
    for table in (*IDENTITY, *COUNTED):
        top = max(
            int(_fetch(raw, f"SELECT coalesce(max(id), 0) FROM {table}")[0]),
            given.get(table, 0),
            _noted_top(raw, table),
        )
        if table in COUNTED:
            raw.execute(
                "UPDATE funnel_ids SET last = greatest(last, %s) WHERE tbl = %s", (top, table)
            )
            continue
        raw.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, %s)",
            (table, max(top, 1), top > 0),
        )


def _noted_top(raw: psycopg.Connection[Any], table: str) -> int:
    """The highest id of `table` the change log names (0: none)."""
    row = _fetch(
        raw,
        "SELECT coalesce(max(CASE WHEN op = 'insert_range' THEN (key::json ->> 'hi')::bigint "
        "ELSE (key::json ->> 'id')::bigint END), 0) FROM change_rows WHERE tbl = %s",
        (table,),
    )
    return int(row[0])
