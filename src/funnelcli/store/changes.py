"""SQL that records each write as one change, for `funnel changes` and `funnel undo`.

Each top-level write transaction is one change: a `changes` row opened
(open = 1) when it begins and closed before it commits. While it is open, the
triggers m004 made note every row the change inserts, updates or deletes in
`change_rows` (its key, and for updates and deletes the old values as JSON).
Reverting a change replays those notes backwards: inserted rows are deleted,
updated rows get their old values back, deleted rows come back. A bulk import
notes its new deals as one id range (open = 2 quiets the triggers meanwhile).

This module is what every write needs (opening and closing its change);
reading the log and reverting are in store/changelog.py, which `funnel
changes` and `funnel undo` load.
"""

from __future__ import annotations

import sqlite3

from funnelcli.store.dialect import Connection, is_postgres


class ChangeStore:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def tracked(self) -> bool:
        from funnelcli.store.dialect import has_table

        return has_table(self.conn, "changes")

    def begin(self, at: str, who: str, command: str) -> int | None:
        """Open the change this transaction makes (None: a schema without changes)."""
        try:
            return int(
                self.conn.execute(
                    "INSERT INTO changes (at, who, command) VALUES (:at, :who, :cmd) RETURNING id",
                    {"at": at, "who": who, "cmd": command},
                ).fetchone()[0]
            )
        except sqlite3.OperationalError:
            # only an old SQLite schema has no change log; the error may be
            # the transaction's own (a lock waited for too long on PostgreSQL)
            if is_postgres(self.conn) or self.tracked():
                raise
            return None

    def end(self, change_id: int, *, keep: bool = False) -> bool:
        """Close it; a change that touched nothing is not kept, unless `keep`
        (an undo is kept whatever it found to revert: others point at it).
        Whether it is kept."""
        closed = self.conn.execute(
            "UPDATE changes SET open = 0 WHERE id = :c AND (:keep OR EXISTS "
            "(SELECT 1 FROM change_rows WHERE change_id = :c))",
            {"c": change_id, "keep": keep},
        ).rowcount
        if closed:
            return True
        # touched nothing: dropped, unless an earlier end() kept it (open = 0)
        gone = self.conn.execute(
            "DELETE FROM changes WHERE id = :c AND open > 0", {"c": change_id}
        ).rowcount
        return not gone

    def quiet(self, quiet: bool) -> None:
        """Bulk writes: stop (and restart) the per-row notes of the open change."""
        self.conn.execute(
            "UPDATE changes SET open = :to WHERE open = :was",
            {"to": 2 if quiet else 1, "was": 1 if quiet else 2},
        )

    def note_insert_range(self, table: str, lo: int, hi: int) -> None:
        self.conn.execute(
            "INSERT INTO change_rows (change_id, tbl, op, key) "
            "SELECT id, :t, 'insert_range', json_object('lo', :lo, 'hi', :hi) "
            "FROM changes WHERE open IN (1, 2)",
            {"t": table, "lo": lo, "hi": hi},
        )

    def current(self) -> int | None:
        row = self.conn.execute("SELECT id FROM changes WHERE open IN (1, 2)").fetchone()
        return None if row is None else int(row[0])
