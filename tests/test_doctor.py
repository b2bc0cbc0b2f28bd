"""`funnel doctor`: a database built through the CLI passes; each way of breaking
it by hand is named exactly (deal and what is wrong) with exit 1; it never
writes, and a file that isn't a funnelcli database is one error line."""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from funnelcli.cli import app
from funnelcli.schema import SCHEMA_VERSION
from funnelcli.store.doctor import open_for_check
from helpers import stage_id

pytestmark = pytest.mark.sqlite_only  # doctor of a SQLite file, broken by hand through sqlite3

NOW = "2026-11-23T10:15:00"

IMPORT = (
    "title,stage,value,created,demo date,closed\n"
    "Soylent,demo,900,2026-10-01,2026-10-12,\n"
    "Cyberdyne,won,2500,2026-09-01,2026-09-10,2026-10-02\n"
    "Tyrell,lost,100,2026-08-01,,2026-08-20\n"
)

# The line `funnel doctor` starts with: the SQLite linked in, the file's journal.
ENGINE = f"SQLite {sqlite3.sqlite_version}, journal mode wal\n"


def without_log_size(stderr: str) -> str:
    """doctor's stderr less its change-log size line (test_undo_chains.py checks it)."""
    return "".join(
        line for line in stderr.splitlines(keepends=True) if not line.startswith("change log: ")
    )


# Every kind of write that touches history, stays or the summary columns.
SESSION = [
    ["add", "Acme", "--external-id", "acme", "--value", "1000", "--tag", "vip",
     "--field", "region=north", "--at", "2026-11-01"],
    ["move", "acme", "qualified", "--at", "2026-11-03"],
    ["move", "acme", "demo", "--at", "2026-11-05", "--note", "booked"],
    ["log", "acme", "call", "pricing", "--at", "2026-11-06"],
    ["won", "acme", "--at", "2026-11-10"],
    ["add", "Globex", "--at", "2026-11-02", "--external-id", "GX"],
    ["move", "GX", "contacted", "--at", "2026-11-04"],
    ["lost", "GX", "--reason", "price", "--at", "2026-11-08"],
    ["reopen", "GX", "--at", "2026-11-12"],
    ["move", "GX", "proposal", "--at", "2026-11-13"],
    ["log", "GX", "email", "--at", "2026-11-14"],
    ["add", "Initech", "--external-id", "initech", "--tag", "smb"],
    ["log", "initech", "meeting"],
    ["edit", "initech", "--value", "500", "--note", "asked for a discount"],
    ["add", "Hooli", "--external-id", "hooli", "--tag", "gone", "--field", "x=y"],
    ["log", "hooli", "call"],
    ["pipeline", "create", "partners", "--stages", "intro,pilot,signed"],
    ["add", "Umbrella", "--external-id", "umbrella", "--pipeline", "partners",
     "--at", "2026-11-15"],
    ["move", "umbrella", "pilot", "--at", "2026-11-16"],
    ["edit", "initech", "--pipeline", "partners", "--stage", "pilot"],
    ["stage", "add", "discovery", "--after", "lead"],
    ["add", "Stark", "--external-id", "stark", "--at", "2026-11-18"],
    ["move", "stark", "discovery", "--at", "2026-11-19"],
    ["move", "stark", "demo", "--at", "2026-11-20"],
    ["move", "stark", "qualified", "--at", "2026-11-21"],
    ["stage", "remove", "discovery"],
    ["stage", "move", "demo", "--position", "2"],
    ["lost", "stark", "--reason", "timing"],
    ["reopen", "stark", "--stage", "proposal"],
    ["pipeline", "create", "empty", "--stages", "one,two"],
    ["import", "{import}", "--stage-date", "demo=demo date", "--map", "closed_at=closed",
     "--map", "created_at=created"],
]  # fmt: skip


def _build(path: Path, csv: Path) -> None:
    """The clean database, built once through the CLI."""
    runner = CliRunner()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FUNNEL_DB", str(path))
        mp.setenv("FUNNEL_CONFIG", str(path.with_suffix(".toml")))
        mp.setenv("FUNNEL_NOW", NOW)
        mp.setenv("TZ", "UTC")
        for args in SESSION:
            args = [a.replace("{import}", str(csv)) for a in args]
            result = runner.invoke(app, args)
            assert result.exit_code == 0, (args, result.stderr)
        result = runner.invoke(app, ["delete", "hooli", "--yes"])
        assert result.exit_code == 0, result.stderr


