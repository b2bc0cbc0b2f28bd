"""`funnel team migrate-from FILE`: a solo SQLite database copied into an
empty team database on PostgreSQL, everything as it was: the same export,
the same reports, the same change log (so `undo` goes on), and a deleted
deal's number never given again. A target that isn't empty and a FILE that
isn't a funnelcli database of this version are refused, nothing written."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from conftest import MAVEN
from funnelcli.schema import SCHEMA_VERSION

pytestmark = pytest.mark.postgres

REPORTS = ("funnel", "metrics", "owners", "forecast")
COPIED = ("pipelines", "stages", "deals", "deal_tags", "deal_fields", "stage_events",
          "stage_stays", "activities", "settings", "handoffs", "inbox_seen", "changes",
          "change_rows")  # fmt: skip

# A solo pipeline with a bit of everything the copy must keep.
SOLO: list[tuple[str, ...]] = [
    ("config", "set", "timezone", "Europe/Warsaw"),
    ("pipeline", "create", "renewals", "--stages", "ask,quote,legal,signed"),
    ("add", "Alpha", "--value", "1000", "--org", "Acme", "--tag", "hot", "--tag", "q4",
     "--field", "region=north", "--source", "web", "--at", "2026-10-01"),
    ("move", "1", "qualified", "--at", "2026-10-03"),
    ("log", "1", "call", "talked budget; said \"yes\"", "--at", "2026-10-04"),
    ("won", "1", "--at", "2026-10-21"),
    ("add", "Bravo", "--value", "2000", "--owner", "anna", "--note", "met at a fair",
     "--expected-close", "2026-12-15", "--at", "2026-10-05"),
    ("move", "2", "proposal", "--at", "2026-10-12"),
    ("follow-up", "2", "2026-11-30"),
    ("add", "Charlie", "--value", "3000,50", "--currency", "EUR", "--owner", "ben",
     "--at", "2026-10-10"),
    ("lost", "3", "--reason", "budget", "--at", "2026-10-15"),
    ("add", "Delta", "--pipeline", "renewals", "--value", "600", "--field", "seats=12",
     "--at", "2026-11-05"),
    ("move", "4", "quote", "--at", "2026-11-07T06:00"),
    ("snooze", "4", "2026-12-10", "--reason", "waiting for their board"),
    ("stage", "remove", "legal", "--pipeline", "renewals"),
    ("add", "Echo", "--value", "400", "--tag", "cold", "--at", "2026-11-10"),
    ("reopen", "3", "--at", "2026-11-12"),
    ("edit", "5", "--untag", "cold", "--tag", "warm", "--field", "region=south"),
    # the conveyor: dana owns negotiation, Bravo is handed to her, she looks
    ("stage", "set", "negotiation", "--owner", "dana"),
    ("move", "2", "negotiation", "--at", "2026-10-20"),
    ("inbox", "--owner", "dana"),
    ("edit", "2", "--title", "Bravo (typo)"),
    ("undo",),
    ("add", "Foxtrot", "--value", "900", "--at", "2026-11-20"),
    ("delete", "6", "--yes"),
]  # fmt: skip


def run_all(funnel, commands) -> None:  # type: ignore[no-untyped-def]
    for args in commands:
        run = funnel(*args)
        assert run.exit_code == 0, (args, run.stderr)


def snapshot(funnel) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Everything a user sees of the pipeline: the export (its header's
    exported_at aside), the reports of each pipeline, the change log."""
    out: dict[str, object] = {}
    run = funnel("export", "--format", "jsonl")
    assert run.exit_code == 0, run.stderr
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    lines[0].pop("exported_at")
    out["export"] = lines
    pipelines = funnel("pipeline", "list", "--format", "json")
    assert pipelines.exit_code == 0, pipelines.stderr
    out["pipelines"] = pipelines.json()
    for p in pipelines.json():  # type: ignore[attr-defined]
        name = p["name"]
        for kind in REPORTS:
            run = funnel("report", kind, "--pipeline", name, "--format", "json")
            assert run.exit_code == 0, (kind, run.stderr)
            out[f"{kind} {name}"] = run.json()
    run = funnel("changes", "-n", "1000", "--format", "json")
    assert run.exit_code == 0, run.stderr
    out["changes"] = run.json()
    # dana's inbox, or where nobody named dana owns a stage, its refusal
    run = funnel("inbox", "--owner", "dana", "--all", "--peek", "--format", "json")
    out["inbox"] = run.json() if run.exit_code == 0 else (run.exit_code, run.stderr)
    return out


