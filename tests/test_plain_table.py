"""The piped table's fast paths are the measured ones: a table of printable
ASCII text is padded with str.format instead of measuring each cell, and a
row of printable ASCII cells skips safe() cell by cell (start-up of `due`,
benchmarks/README.md). Both must print exactly what the general path does."""

from __future__ import annotations

from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from funnelcli.render.output import Column, measured_table, plain_table
from funnelcli.render.text import safe, safe_cells

ascii_cell = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=12)
any_cell = st.text(max_size=8)


def _columns(right: list[bool]) -> list[Column[Any]]:
    return [Column(f"C{i}", str, "right" if r else "left") for i, r in enumerate(right)]


@st.composite
def tables(draw: st.DrawFn, cell: st.SearchStrategy[str]) -> tuple[list[bool], list[list[str]]]:
    right = draw(st.lists(st.booleans(), min_size=1, max_size=5))
    rows = draw(st.lists(st.lists(cell, min_size=len(right), max_size=len(right)), max_size=6))
    headers = draw(st.lists(ascii_cell, min_size=len(right), max_size=len(right)))
    return right, [headers, *rows]


@given(tables(ascii_cell))
@example(([False, True], [["", ""], ["", ""]]))  # columns of no width
@example(([True, False], [["ID", "Title"], ["7", "a {0} b"], ["12", "  "]]))
def test_an_ascii_table_is_padded_as_the_measured_one(table: tuple[list[bool], list[list[str]]]):
    right, rows = table
    assert plain_table(_columns(right), rows) == measured_table(right, rows)


@given(tables(any_cell.map(safe)))
@example(([False, False], [["A", "B"], ["東京", "x"], ["abc", "🚀"]]))
def test_any_table_is_the_measured_one(table: tuple[list[bool], list[list[str]]]):
    right, rows = table
    assert plain_table(_columns(right), rows) == measured_table(right, rows)


def test_a_wide_cell_is_measured_in_display_cells():
    lines = plain_table(_columns([False, True]), [["A", "B"], ["東京", "1"], ["x", "22"]])
    assert lines == ["A      B\n", "東京   1\n", "x     22\n"]


@given(st.lists(st.one_of(any_cell, ascii_cell, st.none(), st.integers()), max_size=6))
@example(["ok", "Evil\x1b[31m", "\u202e"])
@example(["plain", None, "text"])
def test_safe_cells_is_safe_of_each(cells: list[Any]):
    assert safe_cells(list(cells)) == [safe(c) for c in cells]
