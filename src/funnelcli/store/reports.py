"""SQL for reports: single aggregate passes over indexed columns kept on write
(deals.furthest_stage_id, stage_stays.days), never a replay of the event log."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from funnelcli.store.dialect import Connection, scans_in_parallel
from funnelcli.store.filters import FieldFilter, all_fields, all_tags, one_of


@dataclass
class Window:
    """[since, until) as UTC text (None = open-ended), plus the deal filters."""

    since: str | None = None
    until: str | None = None
    pipeline_id: int | None = None
    owners: tuple[str, ...] = ()  # any of them, case ignored
    tags: tuple[str, ...] = ()  # all of them, exact
    fields: tuple[FieldFilter, ...] = ()  # each name with any of its values, case ignored

    def within(self, column: str) -> str:
        """SQL: `column` falls in the window."""
        parts = [f"{column} IS NOT NULL"]
        if self.since is not None:
            parts.append(f"{column} >= :since")
        if self.until is not None:
            parts.append(f"{column} < :until")
        return "(" + " AND ".join(parts) + ")"

    def scope(self) -> str:
        sql = ""
        if self.pipeline_id is not None:
            sql += " AND d.pipeline_id = :pipeline"
        if self.owners:
            sql += " AND " + one_of("d.owner", self.owners, {}, "owner")
        if self.tags:
            sql += " AND " + all_tags(self.tags, {})
        if self.fields:
            sql += " AND " + all_fields(self.fields, {})
        return sql

    def params(self) -> dict[str, Any]:
        params = {"since": self.since, "until": self.until, "pipeline": self.pipeline_id}
        # the values scope() names
        one_of("d.owner", self.owners, params, "owner")
        all_tags(self.tags, params)
        all_fields(self.fields, params)
        return params

    def deal_filters(self) -> Window | None:
        """The filters on the deals themselves (owner, tag, field), without
        the pipeline or the window; None when there are none."""
        if not (self.owners or self.tags or self.fields):
            return None
        return Window(owners=self.owners, tags=self.tags, fields=self.fields)


@dataclass
class MetricCounts:
    """One currency's counted figures (money in minor units)."""

    currency: str
    open_deals: int
    open_value: int
    weighted_minor: float
    won: int
    lost: int
    created: int
    created_won: int
    won_value: int
    won_with_value: int
    won_touches: int
    lost_value: int


@dataclass
class StageCounts:
    """One stage's open deals and value, and how many deals reached it and went
    no further without winning."""

    stage_id: int
    open_count: int
    open_value_by_currency: dict[str, int]
    furthest_not_won: int
    dropped: int


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


# Between an owner and a currency in one key: the currency (three letters) is
# last and never holds it, so splitting at the last one is exact whatever the
# owner holds (PostgreSQL's text can hold no NUL).
OWNER_CURRENCY = "|"


def owner_key(owner: str, currency: str) -> str:
    """cycle_days()' key for an owner: lower() folds ASCII only (SQLite's,
    and PostgreSQL's in the "C" collation)."""
    return f"{owner.translate(_ASCII_LOWER)}{OWNER_CURRENCY}{currency}"


# A deal's touches up to its close: activities but notes (PRODUCT.md).
TOUCHES = (
    "(SELECT count(*) FROM activities a "
    "WHERE a.deal_id = d.id AND a.kind <> 'note' AND a.at <= d.closed_at)"
)


def metric_figures(w: Window, *, touches: bool = True) -> str:
    """The SQL of MetricCounts' figures after its currency, in its order, over
    `deals d JOIN stages s ON s.id = d.stage_id` in the window `w`; without
    `touches`, the won deals' touches are 0 (counted by a statement apart)."""
    # One pass over the deals in scope. Each figure is an aggregate with a
    # FILTER, so its arguments (and the touches subquery) are evaluated only
    # for the deals it counts, not for every deal, as CASE WHEN … ELSE 0
    # was: at 1M deals ~4.4 s -> ~2.9 s. The same sums in the same order
    # (adding a 0 never changed one), and 0 where nothing matched, as before.
    won_in = f"d.status = 'won' AND {w.within('d.closed_at')}"
    lost_in = f"d.status = 'lost' AND {w.within('d.closed_at')}"
    created_in = w.within("d.created_at")
    return f"""count(*) FILTER (WHERE d.status = 'open'),
          coalesce(sum(coalesce(d.value, 0)) FILTER (WHERE d.status = 'open'), 0),
          coalesce(sum(coalesce(d.value, 0) * coalesce(d.probability, s.probability) / 100.0)
                   FILTER (WHERE d.status = 'open'), 0),
          count(*) FILTER (WHERE {won_in}),
          count(*) FILTER (WHERE {lost_in}),
          count(*) FILTER (WHERE {created_in}),
          count(*) FILTER (WHERE {created_in} AND d.status = 'won'),
          coalesce(sum(coalesce(d.value, 0)) FILTER (WHERE {won_in}), 0),
          count(d.value) FILTER (WHERE {won_in}),
          {f"coalesce(sum({TOUCHES}) FILTER (WHERE {won_in}), 0)" if touches else "0"},
          coalesce(sum(coalesce(d.value, 0)) FILTER (WHERE {lost_in}), 0)"""