@pytest.fixture(scope="module")
def clean_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("doctor")
    csv = where / "deals.csv"
    csv.write_text(IMPORT)
    path = where / "clean.db"
    _build(path, csv)
    return path


@pytest.fixture
def db(clean_db: Path, isolated: Path) -> Path:
    """A fresh copy of the clean database where FUNNEL_DB points."""
    path = isolated / "funnel.db"
    shutil.copy(clean_db, path)
    return path


@pytest.fixture
def raw(db: Path) -> Iterator[sqlite3.Connection]:
    """A plain sqlite3 connection to break the database with (foreign keys off)."""
    conn = sqlite3.connect(db, isolation_level=None)
    yield conn
    conn.close()


def deal_id(conn: sqlite3.Connection, title: str) -> int:
    return int(conn.execute("SELECT id FROM deals WHERE title = ?", (title,)).fetchone()[0])


def event_ids(conn: sqlite3.Connection, deal: int) -> list[int]:
    rows = conn.execute("SELECT id FROM stage_events WHERE deal_id = ? ORDER BY at, id", (deal,))
    return [int(r[0]) for r in rows]


def problems(funnel) -> list[tuple[int | None, str, str]]:  # type: ignore[no-untyped-def]
    """Run `funnel doctor --format json`; it must fail (exit 1) naming problems."""
    r = funnel("doctor", "--format", "json")
    got = r.json()
    assert r.exit_code == 1, r.stderr
    assert got["ok"] is False
    n = len(got["problems"])
    assert r.stderr.startswith(f"funnel: error: {n} problem{'s' if n != 1 else ''} found (")
    return [(p["deal"], p["check"], p["message"]) for p in got["problems"]]


# -- a healthy database ---------------------------------------------------------


def test_a_database_built_through_the_cli_passes(funnel, db):
    conn = sqlite3.connect(db)
    deals, events = conn.execute(
        "SELECT (SELECT count(*) FROM deals), (SELECT count(*) FROM stage_events)"
    ).fetchone()
    conn.close()
    assert deals == 8  # everything above but the deleted one
    r = funnel("doctor")
    assert (r.exit_code, r.stdout) == (0, "")
    assert without_log_size(r.stderr) == f"{ENGINE}ok: {deals} deals, {events} events checked\n"
    r = funnel("doctor", "--format", "json")
    assert r.exit_code == 0
    got = r.json()
    assert {k: got[k] for k in ("ok", "problems", "deals", "events")} == {
        "ok": True, "problems": [], "deals": deals, "events": events
    }  # fmt: skip
    assert (got["sqlite_version"], got["journal_mode"]) == (sqlite3.sqlite_version, "wal")
    assert funnel("doctor", "--quick").exit_code == 0


def test_a_new_database_and_the_demo_pass(funnel, isolated):
    assert funnel("add", "First").exit_code == 0
    assert without_log_size(funnel("doctor").stderr) == f"{ENGINE}ok: 1 deal, 1 event checked\n"
    demo = isolated / "demo.db"
    assert funnel("--db", str(demo), "demo").exit_code == 0
    assert funnel("--db", str(demo), "doctor").exit_code == 0


# -- each invariant, broken by hand -----------------------------------------------


def test_stage_of_another_pipeline(funnel, raw):
    acme = deal_id(raw, "Acme")
    raw.execute(
        "UPDATE deals SET pipeline_id = (SELECT id FROM pipelines WHERE name = 'partners') "
        "WHERE id = ?",
        (acme,),
    )
    demo = stage_id(raw, "sales", "demo")
    sales, partners = (
        raw.execute("SELECT id FROM pipelines WHERE name = ?", (n,)).fetchone()[0]
        for n in ("sales", "partners")
    )
    got = problems(funnel)
    assert (
        acme,
        "stage",
        f"its stage demo (stage {demo}) belongs to pipeline {sales}, not to the deal's "
        f"pipeline {partners}",
    ) in got
    # furthest_stage_id counts only stages of the deal's own pipeline
    assert [p[1] for p in got] == ["stage", "furthest"]


