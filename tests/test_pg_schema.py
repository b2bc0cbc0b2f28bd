"""The team schema (store/pg_schema.py) is SQLite's schema version 8 on
PostgreSQL: the same tables, columns, keys and indexes, the same change notes
for `funnel undo`, the same calendar functions, and a migration that is safe
to run twice, or twice at once."""

from __future__ import annotations

import json
import random
import sqlite3
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from funnelcli.clock import tz_for
from funnelcli.errors import StorageError
from funnelcli.schema import SCHEMA_VERSION, UNDO_TABLES
from funnelcli.store import Store
from funnelcli.store.pg_schema import MIGRATIONS, PG_SCHEMA_VERSION, migrate
from funnelcli.store.zone import _julianday, _zone_date

psycopg = pytest.importorskip("psycopg")

V = PG_SCHEMA_VERSION  # the version migrate() brings a database to

pytestmark = pytest.mark.postgres

NOW = datetime(2026, 11, 23, 10, 15)
SQLITE_ONLY = {"_sqlite_migrations", "sqlite_sequence"}


def _pg(url: str) -> Any:
    return psycopg.connect(url, autocommit=True)


def _migrated(url: str) -> Any:
    conn = _pg(url)
    migrate(conn)
    return conn


def _sqlite(tmp_path: Path) -> sqlite3.Connection:
    """A fresh database made by funnelcli itself, opened raw."""
    path = tmp_path / "funnel.db"
    store = Store.open(path, for_write=True, now=NOW)
    store.conn.close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


# -- 1. the same schema ------------------------------------------------------


def _sqlite_schema(conn: sqlite3.Connection) -> dict[str, Any]:
    tables = [
        r[0]
        for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if r[0] not in SQLITE_ONLY
    ]
    columns = {}
    uniques = set()
    indexes = set()
    fks = set()
    for t in tables:
        columns[t] = [
            # a primary key column can't be NULL (INTEGER PRIMARY KEY, WITHOUT ROWID)
            (name, type_, bool(notnull or pk), default)
            for _, name, type_, notnull, default, pk in conn.execute(f"PRAGMA table_info({t})")
        ]
        for _, name, unique, origin, partial in conn.execute(f"PRAGMA index_list({t})"):
            cols = tuple(r[2] for r in conn.execute(f"PRAGMA index_info({name})"))
            if origin == "c":
                indexes.add((t, name, cols, bool(unique), bool(partial)))
            else:
                uniques.add((t, "p" if origin == "pk" else "u", cols))
        pk = tuple(
            r[1]
            for r in sorted(conn.execute(f"PRAGMA table_info({t})"), key=lambda r: r[5])
            if r[5]
        )
        uniques.add((t, "p", pk))  # a rowid table's INTEGER PRIMARY KEY has no index
        by_id: dict[int, list[Any]] = {}
        for fid, _, ref, src, dst, _, on_delete, _ in conn.execute(f"PRAGMA foreign_key_list({t})"):
            by_id.setdefault(fid, []).append((ref, src, dst, on_delete))
        for parts in by_id.values():
            fks.add(
                (
                    t,
                    tuple(p[1] for p in parts),
                    parts[0][0],
                    tuple(p[2] for p in parts),
                    parts[0][3],
                )
            )
    triggers = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    return {
        "tables": set(tables),
        "columns": columns,
        "uniques": uniques,
        "indexes": indexes,
        "fks": fks,
        "triggers": triggers,
    }


_PG_TYPES = {"bigint": "INTEGER", "text": "TEXT", "double precision": "REAL"}


