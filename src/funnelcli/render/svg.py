"""Inline SVG charts for the review page, built as strings with the standard
library: the funnel, small column charts (trends) and horizontal bars.
Every label passes through review_text.h (escaped, inert); numbers are
formatted by the caller. No script, no external reference: a `<title>` in
a shape is the browser's own tooltip."""

from __future__ import annotations

from dataclasses import dataclass

from funnelcli.render.review_text import h

INK, MUTED, GRID = "#1f2933", "#6b7280", "#e5e7eb"
BLUES = ["#1e3a8a", "#1d4ed8", "#2563eb", "#3b82f6", "#60a5fa", "#93c5fd"]
LIGHT = BLUES[4:]  # shades dark text reads better on
WON, LOST = "#15803d", "#b91c1c"


@dataclass
class Bar:
    label: str  # user text or a period
    value: float  # what the bar's length is drawn from
    shown: str  # the figure written beside it
    color: str = "#2563eb"
    note: str = ""  # a second, muted figure (a conversion, a share)


def _svg(width: int, height: int, body: list[str], label: str) -> str:
    return (
        f'<svg viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{h(label)}">'
        f"<title>{h(label)}</title>{''.join(body)}</svg>"
    )


def _text(x: float, y: float, text: str, *, anchor: str = "start", **style: str) -> str:
    attrs = "".join(f' {k.replace("_", "-")}="{v}"' for k, v in style.items())
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{attrs}>{h(text)}</text>'


def funnel(bars: list[Bar], outcome: list[Bar], title: str) -> str:
    """The funnel: one centred bar per stage, as wide as the deals that
    reached it, the stage's name on the left, its conversion to the next
    on the right; then the outcomes (won, lost) under it."""
    label_w, area, right_w, row = 170, 460, 190, 46
    width = label_w + area + right_w
    rows = [*bars, *outcome]
    top = max([b.value for b in rows] + [1])
    body: list[str] = []
    for i, b in enumerate(rows):
        y = 10 + i * row + (14 if i >= len(bars) else 0)
        w = max(area * b.value / top, 3 if b.value else 0)
        x = label_w + (area - w) / 2
        color = b.color if i >= len(bars) else BLUES[min(i, len(BLUES) - 1)]
        body.append(
            f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{row - 12}" rx="4" '
            f'fill="{color}"><title>{h(b.label)}: {h(b.shown)}</title></rect>'
        )
        mid = y + (row - 12) / 2 + 5
        body.append(_text(label_w - 14, mid, b.label, anchor="end", fill=INK, font_size="14"))
        inside = w > 60
        body.append(
            _text(
                label_w + area / 2 if inside else x + w + 8,
                mid,
                b.shown,
                anchor="middle" if inside else "start",
                fill="#ffffff" if inside and color not in LIGHT else INK,
                font_size="14",
                font_weight="600",
            )
        )
        if b.note:
            body.append(_text(label_w + area + 14, mid, b.note, fill=MUTED, font_size="13"))
    height = 10 + len(rows) * row + (14 if outcome else 0)
    return _svg(width, height, body, title)


def columns(bars: list[Bar], title: str, *, width: int = 300, height: int = 130) -> str:
    """A small column chart (one period a column), oldest first: the largest
    value written at the top, the first and last periods under the axis."""
    base, top_pad = height - 22, 18
    n = max(len(bars), 1)
    step = (width - 8) / n
    top = max([b.value for b in bars] + [0]) or 1
    body = [f'<line x1="0" y1="{base}" x2="{width}" y2="{base}" stroke="{GRID}"/>']
    peak = max(range(len(bars)), key=lambda i: bars[i].value, default=None)
    for i, b in enumerate(bars):
        hgt = (base - top_pad) * b.value / top
        x = 4 + i * step + step * 0.15
        body.append(
            f'<rect x="{x:.1f}" y="{base - hgt:.1f}" width="{step * 0.7:.1f}" '
            f'height="{hgt:.1f}" rx="2" fill="{b.color}">'
            f"<title>{h(b.label)}: {h(b.shown)}</title></rect>"
        )
        if i == peak and b.value:
            cx = min(max(x + step * 0.35, 30), width - 30)
            body.append(
                _text(cx, base - hgt - 5, b.shown, anchor="middle", fill=INK, font_size="11")
            )
    if bars:
        body.append(_text(2, height - 6, bars[0].label, fill=MUTED, font_size="11"))
        if len(bars) > 1:
            body.append(
                _text(
                    width - 2, height - 6, bars[-1].label, anchor="end", fill=MUTED, font_size="11"
                )
            )
    return _svg(width, height, body, title)


def hbars(bars: list[Bar], title: str, *, width: int = 560) -> str:
    """Horizontal bars, one a row: the label left, the bar, its figure."""
    label_w, right_w, row = 200, 150, 26
    area = width - label_w - right_w
    top = max([b.value for b in bars] + [0]) or 1
    body: list[str] = []
    for i, b in enumerate(bars):
        y = 4 + i * row
        w = max(area * b.value / top, 2 if b.value else 0)
        body.append(
            _text(label_w - 10, y + 15, _cut(b.label, 28), anchor="end", fill=INK, font_size="13")
        )
        body.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 8}" rx="3" '
            f'fill="{b.color}"><title>{h(b.label)}: {h(b.shown)}</title></rect>'
        )
        body.append(_text(label_w + w + 8, y + 15, b.shown, fill=INK, font_size="12"))
    return _svg(width, 8 + len(bars) * row, body, title)


def _cut(text: str, room: int) -> str:
    return text if len(text) <= room else text[: room - 1] + "…"
