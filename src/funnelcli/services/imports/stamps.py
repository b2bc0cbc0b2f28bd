"""Dates and flags as other CRMs write them, read before (or instead of)
funnelcli.dates: a timestamp with more than microseconds (`.1234567`) or a
zone written as a word (`2024-07-09 20:48:13 UTC`) is put into the ISO form
dates.parse_when reads; a number is an Excel serial date when `--excel-dates`
says so; true/false (yes/no, 1/0) is a flag."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

# A timestamp as CRMs write one: ISO-ish day and time, any fraction of a
# second, then an offset, Z, or a zone word.
_STAMP = re.compile(
    r"(?a)(\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2})(?:[.,](\d+))?\s*"
    r"(Z|z|UTC|utc|GMT|gmt|[+-]\d{2}(?::?\d{2})?)?"
)
_SERIAL = re.compile(r"(?a)\d{1,7}(?:\.\d+)?")
# Excel's day 0 for serials from 61 (1 March 1900) on: Excel counts a 29
# February 1900 that never was, so this is 30 December 1899, not the 31st.
_EXCEL_EPOCH = datetime(1899, 12, 30)
FIRST_SERIAL, LAST_SERIAL = 61, 2958465  # 1 March 1900, 31 December 9999

TRUE = frozenset({"true", "t", "yes", "y", "1"})
FALSE = frozenset({"false", "f", "no", "n", "0"})


def crm_stamp(text: str) -> str:
    """`text` in the ISO form dates.parse_when reads, when it is a CRM
    timestamp that form misses (a fraction beyond microseconds, a zone word);
    else `text` as it is."""
    m = _STAMP.fullmatch(text.strip())
    if m is None:
        return text
    when, fraction, zone = m.groups()
    out = when
    if fraction:
        out += "." + fraction[:6]
    if zone:
        out += "Z" if zone.isalpha() else zone
    return out


def is_number(text: str) -> bool:
    return _SERIAL.fullmatch(text.strip()) is not None


def excel_serial(text: str) -> date | datetime | None:
    """An Excel serial date (days since 1899-12-30; a fraction is the time of
    day, to the second): a date for a whole number, a local date-time
    otherwise; None when `text` is no such number."""
    text = text.strip()
    if _SERIAL.fullmatch(text) is None:
        return None
    days = float(text)
    if not FIRST_SERIAL <= days < LAST_SERIAL + 1:
        return None
    if days == int(days):
        return (_EXCEL_EPOCH + timedelta(days=int(days))).date()
    seconds = round(days * 86400)
    return _EXCEL_EPOCH + timedelta(seconds=seconds)


def flag(value: object) -> bool | None:
    """true/false as a spreadsheet or JSON has it (also yes/no, y/n, 1/0,
    case ignored); None when it is neither."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().casefold()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    return None