def _pg_schema(conn: Any) -> dict[str, Any]:
    tables = {
        r[0]
        for r in conn.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema() "
            "AND table_name NOT IN ('funnel_schema', 'funnel_ids')"
        )
    }
    columns = {}
    for t in tables:
        rows = conn.execute(
            "SELECT column_name, data_type, is_nullable, column_default, collation_name "
            "FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = %s ORDER BY ordinal_position",
            (t,),
        ).fetchall()
        for name, type_, _, _, collation in rows:
            assert collation == ("C" if type_ == "text" else None), (t, name, collation)
        columns[t] = [
            (
                name,
                _PG_TYPES[type_],
                nullable == "NO",
                None if default is None else default.removesuffix("::text"),
            )
            for name, type_, nullable, default, _ in rows
        ]
    cons = conn.execute(
        """SELECT c.conrelid::regclass::text, c.contype, c.conindid,
                  ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
                        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n
                        ORDER BY k.i),
                  c.confrelid::regclass::text,
                  ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
                        JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n
                        ORDER BY k.i),
                  c.confdeltype
           FROM pg_constraint c
           WHERE c.connamespace = current_schema()::regnamespace AND c.contype IN ('p', 'u', 'f')
           AND c.conrelid NOT IN ('funnel_schema'::regclass, 'funnel_ids'::regclass)"""
    ).fetchall()
    uniques = {(t, kind, tuple(cols)) for t, kind, _, cols, *_ in cons if kind in "pu"}
    deltype = {"a": "NO ACTION", "c": "CASCADE"}
    fks = {
        (t, tuple(cols), ref, tuple(refcols), deltype[on_delete])
        for t, kind, _, cols, ref, refcols, on_delete in cons
        if kind == "f"
    }
    backing = {indid for _, kind, indid, *_ in cons if kind in "pu"}
    indexes = set()
    # an expression's column (attnum 0) is NULL, as SQLite's index_info names it
    for t, name, indid, unique, partial, cols in conn.execute(
        """SELECT i.indrelid::regclass::text, c.relname::text, i.indexrelid, i.indisunique,
                  i.indpred IS NOT NULL,
                  ARRAY(SELECT a.attname::text FROM unnest(i.indkey) WITH ORDINALITY k(n, o)
                        LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n
                        ORDER BY k.o)
           FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
           WHERE c.relnamespace = current_schema()::regnamespace
           AND i.indrelid NOT IN ('funnel_schema'::regclass, 'funnel_ids'::regclass)"""
    ):
        if indid not in backing:
            indexes.add((t, name, tuple(cols), unique, partial))
    triggers = {
        r[0]
        for r in conn.execute(
            "SELECT tgname::text FROM pg_trigger WHERE NOT tgisinternal "
            "AND tgrelid::regclass::text <> 'funnel_schema'"
        )
    }
    return {
        "tables": tables,
        "columns": columns,
        "uniques": uniques,
        "indexes": indexes,
        "fks": fks,
        "triggers": triggers,
    }