def count_rows(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        names = ("deals", "pipelines", "stages", "stage_events", "activities", "changes")
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in names}
    finally:
        conn.close()


def migrate(funnel, monkeypatch, url: str, path: Path):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("FUNNEL_DB", url)
    return funnel("team", "migrate-from", str(path))


@pytest.fixture
def solo(funnel, isolated, monkeypatch) -> Path:  # type: ignore[no-untyped-def]
    """The solo SQLite file (also when the suite runs on PostgreSQL)."""
    monkeypatch.setenv("FUNNEL_DB", str(isolated / "funnel.db"))
    run_all(funnel, SOLO)
    return isolated / "funnel.db"


def test_a_solo_database_moves_to_postgresql_as_it_was(funnel, solo, pg_url, monkeypatch):
    before = snapshot(funnel)
    assert before["export"][1:]  # type: ignore[index]
    assert [i["seen"] for i in before["inbox"]] == [True]  # type: ignore[attr-defined]
    data, beside = solo.read_bytes(), sorted(solo.parent.iterdir())
    run = migrate(funnel, monkeypatch, pg_url, solo)
    assert run.exit_code == 0, run.stderr
    assert run.stdout == ""
    assert (solo.read_bytes(), sorted(solo.parent.iterdir())) == (data, beside)
    assert row_counts(pg_url) == row_counts_sqlite(solo)  # the copy noted nothing
    n = count_rows(solo)
    assert run.stderr == (
        f"copied {n['deals']} deals ({n['pipelines']} pipelines, {n['stages']} stages, "
        f"{n['stage_events']} stage events, {n['activities']} activities, {n['changes']} "
        f"changes) from {solo} into {pg_url}\n"
    )
    after = snapshot(funnel)
    assert after == before
    assert funnel("config", "get", "timezone").stdout.strip() == "Europe/Warsaw"
    # and a clean doctor on both sides, counting the same deals and events
    checked = []
    for where in (pg_url, str(solo)):
        monkeypatch.setenv("FUNNEL_DB", where)
        doctor = funnel("doctor", "--format", "json")
        assert doctor.exit_code == 0, doctor.stdout
        report = doctor.json()
        assert (report["ok"], report["problems"]) == (True, [])
        checked.append((report["deals"], report["events"]))
    assert checked[0] == checked[1] == (n["deals"], n["stage_events"])
    monkeypatch.setenv("FUNNEL_DB", pg_url)

    # The same next steps on both: a new deal gets the number after the
    # deleted one; undo reverts it, then (the file's last change) the delete.
    steps = [("add", "Golf", "--value", "100"), ("undo",), ("undo",), ("move", "2", "demo")]
    on_pg = [funnel(*args) for args in steps]
    monkeypatch.setenv("FUNNEL_DB", str(solo))
    on_file = [funnel(*args) for args in steps]
    for pg, file in zip(on_pg, on_file, strict=True):
        assert pg.exit_code == file.exit_code == 0, (pg.stderr, file.stderr)
        assert (pg.stdout, pg.stderr) == (file.stdout, file.stderr)
    assert on_pg[0].stderr.startswith("added #7 Golf")
    expected = snapshot(funnel)
    monkeypatch.setenv("FUNNEL_DB", pg_url)
    assert snapshot(funnel) == expected
    shown = funnel("show", "6", "--format", "json")
    assert shown.exit_code == 0 and shown.json()["title"] == "Foxtrot"  # type: ignore[index]


def test_the_next_deal_never_takes_a_deleted_number(funnel, solo, pg_url, monkeypatch):
    assert migrate(funnel, monkeypatch, pg_url, solo).exit_code == 0
    run = funnel("add", "Golf", "--format", "json")
    assert run.exit_code == 0, run.stderr
    assert run.json()["id"] == 7  # type: ignore[index]
    assert funnel("show", "6").exit_code == 1


