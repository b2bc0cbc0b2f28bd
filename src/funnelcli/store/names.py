"""The names shell completion offers (pipelines, stages, owners, tags,
sources), read from the file without ever writing or creating anything.

A completion runs at every TAB, often while another funnel writes. So the
file is opened read-only and never migrated (an older or newer schema offers
nothing), waits at most a moment for a lock, and when no log is waiting
beside it, it is opened `immutable`: a read-only open of a WAL file would
leave a `-wal` and `-shm` behind that it may not remove.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from funnelcli.schema import SCHEMA_VERSION
from funnelcli.store.connection import database_exists, hot_journal, wal_waiting
from funnelcli.store.dialect import Connection
from funnelcli.store.filters import FilterValues

# A completion that waits longer than this for a writer offers nothing.
LOCK_WAIT_S = 0.3


class Names:
    """Read-only queries over one connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    @classmethod
    def open(cls, path: Path | str) -> Names | None:
        """The file at `path` opened for reading only; None when there is no
        file, or it is not a funnelcli database of this schema. A team
        database's URL: a connection that gives up after 2 s, never migrating."""
        if isinstance(path, str):
            return cls._open_team(path)
        if not database_exists(path):
            return None
        uri = path.resolve().as_uri()
        waiting = wal_waiting(path) or hot_journal(path)
        uri += "?mode=ro" if waiting else "?mode=ro&immutable=1"
        conn = sqlite3.connect(uri, uri=True, timeout=LOCK_WAIT_S, isolation_level=None)
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.Error:
            conn.close()
            raise
        if version != SCHEMA_VERSION:
            conn.close()
            return None
        return cls(conn)

    @classmethod
    def _open_team(cls, url: str) -> Names | None:
        from funnelcli.store.pg import connect, schema_version
        from funnelcli.store.pg_schema import PG_SCHEMA_VERSION

        conn = connect(url, busy_timeout_s=LOCK_WAIT_S, connect_timeout_s=2)
        if schema_version(conn) != PG_SCHEMA_VERSION:
            conn.close()
            return None
        return cls(conn)

    def close(self) -> None:
        self.conn.close()

    def pipelines(self) -> list[str]:
        return [str(r[0]) for r in self.conn.execute("SELECT name FROM pipelines ORDER BY id")]

    def pipeline_keys(self) -> list[tuple[int, str]]:
        """(id, key) of every pipeline, in the order they were made."""
        rows = self.conn.execute("SELECT id, key FROM pipelines ORDER BY id")
        return [(int(i), str(k)) for i, k in rows]

    def deal_pipeline(self, deal_id: int) -> int | None:
        row = self.conn.execute(
            "SELECT pipeline_id FROM deals WHERE id = :id", {"id": deal_id}
        ).fetchone()
        return None if row is None else int(row[0])

    def stages(self, pipeline_ids: list[int]) -> list[str]:
        """The live stages' names of these pipelines, in this order, each
        pipeline's in its order (a name once)."""
        rows = self.conn.execute(
            "SELECT pipeline_id, name FROM stages WHERE removed_at IS NULL "
            "ORDER BY pipeline_id, position"
        ).fetchall()
        names: list[str] = []
        for pid in pipeline_ids:
            names += [str(name) for p, name in rows if p == pid and name not in names]
        return names

    def values(self, field: str) -> list[str]:
        """Every owner, tag or source some deal has."""
        return FilterValues(self.conn).known(field)
