"""The review page's text: figures shown with their unit, and user text
made inert for HTML (`h`) and Markdown (`md`). Both first make it printable
the way a terminal sees it (render.text.safe: controls and bidi overrides
shown escaped, `\\u202e`), then escape what the format would read as markup.
"""

from __future__ import annotations

import html
import re

from funnelcli.render.text import safe

NONE = "–"


def h(text: object) -> str:
    """User text inside HTML, an attribute or SVG `<text>`/`<title>`: inert."""
    return html.escape(safe(text), quote=True)


# What CommonMark/GFM read as markup anywhere in a line (emphasis, code,
# links and images, raw HTML, entities, tables, strikethrough, headings) and
# the backslash itself; each is written backslash-escaped.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>()|~!&#{}])")
# GFM links a bare `http://…` or `www.…` with no markup at all: break the
# pattern with an escape (`http\://`, `www\.`), which shows as written.
_MD_AUTOLINK = re.compile(r"(?i)(?<=[a-z])(:)(?=//)|(?<=www)(\.)")


def md(text: object) -> str:
    """User text inside a Markdown table cell or line: shown as written,
    never markup (a `|` can't split a cell, `[x](http://…)` is no link)."""
    shown = _MD_SPECIAL.sub(r"\\\1", safe(text))
    shown = _MD_AUTOLINK.sub(lambda m: "\\" + (m.group(1) or m.group(2)), shown)
    if shown[:1] in ("-", "+", "=") or re.match(r"\d+[.)]", shown):
        shown = "\\" + shown  # no list item or heading underline at a line's start
    return shown


def money(value: float | None, currency: str, *, code: bool = True) -> str:
    """`12,500.00 USD` (a currency's own minor digits: JPY none)."""
    if value is None:
        return NONE
    from funnelcli.money import minor_exponent

    text = f"{value:,.{minor_exponent(currency)}f}"
    return f"{text} {currency}" if code else text


def pct(value: float | None) -> str:
    return NONE if value is None else f"{value:.1f}%"


def days(value: float | None) -> str:
    return NONE if value is None else f"{value:.1f} days"


def num(value: float | None) -> str:
    if value is None:
        return NONE
    return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"


def figure(value: float | None, unit: str, currency: str) -> str:
    """A figure shown by its unit: money, % (win rate), days, or a count."""
    if unit == "money":
        return money(value, currency)
    if unit == "%":
        return pct(value)
    if unit == "days":
        return days(value)
    return num(value)


def day(stamp: str | None) -> str:
    """A report's `since`/`until` (`2026-09-04T00:00`) as its day."""
    return NONE if stamp is None else stamp[:10]


def bar(value: float | None, top: float, width: int = 20) -> str:
    """A text bar for Markdown: `█` per 1/width of the largest."""
    if not value or not top:
        return ""
    return "█" * max(1, round(width * value / top))