def test_same_schema_as_sqlite(pg_url: str, tmp_path: Path) -> None:
    lite = _sqlite(tmp_path)
    assert lite.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 11
    with _migrated(pg_url) as pg:
        want, got = _sqlite_schema(lite), _pg_schema(pg)
        # m011 / pg m006: the won deals by close time, the id INCLUDEd on
        # PostgreSQL (SQLite's rowid is the id in every index)
        won = ("status", "closed_at", "currency", "created_at")
        want["indexes"].remove(("deals", "deals_won", won, False, True))
        got["indexes"].remove(("deals", "deals_won", (*won, "id"), False, True))
        for part in ("tables", "columns", "uniques", "indexes", "fks"):
            assert got[part] == want[part], part
        # and more: a deal's rows go (and are noted) before it, see test 2;
        # deal and change numbers counted in funnel_ids (SQLite's sqlite_sequence)
        assert got["triggers"] == want["triggers"] | {
            "deals_rows_first",
            "deals_next_id",
            "changes_next_id",
            "deals_ids_given",
            "changes_ids_given",
        }
        # every CHECK (SQLite keeps them only in its CREATE text)
        checks = sum(
            sql.count("CHECK (")
            for (sql,) in lite.execute("SELECT sql FROM sqlite_master WHERE type = 'table'")
        )
        pg_checks = pg.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'c' "
            "AND connamespace = current_schema()::regnamespace ORDER BY 1"
        ).fetchall()
        assert len(pg_checks) == checks == 8
        assert ("CHECK (((probability >= 0) AND (probability <= 100)))",) in pg_checks
        # what a glance at the parts could miss
        assert ("stages", "stages_key", ("pipeline_id", "key"), True, True) in got["indexes"]
        # m010 / pg m005: the stays by leave time (days INCLUDEd on PostgreSQL,
        # a third column on SQLite), the hand-offs by folded receiver
        left = ("stage_stays", "stage_stays_left", ("stage_id", "left_at", "days"), False, False)
        assert left in got["indexes"]
        assert ("handoffs", "handoffs_to", (None, "id"), False, False) in got["indexes"]
        lite_to = lite.execute("SELECT sql FROM sqlite_master WHERE name = 'handoffs_to'")
        pg_to = pg.execute("SELECT pg_get_indexdef('handoffs_to'::regclass)")
        assert "(lower(to_owner), id)" in lite_to.fetchone()[0]
        assert "(lower(to_owner), id)" in pg_to.fetchone()[0]
        assert ("deal_tags", ("deal_id",), "deals", ("id",), "CASCADE") in got["fks"]
        assert len(got["tables"]) == 13
        # ids by default from a sequence, as AUTOINCREMENT: never given again
        pg.execute(
            "INSERT INTO changes (at, who, command) VALUES ('x', 'me', 'a'), ('x', 'me', 'b')"
        )
        pg.execute("DELETE FROM changes WHERE id = 2")
        row = pg.execute(
            "INSERT INTO changes (at, who, command) VALUES ('x', 'me', 'c') RETURNING id, open"
        ).fetchone()
        assert row == (3, 1)
        # a CHECK, and text compared bytewise as SQLite's BINARY
        with pytest.raises(psycopg.errors.CheckViolation):
            pg.execute(
                "INSERT INTO pipelines (uuid, name, key, created_at) VALUES ('u', 'n', 'k', 'c');"
                "INSERT INTO stages (pipeline_id, name, key, position, probability, rot_days, "
                "cadence_days) VALUES (1, 'n', 'k', 1, 101, 1, 0)"
            )
        assert pg.execute("SELECT 'Z' < 'a' AND '2026-01-01T10' < '2026-01-01T9'").fetchone()[0]
        # stage history is append-only there too
        stage_events_update = pg.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgname = 'stage_events_append_only'"
        ).fetchone()
        assert stage_events_update == (1,)


# -- 2. the same change notes ------------------------------------------------

