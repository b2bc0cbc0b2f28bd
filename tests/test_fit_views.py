"""The text views at a real terminal of 60 and 80 columns (issue 13, "80
columns", the views test_terminal_fit.py does not cover): `show`, the owners'
conversion matrix, `undo --dry-run`, `doctor`'s problems and the forecast's
goal lines. No line wider than the terminal, colour or not; a money value or
a date never split across lines; a wrapped line goes on under its label; a
matrix too wide is stacked in blocks, each row whole. Piped, each stays one
full line per record."""

from __future__ import annotations

import os
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len

from helpers import run_on_a_terminal
from test_terminal_fit import FUNNEL, LONG

WIDTHS = [60, 80]
COLOUR = [False, True]
ORG = "Cyberdyne Robotics International Holdings GmbH & Co. KG"
EMAIL = "maximilian.alexander.von.hohenzollern@cyberdyne-robotics-international.example.com"
NOTE = (
    "Budget approved by the CFO, legal review pending, procurement wants a "
    "three-year term with price protection and 12,000.00 USD off"
)
TOKYO = "東京エンタープライズ・プラットフォーム更新契約と地域拡大プロジェクト"
TOKYO_ORG = "株式会社サイバーダイン・ロボティクス"
OWNERS = ["anna-maria.kowalska", "bob", "piotr", "山田太郎", "zofia.wisniewska"]


