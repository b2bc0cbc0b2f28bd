"""`funnel undo --dry-run [CHANGE]` (issue 13): what undo would revert (the
change, its command line, its age, the deals it touches), written nowhere,
with the very refusals a real undo would meet (exit 1, as undo's)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from helpers import ERROR, NO_DATABASE_YET, add, dump, fails, ok, ok_json, one_error_line, team_url


def _file(db: Path) -> object:
    """The database file's bytes (a hash), its mtime and what lies beside it
    (a team database: its rows)."""
    if team_url(db) is not None:
        return dump(db)
    beside = sorted(p.name for p in db.parent.iterdir() if p.name.startswith(db.name))
    return hashlib.sha256(db.read_bytes()).hexdigest(), os.stat(db).st_mtime_ns, beside


def _dry(funnel, db: Path, *args: str):  # type: ignore[no-untyped-def]
    """`undo --dry-run ARGS`, checking it left the file exactly as it was."""
    before = _file(db)
    run = funnel("undo", "--dry-run", *args)
    assert _file(db) == before
    return run


@pytest.fixture
def db(isolated: Path) -> Path:
    return isolated / "funnel.db"


def test_it_shows_the_change_its_age_and_deals_and_reverts_nothing(funnel, db, monkeypatch):
    monkeypatch.setenv("LOGNAME", "anna")  # who made the changes
    monkeypatch.delenv("FUNNEL_USER", raising=False)
    add(funnel, "Acme renewal", "--org", "Acme")
    add(funnel, "Globex pilot")
    ok(funnel, "move", "1", "demo")
    ok(funnel, "edit", "2", "--tag", "hot")
    monkeypatch.setenv("FUNNEL_NOW", "2026-11-23T13:20")
    run = _dry(funnel, db)
    assert (run.exit_code, run.stderr) == (0, "")
    assert run.stdout == (
        "would undo change #4: funnel edit 2 --tag hot (anna, 3 h ago)\n"
        "  1 tag added, 1 deal changed\n"
        "  #2 Globex pilot\n"
    )
    assert _dry(funnel, db, "3").stdout.splitlines()[2] == "  #1 Acme renewal"
    # the same change a real undo then reverts
    assert "undid change #4 (funnel edit 2 --tag hot" in ok(funnel, "undo").stderr
    assert ok_json(funnel, "show", "2")["tags"] == []


def test_age_is_minutes_hours_or_a_date(funnel, db, monkeypatch):
    add(funnel, "A")
    for now, age in [
        ("2026-11-23T10:15:30", "just now"),
        ("2026-11-23T10:27", "12 min ago"),
        ("2026-11-24T10:14", "23 h ago"),
        ("2026-11-24T10:15", "2026-11-23 10:15"),
    ]:
        monkeypatch.setenv("FUNNEL_NOW", now)
        first = _dry(funnel, db).stdout.splitlines()[0]
        assert first.endswith(f", {age})"), first


def test_json(funnel, db):
    add(funnel, "Acme")
    add(funnel, "Globex")
    ok(funnel, "delete", "1", "--yes")
    run = _dry(funnel, db, "--format", "json")
    assert run.exit_code == 0 and run.stderr == ""
    got = run.json()
    assert set(got) == {"target", "redo", "age_seconds", "deals", "refused"}
    assert got["target"] == ok_json(funnel, "changes")[0]  # as `funnel changes` shows it
    assert got["target"]["command"] == "funnel delete 1 --yes"
    # a deleted deal is named by its title when it was deleted
    assert (got["redo"], got["age_seconds"], got["refused"]) == (False, 0, None)
    assert got["deals"] == [{"id": 1, "title": "Acme"}]


def test_a_redo_names_the_change_it_puts_back(funnel, db):
    add(funnel, "Acme")
    ok(funnel, "move", "1", "demo")  # 2
    ok(funnel, "undo")  # 3
    run = _dry(funnel, db, "3")
    assert run.stdout.startswith("would redo change #2: funnel move 1 demo (")
    got = _dry(funnel, db, "3", "--format", "json").json()
    assert (got["target"]["id"], got["redo"], got["deals"]) == (
        3,
        True,
        [{"id": 1, "title": "Acme"}],
    )


def test_an_import_lists_ten_deals_and_counts_the_rest(funnel, db, tmp_path):
    (tmp_path / "i.csv").write_text("title\n" + "".join(f"D{i}\n" for i in range(1, 14)))
    ok(funnel, "import", str(tmp_path / "i.csv"))
    lines = _dry(funnel, db).stdout.splitlines()
    assert lines[2:] == [f"  #{i} D{i}" for i in range(1, 11)] + ["  … and 3 more deals"]
    assert len(_dry(funnel, db, "--format", "json").json()["deals"]) == 13


def _refused_alike(funnel, db, ref: str, text: str) -> None:
    """The dry run shows the change, then the refusal a real undo meets: its
    error line and exit 1, nothing written."""
    run = _dry(funnel, db, ref)
    assert run.exit_code == 1 and run.stdout.startswith(f"would undo change #{ref}:")
    real = funnel("undo", ref)
    assert run.stderr == real.stderr and real.exit_code == 1
    assert text in one_error_line(run.stderr)
    got = _dry(funnel, db, ref, "--format", "json")
    assert got.exit_code == 1 and got.stderr == run.stderr
    assert got.json()["refused"] == one_error_line(run.stderr)


def test_a_conflict_is_refused_as_undo_refuses_it(funnel, db):
    add(funnel, "Acme")
    ok(funnel, "move", "1", "demo")  # 2
    ok(funnel, "move", "1", "proposal")  # 3
    _refused_alike(funnel, db, "2", "change #3 since then changed the same deals")


def test_a_refusal_found_only_by_reverting_is_refused_too(funnel, db):
    # nothing later touched the delete's rows: only the revert itself finds
    # the deal would be back in a removed stage
    add(funnel, "A", "--stage", "demo")
    ok(funnel, "delete", "1", "--yes")  # 2
    ok(funnel, "stage", "remove", "demo")  # 3
    _refused_alike(funnel, db, "2", "stage demo, removed since")


def test_pruned_and_already_undone_are_refused(funnel, db):
    add(funnel, "A")
    add(funnel, "B")  # 2
    ok(funnel, "move", "2", "demo")  # 3
    ok(funnel, "undo")  # 4
    ok(funnel, "changes", "--prune", "2")
    _refused_alike(funnel, db, "1", "its notes were pruned")
    _refused_alike(funnel, db, "3", "already undone (by #4)")


def test_nothing_to_undo_and_no_such_change(funnel, fresh):
    run = funnel("undo", "--dry-run")
    assert (run.exit_code, run.stdout) == (1, "")
    assert run.stderr == (
        NO_DATABASE_YET.format(fresh) + f"{ERROR}nothing to undo: no change is in effect\n"
    )
    assert not fresh.exists()  # a dry run creates no database
    add(funnel, "A")
    fails(funnel, 1, "no change #9 (see `funnel changes`)", "undo", "--dry-run", "9")
    run = funnel("undo", "--dry-run", "x")
    assert run.exit_code == 1 and run.stderr.startswith(ERROR)


@pytest.mark.sqlite_only  # a rollback-journal SQLite file
def test_a_rollback_journal_file_is_left_as_it_was(funnel, db):
    """A file from before WAL: the dry run neither switches it to WAL (as a
    write would) nor lets its cache spill into it."""
    import sqlite3

    add(funnel, "Acme")
    ok(funnel, "move", "1", "demo")
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA journal_mode = DELETE").fetchone() == ("delete",)
    conn.close()
    run = _dry(funnel, db)
    assert run.exit_code == 0 and run.stdout.startswith("would undo change #2:")
    assert db.read_bytes()[18:20] == b"\1\1"  # still the rollback journal