T0 = "2026-01-01T00:00:00Z"
TITLE = 'Acme "big" \\ deal\n\tzażółć \u0001 €'
CHANGE_SQL: list[tuple[str, tuple[Any, ...]]] = [
    ("DELETE FROM change_rows", ()),
    ("DELETE FROM changes", ()),
    ("INSERT INTO changes (id, at, who, command) VALUES (?, ?, ?, ?)", (5, "t", "me", "test")),
    (
        "INSERT INTO pipelines (id, uuid, name, key, created_at) VALUES (?, ?, ?, ?, ?)",
        (10, "p-uuid", "Sales ✓", "sales-x", "2026-01-01T00:00:00Z"),
    ),
    (
        "INSERT INTO stages (id, pipeline_id, name, key, position, probability, rot_days, "
        "cadence_days) VALUES (?, ?, ?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?, ?, ?)",
        (20, 10, "Lead", "lead", 1, 10, 14, 3, 21, 10, "Won", "won", 2, 100, 30, 0),
    ),
    (
        "INSERT INTO deals (id, uuid, title, value, currency, owner, pipeline_id, stage_id, "
        "stage_entered_at, created_at, updated_at, furthest_stage_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (30, "d-uuid", TITLE, 123456789, "EUR", "ann", 10, 20, *[T0] * 3, 20),
    ),
    ("INSERT INTO deal_tags (deal_id, tag) VALUES (?, ?), (?, ?)", (30, "hot", 30, "vip")),
    (
        "INSERT INTO deal_fields (deal_id, key, value) VALUES (?, ?, ?), (?, ?, ?)",
        (30, "region", "EMEA", 30, "size", "L"),
    ),
    (
        "INSERT INTO stage_events (id, deal_id, from_stage_id, from_status, to_stage_id, "
        "to_status, at, note, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (40, 30, None, None, 20, "open", "2026-01-01T00:00:00Z", None, "2026-01-01T00:00:00Z"),
    ),
    (
        "INSERT INTO stage_stays (id, deal_id, stage_id, entered_at, left_at, days) "
        "VALUES (?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?)",
        (
            *(50, 30, 20, "2026-01-01T00:00:00Z", "2026-01-04T00:00:00Z", 3.0),
            *(51, 30, 21, "2026-01-04T00:00:00Z", "2026-01-04T08:00:00Z", 1.0 / 3),
            *(52, 30, 20, "2026-01-04T08:00:00Z", None, None),
        ),
    ),
    (
        "INSERT INTO activities (id, deal_id, kind, note, at, recorded_at) "
        "VALUES (?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?)",
        (
            *(60, 30, "call", "said \"yes\" 'maybe'", "2026-01-02", "2026-01-02T09:00:00Z"),
            *(61, 30, "note", None, "2026-01-01T12:00:00Z", "2026-01-02T09:00:00Z"),
        ),
    ),
    ("INSERT INTO settings (key, value) VALUES (?, ?)", ("test.key", "one")),
    # m009 / team schema pg_m004: a stage's owner, a hand-off, a receiver's look
    ("UPDATE stages SET owner = ? WHERE id = ?", ("bob ✓", 21)),
    (
        "INSERT INTO handoffs (id, deal_id, event_id, from_stage_id, to_stage_id, from_owner, "
        "to_owner, handed_by, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            *(70, 30, 40, None, 20, "ann", "bob ✓", "me", T0),
            *(71, 30, 40, 20, 21, "bob ✓", TITLE, "me", "2026-01-04T00:00:00Z"),
        ),
    ),
    ("INSERT INTO inbox_seen (owner, last_seen) VALUES (?, ?)", ("bob ✓", 70)),
    ("UPDATE inbox_seen SET last_seen = ? WHERE owner = ?", (71, "bob ✓")),
    ("UPDATE handoffs SET handed_by = ? WHERE id = ?", ("you", 70)),
    ("UPDATE settings SET value = ? WHERE key = ?", ("two", "test.key")),
    (
        "UPDATE deals SET title = ?, value = ?, status = ?, snoozed_until = ? WHERE id = ?",
        ("Renamed", 0, "won", "2026-02-01", 30),
    ),
    ("UPDATE stage_stays SET days = ? WHERE id = ?", (2.5, 50)),
    ("UPDATE deal_fields SET value = ? WHERE deal_id = ? AND key = ?", ("APAC", 30, "region")),
    ("UPDATE activities SET note = ? WHERE id = ?", ("edited", 60)),
    ("DELETE FROM deal_tags WHERE tag = ?", ("vip",)),
    ("DELETE FROM deals WHERE id = ?", (30,)),  # the rest goes with it (cascade)
    ("DELETE FROM settings WHERE key = ?", ("test.key",)),
    ("UPDATE changes SET open = 0", ()),
    # no open change: nothing noted
    (
        "INSERT INTO pipelines (id, uuid, name, key, created_at) VALUES (?, ?, ?, ?, ?)",
        (11, "p2", "Other", "other", "t"),
    ),
    ("UPDATE changes SET open = 2", ()),  # quiet (a bulk import): nothing noted either
    ("DELETE FROM pipelines WHERE id = ?", (11,)),
]
NOTES = "SELECT change_id, tbl, op, key, old FROM change_rows ORDER BY id"


