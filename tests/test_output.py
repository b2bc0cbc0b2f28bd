"""What reaches the terminal and the pipe: user text shown literally and never
as raw control characters, JSON only via --format json, NO_COLOR, and the
installed entry points run as real processes."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

import funnelcli
from funnelcli.render.output import Column, Output
from helpers import ok_json, open_store, run_on_a_terminal

# Control characters no table, view or message may print raw (newline aside).
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
ANSI = re.compile(r"\x1b\[")
ANSI_CODES = re.compile(r"\x1b\[[0-9;]*m")
NASTY_TITLE = "Evil\x1b[31mred\x9b2J\x00nul\u202eoknat"
NASTY_ORG = "Org\x1b]0;pwned\x07\u2066x"
SHOWN_TITLE = "Evil\\x1b[31mred\\x9b2J\\x00nul\\u202eoknat"
SHOWN_ORG = "Org\\x1b]0;pwned\\x07\\u2066x"
FUNNEL = shutil.which("funnel") or str(Path(sys.executable).with_name("funnel"))


# -- markup and control characters ----------------------------------------------


def test_rich_markup_is_literal(funnel):
    r = funnel("add", "[bold]x[/bold]", "--org", "Acme [/]", "--tag", "[red]")
    assert (r.exit_code, r.stderr) == (0, "added #1 [bold]x[/bold] (lead)\n")
    listed = funnel("list").stdout.splitlines()
    assert listed[1].split() == ["1", "[bold]x[/bold]", "Acme", "[/]", "lead", "me"]
    shown = funnel("show", "1").stdout
    assert "#1 [bold]x[/bold]\n" in shown
    assert "  org            Acme [/]\n" in shown
    assert "  tags           [red]\n" in shown
    deal = ok_json(funnel, "show", "1", quiet=False)
    assert (deal["title"], deal["org"], deal["tags"]) == ("[bold]x[/bold]", "Acme [/]", ["[red]"])


def _terminal_table(*cells: str) -> str:
    """A one-row table as rich draws it at a terminal, without rich's own styling."""
    out = _Tty()
    columns: list[Column[tuple[str, ...]]] = [
        Column(f"C{i}", lambda row, i=i: row[i], style="bold") for i in range(len(cells))
    ]
    Output("table", out=out).emit_list([cells], lambda row: {}, columns)
    return re.sub(r"\x1b\[[0-9;]*m", "", out.getvalue())


def test_rich_markup_is_literal_in_a_terminal_table():
    text = _terminal_table("[bold]x[/bold]", "Acme [/]")
    assert "[bold]x[/bold]" in text
    assert "Acme [/]" in text


@pytest.mark.sqlite_only  # NUL among them: a team database refuses it (test_team_mode)
def test_control_characters_are_stored_exactly_and_shown_escaped(funnel):
    r = funnel(
        "add",
        NASTY_TITLE,
        "--org",
        NASTY_ORG,
        "--contact",
        "a\tb",
        "--note",
        "x\x1b[2Jy",
        "--field",
        "k\x1b=v\x9b",
    )
    assert r.exit_code == 0
    assert r.stderr == f"added #1 {SHOWN_TITLE} (lead)\n"
    # json round-trips every character
    deal = ok_json(funnel, "show", "1", quiet=False)
    assert (deal["title"], deal["org"], deal["contact"]) == (NASTY_TITLE, NASTY_ORG, "a\tb")
    assert deal["fields"] == {"k\x1b": "v\x9b"}
    assert deal["activities"][0]["note"] == "x\x1b[2Jy"
    assert [d["title"] for d in ok_json(funnel, "list", quiet=False)] == [NASTY_TITLE]
    jsonl = funnel("list", "--format", "jsonl").stdout
    assert json.loads(jsonl)["org"] == NASTY_ORG
    # and the JSON text itself carries them only as escapes
    for text in (jsonl, funnel("show", "1", "--format", "json").stdout):
        assert not RAW.search(text)
        assert "\\u001b" in text and "\\u009b" in text and "\\u202e" in text
    # tables, views and messages show them escaped
    table = funnel("list").stdout
    assert not RAW.search(table)
    assert table.splitlines()[1].split() == ["1", SHOWN_TITLE, SHOWN_ORG, "lead", "me"]
    view = funnel("show", "1").stdout
    assert not RAW.search(view)
    assert view.splitlines()[0] == f"#1 {SHOWN_TITLE}"
    assert f"  org            {SHOWN_ORG}" in view.splitlines()
    assert "  contact        a\\x09b" in view.splitlines()
    assert "  field k\\x1b       v\\x9b" in view.splitlines()  # padded before escaping
    assert "note     x\\x1b[2Jy" in view
    for args in (["move", "1", "demo"], ["edit", "1", "--phone", "1"], ["won", "1"]):
        r = funnel(*args)
        assert r.exit_code == 0 and not RAW.search(r.stderr) and SHOWN_TITLE in r.stderr