def test_a_database_team_init_just_set_up_takes_the_copy(funnel, solo, pg_url, monkeypatch):
    before = snapshot(funnel)
    monkeypatch.setenv("FUNNEL_DB", pg_url)
    assert funnel("team", "init", "--timezone", "UTC").exit_code == 0
    run = migrate(funnel, monkeypatch, pg_url, solo)
    assert run.exit_code == 0, run.stderr
    assert snapshot(funnel) == before


def test_a_target_with_a_pipeline_is_refused_nothing_written(funnel, solo, pg_url, monkeypatch):
    monkeypatch.setenv("FUNNEL_DB", pg_url)
    assert funnel("team", "init", "--timezone", "UTC").exit_code == 0
    assert funnel("add", "Theirs", "--value", "5").exit_code == 0
    before = snapshot(funnel)
    run = migrate(funnel, monkeypatch, pg_url, solo)
    assert run.exit_code == 1
    assert run.stderr == (
        f"funnel: error: {pg_url} already holds a pipeline (deals or a change log): "
        "migrate-from copies into a database with no funnelcli schema, or one just set up "
        "by `team init`\n"
    )
    assert snapshot(funnel) == before


def test_a_second_copy_is_refused(funnel, solo, pg_url, monkeypatch):
    assert migrate(funnel, monkeypatch, pg_url, solo).exit_code == 0
    before = snapshot(funnel)
    run = funnel("team", "migrate-from", str(solo))
    assert run.exit_code == 1
    assert run.stderr.count("\n") == 1 and "already holds a pipeline" in run.stderr
    assert snapshot(funnel) == before


def test_a_foreign_database_is_left_alone(funnel, solo, pg_url, monkeypatch):
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE invoices (id int)")
    run = migrate(funnel, monkeypatch, pg_url, solo)
    assert run.exit_code == 1
    assert run.stderr == (
        f"funnel: error: {pg_url} is a PostgreSQL database, but not a funnelcli one: it holds "
        "other tables; give funnelcli an empty database of its own (e.g. `createdb sales`)\n"
    )
    assert tables(pg_url) == ["invoices"]


def row_counts(url: str) -> dict[str, int]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in COPIED}


def row_counts_sqlite(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in COPIED}
    finally:
        conn.close()


def tables(url: str) -> list[str]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"
            )
        ]


@pytest.mark.parametrize("kind", ["text", "foreign", "missing", "directory"])
def test_a_file_that_isnt_a_funnelcli_database_is_refused(
    funnel, pg_url, monkeypatch, tmp_path, kind
):
    path = tmp_path / "other.db"
    if kind == "text":
        path.write_text("name,value\nAcme,5\n")
        said = f"{path} is not a funnelcli database (SQLite says: file is not a database)"
    elif kind == "foreign":
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE invoices (id INTEGER)")
        conn.close()
        said = f"{path} is not a funnelcli database (no deals or pipelines tables)"
    elif kind == "directory":
        path.mkdir()
        said = f"{path} is a directory, not a database file"
    else:
        said = f"no file {path}"
    run = migrate(funnel, monkeypatch, pg_url, path)
    assert (run.exit_code, run.stdout) == (1, "")
    assert run.stderr == f"funnel: error: {said}\n"
    assert tables(pg_url) == []


def test_an_older_file_is_refused_saying_how_to_upgrade_it(funnel, pg_url, monkeypatch, tmp_path):
    path = tmp_path / "old.db"
    shutil.copy(Path(__file__).parent / "fixtures" / "schema-v7.sqlite", path)
    data = path.read_bytes()
    run = migrate(funnel, monkeypatch, pg_url, path)
    assert (run.exit_code, run.stdout) == (1, "")
    assert run.stderr == (
        f"funnel: error: {path} has funnelcli schema 7, older than this funnelcli's "
        f"({SCHEMA_VERSION}): "
        f"upgrade it first by opening it once, e.g. `funnel --db {path} list` (a copy of "
        "it is kept beside it), then run this again\n"
    )
    assert path.read_bytes() == data
    assert tables(pg_url) == []
    # as it says: opened once, it moves
    assert funnel("--db", str(path), "list").exit_code == 0
    assert migrate(funnel, monkeypatch, pg_url, path).exit_code == 0


