"""SQL for `funnel changes` and `funnel undo`: reading the change log and
reverting a change (see store/changes.py for how changes are recorded).

Reverting replays a change's notes backwards: inserted rows are deleted,
updated rows get their old values back, deleted rows come back.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any


@dataclass
class Change:
    id: int
    at: str
    who: str
    command: str
    undoes: int | None
    undone_by: int | None
    redoes: int | None  # when this undid an undo: the change it put back in effect
    counts: dict[str, dict[str, int]]  # table -> op -> rows (distinct rows)

    @property
    def is_undo(self) -> bool:
        return self.undoes is not None


class ChangeLogStore:
    conn: sqlite3.Connection

    # -- reading -------------------------------------------------------

    def changes(self, limit: int | None = None, change_id: int | None = None) -> list[Change]:
        where = "WHERE c.open = 0" + (" AND c.id = :id" if change_id is not None else "")
        rows = self.conn.execute(
            f"""SELECT c.id, c.at, c.who, c.command, c.undoes, c.undone_by,
                       (SELECT u.undoes FROM changes u WHERE u.id = c.undoes),
                       (SELECT json_group_array(json_array(tbl, op, n)) FROM
                          (SELECT tbl, op, count(DISTINCT key) AS n FROM change_rows r
                           WHERE r.change_id = c.id GROUP BY tbl, op))
                FROM changes c {where} ORDER BY c.id DESC LIMIT :limit""",
            {"id": change_id, "limit": -1 if limit is None else limit},
        ).fetchall()
        out = []
        for *head, counts_json in rows:
            counts: dict[str, dict[str, int]] = {}
            for tbl, op, n in json.loads(counts_json or "[]"):
                counts.setdefault(tbl, {})[op] = n
            out.append(Change(*head, counts=counts))
        return out

    def latest_effective_change(self) -> int | None:
        """The newest change that is neither undone nor itself an undo."""
        row = self.conn.execute(
            "SELECT max(id) FROM changes WHERE open = 0 AND undoes IS NULL AND undone_by IS NULL"
        ).fetchone()
        return None if row[0] is None else int(row[0])

    def conflicting_change(self, change_id: int) -> int | None:
        """A later change still in effect that touched a row this one touched."""
        row = self.conn.execute(
            """SELECT min(c.id) FROM changes c JOIN change_rows later ON later.change_id = c.id
               WHERE c.id > :c AND c.open = 0 AND c.undoes IS NULL AND c.undone_by IS NULL
               AND EXISTS (SELECT 1 FROM change_rows mine WHERE mine.change_id = :c
                           AND mine.tbl = later.tbl AND mine.key = later.key)""",
            {"c": change_id},
        ).fetchone()
        return None if row[0] is None else int(row[0])

    # -- reverting -----------------------------------------------------

    def revert_rows(self, change_id: int, columns: dict[str, list[str]]) -> None:
        """Undo what change `change_id` did to the rows, newest note first.
        `columns`: each table's columns (to restore old rows)."""
        self.conn.execute("PRAGMA defer_foreign_keys = ON")
        notes = self.conn.execute(
            "SELECT tbl, op, key, old FROM change_rows WHERE change_id = :c ORDER BY id DESC",
            {"c": change_id},
        ).fetchall()
        for tbl, op, key_json, old_json in notes:
            key = json.loads(key_json)
            match = " AND ".join(f"{k} = :k_{k}" for k in key)
            params: dict[str, Any] = {f"k_{k}": v for k, v in key.items()}
            if op == "insert":
                self.conn.execute(f"DELETE FROM {tbl} WHERE {match}", params)
            elif op == "insert_range":
                self.conn.execute(
                    f"DELETE FROM {tbl} WHERE id BETWEEN :lo AND :hi",
                    {"lo": key["lo"], "hi": key["hi"]},
                )
            else:
                old = json.loads(old_json)
                cols = [c for c in columns[tbl] if c in old]
                values = {f"v_{c}": old[c] for c in cols}
                if op == "update":
                    sets = ", ".join(f"{c} = :v_{c}" for c in cols)
                    self.conn.execute(
                        f"UPDATE {tbl} SET {sets} WHERE {match}", {**values, **params}
                    )
                else:  # delete
                    self.conn.execute(
                        f"INSERT INTO {tbl} ({', '.join(cols)}) "
                        f"VALUES ({', '.join(':v_' + c for c in cols)})",
                        values,
                    )

    def table_columns(self, tables: list[str]) -> dict[str, list[str]]:
        return {t: [r[1] for r in self.conn.execute(f"PRAGMA table_info({t})")] for t in tables}

    def link_undo(self, undo_id: int, target_id: int) -> None:
        """Record that `undo_id` reverted `target_id`. If the target was itself an
        undo, what it had undone is in effect again (a redo), which undoes again
        whatever that one had undone, and so on down the chain."""
        c = self.conn

        def undoes(change_id: int) -> int | None:
            row = c.execute("SELECT undoes FROM changes WHERE id = :i", {"i": change_id})
            return row.fetchone()[0]

        def set_undone_by(change_id: int, by: int | None) -> None:
            c.execute("UPDATE changes SET undone_by = :b WHERE id = :i", {"b": by, "i": change_id})

        c.execute("UPDATE changes SET undoes = :t WHERE id = :u", {"t": target_id, "u": undo_id})
        set_undone_by(target_id, undo_id)
        back = undoes(target_id)
        while back is not None:
            set_undone_by(back, None)  # in effect again
            again = undoes(back)
            if again is None:
                break
            set_undone_by(again, back)  # undone again, by the change back in effect
            back = undoes(again)
