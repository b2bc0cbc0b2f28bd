"""Team mode: a `postgresql://` database behind the connection the store uses.

The store's SQL is written once, for both engines; this is the small
dialect for what truly differs, so that nothing above it has to know:

- Parameters: the store writes SQLite's `:name` and `?`; psycopg wants
  `%(name)s` and `%s` (and a literal `%` doubled). `translate` rewrites a
  statement once (cached), leaving text in quotes alone.
- Transactions: a write begins with a transaction-level advisory lock taken
  first, as SQLite's `BEGIN IMMEDIATE` takes the write lock, so writers run
  one at a time in commit order (a deal's history stays one chain and change
  numbers follow commit order, as `undo` needs); readers take a snapshot
  (REPEATABLE READ, READ ONLY) and never wait for writers. A writer that
  waits longer than the busy timeout gets one clear error.
- Errors: psycopg's are raised as the DB-API classes of the sqlite3 module
  (IntegrityError, OperationalError, DatabaseError), so the store catches
  one set of exceptions whichever engine it talks to.
- The calendar: the session's TimeZone is the database's `timezone`
  setting, and the schema's `julianday`/`zone_date` read it
  (store/pg_schema.py).

psycopg is imported only here, only for a `postgresql://` target; a
missing psycopg is one clear line saying what to install.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from funnelcli.dburl import shown
from funnelcli.errors import StorageError
from funnelcli.store.dialect import POSTGRES

if TYPE_CHECKING:
    import psycopg

WRITE_LOCK = 0x66756E6E656C  # "funnel": the advisory lock every write takes first


_TOKEN = re.compile(
    r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|::|:[A-Za-z_]\w*|\?\d*|%"
    r"|\bIS NOT (?!NULL\b)|\bIS (?!NOT |NULL\b|DISTINCT\b|TRUE\b|FALSE\b)"
)


@lru_cache(maxsize=1024)
def translate(sql: str) -> str:
    """SQLite's parameters in psycopg's style: `:name` -> `%(name)s`, `?` and
    `?N` -> `%s` (`numbered` says which parameter each is), a literal `%` ->
    `%%`; SQLite's `a IS NOT b` and `a IS b` of two values, which are
    PostgreSQL's `a IS DISTINCT FROM b` and `a IS NOT DISTINCT FROM b`.
    Quoted text and `::` casts are left as they are."""

    def one(m: re.Match[str]) -> str:
        token = m.group()
        if token.startswith("?"):
            return "%s"
        if token == "%":
            return "%%"
        if token.startswith("IS NOT"):
            return "IS DISTINCT FROM "
        if token.startswith("IS "):
            return "IS NOT DISTINCT FROM "
        if token.startswith(":") and token != "::":
            return f"%({token[1:]})s"
        if token.startswith("'"):  # psycopg reads a % in quoted text too
            return token.replace("%", "%%")
        return token

    return _TOKEN.sub(one, sql)


@lru_cache(maxsize=1024)
def numbered(sql: str) -> tuple[int, ...] | None:
    """For a statement with SQLite's numbered parameters (`?1`, `?2`, …): the
    index of the parameter each `%s` of translate(sql) stands for, in order
    (a number may come twice); None for a statement without them."""
    marks = [m.group() for m in _TOKEN.finditer(sql) if m.group().startswith("?")]
    if not any(len(mark) > 1 for mark in marks):
        return None
    order: list[int] = []
    for mark in marks:
        order.append(int(mark[1:]) - 1 if len(mark) > 1 else (order[-1] + 1 if order else 0))
    return tuple(order)


def _reorder(order: tuple[int, ...], params: Sequence[Any]) -> list[Any]:
    return [params[i] for i in order]


# Whole statements that differ (transaction control), as the store writes them.
_STATEMENTS: dict[str, tuple[str, ...]] = {
    "BEGIN IMMEDIATE": ("BEGIN", f"SELECT pg_advisory_xact_lock({WRITE_LOCK})"),
    "BEGIN": ("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",),
}


# The team schema's unique constraints and indexes (PostgreSQL's names) as
# SQLite names what they protect: "UNIQUE constraint failed: <this>", the text
# the store reads (store/changelog.py) on both engines.
_UNIQUE = {
    "pipelines_pkey": "pipelines.id",
    "pipelines_uuid_key": "pipelines.uuid",
    "pipelines_key_key": "pipelines.key",
    "stages_pkey": "stages.id",
    "stages_key": "stages.pipeline_id, stages.key",
    "deals_pkey": "deals.id",
    "deals_uuid_key": "deals.uuid",
    "deals_external_id_key": "deals.external_id",
    "deal_tags_pkey": "deal_tags.deal_id, deal_tags.tag",
    "deal_fields_pkey": "deal_fields.deal_id, deal_fields.key",
    "stage_events_pkey": "stage_events.id",
    "stage_stays_pkey": "stage_stays.id",
    "activities_pkey": "activities.id",
    "changes_pkey": "changes.id",
    "change_rows_pkey": "change_rows.id",
    "settings_pkey": "settings.key",
}


def _error(exc: Exception, sql: str = "") -> sqlite3.Error:
    """psycopg's error as the sqlite3 module's DB-API class, one line of text
    (FUNNEL_DEBUG=1 also prints the statement)."""
    import os

    import psycopg

    if sql and os.environ.get("FUNNEL_DEBUG"):
        import sys

        print(f"funnel: debug: PostgreSQL refused: {sql}", file=sys.stderr)
    diag = getattr(exc, "diag", None)
    text = (getattr(diag, "message_primary", None) or str(exc)).strip().splitlines()[0]
    state = getattr(exc, "sqlstate", None) or ""
    if isinstance(exc, psycopg.DataError) and "NUL" in text:
        return sqlite3.DataError(
            "text with a NUL character (\\x00) can't be stored in a team database "
            "(PostgreSQL's text can't hold one)"
        )
    if state in ("55P03", "57014"):  # lock_not_available, query_canceled (lock_timeout)
        return sqlite3.OperationalError(f"database is locked ({text})")
    if state == "23505":  # unique_violation: SQLite's words, its names
        named = _UNIQUE.get(getattr(diag, "constraint_name", None) or "")
        if named is not None:
            return sqlite3.IntegrityError(f"UNIQUE constraint failed: {named}")
    if isinstance(exc, psycopg.IntegrityError):
        return sqlite3.IntegrityError(text)
    if isinstance(exc, psycopg.OperationalError):
        return sqlite3.OperationalError(text)
    return sqlite3.DatabaseError(text)


class PgConnection:
    """A psycopg connection in autocommit mode (transactions are begun
    explicitly, as on SQLite) with the part of sqlite3.Connection's interface
    the store uses: execute, executemany, in_transaction, close."""

    dialect = POSTGRES

    def __init__(self, raw: psycopg.Connection[Any], name: str) -> None:
        self.raw = raw
        self.name = name
        self._streams = 0

    def execute(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> Any:
        import psycopg

        try:
            special = _STATEMENTS.get(sql)
            if special is not None:
                cur = None
                for statement in special:
                    cur = self.raw.execute(statement)
                return cur
            order = numbered(sql)
            if order is not None:
                params = _reorder(order, params)  # type: ignore[arg-type]
            return self.raw.execute(translate(sql), params or None)
        except psycopg.Error as exc:
            raise _error(exc, sql) from None

    def executemany(self, sql: str, rows: Iterable[Sequence[Any] | Mapping[str, Any]]) -> Any:
        import psycopg

        cur = self.raw.cursor()
        order = numbered(sql)
        if order is not None:
            rows = (_reorder(order, row) for row in rows)  # type: ignore[arg-type]
        try:
            cur.executemany(translate(sql), rows)
        except psycopg.Error as exc:
            raise _error(exc, sql) from None
        return cur

    def stream(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> Any:
        """A big result read as it is iterated, not fetched whole first (a
        server-side cursor, inside the caller's transaction; export)."""
        import psycopg

        self._streams += 1
        cur = self.raw.cursor(name=f"funnel_stream_{self._streams}")
        cur.itersize = 2000
        try:
            cur.execute(translate(sql), params or None)
        except psycopg.Error as exc:
            raise _error(exc, sql) from None
        return cur

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return self.raw.info.transaction_status != TransactionStatus.IDLE

    def close(self) -> None:
        self.raw.close()


def connect(url: str, *, busy_timeout_s: float, connect_timeout_s: int = 10) -> PgConnection:
    """A connection to the database at `url` (libpq reads PG* variables and
    ~/.pgpass as ever); one clear StorageError when psycopg is missing or the
    server can't be reached."""
    name = shown(url)
    try:
        import psycopg
    except ImportError:
        raise StorageError(
            f"{name} is a PostgreSQL database: team mode needs psycopg, "
            "pip install 'funnelcli[postgres]'"
        ) from None
    try:
        raw = psycopg.connect(
            url,
            autocommit=True,
            connect_timeout=connect_timeout_s,
            application_name="funnelcli",
            options=f"-c lock_timeout={int(busy_timeout_s * 1000)}",
        )
    except psycopg.Error as exc:
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StorageError(f"can't connect to {name}: {text}") from None
    raw.adapters.register_loader("numeric", _numeric_loader())
    return PgConnection(raw, name)


def _numeric_loader() -> type[Any]:
    """numeric as SQLite gives it: an int when whole by type (sum() of
    integers), else a float (avg(), `x / 100.0`), never a Decimal."""
    from psycopg.adapt import Loader

    class NumericLoader(Loader):
        def load(self, data: Any) -> int | float:
            text = bytes(data).decode()
            return int(text) if text.lstrip("-").isdigit() else float(text)

    return NumericLoader


def open_database(
    url: str,
    *,
    busy_timeout_s: float,
    on_zone: Callable[[str | None], None] | None = None,
) -> PgConnection:
    """Connect to a team database made by `funnel team init`, migrating an
    older schema forward (under the migration lock, in one transaction).
    `on_zone(name)` is told the database's `timezone` setting."""
    from funnelcli.store.pg_schema import PG_SCHEMA_VERSION, migrate
    from funnelcli.store.zone import read_zone, use_calendar

    conn = connect(url, busy_timeout_s=busy_timeout_s)
    try:
        version = schema_version(conn)
        if version == 0:
            raise StorageError(
                f"{conn.name} has no funnelcli pipeline yet: "
                "`funnel team init` sets one up in an empty database"
            )
        if version < PG_SCHEMA_VERSION:
            try:
                migrate(conn.raw)
            except psycopg_error() as exc:
                raise _error(exc) from None
        zone = read_zone(conn)
        if zone is not None:
            use_calendar(conn, zone)
    except BaseException:
        conn.close()
        raise
    if on_zone is not None:
        on_zone(zone)
    return conn


def schema_version(conn: PgConnection) -> int:
    """The team schema's version, 0 when the database has none."""
    row = conn.execute(
        "SELECT CASE WHEN to_regclass('funnel_schema') IS NULL THEN 0 ELSE -1 END"
    ).fetchone()
    if row[0] == 0:
        return 0
    return int(conn.execute("SELECT version FROM funnel_schema").fetchone()[0])


def psycopg_error() -> type[Exception]:
    import psycopg

    return psycopg.Error


def init_database(url: str, *, zone: str, now: datetime, busy_timeout_s: float) -> str:
    """Set up the empty database at `url`: the schema, the default pipeline
    and the `timezone` setting, all or nothing. Returns its shown name."""
    from funnelcli.errors import Conflict
    from funnelcli.store.connection import transaction
    from funnelcli.store.pg_schema import migrate
    from funnelcli.store.seed import seed_default_pipeline
    from funnelcli.store.zone import SETTING, use_calendar

    conn = connect(url, busy_timeout_s=busy_timeout_s)
    try:
        if schema_version(conn) != 0:
            raise Conflict(f"{conn.name} is already a funnelcli team database")
        try:
            migrate(conn.raw)
        except psycopg_error() as exc:
            raise _error(exc) from None
        use_calendar(conn, zone)
        with transaction(conn, conn.name, write=True):
            if conn.execute("SELECT count(*) FROM pipelines").fetchone()[0]:
                raise Conflict(f"{conn.name} is already a funnelcli team database")
            seed_default_pipeline(conn, now)
            conn.execute("INSERT INTO settings (key, value) VALUES (?, ?)", (SETTING, zone))
    finally:
        conn.close()
    return conn.name
