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

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from funnelcli.dburl import shown
from funnelcli.errors import StorageError
from funnelcli.store.dialect import POSTGRES
from funnelcli.store.pg_sql import error as _error
from funnelcli.store.pg_sql import numbered, reorder, translate

if TYPE_CHECKING:
    import psycopg

WRITE_LOCK = 0x66756E6E656C  # "funnel": the advisory lock every write takes first


# Whole statements that differ (transaction control), as the store writes them.
_STATEMENTS: dict[str, tuple[str, ...]] = {
    "BEGIN IMMEDIATE": ("BEGIN", f"SELECT pg_advisory_xact_lock({WRITE_LOCK})"),
    "BEGIN": ("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",),
}


class PgConnection:
    """A psycopg connection in autocommit mode (transactions are begun
    explicitly, as on SQLite) with the part of sqlite3.Connection's interface
    the store uses: execute, executemany, in_transaction, close."""

    dialect = POSTGRES

    def __init__(self, raw: psycopg.Connection[Any], name: str) -> None:
        self._raw = raw
        self.name = name
        self._streams = 0
        # Transaction control not sent yet: it goes to the server with the
        # next statement, in the same round trip (a write's BEGIN and lock go
        # with its first statement; a read's COMMIT with the next command's
        # first, or nowhere when the connection closes first: the server ends
        # a read-only transaction so anyway).
        self._queued: list[str] = []
        self._begun = 0  # statements of a queued BEGIN: a transaction is open for the store
        self._reading = False  # a read-only transaction is open on the server
        self._batches = 0  # batch() blocks open (an inner one is part of the outer)

    @property
    def raw(self) -> psycopg.Connection[Any]:
        """The psycopg connection, with what is queued sent (for code that
        talks to it directly: migrations, COPY)."""
        self._send_queued()
        return self._raw

    def execute(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> Any:
        import psycopg

        special = _STATEMENTS.get(sql)
        if special is not None:
            self._queued.extend(special)
            self._begun = len(special)
            self._reading = sql == "BEGIN"
            return self._raw.cursor()
        if sql in ("COMMIT", "ROLLBACK") and self._begun:
            # nothing was done in it: nothing to end
            del self._queued[-self._begun :]
            self._begun = 0
            self._reading = False
            return self._raw.cursor()
        if sql == "COMMIT" and self._reading:
            self._queued.append(sql)
            self._reading = False
            return self._raw.cursor()
        order = numbered(sql)
        if order is not None:
            params = reorder(order, params)  # type: ignore[arg-type]
        queued, self._queued, self._begun = self._queued, [], 0
        if sql in ("COMMIT", "ROLLBACK"):
            self._reading = False
        try:
            if not queued:
                return self._raw.execute(translate(sql), params or None)
            with self._raw.pipeline():
                for statement in queued:
                    self._raw.execute(statement)
                return self._raw.execute(translate(sql), params or None)
        except psycopg.Error as exc:
            raise _error(exc, sql) from None

    def _send_queued(self) -> None:
        """Send what is queued now (before what doesn't go through execute)."""
        import psycopg

        queued, self._queued, self._begun = self._queued, [], 0
        if not queued:
            return
        try:
            with self._raw.pipeline():
                for statement in queued:
                    self._raw.execute(statement)
        except psycopg.Error as exc:
            raise _error(exc, queued[0]) from None

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Statements in the block go to the server without waiting for each
        other's results (psycopg's pipeline mode): one round trip for writes
        whose results nobody reads, until a statement whose rows are fetched
        or the block's end. An error any of them meets is raised by then, as
        execute() raises it. A batch inside a batch is part of it."""
        import psycopg

        if self._batches:
            yield
            return
        self._send_queued()
        self._batches += 1
        try:
            with self._raw.pipeline():
                yield
        except psycopg.Error as exc:
            raise _error(exc) from None
        finally:
            self._batches -= 1

    def executemany(self, sql: str, rows: Iterable[Sequence[Any] | Mapping[str, Any]]) -> Any:
        import psycopg

        cur = self.raw.cursor()
        order = numbered(sql)
        if order is not None:
            rows = (reorder(order, row) for row in rows)  # type: ignore[arg-type]
        try:
            cur.executemany(translate(sql), rows)
        except psycopg.Error as exc:
            raise _error(exc, sql) from None
        return cur

    def copy_rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """Rows into `table` by COPY … FROM STDIN: one statement, streamed."""
        import psycopg

        try:
            with self.raw.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        except psycopg.Error as exc:
            raise _error(exc, f"COPY {table}") from None

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

        if self._begun:
            return True
        if self._queued and self._queued[-1] == "COMMIT":
            return False
        return self._raw.info.transaction_status != TransactionStatus.IDLE

    def close(self) -> None:
        self._raw.close()


def connect(url: str, *, busy_timeout_s: float, connect_timeout_s: int = 10) -> PgConnection:
    """A connection to the database at `url` (libpq reads PG* variables and
    ~/.pgpass as ever); one clear StorageError when psycopg is missing or the
    server can't be reached."""
    name = shown(url)
    try:
        import psycopg
    except ImportError:
        raise StorageError(
            f"{name} is a PostgreSQL database: team mode needs psycopg 3, "
            "pip install 'psycopg[binary]' (funnelcli's `postgres` extra)"
        ) from None
    try:
        raw = psycopg.connect(
            url,
            autocommit=True,
            connect_timeout=connect_timeout_s,
            application_name="funnelcli",
            # jit off: a command's statements are short or run once, and JIT-compiling
            # one costs more than it saves (report metrics at 1M deals: ~2 s a statement)
            options=f"-c lock_timeout={int(busy_timeout_s * 1000)} -c jit=off",
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
    from funnelcli.clock import tz_for
    from funnelcli.store.pg_schema import PG_SCHEMA_VERSION, migrate
    from funnelcli.store.zone import read_zone, use_calendar

    conn = connect(url, busy_timeout_s=busy_timeout_s)
    try:
        opened = _open_at_once(conn)
        if opened is not None and opened[0] == PG_SCHEMA_VERSION:
            zone = opened[1]
            if zone is not None:
                tz_for(zone)  # a zone this system has no data for fails here, as on SQLite
        else:
            version = schema_version(conn)
            if version == 0:
                raise StorageError(
                    f"{conn.name} has no funnelcli pipeline yet: "
                    "`funnel team init` sets one up in an empty database"
                )
            if version != PG_SCHEMA_VERSION:  # migrate() refuses a newer one
                try:
                    migrate(conn.raw, name=conn.name)
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


# Every command's first statement: the schema's version and the database's
# zone, made the session's TimeZone (the calendar store/zone.py describes) in
# the same round trip.
_OPEN = (
    "SELECT s.version, z.value, "
    "set_config('TimeZone', coalesce(z.value, current_setting('TimeZone')), false) "
    "FROM funnel_schema s LEFT JOIN settings z ON z.key = 'timezone'"
)


def _open_at_once(conn: PgConnection) -> tuple[int, str | None] | None:
    """(schema version, zone) in one statement, the zone already in use; None
    when that fails (no schema yet, an older one): the caller looks closer."""
    try:
        row = conn.execute(_OPEN).fetchone()
    except sqlite3.Error:
        return None
    return (int(row[0]), None if row[1] is None else str(row[1])) if row else None


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
