"""SQL for deals, their stage history, stays and activities."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from funnelcli.models import Deal, Record
from funnelcli.schema import FURTHEST_STAGE
from funnelcli.store.deal_row import DEAL_SELECT, deal_values
from funnelcli.store.dialect import Connection, Cursor, batch, sqlite_function
from funnelcli.store.filters import casefold_text, deal_where

if TYPE_CHECKING:
    from funnelcli.details import Activity, HistoryEntry

MAX_INTEGER = 2**63 - 1  # SQLite's largest: a longer deal number names no deal

SORT_COLUMNS = {
    "id": "d.id",
    "title": "d.title",
    "org": "d.org",
    "value": "d.value",
    "stage": "p.id, s.position",
    "owner": "d.owner",
    "status": "d.status",
    "created": "d.created_at",
    "updated": "d.updated_at",
    "closed": "d.closed_at",
    "next": "d.next_follow_up",
    "expected": "d.expected_close",
}

DEAL_COLUMNS = (  # noqa: SIM905
    "external_id title org contact email phone value currency owner pipeline_id stage_id "
    "status probability source lost_reason expected_close next_follow_up stage_entered_at "
    "created_at updated_at closed_at snoozed_until snooze_reason last_activity_at"
).split()


def decode_deal(row: Sequence[Any]) -> Deal:
    """A Deal from a DEAL_SELECT row (extra columns after it are left out)."""
    return Deal(**deal_values(row))


def _check_columns(values: dict[str, Any]) -> None:
    bad = set(values) - set(DEAL_COLUMNS)
    if bad:
        raise ValueError(f"not deal columns: {bad}")


class DealFilter(Record):
    """Which deals `list` (and the filters of other commands) selects, and in
    what order."""

    __slots__ = (  # noqa: RUF023 (in field order, as repr lists them)
        "status",
        "stage_ids",
        "pipeline_id",
        "owners",
        "tags",
        "sources",
        "search",
        "sort",
        "descending",
        "limit",
    )

    def __init__(
        self,
        status: str | None = "open",
        stage_ids: list[int] | None = None,
        pipeline_id: int | None = None,
        owners: list[str] | None = None,
        tags: list[str] | None = None,
        sources: list[str] | None = None,
        search: str | None = None,
        sort: str = "id",
        descending: bool = False,
        limit: int | None = None,
    ) -> None:
        self.status = status  # None = any
        self.stage_ids = stage_ids
        self.pipeline_id = pipeline_id
        self.owners = [] if owners is None else owners  # any of them, case ignored
        self.tags = [] if tags is None else tags  # all of them
        self.sources = [] if sources is None else sources  # any of them, case ignored
        self.search = search
        self.sort = sort
        self.descending = descending
        self.limit = limit


class DealStore:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, deal_id: int) -> Deal | None:
        return self.get_later(deal_id)()

    def get_later(self, deal_id: int) -> Callable[[], Deal | None]:
        """The deal, asked for now and read when called: inside a batch, call
        it after the batch ends, so the query goes with the batch's
        statements instead of ending the batch early (one round trip less)."""
        cur = self.conn.execute(DEAL_SELECT + " WHERE d.id = :id", {"id": deal_id})

        def read() -> Deal | None:
            row = cur.fetchone()
            return None if row is None else decode_deal(row)

        return read

    def by_ref(self, ref: str, *, number_only: bool = False) -> tuple[Deal | None, Deal | None]:
        """(the deal whose number is `ref`, the deal whose external id, else
        uuid, is `ref`), in one query: both may exist when an external id is
        all digits. `number_only`: the number alone (`#12`)."""
        number = int(ref) if ref.isascii() and ref.isdigit() else None
        if number is not None and number > MAX_INTEGER:
            number = None
        if number_only and number is None:
            return None, None
        where = (
            "d.id = :id" if number_only else "d.id = :id OR d.external_id = :ref OR d.uuid = :ref"
        )
        found = [
            decode_deal(row)
            for row in self.conn.execute(f"{DEAL_SELECT} WHERE {where}", {"id": number, "ref": ref})
        ]
        by_number = next((d for d in found if d.id == number), None)
        by_other = next((d for d in found if d.external_id == ref), None) or next(
            (d for d in found if d.uuid == ref), None
        )
        return by_number, by_other

    def by_text(self, text: str, limit: int) -> tuple[list[tuple[int, str, str | None, str]], int]:
        """The deals whose title or org holds `text` (case-folded as `list
        --search` folds), by number: (id, title, org, status) of the first
        `limit`, and how many there are in all. One query, over every deal."""
        sqlite_function(self.conn, "funnel_fold", 1, casefold_text)
        rows = self.conn.execute(
            "SELECT d.id, d.title, d.org, d.status, count(*) OVER () FROM deals d "
            "WHERE instr(funnel_fold(d.title), :q) > 0 OR instr(funnel_fold(d.org), :q) > 0 "
            "ORDER BY d.id LIMIT :limit",
            {"q": text.casefold(), "limit": limit},
        ).fetchall()
        total = int(rows[0][4]) if rows else 0
        return [(int(r[0]), str(r[1]), r[2], str(r[3])) for r in rows], total

    def id_by_external_id(self, external_id: str) -> int | None:
        row = self.conn.execute(
            "SELECT id FROM deals WHERE external_id = :ext", {"ext": external_id}
        ).fetchone()
        return None if row is None else int(row[0])

    def find(self, flt: DealFilter) -> Iterator[Deal]:
        for row in self._select(flt):
            yield decode_deal(row)

    def rows(self, flt: DealFilter) -> Iterator[dict[str, Any]]:
        """The deals as deal_values() dicts (see deal_row_record), for output
        that needs no Deal."""
        return map(deal_values, self._select(flt))

    def _select(self, flt: DealFilter) -> Cursor:
        params: dict[str, Any] = {}
        where = deal_where(self.conn, flt, params)
        sql = DEAL_SELECT
        if where:
            sql += " WHERE " + " AND ".join(where)
        direction = " DESC" if flt.descending else ""
        if flt.sort == "id":
            # the number is never NULL: rowid order, so a LIMIT reads only that many rows
            sql += f" ORDER BY d.id{direction}"
        else:
            order = ", ".join(
                f"{col} IS NULL, {col}{direction}" for col in SORT_COLUMNS[flt.sort].split(", ")
            )
            sql += f" ORDER BY {order}, d.id{direction}"
        if flt.limit is not None:
            sql += " LIMIT :limit"
            params["limit"] = flt.limit
        return self.conn.execute(sql, params)

    def insert(self, uuid: str, values: dict[str, Any]) -> int:
        bad = set(values) - set(DEAL_COLUMNS)
        if bad:
            raise ValueError(f"not deal columns: {bad}")
        cols = ["uuid", *values]
        sql = (
            f"INSERT INTO deals ({', '.join(cols)}) VALUES ({', '.join(':' + c for c in cols)}) "
            "RETURNING id"
        )
        return int(self.conn.execute(sql, {"uuid": uuid, **values}).fetchone()[0])

    def update(self, deal_id: int, values: dict[str, Any]) -> None:
        _check_columns(values)
        sets = ", ".join(f"{col} = :{col}" for col in values)
        self.conn.execute(f"UPDATE deals SET {sets} WHERE id = :id", {**values, "id": deal_id})
        if "stage_id" in values or "pipeline_id" in values:
            self.refresh_furthest("id = :id", {"id": deal_id})

    def add_tags(self, deal_id: int, tags: list[str]) -> None:
        self.conn.executemany(
            "INSERT INTO deal_tags (deal_id, tag) VALUES (:d, :t) ON CONFLICT DO NOTHING",
            [{"d": deal_id, "t": t} for t in tags],
        )

    def remove_tags(self, deal_id: int, tags: list[str]) -> None:
        self.conn.executemany(
            "DELETE FROM deal_tags WHERE deal_id = :d AND tag = :t",
            [{"d": deal_id, "t": t} for t in tags],
        )

    def set_fields(self, deal_id: int, values: dict[str, str]) -> None:
        self.conn.executemany(
            "INSERT INTO deal_fields (deal_id, key, value) VALUES (:d, :k, :v) "
            "ON CONFLICT (deal_id, key) DO UPDATE SET value = excluded.value",
            [{"d": deal_id, "k": k, "v": v} for k, v in values.items()],
        )

    def remove_fields(self, deal_id: int, keys: list[str]) -> None:
        self.conn.executemany(
            "DELETE FROM deal_fields WHERE deal_id = :d AND key = :k",
            [{"d": deal_id, "k": k} for k in keys],
        )

    def delete(self, deal_id: int) -> None:
        self.conn.execute("DELETE FROM deals WHERE id = :id", {"id": deal_id})

    # -- history ---------------------------------------------------------

    def append_event(
        self,
        deal_id: int,
        *,
        from_stage: tuple[int, str] | None,
        to_stage: tuple[int, str],
        at: str,
        note: str | None,
        recorded_at: str,
        set_deal: dict[str, Any] | None = None,
        read_back: bool = False,
    ) -> Deal | None:
        """Append one stage event and keep stage_stays in step with it, then
        set the deal's columns `set_deal` (where the event puts it) and its
        furthest stage, in one UPDATE. With `read_back`, returns the deal as
        it is then.

        A stay ends when the deal leaves the stage or closes in it; reopening
        starts a new stay. The statements (and the read back) go together
        (dialect.batch).
        """
        read: Callable[[], Deal | None] = lambda: None  # noqa: E731
        with batch(self.conn):
            self.conn.execute(
                "INSERT INTO stage_events (deal_id, from_stage_id, from_status, to_stage_id, "
                "to_status, at, note, recorded_at) VALUES (:deal, :fs, :fst, :ts, :tst, :at, "
                ":note, :rec)",
                {
                    "deal": deal_id,
                    "fs": from_stage[0] if from_stage else None,
                    "fst": from_stage[1] if from_stage else None,
                    "ts": to_stage[0],
                    "tst": to_stage[1],
                    "at": at,
                    "note": note,
                    "rec": recorded_at,
                },
            )
            was_open = from_stage is not None and from_stage[1] == "open"
            now_open = to_stage[1] == "open"
            if was_open and (not now_open or from_stage[0] != to_stage[0]):  # type: ignore[index]
                self.conn.execute(
                    "UPDATE stage_stays SET left_at = :at, "
                    "days = julianday(:at) - julianday(entered_at) "
                    "WHERE deal_id = :deal AND left_at IS NULL",
                    {"at": at, "deal": deal_id},
                )
            if now_open and not (was_open and from_stage[0] == to_stage[0]):  # type: ignore[index]
                self.conn.execute(
                    "INSERT INTO stage_stays (deal_id, stage_id, entered_at) VALUES (:d, :s, :at)",
                    {"d": deal_id, "s": to_stage[0], "at": at},
                )
            values = set_deal or {}
            _check_columns(values)
            sets = "".join(f"{col} = :{col}, " for col in values)
            # SET sees the row as it was: the furthest stage is of the pipeline it is now in
            pipeline = ":pipeline_id" if "pipeline_id" in values else "deals.pipeline_id"
            furthest = FURTHEST_STAGE.replace("deals.pipeline_id", pipeline)
            self.conn.execute(
                f"UPDATE deals SET {sets}furthest_stage_id = {furthest} WHERE id = :id",
                {**values, "id": deal_id},
            )
            if read_back:
                read = self.get_later(deal_id)
        return read()

    def refresh_furthest(self, where: str, params: dict[str, Any]) -> None:
        """Recompute deals.furthest_stage_id for the deals matching `where`."""
        self.conn.execute(
            f"UPDATE deals SET furthest_stage_id = {FURTHEST_STAGE} WHERE {where}", params
        )

    def last_event_at(self, deal_id: int) -> str | None:
        row = self.conn.execute(
            "SELECT max(at) FROM stage_events WHERE deal_id = :id", {"id": deal_id}
        ).fetchone()
        return None if row is None else row[0]

    def history(self, deal_id: int) -> list[HistoryEntry]:
        from funnelcli.details import HistoryEntry

        rows = self.conn.execute(
            """SELECT CASE WHEN e.from_status = 'open' THEN fs.name ELSE e.from_status END,
                      CASE WHEN e.to_status = 'open' THEN ts.name ELSE e.to_status END,
                      e.at, e.note, h.from_owner, h.to_owner, h.handed_by
               FROM stage_events e
               LEFT JOIN handoffs h ON h.deal_id = e.deal_id AND h.event_id = e.id
               LEFT JOIN stages fs ON fs.id = e.from_stage_id
               JOIN stages ts ON ts.id = e.to_stage_id
               WHERE e.deal_id = :id ORDER BY e.at, e.id""",
            {"id": deal_id},
        )
        return [HistoryEntry(*row) for row in rows]

    def insert_activity(
        self, deal_id: int, kind: str, note: str | None, at: str, recorded_at: str
    ) -> None:
        """A touch (or note) on the deal, and its last touch moved on; nothing
        read back, so it can go in a batch."""
        self.conn.execute(
            "INSERT INTO activities (deal_id, kind, note, at, recorded_at) "
            "VALUES (:d, :k, :n, :at, :rec)",
            {"d": deal_id, "k": kind, "n": note, "at": at, "rec": recorded_at},
        )
        if kind != "note":  # the last touch: an internal note is no contact
            self.conn.execute(
                "UPDATE deals SET last_activity_at = :at WHERE id = :d "
                "AND (last_activity_at IS NULL OR last_activity_at < :at)",
                {"d": deal_id, "at": at},
            )

    def activities(self, deal_id: int) -> list[Activity]:
        from funnelcli.details import Activity

        rows = self.conn.execute(
            "SELECT id, kind, note, at FROM activities WHERE deal_id = :id ORDER BY at, id",
            {"id": deal_id},
        )
        return [Activity(*row) for row in rows]