def test_history_with_a_missing_middle_event(funnel, raw):
    acme = deal_id(raw, "Acme")
    first, second, third, _ = event_ids(raw, acme)
    raw.execute("DELETE FROM stage_events WHERE id = ?", (second,))
    got = problems(funnel)
    assert got[0] == (
        acme,
        "history",
        f"event {third} starts from qualified (open), but the event before it ({first}) "
        "ended in lead (open)",
    )
    # the stays kept on write no longer match what the events say
    assert [p[:2] for p in got] == [(acme, "history"), (acme, "stays")]


def test_history_whose_first_event_starts_somewhere(funnel, raw):
    gx = deal_id(raw, "Globex")
    first, second, *_ = event_ids(raw, gx)
    raw.execute("DELETE FROM stage_events WHERE id = ?", (first,))
    got = problems(funnel)
    assert got[0] == (
        gx,
        "history",
        f"its first event ({second}) starts from lead (open), not from nothing",
    )


def test_history_with_an_event_out_of_order(funnel, raw):
    """An event whose `at` puts it before an earlier one breaks the chain."""
    stark = deal_id(raw, "Stark")
    events = event_ids(raw, stark)
    raw.execute("DROP TRIGGER stage_events_append_only")
    raw.execute("UPDATE stage_events SET at = '2026-11-18T12:00:00Z' WHERE id = ?", (events[-1],))
    got = problems(funnel)
    assert (stark, "history") in [p[:2] for p in got]
    assert all(p[0] == stark for p in got)


def test_current_stage_is_not_where_history_ends(funnel, raw):
    gx = deal_id(raw, "Globex")
    last = event_ids(raw, gx)[-1]
    raw.execute(
        "UPDATE deals SET stage_id = ? WHERE id = ?", (stage_id(raw, "sales", "contacted"), gx)
    )
    assert problems(funnel) == [
        (
            gx,
            "current",
            f"is in contacted (open), but its last event ({last}) ended in proposal (open)",
        )
    ]


def test_current_status_is_not_where_history_ends(funnel, raw):
    acme = deal_id(raw, "Acme")
    last = event_ids(raw, acme)[-1]
    raw.execute("UPDATE deals SET status = 'lost', lost_reason = 'x' WHERE id = ?", (acme,))
    assert problems(funnel) == [
        (acme, "current", f"is in demo (lost), but its last event ({last}) ended in demo (won)")
    ]


def test_deal_without_history(funnel, raw):
    initech = deal_id(raw, "Initech")
    raw.execute("DELETE FROM stage_events WHERE deal_id = ?", (initech,))
    got = problems(funnel)
    assert got[0] == (initech, "history", "has no stage history (no stage_events rows)")
    assert [p[:2] for p in got] == [(initech, "history"), (initech, "stays")]


def test_missing_stay(funnel, raw):
    gx = deal_id(raw, "Globex")
    first_stay = raw.execute("SELECT min(id) FROM stage_stays WHERE deal_id = ?", (gx,)).fetchone()[
        0
    ]
    raw.execute("DELETE FROM stage_stays WHERE id = ?", (first_stay,))
    assert problems(funnel) == [
        (
            gx,
            "stays",
            "has 3 stage stays, its events make 4; stay 1 is contacted from "
            "2026-11-04T00:00:00Z to 2026-11-08T00:00:00Z, but its events make it lead from "
            "2026-11-02T00:00:00Z to 2026-11-04T00:00:00Z",
        )
    ]


def test_stay_with_wrong_dates(funnel, raw):
    acme = deal_id(raw, "Acme")
    raw.execute(
        "UPDATE stage_stays SET left_at = '2026-11-09T00:00:00Z', "
        "days = julianday('2026-11-09') - julianday(entered_at) "
        "WHERE deal_id = ? AND left_at = '2026-11-10T00:00:00Z'",
        (acme,),
    )
    assert problems(funnel) == [
        (
            acme,
            "stays",
            "stay 3 is demo from 2026-11-05T00:00:00Z to 2026-11-09T00:00:00Z, but its events "
            "make it demo from 2026-11-05T00:00:00Z to 2026-11-10T00:00:00Z",
        )
    ]


def test_stay_whose_days_disagree_with_its_dates(funnel, raw):
    acme = deal_id(raw, "Acme")
    stay = raw.execute(
        "SELECT id FROM stage_stays WHERE deal_id = ? AND left_at = '2026-11-10T00:00:00Z'",
        (acme,),
    ).fetchone()[0]
    raw.execute("UPDATE stage_stays SET days = 1.5 WHERE id = ?", (stay,))
    assert problems(funnel) == [
        (acme, "stays", f"stage stay {stay} has days = 1.5; its dates make 5.0")
    ]


