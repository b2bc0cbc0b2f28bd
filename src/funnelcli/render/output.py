"""Writing results: table (rich at a terminal, plain text when piped), json,
jsonl or csv. Data goes to stdout; messages go to stderr.

rich is imported only when a table is drawn at a terminal.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Generic, TextIO, TypeVar

from funnelcli.errors import UsageError
from funnelcli.models import Record
from funnelcli.render.text import dumps, guard_formula, safe, safe_cells

if TYPE_CHECKING:
    from collections.abc import Sequence

    from rich.console import Console

    from funnelcli.render.fit import Spec

T = TypeVar("T")
FORMATS = ("table", "json", "jsonl", "csv")
LIST_ONLY = ("jsonl", "csv")

# A line of a text view: segments of (text, rich style or "").
Segment = tuple[str, str]
Line = list[Segment]


class Column(Record, Generic[T]):
    """A table column. At a terminal a table fits its width (render/fit.py):
    a `cut` column is free text, shrunk to `least` cells and then cut with
    "…"; any other (ids, money, dates, numbers) is never split. A column with
    a `drop` rank leaves the table when it still does not fit, 1 first."""

    __slots__ = (  # noqa: RUF023 (in field order, as repr lists them)
        "header",
        "cell",
        "justify",
        "style",
        "cut",
        "drop",
        "least",
    )

    def __init__(
        self,
        header: str,
        cell: Callable[[T], str],
        justify: str = "left",
        style: str = "",
        cut: bool = False,
        drop: int = 0,
        least: int = 10,
    ) -> None:
        self.header = header
        self.cell = cell
        self.justify = justify
        self.style = style
        self.cut = cut
        self.drop = drop
        self.least = least


class Output:
    def __init__(
        self, fmt: str = "table", out: TextIO | None = None, err: TextIO | None = None
    ) -> None:
        if fmt not in FORMATS:
            raise UsageError(f"--format must be one of {', '.join(FORMATS)}, not '{fmt}'")
        self.fmt = fmt
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.tty = _isatty(self.out)
        self.color = self.tty and not os.environ.get("NO_COLOR")

    # -- messages --------------------------------------------------------
    def message(self, text: str) -> None:
        """A note for the person (stderr); `text` must already be safe(). At
        a terminal a line wider than it wraps at a space, like a text view's,
        the rest indented by two; elsewhere each line is written whole."""
        if _isatty(self.err):
            from funnelcli.render.fit import note_lines

            text = note_lines(text, self.err)
        self.err.write(text + "\n")
        self.err.flush()

    # -- lists -----------------------------------------------------------
    def emit_list(
        self, items: Iterable[T], to_record: Callable[[T], dict[str, Any]], columns: list[Column[T]]
    ) -> int:
        """Write a list in the chosen format; returns how many items."""
        if self.fmt == "json":
            return self._json_list(to_record(i) for i in items)
        if self.fmt == "jsonl":
            n = 0
            for item in items:
                self.out.write(dumps(to_record(item)) + "\n")
                n += 1
            return n
        if self.fmt == "csv":
            return self._csv(to_record(i) for i in items)
        rows = table_rows(columns, items)
        if rows:
            self.table(columns, rows)
        return len(rows)

    def emit_groups(
        self,
        groups: list[tuple[str, str, list[T]]],
        to_record: Callable[[T], dict[str, Any]],
        columns: list[Column[T]],
    ) -> int:
        """A list in sections (heading, style, items). Piped or as data it is one
        flat list, a stable line per item; at a terminal each section gets a
        heading of its own."""
        if self.fmt != "table" or not self.tty:
            return self.emit_list([i for _, _, items in groups for i in items], to_record, columns)
        n = 0
        for heading, style, items in groups:
            if not items:
                continue
            self.lines([[(f"{heading} ({len(items)})", f"bold {style}")]])
            self.table(columns, table_rows(columns, items))
            n += len(items)
        return n

    def _json_list(self, records: Iterable[dict[str, Any]]) -> int:
        n = 0
        for record in records:
            self.out.write(("[\n" if n == 0 else ",\n") + dumps(record))
            n += 1
        self.out.write("[]\n" if n == 0 else "\n]\n")
        return n

    def _csv(self, records: Iterable[dict[str, Any]]) -> int:
        """CSV with every text cell formula-guarded; at a terminal its controls
        are escaped as a table's are (in a file or a pipe it is the data)."""
        writerow = csv_row_writer(self.out, at_terminal=self.tty)
        n = 0
        for record in records:
            if n == 0:
                writerow([guard_formula(str(k)) for k in record])
            writerow([_csv_cell(v) for v in record.values()])
            n += 1
        return n

    def table(self, columns: list[Column[Any]], rows: list[list[str]]) -> None:
        """Rows under their headers. Piped: every cell whole, one line per row,
        aligned by display width. At a terminal: fitted to its width."""
        # Headers can be data too (report owners has a column per owner).
        headers = [safe(c.header) for c in columns]
        if not self.tty:
            self.out.write("".join(plain_table(columns, [headers, *rows])))
            return
        self.lines(fitted_table(columns, headers, rows, terminal_width()))

    def width(self) -> int:
        """The terminal's width (at least 20)."""
        return terminal_width()

    # -- single objects --------------------------------------------------
    def emit_object(
        self, record: Callable[[], dict[str, Any]], view: Callable[[], list[Line]]
    ) -> None:
        if self.fmt in LIST_ONLY:
            raise UsageError(f"--format {self.fmt} is for lists; use json or table here")
        if self.fmt == "json":
            self.out.write(dumps(record(), indent=2) + "\n")
        else:
            self.lines(view())

    def lines(self, lines: list[Line]) -> None:
        """A text view: styled at a terminal, plain otherwise. Text is safe()d here."""
        if not self.tty:
            for line in lines:
                self.out.write("".join(safe(t) for t, _ in line).rstrip() + "\n")
            return
        # At a terminal a long line is wrapped here, colour or not: at a space,
        # never inside a money value or a date, under its label (`hanging`).
        from funnelcli.render.fit import line_breaks, tty_measure

        room, measure = terminal_width(), tty_measure()
        console = self._console() if self.color else None
        for line in lines:
            shown = "".join(safe(t) for t, _ in line)
            indent = hanging(line, room, measure)
            pieces = line_breaks(shown, room, indent, measure)
            if console is None:
                for n, (a, b) in enumerate(pieces):
                    self.out.write(" " * (indent if n else 0) + shown[a:b] + "\n")
                continue
            from rich.text import Text

            text = Text()
            for part, style in line:
                text.append(safe(part), style=style or None)
            for n, (a, b) in enumerate(pieces):
                console.print(Text(" " * indent) + text[a:b] if n else text[a:b])

    def _console(self) -> Console:
        from rich.console import Console

        return Console(
            file=self.out,
            markup=False,
            emoji=False,
            highlight=False,
            no_color=not self.color,
            soft_wrap=False,
        )


