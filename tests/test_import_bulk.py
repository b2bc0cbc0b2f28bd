"""A big import is a bulk load (issue 14): the triggers and secondary indexes
of the tables it fills are dropped inside its one transaction and built again
from their own SQL at its end. The schema after it is the migrations', undo
of it is exact, a failure or a crash mid-load leaves everything as it was,
and a few rows into a bigger database keep the row-by-row path."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from funnelcli.services.imports import writer
from funnelcli.store.transfer import TransferStore
from helpers import connect, ok, team_url

pytestmark = pytest.mark.slow  # thousands of rows each


def schema(path: Path) -> list[tuple[Any, ...]]:
    """sqlite_master as the migrations define it: every object and its SQL
    (by name), and each table's triggers and indexes in their order (the
    order triggers fire in). Rootpages are where the b-trees happen to be.
    (A team database: nothing; a bulk load drops nothing there.)"""
    if team_url(path) is not None:
        return []
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name"
        ).fetchall()
        order = conn.execute(
            "SELECT tbl_name, group_concat(name) FROM (SELECT tbl_name, name FROM "
            "sqlite_master WHERE type IN ('index', 'trigger') ORDER BY rowid) GROUP BY tbl_name"
        ).fetchall()
        return [*rows, *order]
    finally:
        conn.close()


def content(path: Path) -> dict[str, Any]:
    """Every row of every table but the change log and sqlite_sequence (a
    team database's funnel_ids) (an undo is itself a change, and ids are
    never given twice), and the schema
    (a team database: the rows, as the store reads them)."""
    if team_url(path) is not None:
        conn = connect(path)
        try:
            tables = [
                str(r[0])
                for r in conn.execute(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = "
                    "current_schema() AND table_type = 'BASE TABLE' AND table_name NOT IN "
                    "('changes', 'change_rows', 'funnel_schema', 'funnel_ids') "
                    "ORDER BY table_name"
                )
            ]
            rows = {
                t: conn.execute(f'SELECT * FROM "{t}" ORDER BY 1, 2').fetchall() for t in tables
            }
        finally:
            conn.close()
        return {"rows": rows, "schema": schema(path)}
    conn = sqlite3.connect(path)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN "
                "('changes', 'change_rows', 'sqlite_sequence') ORDER BY name"
            )
        ]
        rows = {t: conn.execute(f'SELECT * FROM "{t}" ORDER BY 1, 2').fetchall() for t in tables}
    finally:
        conn.close()
    return {"rows": rows, "schema": schema(path)}


def exact(path: Path) -> tuple[Any, ...]:
    """The file's schema and rows exactly, rootpages and the change log included."""
    conn = sqlite3.connect(path)
    try:
        master = conn.execute("SELECT * FROM sqlite_master ORDER BY rowid").fetchall()
        return (master, list(conn.iterdump()))
    finally:
        conn.close()


def leads(path: Path, n: int, start: int = 1, bad_at: int | None = None) -> Path:
    """n deals with an external id, tags and a custom field; line `bad_at` has
    a value that isn't money."""
    lines = ["external_id,title,value,stage,created_at,tags,region"]
    for i in range(start, start + n):
        value = "lots" if bad_at is not None and i - start + 2 == bad_at else str(i * 10)
        lines.append(
            f"L{i},Lead {i},{value},{'lead' if i % 3 else 'demo'},"
            f"2026-10-{i % 28 + 1:02d},{'smb' if i % 2 else 'smb;eu'},r{i % 5}"
        )
    path.write_text("\n".join(lines) + "\n")
    return path


def doctor_clean(funnel: Any) -> None:
    run = funnel("doctor")
    assert run.exit_code == 0, run.stdout + run.stderr


