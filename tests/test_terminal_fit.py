"""Tables at a real terminal of 60, 80 and 120 columns (issue 13, "80
columns"): no line wider than the terminal, no money value or date split
across lines, a record on one line (text cut with "…", not folded), several
currencies stacked, and alignment by display width (CJK, emoji) at a
terminal and in a pipe."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len

from conftest import NOW
from helpers import run_on_a_terminal

FUNNEL = shutil.which("funnel") or str(Path(sys.executable).with_name("funnel"))
WIDTHS = [60, 80, 120]
LONG = "Consolidated multi-year enterprise platform renewal and regional expansion"


def at_terminal(width: int, *args: str, color: bool = False) -> list[str]:
    """`funnel ARGS` with stdout on a pseudo-terminal `width` columns wide
    (TIOCSWINSZ, no COLUMNS); its lines, checked to fit."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env["TERM"] = "xterm-256color"
    if not color:
        env["NO_COLOR"] = "1"
    code, text, err = run_on_a_terminal([FUNNEL, *args], env, width=width)
    assert code == 0, err
    if color:
        import re

        assert "\x1b[" in text
        text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    lines = text.splitlines()
    wide = [(cell_len(line), line) for line in lines if cell_len(line) > width]
    assert wide == [], f"wider than {width}: {wide}"
    return lines


def money(value: float | None, currency: str) -> str:
    return f"{value:,.2f} {currency}"


def deal_values(deals: list[dict[str, Any]], lines: list[str] | None = None) -> list[str]:
    """Each deal's value and follow-up as a table shows them. The follow-up
    column may leave a narrow table (`lines`: its header is the first with
    "Value"): then its dates are nowhere, not half there."""
    shown = [money(d["value"], d["currency"]) for d in deals if d["value"] is not None]
    dates = [d["next_follow_up"].replace("T", " ") for d in deals if d["next_follow_up"]]
    if lines is not None:
        header = next(line for line in lines if "Value" in line)
        if "When" not in header and "Next" not in header:
            text = "\n".join(lines)
            assert not any(date[:10] in text for date in dates)
            return shown
    return shown + dates


def all_whole(lines: list[str], values: list[str]) -> None:
    text = "\n".join(lines)
    split = [v for v in values if v not in text]
    assert split == [], f"split or missing: {split}"


@pytest.fixture
def pipeline(funnel, monkeypatch):
    """Deals with long titles and orgs, six-figure values in three currencies,
    follow-ups with a time, in every stage."""
    rows = [
        (LONG, "lead", "125000 USD", "2026-11-20 10:00"),
        ("Globex " + LONG, "qualified", "98765.43 EUR", "2026-11-23 14:30"),
        ("Initech pilot", "contacted", "4800 GBP", "2026-11-24"),
        ("Hooli " + LONG, "demo", "250000 USD", "2026-11-19 09:15"),
        ("Umbrella " + LONG, "proposal", "1200.50 EUR", "2026-11-23 16:45"),
        ("Stark " + LONG, "negotiation", "777777.77 GBP", "2026-11-18 08:00"),
        ("Wayne unscheduled " + LONG, "negotiation", "12000 USD", None),
    ]
    monkeypatch.setenv("FUNNEL_NOW", "2026-11-15T09:00")  # the follow-ups ahead then
    for title, stage, value, follow_up in rows:
        args = ["--at", "2026-10-01", title, "--org", "Cyberdyne Robotics International"]
        args += ["--stage", stage]
        args += ["--value", value, "--owner", "anna-maria.kowalska"]
        args += ["--follow-up", follow_up] if follow_up else []
        assert funnel("add", *args).exit_code == 0
    monkeypatch.setenv("FUNNEL_NOW", NOW)
    funnel("won", "2", "--at", "2026-11-21")
    funnel("won", "3", "--at", "2026-10-30")
    funnel("lost", "5", "--at", "2026-10-20", "--reason", "budget")
    return funnel


@pytest.mark.parametrize("width", WIDTHS)
def test_list_fits(pipeline, width):
    deals = pipeline("list", "--format", "json").json()
    lines = at_terminal(width, "list")
    all_whole(lines, deal_values(deals, lines))
    assert any("…" in line for line in lines)  # long titles cut, not folded
    assert len(lines) == 2 + len(deals)  # header, rule, one line per deal


@pytest.mark.parametrize("width", WIDTHS)
def test_due_fits(pipeline, width):
    items = pipeline("due", "--format", "json").json()
    lines = at_terminal(width, "due")
    all_whole(lines, deal_values(items, lines))
    overdue = [i for i in items if i["due_state"] == "overdue"]
    assert sum("overdue " in line and "d " in line for line in lines) == len(overdue)
    groups = len({i["due_state"] for i in items})
    assert len(lines) == len(items) + 3 * groups  # heading, header, rule, one line per deal


@pytest.mark.parametrize("width", WIDTHS)
def test_board_fits(pipeline, width):
    board = pipeline("board", "--format", "json").json()
    deals = [d for stage in board["stages"] for d in stage["deals"]]
    lines = at_terminal(width, "board")
    marked = [
        {**d, "next_follow_up": (d["follow_up_mark"] or "") + d["next_follow_up"]}
        for d in deals
        if d["next_follow_up"]
    ]
    all_whole(lines, deal_values(deals) + deal_values(marked))
    text = "\n".join(lines)
    assert all(f"#{d['id']} " in text for d in deals)


@pytest.mark.parametrize("width", WIDTHS)
def test_changes_fit(pipeline, width):
    changes = pipeline("changes", "--format", "json").json()
    lines = at_terminal(width, "changes")
    all_whole(lines, [c["at"][:16].replace("T", " ") for c in changes])  # TZ=UTC
    assert len(lines) == 2 + len(changes)  # one line per change: Rows is cut, not folded


