"""One rule for every output: text from the data is shown literally and inertly.

A database is built once with hostile text (escape sequences, an OSC window
title, BEL, C1 controls, bidi overrides and isolates, rich markup, formula
starts) in every user text field: title, org, contact, owner, tag, custom
field, note, source, stage and pipeline name, lost and snooze reason,
activity kind and note. Then every command runs on a copy of it in every
format it has, piped and at a terminal:

- tables and text views show controls escaped (\\x1b, \\u202e) and markup as
  written;
- JSON and JSONL write controls as \\uXXXX escapes: the same strings to any
  JSON reader, inert in a terminal;
- CSV guards every text cell a spreadsheet would run as a formula with a
  leading '; at a terminal its controls are escaped as in a table, into a
  pipe or a file it keeps the text exactly (CSV has no escapes of its own).
"""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import typer.main
import typer.testing
from typer.testing import CliRunner

import funnelcli.render.output
from funnelcli.cli import app

# What must not reach a terminal raw (a newline between lines aside).
RAW = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069"
    "\u00ad\u061c\u200b\u2028\u2029\u2060\ufeff]"
)
MARKUP = "[bold red]mk[/]"
CONTROLS = "\x1b[2J\x1b]0;pwned\x07\x9b31m\u202eRTL\u2066iso\u2069\u200f\t\r"
# The invisible ones last: a cell cut at a terminal still shows the markup.
H = CONTROLS + MARKUP + "\u061c\u2028\ufeff\u00ad"
FORMULA = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"-?\d+(\.\d+)?")
NOW = "2026-11-23T10:15:00"
PIPELINE = f"@P {H}"
STAGE1 = f"=S1 {H}"
STAGE2 = f"+S2 {H}"
STAGE3 = f"-S3 {H}"  # holds no deal
IMPORTED_STAGE = f"=Imp {H}"
KIND = f"=kind{H}"  # only an import can bring an activity kind that is not one word
TITLE = f"=T {H}"
OWNER = f"@W {H}"
RECEIVER = f"=Rcv {H}"

_COMMAND = typer.main.get_command(app)


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str


