"""Helpers many test files share: run a command that must succeed or fail, read
its JSON, look at a database file. Import them: `from helpers import ok, fails`.

`funnel` is the fixture of conftest.py: `funnel(*args)` runs the CLI in-process
and returns its exit code, stdout and stderr.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest

ERROR = "funnel: error: "


def ok(funnel: Any, *args: str) -> Any:
    """Run a command that must succeed; return the run (exit code, stdout, stderr)."""
    run = funnel(*args)
    assert run.exit_code == 0, (args, run.stderr)
    return run


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
    """A database file as SQL text, to compare before and after."""
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


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