def test_same_change_notes_as_sqlite(pg_url: str, tmp_path: Path) -> None:
    lite = _sqlite(tmp_path)
    for sql, params in CHANGE_SQL:
        lite.execute(sql, params)
    want = lite.execute(NOTES).fetchall()
    with _migrated(pg_url) as pg:
        for sql, params in CHANGE_SQL:
            pg.execute(sql.replace("?", "%s"), params)
        got = pg.execute(NOTES).fetchall()

    def loaded(rows: list[Any]) -> list[Any]:
        return [
            (c, t, op, json.loads(k), None if o is None else json.loads(o))
            for c, t, op, k, o in rows
        ]

    assert loaded(got) == loaded(want)
    assert [tuple(map(type, r[3].values())) for r in loaded(got)] == [
        tuple(map(type, r[3].values())) for r in loaded(want)
    ]
    assert [None if r[4] is None else tuple(map(type, r[4].values())) for r in loaded(got)] == [
        None if r[4] is None else tuple(map(type, r[4].values())) for r in loaded(want)
    ]
    # the very text (`mine.key = later.key` compares it), doubles included
    assert got == want
    # what the sequence should have noted: every table, the cascade's rows
    # before the deal's own (undo replays backwards: the deal comes back first)
    ops = [(t, op) for _, t, op, *_ in got]
    assert set(t for t, _ in ops) == set(UNDO_TABLES)
    deal_delete = ops.index(("deals", "delete"))
    assert ops[deal_delete - 11 : deal_delete + 1] == [
        ("handoffs", "delete"),
        ("handoffs", "delete"),
        ("activities", "delete"),
        ("activities", "delete"),
        ("stage_stays", "delete"),
        ("stage_stays", "delete"),
        ("stage_stays", "delete"),
        ("stage_events", "delete"),
        ("deal_fields", "delete"),
        ("deal_fields", "delete"),
        ("deal_tags", "delete"),
        ("deals", "delete"),
    ]
    assert len(got) == 40
    stay = next(o for _, t, op, k, o in got if t == "stage_stays" and '"id":51' in k and o)
    assert json.loads(stay)["days"] == float("0.333333333333333")


# -- 3. the calendar ---------------------------------------------------------

ZONES = ["UTC", "America/New_York", "Europe/Warsaw", "Pacific/Kiritimati"]
VALUES: list[str | None] = [
    # bare dates
    "2026-01-01",
    "2024-02-29",
    "1970-01-01",
    "0001-01-01",
    "9999-12-31",
    # naive timestamps: wall time as written
    "2026-03-08T02:30:00",
    "2026-03-29 02:30:00",
    "2026-07-01T23:59:59",
    "2026-07-01T10",
    "2026-07-01T10:05",
    # with fractions (whole milliseconds, rounded down)
    "2026-07-01T10:05:00.5",
    "2026-07-01T10:05:00.123",
    "2026-07-01T10:05:00.1239",
    "2026-07-01T10:05:00.999999",
    "2026-07-01T10:05:00.1234567",
    "2026-07-01T10:05:00,25",
    "2026-07-01T23:59:59.9999Z",
    # instants across the changes of the clocks
    "2025-03-09T06:59:59Z",
    "2025-03-09T07:00:00Z",
    "2025-11-02T05:30:00Z",
    "2025-11-02T06:30:00Z",
    "2025-03-30T00:59:59Z",
    "2025-03-30T01:00:00Z",
    "2025-10-26T00:30:00Z",
    "2025-10-26T01:30:00.250Z",
    "1994-12-30T09:59:59Z",
    "1994-12-30T10:00:00Z",
    "2026-06-30T10:30:00Z",
    "2026-12-31T23:00:00Z",
    # offsets
    "2026-06-30T23:30:00+02:00",
    "2026-06-30T01:30:00-05:30",
    "2026-06-30T01:30:00+0530",
    "2026-06-30T01:30:00+02",
    "2026-06-30T01:30:00-00:00",
    "2026-06-30T01:30:00.75+02:00",
    # past the ends of Python's datetimes once in the zone
    "0001-01-01T00:00:00Z",
    "9999-12-31T20:00:00Z",
    "9999-12-31T23:00:00-05:00",
    # not readable
    "",
    "junk",
    "now",
    "2026-02-29",
    "2026-13-01",
    "2026-00-10",
    "2026-01-01T24:00:00",
    "2026-01-01T10:60",
    "2026-01-01T10:00:60",
    "0000-01-01",
    "2026-1-1",
    "2026-01-01Z",
    " 2026-01-01",
    "2026-01-01T10:00:00.",
    "2026-01-01T10:00:00+24:00",
    "2026-01-01T10:00:00+2:00",
    None,
]


