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

from funnelcli.errors import Conflict
from funnelcli.store import dialect
from funnelcli.store.dialect import Connection


@dataclass
class Change:
    """One change of the change log: who made it, when, with what command, and
    the rows it touched per table and operation."""

    id: int
    at: str
    who: str
    command: str
    undoes: int | None
    undone_by: int | None
    redoes: int | None  # when this undid an undo: the change it put back in effect
    counts: dict[str, dict[str, int]]  # table -> op -> rows (distinct rows)
    pruned: bool = False  # its notes were pruned: it can't be undone any more

    @property
    def is_undo(self) -> bool:
        return self.undoes is not None


# A change's rows as a JSON list of [table, op, rows]: distinct rows, and for
# an import the deals in its id ranges.
_COUNTS = """(SELECT json_group_array(json_array(tbl, op, n)) FROM
    (SELECT tbl, op, CASE op WHEN 'insert_range'
                     THEN sum(CAST(json_extract(key, '$.hi') AS BIGINT)
                              - CAST(json_extract(key, '$.lo') AS BIGINT) + 1)
                     ELSE count(DISTINCT key) END AS n
     FROM change_rows r WHERE r.change_id = {change} GROUP BY tbl, op) AS counted)"""


# What a UNIQUE constraint SQLite names protects, in a person's words.
_UNIQUE = {
    "deals.id": "a deal number",
    "deals.uuid": "a deal's uuid",
    "deals.external_id": "an external id",
    "pipelines.key": "a pipeline name",
    "pipelines.uuid": "a pipeline's uuid",
    "stages.pipeline_id, stages.key": "a stage name",
    "deal_tags.deal_id, deal_tags.tag": "a tag",
    "deal_fields.deal_id, deal_fields.key": "a custom field",
}


