"""The only place with SQL: a Store over one connection."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from funnelcli.store.connection import open_connection, transaction
from funnelcli.store.deals import DealFilter, DealStore
from funnelcli.store.followups import FollowUpStore
from funnelcli.store.pipelines import PipelineStore
from funnelcli.store.reports import ReportStore
from funnelcli.store.transfer import TransferStore

__all__ = ["DealFilter", "Store"]


class Store(PipelineStore, DealStore, FollowUpStore, ReportStore, TransferStore):
    def __init__(self, conn: sqlite3.Connection, name: str) -> None:
        self.conn = conn
        self.name = name

    @classmethod
    def open(cls, path: Path | None, *, for_write: bool, now: datetime) -> Store:
        conn = open_connection(path, for_write=for_write, now=now)
        return cls(conn, str(path) if path else ":memory:")

    @contextmanager
    def write(self) -> Iterator[None]:
        with transaction(self.conn, self.name, write=True):
            yield

    @contextmanager
    def read(self) -> Iterator[None]:
        with transaction(self.conn, self.name, write=False):
            yield

    def close(self) -> None:
        self.conn.close()
