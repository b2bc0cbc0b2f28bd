"""The pipeline a new database starts with."""

from __future__ import annotations

from datetime import datetime

from funnelcli.store.dialect import Connection
from funnelcli.templates import DEFAULT_TEMPLATE, TEMPLATES

DEFAULT_PIPELINE_NAME = "sales"


def seed_default_pipeline(conn: Connection, now: datetime) -> None:
    from funnelcli.store.pipelines import insert_pipeline

    insert_pipeline(conn, DEFAULT_PIPELINE_NAME, TEMPLATES[DEFAULT_TEMPLATE][1], now)
