"""Fitting a table to a terminal, and the display width of text.

One algorithm for every table at a terminal (`fit_columns`): each column
starts at its widest cell. Free-text columns (`cut`) shrink, widest first,
to their minimum and their cells are then cut with "…"; if the table is still
wider than the terminal, columns with a drop rank leave it, rank 1 first,
and the text columns grow back into the room they leave. Every other column
(ids, money, dates, numbers) is never split or cut: it is shown whole or not
at all.

A table whose never-cut columns are still too wide (an owner per column)
is stacked in blocks by render/output.py. A text view (`show`, `doctor`'s
problems) is wrapped at spaces (`line_breaks`), never inside a money value
or a date, its later lines under the text after the line's label; so is a
note on stderr at a terminal (`note_lines`), its later lines indented.

Widths are display widths (a CJK character or an emoji takes two cells, a
combining mark none): `rich.cells.cell_len` at a terminal, where rich is
loaded anyway, and `display_width` (the standard library's
`unicodedata`) when piped, where rich is not imported.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Callable, Sequence
from typing import TextIO

from funnelcli.models import Record

Measure = Callable[[str], int]
ELLIPSIS = "…"
GAP = 2  # spaces between columns


def _char_width(ch: str) -> int:
    if ch.isascii():
        return 1 if ch.isprintable() else 0
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0  # combining marks, zero-width joiners and spaces, variation selectors
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def display_width(text: str) -> int:
    """Cells `text` takes in a terminal (stdlib only: the plain, piped path)."""
    if text.isascii():
        return len(text)
    return sum(_char_width(ch) for ch in text)


def tty_measure() -> Measure:
    """rich's cell length: the width rich itself draws with."""
    from rich.cells import cell_len

    return cell_len


def pad(text: str, width: int, right: bool, measure: Measure) -> str:
    """`text` padded with spaces to `width` display cells."""
    room = " " * max(width - measure(text), 0)
    return room + text if right else text + room


def cut(text: str, width: int, measure: Measure) -> str:
    """`text` in at most `width` cells: whole if it fits, else cut with "…"."""
    if measure(text) <= width:
        return text
    if width <= 0:
        return ""
    used = 0
    kept = []
    for ch in text:
        w = measure(ch)
        if used + w > width - 1:
            break
        kept.append(ch)
        used += w
    return "".join(kept) + ELLIPSIS


def wrap(text: str, width: int, measure: Measure, most: int) -> list[str]:
    """`text` in lines of at most `width` cells, broken at spaces where it
    can be (a longer word is broken anywhere), at most `most` lines: the last
    is cut with "…" if more was left."""
    lines: list[str] = []
    rest = text.rstrip()  # a first line keeps its indent
    while rest and len(lines) < most - 1 and measure(rest) > width:
        head = cut(rest, width + 1, measure)[:-1]  # the most that fits, no "…"
        space = head.rfind(" ")
        if space > 0 and head[:space].strip() and rest[len(head)] != " ":
            head = head[:space]
        lines.append(head.rstrip())
        rest = rest[len(head) :].lstrip()
    if rest:
        lines.append(cut(rest, width, measure))
    return lines


# What a text view never splits across lines: a money value (`12,000.00 USD`)
# and a date with its time (`2026-11-24 10:00`).
_WHOLE = r"(?a)\d[\d,.]*\s[A-Z]{3}\b|\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?"


def line_breaks(text: str, room: int, indent: int, measure: Measure) -> list[tuple[int, int]]:
    """Where a text view's line breaks at a terminal `room` cells wide: the
    (start, end) of each piece of `text`, the pieces after the first to be
    shown after `indent` spaces. It breaks at a space, never inside a money
    value or a date; a word longer than a line is broken where it must."""
    import re

    whole = [m.span() for m in re.finditer(_WHOLE, text)]
    last = len(text.rstrip())
    pieces: list[tuple[int, int]] = []
    start, avail = 0, room
    while start < last and measure(text[start:last]) > avail:
        fit, used = start, 0
        while fit < last and used + measure(text[fit]) <= avail:
            used += measure(text[fit])
            fit += 1
        stop = _break_at(text, start, fit, whole, max(room - indent, 1), measure)
        pieces.append((start, start + len(text[start:stop].rstrip())))
        start = stop
        while start < last and text[start] == " ":
            start += 1
        avail = max(room - indent, 1)
    if start < last or not pieces:
        pieces.append((start, last))
    return pieces


