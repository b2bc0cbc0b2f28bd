"""Upgrades: a database written by every released funnelcli opens with today's
code, is migrated forward after a backup beside it, and keeps every deal,
event and touch; one from a newer funnelcli is refused and left alone.

The fixtures in tests/fixtures/ were written by funnelcli itself at the last
commit of each schema version (tests/fixtures/make_fixtures.py says exactly
how); the same scenario replayed with today's code is what a migrated
fixture must look like."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import typer.main

from funnelcli.cli import app
from funnelcli.schema import FURTHEST_STAGE, SCHEMA_VERSION
from helpers import ok

pytestmark = pytest.mark.sqlite_only  # older SQLite schemas migrated, and the copy beside the file

FIXTURES = Path(__file__).resolve().parent / "fixtures"
_spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_fixtures.py")
assert _spec is not None and _spec.loader is not None
make_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_fixtures)

VERSIONS = sorted(make_fixtures.RELEASES)
OLDER = [v for v in VERSIONS if v < SCHEMA_VERSION]
STAMP = "20261123T101500"  # conftest's FUNNEL_NOW, as the backup's name gives it
# What SQLite's backup API rewrites in the copy's header: the file change
# counter (24-27), the schema cookie (40-43, bumped so readers of the copy
# reload the schema) and version-valid-for (92-95). Every other byte is the
# original's.
HEADER_COUNTERS = [*range(24, 28), *range(40, 44), *range(92, 96)]
# The rows a user made, by table, in a stable order; the columns each schema
# had are compared (later migrations only add columns).
TABLES = {
    "pipelines": "id",
    "stages": "id",
    "deals": "id",
    "deal_tags": "deal_id, tag",
    "deal_fields": "deal_id, key",
    "stage_events": "id",
    "stage_stays": "id",
    "activities": "id",
    "sqlite_sequence": "name",
}


def test_every_released_schema_has_a_fixture():
    assert list(range(1, SCHEMA_VERSION)) == OLDER, "add the last release to make_fixtures.py"
    for version in VERSIONS:
        conn = sqlite3.connect(FIXTURES / f"schema-v{version}.sqlite")
        assert conn.execute("PRAGMA user_version").fetchone()[0] == version
        assert conn.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0] == version
        conn.close()


def rows(path: Path) -> dict[str, list[dict[str, Any]]]:
    """Every row of the user's tables, read with plain sqlite3."""
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        return {
            table: [dict(r) for r in conn.execute(f"SELECT * FROM {table} ORDER BY {order}")]
            for table, order in TABLES.items()
        }
    finally:
        conn.close()


def user_version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()


def install(version: int, isolated: Path) -> tuple[Path, bytes]:
    """The fixture of `version` as the test's database (FUNNEL_DB)."""
    db = isolated / "funnel.db"
    shutil.copyfile(FIXTURES / f"schema-v{version}.sqlite", db)
    db.chmod(0o600)
    return db, db.read_bytes()


def backups(db: Path) -> list[Path]:
    return sorted(db.parent.glob(f"{db.name}.before-migration-*"))


