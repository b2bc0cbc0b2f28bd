"""`funnel report metrics` and `funnel report funnel`: the numbers, as PRODUCT.md defines them."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer

from funnelcli.cli.options import FieldFilter, Format, OwnerFilter, PipelineOpt, TagFilter
from funnelcli.cli.report_figures import (
    FUNNEL_FIGURES,
    METRIC_FIGURES,
    _changes,
    _major,
    _r,
    _show,
    _signed,
    funnel_table,
)
from funnelcli.cli.report_groups import Asked, By
from funnelcli.cli.report_trends import CompareYear, Per, compared_period, metrics_trend
from funnelcli.cli.state import state
from funnelcli.errors import UsageError
from funnelcli.render.output import Column, Output
from funnelcli.services import reports as svc
from funnelcli.services.report_scope import DealScope

if TYPE_CHECKING:
    from funnelcli.services import Context
    from funnelcli.services.explain import Explanation

Since = Annotated[
    str | None, typer.Option("--since", help="Period start: 2026-10-01, 30d (30 days ago), -1m.")
]
Compare = Annotated[
    str | None,
    typer.Option(
        "--compare",
        help="previous: the same figures for the period of equal length before --since, "
        "with the change; last-year: for the same period a year before.",
        metavar="previous|last-year",
    ),
]
Explain = Annotated[
    bool,
    typer.Option(
        "--explain",
        help="Show each figure's formula, the window, and the deals "
        "it counted (their ids in JSON).",
    ),
]
Until = Annotated[
    str | None,
    typer.Option("--until", help="Period end, exclusive (eom, last month: through their end)."),
]


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
        "won_value": _major(m.won_value, cur),
        "lost_value": _major(m.lost_value, cur),
        "win_rate": m.win_rate,
        "conversion_rate": m.conversion_rate,
        "avg_deal_size": _major(m.avg_deal_size, cur),
        "sales_cycle_days": _r(m.sales_cycle_days),
        "sales_velocity": _major(m.sales_velocity, cur),
        "sales_cycle_median_days": _r(m.sales_cycle_median_days),
        "avg_touches_per_won_deal": _r(m.avg_touches_per_won_deal),
        "currency": cur,
        **_period(period),
    }


Row = tuple[str, str, str]  # a metrics row: (label, key, kind)
METRIC_LABELS: list[Row] = [  # the metrics table's rows
    ("open deals", "open_deals", ""),
    ("open value", "open_value", "money"),
    ("weighted value", "weighted_value", "money"),
    ("won", "won", ""),
    ("lost", "lost", ""),
    ("won value", "won_value", "money"),
    ("lost value", "lost_value", "money"),
    ("win rate", "win_rate", "%"),
    ("conversion rate", "conversion_rate", "%"),
    ("avg deal size", "avg_deal_size", "money"),
    ("sales cycle", "sales_cycle_days", "days"),
    ("sales cycle median", "sales_cycle_median_days", "days"),
    ("sales velocity", "sales_velocity", "money/day"),
    ("touches per win", "avg_touches_per_won_deal", ""),
]


def metrics_cmd(
    ctx: typer.Context,
    by: By = None,
    pipeline: PipelineOpt = None,
    owner: OwnerFilter = None,
    tag: TagFilter = None,
    field: FieldFilter = None,
    since: Since = None,
    until: Until = None,
    compare: CompareYear = None,
    explain: Explain = False,
    per: Per = None,
    fmt: Format = "table",
) -> None:
    """Headline figures: value, win rate, deal size, cycle, velocity.

    Open deals and value, weighted value, won, lost, won and lost value, win
    rate, conversion, average deal size, sales cycle and velocity (one set
    per currency).

    With --compare previous, each figure also for the period of equal length
    just before, and the change (open deals and values are today's in both).
    CSV and JSONL: one row per currency. --compare last-year: the same
    window a year before. --per week|month|quarter: a time series, each
    period's figures, drawn as a table and sparklines; JSON, CSV and JSONL:
    one record per period (and currency). --per with --by: a series per group.

    Example: funnel report metrics --since 30d --compare previous

    Example: funnel report metrics --per month --compare last-year
    """
    out = Output(fmt)
    _check_compare(compare, "previous", "last-year")
    c = state(ctx).context(write=False)
    scope = DealScope.of(tag, field)
    asked = Asked(since, until, pipeline, owner, scope)
    if _grouped_or_series(out, c, by, per, asked, compare, explain):
        return
    results, period = svc.metrics_report(
        c, since=since, until=until, pipeline=pipeline, owner=owner, scope=scope
    )
    records = [metrics_record(m, period) for m in results]
    if compare:
        before = compared_period(c, compare, since, until)
        prev, _ = svc.metrics_report(
            c,
            since=before.since,
            until=before.until,
            pipeline=pipeline,
            owner=owner,
            scope=scope,
        )
        by_currency = {m.currency: metrics_record(m, before) for m in prev}
        for rec in records:
            old = by_currency.get(rec["currency"])
            rec["previous"] = old
            rec["change"] = _changes(rec, old, METRIC_FIGURES, rec["currency"])
    if explain:
        from funnelcli.services.explain import explain_metrics

        for rec in records:
            rec["explain"] = _explained(
                explain_metrics(
                    c,
                    rec["currency"],
                    since=since,
                    until=until,
                    pipeline=pipeline,
                    owner=owner,
                    scope=scope,
                )
            )
    if out.fmt == "json":
        # an array always, one record per currency, whatever their number
        out.emit_object(lambda: records, list)  # type: ignore[arg-type,return-value]
        return
    if out.fmt in ("csv", "jsonl"):  # a row per currency, the JSON's records
        out.emit_list(records, lambda rec: rec, [])
        return
    if out.tty and out.fmt == "table" and len(records) > 1:
        # At a terminal several currencies are stacked, one block each, not widened.
        for n, rec in enumerate(records):
            if n:
                out.lines([[]])
            out.emit_list(METRIC_LABELS, lambda r: {}, _metric_columns([rec], bool(compare)))
    else:
        out.emit_list(METRIC_LABELS, lambda r: {}, _metric_columns(records, bool(compare)))
    if explain:
        _explain_lines(out, records[0], [(rec["currency"], rec["explain"]) for rec in records])


def _grouped_or_series(
    out: Output,
    c: "Context",
    by: str | None,
    per: str | None,
    asked: Asked,
    compare: str | None,
    explain: bool,
) -> bool:
    """report metrics --by or --per, written by their modules: True if asked."""
    if per is not None:
        metrics_trend(
            c, out, metrics_record, per=per, by=by, asked=asked, compare=compare, explain=explain
        )
        return True
    if by is not None:
        from funnelcli.cli.report_groups import metrics_by

        metrics_by(out, c, by, asked, compare, explain)
        return True
    return False


def _metric_columns(records: list[dict[str, Any]], compare: bool) -> "list[Column[Row]]":
    """The metrics table: a label, and per currency its figures (with the
    period before and the change). Narrow: "before" leaves first."""
    columns: list[Column[Row]] = [
        Column("Metric", lambda r: r[0], style="bold", cut=True, least=16)
    ]
    for rec in records:
        columns.append(
            Column(rec["currency"], _cell(rec, lambda rec, key: rec[key]), "right", "green")
        )
        if compare:
            before = _cell(rec, lambda rec, key: (rec["previous"] or {}).get(key))
            columns.append(Column("before", before, "right", drop=1))
            columns.append(Column("change", _change_cell(rec), "right", "yellow"))
    return columns


def _explained(items: list["Explanation"]) -> dict[str, Any]:
    return {
        e.figure: {"formula": e.formula, "deals": len(e.deal_ids), "deal_ids": e.deal_ids}
        for e in items
    }


def _explain_lines(out: Output, record: dict[str, Any], groups: list[tuple[str, Any]]) -> None:
    since, until = record.get("since") or "the beginning", record.get("until") or "now"
    lines = [[], [(f"How these were counted (window: [{since}, {until}))", "bold")]]
    for name, figures in groups:
        lines.append([(name, "magenta")])
        for figure, e in figures.items():
            lines.append(
                [
                    (f"  {figure}: ", "bold"),
                    (e["formula"], ""),
                    (f" — {e['deals']} deal{'' if e['deals'] == 1 else 's'}", "dim"),
                ]
            )
    out.lines(lines)


def _check_compare(compare: str | None, *allowed: str) -> None:
    if compare is not None and compare not in (allowed or ("previous",)):
        takes = " or ".join(f"'{a}'" for a in allowed or ("previous",))
        raise UsageError(f"--compare takes {takes}, not '{compare}'")


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


def funnel_cmd(
    ctx: typer.Context,
    by: By = None,
    pipeline: PipelineOpt = None,
    owner: OwnerFilter = None,
    tag: TagFilter = None,
    field: FieldFilter = None,
    since: Since = None,
    until: Until = None,
    compare: Compare = None,
    explain: Explain = False,
    fmt: Format = "table",
) -> None:
    """Per stage: deals reached, conversion, drop-off, days in stage.

    Each stage's open deals, how many reached it, the conversion to the next
    stage, the drop-off and the days in stage, drawn as a funnel.

    Deals created in the period make up the funnel; days in stage count the
    stays that ended in the period. --compare previous adds the period of
    equal length before --since, and the change per stage; --compare
    last-year the same period a year before. CSV and JSONL: one row per
    stage (won and lost are in the table and the JSON).

    Example: funnel report funnel --since 90d --owner anna --compare previous

    Example: funnel report funnel --since 2026-Q4 --compare last-year
    """
    out = Output(fmt)
    _check_compare(compare, "previous", "last-year")
    c = state(ctx).context(write=False)
    scope = DealScope.of(tag, field)
    if by is not None:
        from funnelcli.cli.report_groups import Asked, funnel_by

        funnel_by(out, c, by, Asked(since, until, pipeline, owner, scope), compare, explain)
        return
    funnel, period = svc.funnel_report(
        c, since=since, until=until, pipeline=pipeline, owner=owner, scope=scope
    )
    record = funnel_record(funnel, period)
    if compare:
        before = compared_period(c, compare, since, until)
        prev_funnel, _ = svc.funnel_report(
            c,
            since=before.since,
            until=before.until,
            pipeline=pipeline,
            owner=owner,
            scope=scope,
        )
        prev = funnel_record(prev_funnel, before)
        record["previous"] = prev
        for now_stage, old_stage in zip(record["stages"], prev["stages"], strict=True):
            now_stage["change"] = _changes(now_stage, old_stage, FUNNEL_FIGURES)
    if explain:
        from funnelcli.services.explain import explain_funnel

        per_stage = explain_funnel(
            c,
            since=since,
            until=until,
            pipeline=pipeline,
            owner=owner,
            scope=scope,
        )
        for stage_record, (_, items) in zip(record["stages"], per_stage, strict=True):
            stage_record["explain"] = _explained(items)
    if out.fmt == "json":
        out.emit_object(lambda: record, list)
        return
    if out.fmt in ("csv", "jsonl"):  # a row per stage, with the pipeline and window

        def row(s: dict[str, Any]) -> dict[str, Any]:
            return {"pipeline": record["pipeline"], **s, **_period_of(record)}

        out.emit_list(record["stages"], row, [])
        return
    funnel_table(out, record, bool(compare), BEFORE.get(compare or ""))
    if explain:
        _explain_lines(out, record, [(s["stage"], s["explain"]) for s in record["stages"]])


BEFORE = {"previous": "before", "last-year": "last year"}  # the compared column's heading


def _period_of(record: dict[str, Any]) -> dict[str, Any]:
    return {"since": record["since"], "until": record["until"]}


def _cell(rec: dict[str, Any], value: Callable[[dict[str, Any], str], Any]) -> Callable[[Row], str]:
    """A currency's column of the metrics table: the figure `value` picks."""
    return lambda r: _show(value(rec, r[1]), r[2], rec["currency"])


def _change_cell(rec: dict[str, Any]) -> Callable[[Row], str]:
    return lambda r: _signed(rec["change"][r[1]], r[2], rec["currency"])
