"""SQL for the time series (`report metrics --per`, `report activity`): one
grouped pass per kind of figure over the whole series window, each row keyed
by the period its date falls in, never one report query per period.

A period key is computed from the instant's calendar day in the database's
zone (`zone_date`, store/zone.py), so a series cuts its periods at that
zone's midnights, as `--since/--until` do:

- day: `2026-11-23`; month: `2026-11`; quarter: `2026-Q4`;
- week: the Julian day number of its Monday ÷ 7 (an integer). A day's
  Julian day number modulo 7 is its weekday, Monday 0, so that division
  puts Monday to Sunday together (ISO weeks). `julianday` of a bare date
  is that number − 0.5; + 0.75 and CAST give it on both engines, whether
  CAST truncates (SQLite) or rounds (PostgreSQL).
"""

from __future__ import annotations

from typing import Any

from funnelcli.store.dialect import Connection
from funnelcli.store.report_groups import GroupKey
from funnelcli.store.reports import MetricCounts, Window

# no --by: every deal in one group, keyed NULL
WHOLE = GroupKey("CAST(NULL AS TEXT)", "CAST(NULL AS TEXT)")

PERS = ("day", "week", "month", "quarter")


def period_key(column: str, per: str) -> str:
    """SQL: the key of the period (of kind `per`) that `column`'s instant is in."""
    day = f"zone_date({column})"
    if per == "day":
        return day
    if per == "month":
        return f"substr({day}, 1, 7)"
    if per == "quarter":
        return f"substr({day}, 1, 4) || '-Q' || ((CAST(substr({day}, 6, 2) AS INTEGER) + 2) / 3)"
    if per == "week":
        return f"CAST(julianday({day}) + 0.75 AS INTEGER) / 7"
    raise ValueError(per)


def _owner(by_owner: bool) -> str:
    # owners as --owner matches them: ASCII case ignored (see reports.owner_key)
    return "lower(d.owner)" if by_owner else "NULL"


