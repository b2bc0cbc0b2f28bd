"""`report metrics --per week|month|quarter`: the metrics as a time series,
each period's figures exactly those `report metrics --since START --until
END` gives for it, from four grouped queries over the whole window
(store/report_series.py) rather than a report per period. And `--compare
last-year`: the same window, or each period, a year before."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from funnelcli.clock import utc_text
from funnelcli.errors import Invalid
from funnelcli.services import Context, Owners, resolve_pipeline
from funnelcli.services.report_groups import Group, _by, _ordered
from funnelcli.services.report_scope import DealScope
from funnelcli.services.reports import (
    Bound,
    Metrics,
    Period,
    _bound,
    metrics_from_counts,
)
from funnelcli.services.series import Span, check_per, series_window, twin, year_before
from funnelcli.store.report_groups import GroupKey
from funnelcli.store.report_series import WHOLE, SeriesStore
from funnelcli.store.reports import MetricCounts, Window

TREND_PERS = ("week", "month", "quarter")
# without --since: about a quarter of weeks, a year of months, two of quarters
DEFAULT_PERIODS = {"week": 13, "month": 12, "quarter": 8}


@dataclass
class TrendPoint:
    """One period of the series: its figures per currency (as report metrics
    gives them for [since, until)) and the deals created in it per currency."""

    label: str
    period: Period
    metrics: list[Metrics]
    new_deals: dict[str, int]


def last_year_period(ctx: Context, since: Bound, until: Bound) -> Period:
    """[since, until) a year earlier (until: now), for --compare last-year."""
    start = _bound(ctx, since, "--since")
    if start is None:
        raise Invalid("--compare last-year needs --since (the period to compare)")
    end = _bound(ctx, until, "--until") or ctx.now
    if start >= end:
        raise Invalid("--since must be before --until")
    if start.year == 1:
        raise Invalid("--compare last-year: the year before the year 1 is not a date")
    return Period(year_before(start), year_before(end))


def metrics_series(
    ctx: Context,
    *,
    per: str,
    since: Bound = None,
    until: Bound = None,
    pipeline: str | None = None,
    owner: Owners = None,
    last_year: bool = False,
    scope: DealScope | None = None,
) -> tuple[list[TrendPoint], list[TrendPoint] | None]:
    """The series over the window (by default the last few periods up to
    now's), and with `last_year` each period's last-year twin, in order."""
    found = _series(ctx, per, since, until, pipeline, owner, last_year, scope, None)
    _, points, twins = found[0]
    return points, twins


def metrics_series_by(
    ctx: Context,
    by: str | None,
    *,
    per: str,
    since: Bound = None,
    until: Bound = None,
    pipeline: str | None = None,
    owner: Owners = None,
    last_year: bool = False,
    scope: DealScope | None = None,
) -> list[tuple[Group | None, list[TrendPoint], list[TrendPoint] | None]]:
    """metrics_series per group of deals (--by, as report metrics --by groups
    them): each group's series over the same periods, in --by's order; without
    `by`, one series, its group None."""
    return _series(ctx, per, since, until, pipeline, owner, last_year, scope, by)


def _series(
    ctx: Context,
    per: str,
    since: Bound,
    until: Bound,
    pipeline: str | None,
    owner: Owners,
    last_year: bool,
    scope: DealScope | None,
    by: str | None,
) -> list[tuple[Group | None, list[TrendPoint], list[TrendPoint] | None]]:
    check_per(per, TREND_PERS)
    with ctx.store.read():
        name, key = _by(ctx, by) if by is not None else ("", WHOLE)
        pid = None if pipeline is None else resolve_pipeline(ctx, pipeline).id
        w, found = series_window(ctx, per, since, until, pid, owner, DEFAULT_PERIODS[per], scope)
        # today's open deals (every period's, as in report metrics), and the
        # currencies in scope (per group), which every period lists
        base: dict[Any, dict[str, MetricCounts]] = {}
        groups: dict[Any, Group] = {}
        for k, label, counts in SeriesStore(ctx.store.conn).open_counts(w, key):
            base.setdefault(k, {})[counts.currency] = counts
            group = groups.setdefault(k, Group(name, k, label))
            if label is not None and group.name is not None:
                group.name = min(group.name, label)
        points = _points(ctx, w, per, found, base, key)
        twins = None
        if last_year:
            before = [twin(s, per) for s in found]
            w.since, w.until = utc_text(before[0].since), utc_text(before[-1].until)
            twins = _points(ctx, w, per, before, base, key)
        if by is None:
            return [(None, points[None], None if twins is None else twins[None])]
        ordered = _ordered(ctx, list(groups.values()))
    return [(g, points[g.key], None if twins is None else twins[g.key]) for g in ordered]


def _points(
    ctx: Context,
    w: Window,
    per: str,
    found: list[Span],
    base: dict[Any, dict[str, MetricCounts]],
    key: GroupKey,
) -> dict[Any, list[TrendPoint]]:
    """Each group's points: per period, its figures in each of its currencies."""
    series = SeriesStore(ctx.store.conn)
    closed = {tuple(r[:3]): r[3:] for r in series.closed(w, per, key)}
    created = {tuple(r[:3]): r[3:] for r in series.created(w, per, key)}
    cycles = series.cycles(w, per, key)
    out: dict[Any, list[TrendPoint]] = {}
    for k, group_base in base.items() or [(None, {})]:
        currencies = sorted(group_base) or [ctx.config.currency]
        points = []
        for span in found:
            figures = []
            new = {}
            for cur in currencies:
                at = (span.key, k, cur)
                counts = _counts(cur, group_base.get(cur), closed.get(at))
                counts.created, counts.created_won = created.get(at, (0, 0))
                figures.append(metrics_from_counts(counts, cycles.get(at)))
                new[cur] = counts.created
            points.append(TrendPoint(span.label, Period(span.since, span.until), figures, new))
        out[k] = points
    return out


def _counts(currency: str, base: MetricCounts | None, closed: Any) -> MetricCounts:
    """One period's counts: today's open figures, that period's closed ones."""
    won, lost, won_value, won_with_value, won_touches, lost_value = closed or (0, 0, 0, 0, 0, 0)
    return MetricCounts(
        currency=currency,
        open_deals=base.open_deals if base else 0,
        open_value=base.open_value if base else 0,
        weighted_minor=base.weighted_minor if base else 0.0,
        won=won,
        lost=lost,
        created=0,
        created_won=0,
        won_value=won_value,
        won_with_value=won_with_value,
        won_touches=won_touches,
        lost_value=lost_value,
    )