@pytest.mark.parametrize("zone", ZONES)
def test_calendar_functions_as_zone_py(pg_url: str, zone: str) -> None:
    julianday, zone_date = _julianday(tz_for(zone)), _zone_date(tz_for(zone))
    with _migrated(pg_url) as pg:
        pg.execute(f"SET TIME ZONE '{zone}'")
        got = [pg.execute("SELECT julianday(%s), zone_date(%s)", (v, v)).fetchone() for v in VALUES]
        want = [(julianday(v), zone_date(v)) for v in VALUES]
        assert {v: g for v, g in zip(VALUES, got, strict=True)} == {
            v: w for v, w in zip(VALUES, want, strict=True)
        }
        # and readable values are read (the list is not all NULLs)
        assert sum(g[0] is not None for g in got) >= 35
        assert pg.execute("SELECT julianday(2460000.25), julianday(3)").fetchone() == (
            julianday(2460000.25),
            julianday(3),
        )
        # a column of them, as reports use it
        pg.execute("CREATE TEMP TABLE t (at text)")
        pg.execute("INSERT INTO t VALUES ('2025-03-09T07:00:00Z'), ('2025-03-08T07:00:00Z')")
        days = pg.execute("SELECT max(julianday(at)) - min(julianday(at)) FROM t").fetchone()[0]
        assert days == julianday("2025-03-09T07:00:00Z") - julianday("2025-03-08T07:00:00Z")


@pytest.mark.parametrize("zone", ZONES)
def test_calendar_reads_the_stores_own_forms_as_zone_py(pg_url: str, zone: str) -> None:
    """Schema 2 reads `YYYY-MM-DDTHH:MM:SSZ` and `YYYY-MM-DD` by position:
    thousands of them, possible and impossible dates, as Python does."""
    rng = random.Random(zone)
    values = []
    for _ in range(2000):
        y = rng.choice([1, 2, 1999, 2016, 2024, 2026, 9999])
        mo, d = rng.randint(0, 13), rng.randint(0, 32)
        h, mi, sec = rng.randint(0, 24), rng.randint(0, 60), rng.randint(0, 60)
        values += [
            f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{sec:02d}Z",
            f"{y:04d}-{mo:02d}-{d:02d}",
        ]
    julianday, zone_date = _julianday(tz_for(zone)), _zone_date(tz_for(zone))
    with _migrated(pg_url) as pg:
        pg.execute(f"SET TIME ZONE '{zone}'")
        rows = pg.execute(
            "SELECT v, julianday(v), zone_date(v) FROM unnest(%s::text[]) AS v", (values,)
        ).fetchall()
    assert {v: (jd, day) for v, jd, day in rows} == {
        v: (julianday(v), zone_date(v)) for v in values
    }
    assert sum(jd is not None for _, jd, _ in rows) > len(values) / 4


