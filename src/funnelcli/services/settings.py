"""The database's own settings: `timezone`, kept in the file so that everyone
who shares it counts the same windows, days and "today" (docs/metrics.md).

`funnel config get|set timezone` reach it; the TOML config's settings are
each person's own (funnelcli.config)."""

from __future__ import annotations

from funnelcli.errors import Invalid
from funnelcli.services import Context

ABOUT = "the database's own (all who share it): report windows, bare dates, today"


def timezone(ctx: Context) -> str:
    """The database's zone (a database that isn't there yet: the machine's)."""
    from funnelcli.clock import machine_zone

    return ctx.store.zone or machine_zone()


def set_timezone(ctx: Context, text: str) -> tuple[str, int]:
    """Make `text` the database's zone, in one write; returns the name as
    stored and how many ended stays were counted again in its calendar."""
    name = check_zone(text)
    with ctx.store.write():
        recounted = ctx.store.set_zone(name)
    return name, recounted


def check_zone(text: str) -> str:
    """An IANA zone name as the system's zone files spell it (any case is
    accepted for one of them), or one clear Invalid with a suggestion."""
    from funnelcli.clock import is_zone_name

    name = text.strip()
    if name != "localtime" and is_zone_name(name) and _loads(name):
        return name
    from zoneinfo import available_timezones  # reads every zone file: errors only

    from funnelcli.suggest import did_you_mean

    known = sorted(k for k in available_timezones() if k != "localtime")
    same = [k for k in known if k.casefold() == name.casefold()]
    if len(same) == 1:
        return same[0]
    raise Invalid(
        f"unknown time zone {name!r}: {did_you_mean(name, known)}"
        "use an IANA name such as Europe/Warsaw, America/New_York or UTC"
    )


def _loads(name: str) -> bool:
    from zoneinfo import ZoneInfo

    try:
        ZoneInfo(name)
    except (ValueError, OSError, KeyError):  # ZoneInfoNotFoundError is a KeyError
        return False
    return True