def _invoke(args: list[str], env: dict[str, str]) -> Run:
    result = CliRunner().invoke(app, args, env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Run(result.exit_code, result.stdout, result.stderr)


def _env(where: Path) -> dict[str, str]:
    return {
        "FUNNEL_DB": str(where / "funnel.db"),
        "FUNNEL_CONFIG": str(where / "config.toml"),
        "FUNNEL_NOW": NOW,
        "TZ": "UTC",
        "COLUMNS": "400",
    }


def _own_export_line() -> dict[str, Any]:
    """A deal as funnelcli's export writes it: the only way to an odd activity kind."""
    at = "2026-11-01T09:00:00Z"
    return {
        "uuid": "5d0c4c1e-8a43-4a4e-9a0e-0d6f7a1b2c3d",
        "title": f"=Own {H}",
        "pipeline": PIPELINE,
        "stage": STAGE2,
        "status": "open",
        "owner": OWNER,
        "created_at": at,
        "history": [
            {"from_stage": None, "from_status": None, "to_stage": STAGE1,
             "to_status": "open", "at": at, "note": f"-H {H}"},
            {"from_stage": STAGE1, "from_status": "open", "to_stage": STAGE2,
             "to_status": "open", "at": "2026-11-02T09:00:00Z", "note": f"-H2 {H}"},
        ],
        "activities": [{"kind": KIND, "note": f"@A {H}", "at": "2026-11-03T09:00:00Z"}],
    }  # fmt: skip


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One database for the whole module, hostile text in every field."""
    where = tmp_path_factory.mktemp("hostile")
    monkeypatch = pytest.MonkeyPatch()
    env = _env(where)

    def ok(*args: str) -> None:
        run = _invoke(list(args), env)
        assert run.exit_code == 0, (args, run.stderr)

    try:
        ok("config", "set", "owner", OWNER)
        ok("pipeline", "create", PIPELINE, "--stages", f"{STAGE1},{STAGE2},{STAGE3}")
        ok(
            "add", TITLE, "--org", f"+O {H}", "--contact", f"-C {H}", "--tag", f"=G {H}",
            "--field", f"K {H}=-V {H}", "--note", f"@N {H}", "--source", f"=Src {H}",
            "--external-id", f"-X {H}", "--value", "100", "--follow-up", "today",
            "--expected-close", "2026-12-10",
        )  # fmt: skip
        ok("move", "1", "demo", "--note", f"=M {H}")
        ok("log", "1", "call", f"=L {H}")
        ok("add", f"+Lost {H}", "--value", "50", "--expected-close", "2026-12-01")
        ok("lost", "2", "--reason", f"=R {H}")
        ok("add", "--value", "70", "--", f"-Won {H}")
        ok("won", "3")
        ok("add", f"@Snoozed {H}", "--follow-up", "tomorrow")
        ok("snooze", "4", "+3d", "--reason", f"=Z {H}")
        ok("add", f"=In P {H}", "--pipeline", PIPELINE, "--follow-up", "tomorrow")
        sheet = where / "sheet.csv"
        with sheet.open("w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows([["title", "stage"], [f"=Sheet {H}", IMPORTED_STAGE]])
        ok("import", str(sheet), "--create-stages")
        own = where / "own.jsonl"
        own.write_text(json.dumps(_own_export_line()) + "\n", encoding="utf-8")
        ok("import", str(own))
        # the conveyor: a deal handed to a receiver with hostile text in the name
        ok("stage", "set", "--pipeline", PIPELINE, "--owner", RECEIVER, "--", STAGE3)
        ok("add", f"=Handed {H}", "--pipeline", PIPELINE, "--stage", STAGE2)
        ok("move", "--note", f"=HO {H}", "--", f"=Handed {H}", STAGE3)
        ok("move", f"=Handed {H}", STAGE2)  # STAGE3 holds no deal (stage remove)
        ok("backup", str(where / "backup.db"))
    finally:
        monkeypatch.undo()
    return where


# -- every command, with the arguments that make it show hostile data ----------

# Commands that print data; each runs in every format it takes.
LISTS = ("table", "json", "jsonl", "csv")
OBJECTS = ("table", "json")
CASES: dict[str, tuple[list[str], tuple[str, ...]]] = {
    "add": (["add", f"=New {H}", "--org", f"+O {H}", "--pipeline", PIPELINE], OBJECTS),
    "backup": (["backup", "{tmp}/copy.db"], ()),
    "board": (["board"], OBJECTS),
    "board pipeline": (["board", "--pipeline", PIPELINE], OBJECTS),
    "changes": (["changes", "--limit", "50"], LISTS),
    "config get": (["config", "get"], OBJECTS),
    "config path": (["config", "path"], ()),
    "config set": (["config", "set", "owner", f"@Other {H}"], ()),
    "delete": (["delete", "1", "--yes"], OBJECTS),
    "demo": (["demo"], ()),
    "doctor": (["doctor"], OBJECTS),
    "due": (["due", "--within", "30"], LISTS),
    "inbox": (["inbox", "--owner", RECEIVER, "--all"], LISTS),
    "edit": (["edit", "1", "--title", f"=Edited {H}"], OBJECTS),
    "export": (["export"], ("jsonl", "json", "csv")),
    "follow-up": (["follow-up", "1", "+2d"], OBJECTS),
    "import": (["import", "{db}/sheet.csv", "--create-stages"], ()),
    "list": (["list", "--status", "all"], LISTS),
    "list pipeline": (["list", "--pipeline", PIPELINE], LISTS),
    "log": (["log", "1", "email", f"=Log {H}"], OBJECTS),
    "lost": (["lost", "1", "--reason", f"=Why {H}"], OBJECTS),
    "move": (["move", "5", STAGE2, "--note", f"=Mv {H}"], OBJECTS),
    "pipeline create": (["pipeline", "create", f"=New P {H}", "--stages", f"-A {H}"], OBJECTS),
    "pipeline list": (["pipeline", "list"], LISTS),
    "pipeline templates": (["pipeline", "templates"], LISTS),
    "reopen": (["reopen", "2"], OBJECTS),
    "report forecast": (["report", "forecast"], LISTS),
    "report funnel": (["report", "funnel", "--explain"], OBJECTS),
    "report funnel pipeline": (["report", "funnel", "--pipeline", PIPELINE], OBJECTS),
    "report metrics": (
        ["report", "metrics", "--explain", "--since", "-1m", "--compare", "previous"],
        OBJECTS,
    ),
    "report metrics per": (
        ["report", "metrics", "--per", "month", "--compare", "last-year"],
        LISTS,
    ),
    "report activity": (["report", "activity", "--by", "owner", "--per", "month"], LISTS),
    "report owners": (["report", "owners"], LISTS),
    "report lost": (["report", "lost"], LISTS),
    "report lost stage": (["report", "lost", "--by", "stage", "--pipeline", PIPELINE], LISTS),
    "report lost owner": (["report", "lost", "--by", "owner"], LISTS),
    "report calibration": (["report", "calibration", "--pipeline", PIPELINE], LISTS),
    # HTML (its Markdown: tests/test_report_review.py, where a backslash-escaped
    # markup is the inert form, not the markup as written)
    "report review": (["report", "review", "--pipeline", PIPELINE], ("html",)),
    "restore": (["restore", "{db}/backup.db"], ()),
    "show": (["show", "1"], OBJECTS),
    "show own": (["show", "7"], OBJECTS),
    "snooze": (["snooze", "1", "+2d", "--reason", f"=Wait {H}"], OBJECTS),
    "stage add": (["stage", "add", "--pipeline", PIPELINE, "--", f"-New {H}"], OBJECTS),
    "stage list": (["stage", "list", "--pipeline", PIPELINE], LISTS),
    "stage move": (["stage", "move", STAGE2, "--position", "1", "-p", PIPELINE], OBJECTS),
    "stage remove": (["stage", "remove", "--pipeline", PIPELINE, "--", STAGE3], OBJECTS),
    "stage rename": (["stage", "rename", STAGE1, f"@Renamed {H}", "-p", PIPELINE], OBJECTS),
    "stage set": (["stage", "set", STAGE1, "--rot-days", "9", "-p", PIPELINE], OBJECTS),
    "stale": (["stale"], LISTS),
    "undo": (["undo"], OBJECTS),
    "won": (["won", "1"], OBJECTS),
}


def _all_commands() -> set[str]:
    found: set[str] = set()

    def walk(cmd: Any, path: tuple[str, ...]) -> None:
        subs = getattr(cmd, "commands", None)
        if subs is None:
            found.add(" ".join(path))
            return
        for name, sub in subs.items():
            walk(sub, (*path, name))

    walk(_COMMAND, ())
    return found


# Commands whose output is checked elsewhere, and why.
ELSEWHERE = {
    "team init": "needs a PostgreSQL server: test_team_init_output_is_inert",
    "team migrate-from": "needs a PostgreSQL server: test_team_migrate.py's "
    "test_migrate_from_output_is_inert",
}


def test_every_command_is_covered():
    """A new command joins CASES (or this fails), so the rule keeps holding."""
    run = {tuple(a for a in args[:3] if a in _WORDS) for args, _ in CASES.values()}
    missing = [
        c
        for c in _all_commands()
        if c not in ELSEWHERE and not any(tuple(c.split()) == r[: len(c.split())] for r in run)
    ]
    assert missing == []


_WORDS = {w for c in _all_commands() for w in c.split()}


def _copy(src: Path, dst: Path) -> None:
    """The module's database into this test's directory (SQLite's backup API:
    whatever its journal mode, the copy is whole)."""
    dst.mkdir(parents=True, exist_ok=True)
    for name in ("funnel.db",):
        target = dst / name
        target.unlink(missing_ok=True)
        with sqlite3.connect(src / name) as a, sqlite3.connect(target) as b:
            a.backup(b)
        a.close()
        b.close()
    (dst / "config.toml").write_bytes((src / "config.toml").read_bytes())


def _cells(text: str) -> Iterator[str]:
    for row in csv.reader(io.StringIO(text, newline="")):
        yield from row


def _check_csv(text: str, terminal: bool, where: str) -> None:
    for cell in _cells(text):
        assert not (cell.startswith(FORMULA) and not NUMBER.fullmatch(cell)), (where, cell)
    if terminal:
        assert not RAW.search(text.replace("\n", "")), (where, text[:300])
    elif "RTL" in text:  # into a pipe or a file: the text itself, guarded
        assert any(H in cell for cell in _cells(text)), where


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _check(run: Run, fmt: str, terminal: bool, where: str) -> None:
    assert run.exit_code == 0, (where, run.stderr)
    assert not RAW.search(run.stderr.replace("\n", "")), (where, run.stderr[:300])
    out = run.stdout
    if fmt == "csv":
        _check_csv(out, terminal, where)
        return
    assert not RAW.search(out.replace("\n", "")), (where, out[:300])
    if fmt in ("json", "jsonl"):  # the same strings to a JSON reader
        values = (
            [json.loads(line) for line in out.splitlines()] if fmt == "jsonl" else json.loads(out)
        )
        assert "RTL" not in out or any(H in s for s in _strings(values)), where
    elif terminal and "RTL" in out:
        assert MARKUP in out, where


@pytest.mark.parametrize("case", list(CASES))
def test_every_output_is_inert(case, hostile_db, tmp_path, monkeypatch):
    args, formats = CASES[case]
    for fmt in formats or (None,):
        for terminal in (False, True):
            where = f"{case} --format {fmt} {'at a terminal' if terminal else 'piped'}"
            run_dir = tmp_path / f"{fmt}-{terminal}"
            _copy(hostile_db, run_dir)
            env = _env(run_dir)
            if terminal:
                monkeypatch.setattr(funnelcli.render.output, "_isatty", lambda _f: True)
                env["NO_COLOR"] = "1"  # rich adds no escapes: any ESC would be the data's
            else:
                monkeypatch.setattr(funnelcli.render.output, "_isatty", lambda _f: False)
            line = [a.format(tmp=run_dir, db=hostile_db) for a in args]
            if fmt is not None:  # after the command's words, before its arguments
                at = next((i for i, a in enumerate(line) if a not in _WORDS), len(line))
                line[at:at] = ["--format", fmt]
            _check(_invoke(line, env), fmt or "table", terminal, where)


@pytest.mark.parametrize(
    "text", ["=1+1", "+x", "-3", "@SUM(A1)", "\tx", "\rx", "'q", "''", "plain", "", "1-2", " =x"]
)
def test_one_formula_guard_for_list_csv_and_export(text):
    """--format csv and export guard a cell alike (export's cells go through
    guard_formula), and import's undo of the guard gives the text back."""
    from funnelcli.render.export import _cell
    from funnelcli.render.text import guard_formula
    from funnelcli.services.imports import unescape_cell

    assert _cell(text, str) == guard_formula(text)
    assert unescape_cell(guard_formula(text)) == text
    assert guard_formula(text) == text or text[0] in "=+-@\t\r'"