def test_open_stay_of_a_closed_deal(funnel, raw):
    acme = deal_id(raw, "Acme")
    raw.execute(
        "INSERT INTO stage_stays (deal_id, stage_id, entered_at) VALUES (?, ?, ?)",
        (acme, stage_id(raw, "sales", "demo"), "2026-11-10T00:00:00Z"),
    )
    got = problems(funnel)
    assert (acme, "stays", "is won but has an open stage stay") in got
    assert [p[:2] for p in got] == [(acme, "stays")] * 2  # and the events make no such stay


def test_two_open_stays(funnel, raw):
    gx = deal_id(raw, "Globex")
    raw.execute(
        "INSERT INTO stage_stays (deal_id, stage_id, entered_at) VALUES (?, ?, ?)",
        (gx, stage_id(raw, "sales", "lead"), "2026-11-20T00:00:00Z"),
    )
    got = problems(funnel)
    assert (gx, "stays", "has 2 open stage stays; at most one may be open") in got
    assert [p[:2] for p in got] == [(gx, "stays")] * 2


def test_wrong_furthest_stage(funnel, raw):
    gx = deal_id(raw, "Globex")
    lead, proposal = stage_id(raw, "sales", "lead"), stage_id(raw, "sales", "proposal")
    raw.execute("UPDATE deals SET furthest_stage_id = ? WHERE id = ?", (lead, gx))
    assert problems(funnel) == [
        (
            gx,
            "furthest",
            f"furthest_stage_id is lead (stage {lead}), but its stays make it "
            f"proposal (stage {proposal})",
        )
    ]


def test_furthest_stage_follows_the_stage_order(funnel, raw):
    """Reordering stages without refreshing furthest_stage_id is caught."""
    stark = deal_id(raw, "Stark")
    before = raw.execute("SELECT furthest_stage_id FROM deals WHERE id = ?", (stark,)).fetchone()
    raw.execute(
        "UPDATE stages SET position = 99 WHERE id = ?", (stage_id(raw, "sales", "qualified"),)
    )
    got = problems(funnel)
    assert (stark, "furthest") in [p[:2] for p in got]
    assert before[0] != stage_id(raw, "sales", "qualified")


def test_last_activity_at_out_of_step(funnel, raw):
    gx = deal_id(raw, "Globex")
    raw.execute("UPDATE deals SET last_activity_at = NULL WHERE id = ?", (gx,))
    assert problems(funnel) == [
        (
            gx,
            "last_activity",
            "last_activity_at is empty, but its latest touch is at 2026-11-14T00:00:00Z "
            "(a touch: an activity other than a note)",
        )
    ]
    raw.execute("DELETE FROM activities WHERE deal_id = ?", (gx,))
    raw.execute("UPDATE deals SET last_activity_at = '2026-11-14T00:00:00Z' WHERE id = ?", (gx,))
    assert problems(funnel) == [
        (
            gx,
            "last_activity",
            "last_activity_at is 2026-11-14T00:00:00Z, but it has no touch (a touch: an "
            "activity other than a note)",
        )
    ]


def test_closed_at_out_of_step(funnel, raw):
    acme, gx = deal_id(raw, "Acme"), deal_id(raw, "Globex")
    raw.execute("UPDATE deals SET closed_at = NULL WHERE id = ?", (acme,))
    raw.execute("UPDATE deals SET closed_at = '2026-11-20T00:00:00Z' WHERE id = ?", (gx,))
    assert problems(funnel) == [
        (acme, "closed_at", "is won but has no closed_at"),
        (gx, "closed_at", "is open but has closed_at 2026-11-20T00:00:00Z"),
    ]


def test_orphans_of_a_deal_deleted_without_foreign_keys(funnel, raw):
    acme = deal_id(raw, "Acme")
    assert raw.execute("PRAGMA foreign_keys").fetchone()[0] == 0
    raw.execute("DELETE FROM deals WHERE id = ?", (acme,))
    assert problems(funnel) == [
        (acme, "orphan", f"1 activities row belong to deal {acme}, which doesn't exist"),
        (acme, "orphan", f"1 deal_fields row belong to deal {acme}, which doesn't exist"),
        (acme, "orphan", f"1 deal_tags row belong to deal {acme}, which doesn't exist"),
        (acme, "orphan", f"4 stage_events rows belong to deal {acme}, which doesn't exist"),
        (acme, "orphan", f"3 stage_stays rows belong to deal {acme}, which doesn't exist"),
    ]