@pytest.fixture
def drops(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times an import took the bulk path (one entry each)."""
    calls: list[int] = []
    real = TransferStore.drop_for_load

    def spy(self: TransferStore) -> list[tuple[str, str]]:
        calls.append(1)
        return real(self)

    monkeypatch.setattr(TransferStore, "drop_for_load", spy)
    return calls


@pytest.fixture
def base(funnel: Any) -> Any:
    ok(funnel, "add", "Acme", "--value", "1200", "--tag", "smb", "--external-id", "L2")
    ok(funnel, "add", "Globex", "--value", "800", "--field", "region=north")
    ok(funnel, "move", "1", "demo")
    ok(funnel, "log", "2", "call", "first call")
    return funnel


@pytest.mark.sqlite_only  # the SQLite schema a bulk load drops and puts back; integrity_check
def test_a_bulk_import_leaves_the_migrations_schema_and_a_clean_doctor(
    funnel: Any, isolated: Path, drops: list[int]
) -> None:
    db = isolated / "funnel.db"
    ok(funnel, "add", "First")  # the database exists, with its schema
    before = schema(db)
    ok(funnel, "import", str(leads(isolated / "a.csv", 4500, start=10)), "--map", "tags=tags")
    assert drops == [1]
    assert schema(db) == before
    doctor_clean(funnel)
    conn = sqlite3.connect(db)
    # every index is there and answers as a table scan does
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert conn.execute("SELECT count(*) FROM deals").fetchone() == (4501,)
    furthest = conn.execute(
        "SELECT count(*) FROM deals d JOIN stages s ON s.id = d.furthest_stage_id "
        "WHERE d.furthest_stage_id IS NOT d.stage_id"
    ).fetchone()
    conn.close()
    assert furthest == (0,)  # a new deal's furthest stage is the one it is in


def test_undo_of_a_bulk_import_is_exact_and_redo_too(
    base: Any, isolated: Path, drops: list[int]
) -> None:
    db = isolated / "funnel.db"
    before = content(db)
    ok(base, "import", str(leads(isolated / "a.csv", 4500, start=10)), "--map", "tags=tags")
    assert drops == [1]
    after = content(db)
    assert after["rows"]["deal_tags"] and after["rows"]["deal_fields"]
    run = ok(base, "undo")
    assert "undid change #5 (funnel import" in run.stderr
    assert content(db) == before
    doctor_clean(base)
    ok(base, "undo", "6")  # redo: every imported deal back, as it was
    assert content(db) == after
    doctor_clean(base)


def test_an_update_in_a_bulk_import_is_noted_and_undone_too(
    base: Any, isolated: Path, drops: list[int]
) -> None:
    """A row naming a deal the database had (L2 is deal 1) ends the bulk load:
    the update is noted row by row, and undo puts deal 1 back too."""
    db = isolated / "funnel.db"
    before = content(db)
    path = leads(isolated / "a.csv", 4500, start=10)
    with path.open("a") as f:
        f.write("L2,Acme renamed,999,lead,2026-10-01,vip,r1\n")
    run = ok(base, "import", str(path), "--map", "tags=tags")
    assert drops == [1]
    assert "updated 1" in run.stderr
    shown = ok(base, "show", "1", "--format", "json").json()
    assert shown["title"] == "Acme renamed"
    assert schema(db) == before["schema"]
    doctor_clean(base)
    ok(base, "undo")
    assert content(db) == before


def test_a_failing_bulk_import_changes_nothing(base: Any, isolated: Path, drops: list[int]) -> None:
    db = isolated / "funnel.db"
    before = exact(db)
    run = base("import", str(leads(isolated / "a.csv", 4500, bad_at=4400)))
    assert run.exit_code == 1
    assert "line 4400" in run.stderr
    assert drops == [1]  # two batches were written the bulk way, then rolled back
    assert exact(db) == before


def test_a_failure_while_the_indexes_are_rebuilt_changes_nothing(
    base: Any, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = isolated / "funnel.db"
    before = exact(db)
    real = TransferStore.load_done

    def half_done(self: TransferStore, dropped: Any) -> None:
        real(self, dropped[: len(dropped) // 2])
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(TransferStore, "load_done", half_done)
    run = base("import", str(leads(isolated / "a.csv", 4500, start=10)))
    assert run.exit_code == 1
    assert "Traceback" not in run.stderr
    assert exact(db) == before


CRASH = """
import os, signal, sys
from funnelcli.store.transfer import TransferStore
real = TransferStore.load_done
def crash(self, dropped):
    real(self, dropped[:3])  # some indexes back, the rest not yet
    os.kill(os.getpid(), signal.SIGKILL)
TransferStore.load_done = crash
from funnelcli.__main__ import main
sys.argv = ["funnel", "import", sys.argv[1]]
main()
"""


def test_a_crash_mid_bulk_import_leaves_the_database_as_it_was(base: Any, isolated: Path) -> None:
    db = isolated / "funnel.db"
    before = exact(db)
    path = leads(isolated / "a.csv", 4500, start=10)
    done = subprocess.run(
        [sys.executable, "-c", CRASH, str(path)], env=dict(os.environ), capture_output=True
    )
    assert done.returncode == -9, done.stderr
    assert exact(db) == before
    doctor_clean(base)


def test_a_few_rows_into_a_bigger_database_stay_row_by_row(
    funnel: Any, isolated: Path, drops: list[int]
) -> None:
    ok(funnel, "import", str(leads(isolated / "a.csv", 2500)))
    assert drops == [1]
    # 2,200 new deals into 2,500: fewer than the database holds, rebuilding
    # every index would read more rows than the import writes
    ok(funnel, "import", str(leads(isolated / "b.csv", 2200, start=5000)))
    ok(funnel, "import", str(leads(isolated / "c.csv", 10, start=9000)))
    assert drops == [1]
    # 7,000 more into 4,710: the bulk path from the third batch (6,000 >= 4,710)
    ok(funnel, "import", str(leads(isolated / "d.csv", 7000, start=20000)))
    assert drops == [1, 1]
    doctor_clean(funnel)


def test_small_imports_never_take_the_bulk_path(
    funnel: Any, isolated: Path, drops: list[int]
) -> None:
    ok(funnel, "import", str(leads(isolated / "a.csv", writer.BULK_MIN - 1)))
    assert drops == []
    changes = json.loads(ok(funnel, "changes", "--format", "json").stdout)
    assert changes
