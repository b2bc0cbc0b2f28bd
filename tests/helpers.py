"""Helpers many test files share: run a command that must succeed or fail, read
its JSON, look at a database file. Import them: `from helpers import ok, fails`.

`funnel` is the fixture of conftest.py: `funnel(*args)` runs the CLI in-process
and returns its exit code, stdout and stderr.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ERROR = "funnel: error: "
# What a read says on stderr at the default location before any database is
# there (the `fresh` fixture): `.format(path)`.
NO_DATABASE_YET = (
    "no database yet at {}: nothing to show (`funnel add` or `funnel import` starts one)\n"
)

# A hand-built history the report tests check figure by figure: ten deals in
# two pipelines, October–November 2026 (the `history` fixture plays it).
HISTORY: list[tuple[str, ...]] = [
    ("add", "Alpha", "--value", "1000", "--at", "2026-10-01"),
    ("move", "1", "qualified", "--at", "2026-10-03"),
    ("move", "1", "demo", "--at", "2026-10-08"),
    ("log", "1", "call", "--at", "2026-10-02"),
    ("log", "1", "email", "--at", "2026-10-09"),
    ("won", "1", "--at", "2026-10-21"),
    ("add", "Bravo", "--value", "2000", "--owner", "anna", "--at", "2026-10-05"),
    ("move", "2", "contacted", "--at", "2026-10-06"),
    ("move", "2", "proposal", "--at", "2026-10-12"),
    ("log", "2", "meeting", "--at", "2026-10-20"),
    ("won", "2", "--value", "2500", "--at", "2026-11-02"),
    ("add", "Charlie", "--value", "3000", "--at", "2026-10-10"),
    ("move", "3", "qualified", "--at", "2026-10-12T12:00"),
    ("log", "3", "call", "--at", "2026-10-11"),
    ("lost", "3", "--reason", "budget", "--at", "2026-10-15"),
    ("add", "Delta", "--value", "500", "--owner", "anna", "--at", "2026-10-15"),
    ("move", "4", "demo", "--at", "2026-10-20"),
    ("move", "4", "qualified", "--at", "2026-10-25"),
    ("lost", "4", "--reason", "competitor", "--at", "2026-11-06"),
    ("add", "Echo", "--at", "2026-10-20"),
    ("won", "5", "--at", "2026-11-10"),
    ("add", "Foxtrot", "--value", "1200.50", "--currency", "EUR", "--at", "2026-11-01"),
    ("move", "6", "qualified", "--at", "2026-11-03"),
    ("add", "Golf", "--value", "4000", "--probability", "35", "--at", "2026-11-02"),
    ("move", "7", "negotiation", "--at", "2026-11-09"),
    ("add", "Hotel", "--value", "800", "--at", "2026-10-25"),
    ("move", "8", "proposal", "--at", "2026-10-28"),
    ("lost", "8", "--reason", "went quiet", "--at", "2026-11-08"),
    ("reopen", "8", "--at", "2026-11-12"),
    ("add", "India", "--value", "300", "--at", "2026-11-20"),
    ("move", "9", "qualified", "--at", "2026-11-21"),
    ("pipeline", "create", "renewals", "--stages", "ask,quote,signed"),
    ("add", "Juliet", "--pipeline", "renewals", "--value", "600", "--at", "2026-11-05"),
    ("move", "10", "quote", "--at", "2026-11-07T06:00"),
    ("log", "10", "call", "--at", "2026-11-06"),
    ("won", "10", "--at", "2026-11-09"),
]


def follow_up(deal: dict[str, Any]) -> str | None:
    """A deal's next follow-up as the tests write it: the day (`next_follow_up`),
    or with the time one was given for, `2026-11-27T10:00` (from
    `next_follow_up_at`, a local timestamp with its offset)."""
    at = deal["next_follow_up_at"]
    return deal["next_follow_up"] if at is None else str(at)[:16]


def team_url(path: Path | None = None) -> str | None:
    """FUNNEL_DB when it is a team database (FUNNEL_TEST_ENGINE=postgres) and
    `path` is the test's own database file (`isolated / "funnel.db"`), which
    the team database stands for; else None."""
    url = os.environ.get("FUNNEL_DB", "")
    if not url.startswith("postgresql://"):
        return None
    if path is not None and (path.name != "funnel.db" or path.exists()):
        return None
    return url


def raw_connection(db: Path) -> Any:
    """A plain autocommit connection to the test's database (the file `db`,
    or the team database it stands for): one that migrates nothing."""
    url = team_url(db)
    if url is None:
        return sqlite3.connect(db, isolation_level=None)
    import psycopg

    return psycopg.connect(url, autocommit=True)


def open_store(path: Path | None = None, *, for_write: bool, now: Any) -> Any:
    """The store of the test's database (FUNNEL_DB's: a file, or a team
    database), or of the file at `path`."""
    from funnelcli.store import Store

    url = team_url(path)
    if url is not None:
        return Store.open_team(url, for_write=for_write, now=now)
    return Store.open(path or Path(os.environ["FUNNEL_DB"]), for_write=for_write, now=now)


class TeamConnection:
    """sqlite3.connect()'s part that tests use, over a team database: the
    store's own PostgreSQL connection (SQLite's SQL, autocommit)."""

    def __init__(self, url: str) -> None:
        from funnelcli.store.pg import open_database

        self.conn = open_database(url, busy_timeout_s=5)

    def execute(self, sql: str, params: Any = ()) -> Any:
        return self.conn.execute(sql, params)

    def executemany(self, sql: str, rows: Any) -> Any:
        return self.conn.executemany(sql, rows)

    def commit(self) -> None:
        pass

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> TeamConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


def connect(db: Path | str) -> Any:
    """sqlite3.connect(db), or for the team database the test's database
    file stands for (FUNNEL_TEST_ENGINE=postgres) a TeamConnection."""
    url = str(db) if str(db).startswith("postgresql://") else team_url(Path(db))
    if url is not None:
        return TeamConnection(url)
    return sqlite3.connect(db)


def make_db(path: Path) -> Path:
    """An empty database at `path` (the schema and the seeded pipeline, no
    deals), as a first write leaves it; for a command that must read one. (A
    team database is made so by `funnel team init`.)"""
    from funnelcli.dates import parse_now

    if team_url(path) is not None:
        return path
    open_store(path, for_write=True, now=parse_now(os.environ["FUNNEL_NOW"])).close()
    return path


def ok(funnel: Any, *args: str) -> Any:
    """Run a command that must succeed; return the run (exit code, stdout, stderr)."""
    run = funnel(*args)
    assert run.exit_code == 0, (args, run.stderr)
    return run


def redo(funnel: Any, undone: Any) -> Any:
    """Undo the undo whose run is `undone` (by the change number it says it
    was recorded as): the change it took back comes back."""
    found = re.search(r"recorded as change #(\d+)", undone.stdout + undone.stderr)
    assert found is not None, undone.stderr
    return ok(funnel, "undo", found[1])


def ok_json(funnel: Any, *args: str, quiet: bool = True) -> Any:
    """Run a command with `--format json` that must succeed (and, when `quiet`,
    print nothing on stderr); return its JSON."""
    run = funnel(*args, "--format", "json")
    assert run.exit_code == 0, run.stderr
    if quiet:
        assert run.stderr == ""
    return run.json()


def add(funnel: Any, title: str, *args: str) -> dict[str, Any]:
    """`funnel add TITLE ARGS…`, which must succeed; the new deal as JSON."""
    return ok_json(funnel, "add", title, *args)  # type: ignore[no-any-return]


def show(funnel: Any, ref: str) -> dict[str, Any]:
    """`funnel show REF` as JSON."""
    return ok_json(funnel, "show", ref)  # type: ignore[no-any-return]


def fails(funnel: Any, code: int, message: str, *args: str) -> None:
    """Run a command that must fail with `code`, exactly `message` on stderr and
    nothing on stdout."""
    run = funnel(*args)
    assert (run.exit_code, run.stderr, run.stdout) == (code, f"{ERROR}{message}\n", "")


def one_error(run: Any, code: int, text: str) -> None:
    """`run` failed with `code`, nothing on stdout and one error line that
    contains `text`."""
    assert (run.exit_code, run.stdout) == (code, "")
    assert run.stderr.count("\n") == 1 and run.stderr.startswith(ERROR), run.stderr
    assert text in run.stderr


def refused(funnel: Any, *args: str) -> str:
    """Run a command that must be refused (exit 1) with one error line; return it."""
    run = funnel(*args)
    assert run.exit_code == 1, (args, run.stdout, run.stderr)
    assert run.stderr.startswith(ERROR)
    assert run.stderr.count("\n") == 1
    return str(run.stderr)


def one_error_line(stderr: str) -> str:
    """The message of a stderr that is exactly one `funnel: error: …` line (no
    traceback, no internal error), without the prefix and the newline."""
    lines = stderr.splitlines()
    assert len(lines) == 1 and stderr.count("\n") == 1, stderr
    assert stderr.startswith(ERROR) and stderr.endswith("\n"), stderr
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr
    return stderr[len(ERROR) : -1]


def mode(path: Path) -> int:
    """The permission bits of a file, e.g. 0o600."""
    return stat.S_IMODE(path.stat().st_mode)


def dump(path: Path) -> list[str]:
    """A database file as SQL text, to compare before and after (a team
    database: every table's rows as text, and its settings)."""
    url = team_url(path)
    if url is not None:
        return _team_dump(url)
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def _team_dump(url: str) -> list[str]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        tables = [
            str(r[0])
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = "
                "current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
            )
        ]
        out: list[str] = []
        for table in tables:
            rows = conn.execute(f'SELECT r::text FROM "{table}" r ORDER BY 1').fetchall()
            out += [f"{table} {r[0]}" for r in rows]
        return out


