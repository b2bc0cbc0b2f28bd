"""A read of a database that isn't there (issue 13, "Cron and scripts that fail
loudly"): at a path the user gave (--db, FUNNEL_DB, config `db`) it is an
error naming the path, so a typo in a crontab is no silent "nothing due"; at
the default location a first run shows the empty result and says so on
stderr. Either way a read creates nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from helpers import ERROR, NO_DATABASE_YET, add, make_db, ok, one_error_line

READS = [
    ["due", "--check"],
    ["due"],
    ["stale"],
    ["list"],
    ["list", "--format", "json"],
    ["show", "1"],
    ["board"],
    ["report", "metrics", "--format", "json"],
    ["report", "funnel"],
    ["report", "owners"],
    ["report", "forecast"],
    ["pipeline", "list"],
    ["stage", "list"],
    ["export"],
    ["changes"],
    ["undo", "--dry-run"],
]


def missing(path: Path, named_by: str) -> str:
    return (
        f"no database at {path} (given by {named_by}): nothing is there yet; "
        "check the path (a first write such as `funnel add` creates it)"
    )


@pytest.mark.parametrize("args", READS, ids=" ".join)
def test_a_read_at_a_path_from_funnel_db_is_an_error(
    funnel: Any, isolated: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    typo = isolated / "nonexistent" / "typo.db"
    monkeypatch.setenv("FUNNEL_DB", str(typo))
    run = funnel(*args)
    assert (run.exit_code, run.stdout) == (1, "")
    assert one_error_line(run.stderr) == missing(typo, "FUNNEL_DB")
    assert not typo.parent.exists()  # nothing created, not even the directory


def test_the_cron_line_of_the_issue_fails_loudly(isolated: Path) -> None:
    """`FUNNEL_DB=/nonexistent/typo.db funnel due --check`, as cron runs it."""
    env = dict(os.environ, FUNNEL_DB="/nonexistent/typo.db")
    run = subprocess.run(
        [sys.executable, "-m", "funnelcli", "due", "--check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (run.returncode, run.stdout) == (1, "")
    assert run.stderr == f"{ERROR}{missing(Path('/nonexistent/typo.db'), 'FUNNEL_DB')}\n"
    assert not Path("/nonexistent").exists()


def test_a_read_at_a_path_from_the_db_option_is_an_error(funnel: Any, isolated: Path) -> None:
    typo = isolated / "typo.db"
    run = funnel("--db", str(typo), "due", "--check")
    assert (run.exit_code, run.stdout) == (1, "")
    assert one_error_line(run.stderr) == missing(typo, "--db")
    assert not typo.exists()


def test_a_read_at_a_path_from_the_config_file_is_an_error(
    funnel: Any, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FUNNEL_DB")
    config = isolated / "config.toml"
    config.write_text('db = "deals/typo.db"\n')
    run = funnel("list")
    assert (run.exit_code, run.stdout) == (1, "")
    assert one_error_line(run.stderr) == missing(
        isolated / "deals" / "typo.db", f"`db` in {config}"
    )
    assert not (isolated / "deals").exists()


def test_a_given_path_works_once_a_write_made_it(funnel: Any, isolated: Path) -> None:
    add(funnel, "Acme", "--follow-up", "today")  # a write creates the file
    run = funnel("due", "--check")
    assert (run.exit_code, run.stderr) == (0, "")
    assert "Acme" in run.stdout


def test_an_empty_database_at_a_given_path_is_no_error(funnel: Any, empty_db: Path) -> None:
    run = funnel("due", "--check")
    assert (run.exit_code, run.stdout, run.stderr) == (0, "", "")


def test_a_fresh_install_reads_as_empty_and_says_so(funnel: Any, fresh: Path) -> None:
    for args in (["due", "--check"], ["list"], ["report", "owners"]):
        run = funnel(*args)
        assert (run.exit_code, run.stdout, run.stderr) == (0, "", NO_DATABASE_YET.format(fresh))
    assert not fresh.exists() and not fresh.parent.exists()
    add(funnel, "Acme")  # the first write creates the default database
    assert fresh.exists()
    run = funnel("list")
    assert run.exit_code == 0 and run.stderr == "" and "Acme" in run.stdout


@pytest.mark.sqlite_only  # a SQLite file that isn't there yet
def test_commands_that_say_their_own_word_keep_it(funnel: Any, isolated: Path) -> None:
    db = isolated / "funnel.db"
    run = funnel("backup", str(isolated / "copy.db"))
    assert one_error_line(run.stderr) == f"there is no database at {db} yet: nothing to back up"
    run = funnel("doctor")
    assert one_error_line(run.stderr) == f"there is no database at {db} yet: nothing to check"
    assert not db.exists()
    ok(funnel, "--db", str(isolated / "demo.db"), "demo")  # a write: makes its own


def test_make_db_is_what_a_first_write_leaves(funnel: Any, isolated: Path) -> None:
    made = make_db(isolated / "made.db")
    assert ok(funnel, "--db", str(made), "pipeline", "list").stderr == ""
