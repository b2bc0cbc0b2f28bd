"""`funnel report …`: the funnel and the numbers, as PRODUCT.md defines them."""

from typing import Annotated, Any

import typer

from funnelcli.cli.options import Format, OwnerFilter, PipelineOpt
from funnelcli.cli.state import state
from funnelcli.errors import UsageError
from funnelcli.render.output import Column, Output, single_output
from funnelcli.services import reports as svc

report_app = typer.Typer(
    help="Reports: the funnel and the numbers behind it.", no_args_is_help=True
)

Since = Annotated[
    str | None, typer.Option("--since", help="Period start: 2026-10-01, 30d (30 days ago), -1m.")
]
Compare = Annotated[
    str | None,
    typer.Option(
        "--compare",
        help="previous: the same figures for the period of equal "
        "length before --since, with the change.",
        metavar="previous",
    ),
]
Until = Annotated[str | None, typer.Option("--until", help="Period end (exclusive).")]


def _major(minor: float | None, currency: str) -> float | None:
    if minor is None:
        return None
    from funnelcli.money import minor_exponent

    digits = minor_exponent(currency)  # 0 for JPY, 3 for KWD
    major = round(minor / 10**digits, digits)
    return int(major) if major == int(major) else major


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _period(period: svc.Period) -> dict[str, Any]:
    from funnelcli.dates import to_iso

    return {
        "since": None if period.since is None else to_iso(period.since),
        "until": None if period.until is None else to_iso(period.until),
    }


def metrics_record(m: svc.Metrics, period: svc.Period) -> dict[str, Any]:
    cur = m.currency
    return {
        "open_deals": m.open_deals,
        "open_value": _major(m.open_value, cur),
        "weighted_value": _major(m.weighted_value, cur),
        "won": m.won,
        "lost": m.lost,
        "win_rate": m.win_rate,
        "conversion_rate": m.conversion_rate,
        "avg_deal_size": _major(m.avg_deal_size, cur),
        "sales_cycle_days": _r(m.sales_cycle_days),
        "sales_velocity": _major(m.sales_velocity, cur),
        "currency": cur,
        **_period(period),
    }


@report_app.command("metrics")
def metrics_cmd(
    ctx: typer.Context,
    pipeline: PipelineOpt = None,
    owner: OwnerFilter = None,
    since: Since = None,
    until: Until = None,
    compare: Compare = None,
    fmt: Format = "table",
) -> None:
    """Open deals and value, weighted value, won, lost, win rate, conversion,
    average deal size, sales cycle and velocity (one set per currency).

    With --compare previous, each figure also for the period of equal length
    just before, and the change (open deals and values are today's in both).

    Example: funnel report metrics --since 30d --compare previous
    """
    out = single_output(fmt)
    _check_compare(compare)
    c = state(ctx).context(write=False)
    results, period = svc.metrics_report(
        c, since=since, until=until, pipeline=pipeline, owner=owner
    )
    records = [metrics_record(m, period) for m in results]
    if compare:
        before = svc.previous_period(c, since, until)
        prev, _ = svc.metrics_report(
            c, since=before.since, until=before.until, pipeline=pipeline, owner=owner
        )
        by_currency = {m.currency: metrics_record(m, before) for m in prev}
        for rec in records:
            old = by_currency.get(rec["currency"])
            rec["previous"] = old
            rec["change"] = _changes(rec, old)
    if out.fmt == "json":
        out.emit_object(lambda: records[0] if len(records) == 1 else records, list)  # type: ignore[arg-type,return-value]
        return
    labels = [
        ("open deals", "open_deals", ""),
        ("open value", "open_value", "money"),
        ("weighted value", "weighted_value", "money"),
        ("won", "won", ""),
        ("lost", "lost", ""),
        ("win rate", "win_rate", "%"),
        ("conversion rate", "conversion_rate", "%"),
        ("avg deal size", "avg_deal_size", "money"),
        ("sales cycle", "sales_cycle_days", "days"),
        ("sales velocity", "sales_velocity", "money/day"),
    ]
    columns: list[Column[tuple[str, str, str]]] = [Column("Metric", lambda r: r[0], style="bold")]
    for rec in records:
        cur = rec["currency"]
        columns.append(
            Column(
                cur, lambda r, rec=rec: _show(rec[r[1]], r[2], rec["currency"]), "right", "green"
            )
        )
        if compare:
            columns.append(
                Column(
                    "before",
                    lambda r, rec=rec: _show(
                        (rec["previous"] or {}).get(r[1]), r[2], rec["currency"]
                    ),
                    "right",
                )
            )
            columns.append(
                Column(
                    "change",
                    lambda r, rec=rec: _signed(rec["change"].get(r[1]), r[2]),
                    "right",
                    "yellow",
                )
            )
    out.emit_list(labels, lambda r: {}, columns)