def table_rows(columns: list[Column[T]], items: Iterable[T]) -> list[list[str]]:
    """Each item's cells, safe() to show."""
    return [safe_cells([c.cell(item) for c in columns]) for item in items]


def plain_table(columns: list[Column[Any]], table: list[list[str]]) -> list[str]:
    """The lines of a piped table (headers first): every cell whole, aligned by
    display width, two spaces between columns, no trailing spaces."""
    right = [c.justify == "right" for c in columns]
    if not all("".join(row).isascii() for row in table):
        return measured_table(right, table)
    # All ASCII (the usual case): a cell's display width is its length, so
    # str.format pads it exactly as measured_table() would (a test holds them
    # equal), without measuring each cell (a due list of 220 deals: 1,760).
    widths = [max(map(len, column)) for column in zip(*table, strict=True)]
    line = "  ".join(f"{{:{'>' if r else '<'}{w}}}" for r, w in zip(right, widths, strict=True))
    return [line.format(*row).rstrip() + "\n" for row in table]


def measured_table(right: list[bool], table: list[list[str]]) -> list[str]:
    """plain_table()'s lines for any text: each cell measured once, in display cells."""
    from funnelcli.render.fit import display_width

    measured = [[(cell, display_width(cell)) for cell in row] for row in table]
    widths = [max(row[i][1] for row in measured) for i in range(len(right))]
    lines = []
    for row in measured:
        text = "  ".join(
            " " * (w - n) + cell if r else cell + " " * (w - n)
            for (cell, n), w, r in zip(row, widths, right, strict=True)
        )
        lines.append(text.rstrip() + "\n")
    return lines