@pytest.mark.parametrize("version", VERSIONS)
def test_an_old_database_is_backed_up_migrated_and_keeps_everything(funnel, isolated, version):
    db, original = install(version, isolated)
    before = rows(db)
    # the first command is a read: it migrates too (today's code can't read
    # the old schema), and it says nothing about it on stdout
    deals = ok(funnel, "list", "--status", "all", "--format", "json").json()
    assert user_version(db) == SCHEMA_VERSION
    kept = backups(db)
    if version == SCHEMA_VERSION:
        assert kept == []
        return
    # the backup: beside the database, named after the old schema and the time,
    # private, and the file as it was (bar the counters the backup API bumps)
    assert [p.name for p in kept] == [f"funnel.db.before-migration-v{version}-{STAMP}"]
    assert kept[0].stat().st_mode & 0o777 == 0o600
    copy = kept[0].read_bytes()
    assert len(copy) == len(original)
    # (a WAL file's copy is left in rollback-journal mode: header bytes 18-19)
    journal = [18, 19] if original[18:20] == b"\x02\x02" else []
    assert [i for i in range(len(copy)) if copy[i] != original[i]] == [
        i for i in sorted(journal + HEADER_COUNTERS) if copy[i] != original[i]
    ]
    assert rows(kept[0]) == before and user_version(kept[0]) == version
    # every row kept, every old column unchanged but those m007 recomputes (notes
    # are no touch; a snoozed deal is due on its wake-up day), checked against
    # their definitions by test_derived_columns_follow_their_definitions_after_migration
    recomputed = {"last_activity_at", "next_follow_up"}
    after = rows(db)
    for table, old in before.items():
        new = after[table]
        if table == "sqlite_sequence":  # m006 adds the tables it made AUTOINCREMENT
            new = [r for r in new if r["name"] in {o["name"] for o in old}]
        assert len(new) == len(old), table
        for a, b in zip(old, new, strict=True):
            keep = {k: v for k, v in a.items() if table != "deals" or k not in recomputed}
            assert {k: b[k] for k in keep} == keep, table
    # and the CLI shows them all: deals, each one's history and touches
    assert [d["id"] for d in deals] == [d["id"] for d in before["deals"]]
    assert [d["title"] for d in deals] == [d["title"] for d in before["deals"]]
    for deal in before["deals"]:
        shown = ok(funnel, "show", str(deal["id"]), "--format", "json").json()
        events = [e for e in before["stage_events"] if e["deal_id"] == deal["id"]]
        touches = [a for a in before["activities"] if a["deal_id"] == deal["id"]]
        assert [h["at"] for h in shown["history"]] == [e["at"] for e in events]
        assert [h["note"] for h in shown["history"]] == [e["note"] for e in events]
        assert [(a["id"], a["kind"], a["note"], a["at"]) for a in shown["activities"]] == [
            (a["id"], a["kind"], a["note"], a["at"]) for a in touches
        ]
        assert shown["uuid"] == deal["uuid"]
    # opening it again migrates nothing and backs up nothing more
    ok(funnel, "list")
    assert backups(db) == kept


def schema_of(path: Path) -> dict[str, Any]:
    """Everything that makes a database's schema: each object in sqlite_master
    (type, name, tbl_name, sql) in creation order, the version and the
    migrations recorded as applied."""
    conn = sqlite3.connect(path)
    try:
        return {
            "master": conn.execute(
                "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY rowid"
            ).fetchall(),
            "user_version": conn.execute("PRAGMA user_version").fetchone()[0],
            "migrations": conn.execute(
                "SELECT migration_set, name FROM _sqlite_migrations ORDER BY id"
            ).fetchall(),
        }
    finally:
        conn.close()


@pytest.mark.parametrize("version", OLDER)
def test_an_upgraded_database_has_exactly_the_schema_of_a_new_one(isolated, version):
    """Byte for byte, every table, index and trigger (the undo triggers m004
    froze included), and even their order; no difference is allowed (none
    existed when this test was written)."""
    from datetime import datetime

    from funnelcli.store.connection import open_connection

    now = datetime(2026, 11, 23, 10, 15)
    new = isolated / "new.db"
    open_connection(new, for_write=True, now=now).close()
    db, _ = install(version, isolated)
    open_connection(db, for_write=True, now=now).close()
    expected, got = schema_of(new), schema_of(db)
    assert sorted(got["master"], key=str) == sorted(expected["master"], key=str)
    assert got == expected  # the same order too


def scrub(value: Any) -> Any:
    """A CLI JSON value without the uuids (random per database)."""
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items() if k != "uuid"}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