def _check_compare(compare: str | None) -> None:
    if compare is not None and compare != "previous":
        raise UsageError(f"--compare takes 'previous', not '{compare}'")


def _changes(now: dict[str, Any], before: dict[str, Any] | None) -> dict[str, Any]:
    """now − before for every number both have (None where either is missing)."""
    if before is None:
        return {}
    out: dict[str, Any] = {}
    for key, value in now.items():
        old = before.get(key)
        if _is_number(value) or _is_number(old):
            out[key] = round(value - old, 2) if _is_number(value) and _is_number(old) else None
    return out


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _signed(value: Any, unit: str) -> str:
    if value is None:
        return ""
    text = f"{value:+.1f}" if isinstance(value, float) else f"{value:+d}"
    return text + (" pts" if unit == "%" else "")


def _show(value: Any, unit: str, currency: str) -> str:
    if value is None:
        return "–"
    if unit == "%":
        return f"{value:.1f}%"
    if unit == "days":
        return f"{value:.1f} days"
    if unit.startswith("money"):
        from funnelcli.money import minor_exponent

        suffix = "/day" if unit == "money/day" else ""
        return f"{value:,.{minor_exponent(currency)}f} {currency}{suffix}"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def funnel_record(f: svc.Funnel, period: svc.Period) -> dict[str, Any]:
    stages = []
    for row in f.stages:
        currencies = sorted(row.open_value)
        single = currencies[0] if len(currencies) == 1 else None
        stages.append(
            {
                "stage": row.stage,
                "open_count": row.open_count,
                "open_value": 0
                if not currencies
                else (_major(row.open_value[single], single) if single else None),
                "open_value_by_currency": {c: _major(v, c) for c, v in row.open_value.items()},
                "reached": row.reached,
                "conversion_to_next": row.conversion_to_next,
                "dropped": row.dropped,
                "avg_days_in_stage": _r(row.avg_days_in_stage),
                "median_days_in_stage": _r(row.median_days_in_stage),
            }
        )
    return {
        "pipeline": f.pipeline,
        "stages": stages,
        "won": f.won,
        "lost": f.lost,
        **_period(period),
    }


