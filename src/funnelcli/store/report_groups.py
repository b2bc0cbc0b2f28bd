"""SQL for `--by` on report metrics and report funnel: the same figures as
store/reports.py, each query grouped by one more key, so a report by owner
is one pass over the deals whatever the number of owners, not a report per
owner."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from funnelcli.store.dialect import Connection
from funnelcli.store.filters import fold
from funnelcli.store.reports import (
    MetricCounts,
    StageCounts,
    Window,
    metric_figures,
    stage_counts_of,
)


@dataclass(frozen=True)
class GroupKey:
    """What deals are grouped by, as SQL over `deals d`: `key` tells the
    groups apart (NULL: the deals with no value for it), `raw` is the value
    that names one (its least, by byte order), `join` brings in what they
    need."""

    key: str
    raw: str
    join: str = ""
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"min({self.raw})"


def group_key(by: str, field_name: str | None = None) -> GroupKey:
    """`--by`'s key: text values as `--owner` and `--source` match them
    (ASCII case ignored), a tag exactly (as `--tag`), a pipeline or the
    current stage by id."""
    if by == "field":
        return GroupKey(
            "lower(gf.value)",
            "gf.value",
            "LEFT JOIN deal_fields gf ON gf.deal_id = d.id AND lower(gf.key) = :by_field",
            {"by_field": fold(field_name or "")},
        )
    if by == "tag":
        return GroupKey("gt.tag", "gt.tag", "LEFT JOIN deal_tags gt ON gt.deal_id = d.id")
    if by == "pipeline":
        return GroupKey("d.pipeline_id", "gp.name", "JOIN pipelines gp ON gp.id = d.pipeline_id")
    if by == "stage":
        return GroupKey("d.stage_id", "gs.name", "JOIN stages gs ON gs.id = d.stage_id")
    column = {"owner": "d.owner", "source": "d.source", "org": "d.org"}[by]
    return GroupKey(f"lower({column})", column)


class GroupedReports:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def metric_counts(self, w: Window, g: GroupKey) -> list[tuple[Any, str | None, MetricCounts]]:
        """ReportStore.metric_counts per group: (key, label, one currency's counts)."""
        sql = f"""
        SELECT {g.key}, {g.label}, d.currency,
          {metric_figures(w)}
        FROM deals d JOIN stages s ON s.id = d.stage_id {g.join}
        WHERE 1 = 1 {w.scope()}
        GROUP BY {g.key}, d.currency"""
        rows = self.conn.execute(sql, {**w.params(), **g.params})
        return [(row[0], row[1], MetricCounts(*row[2:])) for row in rows]

    def cycle_days(self, w: Window, g: GroupKey) -> dict[tuple[Any, str], tuple[float, float]]:
        """ReportStore.cycle_days per group: (key, currency) -> (sum of the won
        deals' cycles in days, their median)."""
        sql = f"""
        SELECT gkey, cur, max(all_days), avg(days) FROM (
          SELECT gkey, cur, days, row_number() OVER win AS n,
                 count(*) OVER whole AS total, sum(days) OVER whole AS all_days
          FROM (SELECT {g.key} AS gkey, d.currency AS cur,
                       julianday(d.closed_at) - julianday(d.created_at) AS days
                FROM deals d {g.join}
                WHERE d.status = 'won' AND {w.within("d.closed_at")} {w.scope()}) AS won
          WINDOW win AS (PARTITION BY gkey, cur ORDER BY days),
                 whole AS (win ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
          ) AS ranked
        WHERE n IN ((total + 1) / 2, (total + 2) / 2)
        GROUP BY gkey, cur"""
        rows = self.conn.execute(sql, {**w.params(), **g.params})
        return {(key, cur): (total or 0.0, median) for key, cur, total, median in rows}

    def stage_counts(
        self, w: Window, g: GroupKey
    ) -> dict[Any, tuple[str | None, tuple[dict[int, StageCounts], int, int]]]:
        """ReportStore.stage_counts per group: key -> (label, its counts)."""
        rows = self.conn.execute(
            f"""SELECT {g.key}, {g.label}, d.furthest_stage_id, d.stage_id, d.status,
                       d.currency, count(*), sum(coalesce(d.value, 0))
                FROM deals d {g.join} WHERE {w.within("d.created_at")} {w.scope()}
                GROUP BY {g.key}, d.furthest_stage_id, d.stage_id, d.status, d.currency""",
            {**w.params(), **g.params},
        ).fetchall()
        by_key: dict[Any, list[Sequence[Any]]] = {}
        labels: dict[Any, str | None] = {}
        for key, label, *rest in rows:
            by_key.setdefault(key, []).append(rest)
            known = labels.get(key)
            labels[key] = label if known is None or label is None else min(known, label)
        return {key: (labels[key], stage_counts_of(found)) for key, found in by_key.items()}

    def stage_days(
        self, stage_ids: Sequence[int], w: Window, g: GroupKey
    ) -> dict[tuple[int, Any], tuple[str | None, float, float, int]]:
        """ReportStore.stage_days per group, for every stage in `stage_ids` in
        one pass: (stage id, key) -> (label, mean, median, stays) of the stays
        that ended in the window (only the deal filters narrow them, as there)."""
        deals = w.deal_filters() or Window()
        stages = ", ".join(f":st{i}" for i in range(len(stage_ids))) or "NULL"
        # The stays in table order, each joined to its deal (CROSS JOIN keeps
        # SQLite's order, PostgreSQL plans its own; `+` keeps SQLite off
        # stage_stays_days): a deal's stays lie together, so its row is read
        # once and in order, where the index's order (by days) reads a deal
        # at random for each stay. Each group's days are then counted here:
        # SQLite's sort of every stay by (stage, group, days) for a median
        # took 4 times as long (100k deals, 300 owners: ~1.2 s of CPU
        # against ~0.3 s).
        sql = f"""
        SELECT st.stage_id, {g.key}, {g.raw}, st.days
        FROM stage_stays st CROSS JOIN deals d {g.join}
        WHERE d.id = st.deal_id AND +st.stage_id IN ({stages}) AND +st.days IS NOT NULL
          AND {w.within("st.left_at")} {deals.scope()}"""
        params = {  # w.params() has the values of deals.scope() too
            **w.params(),
            **g.params,
            **{f"st{i}": sid for i, sid in enumerate(stage_ids)},
        }
        found: dict[tuple[int, Any], list[float]] = {}
        labels: dict[Any, str | None] = {}
        for sid, key, label, days in self.conn.execute(sql, params):
            found.setdefault((sid, key), []).append(days)
            known = labels.get(key)
            labels[key] = label if known is None or label is None else min(known, label)
        out = {}
        for (sid, key), days in found.items():
            days.sort()  # summed in the order ReportStore.stage_days sums them
            n = len(days)
            middle = days[(n - 1) // 2 : n // 2 + 1]
            out[sid, key] = (labels[key], sum(days) / n, sum(middle) / len(middle), n)
        return out
