"""Making data safe to show: user text never reaches a terminal raw.

One rule for every output. Tables, text views and messages show controls
and bidi overrides escaped (`safe`: \\x1b, \\u202e) and rich markup as
written. JSON writes them as \\uXXXX escapes (`dumps`: the same string to any
JSON reader, inert in a terminal). CSV guards a cell a spreadsheet would run
as a formula (`guard_formula`), and at a terminal shows its controls escaped
as a table does; in a file or a pipe it keeps the text exactly, as CSV has
no escapes of its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

# C0 controls, DEL, C1 controls, the bidi marks, overrides and isolates that
# can make a line read differently from what it holds ("Trojan Source"), the
# line and paragraph separators, and the invisible ones (soft hyphen,
# zero-width space, word joiner and invisible operators, BOM). The zero-width
# joiners (U+200C, U+200D) stay: emoji and scripts are made with them.
_INVISIBLE = "\u00ad\u061c\u180e\u200b\u2028\u2029\u2060-\u2064\u206a-\u206f\ufeff"
_BIDI = "\u200e\u200f\u202a-\u202e\u2066-\u2069"
_UNSAFE = f"[\x00-\x1f\x7f-\x9f{_BIDI}{_INVISIBLE}]"


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe(text: object) -> str:
    """Printable form of a value for tables and messages: controls escaped."""
    if text is None:
        return ""
    text = str(text)
    if text.isascii() and text.isprintable():  # the usual case, no regex needed
        return text
    return re.sub(_UNSAFE, _escape, text)


def safe_cells(cells: list[Any]) -> list[str]:
    """[safe(c) for c in cells], with one check for a row of printable ASCII
    text (the usual case): then each cell is already what safe() returns."""
    try:
        text = "".join(cells)
    except TypeError:  # a None or a number among them
        return [safe(c) for c in cells]
    if text.isascii() and text.isprintable():
        return cells
    return [safe(c) for c in cells]


# JSON already escapes C0 controls; C1 and bidi controls pass through with
# ensure_ascii=False, so escape those too (the JSON value is unchanged).
_JSON_UNSAFE = f"[\x7f-\x9f{_BIDI}{_INVISIBLE}]"


def dumps(value: object, *, indent: int | None = None) -> str:
    """The one way funnelcli writes JSON: UTF-8 text, controls escaped."""
    import json  # only JSON output needs it

    return _json_escaped(json.dumps(value, ensure_ascii=False, indent=indent))


def json_encoder(
    *, indent: int | None = None, separators: tuple[str, str] | None = None
) -> Callable[[object], str]:
    """dumps() as a reusable encoder (for a stream of many records, as export
    writes): the same escapes, the encoder built once."""
    import json

    encode = json.JSONEncoder(ensure_ascii=False, indent=indent, separators=separators).encode
    return lambda value: _json_escaped(encode(value))


def _json_escaped(text: str) -> str:
    if text.isascii() and "\x7f" not in text:  # nothing to escape (the usual case)
        return text
    return re.sub(_JSON_UNSAFE, lambda m: f"\\u{ord(m.group()):04x}", text)


# A cell starting with one of these is a formula to a spreadsheet (OWASP's
# list: = + - @ tab CR); a leading ' is guarded too, so that funnel import can
# undo the guard of its own CSV exactly.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")


def guard_formula(text: str) -> str:
    """A CSV cell a spreadsheet shows as text, never runs: a leading ' before
    = + - @ tab CR or another '."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text