class SeriesStore:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def _rows(self, sql: str, w: Window, g: GroupKey = WHOLE) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self.conn.execute(sql, {**w.params(), **g.params})]

    def open_counts(
        self, w: Window, g: GroupKey = WHOLE
    ) -> list[tuple[Any, str | None, MetricCounts]]:
        """Per group (--by's, store/report_groups.py) and currency of the deals
        in scope: (group key, its label, today's open deals, open and weighted
        value as ReportStore.metric_counts counts them, the period figures 0)."""
        sql = f"""
        SELECT gkey, min(glabel), currency, count(*) FILTER (WHERE status = 'open'),
          coalesce(sum(coalesce(value, 0)) FILTER (WHERE status = 'open'), 0),
          coalesce(sum(coalesce(value, 0) * probability / 100.0)
                   FILTER (WHERE status = 'open'), 0)
        FROM (SELECT {g.key} AS gkey, {g.raw} AS glabel, d.currency AS currency,
                     d.status AS status, d.value AS value,
                     coalesce(d.probability, s.probability) AS probability
              FROM deals d JOIN stages s ON s.id = d.stage_id {g.join}
              WHERE 1 = 1 {w.scope()}) AS scoped
        GROUP BY gkey, currency ORDER BY currency"""
        return [
            (key, label, MetricCounts(cur, n, value, weighted, *(0,) * 8))
            for key, label, cur, n, value, weighted in self._rows(sql, w, g)
        ]

    def closed(self, w: Window, per: str, g: GroupKey = WHOLE) -> list[tuple[Any, ...]]:
        """Deals closed in the window, per (period, group, currency): (key,
        group key, currency, won, lost, won value, won with a value, touches of
        the won deals up to their win, lost value), as ReportStore.metric_counts
        counts them."""
        won, lost = "status = 'won'", "status = 'lost'"
        # a won deal's touches up to its win, counted for won deals only
        touches = (
            "CASE WHEN d.status = 'won' THEN (SELECT count(*) FROM activities a "
            "WHERE a.deal_id = d.id AND a.kind <> 'note' AND a.at <= d.closed_at) END"
        )
        sql = f"""
        SELECT p, gkey, currency, count(*) FILTER (WHERE {won}), count(*) FILTER (WHERE {lost}),
          coalesce(sum(coalesce(value, 0)) FILTER (WHERE {won}), 0),
          count(value) FILTER (WHERE {won}),
          coalesce(sum(touches) FILTER (WHERE {won}), 0),
          coalesce(sum(coalesce(value, 0)) FILTER (WHERE {lost}), 0)
        FROM (SELECT {period_key("d.closed_at", per)} AS p, {g.key} AS gkey,
                     d.currency AS currency, d.status AS status, d.value AS value,
                     {touches} AS touches
              FROM deals d {g.join}
              WHERE d.status IN ('won', 'lost') AND {w.within("d.closed_at")} {w.scope()}
             ) AS closed
        GROUP BY p, gkey, currency"""
        return self._rows(sql, w, g)

    def created(self, w: Window, per: str, g: GroupKey = WHOLE) -> list[tuple[Any, ...]]:
        """Deals created in the window, per (period, group, currency): (key,
        group key, currency, created, of them won)."""
        sql = f"""
        SELECT p, gkey, currency, count(*), count(*) FILTER (WHERE status = 'won')
        FROM (SELECT {period_key("d.created_at", per)} AS p, {g.key} AS gkey,
                     d.currency AS currency, d.status AS status
              FROM deals d {g.join} WHERE {w.within("d.created_at")} {w.scope()}) AS born
        GROUP BY p, gkey, currency"""
        return self._rows(sql, w, g)

    def cycles(
        self, w: Window, per: str, g: GroupKey = WHOLE
    ) -> dict[tuple[Any, Any, str], tuple[float, float]]:
        """The sales cycles (days) of the deals won in the window per (period,
        group, currency): (their sum, their median), as ReportStore.cycle_days."""
        sql = f"""
        SELECT p, gkey, currency, max(all_days), avg(days) FROM (
          SELECT p, gkey, currency, days, row_number() OVER win AS n,
                 count(*) OVER whole AS total, sum(days) OVER whole AS all_days
          FROM (SELECT {period_key("d.closed_at", per)} AS p, {g.key} AS gkey,
                       d.currency AS currency,
                       julianday(d.closed_at) - julianday(d.created_at) AS days
                FROM deals d {g.join}
                WHERE d.status = 'won' AND {w.within("d.closed_at")} {w.scope()}) AS won
          WINDOW win AS (PARTITION BY p, gkey, currency ORDER BY days),
                 whole AS (win ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
          ) AS ranked
        WHERE n IN ((total + 1) / 2, (total + 2) / 2)
        GROUP BY p, gkey, currency"""
        rows = self._rows(sql, w, g)
        return {(p, k, cur): (total or 0.0, median) for p, k, cur, total, median in rows}

    def touches(self, w: Window, per: str, *, by_owner: bool) -> list[tuple[Any, ...]]:
        """Touches (activities other than notes) dated in the window, per
        (period, owner or NULL, kind): (key, owner, kind, count)."""
        sql = f"""
        SELECT p, o, kind, count(*)
        FROM (SELECT {period_key("a.at", per)} AS p, {_owner(by_owner)} AS o, a.kind AS kind
              FROM activities a JOIN deals d ON d.id = a.deal_id
              WHERE a.kind <> 'note' AND {w.within("a.at")} {w.scope()}) AS t
        GROUP BY p, o, kind"""
        return self._rows(sql, w)

    def forward_moves(self, w: Window, per: str, *, by_owner: bool) -> list[tuple[Any, ...]]:
        """Stage changes dated in the window from an open deal's stage to a
        later stage of the same pipeline, still open (docs/metrics.md), per
        (period, owner or NULL): (key, owner, count)."""
        sql = f"""
        SELECT p, o, count(*)
        FROM (SELECT {period_key("e.at", per)} AS p, {_owner(by_owner)} AS o
              FROM stage_events e
              JOIN stages f ON f.id = e.from_stage_id
              JOIN stages t ON t.id = e.to_stage_id
              JOIN deals d ON d.id = e.deal_id
              WHERE e.from_status = 'open' AND e.to_status = 'open'
                AND t.pipeline_id = f.pipeline_id AND t.position > f.position
                AND {w.within("e.at")} {w.scope()}) AS m
        GROUP BY p, o"""
        return self._rows(sql, w)

    def wins(self, w: Window, per: str, *, by_owner: bool) -> list[tuple[Any, ...]]:
        """Deals won in the window (by their won date), per (period, owner or
        NULL, currency): (key, owner, currency, won, won value in minor units)."""
        sql = f"""
        SELECT p, o, currency, count(*), sum(coalesce(value, 0))
        FROM (SELECT {period_key("d.closed_at", per)} AS p, {_owner(by_owner)} AS o,
                     d.currency AS currency, d.value AS value
              FROM deals d
              WHERE d.status = 'won' AND {w.within("d.closed_at")} {w.scope()}) AS won
        GROUP BY p, o, currency"""
        return self._rows(sql, w)

    def open_owners(self, w: Window) -> list[str]:
        """The owners (lower case, as the series group them) with an open deal in scope."""
        sql = f"SELECT DISTINCT lower(d.owner) FROM deals d WHERE d.status = 'open' {w.scope()}"
        return [r[0] for r in self.conn.execute(sql, w.params())]