def at_terminal(
    width: int, *args: str, colour: bool = False, code: int = 0, styled: bool = True
) -> list[str]:
    """`funnel ARGS` on a pseudo-terminal `width` columns wide; its lines,
    checked to fit (`styled`: in colour it has some)."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env["TERM"] = "xterm-256color"
    if not colour:
        env["NO_COLOR"] = "1"
    got, text, err = run_on_a_terminal([FUNNEL, *args], env, width=width)
    assert got == code, err
    if colour and styled:
        assert "\x1b[" in text
        text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    lines = [line.rstrip() for line in text.splitlines()]
    wide = [(cell_len(line), line) for line in lines if cell_len(line) > width]
    assert wide == [], f"wider than {width}: {wide}"
    return lines


def whole(lines: list[str], values: list[str]) -> None:
    text = "\n".join(lines)
    split = [v for v in values if v not in text]
    assert split == [], f"split or missing: {split}\n{text}"


@pytest.fixture
def deals(funnel: Any) -> Any:
    """Long titles, orgs, an e-mail longer than any line, a CJK title, a long
    note and lost reason, owners with long names, three currencies."""
    ok = lambda *args: funnel(*args).exit_code == 0  # noqa: E731
    assert ok("add", LONG, "--org", ORG, "--value", "125000 USD", "--stage", "demo")
    assert ok("edit", "1", "--email", EMAIL, "--contact", "Dr. Maximilian von Hohenzollern")
    assert ok("log", "1", "call", NOTE)
    assert ok("edit", "1", "--follow-up", "2026-11-24 10:00", "--owner", OWNERS[0])
    assert ok("add", TOKYO, "--org", TOKYO_ORG, "--value", "98765.43 EUR")
    assert ok("add", "Zeta " + LONG, "--value", "4800 GBP", "--owner", OWNERS[1])
    assert ok("lost", "3", "--reason", "went with a competitor who offered a cheaper " * 2)
    for n, owner in enumerate(OWNERS):
        assert ok("add", f"Deal of {owner}", "--owner", owner, "--value", "1000")
        assert ok("move", str(4 + n), "qualified")
        assert ok("move", str(4 + n), "demo" if n % 2 else "contacted")
    return funnel


@pytest.mark.parametrize("colour", COLOUR)
@pytest.mark.parametrize("width", WIDTHS)
def test_show_wraps_under_its_labels(deals: Any, width: int, colour: bool) -> None:
    lines = at_terminal(width, "show", "1", colour=colour)
    whole(lines, ["125,000.00 USD", "2026-11-24 10:00", "2026-11-23 10:15", "12,000.00 USD"])
    # a wrapped value goes on under the value column, not at the margin
    org = next(i for i, line in enumerate(lines) if line.startswith("  org "))
    text = " ".join(line.strip() for line in lines[org : org + 2])
    if width == 60:
        assert lines[org + 1].startswith(" " * 17) and lines[org + 1][17] != " "
    assert ORG in text.replace("  org            ", "")
    # the e-mail, longer than a line, starts beside its label and goes on below it
    email = next(i for i, line in enumerate(lines) if line.startswith("  email "))
    assert lines[email][17:].strip() and lines[email + 1].startswith(" " * 17)
    assert "".join(line[17:] for line in lines[email : email + 3]).startswith(EMAIL)
    # the note of a touch wraps under its text, after its time and kind
    note = [line for line in lines if line.startswith(" " * 19) and line.strip()]
    assert note, "\n".join(lines)


@pytest.mark.parametrize("colour", COLOUR)
@pytest.mark.parametrize("width", WIDTHS)
def test_show_of_wide_characters(deals: Any, width: int, colour: bool) -> None:
    lines = at_terminal(width, "show", "2", colour=colour)
    assert lines[0].startswith("#2 東京")  # beside its number, then under the title
    whole(lines, ["98,765.43 EUR"])
    assert "".join(line.strip() for line in lines[:3]).startswith("#2 " + TOKYO)


@pytest.mark.parametrize("colour", COLOUR)
@pytest.mark.parametrize("width", WIDTHS)
def test_the_owners_matrix_is_stacked(deals: Any, width: int, colour: bool) -> None:
    lines = at_terminal(width, "report", "owners", colour=colour)
    lines = lines[: next(i for i, line in enumerate(lines) if line.startswith("Best converter"))]
    heads = [line for line in lines if line.startswith("Stage ")]
    shown = " ".join(heads)
    assert all(owner in shown for owner in OWNERS)
    if width == 60:
        assert len(heads) > 1  # stacked in blocks, each with the stages again
    for head in heads:
        rows = lines[lines.index(head) + 2 :][:6]
        assert [row.split()[0] for row in rows] == [
            "lead", "qualified", "contacted", "demo", "proposal", "negotiation"
        ]  # fmt: skip
        cells = len(head.split()) - 1  # owners' names have no spaces here
        for row in rows:  # each row whole: one figure (and its difference) per owner
            assert len(re.findall(r"\d+%|–", row)) == cells, row


def test_the_owners_matrix_piped_is_one_line_per_stage(deals: Any) -> None:
    lines = deals("report", "owners").stdout.split("\n\nBest converter")[0].splitlines()
    head = next(line for line in lines if line.startswith("Stage "))
    assert head.split()[:2] == ["Stage", "team"] and set(OWNERS) <= set(head.split())
    assert len(lines) - lines.index(head) == 7  # the header and six stages


@pytest.mark.parametrize("colour", COLOUR)
@pytest.mark.parametrize("width", WIDTHS)
def test_undo_dry_run_fits(deals: Any, width: int, colour: bool) -> None:
    deals("add", "Renewal " + LONG, "--org", ORG, "--value", "5000000 JPY", "--note", NOTE)
    lines = at_terminal(width, "undo", "--dry-run", colour=colour, styled=False)
    whole(lines, ["'5000000 JPY'", "12,000.00 USD"])
    assert lines[0].startswith("would undo change #")
    assert any(line.startswith("  #9 Renewal") for line in lines)
    piped = deals("undo", "--dry-run").stdout.splitlines()
    assert len(piped) == 3 and "5000000 JPY" in piped[0] and NOTE in piped[0]


@pytest.fixture
def broken(deals: Any, isolated: Path) -> Any:
    """Two deals whose last touch the file says wrong: doctor's problems."""
    conn = sqlite3.connect(isolated / "funnel.db")
    with conn:
        conn.execute("UPDATE deals SET last_activity_at = '2020-01-01T00:00:00Z' WHERE id > 6")
    conn.close()
    return deals


