"""`funnel board` at a terminal: stages side by side when every value and
date fits a column whole, else one stage under another; either way no line
is wider than the terminal, titles are cut with "…" and a value or a date is
never split."""

from __future__ import annotations

from dataclasses import dataclass

from funnelcli.render.fit import GAP, Measure, cut, pad, tty_measure, wrap
from funnelcli.render.output import Line

SEP = " · "
LEAST_TITLE = 6  # "#12 Ac…": below this a card's title gets a line of its own
HEAD_LINES = 3  # side by side, a card's title takes up to 3 lines, then is cut


@dataclass(frozen=True)
class Card:
    head: str  # "#5 Stark Logistics expansion": may be cut
    whole: list[str]  # its value, its follow-up: each shown whole
    style: str = ""


def board_lines(stages: list[tuple[str, list[Card]]], room: int) -> list[Line]:
    """The board in `room` cells; `stages` are (name, cards), text safe()d."""
    measure = tty_measure()
    n = max(len(stages), 1)
    width = (room - GAP * (n - 1)) // n
    pieces = [measure(p) for _, cards in stages for c in cards for p in c.whole]
    if width >= max([*pieces, LEAST_TITLE + 4]):
        return _side_by_side(stages, width, measure)
    return _stacked(stages, room, measure)


def _card_lines(card: Card, width: int, measure: Measure) -> list[str]:
    """A card in a column `width` wide: its head wrapped (up to HEAD_LINES,
    then cut), then its whole pieces, two on a line where they fit."""
    lines = wrap(card.head, width, measure, HEAD_LINES)
    heads = len(lines)
    for piece in card.whole:
        joined = f"{lines[-1]}{SEP}{piece}"
        if len(lines) > heads and measure(joined) <= width:
            lines[-1] = joined
        else:
            lines.append(piece)
    return lines


def _side_by_side(stages: list[tuple[str, list[Card]]], width: int, measure: Measure) -> list[Line]:
    gap = (" " * GAP, "")
    total = width * len(stages) + GAP * (len(stages) - 1)
    head: Line = []
    for i, (name, _) in enumerate(stages):
        head += [gap] if i else []
        head.append(
            (pad(_heading(name, stages[i][1], width, measure), width, False, measure), "bold")
        )
    lines: list[Line] = [head, [("─" * total, "dim")]]
    depth = max([len(cards) for _, cards in stages] + [0])
    for row in range(depth):
        cells = [
            (_card_lines(cards[row], width, measure), cards[row].style)
            if row < len(cards)
            else ([], "")
            for _, cards in stages
        ]
        for k in range(max(len(text) for text, _ in cells)):
            line: Line = []
            for i, (text, style) in enumerate(cells):
                line += [gap] if i else []
                line.append((pad(text[k] if k < len(text) else "", width, False, measure), style))
            lines.append(_rstripped(line))
    return lines


def _stacked(stages: list[tuple[str, list[Card]]], room: int, measure: Measure) -> list[Line]:
    lines: list[Line] = []
    for name, cards in stages:
        lines.append([(_heading(name, cards, room, measure), "bold")])
        for card in cards:
            tail = "".join(SEP + p for p in card.whole)
            left = room - 2 - measure(tail)
            if left >= LEAST_TITLE:
                lines.append([("  " + cut(card.head, left, measure) + tail, card.style)])
                continue
            lines.append([("  " + cut(card.head, room - 2, measure), card.style)])
            lines += [[("    " + piece, card.style)] for piece in card.whole]
    return lines


def _heading(name: str, cards: list[Card], width: int, measure: Measure) -> str:
    """'negotiation (2)', the name cut to leave the count whole."""
    count = f" ({len(cards)})"
    return cut(name, width - len(count), measure) + count


def _rstripped(line: Line) -> Line:
    text, style = line[-1]
    return [*line[:-1], (text.rstrip(), style)]
