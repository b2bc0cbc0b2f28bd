"""Making data safe to show: user text never reaches a terminal raw."""

from __future__ import annotations

import re
from typing import Any

# C0 controls, DEL, C1 controls, and the bidi overrides/isolates that can make
# a line read differently from what it holds ("Trojan Source").
_UNSAFE = "[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]"


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


# JSON already escapes C0 controls; C1 and bidi controls pass through with
# ensure_ascii=False, so escape those too (the JSON value is unchanged).
_JSON_UNSAFE = "[\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]"


def dumps(value: Any, *, indent: int | None = None) -> str:
    """The one way funnelcli writes JSON: UTF-8 text, controls escaped."""
    import json  # only JSON output needs it

    text = json.dumps(value, ensure_ascii=False, indent=indent)
    if text.isascii() and "\x7f" not in text:  # nothing to escape (the usual case)
        return text
    return re.sub(_JSON_UNSAFE, lambda m: f"\\u{ord(m.group()):04x}", text)
