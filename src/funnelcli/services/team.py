"""Reports across people and time: per owner (with the stage-by-owner
conversion matrix) and the forecast by expected close period."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from funnelcli import metrics
from funnelcli.errors import Invalid, UsageError
from funnelcli.services import (
    Context,
    Owners,
    check_filter,
    owner_names,
    parse_date,
    resolve_pipeline,
)
from funnelcli.services.report_scope import DealScope, check_scope, field_filters
from funnelcli.services.reports import Metrics, Period, metrics_from_counts, window
from funnelcli.store.reports import OWNER_CURRENCY, ReportStore, Window, owner_key


@dataclass
class OwnerRow:
    owner: str
    metrics: Metrics
    won_value: int  # minor units


BEST_MIN_DEALS = 10  # `report owners --min-deals`: a stage's best converter's fewest deals


@dataclass
class BestConverter:
    """The owner(s) with the highest conversion from a stage to the next,
    among those with at least `min_deals` deals that reached the stage."""

    owners: list[str]  # more than one when they convert exactly as well
    conversion: float | None  # %, reached(next) ÷ reached(stage) × 100
    reached: list[int]  # each owner's deals that reached the stage (the denominator)


@dataclass
class OwnersReport:
    pipeline: str
    rows: list[OwnerRow]
    stages: list[str]
    team: list[float | None]  # conversion to next per stage, whole team
    by_owner: dict[str, list[float | None]] = field(default_factory=dict)
    reached: dict[str, list[int]] = field(default_factory=dict)  # per owner, stage, and won
    min_deals: int = BEST_MIN_DEALS
    best: list[BestConverter | None] = field(default_factory=list)  # per stage


def _reached(ctx: Context, w: Window, stage_ids: list[int]) -> list[int]:
    """Deals that reached each stage, then the won ones (`reached`'s "next"
    after the last stage)."""
    counts, won, _ = ReportStore(ctx.store.conn).stage_counts(w)
    furthest = [counts[i].furthest_not_won if i in counts else 0 for i in stage_ids]
    return [*metrics.reached_by_stage(furthest, won), won]


def _conversions(reached: list[int]) -> list[float | None]:
    return metrics.stage_conversions(reached[:-1], reached[-1])


def best_converters(
    reached: dict[str, list[int]], stages: int, min_deals: int
) -> list[BestConverter | None]:
    """For each stage, the owner(s) converting best to the next stage among
    those with at least `min_deals` deals that reached it; None when nobody
    has that many. Compared exactly (as fractions), not as rounded percents."""
    best: list[BestConverter | None] = []
    least = max(min_deals, 1)  # no deal reached it: no conversion to compare
    for i in range(stages):
        # (reached(next), reached(stage), owner) of each owner who counts
        fit = [(r[i + 1], r[i], name) for name, r in reached.items() if r[i] >= least]
        if not fit:
            best.append(None)
            continue
        top = max(fit, key=lambda f: Fraction(f[0], f[1]))
        tied = sorted((f for f in fit if f[0] * top[1] == top[0] * f[1]), key=lambda f: f[2])
        best.append(
            BestConverter(
                [f[2] for f in tied], metrics.percent(top[0], top[1]), [f[1] for f in tied]
            )
        )
    return best


def owners_report(
    ctx: Context,
    *,
    since: str | None = None,
    until: str | None = None,
    pipeline: str | None = None,
    owner: Owners = None,
    scope: DealScope | None = None,
    min_deals: int = BEST_MIN_DEALS,
) -> tuple[OwnersReport, Period]:
    """The metrics per owner (and currency), plus each owner's stage-to-stage
    conversion in one pipeline beside the team's: who is strong where; and
    for each stage its best converter among the owners shown, with at least
    `min_deals` deals that reached it."""
    if min_deals < 0:
        raise Invalid(f"--min-deals can't be negative ({min_deals})")
    with ctx.store.read():
        p = resolve_pipeline(ctx, pipeline)
        scope_pid = None if pipeline is None else p.id
        w, period = window(ctx, since, until, scope_pid, owner, scope)
        rows = []
        cycles = ReportStore(ctx.store.conn).cycle_days(w, by_owner=True)
        for c in ReportStore(ctx.store.conn).metric_counts(w, by_owner=True):
            name, _, c.currency = c.currency.rpartition(OWNER_CURRENCY)
            cycle = cycles.get(owner_key(name, c.currency))
            rows.append(OwnerRow(name, metrics_from_counts(c, cycle), c.won_value))
        stage_ids = [s.id for s in p.stages]
        # the team is everyone, also when --owner picks whose rows to show
        team, _ = window(ctx, since, until, p.id, None, scope)
        fw, _ = window(ctx, since, until, p.id, owner, scope)
        report = OwnersReport(
            p.name, rows, [s.name for s in p.stages], _conversions(_reached(ctx, team, stage_ids))
        )
        for name in ReportStore(ctx.store.conn).owners(fw):
            ow, _ = window(ctx, since, until, p.id, name, scope)
            report.reached[name] = _reached(ctx, ow, stage_ids)
            report.by_owner[name] = _conversions(report.reached[name])
        report.min_deals = min_deals
        report.best = best_converters(report.reached, len(stage_ids), min_deals)
    return report, period


@dataclass
class ForecastRow:
    # "2026-12", "2026-Q4"; "slipped": expected to close before today, still
    # open; None: no expected close date
    period: str | None
    currency: str
    deals: int
    value: int  # minor units
    weighted_value: float  # minor units


@dataclass
class Goal:
    amount: int  # minor units
    currency: str
    weighted_value: float
    gap: float
    win_rate: float | None
    pipeline_needed: float | None  # open value needed at the current win rate


def forecast_report(
    ctx: Context,
    *,
    by: str = "month",
    since: str | None = None,
    until: str | None = None,
    pipeline: str | None = None,
    owner: Owners = None,
    scope: DealScope | None = None,
    goal: str | None = None,
) -> tuple[list[ForecastRow], Goal | None]:
    """Open deals by expected close period, with value and weighted value;
    `--goal` shows the gap to a target and the pipeline needed to close it at
    the current win rate (all time)."""
    if by not in ("month", "quarter"):
        raise UsageError(f"--by must be month or quarter, not '{by}'")
    with ctx.store.read():
        pid = None if pipeline is None else resolve_pipeline(ctx, pipeline).id
        owners = owner_names(owner)
        check_filter(ctx, "owner", owners)
        scope = scope or DealScope()
        fields = field_filters(scope.fields)
        check_scope(ctx, scope.tags, fields)
        w = Window(pipeline_id=pid, owners=owners, tags=scope.tags, fields=fields)
        if since is not None:
            w.since = _day(ctx, since, "--since")
        if until is not None:
            w.until = _day(ctx, until, "--until")
        if w.since is not None and w.until is not None and w.since >= w.until:
            raise Invalid("--since must be before --until")
        today = ctx.now.date().isoformat()
        rows = [ForecastRow(*r) for r in ReportStore(ctx.store.conn).forecast_rows(w, by, today)]
        target = None
        if goal is not None:
            from funnelcli.money import parse_amount

            amount, currency = parse_amount(goal, ctx.config.currency)
            weighted = sum(r.weighted_value for r in rows if r.currency == currency)
            totals = [
                c
                for c in ReportStore(ctx.store.conn).metric_counts(
                    Window(pipeline_id=pid, owners=owners, tags=w.tags, fields=w.fields)
                )
                if c.currency == currency
            ]
            rate = metrics.win_rate(totals[0].won, totals[0].lost, None) if totals else None
            gap = max(amount - weighted, 0.0)
            needed = None if not rate else gap / (rate / 100.0)
            target = Goal(amount, currency, weighted, gap, rate, needed)
    return rows, target


def _day(ctx: Context, text: str, option: str) -> str:
    """A bound of the forecast's [since, until) on expected close dates, read
    looking ahead (`--until fri` is the next Friday); a period (`next
    quarter`, `2026-12`) is its start for `--since`, its end for `--until`."""
    from datetime import datetime

    from funnelcli.dates import parse_span

    if option == "--until" and (span := parse_span(text, ctx.now)) is not None:
        return span[1].isoformat()
    when = parse_date(ctx, text, option)
    return (when.date() if isinstance(when, datetime) else when).isoformat()
