"""Run funnel commands for the docs (cog), against one throwaway database with
the clock pinned, so every example in README.md is real output."""

from __future__ import annotations

import os
import random
import shlex
import sqlite3
import tempfile
import time
import uuid
from pathlib import Path

import cog  # type: ignore[import-not-found]
from typer.testing import CliRunner

from funnelcli.cli import app

_DIR = Path(tempfile.mkdtemp(prefix="funnel-docs-"))
os.environ.update(
    FUNNEL_DB=str(_DIR / "docs.db"),
    FUNNEL_CONFIG=str(_DIR / "config.toml"),
    FUNNEL_NOW="2026-11-23T10:15",
    TZ="UTC",
    COLUMNS="100",
    LOGNAME="anna",  # `funnel changes` shows who: the same on every machine
)
os.environ.pop("NO_COLOR", None)
time.tzset()
_runner = CliRunner()
# uuids are random; seed them here so the docs are the same on every run.
_rng = random.Random(2026)
uuid.uuid4 = lambda: uuid.UUID(int=_rng.getrandbits(128), version=4)


def run(line: str) -> str:
    """`$ funnel …` followed by what it printed (stdout, then stderr)."""
    args = shlex.split(line)
    env = {}
    while "=" in args[0]:  # `FUNNEL_NOW=… funnel due`, as in a shell
        name, _, value = args.pop(0).partition("=")
        env[name] = value
    result = _runner.invoke(app, args[1:], env=env)
    out = f"$ {line}\n" + result.stdout + result.stderr
    # Show the throwaway directory as the place a real user's files would be.
    out = out.replace(str(_DIR / "config.toml"), "~/.config/funnelcli/config.toml")
    out = out.replace(str(_DIR / "docs.db"), "~/.local/share/funnelcli/funnel.db")
    # doctor names the SQLite linked in: the docs show one, whatever builds them
    out = out.replace(f"SQLite {sqlite3.sqlite_version},", "SQLite 3.40.1,")
    if result.exit_code:
        out += f"(exit code {result.exit_code})\n"
    return out


def session(*lines: str) -> None:
    cog.outl("```console")
    for line in lines:
        cog.out(run(line))
    cog.outl("```")


def cleanup(*patterns: str) -> None:
    """Remove files an example wrote (in the working directory or beside the
    docs database)."""
    for pattern in patterns:
        for base in (Path.cwd(), _DIR):
            for path in base.glob(pattern):
                path.unlink()


def quiet(*lines: str) -> None:
    """Run setup commands without showing them."""
    for line in lines:
        _runner.invoke(app, shlex.split(line)[1:])


def help_of(command: str) -> None:
    result = _runner.invoke(app, [*command.split()[1:], "--help"], env={"COLUMNS": "100"})
    text = "\n".join(line.rstrip() for line in result.stdout.strip("\n ").splitlines())
    cog.outl("```text")
    cog.outl(text.strip("\n"))
    cog.outl("```")


def all_commands() -> list[str]:
    """Every command path, from the Typer app itself (so none is forgotten)."""
    import typer.main

    root = typer.main.get_command(app)
    paths = ["funnel"]

    def walk(group: object, prefix: str) -> None:
        for name, cmd in sorted(getattr(group, "commands", {}).items()):
            paths.append(f"{prefix} {name}")
            walk(cmd, f"{prefix} {name}")

    walk(root, "funnel")
    return paths
