"""The only place with SQL: a Store over one connection."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from pathlib import Path

from funnelcli.store.changes import ChangeStore
from funnelcli.store.connection import open_connection, transaction
from funnelcli.store.deals import DealFilter, DealStore
from funnelcli.store.dialect import Connection, is_postgres
from funnelcli.store.followups import FollowUpStore
from funnelcli.store.pipelines import PipelineStore

__all__ = ["DealFilter", "Store"]


class Store:
    """One connection and the pieces every command may need, each a plain
    object over that connection. The rarer pieces (reports, import/export,
    doctor, the change log's reading and reverting) are built by the service
    modules that use them, e.g. `ReportStore(store.conn)`, so a start-up of
    `add` or `move` never imports them."""

    def __init__(self, conn: Connection, name: str) -> None:
        self.conn = conn
        self.name = name
        self.deals = DealStore(conn)
        self.pipelines = PipelineStore(conn)
        self.followups = FollowUpStore(conn)
        self.changes = ChangeStore(conn)
        # Store.open(for_write=False) sets False: that connection enforces no
        # foreign keys and syncs nothing, so write() refuses it
        self.writable = True
        # What `funnel changes` says about the changes this store makes.
        self.change_command = "funnelcli"
        self.change_who: str | None = None  # default: the OS user
        self.team = False  # a team database on PostgreSQL (open_team)
        self.now_utc = ""
        self.zone: str | None = None  # the database's `timezone` setting
        # The changes this store has committed and kept (None: a schema without
        # a change log): when printing about them then fails, the error says so.
        self.saved: list[int | None] = []

    @classmethod
    def open(cls, path: Path | None, *, for_write: bool, now: datetime) -> Store:
        from funnelcli.clock import use_zone, utc_text

        zones: list[str | None] = []
        conn = open_connection(path, for_write=for_write, now=now, on_zone=zones.append)
        store = cls(conn, str(path) if path else ":memory:")
        # the database's zone is the run's: its windows, bare dates and today
        store.zone = zones[0]
        use_zone(store.zone)
        store.now_utc = utc_text(now)
        store.writable = for_write
        return store

    @classmethod
    def open_team(cls, url: str, *, for_write: bool, now: datetime) -> Store:
        """A team database on PostgreSQL (store/pg.py): the same store, its
        connection speaking PostgreSQL's dialect."""
        from funnelcli.clock import use_zone, utc_text
        from funnelcli.store.connection import BUSY_TIMEOUT_S
        from funnelcli.store.pg import open_database

        zones: list[str | None] = []
        conn = open_database(url, busy_timeout_s=BUSY_TIMEOUT_S, on_zone=zones.append)
        store = cls(conn, conn.name)
        store.team = True
        store.zone = zones[0]
        use_zone(store.zone)
        store.now_utc = utc_text(now)
        store.writable = for_write
        return store

    def set_zone(self, name: str) -> int:
        """Make `name` the database's zone, inside a write; returns how many
        ended stays were counted again in its calendar (store/zone.py)."""
        from funnelcli.clock import use_zone
        from funnelcli.store.zone import write_zone

        recounted = write_zone(self.conn, name)
        self.zone = name
        use_zone(name)
        return recounted

    def who(self) -> str:
        """Who the changes this store makes are recorded as made by."""
        return self.change_who or _who()

    @contextmanager
    def write(self) -> Iterator[None]:
        """One write transaction, and one change in `funnel changes` (nested
        writes are savepoints inside it)."""
        if not self.writable:  # its connection checks no foreign keys: a bug to write
            raise RuntimeError(f"{self.name} was opened for reading only")
        if self.conn.in_transaction:
            with transaction(self.conn, self.name, write=True):
                yield
            return
        with transaction(self.conn, self.name, write=True):
            change = self.changes.begin(self.now_utc or _utc_now(), self.who(), self.change_command)
            yield
            kept = change is None or self.changes.end(change)
        if kept:
            self.saved.append(change)

    @contextmanager
    def trial(self) -> Iterator[None]:
        """A write that is always rolled back, with its change opened as
        write() opens it: what a command would do, written nowhere (`undo
        --dry-run`). Also on a Store opened for reading, which creates no
        file and switches no journal mode. Foreign keys are enforced from
        here on. The file itself is never written: in WAL a full page cache
        spills into the log as frames no commit ever claims (a huge revert
        doesn't have to fit in memory); with a rollback journal, where it
        would spill into the file, the cache never spills."""
        from funnelcli.store.connection import storage_error

        conn = self.conn
        if conn.in_transaction:
            raise RuntimeError("a trial is a transaction of its own")
        if not is_postgres(conn):
            conn.execute("PRAGMA foreign_keys = ON")
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA cache_spill = OFF")
        try:
            conn.execute("BEGIN IMMEDIATE")
            self.changes.begin(self.now_utc or _utc_now(), self.who(), self.change_command)
            yield
        except sqlite3.Error as exc:
            raise storage_error(exc, self.name) from None
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            self._zone_back()

    def _zone_back(self) -> None:
        """After a trial: a revert that put another zone back (store/changelog.py)
        made it the run's and the connection's; the database still has its own."""
        from funnelcli.clock import use_zone, zone_name

        if self.zone is not None and zone_name() != self.zone:
            from funnelcli.store.zone import use_calendar

            use_calendar(self.conn, self.zone, replacing=True)
            use_zone(self.zone)

    @property
    def file_conn(self) -> sqlite3.Connection:
        """The SQLite connection, for what works on the file itself (backup,
        doctor); a team database on PostgreSQL has no file: one clear error."""
        if not isinstance(self.conn, sqlite3.Connection):
            from funnelcli.errors import Invalid

            raise Invalid(
                f"{self.name} is a PostgreSQL database, and this works on a SQLite file: "
                "use pg_dump for a copy of it, `funnel export` for its data"
            )
        return self.conn

    def batch(self) -> AbstractContextManager[None]:
        """Statements that may go to the server together (store/dialect.py
        batch): what is written in the block is read back by its end."""
        from funnelcli.store.dialect import batch

        return batch(self.conn)

    @contextmanager
    def read(self) -> Iterator[None]:
        with transaction(self.conn, self.name, write=False):
            yield

    def close(self) -> None:
        self.conn.close()


def _who() -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no user name in this environment
        return "unknown"


def _utc_now() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
