"""`funnel report review`'s one query of its own: the slipped deals listed
(report forecast counts them; the review names them)."""

from __future__ import annotations

from dataclasses import dataclass

from funnelcli.store.dialect import Connection
from funnelcli.store.reports import Window


@dataclass
class SlippedDeal:
    id: int
    title: str
    org: str | None
    owner: str | None
    stage: str
    value: int | None  # minor units
    currency: str
    expected_close: str  # a local date


def slipped_deals(conn: Connection, w: Window, today: str, limit: int) -> list[SlippedDeal]:
    """Open deals whose expected close (a local date) is before `today`, in
    the window's scope (its pipeline, owners, tags, fields; not its dates),
    the longest slipped first; at most `limit`. The same condition as
    ReportStore.forecast_rows' period 'slipped'."""
    sql = f"""
        SELECT d.id, d.title, d.org, d.owner, s.name, d.value, d.currency, d.expected_close
        FROM deals d JOIN stages s ON s.id = d.stage_id
        WHERE d.status = 'open' AND d.expected_close IS NOT NULL
          AND d.expected_close < :today {w.scope()}
        ORDER BY d.expected_close, d.id
        LIMIT :limit"""
    params = {**w.params(), "today": today, "limit": limit}
    return [SlippedDeal(*row) for row in conn.execute(sql, params)]