def test_calendar_reads_a_subset_of_python_and_never_differs(pg_url: str) -> None:
    """Python's fromisoformat reads more forms (basic YYYYMMDD and HHMM, any
    separator, offsets with seconds): those are NULL there, never another
    number; everything the store writes is in the subset."""
    dates = ["2026-03-08", "2026-11-01", "2024-02-29", "20260308", "2026-W10-1", "2026-3-8"]
    seps = ["T", " ", "x", ""]
    times = ["02", "02:30", "02:30:15", "02:30:15.5", "02:30:15.1234567", "0230", "02:30.5"]
    offsets = ["", "Z", "z", " Z", "+01:00", "-04:00", "+0100", "+01", "+01:00:30", "-00:00"]
    values = sorted(
        set(dates) | {d + s + t + o for d in dates for s in seps for t in times for o in offsets}
    )
    zone = "America/New_York"
    julianday, zone_date = _julianday(tz_for(zone)), _zone_date(tz_for(zone))
    with _migrated(pg_url) as pg:
        pg.execute(f"SET TIME ZONE '{zone}'")
        rows = pg.execute(
            "SELECT v, julianday(v), zone_date(v) FROM unnest(%s::text[]) AS v", (values,)
        ).fetchall()
    assert len(rows) == len(values)
    read = 0
    for v, jd, day in rows:
        if jd is None:
            assert day is None, v
        else:
            read += 1
            assert (jd, day) == (julianday(v), zone_date(v)), v
    assert read >= 200
    python_only = ["20260308", "2026-03-08T0230", "2026-03-08x02:30", "2026-03-08T02:30+01:00:30"]
    assert all(julianday(v) is not None for v in python_only)
    assert [r[1] for r in rows if r[0] in python_only] == [None] * len(python_only)


def test_calendar_follows_the_session_zone(pg_url: str) -> None:
    with _migrated(pg_url) as pg:
        seen = []
        for zone in ("America/New_York", "Pacific/Kiritimati"):
            pg.execute(f"SET TIME ZONE '{zone}'")
            seen.append(pg.execute("SELECT zone_date('2026-06-30T12:00:00Z')").fetchone()[0])
        assert seen == ["2026-06-30", "2026-07-01"]
        volatility = dict(
            pg.execute(
                "SELECT p.oid::regprocedure::text, p.provolatile FROM pg_proc p "
                "WHERE p.proname IN ('julianday', 'zone_date')"
            ).fetchall()
        )
        assert volatility == {
            "julianday(text)": "s",
            "julianday(double precision)": "i",
            "zone_date(text)": "s",
        }


# -- 4. migrate --------------------------------------------------------------


def _tables(pg: Any) -> list[str]:
    return [
        r[0]
        for r in pg.execute(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"
        )
    ]


def test_migrate_sets_the_version_and_is_idempotent(pg_url: str) -> None:
    assert PG_SCHEMA_VERSION == len(MIGRATIONS) == 6
    with _pg(pg_url) as pg:
        assert _tables(pg) == []
        assert migrate(pg) == (0, V)
        assert pg.execute("SELECT version FROM funnel_schema").fetchall() == [(V,)]
        tables = _tables(pg)
        assert migrate(pg) == (V, V)
        assert pg.execute("SELECT version FROM funnel_schema").fetchall() == [(V,)]
        assert _tables(pg) == tables
        assert not pg.info.transaction_status  # committed, idle
        # nothing seeded: the caller does that
        assert pg.execute("SELECT count(*) FROM pipelines").fetchone() == (0,)
        with pytest.raises(psycopg.errors.UniqueViolation):
            pg.execute("INSERT INTO funnel_schema (version) VALUES (%s)", (V,))
    with psycopg.connect(pg_url) as other:  # not autocommit: migrate commits
        assert migrate(other) == (V, V)


def test_migrate_commits_in_a_non_autocommit_connection(pg_url: str) -> None:
    with psycopg.connect(pg_url) as pg:
        pg.execute("SELECT 1")  # a transaction begun: not migrate's own
        with pytest.raises(ValueError, match="outside any transaction"):
            migrate(pg)
        pg.rollback()
        assert migrate(pg) == (0, V)
        assert not pg.info.transaction_status  # committed, idle
    with _pg(pg_url) as pg:
        assert pg.execute("SELECT version FROM funnel_schema").fetchone() == (V,)


def test_migrate_refuses_a_newer_schema(pg_url: str) -> None:
    with _migrated(pg_url) as pg:
        pg.execute("UPDATE funnel_schema SET version = 7")
        with pytest.raises(StorageError) as e:
            migrate(pg)
        assert "7" in e.value.message and str(PG_SCHEMA_VERSION) in e.value.message
        assert "newer" in e.value.message
        assert pg.execute("SELECT version FROM funnel_schema").fetchone() == (7,)


