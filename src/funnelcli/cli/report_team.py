"""`funnel report owners`, `forecast` and `calibration`: across people and
time, and how far the forecast's probabilities can be trusted."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer

from funnelcli.cli.options import FieldFilter, Format, OwnerFilter, PipelineOpt, TagFilter
from funnelcli.cli.report_figures import _major, _r, _show
from funnelcli.cli.reports import Since, Until, _period
from funnelcli.cli.state import state
from funnelcli.render.output import Column, Output, single_output
from funnelcli.services.report_scope import DealScope

if TYPE_CHECKING:
    from funnelcli.services.calibration import CalibrationRow
    from funnelcli.services.team import ForecastRow, OwnerRow, OwnersReport


def _diff(owner_pct: float | None, team_pct: float | None) -> str:
    if owner_pct is None:
        return "–"
    if team_pct is None:
        return f"{owner_pct:.0f}%"
    return f"{owner_pct:.0f}% ({owner_pct - team_pct:+.0f})"


def owners_cmd(
    ctx: typer.Context,
    pipeline: PipelineOpt = None,
    owner: OwnerFilter = None,
    tag: TagFilter = None,
    field: FieldFilter = None,
    since: Since = None,
    until: Until = None,
    min_deals: Annotated[
        int,
        typer.Option(
            "--min-deals",
            help="A stage's best converter needs at least this many deals that reached it.",
        ),
    ] = 10,
    fmt: Format = "table",
) -> None:
    """Per owner: open, won, lost, win rate, won value, deal size, cycle.

    Open deals, won, lost, win rate, won value, deal size and cycle per owner;
    then each owner's stage-to-stage conversion beside the team's (who is
    strong at which stage), and each stage's best converter: the owner with
    the highest conversion to the next stage among the owners with at least
    as many deals that reached it as --min-deals asks.

    Example: funnel report owners --since 90d --min-deals 20
    """
    from funnelcli.services.team import owners_report

    out = Output(fmt)
    report, period = owners_report(
        state(ctx).context(write=False),
        since=since,
        until=until,
        pipeline=pipeline,
        owner=owner,
        scope=DealScope.of(tag, field),
        min_deals=min_deals,
    )
    best = {
        stage: None
        if b is None
        else {"owners": b.owners, "conversion": b.conversion, "reached": b.reached}
        for stage, b in zip(report.stages, report.best, strict=True)
    }

    def record(row: "OwnerRow") -> dict[str, Any]:
        m = row.metrics
        return {
            "owner": row.owner,
            "open_deals": m.open_deals,
            "won": m.won,
            "lost": m.lost,
            "win_rate": m.win_rate,
            "won_value": _major(row.won_value, m.currency),
            "avg_deal_size": _major(m.avg_deal_size, m.currency),
            "sales_cycle_days": _r(m.sales_cycle_days),
            "currency": m.currency,
            "conversion_to_next": dict(
                zip(report.stages, report.by_owner.get(row.owner, []), strict=False)
            ),
            "team_conversion_to_next": dict(zip(report.stages, report.team, strict=True)),
            "best_converter": best,
            "best_converter_min_deals": report.min_deals,
            **_period(period),
        }

    # Narrow: Cycle leaves first, then Avg deal, Open.
    columns: list[Column[Any]] = [
        Column("Owner", lambda r: r.owner, style="bold", cut=True, least=8),
        Column("Open", lambda r: str(r.metrics.open_deals), "right", drop=3),
        Column("Won", lambda r: str(r.metrics.won), "right", "green"),
        Column("Lost", lambda r: str(r.metrics.lost), "right", "red"),
        Column("Win rate", lambda r: _show(r.metrics.win_rate, "%", ""), "right"),
        Column(
            "Won value",
            lambda r: _show(_major(r.won_value, r.metrics.currency), "money", r.metrics.currency),
            "right",
        ),
        Column(
            "Avg deal",
            lambda r: _show(
                _major(r.metrics.avg_deal_size, r.metrics.currency), "money", r.metrics.currency
            ),
            "right",
            drop=2,
        ),
        Column("Cycle", lambda r: _show(r.metrics.sales_cycle_days, "days", ""), "right", drop=1),
    ]
    out.emit_list(report.rows, record, columns)
    if out.fmt != "table" or not report.by_owner:
        return
    out.lines(
        [
            [],
            [
                (
                    f"Conversion to the next stage, {report.pipeline} "
                    "(owner, and points above or below the team)",
                    "bold",
                )
            ],
        ]
    )
    names = ["team", *report.by_owner]
    matrix: list[Column[int]] = [Column("Stage", lambda i: report.stages[i], style="magenta")]
    for name in names:
        values = report.team if name == "team" else report.by_owner[name]
        matrix.append(
            Column(name, _matrix_cell(values, None if name == "team" else report.team), "right")
        )
    out.emit_list(list(range(len(report.stages))), lambda i: {}, matrix)
    _best_table(out, report)


def _best_table(out: Output, report: "OwnersReport") -> None:
    """Each stage's best converter, the threshold stated."""
    out.lines(
        [
            [],
            [
                (
                    f"Best converter at each stage (at least {report.min_deals} deals "
                    "reached it: --min-deals)",
                    "bold",
                )
            ],
        ]
    )
    rows = list(zip(report.stages, report.best, strict=True))
    out.emit_list(
        rows,
        lambda r: {},
        [
            Column("Stage", lambda r: r[0], style="magenta"),
            Column("Best", lambda r: "–" if r[1] is None else ", ".join(r[1].owners), cut=True),
            Column(
                "Conversion", lambda r: "" if r[1] is None else f"{r[1].conversion:.0f}%", "right"
            ),
            Column(
                "Deals",
                lambda r: "too few" if r[1] is None else ", ".join(map(str, r[1].reached)),
                "right",
            ),
        ],
    )


