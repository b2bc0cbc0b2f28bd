"""Team mode's own use-cases: setting up a team database (PostgreSQL)."""

from __future__ import annotations

from datetime import datetime


def init_team(url: str, timezone: str | None, now: datetime) -> tuple[str, str]:
    """Give the empty database at `url` the schema, the default pipeline and
    the time zone (checked; default: this machine's). Returns the database as
    messages name it, and the zone."""
    from funnelcli.clock import machine_zone
    from funnelcli.services.settings import check_zone
    from funnelcli.store.connection import BUSY_TIMEOUT_S
    from funnelcli.store.pg import init_database

    zone = check_zone(timezone) if timezone is not None else machine_zone()
    return init_database(url, zone=zone, now=now, busy_timeout_s=BUSY_TIMEOUT_S), zone
