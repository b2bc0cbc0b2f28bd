"""Team mode's own use-cases: setting up a team database (PostgreSQL), and
copying a solo SQLite database into one."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from funnelcli.errors import StorageError


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


def migrate_from(url: str, path: Path) -> tuple[str, dict[str, int]]:
    """Copy the solo SQLite database at `path` into the team database at
    `url`, all or nothing (store/pg_copy.py says how). The file must be a
    funnelcli database of this version: an older one is refused, not
    upgraded here (nothing is written to it); any funnelcli command opening
    it upgrades it, keeping a copy beside it. Returns the database as
    messages name it, and each table's row count."""
    from funnelcli.config import expand_home
    from funnelcli.services.backup import require_file
    from funnelcli.store.connection import BUSY_TIMEOUT_S
    from funnelcli.store.pg import connect
    from funnelcli.store.pg_copy import copy_database, open_source

    path = expand_home(path)
    require_file(path)
    with open_source(path) as (source, version, tables):
        _check_source(path, version, tables)
        conn = connect(url, busy_timeout_s=BUSY_TIMEOUT_S)
        try:
            counts = copy_database(conn, source, path)
        finally:
            conn.close()
    return conn.name, counts


def _check_source(path: Path, version: int, tables: frozenset[str]) -> None:
    """A funnelcli database of this very schema; else one line saying why."""
    from funnelcli.schema import SCHEMA_VERSION
    from funnelcli.services.backup import TABLES

    if not tables >= TABLES or version < 1:
        raise StorageError(f"{path} is not a funnelcli database (no deals or pipelines tables)")
    if version > SCHEMA_VERSION:
        raise StorageError(
            f"{path} was written by a newer funnelcli (schema {version}): upgrade funnelcli"
        )
    if version < SCHEMA_VERSION:
        raise StorageError(
            f"{path} has funnelcli schema {version}, older than this funnelcli's "
            f"({SCHEMA_VERSION}): upgrade it first by opening it once, e.g. "
            f"`funnel --db {path} list` (a copy of it is kept beside it), then run this again"
        )