METRICS = ("report", "metrics", "--compare", "previous", "--since", "2026-11-01")


@pytest.mark.parametrize("width", WIDTHS)
def test_metrics_compare_three_currencies_stacked(pipeline, width):
    records = pipeline(*METRICS, "--format", "json").json()
    assert sorted(r["currency"] for r in records) == ["EUR", "GBP", "USD"]
    lines = at_terminal(width, *METRICS)
    values = [
        money(r[key], r["currency"])
        for r in records
        for key in ("open_value", "avg_deal_size")
        if r[key] is not None
    ]
    all_whole(lines, values)
    headers = [line for line in lines if line.startswith("Metric")]
    assert len(headers) == 3  # one block per currency, one under another
    assert all(len([c for c in ("USD", "EUR", "GBP") if c in h]) == 1 for h in headers)
    # piped: one line per figure, the currencies side by side
    piped = pipeline(*METRICS).stdout.splitlines()
    side_by_side = [name for r in records for name in (r["currency"], "before", "change")]
    assert piped[0].split() == ["Metric", *side_by_side]
    assert len(piped) == 15  # a header and 14 figures


@pytest.mark.parametrize("width", WIDTHS)
def test_demo_fits(isolated, width):
    db = isolated / f"demo-{width}.db"
    lines = at_terminal(width, "--db", str(db), "demo")
    deals = ok_json_list(db)
    all_whole(lines, deal_values(deals, lines))
    listed = lines[lines.index("Open deals, by stage") + 3 :]
    listed = listed[: listed.index("")]
    assert len(listed) == len(deals)  # one line per deal: titles cut, not folded
    due = ok_json_list(db, "due")
    calls = lines[lines.index("Who to call (funnel due)") + 1 :]
    calls = calls[: calls.index("")]
    groups = len({i["due_state"] for i in due})
    assert len(calls) == len(due) + 3 * groups  # a heading, header and rule each
    wide = at_terminal(200, "--db", str(db), "list")
    assert len(wide) == len(deals) + 2


def ok_json_list(db: Path, command: str = "list") -> list[dict[str, Any]]:
    r = subprocess.run(
        [FUNNEL, "--db", str(db), command, "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    import json

    deals: list[dict[str, Any]] = json.loads(r.stdout)
    return deals


def test_colour_does_not_change_the_fit(pipeline):
    deals = pipeline("list", "--format", "json").json()
    lines = at_terminal(80, "list", color=True)
    all_whole(lines, deal_values(deals))
    assert len(lines) == 2 + len(deals)


TOKYO = "東京オフィス移転プロジェクト第二期計画と大阪支社の全面改装" * 2
WIDE = [(TOKYO, 5000), ("🚀 Launch 🎉", 120000), ("Café Zoë", 70), ("plain", 1)]


@pytest.fixture
def wide_titles(funnel):
    for title, value in WIDE:
        assert funnel("add", title, "--org", "Ōsaka 大阪", "--value", str(value)).exit_code == 0
    return funnel


def value_columns(lines: list[str]) -> set[int]:
    """The display column where each line's value ends (right-aligned)."""
    ends = set()
    for line in lines:
        at = line.find(" USD")
        if at >= 0:
            ends.add(cell_len(line[: at + 4]))
    return ends


@pytest.mark.parametrize("width", WIDTHS)
def test_wide_characters_align_at_a_terminal(wide_titles, width):
    lines = at_terminal(width, "list")
    assert len(value_columns(lines)) == 1, "\n".join(lines)
    assert len(lines) == 2 + len(WIDE)  # the long title cut with "…", not folded
    assert any("東京オフィス" in line and "…" in line for line in lines)


def test_wide_characters_align_in_a_pipe(wide_titles):
    lines = wide_titles("list").stdout.splitlines()
    assert len(value_columns(lines)) == 1, "\n".join(lines)
    assert any(TOKYO in line for line in lines)  # piped: nothing cut
    # a combining accent takes no cell of its own
    wide_titles("add", "Cafe\u0301 combined", "--value", "3")
    lines = wide_titles("list").stdout.splitlines()
    assert len(value_columns(lines)) == 1, "\n".join(lines)


@pytest.mark.parametrize("width", [60, 80])  # at 120 it always fitted
def test_owners_fit(pipeline, width):
    rows = pipeline("report", "owners", "--format", "json").json()
    lines = at_terminal(width, "report", "owners")
    all_whole(lines, [money(r["won_value"], r["currency"]) for r in rows])


def test_the_fitting_itself():
    """render/fit.py: text shrinks first, then columns leave by rank; money
    never shrinks; display width counts wide and zero-width characters."""
    from funnelcli.render.fit import Spec, cut, display_width, fit_columns, wrap

    assert display_width("東京") == 4 and display_width("🚀") == 2
    assert display_width("Cafe\u0301") == 4 and display_width("a\u200db") == 2
    assert cut("東京オフィス", 5, display_width) == "東京…"
    assert wrap("  two words", 8, display_width, 3) == ["  two", "words"]
    title, org = Spec(40, cut=True, least=12), Spec(20, cut=True, least=8, drop=2)
    value, owner = Spec(14), Spec(10, cut=True, least=6, drop=1)
    assert fit_columns([title, org, value, owner], 100) == [40, 20, 14, 10]
    assert fit_columns([title, org, value, owner], 60) == [15, 15, 14, 10]  # text shrinks
    assert fit_columns([title, org, value, owner], 40) == [12, 10, 14, None]  # Owner leaves
    assert fit_columns([title, org, value, owner], 30) == [14, None, 14, None]  # then Org
