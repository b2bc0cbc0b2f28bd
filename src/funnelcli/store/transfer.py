"""SQL for import, export, backup and restore: bulk writes and streaming reads."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from funnelcli.clock import utc_text
from funnelcli.models import Pipeline, stage_key
from funnelcli.store import dialect
from funnelcli.store.changes import ChangeStore
from funnelcli.store.deal_row import DEAL_SELECT, deal_values
from funnelcli.store.deals import DEAL_COLUMNS
from funnelcli.store.dialect import Connection, Cursor, is_postgres, stream
from funnelcli.templates import StageSpec

# a new deal's furthest stage comes with it (the writer knows its stays)
INSERT_COLUMNS = ["id", "uuid", *DEAL_COLUMNS, "furthest_stage_id"]
_EVENT_COLUMNS = (
    "deal_id, from_stage_id, from_status, to_stage_id, to_status, at, note, recorded_at"
)
# What a bulk import writes: their triggers and secondary indexes are what
# drop_for_load() takes away for the load and load_done() puts back.
BULK_TABLES = ("deals", "stage_events", "stage_stays", "deal_tags", "deal_fields", "activities")


def _scope(status: str | None, pipeline_id: int | None) -> tuple[str, dict[str, Any]]:
    where = ["1 = 1"]
    params: dict[str, Any] = {}
    if status is not None:
        where.append("d.status = :status")
        params["status"] = status
    if pipeline_id is not None:
        where.append("d.pipeline_id = :pipeline")
        params["pipeline"] = pipeline_id
    return " AND ".join(where), params


def _numbered(rows: Iterable[Sequence[Any]], top: int) -> Iterator[Sequence[Any]]:
    """Rows whose first value, an id, may be None: that one gets the next id
    past every id so far (`top` and the rows' own), as SQLite's AUTOINCREMENT."""
    for row in rows:
        if row[0] is None:
            top += 1
            yield (top, *row[1:])
        else:
            top = max(top, row[0])
            yield row


class LoadRows(NamedTuple):
    """What TransferStore.bulk_insert writes: new deals (INSERT_COLUMNS order,
    their furthest stage included), their events, stays (deal, stage, entered,
    left), tags, fields and activities (whose id may be None)."""

    deals: Iterable[Sequence[Any]]
    events: Iterable[Sequence[Any]]
    stays: Iterable[Sequence[Any]]
    tags: Iterable[Sequence[Any]]
    fields: Iterable[Sequence[Any]]
    activities: Iterable[Sequence[Any]]


class TransferStore:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._changes = ChangeStore(conn)

    # -- import --------------------------------------------------------

    def prepare_bulk(self) -> None:
        """A 64 MB page cache for this connection: a big import keeps the deals'
        indexes in memory instead of re-reading pages (3x faster at 1M rows).
        (PostgreSQL's own settings decide there.)"""
        if not is_postgres(self.conn):
            self.conn.execute("PRAGMA cache_size = -65536")

    def deal_count(self, status: str | None = None, pipeline_id: int | None = None) -> int:
        where, params = _scope(status, pipeline_id)
        return int(
            self.conn.execute(f"SELECT count(*) FROM deals d WHERE {where}", params).fetchone()[0]
        )

    def seen_keys_begin(self) -> None:
        """A temporary table (not in the file; gone with the connection) of the
        deal keys an import has read, with their line: 1M keys in a dict would
        hold ~130 MB, here they are pages of the temp database."""
        self.conn.execute(f"DROP TABLE IF EXISTS {dialect.temp_schema(self.conn)}.import_seen")
        dialect.create_temp_keys(self.conn, "import_seen")

    def seen_keys_add(self, rows: Iterable[tuple[str, int, bytes]]) -> None:
        self.conn.executemany(
            f"INSERT INTO {dialect.temp_schema(self.conn)}.import_seen (key, line, digest) "
            "VALUES (?, ?, ?)",
            rows,
        )

    def seen_key_line(self, key: str) -> tuple[int, bytes] | None:
        """The line that first named `key`, and the digest of that row's cells."""
        row = self.conn.execute(
            f"SELECT line, digest FROM {dialect.temp_schema(self.conn)}.import_seen WHERE key = :k",
            {"k": key},
        ).fetchone()
        return None if row is None else (int(row[0]), bytes(row[1]))

    def seen_keys_end(self) -> None:
        self.conn.execute(f"DROP TABLE IF EXISTS {dialect.temp_schema(self.conn)}.import_seen")

    def existing_deal_id(self, deal_uuid: str, external_id: str | None) -> int | None:
        row = self.conn.execute(
            "SELECT id FROM deals WHERE uuid = :u UNION ALL "
            "SELECT id FROM deals WHERE CAST(:e AS TEXT) IS NOT NULL AND external_id = :e LIMIT 1",
            {"u": deal_uuid, "e": external_id},
        ).fetchone()
        return None if row is None else int(row[0])

    def next_deal_id(self) -> int:
        """The number the next new deal gets (AUTOINCREMENT never reuses one)."""
        return self.next_row_id("deals")

    def next_row_id(self, table: str) -> int:
        """The id the next new row of `table` gets: past every id it ever held
        (AUTOINCREMENT), so a row undo may bring back keeps its own."""
        assert table in ("deals", "activities"), table
        return dialect.last_id(self.conn, table) + 1

    def ids_taken(self, ids: list[int]) -> bool:
        marks = ",".join("?" * len(ids))
        row = self.conn.execute(f"SELECT count(*) FROM deals WHERE id IN ({marks})", ids)
        return bool(row.fetchone()[0])

    def stage_pipeline_id(self, stage_id: int) -> int:
        row = self.conn.execute("SELECT pipeline_id FROM stages WHERE id = :s", {"s": stage_id})
        return int(row.fetchone()[0])

    def deals_in_pipeline(self, pipeline_id: int) -> int:
        return self.deal_count(None, pipeline_id)

    def pipeline_uuid_taken(self, pipeline_uuid: str, other_than: Pipeline | None) -> bool:
        """Is the uuid some other pipeline's (than `other_than`, a Pipeline or None)?"""
        row = self.conn.execute(
            "SELECT id FROM pipelines WHERE uuid = :u", {"u": pipeline_uuid}
        ).fetchone()
        return row is not None and (other_than is None or row[0] != other_than.id)

    def removed_stage_ids(self, pipeline_id: int, key: str) -> list[int]:
        return [
            int(r[0])
            for r in self.conn.execute(
                "SELECT id FROM stages WHERE pipeline_id = :p AND key = :k "
                "AND removed_at IS NOT NULL ORDER BY id",
                {"p": pipeline_id, "k": key},
            )
        ]

    def insert_removed_stage(self, pipeline_id: int, spec: StageSpec, now: datetime) -> int:
        """A stage added as removed (its name may be a live stage's too)."""
        name, prob, rot, cad = spec
        row = self.conn.execute(
            "INSERT INTO stages (pipeline_id, name, key, position, probability, rot_days, "
            "cadence_days, removed_at) VALUES (:p, :name, :key, 0, :prob, :rot, :cad, :at) "
            "RETURNING id",
            {"p": pipeline_id, "name": name, "key": stage_key(name), "prob": prob,
             "rot": rot, "cad": cad, "at": utc_text(now)},
        ).fetchone()  # fmt: skip
        return int(row[0])

    def drop_stages(self, stage_ids: list[int], now: datetime) -> None:
        """Stages an import takes out of a pipeline without deals: deleted, or
        marked removed when some history (a deal moved on) names them."""
        marks = ",".join("?" * len(stage_ids))
        named = {
            r[0]
            for r in self.conn.execute(
                f"SELECT to_stage_id FROM stage_events WHERE to_stage_id IN ({marks}) UNION "
                f"SELECT from_stage_id FROM stage_events WHERE from_stage_id IN ({marks}) UNION "
                f"SELECT stage_id FROM stage_stays WHERE stage_id IN ({marks}) UNION "
                f"SELECT stage_id FROM deals WHERE stage_id IN ({marks})",
                stage_ids * 4,
            )
        }
        self.conn.executemany(
            "DELETE FROM stages WHERE id = ?", [(i,) for i in stage_ids if i not in named]
        )
        self.conn.executemany(
            "UPDATE stages SET removed_at = ? WHERE id = ?",
            [(utc_text(now), i) for i in stage_ids if i in named],
        )

    def activity_exists(self, deal_id: int, kind: str, at: str, note: str | None) -> bool:
        row = self.conn.execute(
            "SELECT 1 FROM activities WHERE deal_id = ? AND kind = ? AND at = ? AND note IS ?",
            (deal_id, kind, at, note),
        ).fetchone()
        return row is not None

    def drop_for_load(self) -> list[tuple[str, str]]:
        """Drop the triggers (m004's undo notes, stage_events' append-only guard)
        and the secondary indexes of BULK_TABLES, inside the import's transaction
        (DDL is transactional: a rollback brings them back). UNIQUE indexes stay
        (PRIMARY KEY and UNIQUE ones have no SQL text): they check as rows come.
        Returns (name, SQL) of each, in sqlite_master order, for load_done().
        Only INSERTs may follow until then. On PostgreSQL nothing is dropped:
        DDL there locks the table against readers for the whole import, and
        the quieted triggers note nothing."""
        if is_postgres(self.conn):
            return []
        marks = ", ".join("?" * len(BULK_TABLES))
        found = self.conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE type IN "
            f"('index', 'trigger') AND sql IS NOT NULL AND tbl_name IN ({marks}) "
            "AND sql NOT LIKE 'CREATE UNIQUE %' ORDER BY rowid",
            BULK_TABLES,
        ).fetchall()
        for kind, name, _sql in found:
            self.conn.execute(f'DROP {"INDEX" if kind == "index" else "TRIGGER"} "{name}"')
        return [(str(name), str(sql)) for _kind, name, sql in found]

    def load_done(self, dropped: list[tuple[str, str]]) -> None:
        """Put back what drop_for_load() took, in its order, from its own
        sqlite_master text (the schema stays the migrations', byte for byte):
        each index built by one sort. The sort keeps up to cache_size of keys
        in memory before it spills to a temporary file: with prepare_bulk()'s
        64 MB on top of the page cache's 64 MB a 1M-row import peaked at
        167 MB; at 16 MB the index builds take ~16 MB more than the load.
        The cache is as it was afterwards (an import may go on row by row)."""
        if not dropped:
            return
        was = int(self.conn.execute("PRAGMA cache_size").fetchone()[0])
        self.conn.execute("PRAGMA cache_size = -16384")
        for _name, sql in dropped:
            self.conn.execute(sql)
        self.conn.execute(f"PRAGMA cache_size = {was}")

    def stage_places(self) -> dict[int, tuple[int, int]]:
        """Each live stage's (pipeline, position): what FURTHEST_STAGE ranks."""
        return {
            int(i): (int(p), int(pos))
            for i, p, pos in self.conn.execute(
                "SELECT id, pipeline_id, position FROM stages WHERE removed_at IS NULL"
            )
        }

    def bulk_insert(self, rows: LoadRows, id_range: tuple[int, int]) -> None:
        """New deals with everything they hold (LoadRows), as plain
        executemany batches; on PostgreSQL each table's rows are one COPY
        (_copy_all)."""
        c = self.conn
        # one note for the whole batch instead of one per row (see store/changes.py)
        self._changes.quiet(True)
        if is_postgres(c):
            self._copy_all(*rows)
        else:
            self._insert_all(*rows)
        lo, hi = id_range
        self._changes.note_insert_range("deals", lo, hi)
        self._changes.quiet(False)

    def _insert_all(self, *rows: Iterable[Sequence[Any]]) -> None:
        deals, events, stays, tags, fields, activities = rows
        c = self.conn
        c.executemany(
            f"INSERT INTO deals ({', '.join(INSERT_COLUMNS)}) "
            f"VALUES ({', '.join('?' for _ in INSERT_COLUMNS)})",
            deals,
        )
        c.executemany(
            f"INSERT INTO stage_events ({_EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", events
        )
        c.executemany(
            "INSERT INTO stage_stays (deal_id, stage_id, entered_at, left_at, days) "
            "VALUES (?1, ?2, ?3, ?4, julianday(?4) - julianday(?3))",
            stays,
        )
        c.executemany("INSERT INTO deal_tags (deal_id, tag) VALUES (?, ?)", tags)
        c.executemany("INSERT INTO deal_fields (deal_id, key, value) VALUES (?, ?, ?)", fields)
        c.executemany(
            "INSERT INTO activities (id, deal_id, kind, note, at, recorded_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            activities,
        )

    def _copy_all(self, *rows: Iterable[Sequence[Any]]) -> None:
        """_insert_all on PostgreSQL: a COPY a table (the stays through a
        temporary table, so that their days are the schema's julianday's)."""
        deals, events, stays, tags, fields, activities = rows
        c = self.conn
        copy = c.copy_rows  # type: ignore[attr-defined]
        copy("deals", INSERT_COLUMNS, deals)
        copy("stage_events", _EVENT_COLUMNS.split(", "), events)
        c.execute(
            "CREATE TEMP TABLE IF NOT EXISTS funnel_load_stays (deal_id BIGINT, "
            'stage_id BIGINT, entered_at TEXT COLLATE "C", left_at TEXT COLLATE "C")'
        )
        copy("funnel_load_stays", ["deal_id", "stage_id", "entered_at", "left_at"], stays)
        c.execute(
            "INSERT INTO stage_stays (deal_id, stage_id, entered_at, left_at, days) "
            "SELECT deal_id, stage_id, entered_at, left_at, "
            "julianday(left_at) - julianday(entered_at) FROM funnel_load_stays"
        )
        c.execute("TRUNCATE funnel_load_stays")
        copy("deal_tags", ["deal_id", "tag"], tags)
        copy("deal_fields", ["deal_id", "key", "value"], fields)
        # an identity column takes no NULL: the ids AUTOINCREMENT would give
        top = self.next_row_id("activities") - 1
        copy(
            "activities",
            ["id", "deal_id", "kind", "note", "at", "recorded_at"],
            _numbered(activities, top),
        )
        dialect.ids_given(c, "activities")

    # -- export --------------------------------------------------------

    def all_stages(self) -> list[tuple[Any, ...]]:
        """(pipeline id, uuid, name, stage name, probability, rot, cadence, removed,
        owner)."""
        return self.conn.execute(
            "SELECT p.id, p.uuid, p.name, s.name, s.probability, s.rot_days, s.cadence_days, "
            "s.removed_at IS NOT NULL, s.owner "
            "FROM pipelines p LEFT JOIN stages s ON s.pipeline_id = p.id "
            "ORDER BY p.id, s.removed_at IS NOT NULL, s.position, s.id"
        ).fetchall()

    def export_deals(self, status: str | None, pipeline_id: int | None) -> Iterator[dict[str, Any]]:
        """The deals in scope as deal_values() dicts, by number."""
        where, params = _scope(status, pipeline_id)
        return map(
            deal_values, stream(self.conn, f"{DEAL_SELECT} WHERE {where} ORDER BY d.id", params)
        )

    def export_events(self, status: str | None, pipeline_id: int | None) -> Cursor:
        """Every event of the deals in scope, by deal: (deal, from stage, its
        pipeline, from status, to stage, its pipeline, to status, at, note, recorded)."""
        where, params = _scope(status, pipeline_id)
        return stream(
            self.conn,
            f"""SELECT e.deal_id, fs.name, fp.name, e.from_status, ts.name, tp.name,
                       e.to_status, e.at, e.note, e.recorded_at
                FROM stage_events e JOIN deals d ON d.id = e.deal_id
                LEFT JOIN stages fs ON fs.id = e.from_stage_id
                LEFT JOIN pipelines fp ON fp.id = fs.pipeline_id
                JOIN stages ts ON ts.id = e.to_stage_id
                JOIN pipelines tp ON tp.id = ts.pipeline_id
                WHERE {where} ORDER BY e.deal_id, e.at, e.id""",
            params,
        )

    def export_activities(self, status: str | None, pipeline_id: int | None) -> Cursor:
        where, params = _scope(status, pipeline_id)
        return stream(
            self.conn,
            f"""SELECT a.deal_id, a.kind, a.note, a.at, a.recorded_at, a.id
                FROM activities a JOIN deals d ON d.id = a.deal_id
                WHERE {where} ORDER BY a.deal_id, a.at, a.id""",
            params,
        )
