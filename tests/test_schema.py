"""The migrated schema is pinned: a change to it must be a new migration and
a deliberate edit here (and in docs/architecture.md via cog)."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
import sqlite_utils

from funnelcli.errors import StorageError
from funnelcli.migrations import migrations
from funnelcli.schema import SCHEMA_VERSION
from funnelcli.store import Store

NOW = datetime(2026, 11, 23, 10, 15)

EXPECTED = {
    "pipelines": {"id": int, "uuid": str, "name": str, "key": str, "created_at": str},
    "stages": {
        "id": int,
        "pipeline_id": int,
        "name": str,
        "key": str,
        "position": int,
        "probability": int,
        "rot_days": int,
        "cadence_days": int,
        "removed_at": str,
        "owner": str,  # m009: who a deal entering the stage is handed to
    },
    "deals": {
        "id": int,
        "uuid": str,
        "external_id": str,
        "title": str,
        "org": str,
        "contact": str,
        "email": str,
        "phone": str,
        "value": int,
        "currency": str,
        "owner": str,
        "pipeline_id": int,
        "stage_id": int,
        "status": str,
        "probability": int,
        "source": str,
        "lost_reason": str,
        "expected_close": str,
        "next_follow_up": str,
        "stage_entered_at": str,
        "created_at": str,
        "updated_at": str,
        "closed_at": str,
        "snoozed_until": str,
        "snooze_reason": str,
        "last_activity_at": str,
        "furthest_stage_id": int,
    },
    "deal_tags": {"deal_id": int, "tag": str},
    "deal_fields": {"deal_id": int, "key": str, "value": str},
    "stage_events": {
        "id": int,
        "deal_id": int,
        "from_stage_id": int,
        "from_status": str,
        "to_stage_id": int,
        "to_status": str,
        "at": str,
        "note": str,
        "recorded_at": str,
    },
    "stage_stays": {
        "id": int,
        "deal_id": int,
        "stage_id": int,
        "entered_at": str,
        "left_at": str,
        "days": float,
    },
    "activities": {
        "id": int,
        "deal_id": int,
        "kind": str,
        "note": str,
        "at": str,
        "recorded_at": str,
    },
    "changes": {
        "id": int,
        "at": str,
        "who": str,
        "command": str,
        "undoes": int,
        "undone_by": int,
        "open": int,
        "pruned_at": str,
        "pruned_rows": str,
    },
    "change_rows": {
        "id": int,
        "change_id": int,
        "tbl": str,
        "op": str,
        "key": str,
        "old": str,
    },
    "_sqlite_migrations": {"id": int, "migration_set": str, "name": str, "applied_at": str},
    "settings": {"key": str, "value": str},  # m008: the database's timezone
    # m009: the conveyor's hand-offs, and how far each receiver has looked
    "handoffs": {
        "id": int,
        "deal_id": int,
        "event_id": int,
        "from_stage_id": int,
        "to_stage_id": int,
        "from_owner": str,
        "to_owner": str,
        "handed_by": str,
        "at": str,
    },
    "inbox_seen": {"owner": str, "last_seen": int},
}


def _open(path: Path) -> sqlite_utils.Database:
    Store.open(path, for_write=True, now=NOW).close()
    return sqlite_utils.Database(path)


def test_schema_after_migrating_from_nothing(tmp_path: Path) -> None:
    db = _open(tmp_path / "f.db")
    tables = {t.name: t.columns_dict for t in db.tables if t.name != "sqlite_sequence"}
    assert tables == EXPECTED
    # Deal numbers are never reused, even after the newest deal is deleted;
    # nor are the ids of any other row undo may bring back.
    for table in (
        "deals",
        "pipelines",
        "stages",
        "stage_events",
        "stage_stays",
        "activities",
        "handoffs",
    ):
        assert "AUTOINCREMENT" in db[table].schema, table


def test_indexes_and_append_only_trigger(tmp_path: Path) -> None:
    db = _open(tmp_path / "f.db")
    indexes = {
        (t.name, tuple(i.columns))
        for t in db.tables
        for i in t.indexes
        if not i.name.startswith("sqlite_autoindex")
    }
    assert {
        ("deals", ("stage_id", "status")),
        ("deals", ("status", "next_follow_up")),
        ("stage_events", ("deal_id", "at", "id")),
        ("stage_stays", ("stage_id", "entered_at")),
    } <= indexes
    # history is append-only; and every undoable table notes its changes (m004)
    from funnelcli.migrations import UNDO_TABLES

    assert sorted(t.name for t in db.triggers) == sorted(
        ["stage_events_append_only"]
        + [f"{table}_undo_{op}" for table in UNDO_TABLES for op in ("insert", "update", "delete")]
    )


def test_user_version_tracks_the_migration_count(tmp_path: Path) -> None:
    db = _open(tmp_path / "f.db")
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert len(migrations._migrations) == SCHEMA_VERSION
    assert [m.name for m in migrations.applied(db)] == [m.name for m in migrations._migrations]


def test_new_database_is_private_and_uses_the_write_ahead_log(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "f.db"
    db = _open(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_history_is_append_only(tmp_path: Path) -> None:
    path = tmp_path / "f.db"
    _open(path)
    conn = sqlite3.connect(path)
    conn.execute(
        "INSERT INTO deals (uuid, title, currency, owner, pipeline_id, stage_id, "
        "stage_entered_at, created_at, updated_at) VALUES ('u', 't', 'USD', 'me', 1, 1, "
        "'x', 'x', 'x')"
    )
    conn.execute(
        "INSERT INTO stage_events (deal_id, to_stage_id, to_status, at, recorded_at) "
        "VALUES (1, 1, 'open', 'x', 'x')"
    )
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE stage_events SET note = 'rewritten'")


def test_reads_of_a_missing_file_create_nothing(tmp_path: Path) -> None:
    path = tmp_path / "none.db"
    store = Store.open(path, for_write=False, now=NOW)
    assert [p.name for p in store.pipelines.all()] == ["sales"]
    store.close()
    assert not path.exists()


def test_a_foreign_sqlite_file_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (x)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StorageError, match="not a funnelcli one"):
        Store.open(path, for_write=True, now=NOW)
    assert path.read_bytes() == before


# -- migrations: user_version once, m004's triggers frozen ----------------------

V4_FIXTURE = Path(__file__).resolve().parent / "fixtures" / "schema-v4.sqlite"


def _undo_triggers_in(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    return conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
        "AND name LIKE '%\\_undo\\_%' ESCAPE '\\' ORDER BY rowid"
    ).fetchall()


def test_m004_creates_its_undo_triggers_from_the_text_that_shipped() -> None:
    """Byte for byte what a database m004 migrated holds (the v4 fixture, made
    by funnelcli as it stood then), in the order it created them."""
    from funnelcli.m004_undo_triggers import TRIGGERS

    conn = sqlite3.connect(V4_FIXTURE)
    try:
        shipped = _undo_triggers_in(conn)
    finally:
        conn.close()
    assert len(shipped) == 24
    assert [sql for _, sql in shipped] == list(TRIGGERS)


def test_editing_the_trigger_helper_cannot_change_what_m004_creates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import funnelcli.migrations
    from funnelcli.m004_undo_triggers import TRIGGERS

    def edited(table: str, columns: tuple[str, ...]) -> list[str]:
        raise AssertionError("a migration called the helper")

    monkeypatch.setattr(funnelcli.migrations, "undo_trigger_sql", edited)
    db = _open(tmp_path / "f.db")
    # (m006 rebuilt five of the tables, so their triggers now come later;
    # m008 added settings' own, frozen in m008_settings; m009 made stages' again
    # and added those of handoffs and inbox_seen, frozen in m009_handoffs)
    from funnelcli.m009_handoffs import TRIGGERS as M010

    later = ("settings_", "stages_", "handoffs_", "inbox_seen_")
    found = _undo_triggers_in(db.conn)
    made = [sql for name, sql in found if not name.startswith(later)]
    assert sorted(made) == sorted(t for t in TRIGGERS if " ON stages " not in t)
    settings = [sql for name, sql in found if name.startswith("settings_")]
    assert settings == funnelcli.migrations.M008_SETTINGS_TRIGGERS
    assert sorted(sql for name, sql in found if name.startswith(later[1:])) == sorted(M010)


def test_every_undoable_table_notes_each_of_its_current_columns(tmp_path: Path) -> None:
    """The triggers of today's schema are what `undo_trigger_sql` makes for the
    tables' current columns: a column added without new triggers would be
    missing from the undo notes (and the helper is what a new migration
    freezes its triggers from)."""
    from funnelcli.migrations import UNDO_TABLES, undo_trigger_sql

    db = _open(tmp_path / "f.db")
    triggers = dict(_undo_triggers_in(db.conn))
    assert sorted(triggers) == sorted(
        f"{table}_undo_{op}" for table in UNDO_TABLES for op in ("insert", "update", "delete")
    )
    for table in UNDO_TABLES:
        columns = tuple(c.name for c in db[table].columns)  # type: ignore[union-attr]
        made = undo_trigger_sql(table, columns)
        assert [triggers[f"{table}_undo_{op}"] for op in ("insert", "update", "delete")] == made


def test_a_migration_never_sets_user_version() -> None:
    """Each migration only runs its statements; `migrate` sets the version."""
    db = sqlite_utils.Database(memory=True)
    migrations.apply(db)
    assert [m.name for m in migrations.applied(db)] == [m.name for m in migrations._migrations]
    assert db.execute("PRAGMA user_version").fetchone()[0] == 0


@pytest.mark.parametrize("fixture", [None, 1, 2, 3, 4, 5])
def test_migrate_sets_user_version_once_after_every_migration(
    tmp_path: Path, fixture: int | None
) -> None:
    """From nothing and from each released schema: one `PRAGMA user_version =`
    statement, setting SCHEMA_VERSION, after the last migration's record,
    inside the one transaction."""
    import re
    import shutil

    from funnelcli.store.connection import migrate

    path = tmp_path / "f.db"
    if fixture is not None:
        shutil.copyfile(V4_FIXTURE.with_name(f"schema-v{fixture}.sqlite"), path)
    conn = sqlite3.connect(path, isolation_level=None)
    traced: list[str] = []
    conn.set_trace_callback(traced.append)
    try:
        migrate(conn, str(path), NOW, path=path)
    finally:
        conn.set_trace_callback(None)
    try:
        sets = [i for i, sql in enumerate(traced) if re.match(r"\s*PRAGMA user_version\s*=", sql)]
        assert [traced[i] for i in sets] == [f"PRAGMA user_version = {SCHEMA_VERSION}"]
        recorded = [
            i
            for i, sql in enumerate(traced)
            if re.match(r'INSERT INTO ["[]?_sqlite_migrations', sql)
        ]
        assert len(recorded) == SCHEMA_VERSION - (fixture or 0)
        begin = traced.index("BEGIN IMMEDIATE")
        commit = traced.index("COMMIT")
        assert begin < max(recorded) < sets[0] < commit
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    finally:
        conn.close()


def test_a_store_opened_for_reading_refuses_to_write(tmp_path: Path) -> None:
    """A read connection sets no `foreign_keys` (or `synchronous`) pragma, so a
    write through it would go unchecked: write() refuses it."""
    db = tmp_path / "r.db"
    Store.open(db, for_write=True, now=NOW).close()
    reader = Store.open(db, for_write=False, now=NOW)
    try:
        assert reader.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 0
        with pytest.raises(RuntimeError, match="opened for reading only"), reader.write():
            pass
    finally:
        reader.close()
    writer = Store.open(db, for_write=True, now=NOW)
    try:
        assert writer.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert writer.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    finally:
        writer.close()
