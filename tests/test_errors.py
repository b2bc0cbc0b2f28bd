"""Bad input: one line on stderr naming the problem, the right exit code, nothing
on stdout, and the database exactly as it was."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import funnelcli.store.connection
from funnelcli.dates import FORMS
from funnelcli.schema import SCHEMA_VERSION
from helpers import dump, one_error, one_error_line

STAGES = "lead, qualified, contacted, demo, proposal, negotiation"
DATE_HINT = f"({FORMS})"


@pytest.fixture
def db(funnel: Any, isolated: Path) -> Iterator[Path]:
    """A database with one open deal (#1, external id SF-1) and one won deal (#2)."""
    for args in (
        ["add", "Acme", "--value", "4800", "--external-id", "SF-1", "--tag", "eu",
         "--field", "segment=smb", "--at", "2026-11-20", "--note", "hello"],
        ["move", "1", "demo", "--at", "2026-11-21"],
        ["add", "Globex", "--stage", "proposal"],
        ["won", "2"],
    ):  # fmt: skip
        r = funnel(*args)
        assert r.exit_code == 0, r.stderr
    yield isolated / "funnel.db"


# (arguments, exit code, message). Every case runs against the `db` fixture.
CASES: list[tuple[list[str], int, str]] = [
    # unknown things
    (["show", "99"], 1, "no deal '99' (number, external id, uuid, or part of title/org)"),
    (["show", "SF-2"], 1, "no deal 'SF-2' (number, external id, uuid, or part of title/org)"),
    (
        ["show", "99999999999999999999"],
        1,
        "no deal '99999999999999999999' (number, external id, uuid, or part of title/org)",
    ),
    (["move", "99", "demo"], 1, "no deal '99' (number, external id, uuid, or part of title/org)"),
    (
        ["edit", "99", "--org", "x"],
        1,
        "no deal '99' (number, external id, uuid, or part of title/org)",
    ),
    (["won", "99"], 1, "no deal '99' (number, external id, uuid, or part of title/org)"),
    (
        ["lost", "99", "--reason", "x"],
        1,
        "no deal '99' (number, external id, uuid, or part of title/org)",
    ),
    (["reopen", "99"], 1, "no deal '99' (number, external id, uuid, or part of title/org)"),
    (
        ["delete", "99", "--yes"],
        1,
        "no deal '99' (number, external id, uuid, or part of title/org)",
    ),
    (["move", "1", "trial"], 1, f"no stage 'trial' in pipeline sales (stages: {STAGES})"),
    (["add", "X", "--stage", "trial"], 1, f"no stage 'trial' in pipeline sales (stages: {STAGES})"),
    (["list", "--stage", "trial"], 1, f"no stage 'trial' in pipeline sales (stages: {STAGES})"),
    (
        ["stage", "set", "trial", "--probability", "5"],
        1,
        f"no stage 'trial' in pipeline sales (stages: {STAGES})",
    ),
    (["add", "X", "--pipeline", "nope"], 1, "no pipeline 'nope'; pipelines: sales"),
    (["list", "--pipeline", "nope"], 1, "no pipeline 'nope'; pipelines: sales"),
    (["stage", "add", "x", "--pipeline", "nope"], 1, "no pipeline 'nope'; pipelines: sales"),
    (
        ["list", "--sort", "size"],
        1,
        "--sort: no field 'size' (fields: id, title, org, value, "
        "stage, owner, status, created, updated, closed, next, "
        "expected, score)",
    ),
    (
        ["list", "--sort", "-size"],
        1,
        "--sort: no field 'size' (fields: id, title, org, value, "
        "stage, owner, status, created, updated, closed, next, "
        "expected, score)",
    ),
    (["edit", "1", "--field", "region="], 1, "deal 1 has no field 'region'"),
    (
        ["pipeline", "create", "x", "--template", "nope"],
        1,
        "no template 'nope' (templates: default, simple, lifecycle, contract, b2b)",
    ),
    # bad values
    (
        ["add", "X", "--follow-up", "someday"],
        1,
        f"--follow-up: can't read 'someday' as a date {DATE_HINT}",
    ),
    (
        ["add", "X", "--expected-close", "2026-02-30"],
        1,
        f"--expected-close: '2026-02-30' is not a real date or time {DATE_HINT}",
    ),
    (
        ["move", "1", "proposal", "--at", "03/04/2026"],
        1,
        "--at: '03/04/2026' is ambiguous: is it 3 April or March 4? Use ISO (2026-04-03) or set "
        f"date_order to dmy or mdy {DATE_HINT}",
    ),
    (["add", "X", "--value", "12abc"], 1, "can't read '12abc' as an amount"),
    (["add", "X", "--value", "1.2.3,4"], 1, "can't read '1.2.3,4' as an amount"),
    (["add", "X", "--value", "-5"], 1, "amounts can't be negative: '-5'"),
    (["add", "X", "--value", "-€5"], 1, "amounts can't be negative: '-€5'"),
    (["won", "1", "--value", "-5"], 1, "amounts can't be negative: '-5'"),
    (["edit", "1", "--value", "1.5055"], 1, "'1.5055' has more decimals than USD allows (2)"),
    (
        ["add", "X", "--value", "€5", "--currency", "USD"],
        1,
        "--value €5 is in EUR but --currency says USD",
    ),
    (
        ["add", "X", "--currency", "dollars"],
        1,
        "'dollars' is not a currency code (use ISO codes like USD, EUR, PLN)",
    ),
    (
        ["add", "X", "--email", "not-an-email"],
        1,
        "--email: 'not-an-email' is not an e-mail address",
    ),
    (["edit", "1", "--email", "a@"], 1, "--email: 'a@' is not an e-mail address"),
    (["add", "X", "--probability", "101"], 1, "--probability must be between 0 and 100, not 101"),
    (["edit", "1", "--probability", "101"], 1, "--probability must be between 0 and 100, not 101"),
    (
        ["stage", "set", "demo", "--probability", "101"],
        1,
        "--probability must be between 0 and 100, not 101",
    ),
    (
        ["stage", "set", "demo", "--rot-days", "99999999999999999999"],
        1,
        "--rot-days must be at most 3650 days, not 99999999999999999999",
    ),
    (["add", " "], 1, "a deal needs a title"),
    (["add", "X", "--tag", "a,b"], 1, "--tag: 'a,b' is not a tag (non-empty, no commas)"),
    (["add", "X", "--field", "novalue"], 1, "--field: 'novalue' is not key=value"),
    (
        ["list", "--status", "closed"],
        2,
        "--status must be one of open, won, lost, all, not 'closed'",
    ),
    (["list", "--limit", "-1"], 1, "--limit can't be negative"),
    # time travel
    (
        ["move", "1", "proposal", "--at", "tomorrow"],
        1,
        "--at tomorrow is in the future; history records what already happened",
    ),
    (
        ["add", "X", "--at", "+1d"],
        1,
        "--at +1d is in the future; history records what already happened",
    ),
    (
        ["move", "1", "proposal", "--at", "2026-11-20"],
        1,
        "--at 2026-11-20 is before deal 1's last change (2026-11-21 00:00); history must stay "
        "in order",
    ),
    (["add", "X", "--follow-up", "-1d"], 1, "--follow-up -1d is in the past (2026-11-22)"),
    # conflicts
    (["move", "1", "demo"], 1, "deal 1 is already in demo"),
    (["move", "2", "demo"], 1, "deal 2 is won; `funnel reopen 2` first"),
    (["won", "2"], 1, "deal 2 is already won"),
    (["reopen", "1"], 1, "deal 1 is already open"),
    (["move", "1", "won"], 1, "'won' is an outcome, not a stage: use `funnel won DEAL`"),
    (["add", "X", "--external-id", "SF-1"], 1, "external id 'SF-1' is already deal 1"),
    (["pipeline", "create", "Sales", "--stages", "a"], 1, "pipeline 'Sales' already exists"),
    (["pipeline", "create", "x"], 2, 'give either --stages "A,B,C" or --template NAME'),
    (
        ["stage", "add", "won"],
        1,
        "'won' is an outcome, not a stage: every pipeline has won and lost",
    ),
    (["stage", "add", "Demo"], 1, "pipeline sales already has a stage 'Demo'"),
    (
        ["stage", "remove", "demo"],
        1,
        "stage demo holds 1 deal(s): #1 (open); move them to another stage first",
    ),
    (
        ["stage", "remove", "proposal"],
        1,
        "stage proposal holds 1 deal(s): #2 (won); move them to another stage first",
    ),
    # closing
    (["lost", "1", "--reason", ""], 1, "a lost deal needs --reason"),
    (["delete", "1"], 1, "not deleting without --yes (stdin is not a terminal to ask on)"),
    # formats: usage errors of funnelcli's own (exit 2)
    (["list", "--format", "xml"], 2, "--format must be one of table, json, jsonl, csv, not 'xml'"),
    (
        ["add", "X", "--format", "yaml"],
        2,
        "--format must be one of table, json, jsonl, csv, not 'yaml'",
    ),
    (["show", "1", "--format", "csv"], 2, "--format csv is for lists; use table or json here"),
    (["show", "1", "--format", "jsonl"], 2, "--format jsonl is for lists; use table or json here"),
    (["add", "X", "--format", "csv"], 2, "--format csv is for lists; use table or json here"),
    (
        ["move", "1", "proposal", "-f", "jsonl"],
        2,
        "--format jsonl is for lists; use table or json here",
    ),
    (["delete", "1", "--yes", "-f", "csv"], 2, "--format csv is for lists; use table or json here"),
    (
        ["pipeline", "create", "x", "--stages", "a", "-f", "csv"],
        2,
        "--format csv is for lists; use table or json here",
    ),
    (
        ["stage", "add", "x", "-f", "jsonl"],
        2,
        "--format jsonl is for lists; use table or json here",
    ),
    (
        ["stage", "set", "demo", "--probability", "1", "-f", "csv"],
        2,
        "--format csv is for lists; use table or json here",
    ),
    (
        ["stage", "rename", "demo", "x", "-f", "csv"],
        2,
        "--format csv is for lists; use table or json here",
    ),
]


@pytest.mark.parametrize(
    ("args", "code", "message"), CASES, ids=[" ".join(c[0])[:60] for c in CASES]
)
def test_bad_invocation(funnel, db, args, code, message):
    before = dump(db)
    r = funnel(*args)
    assert r.exit_code == code
    assert r.stdout == ""
    assert one_error_line(r.stderr) == message
    assert dump(db) == before


# Usage errors Typer reports itself, in its own format: exit 2, no traceback
# (the fixture checks that), nothing on stdout, nothing changed.
USAGE = [
    ["lost", "1"],
    ["add"],
    ["move", "1"],
    ["add", "X", "--probability", "high"],
    ["list", "--limit", "many"],
    ["add", "X", "--no-such-flag"],
    ["frobnicate"],
    ["stage", "set", "demo", "--rot-days", "1.5"],
]


@pytest.mark.parametrize("args", USAGE, ids=[" ".join(a) for a in USAGE])
def test_typer_usage_errors(funnel, db, args):
    before = dump(db)
    r = funnel(*args)
    assert (r.exit_code, r.stdout) == (2, "")
    assert r.stderr.strip()
    assert dump(db) == before


def test_errors_with_control_characters_stay_on_one_line(funnel, db):
    before = dump(db)
    r = funnel("show", "a\nb\x1b[31m")
    assert r.exit_code == 1
    assert one_error_line(r.stderr) == (
        "no deal 'a\\x0ab\\x1b[31m' (number, external id, uuid, or part of title/org)"
    )
    assert dump(db) == before


def test_bad_funnel_now(funnel, db, monkeypatch):
    monkeypatch.setenv("FUNNEL_NOW", "next tuesday")
    before = dump(db)
    r = funnel("add", "X")
    assert (r.exit_code, r.stdout) == (1, "")
    assert one_error_line(r.stderr) == "FUNNEL_NOW='next tuesday' is not an ISO date or datetime"
    assert dump(db) == before


def test_bad_config_file(funnel, db, isolated):
    (isolated / "config.toml").write_text("owner = \n")
    before = dump(db)
    r = funnel("add", "X")
    assert (r.exit_code, r.stdout) == (1, "")
    assert one_error_line(r.stderr).startswith(
        f"config file {isolated / 'config.toml'} is not valid TOML: "
    )
    assert dump(db) == before


# -- the database itself --------------------------------------------------------

COMMANDS = [["list"], ["show", "1"], ["add", "X"], ["pipeline", "list"], ["move", "1", "demo"]]


@pytest.mark.sqlite_only  # what SQLite makes of a file that is not (or not yet) funnelcli's
@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(a) for a in COMMANDS])
def test_file_that_is_not_sqlite(funnel, isolated, args):
    path = isolated / "funnel.db"
    garbage = b"this is not a database\n" * 200
    path.write_bytes(garbage)
    r = funnel(*args)
    assert (r.exit_code, r.stdout) == (1, "")
    assert one_error_line(r.stderr) == (
        f"{path} is not a funnelcli database (SQLite says: file is not a database)"
    )
    assert path.read_bytes() == garbage


