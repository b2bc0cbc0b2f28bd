"""The few statements that differ between SQLite and PostgreSQL (team mode),
each behind one function that takes the connection. Everything else in the
store is one SQL text for both engines; parameters and transaction control
are the PostgreSQL connection's own business (store/pg.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from typing import Any, Protocol

POSTGRES = "postgres"


class Cursor(Protocol):
    """What the store reads from a statement: sqlite3's cursor or psycopg's."""

    @property
    def rowcount(self) -> int: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    """The connection every store object takes: a sqlite3.Connection, or
    team mode's PgConnection (store/pg.py), which speaks the same SQL."""

    def execute(self, sql: str, parameters: Any = ..., /) -> Cursor: ...
    def executemany(self, sql: str, parameters: Any, /) -> Cursor: ...
    @property
    def in_transaction(self) -> bool: ...
    def close(self) -> None: ...


def is_postgres(conn: Any) -> bool:
    """Is `conn` a team-mode (PostgreSQL) connection, not a sqlite3 one?"""
    return getattr(conn, "dialect", None) == POSTGRES


def scans_in_parallel(conn: Any) -> bool:
    """Does the engine scan a big table with parallel workers, which a
    correlated subquery anywhere in the statement rules out? PostgreSQL does;
    SQLite never does, and there a subquery of the row in hand is cheaper
    than a statement of its own that has to look the rows up again."""
    return is_postgres(conn)


def has_table(conn: Any, name: str) -> bool:
    if is_postgres(conn):
        sql = "SELECT 1 WHERE to_regclass(:n) IS NOT NULL"
    else:
        sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :n"
    return conn.execute(sql, {"n": name}).fetchone() is not None


def table_columns(conn: Any, table: str) -> list[str]:
    """A table's columns, in their order."""
    if is_postgres(conn):
        rows = conn.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = :t ORDER BY ordinal_position",
            {"t": table},
        )
        return [str(r[0]) for r in rows]
    return [str(r[1]) for r in conn.execute(f"PRAGMA table_info({table})")]


def defer_foreign_keys(conn: Any) -> None:
    """Check references at commit, not statement by statement, for the rest
    of this transaction (a revert puts rows back in any order)."""
    conn.execute(
        "SET CONSTRAINTS ALL DEFERRED" if is_postgres(conn) else "PRAGMA defer_foreign_keys = ON"
    )


def foreign_keys_broken(conn: Any) -> bool:
    """Does a row now point at one that no longer exists? On PostgreSQL the
    references deferred so far are checked now (and stay checked at once for
    the rest of the transaction); a broken one leaves the transaction as it was."""
    if is_postgres(conn):
        import sqlite3  # PgConnection raises the sqlite3 module's classes

        conn.execute("SAVEPOINT funnel_references")
        try:
            conn.execute("SET CONSTRAINTS ALL IMMEDIATE")
        except sqlite3.IntegrityError:
            conn.execute("ROLLBACK TO SAVEPOINT funnel_references")
            return True
        conn.execute("RELEASE SAVEPOINT funnel_references")
        return False
    return conn.execute("PRAGMA foreign_key_check").fetchone() is not None


def sqlite_function(conn: Any, name: str, nargs: int, fn: Any) -> None:
    """Give SQLite's SQL the Python function `fn` as `name`; PostgreSQL has
    the same function in its schema (store/pg_schema.py), so nothing to do."""
    if not is_postgres(conn):
        conn.create_function(name, nargs, fn, deterministic=True)


def database_size(conn: Any) -> int:
    """Bytes the database takes: the SQLite file's pages, or PostgreSQL's
    pg_database_size."""
    if is_postgres(conn):
        return int(conn.execute("SELECT pg_database_size(current_database())").fetchone()[0])
    count, size = conn.execute("SELECT * FROM pragma_page_count, pragma_page_size").fetchone()
    return int(count) * int(size)


def temp_schema(conn: Any) -> str:
    """The schema of this connection's own temporary tables."""
    return "pg_temp" if is_postgres(conn) else "temp"


def create_temp_keys(conn: Any, table: str) -> None:
    """A temporary table `table` (key TEXT PRIMARY KEY, line INTEGER, digest
    bytes), gone with the connection."""
    if is_postgres(conn):
        conn.execute(
            f'CREATE TEMP TABLE {table} (key TEXT COLLATE "C" PRIMARY KEY, line BIGINT, '
            "digest BYTEA)"
        )
    else:
        conn.execute(
            f"CREATE TEMP TABLE {table} (key TEXT PRIMARY KEY, line INTEGER, digest BLOB) "
            "WITHOUT ROWID"
        )


def last_id(conn: Any, table: str) -> int:
    """The highest id `table` ever gave (or holds): SQLite's AUTOINCREMENT
    sqlite_sequence, PostgreSQL's identity sequence; 0 when none."""
    if is_postgres(conn):  # deals and changes count in funnel_ids (store/pg_m001.py)
        sql = (
            "SELECT greatest(coalesce(pg_sequence_last_value("
            f"pg_get_serial_sequence('{table}', 'id')::regclass), 0), "
            f"coalesce((SELECT last FROM funnel_ids WHERE tbl = '{table}'), 0), "
            f"coalesce((SELECT max(id) FROM {table}), 0))"
        )
    else:
        sql = (
            f"SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = '{table}'), 0), "
            f"coalesce((SELECT max(id) FROM {table}), 0))"
        )
    return int(conn.execute(sql).fetchone()[0])


def ids_given(conn: Any, table: str) -> None:
    """Rows went into `table` with ids of their own: PostgreSQL's identity
    sequence moves past them (SQLite's AUTOINCREMENT does so by itself, and
    so does funnel_ids for deals and changes)."""
    if is_postgres(conn):
        conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), m) "
            f"FROM (SELECT max(id) AS m FROM {table}) AS given "
            f"WHERE m > coalesce(pg_sequence_last_value(pg_get_serial_sequence('{table}', 'id')"
            "::regclass), 0)"
        )


def stream(conn: Any, sql: str, params: Any = ()) -> Cursor:
    """Rows of a big query as they are read: SQLite's cursor steps through
    them already; PostgreSQL needs a server-side cursor (store/pg.py), else
    the whole result would be fetched into memory at once."""
    if is_postgres(conn):
        return conn.stream(sql, params)  # type: ignore[no-any-return]
    return conn.execute(sql, params)  # type: ignore[no-any-return]


def batch(conn: Any) -> AbstractContextManager[None]:
    """Statements whose results nobody reads until the block ends, sent
    together: on PostgreSQL one round trip instead of one each (pipeline
    mode; an error any of them meets is raised by the block's end at the
    latest); SQLite runs each in process anyway."""
    if is_postgres(conn):
        return conn.batch()  # type: ignore[no-any-return]
    return nullcontext()