def derived(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """The columns kept on write for reports and `stale`, as stored."""
    conn = sqlite3.connect(path)
    try:
        return {
            "deals": conn.execute(
                "SELECT id, furthest_stage_id, last_activity_at FROM deals ORDER BY id"
            ).fetchall(),
            "stays": conn.execute(
                "SELECT deal_id, stage_id, entered_at, left_at, days FROM stage_stays ORDER BY id"
            ).fetchall(),
        }
    finally:
        conn.close()


def views(funnel: Any) -> dict[str, Any]:
    """What a user sees: the deals, each one shown, and every report."""
    deals = ok(funnel, "list", "--status", "all", "--format", "json").json()
    out: dict[str, Any] = {
        "deals": deals,
        "shown": [ok(funnel, "show", str(d["id"]), "--format", "json").json() for d in deals],
        "due": ok(funnel, "due", "--within", "30", "--format", "json").json(),
        "stale": ok(funnel, "stale", "--format", "json").json(),
        "pipelines": ok(funnel, "pipeline", "list", "--format", "json").json(),
    }
    for pipeline in ("sales", "renewals"):
        for report in ("funnel", "metrics", "owners", "forecast"):
            out[f"{report} {pipeline}"] = ok(
                funnel, "report", report, "--pipeline", pipeline, "--format", "json"
            ).json()
    return scrub(out)


@pytest.mark.parametrize("version", VERSIONS)
def test_a_migrated_database_is_what_todays_code_would_have_written(
    funnel, isolated, monkeypatch, version
):
    """Replay the fixture's scenario with today's code into a fresh database:
    the migrated fixture must match it, derived columns and reports included."""
    replay = isolated / "replay.db"
    monkeypatch.setenv("FUNNEL_DB", str(replay))
    # The releases that wrote the fixtures counted the cadence in calendar
    # days; with every day a working day, today's code does the same.
    ok(funnel, "config", "set", "workdays", "mon-sun")
    for now, args in make_fixtures.steps_for(version):
        monkeypatch.setenv("FUNNEL_NOW", now)
        ok(funnel, *args)
    monkeypatch.setenv("FUNNEL_NOW", "2026-11-23T10:15:00")
    expected = views(funnel)

    db, _ = install(version, isolated)
    monkeypatch.setenv("FUNNEL_DB", str(db))
    got = views(funnel)
    for key in expected:
        assert got[key] == expected[key], key
    assert derived(db) == derived(replay)


@pytest.mark.parametrize("version", OLDER)
def test_derived_columns_follow_their_definitions_after_migration(funnel, isolated, version):
    db, _ = install(version, isolated)
    ok(funnel, "list")
    conn = sqlite3.connect(db)
    try:
        wrong = conn.execute(
            f"SELECT id FROM deals WHERE furthest_stage_id IS NOT {FURTHEST_STAGE} "
            "OR last_activity_at IS NOT (SELECT max(at) FROM activities a "
            "WHERE a.deal_id = deals.id AND a.kind <> 'note') "
            # a snoozed deal is due on its wake-up day at the earliest (m007)
            "OR (status = 'open' AND substr(next_follow_up, 1, 10) < snoozed_until)"
        ).fetchall()
        assert wrong == []
        assert (
            conn.execute("SELECT count(*) FROM deals WHERE furthest_stage_id IS NULL").fetchone()[0]
            == 0
        )
        bad_days = conn.execute(
            "SELECT id FROM stage_stays WHERE (left_at IS NULL AND days IS NOT NULL) OR "
            "(left_at IS NOT NULL AND abs(days - (julianday(left_at) - julianday(entered_at)))"
            " > 1e-9)"
        ).fetchall()
        assert bad_days == []
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    if "doctor" in typer.main.get_command(app).commands:  # `funnel doctor` agrees
        ok(funnel, "doctor")


@pytest.mark.parametrize("version", OLDER)
def test_a_migrated_database_takes_writes_and_never_reuses_a_number(funnel, isolated, version):
    db, _ = install(version, isolated)
    # deal 5 was deleted in every fixture (sqlite_sequence also counts changes, v4+)
    last = next(r["seq"] for r in rows(db)["sqlite_sequence"] if r["name"] == "deals")
    run = ok(funnel, "add", "After the upgrade", "--format", "json")
    assert run.json()["id"] == last + 1
    ok(funnel, "move", "3", "demo", "--note", "after the upgrade")
    ok(funnel, "log", "3", "call", "first touch on the new schema")
    shown = ok(funnel, "show", "3", "--format", "json").json()
    assert shown["history"][-1]["note"] == "after the upgrade"
    assert shown["activities"][-1]["note"] == "first touch on the new schema"
    assert shown["last_activity_at"] == "2026-11-23T10:15:00Z"


@pytest.mark.parametrize("first", [
    ("show", "1"),
    ("report", "metrics"),
    ("due",),
    ("export",),
    ("backup", "{dir}/copy.db"),
    ("add", "New"),
])  # fmt: skip
def test_any_command_may_be_the_one_that_upgrades(funnel, isolated, first):
    db, _ = install(OLDER[0], isolated)
    ok(funnel, *(a.format(dir=isolated) for a in first))
    assert user_version(db) == SCHEMA_VERSION
    assert len(backups(db)) == 1


def test_a_database_from_a_newer_funnelcli_is_refused_and_left_alone(funnel, isolated):
    db = isolated / "funnel.db"
    ok(funnel, "add", "Mine")
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    original = db.read_bytes()
    for args in (["list"], ["add", "X"], ["show", "1", "--format", "json"], ["report", "funnel"]):
        run = funnel(*args)
        assert run.exit_code == 1, args
        assert run.stdout == ""
        assert run.stderr == (
            f"funnel: error: {db} was written by a newer funnelcli (schema "
            f"{SCHEMA_VERSION + 1}; this one knows {SCHEMA_VERSION}): upgrade funnelcli\n"
        )
    assert db.read_bytes() == original
    assert sorted(p.name for p in isolated.iterdir() if p.name.startswith("funnel.db")) == [
        "funnel.db"
    ]


def test_a_failed_migration_leaves_the_file_as_it_was_and_no_backup(funnel, isolated):
    """A column m002 adds, already there (added by hand): the migration fails,
    rolls back, and the file is what it was."""
    db, _ = install(1, isolated)
    conn = sqlite3.connect(db)
    conn.execute("ALTER TABLE deals ADD COLUMN snoozed_until TEXT")
    conn.close()
    original = db.read_bytes()
    run = funnel("list")
    assert run.exit_code == 1
    assert run.stdout == ""
    assert run.stderr == (f"funnel: error: database {db}: duplicate column name: snoozed_until\n")
    assert db.read_bytes() == original
    assert backups(db) == []


def test_no_backup_when_none_can_be_written_and_no_migration_either(funnel, isolated, monkeypatch):
    """A name so long that `<name>.before-migration-…` is too long for the file
    system (root can write anywhere, so permissions can't show this)."""
    name = "f" * 244 + ".db"  # its -journal still fits in 255
    db = isolated / name
    shutil.copyfile(FIXTURES / f"schema-v{OLDER[0]}.sqlite", db)
    monkeypatch.setenv("FUNNEL_DB", str(db))
    original = db.read_bytes()
    run = funnel("list")
    assert run.exit_code == 1
    assert run.stdout == ""
    assert len(run.stderr.splitlines()) == 1
    assert f"can't upgrade {db} from schema {OLDER[0]}: can't write a backup beside it" in (
        run.stderr
    )
    assert db.read_bytes() == original
    assert os.listdir(isolated) == [name]


def test_a_new_database_gets_no_backup(funnel, isolated):
    ok(funnel, "add", "First")
    assert backups(isolated / "funnel.db") == []
    assert user_version(isolated / "funnel.db") == SCHEMA_VERSION


def test_two_upgrades_in_the_same_second_keep_both_backups(funnel, isolated):
    db, _ = install(OLDER[0], isolated)
    ok(funnel, "list")
    install(OLDER[0], isolated)  # restored by hand from somewhere, same clock
    ok(funnel, "list")
    names = [p.name for p in backups(db)]
    base = f"funnel.db.before-migration-v{OLDER[0]}-{STAMP}"
    assert names == [base, f"{base}-2"]


def test_open_connection_says_where_the_backup_went(isolated):
    """For a caller that wants to tell the user (the CLI could print it)."""
    from datetime import datetime

    from funnelcli.store.connection import open_connection

    db, _ = install(OLDER[0], isolated)
    told: list[tuple[Path, int]] = []
    now = datetime(2026, 11, 23, 10, 15)
    conn = open_connection(db, for_write=False, now=now, on_backup=lambda p, v: told.append((p, v)))
    conn.close()
    assert told == [(backups(db)[0], OLDER[0])]
    open_connection(
        db, for_write=False, now=now, on_backup=lambda p, v: told.append((p, v))
    ).close()
    assert len(told) == 1


def test_the_backup_is_taken_under_the_migrations_write_lock(isolated):
    """A writer that commits while the upgrade waits for the lock is in the
    backup: the copy is exactly what was then migrated."""
    import threading
    import time
    from datetime import datetime

    from funnelcli.store.connection import open_connection

    db, _ = install(OLDER[0], isolated)
    writer = sqlite3.connect(db, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute(
        "INSERT INTO activities (deal_id, kind, note, at, recorded_at) "
        "VALUES (1, 'call', 'while waiting', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z')"
    )
    errors: list[BaseException] = []

    def upgrade() -> None:
        try:
            open_connection(db, for_write=True, now=datetime(2026, 11, 23, 10, 15)).close()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    thread = threading.Thread(target=upgrade)
    thread.start()
    time.sleep(0.3)  # the upgrade is now waiting on BEGIN IMMEDIATE
    writer.execute("COMMIT")
    writer.close()
    thread.join(30)
    assert errors == []
    (copy,) = backups(db)
    for path in (copy, db):
        notes = [a["note"] for a in rows(path)["activities"]]
        assert "while waiting" in notes, path


# A funnel command whose process is SIGKILLed half-way through the copy an
# upgrade makes: SQLite's backup API copies one page per step, and the
# progress callback after the first step kills the process.
DIE_MID_BACKUP = """
import os, signal, sqlite3, sys

class Dying(sqlite3.Connection):
    def backup(self, target, **kw):
        def progress(status, remaining, total):
            os.kill(os.getpid(), signal.SIGKILL)
        super().backup(target, pages=1, progress=progress)

plain = sqlite3.connect
sqlite3.connect = lambda *a, **k: plain(*a, factory=Dying, **k)
sys.argv = ["funnel", "list"]
from funnelcli.__main__ import main
main()
"""


def test_an_upgrade_killed_while_it_copies_leaves_no_backup_that_looks_complete(funnel, isolated):
    """The copy is written under a temporary (hidden) name and linked to the
    backup's name only when whole; the next command upgrades, with a backup
    that is the original, and removes what the killed one left."""
    import signal
    import subprocess
    import sys

    db, original = install(OLDER[0], isolated)
    done = subprocess.run([sys.executable, "-c", DIE_MID_BACKUP], capture_output=True, text=True)
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert backups(db) == []  # nothing under a backup's name
    assert user_version(db) == OLDER[0]  # nor migrated
    left = [p.name for p in isolated.iterdir() if p.name.startswith(".")]
    assert left and all(".part" in name for name in left), left  # hidden, not a backup's name

    ok(funnel, "list")
    (kept,) = backups(db)
    assert rows(kept) == rows_of(original, isolated)
    assert user_version(db) == SCHEMA_VERSION
    assert [p.name for p in isolated.iterdir() if p.name.startswith(".")] == []


def rows_of(content: bytes, isolated: Path) -> dict[str, list[dict[str, Any]]]:
    copy = isolated / "original-copy.sqlite"
    copy.write_bytes(content)
    try:
        return rows(copy)
    finally:
        copy.unlink()


def test_a_backup_never_replaces_a_file(funnel, isolated):
    """A kept copy (or any file) under the backup's name stays as it was; the
    new backup takes the next free name."""
    db, _ = install(OLDER[0], isolated)
    taken = isolated / f"funnel.db.before-migration-v{OLDER[0]}-{STAMP}"
    taken.write_bytes(b"an earlier copy\n")
    ok(funnel, "list")
    assert taken.read_bytes() == b"an earlier copy\n"
    assert [p.name for p in backups(db)] == [taken.name, f"{taken.name}-2"]
    assert rows(Path(f"{taken}-2"))["deals"]