def test_control_characters_in_stage_and_pipeline_names(funnel):
    r = funnel("pipeline", "create", "p\x1bq", "--stages", "a\x9bb,c")
    assert r.stderr == "created pipeline p\\x1bq: a\\x9bb, c\n"
    assert ok_json(funnel, "pipeline", "list", quiet=False)[1]["name"] == "p\x1bq"
    assert not RAW.search(funnel("pipeline", "list").stdout)
    r = funnel("stage", "rename", "a", "z\u202e", "--pipeline", "p")
    assert r.stderr == "renamed to stage z\\u202e\n"


def test_control_characters_are_escaped_in_a_terminal_table():
    text = _terminal_table(NASTY_TITLE, NASTY_ORG)
    assert not RAW.search(text)
    assert SHOWN_TITLE in text and SHOWN_ORG in text


# -- JSON only via json -------------------------------------------------------------


def test_json_is_the_only_thing_on_stdout(funnel):
    for args in (
        ["add", "A", "--value", "€1.200,50"],
        ["move", "1", "demo"],
        ["edit", "1", "--tag", "t"],
        ["won", "1"],
        ["reopen", "1"],
        ["show", "1"],
        ["list"],
        ["pipeline", "list"],
        ["stage", "list"],
        ["pipeline", "create", "p", "--stages", "a"],
        ["stage", "set", "demo", "--cadence", "2"],
    ):
        r = funnel(*args, "--format", "json")
        assert (r.exit_code, r.stderr) == (0, ""), args
        json.loads(r.stdout)
    assert ok_json(funnel, "show", "1", quiet=False)["value"] == 1200.5


def test_table_commands_print_no_json(funnel):
    r = funnel("add", "A")
    assert (r.stdout, r.stderr) == ("", "added #1 A (lead)\n")
    for args in (["list"], ["show", "1"], ["pipeline", "list"]):
        out = funnel(*args).stdout
        assert out and not out.lstrip().startswith(("{", "["))


def test_unicode_text_is_utf8_not_escaped(funnel):
    ok_json(
        funnel, "add", "Zażółć gęślą jaźń", "--org", "Київ 🚀", "--value", "₴1 000", quiet=False
    )
    r = funnel("show", "1", "--format", "json")
    assert '"title": "Zażółć gęślą jaźń"' in r.stdout
    assert '"org": "Київ 🚀"' in r.stdout
    assert funnel("list").stdout.splitlines()[1].split()[1:5] == ["Zażółć", "gęślą", "jaźń", "Київ"]


# -- colour -----------------------------------------------------------------------


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_output_in_a_terminal_is_coloured_unless_no_color(monkeypatch):
    rows = [["1", "Acme"]]
    columns: list[Column[Any]] = [
        Column("ID", str, "right", "cyan"),
        Column("Title", str, style="bold"),
    ]
    out = _Tty()
    Output("table", out=out).table(columns, rows)
    assert ANSI.search(out.getvalue())
    monkeypatch.setenv("NO_COLOR", "1")
    out = _Tty()
    Output("table", out=out).table(columns, rows)
    assert not ANSI.search(out.getvalue())
    assert "Acme" in out.getvalue()
    out = _Tty()
    Output("table", out=out).lines([[("#1 ", "cyan"), ("Acme", "bold")]])
    assert out.getvalue() == "#1 Acme\n"


