"""`funnel export`, and export → import into an empty database giving back the
same deals, pipelines, history, touches and report figures (JSONL, JSON, CSV);
`funnel backup` and `funnel restore`."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest

from helpers import (
    HISTORY,  # the hand-built history the report tests check
    ok,
)

EXTRA: list[tuple[str, ...]] = [
    # touches, tags, custom fields, a snooze, follow-ups, text a spreadsheet would run
    ("log", "7", "call", "asked for =SUM(A1)", "--at", "2026-11-10"),
    ("log", "9", "email", "--at", "2026-11-21T09:30"),
    ("edit", "7", "--tag", "enterprise", "--tag", "priority", "--field", "region=north"),
    ("edit", "9", "--field", "source_url=https://x.example/?a=1,b=2"),
    ("add", '=HYPERLINK("http://evil")', "--org", "+Plus Corp", "--contact", "@handle"),
    ("add", "'quoted", "--value", "10", "--external-id", "EXT-1"),
    ("snooze", "8", "2026-12-01", "--reason", "holidays"),
    ("follow-up", "6", "2026-11-30 14:00"),
    ("stage", "set", "demo", "--probability", "55"),
]


@pytest.fixture
def rich_db(funnel):
    for args in HISTORY + EXTRA:
        run = funnel(*args)
        assert run.exit_code == 0, (args, run.stderr)
    return funnel


def _diff(a: object, b: object, path: str = "") -> list[str]:
    """Where two JSON values differ (for a readable failure)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for k in a.keys() | b.keys() for d in _diff(a.get(k), b.get(k), f"{path}.{k}")]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [
            d
            for i, (x, y) in enumerate(zip(a, b, strict=True))
            for d in _diff(x, y, f"{path}[{i}]")
        ]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


def snapshot(funnel) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Everything a user can see: deals, each deal's history and touches,
    pipelines and stages, and the reports."""
    deals = ok(funnel, "list", "--status", "all", "--format", "json").json()
    shown = [ok(funnel, "show", str(d["id"]), "--format", "json").json() for d in deals]
    return {
        "deals": deals,
        "shown": shown,
        "pipelines": ok(funnel, "pipeline", "list", "--format", "json").json(),
        "stages": [
            ok(funnel, "stage", "list", "--pipeline", p, "--format", "json").json()
            for p in ("sales", "renewals")
        ],
        "metrics": ok(funnel, "report", "metrics", "--format", "json").json(),
        "funnel": ok(funnel, "report", "funnel", "--format", "json").json(),
        "window": ok(
            funnel,
            "report",
            "funnel",
            "--since",
            "2026-10-15",
            "--until",
            "2026-11-06",
            "--format",
            "json",
        ).json(),
        "owners": ok(funnel, "report", "owners", "--format", "json").json(),
        "due": ok(funnel, "due", "--format", "json").json(),
    }


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv"])
def test_export_then_import_gives_back_the_same_everything(rich_db, isolated, monkeypatch, fmt):
    before = snapshot(rich_db)
    path = isolated / f"all.{fmt}"
    run = ok(rich_db, "export", "--output", str(path))
    assert run.stdout == ""
    assert run.stderr == f"exported 12 deals to {path}\n"
    monkeypatch.setenv("FUNNEL_DB", str(isolated / "fresh.db"))
    run = ok(rich_db, "import", str(path))  # no flags: it knows its own export
    assert "imported 12 deals" in run.stderr
    after = snapshot(rich_db)
    for key in before:
        assert after[key] == before[key], (key, _diff(before[key], after[key]))
    # and exporting again gives the same file
    again = isolated / f"again.{fmt}"
    ok(rich_db, "export", "--output", str(again))
    assert again.read_text() == path.read_text()
    # importing it once more changes nothing
    run = ok(rich_db, "import", str(path))
    assert run.stderr == "imported 0 deals, updated 0, unchanged 12\n"


def _without_exported_at(text: str, fmt: str) -> str:
    """The file with its header's exported_at blanked (CSV has none)."""
    if fmt == "csv":
        return text
    first, _, rest = text.partition("\n")
    header = json.loads(first) if fmt == "jsonl" else json.loads(text)
    assert header["exported_at"]
    header["exported_at"] = None
    if fmt == "json":
        return json.dumps(header)
    return json.dumps(header) + "\n" + rest


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv"])
@pytest.mark.parametrize("clock", ["pinned apart", "running"])
def test_the_round_trip_gives_the_same_file_whatever_the_clock_says(
    rich_db, isolated, monkeypatch, fmt, clock
):
    """export -> import into an empty database -> export: the same file but
    for exported_at, with the import and each export at its own time (issue
    14: updated_at came back as the import's time when the clock moved)."""
    times = ["2026-11-24T08:00:00", "2026-11-30T12:00:00", "2026-12-01T17:30:00"]
    if clock == "running":
        from datetime import datetime

        if datetime.now() < datetime(2026, 11, 24):
            pytest.skip("the machine's clock is before the test's history")
        monkeypatch.delenv("FUNNEL_NOW")

    def at(i: int) -> None:
        if clock != "running":
            monkeypatch.setenv("FUNNEL_NOW", times[i])

    first, again = isolated / f"first.{fmt}", isolated / f"again.{fmt}"
    at(0)
    ok(rich_db, "export", "--output", str(first))
    monkeypatch.setenv("FUNNEL_DB", str(isolated / "fresh.db"))
    at(1)
    ok(rich_db, "import", str(first))
    at(2)
    ok(rich_db, "export", "--output", str(again))
    a, b = (_without_exported_at(p.read_text(), fmt) for p in (first, again))
    assert a.splitlines() == b.splitlines()