@pytest.mark.sqlite_only  # doctor of a SQLite file (broken by hand through sqlite3)
@pytest.mark.parametrize("colour", COLOUR)
@pytest.mark.parametrize("width", WIDTHS)
def test_doctor_problems_fit(broken: Any, width: int, colour: bool) -> None:
    lines = at_terminal(width, "doctor", colour=colour, code=1, styled=False)
    whole(lines, ["2020-01-01T00:00:00Z"])
    starts = [line for line in lines if line.startswith("deal ")]
    assert len(starts) == 2
    assert all(line.startswith(" " * len("deal 8: ")) for line in lines if line not in starts)
    piped = broken("doctor").stdout.splitlines()
    assert len(piped) == 2 and all("2020-01-01T00:00:00Z, but it" in line for line in piped)


@pytest.mark.parametrize("colour", COLOUR)
@pytest.mark.parametrize("width", WIDTHS)
def test_forecast_goal_lines_keep_money_whole(deals: Any, width: int, colour: bool) -> None:
    for n in range(1, 8):
        deals("edit", str(n), "--expected-close", "2027-01-15")
    deals("won", "4")
    args = ("report", "forecast", "--goal", "1111111111.11")  # split before, at 60 and 80
    goal = deals(*args, "--format", "json").json()
    lines = at_terminal(width, *args, colour=colour)
    keys = ("goal", "weighted_value", "gap", "pipeline_needed")
    money = [f"{goal[k]:,.2f} USD" for k in keys]
    whole(lines, money)
    piped, text = deals(*args).stdout, "\n".join(lines)
    assert [text.count(m) for m in money] == [piped.count(m) for m in money]  # every one whole


def test_line_breaks() -> None:
    """render/fit.py: a text view breaks at spaces, never inside money or a
    date, a word longer than a line is filled in where it starts, and later
    pieces leave room for their indent."""
    from funnelcli.render.fit import display_width, line_breaks

    def pieces(text: str, room: int, indent: int = 0) -> list[str]:
        return [text[a:b] for a, b in line_breaks(text, room, indent, display_width)]

    assert pieces("goal 1,234,567.89 USD; gap 12,000.00 USD", 24) == [
        "goal 1,234,567.89 USD;",
        "gap 12,000.00 USD",
    ]
    assert pieces("due on 2026-11-24 10:00 at the office", 20) == [
        "due on",
        "2026-11-24 10:00 at",
        "the office",
    ]
    assert pieces("  email          averyveryverylongaddress@example", 30, 17) == [
        "  email          averyveryvery",
        "longaddress@e",
        "xample",
    ]
    assert pieces("  org            Cyberdyne Robotics International", 30, 17) == [
        "  org            Cyberdyne",
        "Robotics",
        "International",
    ]
    assert pieces("short", 30) == ["short"]
    assert pieces("", 30) == [""]
    assert pieces("東京オフィス移転", 10) == ["東京オフィ", "ス移転"]


@pytest.mark.parametrize("width", [None, 60])
def test_show_aligns_a_wide_activity_kind(funnel: Any, width: int | None) -> None:
    """A kind in CJK takes two cells a character: the notes still line up."""
    assert funnel("config", "set", "activity_kinds", "電話").exit_code == 0
    assert funnel("add", "Acme").exit_code == 0
    assert funnel("log", "1", "電話", "first note").exit_code == 0
    assert funnel("log", "1", "call", "second note").exit_code == 0
    if width is None:
        lines = funnel("show", "1").stdout.splitlines()
    else:
        lines = at_terminal(width, "show", "1")
    notes = [line for line in lines if line.endswith(" note")]
    assert len(notes) == 2
    # where each note starts, in cells: the same column
    starts = {cell_len(line) - len(line.split(maxsplit=3)[3]) for line in notes}
    assert starts == {28}, notes