@pytest.mark.sqlite_only  # what SQLite makes of a file that is not (or not yet) funnelcli's
def test_sqlite_file_of_another_program(funnel, isolated):
    path = isolated / "funnel.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (body TEXT)")
    conn.execute("INSERT INTO notes VALUES ('mine')")
    conn.commit()
    conn.close()
    before = dump(path)
    for args in (["add", "X"], ["list"]):
        r = funnel(*args)
        assert (r.exit_code, r.stdout) == (1, "")
        assert one_error_line(r.stderr) == f"{path} is a SQLite database, but not a funnelcli one"
    assert dump(path) == before


@pytest.mark.sqlite_only  # what SQLite makes of a file that is not (or not yet) funnelcli's
@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(a) for a in COMMANDS])
def test_newer_schema(funnel, db, args):
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    before = dump(db)
    r = funnel(*args)
    assert (r.exit_code, r.stdout) == (1, "")
    assert one_error_line(r.stderr) == (
        f"{db} was written by a newer funnelcli (schema 999; this one knows "
        f"{SCHEMA_VERSION}): upgrade funnelcli"
    )
    assert dump(db) == before


WRITES = [args for args in COMMANDS if args[0] in ("add", "move")]


@pytest.mark.sqlite_only  # SQLite's file lock held by another connection
@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(a) for a in COMMANDS])
def test_locked_database(funnel, db, monkeypatch, args):
    """Another process holds the write lock (and never lets go): a write waits
    BUSY_TIMEOUT_S and says so; a read (WAL) reads the last commit beside it."""
    monkeypatch.setattr(funnelcli.store.connection, "BUSY_TIMEOUT_S", 0.2)
    before = dump(db)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("UPDATE deals SET title = 'uncommitted'")
    try:
        r = funnel(*args)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    if args not in WRITES:
        assert (r.exit_code, r.stderr) == (0, "")
        assert "uncommitted" not in r.stdout
        return
    assert (r.exit_code, r.stdout) == (1, "")
    assert one_error_line(r.stderr) == (
        f"database {db} is locked by another process (waited 0.2 s); "
        "nothing was changed: run it again"
    )
    assert dump(db) == before


