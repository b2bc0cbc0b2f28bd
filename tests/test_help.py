"""Every help page as a person sees it at an 80-column terminal, no colour
(issue 13, "Help"): nothing wider than the terminal, a usage line that names
arguments in upper case (`DEAL`, `[NOTE]`, never `{title}`), and command
summaries that are whole sentences, wrapped only where the terminal wraps
them."""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
import typer.main
from rich.cells import cell_len
from typer._click import Command  # typer is pinned to 0.28.x
from typer.core import TyperArgument, TyperGroup

from funnelcli.cli import app

WIDTH = 80
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# an argument in a usage line: NAME, [NAME] when it may be left out, NAME... for several
USAGE_ARGUMENT = re.compile(r"(?P<open>\[?)(?P<name>[A-Z][A-Z0-9_]*)(?P<close>\]?)(\.\.\.)?")


def _tree() -> dict[tuple[str, ...], Command]:
    """Every command and group under `funnel`, by its path (the root is ())."""
    found: dict[tuple[str, ...], Command] = {}

    def walk(command: Command, path: tuple[str, ...]) -> None:
        found[path] = command
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, (*path, name))

    walk(typer.main.get_command(app), ())
    return found


TREE = _tree()
GROUPS = [path for path, command in TREE.items() if isinstance(command, TyperGroup)]


def _id(path: tuple[str, ...]) -> str:
    return " ".join(("funnel", *path))


@pytest.fixture
def help_page(funnel: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """`funnel PATH… --help` at 80 columns without colour: its lines."""
    monkeypatch.setenv("COLUMNS", str(WIDTH))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("TERMINAL_WIDTH", raising=False)

    def page(path: tuple[str, ...]) -> list[str]:
        r = funnel(*path, "--help")
        assert r.exit_code == 0, r.stderr
        return [line.rstrip() for line in ANSI.sub("", r.stdout).splitlines()]

    return page


def _panel(lines: list[str], title: str) -> list[str]:
    """The rows of a help panel (`╭─ Commands ─…╮` … `╰─…╯`), inside its
    border."""
    start = next(i for i, line in enumerate(lines) if line.startswith(f"╭─ {title} "))
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("╰"))
    rows = lines[start + 1 : end]
    assert all(row.startswith("│") and row.endswith("│") for row in rows), rows
    return [row[1:-1] for row in rows]


@pytest.mark.parametrize("path", list(TREE), ids=_id)
def test_every_help_page_fits_80_columns(help_page, path):
    """No line is wider than the terminal, in display columns."""
    lines = help_page(path)
    too_wide = [line for line in lines if cell_len(line) > WIDTH]
    assert too_wide == []
    # rendered for 80 columns, not for some other width the test didn't set
    assert cell_len(next(line for line in lines if line.startswith("╭─ Options "))) == WIDTH


@pytest.mark.parametrize("path", list(TREE), ids=_id)
def test_usage_names_arguments_in_upper_case(help_page, path):
    """The usage line is `Usage: funnel PATH… [OPTIONS]`, then for a group
    `COMMAND [ARGS]...`, for a command one piece per argument: its name in
    upper case, in brackets when it may be left out. The Arguments panel names
    each the same way."""
    lines = help_page(path)
    at = next(i for i, line in enumerate(lines) if "Usage:" in line)
    usage = " ".join(line.strip() for line in lines[at : at + 2] if line.strip()).split()
    prefix = ["Usage:", "funnel", *path, "[OPTIONS]"]
    assert usage[: len(prefix)] == prefix
    pieces = usage[len(prefix) :]
    assert not any("{" in piece or "}" in piece for piece in pieces), pieces
    command = TREE[path]
    if isinstance(command, TyperGroup):
        assert pieces == ["COMMAND", "[ARGS]..."]
        return
    arguments = [p for p in command.params if isinstance(p, TyperArgument)]
    assert len(pieces) == len(arguments), pieces
    # the Arguments panel's names: after the required marker (`*`), if any
    panel = (
        [re.match(r" [ *] +(\S+)", row) for row in _panel(lines, "Arguments")] if arguments else []
    )
    names = {m[1] for m in panel if m}
    for piece, argument in zip(pieces, arguments, strict=True):
        shown = USAGE_ARGUMENT.fullmatch(piece)
        assert shown, f"{piece!r} is not an upper-case name"
        optional = not argument.required
        assert (shown["open"], shown["close"]) == (("[", "]") if optional else ("", "")), piece
        assert shown["name"] in names, (piece, names)


def _summaries(rows: list[str]) -> tuple[int, dict[str, list[str]]]:
    """A Commands panel's description column: its width, and each command's
    description as the rows the table wrapped it into. The column starts where
    the first row's description does and ends one space (the panel's padding)
    before the border."""
    first = re.match(r"( \S+ +)\S", rows[0])
    assert first, rows[0]
    start = len(first[1])
    entries: dict[str, list[str]] = {}
    name = ""
    for row in rows:
        if row[:start].strip():
            name = row[:start].strip()
            entries[name] = []
        entries[name].append(row[start:].rstrip())
    return len(rows[0]) - start - 1, entries


@pytest.mark.parametrize("path", GROUPS, ids=_id)
def test_command_summaries_are_whole_sentences(help_page, path):
    """Each summary in a Commands panel ends with a full stop, and breaks only
    where the table had to: the table wraps greedily, so a row whose first
    word would have fit at the end of the row before is a line break written
    into the help text (a docstring's first paragraph wrapped in the source),
    cutting a sentence mid-way."""
    width, summaries = _summaries(_panel(help_page(path), "Commands"))
    group = TREE[path]
    assert set(summaries) == set(group.commands)
    for name, text in summaries.items():
        assert text[-1].endswith("."), (name, text)
        for before, row in itertools.pairwise(text):
            word = row.split()[0]
            assert cell_len(before) + 1 + cell_len(word) > width, f"{name}: hard break {text}"
        # the cause, where it is written: a summary is one line of the docstring
        summary = (group.commands[name].help or "").split("\n\n")[0]
        assert "\n" not in summary, (name, summary)


@pytest.mark.parametrize("width", [60, 80, 120])
def test_descriptions_wrap_at_the_terminal_not_at_the_docstring(funnel, monkeypatch, width):
    """Typer keeps a docstring's line breaks after its first paragraph: at 60
    columns `log --help` read 'is the day' / 'of the touch' / 'plus the cadence'."""
    monkeypatch.setenv("COLUMNS", str(width))
    monkeypatch.setenv("NO_COLOR", "1")
    text = ANSI.sub("", funnel("log", "--help").stdout)
    prose = " ".join(line.strip(" │") for line in text.splitlines()[3:8])
    assert "the next follow-up is the day of the touch plus the cadence of the deal's" in prose
    lines = [line.rstrip() for line in text.splitlines()]
    first = next(i for i, line in enumerate(lines) if "Without --next" in line)
    assert len(lines[first]) > width - 12  # filled to the width, not cut at 72
    # Examples keep a line each.
    monkeypatch.setenv("COLUMNS", "120")
    text = funnel("config", "set", "--help").stdout
    assert re.search(r"^ Example: funnel config set currency EUR *$", text, re.M)