def without_root_powers() -> list[str]:
    """A command prefix that runs as the owner of the files but without root's
    power to ignore their modes: nothing for an ordinary user; for root,
    `unshare --user --map-user=1000` (a user namespace where this uid is 1000,
    owning the same files, with no capabilities), so a chmod really stops it."""
    if os.geteuid() != 0:
        return []
    prefix = ["unshare", "--user", "--map-user=1000", "--map-group=1000"]
    if shutil.which("unshare") is None:
        pytest.skip("running as root, and there is no unshare to drop root's powers")
    probe = subprocess.run([*prefix, "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"running as root, and unshare --user failed: {probe.stderr.strip()}")
    return prefix


def bounds(records: Any) -> tuple[object, object]:
    """A metrics report's window (an array: one record per currency)."""
    return records[0]["since"], records[0]["until"]


def report(funnel: Any, kind: str, *args: str, quiet: bool = True) -> Any:
    """`funnel report KIND ARGS… --format json`, which must succeed; its JSON."""
    return ok_json(funnel, "report", kind, *args, quiet=quiet)


def stage_id(conn: sqlite3.Connection, pipeline: str, stage: str) -> int:
    """The id of `stage` in `pipeline`, by name, straight from the database."""
    return int(
        conn.execute(
            "SELECT s.id FROM stages s JOIN pipelines p ON p.id = s.pipeline_id "
            "WHERE p.name = ? AND s.name = ?",
            (pipeline, stage),
        ).fetchone()[0]
    )


def run_on_a_terminal(
    argv: list[str], env: dict[str, str], *, width: int | None = None, stderr_too: bool = False
) -> tuple[int, str, bytes]:
    """Run `argv` with stdout on a pseudo-terminal (`width` columns set with
    TIOCSWINSZ when given): (exit code, what it wrote there with "\\r\\n" read
    as "\\n", its stderr). `stderr_too`: stderr is on the terminal as well,
    as at a real one (what it wrote is in the text, and the stderr is empty)."""
    import fcntl
    import pty
    import select
    import struct
    import termios

    primary, secondary = pty.openpty()
    if width is not None:
        fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 40, width, 0, 0))
    proc = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=secondary,
        stderr=secondary if stderr_too else subprocess.PIPE,
        env=env,
    )
    os.close(secondary)
    chunks = []
    while select.select([primary], [], [], 30)[0]:
        try:
            data = os.read(primary, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(primary)
    _, err = proc.communicate(timeout=30)
    err = err or b""
    return proc.returncode, b"".join(chunks).decode().replace("\r\n", "\n"), err


@contextlib.contextmanager
def module_database(request: pytest.FixtureRequest) -> Iterator[str]:
    """A database a whole test module reads (built once with `build`, not once
    per test): a file, or under FUNNEL_TEST_ENGINE=postgres a team database
    of its own (as `team init` leaves it), dropped at the end. Yields its
    FUNNEL_DB; a test points FUNNEL_DB at it and only reads."""
    from conftest import ENGINE

    if ENGINE != "postgres":
        tmp = request.getfixturevalue("tmp_path_factory").mktemp("module-db")
        yield str(tmp / "funnel.db")
        return
    from pgserver import scratch_database

    server = request.getfixturevalue("pg_server")
    template = request.getfixturevalue("pg_team_template")
    with scratch_database(server, template=template) as url:
        yield url


def build(db: str, commands: list[tuple[str, ...]]) -> None:
    """Run `funnel` commands (each must succeed) on `db` outside any test's
    environment (a module fixture's), with a test's clock, zone and an empty
    config, then put the environment back."""
    from typer.testing import CliRunner

    from conftest import NOW
    from funnelcli import clock
    from funnelcli.cli import app

    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as mp:
        for name, value in {
            "FUNNEL_DB": db,
            "FUNNEL_CONFIG": str(Path(tmp) / "config.toml"),
            "FUNNEL_NOW": NOW,
            "TZ": "UTC",
            "XDG_DATA_HOME": str(Path(tmp) / "xdg-data"),
            "XDG_CONFIG_HOME": str(Path(tmp) / "xdg-config"),
        }.items():
            mp.setenv(name, value)
        if db.startswith("postgresql://"):
            mp.setenv("FUNNEL_USER", "me")  # as the tests' (conftest's `isolated`)
        else:
            mp.delenv("FUNNEL_USER", raising=False)
        time.tzset()
        clock.use_zone(None)
        try:
            runner = CliRunner()
            for args in commands:
                result = runner.invoke(app, list(args))
                assert result.exit_code == 0, (args, result.stderr, result.exception)
        finally:
            mp.undo()
            time.tzset()
            clock.use_zone(None)