def test_database_under_a_file(funnel, isolated, monkeypatch):
    """A parent "directory" that is a file can't be created or written."""
    blocker = isolated / "blocker"
    blocker.write_text("a file, not a directory\n")
    for path, reason in [
        (blocker / "funnel.db", "Not a directory"),
        (blocker / "sub" / "funnel.db", "Not a directory"),
    ]:
        monkeypatch.setenv("FUNNEL_DB", str(path))
        r = funnel("add", "X")
        assert (r.exit_code, r.stdout) == (1, "")
        assert one_error_line(r.stderr) == f"can't create database {path}: {reason}"
    assert blocker.read_text() == "a file, not a directory\n"


def test_db_option_under_a_file(funnel, isolated):
    blocker = isolated / "blocker"
    blocker.write_text("x")
    path = blocker / "deep" / "funnel.db"
    r = funnel("--db", str(path), "add", "X")
    assert (r.exit_code, r.stdout) == (1, "")
    assert one_error_line(r.stderr) == f"can't create database {path}: Not a directory"


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_database_in_a_read_only_directory(funnel, isolated, monkeypatch):
    locked = isolated / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        for path in (locked / "funnel.db", locked / "sub" / "funnel.db"):
            monkeypatch.setenv("FUNNEL_DB", str(path))
            r = funnel("add", "X")
            assert (r.exit_code, r.stdout) == (1, "")
            assert one_error_line(r.stderr) == f"can't create database {path}: Permission denied"
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o700)