def test_a_copy_that_fails_midway_leaves_nothing(funnel, solo, pg_url, monkeypatch):
    # A note pointing at a change that isn't there: PostgreSQL refuses it at
    # commit, after every table went in.
    conn = sqlite3.connect(solo)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute(
        "INSERT INTO change_rows (change_id, tbl, op, key) VALUES (999, 'deals', 'insert', '{}')"
    )
    conn.commit()
    conn.close()
    run = migrate(funnel, monkeypatch, pg_url, solo)
    assert (run.exit_code, run.stdout) == (1, "")
    assert run.stderr.startswith(f"funnel: error: can't copy {solo} into {pg_url}: ")
    assert run.stderr.count("\n") == 1
    assert tables(pg_url) == []


@pytest.mark.maven
@pytest.mark.slow
def test_the_real_data_set_moves_as_it_was(funnel, isolated, pg_url, monkeypatch):
    mapping = (
        "--pipeline", "maven",
        "--map", "external_id=opportunity_id", "--map", "title=product",
        "--map", "owner=sales_agent", "--map", "value=close_value",
        "--map", "closed_at=close_date", "--stage-date", "Engaging=engage_date",
    )  # fmt: skip
    monkeypatch.setenv("FUNNEL_DB", str(isolated / "funnel.db"))  # the solo file
    run_all(funnel, [("pipeline", "create", "maven", "--stages", "Prospecting,Engaging")])
    run = funnel("import", str(MAVEN / "sales_pipeline.csv"), *mapping)
    assert run.exit_code == 0, run.stderr[-2000:]
    assert funnel("delete", "8800", "--yes").exit_code == 0
    before = snapshot(funnel)
    run = migrate(funnel, monkeypatch, pg_url, isolated / "funnel.db")
    assert run.exit_code == 0, run.stderr
    assert run.stderr.startswith("copied 8,799 deals (")
    assert snapshot(funnel) == before
    run = funnel("add", "Next", "--pipeline", "maven", "--format", "json")
    assert run.json()["id"] == 8801  # type: ignore[index]


def test_migrate_from_output_is_inert(funnel, solo, pg_url, monkeypatch):
    """FILE's name (here with an escape and a bidi override) is shown
    escaped, on failure and on success."""
    hostile = solo.with_name("\x1b[31mred\u202e.db")
    missing = migrate(funnel, monkeypatch, pg_url, hostile)
    assert missing.exit_code == 1
    solo.rename(hostile)
    done = funnel("team", "migrate-from", str(hostile))
    assert done.exit_code == 0, done.stderr
    for run in (missing, done):
        assert "\x1b" not in run.stderr and "\u202e" not in run.stderr
        assert "\\x1b[31mred\\u202e.db" in run.stderr


def test_a_zone_postgresql_doesnt_know_is_refused(funnel, solo, pg_url, monkeypatch):
    conn = sqlite3.connect(solo)
    conn.execute("UPDATE settings SET value = 'Nowhere/Atlantis' WHERE key = 'timezone'")
    conn.commit()
    conn.close()
    run = migrate(funnel, monkeypatch, pg_url, solo)
    assert (run.exit_code, run.stdout) == (1, "")
    assert run.stderr.count("\n") == 1 and "Nowhere/Atlantis" in run.stderr, run.stderr
    assert tables(pg_url) == []


def test_the_target_must_be_a_postgresql_database(funnel, solo, tmp_path):
    run = funnel("--db", str(tmp_path / "team.db"), "team", "migrate-from", str(solo))
    assert (run.exit_code, run.stdout) == (1, "")
    assert run.stderr == (
        "funnel: error: `team migrate-from` needs a PostgreSQL database: name it with "
        "--db postgresql://HOST/DATABASE (or FUNNEL_DB, or config `db`)\n"
    )
    assert not (tmp_path / "team.db").exists()