def test_an_export_piped_into_a_json_file_imports(rich_db, isolated, monkeypatch):
    """`funnel export > all.json` writes JSON lines under a .json name: import
    reads what the file holds. One whole object alone on one line stays JSON."""
    piped = isolated / "all.json"
    piped.write_text(ok(rich_db, "export").stdout)
    monkeypatch.setenv("FUNNEL_DB", str(isolated / "fresh.db"))
    assert ok(rich_db, "import", str(piped)).stderr == (
        "imported 12 deals, updated 0, unchanged 0; created pipeline renewals\n"
    )
    back = isolated / "back.jsonl"
    ok(rich_db, "export", "--output", str(back))
    assert _without_exported_at(back.read_text(), "jsonl").splitlines() == (
        _without_exported_at(piped.read_text(), "jsonl").splitlines()
    )
    one = isolated / "one.json"
    one.write_text('{"deals": [{"title": "Solo"}]}\n')
    monkeypatch.setenv("FUNNEL_DB", str(isolated / "other.db"))
    run = rich_db("import", str(one))
    assert "line 2" not in run.stderr  # read as one JSON document, not as lines


def test_jsonl_carries_pipelines_history_and_touches(rich_db):
    lines = ok(rich_db, "export").stdout.splitlines()
    header = json.loads(lines[0])
    assert header["funnelcli_export"] == 1
    assert [p["name"] for p in header["pipelines"]] == ["sales", "renewals"]
    demo = header["pipelines"][0]["stages"][3]
    assert demo == {
        "name": "demo",
        "probability": 55,
        "rot_days": 14,
        "cadence_days": 5,
        "owner": None,
    }
    assert len(header["pipelines"][0]["uuid"]) == 36
    deals = [json.loads(line) for line in lines[1:]]
    assert [d["id"] for d in deals] == list(range(1, 13))
    hotel = deals[7]
    assert [(h["from_stage"], h["to_stage"], h["to_status"]) for h in hotel["history"]] == [
        (None, "lead", "open"),
        ("lead", "proposal", "open"),
        ("proposal", "proposal", "lost"),
        ("proposal", "proposal", "open"),
    ]
    golf = deals[6]
    assert golf["probability_override"] == 35
    assert [(a["kind"], a["note"]) for a in golf["activities"]] == [("call", "asked for =SUM(A1)")]
    assert golf["tags"] == ["enterprise", "priority"] and golf["fields"] == {"region": "north"}