def test_database_path_is_a_directory(funnel, isolated, monkeypatch):
    monkeypatch.setenv("FUNNEL_DB", str(isolated))
    r = funnel("add", "X")
    assert (r.exit_code, r.stdout) == (1, "")
    assert (
        one_error_line(r.stderr) == f"can't write database {isolated}: unable to open database file"
    )


def test_reading_a_missing_database_creates_nothing(funnel, isolated):
    for args in (["list"], ["pipeline", "list"], ["show", "1"], ["list", "--sort", "nope"]):
        funnel(*args)
    assert not (isolated / "funnel.db").exists()


@pytest.mark.sqlite_only  # what SQLite makes of a file that is not (or not yet) funnelcli's
def test_failed_first_write_leaves_only_an_empty_database(funnel, isolated):
    # Decided: the file a first write creates (schema + default pipeline) stays
    # when the write itself is refused. Removing it again could race a second
    # process that opened the new file meanwhile and lose that process's write.
    r = funnel("add", "X", "--value", "abc")
    assert r.exit_code == 1
    conn = sqlite3.connect(isolated / "funnel.db")
    assert conn.execute("SELECT count(*) FROM deals").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM stage_events").fetchone()[0] == 0


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["add", "x", "--bogus"], "No such option: --bogus"),
        (["move", "1"], "Missing argument 'STAGE'"),
        (["list", "--limit", "abc"], "'abc' is not a valid int"),
        (["nosuch"], "No such command 'nosuch'"),
    ],
)
def test_usage_errors_are_one_line_exit_2(funnel, args, text):
    one_error(funnel(*args), 2, text)


def test_arguments_that_are_not_utf8_are_refused(tmp_path):
    env = {**os.environ, "FUNNEL_DB": str(tmp_path / "f.db")}
    r = subprocess.run(
        [sys.executable, "-m", "funnelcli", "add", b"bad\xffbyte"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == "funnel: error: arguments must be valid UTF-8 text\n"


def test_a_hand_edited_config_is_checked(funnel, isolated):
    (isolated / "config.toml").write_text('currency = "usd"\n')
    assert funnel("add", "a", "--format", "json").json()["currency"] == "USD"
    (isolated / "config.toml").write_text('currency = "[red]X"\n')
    one_error(funnel("add", "b"), 1, "is not a currency code")
    (isolated / "config.toml").write_text('owner = ""\n')
    one_error(funnel("add", "c"), 1, "owner can't be empty")


def test_config_that_cannot_be_written(funnel, isolated, monkeypatch):
    import funnelcli.config

    def full(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(funnelcli.config.os, "replace", full)
    one_error(funnel("config", "set", "owner", "bob"), 1, "can't write config file")
    assert not list(isolated.glob("*.tmp"))
