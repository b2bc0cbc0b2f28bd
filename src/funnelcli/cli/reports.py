"""`funnel report …`: the funnel and the numbers, as PRODUCT.md defines them."""

from typing import Annotated, Any

import typer

from funnelcli.cli.options import Format, OwnerFilter, PipelineOpt
from funnelcli.cli.state import state
from funnelcli.render.output import Column, single_output
from funnelcli.services import reports as svc

report_app = typer.Typer(
    help="Reports: the funnel and the numbers behind it.", no_args_is_help=True
)

Since = Annotated[
    str | None, typer.Option("--since", help="Period start: 2026-10-01, 30d (30 days ago), -1m.")
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
    fmt: Format = "table",
) -> None:
    """Open deals and value, weighted value, won, lost, win rate, conversion,
    average deal size, sales cycle and velocity (one set per currency).

    Example: funnel report metrics --since 30d
    """
    out = single_output(fmt)
    results, period = svc.metrics_report(
        state(ctx).context(write=False),
        since=since,
        until=until,
        pipeline=pipeline,
        owner=owner,
    )
    records = [metrics_record(m, period) for m in results]
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
        columns.append(
            Column(
                rec["currency"],
                lambda r, rec=rec: _show(rec[r[1]], r[2], rec["currency"]),
                "right",
                "green",
            )
        )
    out.emit_list(labels, lambda r: {}, columns)


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
    fmt: Format = "table",
) -> None:
    """Per stage: open deals, how many reached it, conversion to the next stage,
    drop-off, and days in stage, drawn as a funnel.

    Deals created in the period make up the funnel; days in stage count the
    stays that ended in the period.

    Example: funnel report funnel --since 90d --owner anna
    """
    out = single_output(fmt)
    funnel, period = svc.funnel_report(
        state(ctx).context(write=False),
        since=since,
        until=until,
        pipeline=pipeline,
        owner=owner,
    )
    record = funnel_record(funnel, period)
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
        Column("Dropped", lambda s: str(s["dropped"]), "right", "red"),
        Column("Open", lambda s: str(s["open_count"]), "right"),
        Column("Avg days", lambda s: _show(s["avg_days_in_stage"], "", ""), "right"),
        Column("Median", lambda s: _show(s["median_days_in_stage"], "", ""), "right"),
    ]
    out.emit_list(record["stages"], lambda s: s, columns)
    out.lines([[(f"won {record['won']}, lost {record['lost']}", "bold")]])