def _run_in_pty(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run with stdout on a pseudo-terminal; return the exit code and the output."""
    code, out, err = run_on_a_terminal(args, env)
    assert err == b""
    return code, out


@pytest.mark.slow
@pytest.mark.parametrize(
    ("command", "shown"),
    [
        (["list"], "[b]Org[/b]"),
        (["show", "1"], "[b]Org[/b]"),
        (["pipeline", "list"], "negotiation"),
    ],
)
def test_no_color_in_a_real_terminal(funnel, command, shown):
    ok_json(funnel, "add", "Acme", "--org", "[b]Org[/b]", "--value", "10", quiet=False)
    env = {**os.environ, "COLUMNS": "120", "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    code, coloured = _run_in_pty([FUNNEL, *command], env)
    assert code == 0
    assert ANSI.search(coloured)
    code, plain = _run_in_pty([FUNNEL, *command], {**env, "NO_COLOR": "1"})
    assert code == 0
    assert not ANSI.search(plain)
    assert shown in plain and shown in ANSI_CODES.sub("", coloured)
    assert "─" in plain or command == ["show", "1"]  # rich's table, not the plain one


@pytest.mark.parametrize("command", [["board"], ["list", "--format", "csv"]])
def test_a_stage_name_is_inert_in_a_real_terminal(funnel, isolated, command):
    """An imported sheet names a stage that would clear the screen and set the
    window title; at a terminal the board's column header and a CSV cell show
    it escaped."""
    sheet = isolated / "sheet.csv"
    sheet.write_text('title,stage\nAcme,"Won\x1b[2J\x1b]0;pwned\x07\x9b1m\u202e"\n')
    assert funnel("import", str(sheet), "--create-stages").exit_code == 0
    env = {**os.environ, "COLUMNS": "300", "TERM": "xterm-256color", "NO_COLOR": "1"}
    code, shown = _run_in_pty([FUNNEL, *command], env)
    assert code == 0
    assert "Acme" in shown
    assert not RAW.search(shown.replace("\r\n", "\n")), repr(shown)  # NO_COLOR: no escapes
    assert "Won\\x1b[2J\\x1b]0;pwned" in shown  # a narrow column may fold the rest


# -- the installed program ------------------------------------------------------------


def run(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=60, **kwargs)


def test_funnel_version():
    r = run([FUNNEL, "--version"])
    assert (r.returncode, r.stdout, r.stderr) == (0, f"funnel {funnelcli.__version__}\n", "")


def test_python_m_funnelcli_version():
    r = run([sys.executable, "-m", "funnelcli", "--version"])
    assert (r.returncode, r.stdout, r.stderr) == (0, f"funnel {funnelcli.__version__}\n", "")


@pytest.mark.slow
@pytest.mark.db
def test_python_m_funnelcli_is_the_same_program(isolated):
    r = run([sys.executable, "-m", "funnelcli", "add", "Acme", "--format", "json"])
    assert (r.returncode, r.stderr) == (0, "")
    assert json.loads(r.stdout)["title"] == "Acme"
    r = run([FUNNEL, "show", "1", "--format", "json"])
    assert json.loads(r.stdout)["title"] == "Acme"
    r = run([FUNNEL, "show", "2"])
    assert (r.returncode, r.stdout) == (1, "")
    assert (
        r.stderr == "funnel: error: no deal '2' (number, external id, uuid, or part of title/org)\n"
    )


def test_database_created_with_mode_0600(isolated):
    path = isolated / "new" / "dir" / "funnel.db"
    r = run(["bash", "-c", 'umask 022; exec "$0" --db "$1" add Acme', FUNNEL, str(path)])
    assert (r.returncode, r.stderr) == (0, "added #1 Acme (lead)\n")
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700


def _many_deals(path: Path, count: int) -> None:
    """`count` deals in one transaction, straight through the store."""
    from funnelcli.store.deals import DEAL_COLUMNS

    now = datetime(2026, 11, 23, 10, 15)
    store = open_store(path, for_write=True, now=now)
    try:
        with store.write():
            stage = store.pipelines.all()[0].stages[0]
            for i in range(count):
                values = dict.fromkeys(DEAL_COLUMNS)
                values.update(
                    title=f"Deal {i}",
                    org="Org",
                    value=480000 + i,
                    currency="USD",
                    owner="me",
                    pipeline_id=stage.pipeline_id,
                    stage_id=stage.id,
                    status="open",
                    stage_entered_at="2026-11-23T10:15:00Z",
                    created_at="2026-11-23T10:15:00Z",
                    updated_at="2026-11-23T10:15:00Z",
                )
                deal_id = store.deals.insert(str(uuid.uuid4()), values)
                store.deals.append_event(
                    deal_id,
                    from_stage=None,
                    to_stage=(stage.id, "open"),
                    at="2026-11-23T10:15:00Z",
                    note=None,
                    recorded_at="2026-11-23T10:15:00Z",
                )
    finally:
        store.close()
    store = open_store(path, for_write=False, now=now)
    assert store.conn.execute("SELECT count(*) FROM deals").fetchone()[0] == count
    store.close()


@pytest.fixture
def two_thousand_deals(isolated: Path) -> Path:
    path = isolated / "funnel.db"
    _many_deals(path, 2000)
    return path


@pytest.mark.db
@pytest.mark.slow
@pytest.mark.parametrize(
    ("fmt", "first"),
    [("table", "  ID  Title"), ("json", "["), ("jsonl", '{"id": 1, '), ("csv", "id,uuid,")],
)
@pytest.mark.parametrize("program", ["funnel", "python -m funnelcli"])
def test_closed_pipe_is_quiet(two_thousand_deals, fmt, first, program):
    argv = [FUNNEL] if program == "funnel" else [sys.executable, "-m", "funnelcli"]
    script = (
        'set -o pipefail; "$@" list --format '
        + fmt
        + ' 2>"$ERR" | head -1; echo "status ${PIPESTATUS[*]}"'
    )
    err = two_thousand_deals.parent / "stderr.txt"
    r = run(["bash", "-c", script, "bash", *argv], env={**os.environ, "ERR": str(err)})
    assert r.returncode == 0, r.stdout
    lines = r.stdout.splitlines()
    assert lines[0].startswith(first)
    assert lines[1] == "status 0 0"
    assert err.read_text() == ""


@pytest.mark.slow
@pytest.mark.db
def test_whole_list_of_two_thousand(two_thousand_deals):
    r = run([FUNNEL, "list", "--format", "jsonl"])
    assert (r.returncode, r.stderr) == (0, "")
    lines = r.stdout.splitlines()
    assert len(lines) == 2000
    assert json.loads(lines[-1])["title"] == "Deal 1999"
    r = run([FUNNEL, "list"])
    assert len(r.stdout.splitlines()) == 2001


def test_fast_json_rows_match_deal_records(funnel):
    """`list --format json` builds records straight from rows; they must equal
    the records made through Deal (one JSON contract, two code paths)."""
    from datetime import datetime

    from funnelcli.models import Deal
    from funnelcli.render.records import deal_record, deal_row_record
    from funnelcli.store import DealFilter

    funnel("add", "A", "--value", "4,800.50", "--tag", "x", "--tag", "y", "--field", "k=v")
    funnel("add", "B", "--value", "¥500", "--probability", "33", "--org", "Org")
    funnel("add", "C", "--email", "c@example.com", "--external-id", "EXT-1")
    funnel("won", "1")
    store = open_store(for_write=False, now=datetime(2026, 11, 23))
    rows = list(store.deals.rows(DealFilter(status=None)))
    assert len(rows) == 3
    for row in rows:
        assert deal_row_record(row) == deal_record(Deal(**row))
    store.close()


@pytest.mark.parametrize("title", ["a\rb", "a\r\nb", "line\nbreak", 'say "hi", then\r'])
def test_csv_output_reads_back_with_any_line_break_in_a_cell(funnel, title):
    """csv quotes only the characters of its line terminator ("\\n" here), and
    no CSV reader reads an unquoted carriage return back: a cell holding one
    is quoted too (as `funnel export` does)."""
    import csv

    assert funnel("add", title, "--org", "x\ry").exit_code == 0
    # a real process: the test runner's captured output turns \r\n into \n
    run = subprocess.run(
        [sys.executable, "-m", "funnelcli", "list", "--format", "csv"],
        capture_output=True,
        check=True,
    )
    rows = list(csv.DictReader(io.StringIO(run.stdout.decode(), newline="")))
    assert [(r["title"], r["org"]) for r in rows] == [(title, "x\ry")]