class ChangeLogStore:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # -- reading -------------------------------------------------------

    def changes(self, limit: int | None = None, change_id: int | None = None) -> list[Change]:
        where = "WHERE c.open = 0" + (" AND c.id = :id" if change_id is not None else "")
        rows = self.conn.execute(
            f"""SELECT c.id, c.at, c.who, c.command, c.undoes, c.undone_by,
                       (SELECT u.undoes FROM changes u WHERE u.id = c.undoes),
                       coalesce(c.pruned_rows, {_COUNTS.format(change="c.id")}),
                       c.pruned_at IS NOT NULL
                FROM changes c {where} ORDER BY c.id DESC
                {"" if limit is None else "LIMIT :limit"}""",
            {"id": change_id, "limit": limit},
        ).fetchall()
        out = []
        for id_, at, who, command, undoes, undone_by, redoes, counts_json, pruned in rows:
            counts: dict[str, dict[str, int]] = {}
            for tbl, op, n in json.loads(counts_json or "[]"):
                counts.setdefault(tbl, {})[op] = n
            out.append(
                Change(id_, at, who, command, undoes, undone_by, redoes, counts, bool(pruned))
            )
        return out

    def change_at_or_after(self, at_utc: str) -> int:
        """The first change made at or after `at_utc` (past the last, if none)."""
        row = self.conn.execute(
            "SELECT min(id) FROM changes WHERE at >= :at", {"at": at_utc}
        ).fetchone()
        if row[0] is not None:
            return int(row[0])
        last = self.conn.execute("SELECT max(id) FROM changes").fetchone()[0]
        return int(last or 0) + 1

    def undo_across(self, before: int) -> tuple[int, int] | None:
        """An undo from `before` on of a change before it: (the undo, what it undid)."""
        row = self.conn.execute(
            "SELECT id, undoes FROM changes WHERE id >= :b AND undoes < :b ORDER BY id LIMIT 1",
            {"b": before},
        ).fetchone()
        return None if row is None else (int(row[0]), int(row[1]))

    def prune_notes(self, before: int, at_utc: str) -> int:
        """Drop the notes of every change before `before` (keeping their row
        counts for `funnel changes`); returns how many changes were pruned."""
        pruned = self.conn.execute(
            f"""UPDATE changes
               SET pruned_at = :at, pruned_rows = {_COUNTS.format(change="changes.id")}
               WHERE id < :b AND open = 0 AND pruned_at IS NULL""",
            {"b": before, "at": at_utc},
        ).rowcount
        self.conn.execute("DELETE FROM change_rows WHERE change_id < :b", {"b": before})
        return int(pruned)

    def change_log_size(self) -> tuple[int, int, int]:
        """(changes, notes, bytes the notes hold)."""
        changes = self.conn.execute("SELECT count(*) FROM changes WHERE open = 0").fetchone()[0]
        notes, size = self.conn.execute(
            "SELECT count(*), coalesce(sum(length(key) + coalesce(length(old), 0)), 0) "
            "FROM change_rows"
        ).fetchone()
        return int(changes), int(notes), int(size)

    def file_size(self) -> int:
        return dialect.database_size(self.conn)

    def vacuum(self) -> str | None:
        """Give the pages freed back to the file system (outside any
        transaction); None when done, else what SQLite said. (PostgreSQL's
        autovacuum reuses the space itself.)"""
        if dialect.is_postgres(self.conn):
            return None
        try:
            self.conn.execute("VACUUM")
        except sqlite3.Error as exc:
            return str(exc)
        return None

    def latest_effective_change(self, who: str | None = None) -> int | None:
        """The newest change that is neither undone nor itself an undo (made
        by `who`, when given)."""
        row = self.conn.execute(
            "SELECT max(id) FROM changes WHERE open = 0 AND undoes IS NULL AND undone_by IS NULL"
            + ("" if who is None else " AND who = :who"),
            {"who": who},
        ).fetchone()
        return None if row[0] is None else int(row[0])

    def conflicting_change(self, change_id: int, rows_of: int | None = None) -> int | None:
        """The first change after `change_id`, still in effect, that touched a row
        change `rows_of` (default: `change_id` itself) touched.

        An undo counts as a change in effect, unless what it undid came after
        `change_id` too: the pair left those rows as they were. An import's
        deals, noted as one id range, count as each deal and its tags and fields."""
        row = self.conn.execute(
            """WITH ranges AS (
                   SELECT CAST(json_extract(key, '$.lo') AS BIGINT) AS lo,
                          CAST(json_extract(key, '$.hi') AS BIGINT) AS hi
                   FROM change_rows WHERE change_id = :r AND op = 'insert_range')
               SELECT min(c.id) FROM changes c JOIN change_rows later ON later.change_id = c.id
               WHERE c.id > :c AND c.open = 0 AND c.undone_by IS NULL
               AND (c.undoes IS NULL OR c.undoes < :c)
               AND later.op != 'insert_range'
               AND (EXISTS (SELECT 1 FROM change_rows mine WHERE mine.tbl = later.tbl
                            AND mine.key = later.key AND mine.change_id = :r)
                    OR EXISTS (SELECT 1 FROM ranges WHERE
                            CASE later.tbl
                                 WHEN 'deals' THEN CAST(json_extract(later.key, '$.id') AS BIGINT)
                                 WHEN 'deal_tags'
                                 THEN CAST(json_extract(later.key, '$.deal_id') AS BIGINT)
                                 WHEN 'deal_fields'
                                 THEN CAST(json_extract(later.key, '$.deal_id') AS BIGINT)
                            END BETWEEN ranges.lo AND ranges.hi))""",
            {"c": change_id, "r": change_id if rows_of is None else rows_of},
        ).fetchone()
        return None if row[0] is None else int(row[0])

    def deals_touched(self, change_id: int) -> list[tuple[int, str]]:
        """(number, title) of each deal change `change_id` touched: its own row,
        tags, fields, history, stays or touches, or an import's id range. The
        title is the deal's now, or as it was when the change deleted it."""
        rows = self.conn.execute(
            """WITH mine AS (SELECT tbl, op, key, old FROM change_rows WHERE change_id = :c),
               touched(deal, title) AS (
                   SELECT CAST(json_extract(key, '$.id') AS BIGINT), json_extract(old, '$.title')
                   FROM mine
                   WHERE tbl = 'deals' AND op != 'insert_range'
                   UNION ALL
                   SELECT CAST(json_extract(key, '$.deal_id') AS BIGINT), NULL FROM mine
                   WHERE tbl IN ('deal_tags', 'deal_fields')
                   UNION ALL
                   SELECT coalesce(CAST(json_extract(old, '$.deal_id') AS BIGINT), CASE tbl
                       WHEN 'stage_events' THEN (SELECT deal_id FROM stage_events
                                                 WHERE id = CAST(json_extract(key, '$.id')
                                                                 AS BIGINT))
                       WHEN 'stage_stays' THEN (SELECT deal_id FROM stage_stays
                                                WHERE id = CAST(json_extract(key, '$.id')
                                                                AS BIGINT))
                       ELSE (SELECT deal_id FROM activities
                             WHERE id = CAST(json_extract(key, '$.id') AS BIGINT)) END), NULL
                   FROM mine WHERE tbl IN ('stage_events', 'stage_stays', 'activities')
                   UNION ALL
                   SELECT d.id, NULL FROM mine JOIN deals d
                   ON d.id BETWEEN CAST(json_extract(mine.key, '$.lo') AS BIGINT)
                               AND CAST(json_extract(mine.key, '$.hi') AS BIGINT)
                   WHERE mine.op = 'insert_range')
               SELECT t.deal, coalesce(d.title, max(t.title)) FROM touched t
               LEFT JOIN deals d ON d.id = t.deal
               WHERE t.deal IS NOT NULL GROUP BY t.deal, d.title ORDER BY t.deal""",
            {"c": change_id},
        )
        return [(int(deal), str(title)) for deal, title in rows]

    def undoes_of(self, change_id: int) -> int | None:
        row = self.conn.execute(
            "SELECT undoes FROM changes WHERE id = :i", {"i": change_id}
        ).fetchone()
        return None if row is None or row[0] is None else int(row[0])

    # -- reverting -----------------------------------------------------

    def revert_rows(self, change_id: int, columns: dict[str, list[str]]) -> None:
        """Undo what change `change_id` did to the rows, newest note first.
        `columns`: each table's columns (to restore old rows). A value that
        must be unique and is now another row's is a Conflict."""
        dialect.defer_foreign_keys(self.conn)
        notes = self.conn.execute(
            "SELECT tbl, op, key, old FROM change_rows WHERE change_id = :c ORDER BY id DESC",
            {"c": change_id},
        ).fetchall()
        try:
            self._revert(notes, columns)
        except sqlite3.IntegrityError as exc:
            what = _UNIQUE.get(str(exc).removeprefix("UNIQUE constraint failed: "))
            if what is None:
                raise
            raise Conflict(
                f"can't undo change #{change_id}: {what} it would bring back is another's "
                "since then; rename or undo that one first"
            ) from None

    def _revert(self, notes: list[Any], columns: dict[str, list[str]]) -> None:
        stays: list[int] = []
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
                if tbl == "stage_stays":
                    stays.append(key["id"])
        if any(tbl == "settings" for tbl, *_ in notes):
            self._zone_again()
        # JSON keeps a REAL to 15 digits: a stay's length is computed again from
        # its ends, exactly as on write (the only REAL column).
        for stay in stays:
            self.conn.execute(
                "UPDATE stage_stays SET days = julianday(left_at) - julianday(entered_at) "
                "WHERE id = :i AND left_at IS NOT NULL "
                "AND days IS NOT julianday(left_at) - julianday(entered_at)",
                {"i": stay},
            )

    def _zone_again(self) -> None:
        """The database's zone as the revert left it is the run's and its
        calendar's again (the stays are then counted in it)."""
        from funnelcli.clock import machine_zone, use_zone
        from funnelcli.store.zone import read_zone, use_calendar

        name = read_zone(self.conn) or machine_zone()
        use_calendar(self.conn, name, replacing=True)
        use_zone(name)

    def refresh_after_revert(self, change_id: int) -> None:
        """Keep what is derived on write true after a revert: the furthest stage
        of each deal it touched, and of every deal in a pipeline whose stages it
        changed (their order decides it). Only rows whose value changes are written."""
        from funnelcli.schema import FURTHEST_STAGE

        self.conn.execute(
            f"""UPDATE deals SET furthest_stage_id = {FURTHEST_STAGE}
                WHERE (id IN (SELECT CAST(json_extract(key, '$.id') AS BIGINT) FROM change_rows
                              WHERE change_id = :c AND tbl = 'deals')
                       OR pipeline_id IN (SELECT s.pipeline_id FROM stages s
                              JOIN change_rows r ON r.change_id = :c AND r.tbl = 'stages'
                              AND s.id = CAST(json_extract(r.key, '$.id') AS BIGINT)))
                AND furthest_stage_id IS NOT {FURTHEST_STAGE}""",
            {"c": change_id},
        )

    def deal_in_removed_stage(self, change_id: int) -> tuple[int, str] | None:
        """A deal change `change_id` touched that sits in a removed stage (a stage
        is removed only once it holds no deal): (deal, stage name)."""
        row = self.conn.execute(
            """SELECT d.id, s.name FROM deals d JOIN stages s ON s.id = d.stage_id
               WHERE s.removed_at IS NOT NULL
               AND d.id IN (SELECT CAST(json_extract(key, '$.id') AS BIGINT) FROM change_rows
                            WHERE change_id = :c AND tbl = 'deals')
               ORDER BY d.id LIMIT 1""",
            {"c": change_id},
        ).fetchone()
        return None if row is None else (int(row[0]), str(row[1]))

    def table_columns(self, tables: list[str]) -> dict[str, list[str]]:
        return {t: dialect.table_columns(self.conn, t) for t in tables}

    def foreign_keys_broken(self) -> bool:
        """Whether a row now points at one that no longer exists."""
        return dialect.foreign_keys_broken(self.conn)

    def link_undo(self, undo_id: int, target_id: int) -> None:
        """Record that `undo_id` reverted `target_id`. If the target was itself an
        undo, what it had undone is in effect again (a redo), which undoes again
        whatever that one had undone, and so on down the chain."""
        c = self.conn

        def undoes(change_id: int) -> int | None:
            row = c.execute("SELECT undoes FROM changes WHERE id = :i", {"i": change_id})
            undone: int | None = row.fetchone()[0]
            return undone

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