def forecast_cmd(
    ctx: typer.Context,
    by: Annotated[str, typer.Option("--by", help="month or quarter.")] = "month",
    goal: Annotated[
        str | None,
        typer.Option("--goal", help="Target amount: shows the gap and the pipeline needed."),
    ] = None,
    pipeline: PipelineOpt = None,
    owner: OwnerFilter = None,
    tag: TagFilter = None,
    field: FieldFilter = None,
    since: Annotated[str | None, typer.Option("--since", help="Expected close from.")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Expected close before.")] = None,
    fmt: Format = "table",
) -> None:
    """Open deals by expected close month or quarter, with their value.

    Per period: count, value and weighted value (value × the stage's
    probability). Open deals whose expected close date has passed are
    counted apart (period slipped), as are deals with none (period null).

    Example: funnel report forecast --by quarter --goal 50000
    """
    from funnelcli.services.team import forecast_report

    out = Output(fmt) if goal is None else single_output(fmt)
    rows, target = forecast_report(
        state(ctx).context(write=False),
        by=by,
        since=since,
        until=until,
        pipeline=pipeline,
        owner=owner,
        scope=DealScope.of(tag, field),
        goal=goal,
    )

    def record(r: "ForecastRow") -> dict[str, Any]:
        return {
            "period": r.period,
            "deals": r.deals,
            "value": _major(r.value, r.currency),
            "weighted_value": _major(r.weighted_value, r.currency),
            "currency": r.currency,
        }

    columns: list[Column[Any]] = [
        Column("Period", lambda r: r.period or "no date", style="bold"),
        Column("Deals", lambda r: str(r.deals), "right"),
        Column("Value", lambda r: _show(_major(r.value, r.currency), "money", r.currency), "right"),
        Column(
            "Weighted",
            lambda r: _show(_major(r.weighted_value, r.currency), "money", r.currency),
            "right",
            "green",
        ),
    ]
    if target is None:
        out.emit_list(rows, record, columns)
        return
    cur = target.currency
    goal_record: dict[str, Any] = {
        "periods": [record(r) for r in rows],
        "goal": _major(target.amount, cur),
        "weighted_value": _major(target.weighted_value, cur),
        "gap": _major(target.gap, cur),
        "win_rate": target.win_rate if target.win_rate is None else round(target.win_rate, 2),
        "pipeline_needed": _major(target.pipeline_needed, cur),
        "currency": cur,
    }
    if out.fmt == "json":
        out.emit_object(lambda: goal_record, list)
        return
    out.emit_list(rows, record, columns)
    lines = [
        f"goal {_show(goal_record['goal'], 'money', cur)}; weighted pipeline "
        f"{_show(goal_record['weighted_value'], 'money', cur)}; gap "
        f"{_show(goal_record['gap'], 'money', cur)}",
        f"at the current win rate ({_show(goal_record['win_rate'], '%', cur)}) that needs "
        f"{_show(goal_record['pipeline_needed'], 'money', cur)} more in open deals",
    ]
    out.lines([[(line, "bold")] for line in lines])


def calibration_cmd(
    ctx: typer.Context,
    pipeline: PipelineOpt = None,
    owner: OwnerFilter = None,
    tag: TagFilter = None,
    field: FieldFilter = None,
    since: Since = None,
    until: Until = None,
    fmt: Format = "table",
) -> None:
    """Per stage: its probability against the share won of deals that got there.

    Of the deals closed in the period whose furthest stage was the stage or a
    later one, the share won, beside the probability the stage is configured
    with (which weights the forecast), the gap in points, and the counts
    behind it: a small count says little.

    Example: funnel report calibration --since 365d
    """
    from funnelcli.services.calibration import calibration_report

    out = Output(fmt)
    name, rows, period = calibration_report(
        state(ctx).context(write=False),
        since=since,
        until=until,
        pipeline=pipeline,
        owner=owner,
        scope=DealScope.of(tag, field),
    )

    def record(r: "CalibrationRow") -> dict[str, Any]:
        return {
            "pipeline": name,
            "stage": r.stage,
            "probability": r.probability,
            "observed_win_rate": r.observed,
            "gap": r.gap,
            "won": r.won,
            "lost": r.lost,
            "closed": r.closed,
            **_period(period),
        }

    columns: list[Column[Any]] = [
        Column("Stage", lambda r: r.stage, style="magenta", cut=True, least=8),
        Column("Probability", lambda r: f"{r.probability}%", "right"),
        Column("Won there", lambda r: _show(r.observed, "%", ""), "right", "bold"),
        Column("Gap", lambda r: "–" if r.gap is None else f"{r.gap:+.1f}", "right"),
        Column("Won", lambda r: str(r.won), "right", "green"),
        Column("Lost", lambda r: str(r.lost), "right", "red"),
    ]
    out.emit_list(rows, record, columns)


def _matrix_cell(
    values: list[float | None], team: list[float | None] | None
) -> Callable[[int], str]:
    """An owner's column of the stage matrix: its figure, and against the team's."""
    return lambda i: _diff(values[i], None if team is None else team[i])
