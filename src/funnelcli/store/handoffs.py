"""SQL for hand-offs (issue 16's conveyor): a deal that enters a stage with an
owner is handed to them; `funnel inbox` lists what each receiver was handed
since they last looked (`funnel due` marks those deals: store/followups.py).

A receiver is named as deals' owners are matched by `--owner`: case ignored,
ASCII only (store/filters.py folds the name; `lower()` of the column, as
SQLite's). `inbox_seen` keeps, per folded name, the newest hand-off id shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from funnelcli.store.dialect import Connection
from funnelcli.store.filters import fold

# A hand-off with the deal it went with: what `inbox` and `due` show.
_SELECT = """SELECT h.id, h.deal_id, d.title, d.org, d.value, d.currency, p.name,
           fs.name, ts.name, h.from_owner, h.to_owner, h.handed_by, h.at,
           h.id <= coalesce(m.last_seen, 0), cs.name, d.status, d.owner
    FROM handoffs h
    JOIN deals d ON d.id = h.deal_id
    JOIN pipelines p ON p.id = d.pipeline_id
    JOIN stages ts ON ts.id = h.to_stage_id
    JOIN stages cs ON cs.id = d.stage_id
    LEFT JOIN stages fs ON fs.id = h.from_stage_id
    LEFT JOIN inbox_seen m ON m.owner = lower(h.to_owner)"""


class HandoffStore:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def record(
        self,
        deal_id: int,
        from_stage_id: int | None,
        to_stage_id: int,
        from_owner: str,
        to_owner: str,
        by: str,
        at: str,
    ) -> None:
        """Note a hand-off made by the deal's newest stage event (just
        appended, in the same transaction): the history row it goes with."""
        self.conn.execute(
            "INSERT INTO handoffs (deal_id, event_id, from_stage_id, to_stage_id, from_owner, "
            "to_owner, handed_by, at) SELECT :deal, max(id), :fs, :ts, :fo, :to, :by, :at "
            "FROM stage_events WHERE deal_id = :deal",
            {
                "deal": deal_id,
                "fs": from_stage_id,
                "ts": to_stage_id,
                "fo": from_owner,
                "to": to_owner,
                "by": by,
                "at": at,
            },
        )

    def inbox(self, owner: str, *, everything: bool = False) -> list[Sequence[Any]]:
        """Hand-offs to `owner` (case ignored), oldest first: those after the
        newest they have looked at, or `everything`; rows of _SELECT."""
        return list(
            self.conn.execute(
                _SELECT + " WHERE lower(h.to_owner) = :me "
                "AND (:all OR h.id > coalesce(m.last_seen, 0)) ORDER BY h.id",
                {"me": fold(owner), "all": everything},
            )
        )

    def receivers(self) -> list[str]:
        """Everyone a deal can be (or was) handed to: the owners of stages and
        the receivers of hand-offs, one spelling each (its least), by name."""
        rows = self.conn.execute(
            "SELECT min(name) FROM (SELECT owner AS name FROM stages WHERE owner IS NOT NULL "
            "UNION SELECT to_owner FROM handoffs) AS named GROUP BY lower(name) "
            "ORDER BY lower(name)"
        )
        return [r[0] for r in rows]

    def mark_seen(self, owner: str, last: int) -> None:
        """`owner` has looked at every hand-off to them up to id `last`."""
        self.conn.execute(
            "INSERT INTO inbox_seen (owner, last_seen) VALUES (:me, :last) "
            "ON CONFLICT (owner) DO UPDATE SET last_seen = excluded.last_seen "
            "WHERE inbox_seen.last_seen < excluded.last_seen",
            {"me": fold(owner), "last": last},
        )