def stage_counts_of(
    rows: Iterable[Sequence[Any]],
) -> tuple[dict[int, StageCounts], int, int]:
    """ReportStore.stage_counts' figures from its rows: (furthest stage id,
    current stage id, status, currency, deals, value)."""
    stages: dict[int, StageCounts] = {}

    def of(stage_id: int) -> StageCounts:
        return stages.setdefault(stage_id, StageCounts(stage_id, 0, {}, 0, 0))

    won = lost = 0
    for furthest, current, status, currency, count, value in rows:
        if status == "open":
            c = of(current)
            c.open_count += count
            c.open_value_by_currency[currency] = c.open_value_by_currency.get(currency, 0) + value
        if status == "won":
            won += count
        elif furthest is not None:
            of(furthest).furthest_not_won += count
            if status == "lost":
                of(furthest).dropped += count
        if status == "lost":
            lost += count
    return stages, won, lost


class ReportStore:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def owners(self, w: Window) -> list[str]:
        rows = self.conn.execute(
            f"SELECT min(d.owner) FROM deals d WHERE 1 = 1 {w.scope()} "
            "GROUP BY lower(d.owner) ORDER BY min(d.owner)",
            w.params(),
        )
        return [r[0] for r in rows]

    def metric_counts(self, w: Window, *, by_owner: bool = False) -> list[MetricCounts]:
        """One row per currency (per owner and currency with `by_owner`; the
        owner is then prefixed to the currency as "owner|USD")."""
        # The won deals' touches: on PostgreSQL apart, so the 1M deals are scanned
        # in parallel (--since 90d: ~7 s serial, ~2.4 s parallel, loaded); on SQLite
        # a subquery of the row in hand (apart: ~0.5 s more all time at 1M).
        apart = scans_in_parallel(self.conn)
        sql = f"""
        SELECT {"min(d.owner) || '|' || d.currency" if by_owner else "d.currency"},
          {metric_figures(w, touches=not apart)}
        FROM deals d JOIN stages s ON s.id = d.stage_id
        WHERE 1 = 1 {w.scope()}
        GROUP BY {"lower(d.owner), " if by_owner else ""}d.currency
        ORDER BY {"min(d.owner), " if by_owner else ""}d.currency"""
        rows = [MetricCounts(*row) for row in self.conn.execute(sql, w.params())]
        if not apart:
            return rows
        touches = self._won_touches(w, by_owner=by_owner)
        for row in rows:
            key = row.currency
            if by_owner:
                owner, _, currency = key.rpartition(OWNER_CURRENCY)
                key = owner_key(owner, currency)
            row.won_touches = touches.get(key, 0)
        return rows

    def _won_touches(self, w: Window, *, by_owner: bool) -> dict[str, int]:
        """TOUCHES summed over the deals won in the window, by currency (by owner
        and currency as cycle_days() keys them): metric_counts()'s, apart."""
        group = "lower(d.owner) || '|' || d.currency" if by_owner else "d.currency"
        sql = f"""
        SELECT {group}, count(*)
        FROM deals d JOIN activities a ON a.deal_id = d.id
        WHERE d.status = 'won' AND {w.within("d.closed_at")} {w.scope()}
          AND a.kind <> 'note' AND a.at <= d.closed_at
        GROUP BY {group}"""
        return {grp: int(n) for grp, n in self.conn.execute(sql, w.params())}

    def cycle_days(self, w: Window, *, by_owner: bool = False) -> dict[str, tuple[float, float]]:
        """The sales cycles (days) of the deals won in the window, (their sum,
        their median), keyed as metric_counts() keys its rows; the middle one
        or two rows are picked by row number, so nothing but the figures
        leaves the database. Each won deal's days are computed once, here:
        the day arithmetic is most of a report's time at 1M deals."""
        # owners as --owner matches them (ASCII case ignored): see owner_key()
        group = "lower(d.owner) || '|' || d.currency" if by_owner else "d.currency"
        # Both window functions over one window (the size of the partition as
        # a frame of all of it), so SQLite sorts the won deals once, not twice.
        sql = f"""
        SELECT grp, max(all_days), avg(days) FROM (
          SELECT grp, days, row_number() OVER win AS n,
                 count(*) OVER whole AS total, sum(days) OVER whole AS all_days
          FROM (SELECT {group} AS grp,
                       julianday(d.closed_at) - julianday(d.created_at) AS days
                FROM deals d
                WHERE d.status = 'won' AND {w.within("d.closed_at")} {w.scope()}) AS won
          WINDOW win AS (PARTITION BY grp ORDER BY days),
                 whole AS (win ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
          ) AS ranked
        WHERE n IN ((total + 1) / 2, (total + 2) / 2)
        GROUP BY grp"""
        return {
            grp: (total or 0.0, median) for grp, total, median in self.conn.execute(sql, w.params())
        }

    def stage_counts(self, w: Window) -> tuple[dict[int, StageCounts], int, int]:
        """Per stage of the window's pipeline, over deals created in the window:
        open count and value, non-won deals whose furthest stage it is, and lost
        deals that dropped there; plus the cohort's won and lost totals."""
        created_in = w.within("d.created_at")
        rows = self.conn.execute(
            f"""SELECT d.furthest_stage_id, d.stage_id, d.status, d.currency,
                       count(*), sum(coalesce(d.value, 0))
                FROM deals d WHERE {created_in} {w.scope()}
                GROUP BY d.furthest_stage_id, d.stage_id, d.status, d.currency""",
            w.params(),
        ).fetchall()
        return stage_counts_of(rows)

    def lost_rows(self, w: Window, by: str) -> list[tuple[Any, ...]]:
        """Deals lost in the window, counted by (key, the stage they were lost
        in, currency): (key, stage id, stage name, currency, count, value in
        minor units). The key is the lost reason, the owner (ASCII case
        ignored: its first spelling by name order) or the stage id, as `by`
        says. report lost."""
        key = {
            "reason": "d.lost_reason",
            "owner": "min(d.owner)",
            "stage": "d.stage_id",
        }[by]
        group = "lower(d.owner)" if by == "owner" else key
        return self.conn.execute(
            f"""SELECT {key}, d.stage_id, min(s.name), d.currency, count(*),
                       sum(coalesce(d.value, 0))
                FROM deals d JOIN stages s ON s.id = d.stage_id
                WHERE d.status = 'lost' AND {w.within("d.closed_at")} {w.scope()}
                GROUP BY {group}, d.stage_id, d.currency""",
            w.params(),
        ).fetchall()

    def closed_by_furthest(self, w: Window) -> dict[int, tuple[int, int]]:
        """Deals closed in the window (of its pipeline), by the position of
        their furthest stage: position -> (won, lost). report calibration."""
        rows = self.conn.execute(
            f"""SELECT f.position,
                       count(*) FILTER (WHERE d.status = 'won'),
                       count(*) FILTER (WHERE d.status = 'lost')
                FROM deals d JOIN stages f ON f.id = d.furthest_stage_id
                WHERE d.status IN ('won', 'lost') AND {w.within("d.closed_at")} {w.scope()}
                GROUP BY f.position""",
            w.params(),
        ).fetchall()
        return {int(pos): (int(won), int(lost)) for pos, won, lost in rows}

    def stage_days(self, stage_id: int, w: Window) -> tuple[float | None, float | None, int]:
        """Mean and median length (days) of the stage's stays that ended in the
        window, and how many: counted over a range of stage_stays_left (stage,
        leave time); the median in days order (stage_stays_days)."""
        ended_in = w.within("st.left_at")
        # The stage names its pipeline: a deal since moved to another pipeline
        # still spent this stay here, so only the deal filters (owner, tag,
        # field) narrow the deals, and without one the indexes alone answer.
        join = ""
        if (deals := w.deal_filters()) is not None:
            join = f"JOIN deals d ON d.id = st.deal_id {deals.scope()} "
        base = (
            f"FROM stage_stays st {join}"
            f"WHERE st.stage_id = :stage AND st.days IS NOT NULL AND {ended_in}"
        )
        params = {**w.params(), "stage": stage_id}
        count, total = self.conn.execute(f"SELECT count(*), sum(st.days) {base}", params).fetchone()
        if not count:
            return None, None, 0
        middle = self.conn.execute(
            f"SELECT st.days {base} ORDER BY st.days LIMIT :n OFFSET :off",
            {**params, "n": 2 - count % 2, "off": (count - 1) // 2},
        ).fetchall()
        median = sum(r[0] for r in middle) / len(middle)
        return total / count, median, count

    def forecast_rows(
        self, w: Window, by: str, today: str
    ) -> list[tuple[str | None, str, int, int, float]]:
        """Open deals by expected close period: (period or None, currency, deals,
        value, weighted value), value in minor units; a deal whose expected
        close is before `today` (a local date) is counted apart, in period
        'slipped'. `w.since/until` here are local dates bounding expected_close."""
        period = (
            "substr(d.expected_close, 1, 7)"
            if by == "month"
            else "substr(d.expected_close, 1, 4) || '-Q' || "
            "((CAST(substr(d.expected_close, 6, 2) AS INTEGER) + 2) / 3)"
        )
        where = ""
        if w.since is not None:
            where += " AND (d.expected_close IS NULL OR d.expected_close >= :since)"
        if w.until is not None:
            where += " AND (d.expected_close IS NULL OR d.expected_close < :until)"
        # sorted outside: an ORDER BY expression can't name a result column
        # in PostgreSQL
        sql = f"""
        SELECT * FROM (
        SELECT CASE WHEN d.expected_close IS NULL THEN NULL
                    WHEN d.expected_close < :today THEN 'slipped' ELSE {period} END AS period,
               d.currency AS currency, count(*), sum(coalesce(d.value, 0)),
               sum(coalesce(d.value, 0) * coalesce(d.probability, s.probability) / 100.0)
        FROM deals d JOIN stages s ON s.id = d.stage_id
        WHERE d.status = 'open' {where} {w.scope()}
        GROUP BY period, d.currency) AS f
        ORDER BY period IS NULL, period = 'slipped', period, currency"""
        return [tuple(r) for r in self.conn.execute(sql, {**w.params(), "today": today})]

    def _deal_ids(self, w: Window, where: str, params: dict[str, Any]) -> list[int]:
        sql = (
            "SELECT d.id FROM deals d JOIN stages s ON s.id = d.stage_id "
            f"LEFT JOIN stages f ON f.id = d.furthest_stage_id WHERE ({where}) {w.scope()} "
            "ORDER BY d.id"
        )
        return [r[0] for r in self.conn.execute(sql, {**w.params(), **params})]

    def metric_deal_ids(self, w: Window, currency: str) -> dict[str, list[int]]:
        """For --explain: the deals in one currency that report metrics counts,
        as `open`, `won` and `lost` (closed in the window), `born` (created in
        it) and `valued` (won in it, with a value)."""
        closed, created = w.within("d.closed_at"), w.within("d.created_at")
        where = {
            "open": "d.status = 'open'",
            "won": f"d.status = 'won' AND {closed}",
            "lost": f"d.status = 'lost' AND {closed}",
            "born": created,
            "valued": f"d.status = 'won' AND {closed} AND d.value IS NOT NULL",
        }
        return {
            name: self._deal_ids(w, f"d.currency = :cur AND {sql}", {"cur": currency})
            for name, sql in where.items()
        }

    def stage_deal_ids(
        self, w: Window, stage_id: int, position: int
    ) -> tuple[list[int], list[int]]:
        """For --explain: (the deals created in the window that reached the
        stage at `position` or won, those lost with it as their furthest stage)."""
        created = w.within("d.created_at")
        reached = self._deal_ids(
            w, f"{created} AND (d.status = 'won' OR f.position >= :pos)", {"pos": position}
        )
        dropped = self._deal_ids(
            w,
            f"{created} AND d.status = 'lost' AND d.furthest_stage_id = :sid",
            {"sid": stage_id},
        )
        return reached, dropped

    def stay_deal_ids(self, stage_id: int, w: Window) -> list[int]:
        ended_in = w.within("st.left_at")
        sql = (
            "SELECT DISTINCT st.deal_id FROM stage_stays st JOIN deals d ON d.id = st.deal_id "
            f"WHERE st.stage_id = :stage AND st.days IS NOT NULL AND {ended_in} "
            f"{(w.deal_filters() or Window()).scope()} ORDER BY st.deal_id"
        )
        return [r[0] for r in self.conn.execute(sql, {**w.params(), "stage": stage_id})]
