"""Report use-cases: the funnel and the metrics, exactly as PRODUCT.md defines them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from funnelcli import metrics
from funnelcli.clock import start_of_day, utc_text
from funnelcli.dates import parse_span
from funnelcli.errors import Invalid
from funnelcli.models import Pipeline
from funnelcli.services import (
    Context,
    Owners,
    check_filter,
    owner_names,
    parse_date,
    resolve_pipeline,
)
from funnelcli.services.report_scope import DealScope, check_scope, field_filters
from funnelcli.store.reports import MetricCounts, ReportStore, StageCounts, Window


@dataclass
class Period:
    since: datetime | None = None
    until: datetime | None = None


Bound = str | datetime | None  # as typed (`30d`, `2026-10-01`), or already read


def _bound(ctx: Context, text: Bound, option: str) -> datetime | None:
    """A bound of the window [since, until), read looking back: `--since 30d`
    is 30 days ago, `--since mon` this week's Monday (today on a Monday). A
    day is its start; a period (`last month`, `2026-Q4`, `q4`: the last one)
    is its start for `--since` and its end (the start of the next) for
    `--until`, as is an end word (`--until eom` takes in the month's last day)."""
    if text is None or isinstance(text, datetime):
        return text
    if option == "--until" and (span := parse_span(text, ctx.now, "past")) is not None:
        return start_of_day(span[1])
    when = parse_date(ctx, text, option, "past")
    moment = when if isinstance(when, datetime) else start_of_day(when)
    if option == "--since" and moment > ctx.now:
        _future_since(text, moment)
    return moment


def _future_since(text: str, moment: datetime) -> None:
    """A window never starts in the future (it would count nothing and say
    so with zeros): one error naming what `--since` read."""
    read = (
        moment.date().isoformat()
        if moment.time() == datetime.min.time()
        else moment.isoformat(" ", "minutes")
    )
    period = {"eow": "week", "eom": "month", "eoq": "quarter", "eoy": "year"}.get(
        text.strip().lower()
    )
    hint = f" (`s{text.strip().lower()[1:]}` is the start of this {period})" if period else ""
    raise Invalid(
        f"--since {text} is {read}, in the future; a report looks back from a past day{hint}"
    )


def previous_period(ctx: Context, since: Bound, until: Bound) -> Period:
    """The period of equal length just before [since, until) (until: now)."""
    start = _bound(ctx, since, "--since")
    if start is None:
        raise Invalid("--compare previous needs --since (the period to compare)")
    end = _bound(ctx, until, "--until") or ctx.now
    if start >= end:
        raise Invalid("--since must be before --until")
    try:
        return Period(start - (end - start), start)
    except OverflowError:
        raise Invalid(
            f"--compare previous: the period before --since {start.date().isoformat()} would start "
            "before the year 1"
        ) from None


def window(
    ctx: Context,
    since: Bound,
    until: Bound,
    pipeline_id: int | None,
    owner: Owners,
    scope: DealScope | None = None,
) -> tuple[Window, Period]:
    """The window [since, until) and the deals in scope; an owner, tag or
    field value no deal has is refused (an empty report would hide the typo)."""
    owners = owner_names(owner)
    check_filter(ctx, "owner", owners)
    scope = scope or DealScope()
    fields = field_filters(scope.fields)
    check_scope(ctx, scope.tags, fields)
    start, end = _bound(ctx, since, "--since"), _bound(ctx, until, "--until")
    if start is not None and end is not None and start >= end:
        raise Invalid("--since must be before --until")
    w = Window(
        since=None if start is None else utc_text(start),
        until=None if end is None else utc_text(end),
        pipeline_id=pipeline_id,
        owners=owners,
        tags=scope.tags,
        fields=fields,
    )
    return w, Period(start, end)


@dataclass
class Metrics:
    currency: str
    open_deals: int
    open_value: int  # minor units
    weighted_value: float  # minor units
    won: int
    lost: int
    win_rate: float | None
    conversion_rate: float | None
    avg_deal_size: float | None  # minor units
    sales_cycle_days: float | None
    sales_velocity: float | None  # minor units per day
    sales_cycle_median_days: float | None = None
    avg_touches_per_won_deal: float | None = None
    won_value: int = 0  # minor units
    lost_value: int = 0


def metrics_from_counts(c: MetricCounts, cycle_days: tuple[float, float] | None = None) -> Metrics:
    """PRODUCT.md's metrics from one currency's counted figures and its won
    deals' cycles (ReportStore.cycle_days: their sum and median)."""
    rate = metrics.win_rate(c.won, c.lost)
    size = metrics.mean(c.won_value, c.won_with_value)
    cycle = None if cycle_days is None else metrics.mean(cycle_days[0], c.won)
    return Metrics(
        currency=c.currency,
        open_deals=c.open_deals,
        open_value=c.open_value,
        weighted_value=c.weighted_minor,
        won=c.won,
        lost=c.lost,
        win_rate=rate,
        conversion_rate=metrics.percent(c.created_won, c.created),
        avg_deal_size=size,
        sales_cycle_days=cycle,
        # the exact win rate, not the one rounded for display
        sales_velocity=metrics.sales_velocity(
            c.open_deals, size, metrics.win_rate(c.won, c.lost, None), cycle
        ),
        sales_cycle_median_days=None if cycle_days is None else cycle_days[1],
        avg_touches_per_won_deal=metrics.mean(c.won_touches, c.won),
        won_value=c.won_value,
        lost_value=c.lost_value,
    )


def metrics_report(
    ctx: Context,
    *,
    since: Bound = None,
    until: Bound = None,
    pipeline: str | None = None,
    owner: Owners = None,
    scope: DealScope | None = None,
) -> tuple[list[Metrics], Period]:
    with ctx.store.read():
        pid = None if pipeline is None else resolve_pipeline(ctx, pipeline).id
        w, period = window(ctx, since, until, pid, owner, scope)
        counts = ReportStore(ctx.store.conn).metric_counts(w)
        cycles = ReportStore(ctx.store.conn).cycle_days(w)
    if not counts:
        empty = Metrics(ctx.config.currency, 0, 0, 0.0, 0, 0, None, None, None, None, None)
        return [empty], period
    return [metrics_from_counts(c, cycles.get(c.currency)) for c in counts], period


@dataclass
class StageRow:
    stage: str
    open_count: int
    open_value: dict[str, int]  # currency -> minor units
    reached: int
    conversion_to_next: float | None
    dropped: int
    avg_days_in_stage: float | None
    median_days_in_stage: float | None
    stays_counted: int


@dataclass
class Funnel:
    pipeline: str
    stages: list[StageRow] = field(default_factory=list)
    won: int = 0
    lost: int = 0


def funnel_report(
    ctx: Context,
    *,
    since: Bound = None,
    until: Bound = None,
    pipeline: str | None = None,
    owner: Owners = None,
    scope: DealScope | None = None,
) -> tuple[Funnel, Period]:
    """Per stage of one pipeline, over the deals created in the period: open
    deals, how many reached the stage, conversion to the next, drop-off; and
    the length of the stays in the stage that ended in the period."""
    with ctx.store.read():
        p = resolve_pipeline(ctx, pipeline)
        w, period = window(ctx, since, until, p.id, owner, scope)
        store = ReportStore(ctx.store.conn)
        funnel = funnel_of(p, store.stage_counts(w), lambda stage_id: store.stage_days(stage_id, w))
    return funnel, period


StageDays = tuple[float | None, float | None, int]  # mean, median, stays counted


def funnel_of(
    p: Pipeline,
    counted: tuple[dict[int, StageCounts], int, int],
    days: Callable[[int], StageDays],
) -> Funnel:
    """The funnel of pipeline `p` from ReportStore.stage_counts' figures and
    each stage's days (`days(stage id)`: ReportStore.stage_days')."""
    counts, won, lost = counted
    furthest = [counts[s.id].furthest_not_won if s.id in counts else 0 for s in p.stages]
    reached = metrics.reached_by_stage(furthest, won)
    conversions = metrics.stage_conversions(reached, won)
    rows = []
    for i, s in enumerate(p.stages):
        c = counts.get(s.id)
        avg, median, n = days(s.id)
        rows.append(
            StageRow(
                stage=s.name,
                open_count=c.open_count if c else 0,
                open_value=dict(c.open_value_by_currency) if c else {},
                reached=reached[i],
                conversion_to_next=conversions[i],
                dropped=c.dropped if c else 0,
                avg_days_in_stage=avg,
                median_days_in_stage=median,
                stays_counted=n,
            )
        )
    return Funnel(p.name, rows, won, lost)
