"""Instants: stored as UTC ISO-8601 text, shown and reasoned about in the
database's time zone.

Core code receives `now` as a naive wall-clock time in that zone (the CLI
reads the clock or `FUNNEL_NOW`); these helpers convert at the storage
boundary. The zone is the database's `timezone` setting, made the run's zone
by `use_zone` when a store opens (before that, and for commands that open
none, the process's own local zone). When the database's zone is the
machine's own, conversions go through the C library as before and
`zoneinfo` is never imported; otherwise a `ZoneInfo` (UTC needs none).
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, tzinfo

from funnelcli.errors import Invalid

# datetime can't convert an instant within a day or so of the calendar's ends
# between local time and UTC (it raises), and that in some zone or other, so
# nothing nearer than this is stored: every reader can show what is.
FIRST_DAY, LAST_DAY = date(1, 1, 3), date(9999, 12, 29)
_FIRST, _LAST = FIRST_DAY, LAST_DAY

# The names of UTC itself (no offset, ever).
UTC_NAMES = frozenset(
    f"{prefix}{name}"
    for prefix in ("", "Etc/")
    for name in ("UTC", "UCT", "Universal", "Zulu", "GMT", "GMT0", "GMT+0", "GMT-0", "Greenwich")
)

# The run's zone: None is the process's local zone (the C library's, TZ).
_zone: tzinfo | None = None
_zone_name: str | None = None


def machine_zone() -> str:
    """The IANA name of this machine's zone (UTC when it has none we can name)."""
    return _named_machine_zone() or "UTC"


def _named_machine_zone() -> str | None:
    """TZ when it names a zone, else where /etc/localtime points, else
    /etc/timezone; None when the zone has no IANA name (a POSIX rule such as
    TZ=CET-1CEST, or nothing set)."""
    tz = os.environ.get("TZ")
    if tz is not None:
        tz = tz.lstrip(":")
        return tz if is_zone_name(tz) else None
    try:
        target = os.readlink("/etc/localtime")
    except OSError:
        target = ""
    if "zoneinfo/" in target:
        name = target.rsplit("zoneinfo/", 1)[1]
        return name if is_zone_name(name) else None
    try:
        with open("/etc/timezone", encoding="utf-8") as f:
            name = f.read().strip()
    except OSError:
        return None
    return name if is_zone_name(name) else None


_TZ_DIRS = ("/usr/share/zoneinfo", "/usr/lib/zoneinfo", "/usr/share/lib/zoneinfo", "/etc/zoneinfo")


def is_zone_name(text: str) -> bool:
    """An IANA name the system's zone files have (Europe/Warsaw, UTC)."""
    if not text or text.startswith("/") or ".." in text.split("/"):
        return False
    return text == "UTC" or any(os.path.isfile(os.path.join(d, text)) for d in _TZ_DIRS)


def use_zone(name: str | None) -> None:
    """Make `name` the zone of this run's conversions (None: the process's)."""
    global _zone, _zone_name
    _zone_name = name
    _zone = None if name is None else tz_for(name)


def tz_for(name: str) -> tzinfo | None:
    """The tzinfo that converts in zone `name`: None when it is the machine's
    own (the C library converts in it), UTC, else a ZoneInfo."""
    if name == _named_machine_zone():
        return None
    if name in UTC_NAMES:
        return UTC
    from zoneinfo import ZoneInfo

    try:
        return ZoneInfo(name)
    except (ValueError, OSError, KeyError):  # ZoneInfoNotFoundError is a KeyError
        raise Invalid(
            f"time zone {name!r} is unknown on this system: install its time zone "
            "data (the system's tzdata, or the tzdata package for Python)"
        ) from None


def zone() -> tzinfo | None:
    """The run's zone for `astimezone` (None: the process's local zone)."""
    return _zone


def zone_name() -> str:
    """The run's zone's IANA name."""
    return _zone_name or machine_zone()


def now_local() -> datetime:
    """The clock, as wall time in the run's zone, to the second."""
    return datetime.now(_zone).replace(tzinfo=None, microsecond=0)


def to_local(aware: datetime) -> datetime:
    """An aware datetime -> naive wall time in the run's zone."""
    return aware.astimezone(_zone).replace(tzinfo=None)


def utc_text(local: datetime) -> str:
    """Naive wall time in the run's zone -> '2026-11-23T09:15:00Z'."""
    try:
        if local.tzinfo is None:
            local = local.replace(tzinfo=_zone) if _zone is not None else local.astimezone()
        aware = local.astimezone(UTC)
    except (ValueError, OverflowError):
        aware = None
    if aware is None or not _FIRST <= aware.date() <= _LAST:
        shown = local.replace(tzinfo=None).isoformat(sep=" ", timespec="minutes")
        raise Invalid(f"{shown} is outside the times funnelcli keeps ({_FIRST} to {_LAST})")
    # isoformat, not strftime: %Y doesn't pad years before 1000 on every libc
    return aware.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def local_from_utc(text: str) -> datetime:
    """'2026-11-23T09:15:00Z' -> naive wall time in the run's zone."""
    return to_local(datetime.fromisoformat(text.replace("Z", "+00:00")))


def local_day(text: str) -> date:
    """'2026-11-23T09:15:00Z' -> its calendar day in the run's zone; in UTC
    its own date, read without a conversion (the C library's is ~20k
    instructions: the priority score asks once a deal on `due`)."""
    if _zone_name in UTC_NAMES:
        return date.fromisoformat(text[:10])
    return local_from_utc(text).date()


def start_of_day(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)


# "Now" a little before a deal's last change is a writer that read the clock
# and then waited for another's write (up to the 30 s busy timeout), or a
# teammate's clock a little ahead: the change happens at that last change's
# time, so the history stays in order. More than this is refused.
NOW_SLACK_S = 60


def within_slack(stamp: str, last: str) -> bool:
    """Is the stored instant `stamp` at most NOW_SLACK_S before `last`?"""
    gap = datetime.fromisoformat(last) - datetime.fromisoformat(stamp)
    return gap.total_seconds() <= NOW_SLACK_S