def hanging(line: Line, room: int, measure: Callable[[str], int]) -> int:
    """How far a wrapped line's later pieces are indented: under the text
    after its label (`  org            `, `#12 `, a time), when it has one,
    else as far as the line itself is."""
    label = safe(line[0][0]) if line else ""
    if len(line) < 2:
        return min(len(label) - len(label.lstrip(" ")), room // 2)
    width = measure(label)
    return width if label.endswith(" ") and label.strip() and width <= room // 2 else 0


def terminal_width() -> int:
    import shutil

    return max(shutil.get_terminal_size().columns, 20)


def fitted_table(
    columns: list[Column[Any]], headers: list[str], rows: list[list[str]], room: int
) -> list[Line]:
    """A table's lines at a terminal `room` cells wide: fitted, a rule under
    the headers, each column in its style. When the columns that are never
    cut or dropped are still too wide (an owner per column), the table is
    stacked: blocks one under another, each with the first column again."""
    from funnelcli.render.fit import GAP, Spec, cut, fit_columns, pad, tty_measure

    measure = tty_measure()
    specs = [
        Spec(max(measure(h), *(measure(r[i]) for r in rows)), c.cut, c.least, c.drop)
        for i, (c, h) in enumerate(zip(columns, headers, strict=True))
    ]
    widths = fit_columns(specs, room)
    shown = [(i, w) for i, w in enumerate(widths) if w is not None]
    total = sum(w for _, w in shown) + GAP * max(len(shown) - 1, 0)
    if total > room and len(columns) > 2:
        return _stacked(columns, headers, rows, room, specs)

    def line(cells: list[str], style: Callable[[Column[Any]], str]) -> Line:
        out: Line = []
        for n, (i, w) in enumerate(shown):
            c = columns[i]
            text = pad(cut(cells[i], w, measure), w, c.justify == "right", measure)
            out += [(" " * GAP, "")] if n else []
            out.append((text.rstrip() if n == len(shown) - 1 else text, style(c)))
        return out

    return [
        line(headers, lambda c: "bold"),
        [("─" * total, "dim")],
        *(line(r, lambda c: c.style) for r in rows),
    ]


def _stacked(
    columns: list[Column[Any]],
    headers: list[str],
    rows: list[list[str]],
    room: int,
    specs: Sequence[Spec],
) -> list[Line]:
    """A table too wide for `room` as blocks of its columns, one under
    another, the first column in each: each block as many columns as fit."""
    from funnelcli.render.fit import GAP

    def least(i: int) -> int:
        s = specs[i]
        return GAP + (min(s.least, s.natural) if s.cut else s.natural)

    blocks: list[list[int]] = [[]]
    used = specs[0].natural
    for i in range(1, len(columns)):
        if blocks[-1] and used + least(i) > room:
            blocks.append([])
            used = specs[0].natural
        blocks[-1].append(i)
        used += least(i)
    lines: list[Line] = []
    for n, block in enumerate(blocks):
        keep = [0, *block]
        lines += [[]] if n else []
        lines += fitted_table(
            [columns[i] for i in keep],
            [headers[i] for i in keep],
            [[r[i] for i in keep] for r in rows],
            room,
        )
    return lines


def single_output(fmt: str) -> Output:
    """Output for one object (a deal, a report): checked before anything is
    written, so a list-only format changes nothing."""
    out = Output(fmt)
    if out.fmt in LIST_ONLY:
        raise UsageError(f"--format {out.fmt} is for lists; use table or json here")
    return out


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _csv_cell(value: object) -> str:
    """A value as a CSV cell: text formula-guarded as export guards it; numbers,
    which funnel writes itself, as they are."""
    if value is None:
        return ""
    if isinstance(value, str):
        return guard_formula(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list) and not any(isinstance(v, dict | list) for v in value):
        return guard_formula(",".join(str(v) for v in value))  # tags: "a,b"
    if isinstance(value, dict | list):
        return dumps(value)  # nested data (custom fields, stages) as JSON, not Python repr
    return str(value)


def csv_row_writer(out: TextIO, *, at_terminal: bool | None = False) -> Callable[[list[str]], None]:
    """Write CSV rows ending in "\n"; a cell holding a carriage return is quoted
    too (csv quotes only the line terminator's characters, and no CSV reader
    reads an unquoted "\r" back). `at_terminal` (None: whether `out` is one):
    cells' controls escaped as a table's are (in a file or a pipe CSV keeps
    the text exactly)."""
    if at_terminal or (at_terminal is None and _isatty(out)):
        raw = csv_row_writer(out)
        return lambda cells: raw([safe(c) for c in cells])
    import csv
    import io

    plain = csv.writer(out, lineterminator="\n")
    scratch = io.StringIO()
    quoting = csv.writer(scratch, lineterminator="\r\n")

    def writerow(cells: list[str]) -> None:
        if "\r" not in "".join(cells):  # the usual case; join is faster than any()
            plain.writerow(cells)
            return
        scratch.seek(0)
        scratch.truncate()
        quoting.writerow(cells)
        out.write(scratch.getvalue()[:-2] + "\n")

    return writerow