def test_show_keeps_a_space_after_a_long_or_wide_field_name(funnel: Any) -> None:
    assert (
        funnel("add", "Acme", "--field", "renewal month=March", "--field", "月=三月").exit_code == 0
    )
    lines = funnel("show", "1").stdout.splitlines()
    assert "  field renewal month March" in lines  # was "monthMarch"
    assert "  field 月       三月" in lines  # 月 takes two cells: the value in column 18
    assert "  owner          me" in lines


def on_a_terminal(width: int, *args: str) -> list[str]:
    """`funnel ARGS` with stdout and stderr on one terminal `width` columns
    wide, as a person sees it; its lines, checked to fit."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env["NO_COLOR"] = "1"
    got, text, _ = run_on_a_terminal([FUNNEL, *args], env, width=width, stderr_too=True)
    assert got == 0, text
    lines = [line.rstrip() for line in text.splitlines()]
    wide = [(cell_len(line), line) for line in lines if cell_len(line) > width]
    assert wide == [], f"wider than {width}: {wide}"
    return lines


@pytest.mark.sqlite_only  # doctor of a SQLite file (broken by hand through sqlite3)
@pytest.mark.parametrize("width", WIDTHS)
def test_doctors_notes_fit(deals: Any, width: int) -> None:
    # issue 13: "change log: … (`funnel changes --prune BEFORE` trims it)"
    # was 88-90 columns; at a terminal it wraps at a space, the rest indented
    lines = on_a_terminal(width, "doctor")
    start = next(i for i, line in enumerate(lines) if line.startswith("change log: "))
    assert lines[start + 1].startswith("  ") and lines[start + 1][2] != " "
    text = " ".join(line.strip() for line in lines[start : start + 3])
    assert "KB; `funnel changes --prune BEFORE` trims it)" in text
    assert any(line.startswith("ok: ") for line in lines)
    # piped, the note is one whole line, as it was
    note = [line for line in deals("doctor").stderr.splitlines() if "change log" in line]
    assert len(note) == 1 and note[0].endswith("KB; `funnel changes --prune BEFORE` trims it)")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_demos_notes_fit(isolated: Path, width: int) -> None:
    # issue 13: "try: funnel --db /tmp/funnel-demo-…/demo.db show 1   (or
    # export FUNNEL_DB=…)" was ~115 columns
    lines = on_a_terminal(width, "demo", "--deals", "5")
    start = next(i for i, line in enumerate(lines) if line.startswith("try: funnel --db "))
    text = "".join(lines[start : start + 6])
    path = next(isolated.glob("funnel-demo-*/demo.db"))
    assert str(path) in text.replace(" ", "")
    words = " ".join(" ".join(lines[start : start + 6]).split())
    assert "(or export FUNNEL_DB=" in words
    # the hint's two parts (three spaces apart piped) each start a line
    assert any(line.startswith("  (or export") for line in lines[start : start + 6])


def test_the_demos_notes_piped_are_whole_lines(funnel: Any, isolated: Path) -> None:
    run = funnel("demo", "--deals", "5")
    path = next(isolated.glob("funnel-demo-*/demo.db"))
    assert f"try: funnel --db {path} show 1   (or export FUNNEL_DB={path})\n" in run.stderr


def test_the_demo_help_shows_where_db_goes(funnel: Any, isolated: Path) -> None:
    # issue 13: the help said "(or to --db …)", and `funnel demo --db x` is no option
    assert "funnel --db PATH demo" in " ".join(funnel("demo", "--help").stdout.split())
    target = isolated / "mine.db"
    run = funnel("--db", str(target), "demo", "--deals", "3")
    assert run.exit_code == 0, run.stderr
    assert target.exists() and f"demo database: {target}" in run.stderr
