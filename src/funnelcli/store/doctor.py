"""SQL for `funnel doctor`: SQLite's own checks and funnelcli's invariants.

Every check is one set-based query (indexed lookups per deal at most), except
the history and stays checks, which read the events and the stays once each,
in deal order, for the service to replay: SQLite's window functions do the
same work several times slower. Nothing here writes: the connection from
`open_for_check` is `query_only`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from funnelcli.errors import StorageError
from funnelcli.store import Store
from funnelcli.store.connection import (
    BUSY_TIMEOUT_S,
    hot_journal,
    read_only_uri,
    storage_error,
    wal_waiting,
)
from funnelcli.store.dialect import Connection, stream

# The SQLite library linked in, which `funnel doctor` names.
ENGINE_VERSION = sqlite3.sqlite_version
# What a check may raise on a damaged file: doctor reports it and goes on.
CHECK_ERRORS: tuple[type[Exception], ...] = (sqlite3.DatabaseError,)

# Tables whose rows belong to a deal (and go when it is deleted).
DEAL_CHILDREN = (
    "stage_events",
    "stage_stays",
    "activities",
    "deal_tags",
    "deal_fields",
    "handoffs",
)


def open_for_check(path: Path) -> sqlite3.Connection:
    """The existing file at `path`, never created, never written.

    Opened read-write when the file allows it, so SQLite can roll back a hot
    journal left by a process that died mid-write, or read a WAL file's log
    (the file must be read as it was last committed); `query_only` refuses
    every write statement. A file the operating system won't let us write is
    opened read-only by SQLite; a WAL file with nothing in its log that we
    may not write (or whose directory we may not), `immutable` (no `-shm`
    needed, none left behind: see store.connection)."""
    uri = read_only_uri(path) or f"{path.resolve().as_uri()}?mode=rw"
    conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    try:
        conn.execute("PRAGMA query_only = ON")
    except sqlite3.Error:
        conn.close()
        raise
    return conn


def open_checked(path: Path) -> Store:
    """open_for_check(), and its first read, which brings the file to its last
    commit (rolling back a hot journal, reading a WAL file's log): a Store
    for one read, or a StorageError saying what is wrong and how to fix it."""
    name = str(path)
    try:
        conn = open_for_check(path)
    except sqlite3.Error as exc:
        raise storage_error(exc, name) from None
    try:
        conn.execute("PRAGMA schema_version").fetchone()
    except sqlite3.Error as exc:
        conn.close()
        if hot_journal(path):
            raise StorageError(
                f"{name} was left mid-write by a process that stopped, and rolling that "
                f"back needs write access to it and its directory ({exc}): run funnel "
                "doctor as a user who may write them"
            ) from None
        if wal_waiting(path):
            raise StorageError(
                f"{name} has changes in its write-ahead log ({name}-wal), and reading them "
                f"needs write access to it and its directory ({exc}): run funnel doctor as "
                "a user who may write them"
            ) from None
        raise storage_error(exc, name) from None
    store = Store(conn, name)
    _use_its_calendar(store)
    return store


def _use_its_calendar(store: Store) -> None:
    """The database's zone for the checks, as every command counts days in it
    (store/zone.py); a file too broken to say is checked in the machine's."""
    from funnelcli.clock import machine_zone, use_zone
    from funnelcli.store.zone import read_zone, use_calendar

    try:
        store.zone = read_zone(store.conn)
    except sqlite3.Error:
        store.zone = None
    use_calendar(store.conn, store.zone or machine_zone())
    use_zone(store.zone)


def _quote(name: str) -> str:
    """An identifier from the file itself, quoted for SQL."""
    return '"' + name.replace('"', '""') + '"'


class DoctorStore:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def schema_version(self) -> tuple[int, int]:
        """(PRAGMA user_version, how many tables the file has)."""
        version = int(self.conn.execute("PRAGMA user_version").fetchone()[0])
        tables = self.conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchone()[0]
        return version, int(tables)

    def server_version(self) -> str:
        """A team database's PostgreSQL version ("15.18")."""
        return str(self.conn.execute("SHOW server_version").fetchone()[0]).split()[0]

    def doctor_counts(self) -> tuple[int, int]:
        """(deals, stage events)."""
        row = self.conn.execute(
            "SELECT (SELECT count(*) FROM deals), (SELECT count(*) FROM stage_events)"
        ).fetchone()
        return int(row[0]), int(row[1])

    def stage_labels(self) -> dict[int, str]:
        return {int(r[0]): str(r[1]) for r in self.conn.execute("SELECT id, name FROM stages")}

    # -- SQLite's checks -------------------------------------------------

    def integrity_messages(self, *, quick: bool = False) -> list[str]:
        """PRAGMA integrity_check's (or quick_check's) findings; [] when it says ok."""
        pragma = "quick_check" if quick else "integrity_check"
        rows = [str(r[0]) for r in self.conn.execute(f"PRAGMA {pragma}")]
        return [] if rows == ["ok"] else rows

    def foreign_key_violations(self) -> list[tuple[str, int | None, str, str, Any, int | None]]:
        """(table, rowid, parent table, column, value, deal) for each row that
        names a missing parent row. `deal` is the deal the row is or belongs to."""
        found = self.conn.execute("PRAGMA foreign_key_check").fetchall()
        columns: dict[tuple[str, int], str] = {}
        out = []
        for table, rowid, parent, fkid in found:
            if (table, fkid) not in columns:
                for fk in self.conn.execute(f"PRAGMA foreign_key_list({_quote(table)})"):
                    columns[(table, fk[0])] = str(fk[3])
            column = columns.get((table, fkid), "?")
            value: Any = None
            deal: int | None = None
            if rowid is not None and column != "?":
                has_deal = table in DEAL_CHILDREN
                row = self.conn.execute(
                    f"SELECT {_quote(column)}{', deal_id' if has_deal else ''} "
                    f"FROM {_quote(table)} WHERE rowid = :r",
                    {"r": rowid},
                ).fetchone()
                if row is not None:
                    value = row[0]
                    deal = rowid if table == "deals" else (row[1] if has_deal else None)
            out.append((str(table), rowid, str(parent), column, value, deal))
        return out

    # -- funnelcli's invariants ----------------------------------------

    def orphan_rows(self, table: str) -> list[tuple[int, int]]:
        """(missing deal, rows) for the rows of `table` (one of DEAL_CHILDREN)
        whose deal is gone: foreign_key_check gives no rowid in a WITHOUT ROWID
        table, so these need a query of their own."""
        if table not in DEAL_CHILDREN:
            raise ValueError(table)
        return self.conn.execute(
            f"SELECT deal_id, n FROM (SELECT deal_id, count(*) AS n FROM {table} "
            "GROUP BY deal_id) AS children WHERE NOT EXISTS "
            "(SELECT 1 FROM deals d WHERE d.id = deal_id) ORDER BY deal_id"
        ).fetchall()

    def deals_in_foreign_stage(self) -> list[tuple[int, int, int, int]]:
        """(deal, stage, the stage's pipeline, the deal's pipeline) where they differ."""
        return self.conn.execute(
            "SELECT d.id, d.stage_id, s.pipeline_id, d.pipeline_id FROM deals d "
            "JOIN stages s ON s.id = d.stage_id WHERE s.pipeline_id != d.pipeline_id "
            "ORDER BY d.id"
        ).fetchall()

    def deals_in_removed_stage(self) -> list[tuple[int, int]]:
        """(deal, stage) where the deal sits in a removed stage (a stage is
        removed only once it holds no deal)."""
        return self.conn.execute(
            "SELECT d.id, d.stage_id FROM deals d JOIN stages s ON s.id = d.stage_id "
            "WHERE s.removed_at IS NOT NULL ORDER BY d.id"
        ).fetchall()

    def deals_without_events(self) -> list[int]:
        return [
            int(r[0])
            for r in self.conn.execute(
                "SELECT d.id FROM deals d WHERE NOT EXISTS "
                "(SELECT 1 FROM stage_events e WHERE e.deal_id = d.id) ORDER BY d.id"
            )
        ]

    def current_mismatches(self) -> list[tuple[Any, ...]]:
        """Deals whose (stage, status) isn't where their last event led:
        (deal, stage, status, last event, its to stage, its to status)."""
        return self.conn.execute(
            """SELECT d.id, d.stage_id, d.status, e.id, e.to_stage_id, e.to_status
               FROM deals d JOIN stage_events e ON e.id =
                   (SELECT x.id FROM stage_events x WHERE x.deal_id = d.id
                    ORDER BY x.at DESC, x.id DESC LIMIT 1)
               WHERE d.stage_id IS NOT e.to_stage_id OR d.status IS NOT e.to_status
               ORDER BY d.id"""
        ).fetchall()

    def events_in_deal_order(self) -> Iterator[Any]:
        """(deal, from stage, from status, to stage, to status, at, id) of every
        event, in each deal's order (at, id), read as they are iterated."""
        return iter(
            stream(
                self.conn,
                "SELECT deal_id, from_stage_id, from_status, to_stage_id, to_status, at, id "
                "FROM stage_events ORDER BY deal_id, at, id",
            )
        )

    def stays_in_deal_order(self) -> Iterator[Any]:
        """(deal, stage, entered, left) of every stay, by deal, oldest first."""
        return iter(
            stream(
                self.conn,
                "SELECT deal_id, stage_id, entered_at, left_at FROM stage_stays "
                "ORDER BY deal_id, id",
            )
        )

    def open_stay_problems(self) -> list[tuple[int, str, int]]:
        """(deal, status, open stays) for deals with more than one open stay, or
        with one while closed."""
        return self.conn.execute(
            """SELECT d.id, d.status, count(*) FROM stage_stays st JOIN deals d ON d.id = st.deal_id
               WHERE st.left_at IS NULL GROUP BY d.id
               HAVING count(*) > 1 OR d.status != 'open' ORDER BY d.id"""
        ).fetchall()

    def stay_days_mismatches(self) -> list[tuple[int, int, Any, Any]]:
        """(deal, stay, days, what left - entered makes) where `days` is off."""
        return self.conn.execute(
            """SELECT deal_id, id, days, julianday(left_at) - julianday(entered_at)
               FROM stage_stays
               WHERE CASE WHEN left_at IS NULL THEN days IS NOT NULL
                          ELSE days IS NULL
                               OR abs(days - (julianday(left_at) - julianday(entered_at))) > 1e-6
                     END
               ORDER BY deal_id, id"""
        ).fetchall()

    def furthest_mismatches(self) -> list[tuple[int, int | None, int | None]]:
        """(deal, furthest_stage_id, what schema.FURTHEST_STAGE makes)."""
        from funnelcli.schema import FURTHEST_STAGE

        return self.conn.execute(
            f"""SELECT id, furthest_stage_id, expected
                FROM (SELECT id, furthest_stage_id, {FURTHEST_STAGE} AS expected FROM deals) AS f
                WHERE furthest_stage_id IS NOT expected ORDER BY id"""
        ).fetchall()

    def last_activity_mismatches(self) -> list[tuple[int, str | None, str | None]]:
        """(deal, last_activity_at, the latest touch's at: notes are no touch)."""
        return self.conn.execute(
            """SELECT id, last_activity_at, latest
               FROM (SELECT id, last_activity_at,
                            (SELECT max(a.at) FROM activities a
                             WHERE a.deal_id = deals.id AND a.kind <> 'note') AS latest
                     FROM deals) AS t
               WHERE last_activity_at IS NOT latest ORDER BY id"""
        ).fetchall()

    def closed_at_mismatches(self) -> list[tuple[int, str, str | None]]:
        """(deal, status, closed_at) where a closed deal has none or an open one has one."""
        return self.conn.execute(
            "SELECT id, status, closed_at FROM deals WHERE (status = 'open') = "
            "(closed_at IS NOT NULL) ORDER BY id"
        ).fetchall()