@report_app.command("funnel")
def funnel_cmd(
    ctx: typer.Context,
    pipeline: PipelineOpt = None,
    owner: OwnerFilter = None,
    since: Since = None,
    until: Until = None,
    compare: Compare = None,
    fmt: Format = "table",
) -> None:
    """Per stage: open deals, how many reached it, conversion to the next stage,
    drop-off, and days in stage, drawn as a funnel.

    Deals created in the period make up the funnel; days in stage count the
    stays that ended in the period. --compare previous adds the period of
    equal length before --since, and the change per stage.

    Example: funnel report funnel --since 90d --owner anna --compare previous
    """
    out = single_output(fmt)
    _check_compare(compare)
    c = state(ctx).context(write=False)
    funnel, period = svc.funnel_report(c, since=since, until=until, pipeline=pipeline, owner=owner)
    record = funnel_record(funnel, period)
    if compare:
        before = svc.previous_period(c, since, until)
        prev_funnel, _ = svc.funnel_report(
            c, since=before.since, until=before.until, pipeline=pipeline, owner=owner
        )
        prev = funnel_record(prev_funnel, before)
        record["previous"] = prev
        for now_stage, old_stage in zip(record["stages"], prev["stages"], strict=True):
            now_stage["change"] = _changes(now_stage, old_stage)
    if out.fmt == "json":
        out.emit_object(lambda: record, list)
        return
    top = max([s["reached"] for s in record["stages"]] + [1])
    bar = "█" if out.tty else "#"

    def draw(s: dict[str, Any]) -> str:
        return bar * max(round(24 * s["reached"] / top), 1 if s["reached"] else 0)

    columns: list[Column[dict[str, Any]]] = [
        Column("Stage", lambda s: s["stage"], style="magenta"),
        Column("Reached", lambda s: str(s["reached"]), "right"),
        Column("", draw, style="cyan"),
        Column("→ next", lambda s: _show(s["conversion_to_next"], "%", ""), "right"),
        *(
            [
                Column("before", lambda s: _show(_prev_conv(record, s), "%", ""), "right"),
                Column(
                    "change",
                    lambda s: _signed(s["change"].get("conversion_to_next"), "%"),
                    "right",
                    "yellow",
                ),
            ]
            if compare
            else []
        ),
        Column("Dropped", lambda s: str(s["dropped"]), "right", "red"),
        Column("Open", lambda s: str(s["open_count"]), "right"),
        Column("Avg days", lambda s: _show(s["avg_days_in_stage"], "", ""), "right"),
        Column("Median", lambda s: _show(s["median_days_in_stage"], "", ""), "right"),
    ]
    out.emit_list(record["stages"], lambda s: s, columns)
    out.lines([[(f"won {record['won']}, lost {record['lost']}", "bold")]])


def _prev_conv(record: dict[str, Any], stage: dict[str, Any]) -> Any:
    for old in record["previous"]["stages"]:
        if old["stage"] == stage["stage"]:
            return old["conversion_to_next"]
    return None


def _diff(owner_pct: float | None, team_pct: float | None) -> str:
    if owner_pct is None:
        return "–"
    if team_pct is None:
        return f"{owner_pct:.0f}%"
    return f"{owner_pct:.0f}% ({owner_pct - team_pct:+.0f})"


@report_app.command("owners")
def owners_cmd(
    ctx: typer.Context,
    pipeline: PipelineOpt = None,
    owner: OwnerFilter = None,
    since: Since = None,
    until: Until = None,
    fmt: Format = "table",
) -> None:
    """Per owner: open deals, won, lost, win rate, won value, deal size, cycle;
    then each owner's stage-to-stage conversion beside the team's (who is
    strong at which stage).

    Example: funnel report owners --since 90d
    """
    from funnelcli.services.team import owners_report

    out = Output(fmt)
    report, period = owners_report(
        state(ctx).context(write=False),
        since=since,
        until=until,
        pipeline=pipeline,
        owner=owner,
    )

    def record(row: Any) -> dict[str, Any]:
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
            **_period(period),
        }

    columns: list[Column[Any]] = [
        Column("Owner", lambda r: r.owner, style="bold"),
        Column("Open", lambda r: str(r.metrics.open_deals), "right"),
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
        ),
        Column("Cycle", lambda r: _show(r.metrics.sales_cycle_days, "days", ""), "right"),
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
            Column(
                name,
                lambda i, v=values, team=name == "team": (
                    _diff(v[i], None) if team else _diff(v[i], report.team[i])
                ),
                "right",
            )
        )
    out.emit_list(list(range(len(report.stages))), lambda i: {}, matrix)


@report_app.command("forecast")
def forecast_cmd(
    ctx: typer.Context,
    by: Annotated[str, typer.Option("--by", help="month or quarter.")] = "month",
    goal: Annotated[
        str | None,
        typer.Option("--goal", help="Target amount: shows the gap and the pipeline needed."),
    ] = None,
    pipeline: PipelineOpt = None,
    owner: OwnerFilter = None,
    since: Annotated[str | None, typer.Option("--since", help="Expected close from.")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Expected close before.")] = None,
    fmt: Format = "table",
) -> None:
    """Open deals by expected close month or quarter: count, value, weighted
    value (value × the stage's probability). Deals with no expected close date
    are counted apart (period null).

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
        goal=goal,
    )

    def record(r: Any) -> dict[str, Any]:
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
    goal_record = {
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
