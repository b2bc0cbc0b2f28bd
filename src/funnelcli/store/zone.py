"""The database's time zone (the `timezone` setting) and the calendar it
gives SQL on every connection.

Days between two instants are calendar days in that zone: the difference of
their wall-clock times there, so a stay from one midnight to another is a
whole number of days even across a change of the clocks (the difference of
UTC instants would be N ± 1/24). A connection whose zone is not UTC gets
`julianday(x)` of one argument read that way: a stored instant (`…Z`, or
any text with an offset) counts as its wall-clock time in the zone, other
text as SQLite reads it. Every `julianday(b) - julianday(a)` in the store,
in the migrations and in the import is then in calendar days, with nothing
else to change; in UTC the built-in is already exact and is kept.
`zone_date(x)` is an instant's calendar day there (`YYYY-MM-DD`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta, tzinfo
from functools import lru_cache

from funnelcli.store.dialect import Connection, is_postgres, sqlite_function

SETTING = "timezone"
_J2000 = datetime(2000, 1, 1, 12)  # Julian day 2451545.0
_J2000_MS = 2451545 * 86400000
_MS = timedelta(milliseconds=1)


def read_zone(conn: Connection) -> str | None:
    """The database's zone name, None when it has none (a schema before m008)."""
    try:
        row = conn.execute("SELECT value FROM settings WHERE key = ?", (SETTING,)).fetchone()
    except sqlite3.OperationalError:  # no settings table
        return None
    return None if row is None else str(row[0])


def write_zone(conn: Connection, name: str) -> int:
    """Set the database's zone and count every ended stay's length again in it
    (inside the caller's write); returns how many stays changed."""
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (:k, :v) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value "
        "WHERE settings.value IS NOT excluded.value",
        {"k": SETTING, "v": name},
    )
    use_calendar(conn, name, replacing=True)
    return recount_stays(conn)


def recount_stays(conn: Connection) -> int:
    """Every ended stay's `days` counted again in the connection's calendar."""
    cur = conn.execute(
        "UPDATE stage_stays SET days = julianday(left_at) - julianday(entered_at) "
        "WHERE left_at IS NOT NULL AND days IS NOT julianday(left_at) - julianday(entered_at)"
    )
    return cur.rowcount


def use_calendar(conn: Connection, name: str, *, replacing: bool = False) -> None:
    """Give `conn`'s SQL the calendar of zone `name` (see the module docstring).
    `replacing`: the connection may have another zone's already."""
    from funnelcli.clock import UTC_NAMES, tz_for

    zone = tz_for(name)  # a zone this system has no data for fails here, on both engines
    if is_postgres(conn):  # the schema's julianday and zone_date read TimeZone
        conn.execute("SELECT set_config('TimeZone', ?, false)", (name,))
        return
    # In UTC the built-in is exact; once replaced it can't be had back.
    if replacing or name not in UTC_NAMES:
        sqlite_function(conn, "julianday", 1, _julianday(zone))
    sqlite_function(conn, "zone_date", 1, _zone_date(zone, utc=name in UTC_NAMES))


def _julianday(zone: tzinfo | None) -> Callable[[object], float | None]:
    @lru_cache(maxsize=8192)
    def julianday(value: object) -> float | None:
        if isinstance(value, int | float):
            return float(value)
        if not isinstance(value, str):
            return None
        try:
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is not None:
                moment = moment.astimezone(zone).replace(tzinfo=None)
        except (ValueError, OverflowError):  # SQLite's NULL for what it can't read
            return None
        # in whole milliseconds over 86,400,000, as SQLite computes it: a zone
        # with UTC's wall clock gives the built-in's very numbers
        return (_J2000_MS + (moment - _J2000) // _MS) / 86400000.0

    return julianday


def _zone_date(zone: tzinfo | None, *, utc: bool = False) -> Callable[[object], str | None]:
    @lru_cache(maxsize=8192)
    def zone_date(value: object) -> str | None:
        if not isinstance(value, str):
            return None
        try:
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is not None:
                moment = moment.astimezone(zone)
        except (ValueError, OverflowError):
            return None
        return moment.date().isoformat()

    if not utc:
        return zone_date

    def utc_date(value: object) -> str | None:
        # In UTC a stored instant's day is its own first ten characters: every
        # instant is stored as UTC text, `YYYY-MM-DDTHH:MM:SSZ` (clock.utc_text).
        # Parsed only to check it; converting and formatting each took most of
        # `list --sort score`'s Python time at 100k open deals (one call per
        # deal). Anything else (an offset, a bare date) goes the long way.
        if not (isinstance(value, str) and value[-1:] == "Z" and value[10:11] == "T"):
            return zone_date(value)
        if value[4:5] != "-" or value[7:8] != "-":  # not YYYY-MM-DD first (an ISO week)
            return zone_date(value)
        try:
            datetime.fromisoformat(value)
        except (ValueError, OverflowError):
            return None
        return value[:10]

    return utc_date