def test_stages_of_a_deleted_pipeline(funnel, raw):
    raw.execute("DELETE FROM pipelines WHERE name = 'empty'")
    one, two = stage_id_any(raw, "one"), stage_id_any(raw, "two")
    pipeline = raw.execute("SELECT pipeline_id FROM stages WHERE id = ?", (one,)).fetchone()[0]
    assert problems(funnel) == [
        (None, "orphan", f"stage one (stage {one}) belongs to pipeline {pipeline}, which "
         "doesn't exist"),
        (None, "orphan", f"stage two (stage {two}) belongs to pipeline {pipeline}, which "
         "doesn't exist"),
    ]  # fmt: skip


def stage_id_any(conn: sqlite3.Connection, name: str) -> int:
    return int(conn.execute("SELECT id FROM stages WHERE name = ?", (name,)).fetchone()[0])


def test_history_naming_a_stage_that_is_gone(funnel, raw):
    """The removed stage `discovery` stays in Stark's history; delete its row."""
    stark = deal_id(raw, "Stark")
    discovery = stage_id_any(raw, "discovery")
    into, out_of = event_ids(raw, stark)[1:3]
    stay = raw.execute("SELECT id FROM stage_stays WHERE stage_id = ?", (discovery,)).fetchone()[0]
    raw.execute("DELETE FROM stages WHERE id = ?", (discovery,))
    got = problems(funnel)
    missing = f"= {discovery} names no stages row"
    assert got == [
        (stark, "foreign_key", f"stage_events row {into}: to_stage_id {missing}"),
        (stark, "foreign_key", f"stage_events row {out_of}: from_stage_id {missing}"),
        (stark, "foreign_key", f"stage_stays row {stay}: stage_id {missing}"),
    ]


def test_integrity_check_finds_an_index_that_disagrees_with_its_table(funnel, raw, db):
    # Redefine an index behind SQLite's back: its entries no longer match the rows.
    raw.execute("PRAGMA writable_schema = ON")
    raw.execute(
        "UPDATE sqlite_master SET sql = 'CREATE INDEX deals_owner ON deals(title, status)' "
        "WHERE name = 'deals_owner'"
    )
    raw.execute("PRAGMA writable_schema = OFF")
    raw.close()
    got = problems(funnel)
    assert got, "integrity_check found nothing"
    assert {p[:2] for p in got} == {(None, "integrity")}
    assert any("deals_owner" in p[2] for p in got)
    # quick_check doesn't compare indexes with their tables
    assert funnel("doctor", "--quick").exit_code == 0


def test_problems_as_text(funnel, raw):
    acme, gx = deal_id(raw, "Acme"), deal_id(raw, "Globex")
    raw.execute("UPDATE deals SET closed_at = NULL WHERE id = ?", (acme,))
    raw.execute("UPDATE deals SET closed_at = '2026-11-20T00:00:00Z' WHERE id = ?", (gx,))
    r = funnel("doctor")
    assert r.exit_code == 1
    assert r.stdout == (
        f"deal {acme}: closed_at: is won but has no closed_at\n"
        f"deal {gx}: closed_at: is open but has closed_at 2026-11-20T00:00:00Z\n"
    )
    assert without_log_size(r.stderr) == (
        f"{ENGINE}funnel: error: 2 problems found (8 deals, 26 events checked)\n"
    )


def test_stage_names_are_printed_safely(funnel, raw):
    gx = deal_id(raw, "Globex")
    raw.execute("UPDATE stages SET name = 'evil\x1b[31m' WHERE name = 'contacted'")
    raw.execute(
        "UPDATE deals SET stage_id = (SELECT id FROM stages WHERE name LIKE 'evil%') WHERE id = ?",
        (gx,),
    )
    r = funnel("doctor")
    assert r.exit_code == 1
    assert "\x1b" not in r.stdout
    assert "evil\\x1b[31m (open)" in r.stdout


# -- it never writes ----------------------------------------------------------------


