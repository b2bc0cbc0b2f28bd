"""The only place with SQL: a Store over one connection."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from funnelcli.store.changes import ChangeStore
from funnelcli.store.connection import open_connection, transaction
from funnelcli.store.deals import DealFilter, DealStore
from funnelcli.store.followups import FollowUpStore
from funnelcli.store.pipelines import PipelineStore

__all__ = ["DealFilter", "Store"]

# The mixins of the rarer commands (reports, import/export, doctor, changes and
# undo), by module. Every command builds a Store, and importing these with it
# cost each start-up several milliseconds (dataclasses, module code) that `add`
# or `move` never use; they load the first time one of their methods is looked up.
RARE_MIXINS = (
    ("funnelcli.store.reports", "ReportStore"),
    ("funnelcli.store.transfer", "TransferStore"),
    ("funnelcli.store.doctor", "DoctorStore"),
    ("funnelcli.store.changelog", "ChangeLogStore"),
)


class _RareMixins:
    """Finds a method of RARE_MIXINS on first use and adds that mixin's methods
    to the class, so from then on they are ordinary methods."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # copy, pickle and friends: never a mixin's
            raise AttributeError(name)
        import importlib

        cls = type(self)
        for module, class_name in RARE_MIXINS:
            mixin = getattr(importlib.import_module(module), class_name)
            if name not in vars(mixin):
                continue
            for key, value in vars(mixin).items():
                if not key.startswith("__") and key not in vars(cls):
                    setattr(cls, key, value)
            return getattr(self, name)
        raise AttributeError(f"{cls.__name__!r} object has no attribute {name!r}")


if TYPE_CHECKING:  # what type checkers see: every mixin
    from funnelcli.store.changelog import ChangeLogStore
    from funnelcli.store.doctor import DoctorStore
    from funnelcli.store.reports import ReportStore
    from funnelcli.store.transfer import TransferStore

    class _RareMixins(ReportStore, TransferStore, DoctorStore, ChangeLogStore):  # type: ignore[no-redef]
        pass


class Store(PipelineStore, DealStore, FollowUpStore, ChangeStore, _RareMixins):
    def __init__(self, conn: sqlite3.Connection, name: str) -> None:
        self.conn = conn
        self.name = name
        # What `funnel changes` says about the changes this store makes.
        self.change_command = "funnelcli"
        self.change_who: str | None = None  # default: the OS user
        self.now_utc = ""
        # The changes this store has committed (None: a schema without a change
        # log): when printing about them then fails, the exit code says so.
        self.saved: list[int | None] = []

    @classmethod
    def open(cls, path: Path | None, *, for_write: bool, now: datetime) -> Store:
        from funnelcli.clock import utc_text

        conn = open_connection(path, for_write=for_write, now=now)
        store = cls(conn, str(path) if path else ":memory:")
        store.now_utc = utc_text(now)
        return store

    @contextmanager
    def write(self) -> Iterator[None]:
        """One write transaction, and one change in `funnel changes` (nested
        writes are savepoints inside it)."""
        if self.conn.in_transaction:
            with transaction(self.conn, self.name, write=True):
                yield
            return
        with transaction(self.conn, self.name, write=True):
            change = self.begin_change(
                self.now_utc or _utc_now(), self.change_who or _who(), self.change_command
            )
            yield
            if change is not None:
                self.end_change(change)
        self.saved.append(change)

    @contextmanager
    def read(self) -> Iterator[None]:
        with transaction(self.conn, self.name, write=False):
            yield

    def close(self) -> None:
        self.conn.close()


def _who() -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no user name in this environment
        return "unknown"


def _utc_now() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