def _break_at(
    text: str, start: int, fit: int, whole: list[tuple[int, int]], fresh: int, measure: Measure
) -> int:
    """The last space in text[start:fit + 1] with words before it and not
    inside a `whole` value, unless the word after it would not fit a `fresh`
    line either; else `fit` (a word longer than a line is filled in where it
    begins), or the start of a value `fit` falls in."""
    for i in range(fit, start, -1):
        if text[i] == " " and text[start:i].strip() and not any(a < i < b for a, b in whole):
            word = text[i:].split(maxsplit=1)
            if not word or measure(word[0]) <= fresh:
                return i
            break
    inside = [a for a, b in whole if a < fit < b]
    if inside and inside[0] > start:
        return inside[0]
    return max(fit, start + 1)


class Spec(Record):
    """What the fitting needs to know of a column."""

    __slots__ = (  # noqa: RUF023 (in field order, as repr lists them)
        "natural",
        "cut",
        "least",
        "drop",
    )

    def __init__(
        self,
        natural: int,
        cut: bool = False,
        least: int = 10,
        drop: int = 0,
    ) -> None:
        self.natural = natural  # its widest cell (or header)
        self.cut = cut  # free text: may shrink to `least` and be cut with "…"
        self.least = least
        self.drop = drop  # 0: always shown; 1 leaves first, then 2, …


def fit_columns(specs: Sequence[Spec], room: int) -> list[int | None]:
    """Each column's width, or None where it was dropped, so that the widths
    and the gaps between them fit in `room` cells (when anything can)."""
    shown = [True] * len(specs)
    order = sorted((s.drop, i) for i, s in enumerate(specs) if s.drop)
    while True:
        widths = _shrink(specs, shown, room)
        if widths is not None or not order:
            break
        shown[order.pop(0)[1]] = False
    if widths is None:  # nothing left to drop: text goes below its minimum
        widths = _shrink([Spec(s.natural, s.cut, 1, s.drop) for s in specs], shown, room)
    if widths is None:
        widths = [s.natural if on else None for s, on in zip(specs, shown, strict=True)]
    return widths


def _shrink(specs: Sequence[Spec], shown: list[bool], room: int) -> list[int | None] | None:
    """Widths with the text columns shrunk (widest first) until the shown ones
    fit, or None if they don't at the text columns' minimums."""
    widths: list[int | None] = [
        s.natural if on else None for s, on in zip(specs, shown, strict=True)
    ]
    count = sum(shown)
    over = sum(w for w in widths if w is not None) + GAP * max(count - 1, 0) - room
    floors = {i: min(s.least, s.natural) for i, s in enumerate(specs) if shown[i] and s.cut}
    while over > 0:
        slack = [(w, i) for i, f in floors.items() if (w := widths[i]) is not None and w > f]
        if not slack:
            return None
        widest, i = max(slack)
        target = max([w for w, j in slack if j != i] + [floors[i]])
        step = max(min(widest - target, over), 1)
        widths[i] = widest - step
        over -= step
    return widths


def note_lines(text: str, stream: TextIO) -> str:
    """A note for `stream`, a terminal: each line wider than it wrapped."""
    room = _width_of(stream)
    return "\n".join(_wrapped(line, room) for line in text.split("\n"))


def _width_of(stream: TextIO) -> int:
    """The width of the terminal `stream` is on (`COLUMNS` first, as for
    stdout); stdout's when it can't tell."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return max(int(columns), 20)
    try:
        return max(os.get_terminal_size(stream.fileno()).columns, 20)
    except (AttributeError, OSError, ValueError):
        import shutil

        return max(shutil.get_terminal_size().columns, 20)


def _wrapped(line: str, room: int) -> str:
    """`line` broken at spaces into pieces of at most `room` cells (never
    inside a money value or a date), the later ones indented by two; parts
    set apart by three spaces (`try: …   (or …)`) each start a piece."""
    if len(line) <= room and line.isascii():
        return line
    measure = display_width  # a note is written as is, not by rich
    if measure(line) <= room:
        return line
    indent = 2 if room >= 40 else 0
    out: list[str] = []
    for part in line.split("   ") if line.strip() else [line]:
        text = part if not out else " " * indent + part.lstrip(" ")
        pieces = line_breaks(text, room, indent, measure)
        out += [" " * (indent if n else 0) + text[a:b] for n, (a, b) in enumerate(pieces)]
    return "\n".join(out)