def test_doctor_never_writes(funnel, db, raw):
    acme = deal_id(raw, "Acme")
    raw.execute("UPDATE deals SET closed_at = NULL WHERE id = ?", (acme,))
    raw.close()
    before = (db.read_bytes(), db.stat().st_mtime_ns, sorted(os.listdir(db.parent)))
    db.chmod(0o444)
    db.parent.chmod(0o555)
    try:
        assert funnel("doctor").exit_code == 1
        assert funnel("doctor", "--format", "json").exit_code == 1
    finally:
        db.parent.chmod(0o700)
        db.chmod(0o600)
    assert (db.read_bytes(), db.stat().st_mtime_ns, sorted(os.listdir(db.parent))) == before


def test_the_connection_refuses_writes(db):
    conn = open_for_check(db)
    try:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            conn.execute("DELETE FROM activities")
    finally:
        conn.close()
    assert sqlite3.connect(db).execute("SELECT count(*) FROM activities").fetchone()[0] > 0


def test_doctor_does_not_migrate_an_old_database(funnel, db, raw):
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION - 1}")
    raw.close()
    before = db.read_bytes()
    r = funnel("doctor")
    assert (r.exit_code, r.stdout) == (1, "")
    assert r.stderr == (
        f"funnel: error: {db} has schema {SCHEMA_VERSION - 1}; this funnelcli checks schema "
        f"{SCHEMA_VERSION}: run any funnel command (e.g. `funnel list`) to upgrade it, then "
        "check again\n"
    )
    assert db.read_bytes() == before


# -- files that aren't funnelcli databases -----------------------------------------


def test_not_a_sqlite_file(funnel, isolated):
    path = isolated / "funnel.db"
    path.write_bytes(b"this is not a database\n" * 200)
    r = funnel("doctor")
    assert (r.exit_code, r.stdout) == (1, "")
    assert r.stderr == (
        f"funnel: error: {path} is not a funnelcli database (SQLite says: file is not a database)\n"
    )


def test_no_database_yet(funnel, isolated):
    r = funnel("doctor")
    assert (r.exit_code, r.stdout) == (1, "")
    assert r.stderr == (
        f"funnel: error: there is no database at {isolated / 'funnel.db'} yet: nothing to check\n"
    )
    assert not (isolated / "funnel.db").exists()


@pytest.mark.parametrize(
    ("setup", "says"),
    [
        ("CREATE TABLE notes (body TEXT)", "is a SQLite database, but not a funnelcli one"),
        ("", "is an empty file"),
        ("PRAGMA user_version = 999", None),
    ],
    ids=["another program's", "empty", "newer"],
)
def test_other_sqlite_files(funnel, isolated, setup, says):
    path = isolated / "funnel.db"
    conn = sqlite3.connect(path)
    if setup:
        conn.execute(setup)
    conn.close()
    r = funnel("doctor", "--format", "json")
    assert (r.exit_code, r.stdout) == (1, "")
    if says is None:
        says = (
            f"was written by a newer funnelcli (schema 999; this one knows {SCHEMA_VERSION}): "
            "upgrade funnelcli"
        )
    assert r.stderr == f"funnel: error: {path} {says}\n"


def test_a_path_with_characters_a_uri_must_escape(funnel, clean_db, isolated, monkeypatch):
    path = isolated / "my deals?#1 100%" / "funnel.db"
    path.parent.mkdir()
    shutil.copy(clean_db, path)
    monkeypatch.setenv("FUNNEL_DB", str(path))
    r = funnel("doctor")
    assert (r.exit_code, without_log_size(r.stderr)) == (
        0,
        f"{ENGINE}ok: 8 deals, 26 events checked\n",
    )


def test_doctor_names_the_sqlite_version_and_the_journal_mode(funnel, isolated):
    """A database from before WAL (the rollback journal) says so until its
    first write switches it."""
    assert funnel("add", "First").exit_code == 0
    db = isolated / "funnel.db"
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA journal_mode = DELETE").fetchone() == ("delete",)
    conn.close()
    r = funnel("doctor", "--format", "json")
    assert (r.json()["sqlite_version"], r.json()["journal_mode"]) == (
        sqlite3.sqlite_version,
        "delete",
    )
    assert r.stderr == "ok: 1 deal, 1 event checked\n"  # JSON has it as keys
    assert funnel("doctor").stderr.splitlines()[0] == (
        f"SQLite {sqlite3.sqlite_version}, journal mode delete"
    )
    assert funnel("add", "Second").exit_code == 0
    assert funnel("doctor", "--format", "json").json()["journal_mode"] == "wal"