def test_migrate_refuses_a_foreign_database(pg_url: str) -> None:
    with _pg(pg_url) as pg:
        pg.execute("CREATE TABLE invoices (id int)")
        with pytest.raises(StorageError) as e:
            migrate(pg, name="the team db")
        assert e.value.message == (
            "the team db is a PostgreSQL database, but not a funnelcli one: it holds other "
            "tables; give funnelcli an empty database of its own (e.g. `createdb sales`)"
        )
        assert _tables(pg) == ["invoices"]  # nothing made
        assert pg.execute("SELECT to_regproc('julianday')").fetchone() == (None,)


def test_a_failed_migration_leaves_nothing(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from funnelcli.store import pg_schema

    broken = ((*MIGRATIONS[0], "SELECT no_such_function()"),)
    monkeypatch.setattr(pg_schema, "MIGRATIONS", broken)
    with _pg(pg_url) as pg:
        with pytest.raises(psycopg.errors.UndefinedFunction):
            migrate(pg)
        assert _tables(pg) == []


def test_a_schema_1_database_is_brought_to_2(pg_url: str) -> None:
    """A team database made before schema 2 gets its functions' new bodies
    (schema 2's and 3's); its numbers and its calendar go on as they were."""
    from funnelcli.store import pg_schema

    with _pg(pg_url) as pg:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(pg_schema, "MIGRATIONS", MIGRATIONS[:1])
            mp.setattr(pg_schema, "PG_SCHEMA_VERSION", 1)
            assert migrate(pg) == (0, 1)
        pg.execute("INSERT INTO changes (at, who, command) VALUES ('t', 'w', 'c')")
        pg.execute("INSERT INTO settings (key, value) VALUES ('timezone', 'Asia/Tokyo')")
    # the first command that opens it migrates it, and reads its zone
    from funnelcli.store.pg import open_database

    zones: list[str | None] = []
    conn = open_database(pg_url, busy_timeout_s=5, on_zone=zones.append)
    try:
        assert conn.execute("SELECT version FROM funnel_schema").fetchone() == (V,)
        assert conn.execute("SELECT current_setting('TimeZone')").fetchone() == ("Asia/Tokyo",)
        assert zones == ["Asia/Tokyo"]
    finally:
        conn.close()
    with _pg(pg_url) as pg:
        assert migrate(pg) == (V, V)
        assert pg.execute("SELECT version FROM funnel_schema").fetchone() == (V,)
        pg.execute("INSERT INTO changes (id, at, who, command) VALUES (7, 't', 'w', 'c')")
        row = pg.execute(
            "INSERT INTO changes (at, who, command) VALUES ('t', 'w', 'c') RETURNING id"
        ).fetchone()
        assert row == (8,)  # past the one given its number
        pg.execute("SET TIME ZONE 'America/New_York'")
        got = pg.execute(
            "SELECT julianday('2025-03-10T04:00:00Z') - julianday('2025-03-09T05:00:00Z'), "
            "funnel_wall_time_any('2026-01-01T10:00:00+02:00')::text"
        ).fetchone()
        assert got == (1.0, "2026-01-01 03:00:00")


def test_concurrent_migrations_make_one_schema(pg_url: str) -> None:
    conns = [_pg(pg_url) for _ in range(4)]
    start = threading.Barrier(len(conns))
    results: list[Any] = []

    def run(conn: Any) -> None:
        start.wait()
        try:
            results.append(migrate(conn))
        except Exception as exc:  # reported below
            results.append(exc)

    threads = [threading.Thread(target=run, args=(c,)) for c in conns]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    try:
        assert sorted(results) == [(0, V), (V, V), (V, V), (V, V)], results
        pg = conns[0]
        assert pg.execute("SELECT version FROM funnel_schema").fetchall() == [(V,)]
        assert pg.execute(
            "SELECT count(*) FROM pg_proc WHERE proname = 'julianday'"
        ).fetchone() == (2,)
        assert pg.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgname LIKE '%\\_undo\\_%'"
        ).fetchone() == (3 * len(UNDO_TABLES),)
    finally:
        for c in conns:
            c.close()
