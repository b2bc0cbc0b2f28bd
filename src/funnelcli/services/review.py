"""`funnel report review`: the weekly review's figures, gathered from the
reports' own use-cases (report metrics, funnel, metrics --per, owners, lost,
forecast) in one read, so each number is the one that report gives for the
same options. No figure is computed here; the one thing added is the list
of the slipped deals report forecast counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from funnelcli.errors import Invalid
from funnelcli.services import Context, Owners, owner_names, resolve_pipeline
from funnelcli.services.report_scope import DealScope
from funnelcli.services.reports import Funnel, Metrics, Period, funnel_report, metrics_report
from funnelcli.services.team import ForecastRow, OwnersReport
from funnelcli.store.review import SlippedDeal

if TYPE_CHECKING:
    from funnelcli.services.lost import LostGroup
    from funnelcli.services.trends import TrendPoint

REVIEW_PERS = ("week", "month")
SLIPPED_LISTED = 50  # the slipped deals named on the page; the count is all of them


@dataclass
class Review:
    pipeline: str  # the funnel's and the stage matrix's pipeline
    all_pipelines: bool  # no --pipeline: metrics, trends, lost, forecast are all of them
    pipelines: int  # how many the database has
    owners: tuple[str, ...]
    scope: DealScope
    period: Period
    now: datetime
    per: str
    metrics: list[Metrics]
    funnel: Funnel
    trend: list[TrendPoint]  # report metrics --per
    team: OwnersReport
    lost: list[LostGroup]  # report lost --by reason
    forecast: list[ForecastRow]
    slipped: list[SlippedDeal]  # the first SLIPPED_LISTED, longest slipped first


def review_report(
    ctx: Context,
    *,
    since: str | None = None,
    until: str | None = None,
    pipeline: str | None = None,
    owner: Owners = None,
    scope: DealScope | None = None,
    per: str = "week",
) -> Review:
    """Every section of the review, each from its report's use-case with the
    same options, in one read transaction (one snapshot of the database)."""
    from funnelcli.services.lost import lost_report
    from funnelcli.services.reports import window
    from funnelcli.services.team import forecast_report, owners_report
    from funnelcli.services.trends import metrics_series
    from funnelcli.store.review import slipped_deals

    if per not in REVIEW_PERS:
        raise Invalid(f"--per must be week or month, not '{per}'")
    scope = scope or DealScope()
    with ctx.store.read():
        metrics, period = metrics_report(
            ctx, since=since, until=until, pipeline=pipeline, owner=owner, scope=scope
        )
        funnel, _ = funnel_report(
            ctx, since=since, until=until, pipeline=pipeline, owner=owner, scope=scope
        )
        trend, _ = metrics_series(
            ctx, per=per, since=since, until=until, pipeline=pipeline, owner=owner, scope=scope
        )
        team, _ = owners_report(
            ctx, since=since, until=until, pipeline=pipeline, owner=owner, scope=scope
        )
        lost, _ = lost_report(
            ctx, by="reason", since=since, until=until, pipeline=pipeline, owner=owner, scope=scope
        )
        forecast, _ = forecast_report(ctx, pipeline=pipeline, owner=owner, scope=scope)
        pid = None if pipeline is None else resolve_pipeline(ctx, pipeline).id
        w, _ = window(ctx, None, None, pid, owner, scope)
        today = ctx.now.date().isoformat()
        slipped = slipped_deals(ctx.store.conn, w, today, SLIPPED_LISTED)
        pipelines = len(ctx.store.pipelines.all())
    return Review(
        pipeline=funnel.pipeline,
        all_pipelines=pipeline is None,
        pipelines=pipelines,
        owners=owner_names(owner),
        scope=scope,
        period=period,
        now=ctx.now,
        per=per,
        metrics=metrics,
        funnel=funnel,
        trend=list(trend),
        team=team,
        lost=list(lost),
        forecast=forecast,
        slipped=slipped,
    )