def test_csv_is_safe_in_a_spreadsheet_and_has_a_date_per_stage(rich_db):
    text = ok(rich_db, "export", "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    header = next(csv.reader(io.StringIO(text)))
    assert [c for c in header if c.startswith("entered_")] == [
        "entered_lead", "entered_qualified", "entered_contacted", "entered_demo",
        "entered_proposal", "entered_negotiation", "entered_ask", "entered_quote",
        "entered_signed",
    ]  # fmt: skip
    alpha = rows[0]
    assert (alpha["entered_lead"], alpha["entered_qualified"], alpha["entered_demo"]) == (
        "2026-10-01T00:00:00Z",
        "2026-10-03T00:00:00Z",
        "2026-10-08T00:00:00Z",
    )
    assert alpha["entered_proposal"] == ""
    evil = rows[10]
    # no cell starts with a character a spreadsheet reads as a formula
    assert (evil["title"], evil["org"], evil["contact"]) == (
        '\'=HYPERLINK("http://evil")',
        "'+Plus Corp",
        "'@handle",
    )
    assert rows[11]["title"] == "''quoted"  # so that import can undo exactly one '
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    assert json.loads(rows[0]["pipelines"])[1]["name"] == "renewals"
    assert all(r["pipelines"] == "" for r in rows[1:])


def test_a_csv_export_edited_in_a_spreadsheet_still_imports(rich_db, isolated, monkeypatch):
    """A spreadsheet that drops the history column: the entered_<stage> dates
    rebuild a history as far as they go."""
    text = ok(rich_db, "export", "--format", "csv", "--pipeline", "sales").stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    keep = ["title", "org", "value", "currency", "stage", "status", "created_at", "closed_at",
            "entered_lead", "entered_qualified", "entered_demo"]  # fmt: skip
    out = io.StringIO()
    w = csv.DictWriter(out, keep, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    (isolated / "edited.csv").write_text(out.getvalue())
    monkeypatch.setenv("FUNNEL_DB", str(isolated / "fresh.db"))
    ok(rich_db, "import", str(isolated / "edited.csv"))
    alpha = ok(rich_db, "show", "1", "--format", "json").json()
    assert [(h["from_stage"], h["to_stage"]) for h in alpha["history"]] == [
        (None, "lead"),
        ("lead", "qualified"),
        ("qualified", "demo"),
        ("demo", "won"),
    ]
    evil = ok(rich_db, "show", "10", "--format", "json").json()
    assert evil["title"] == '\'=HYPERLINK("http://evil")'  # not its own export: kept as is


def test_export_filters_and_bad_options(rich_db):
    lines = ok(rich_db, "export", "--status", "won").stdout.splitlines()
    assert [json.loads(x)["title"] for x in lines[1:]] == ["Alpha", "Bravo", "Echo", "Juliet"]
    lines = ok(rich_db, "export", "--pipeline", "renewals").stdout.splitlines()
    assert [json.loads(x)["title"] for x in lines[1:]] == ["Juliet"]
    assert json.loads(ok(rich_db, "export", "-f", "json").stdout)["deals"][0]["title"] == "Alpha"
    for args, message in [
        (("--format", "xml"), "--format must be jsonl, json or csv"),
        (("--status", "maybe"), "--status must be open, won, lost or all"),
    ]:
        run = rich_db("export", *args)
        assert run.exit_code == 2 and message in run.stderr
    run = rich_db("export", "--pipeline", "nope")
    assert run.exit_code == 1 and "no pipeline 'nope'" in run.stderr


def test_an_empty_database_exports_a_header(funnel, fresh):
    lines = ok(funnel, "export").stdout.splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["funnelcli_export"] == 1
    text = ok(funnel, "export", "--format", "csv").stdout
    assert text.startswith("id,uuid,external_id,title,")


def test_a_failed_export_leaves_no_file(funnel, isolated):
    ok(funnel, "add", "A")
    target = isolated / "out.jsonl"
    run = funnel("export", "--pipeline", "nope", "--output", str(target))
    assert run.exit_code == 1
    assert not target.exists()
    assert list(isolated.glob(".out.jsonl*")) == []


# -- backup and restore ----------------------------------------------------------


@pytest.mark.sqlite_only  # backup and restore of the SQLite file
def test_backup_and_restore(funnel, isolated):
    ok(funnel, "add", "Before")
    backup = isolated / "backup.db"
    run = ok(funnel, "backup", str(backup))
    assert run.stderr == f"backed up to {backup}\n"
    assert oct(backup.stat().st_mode & 0o777) == "0o600"
    assert funnel("backup", str(backup)).exit_code == 1  # exists: needs --force
    ok(funnel, "backup", str(backup), "--force")
    ok(funnel, "add", "After")
    run = ok(funnel, "restore", str(backup))
    kept = isolated / "funnel.db.before-restore-20261123T101500"
    assert run.stderr == f"restored from {backup}; the replaced database is kept at {kept}\n"
    assert [d["title"] for d in ok(funnel, "list", "--format", "json").json()] == ["Before"]
    conn = sqlite3.connect(kept)
    assert [r[0] for r in conn.execute("SELECT title FROM deals ORDER BY id")] == [
        "Before",
        "After",
    ]
    conn.close()


@pytest.mark.sqlite_only  # backup and restore of the SQLite file
def test_restore_refuses_what_is_not_a_funnelcli_database(funnel, isolated):
    ok(funnel, "add", "Mine")
    text = isolated / "notes.txt"
    text.write_text("hello\n")
    other = isolated / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.close()
    for path, message in [
        (text, "is not a funnelcli database"),
        (other, "is not a funnelcli database (no deals or pipelines tables)"),
        (isolated / "missing.db", "no file"),
    ]:
        run = funnel("restore", str(path))
        assert run.exit_code == 1, path
        assert message in run.stderr
        assert len(run.stderr.splitlines()) == 1
    assert [d["title"] for d in ok(funnel, "list", "--format", "json").json()] == ["Mine"]
    assert list(isolated.glob("funnel.db.before-restore-*")) == []


@pytest.mark.sqlite_only  # backup and restore of the SQLite file
def test_backup_of_nothing(funnel, isolated):
    run = funnel("backup", str(isolated / "b.db"))
    assert run.exit_code == 1 and "nothing to back up" in run.stderr
    assert not Path(isolated / "b.db").exists()


def test_export_to_a_pipe_writes_into_it(funnel, isolated):
    """/dev/stdout, a FIFO: written as they are, never replaced by a file."""
    import os
    import threading

    ok(funnel, "add", "A")
    fifo = isolated / "pipe"
    os.mkfifo(fifo)
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()))
    reader.start()
    ok(funnel, "export", "--format", "jsonl", "--output", str(fifo))
    reader.join(10)
    assert json.loads(got[0].splitlines()[1])["title"] == "A"
    assert fifo.is_fifo()


def test_an_export_file_is_private_and_errors_are_one_line(funnel, isolated):
    ok(funnel, "add", "A")
    target = isolated / "out.csv"
    ok(funnel, "export", "--output", str(target))
    assert target.stat().st_mode & 0o777 == 0o600
    run = funnel("export", "--output", str(isolated / "missing-dir" / "x.jsonl"))
    assert run.exit_code == 1
    assert run.stderr.startswith("funnel: error: can't write ")
    assert len(run.stderr.splitlines()) == 1


@pytest.mark.sqlite_only  # backup and restore of the SQLite file
def test_a_backup_never_replaces_a_directory_or_device(funnel, isolated):
    ok(funnel, "add", "A")
    run = funnel("backup", str(isolated), "--force")
    assert run.exit_code == 1
    assert "is not a regular file" in run.stderr
    assert isolated.is_dir()
