"""`funnel report metrics --per week|month|quarter`: the metrics as a time
series. JSON: the records `report metrics` writes, one per period (and
currency), each with its `period` and `new_deals`; CSV/JSONL one row per
period; at a terminal a table and a sparkline per figure."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer

from funnelcli.cli.report_figures import METRIC_FIGURES, _changes, _show, _signed
from funnelcli.errors import UsageError
from funnelcli.render.output import Column, Line, Output

if TYPE_CHECKING:
    from funnelcli.cli.report_groups import Asked
    from funnelcli.services import Context
    from funnelcli.services.reports import Metrics, Period
    from funnelcli.services.trends import TrendPoint

Per = Annotated[
    str | None,
    typer.Option(
        "--per",
        help="week, month or quarter: a time series, one set of figures per period "
        "(default window: the last 13 weeks, 12 months or 8 quarters).",
        metavar="week|month|quarter",
    ),
]
CompareYear = Annotated[
    str | None,
    typer.Option(
        "--compare",
        help="previous: the same figures for the period of equal length before --since, "
        "with the change; last-year: for the same period a year before (with --per: "
        "each period's).",
        metavar="previous|last-year",
    ),
]
SERIES_FIGURES = {**METRIC_FIGURES, "new_deals": ""}
BLOCKS = "▁▂▃▄▅▆▇█"
BAR = "█"


def sparkline(values: list[float | None]) -> str:
    """One block character per value, scaled from 0 to the largest; `·` where
    a period has no figure (a win rate with nothing closed)."""
    top = max((v for v in values if v is not None), default=0) or 1
    return "".join("·" if v is None else BLOCKS[max(0, min(7, round(v / top * 7)))] for v in values)


def compared_period(c: Context, compare: str, since: str | None, until: str | None) -> Period:
    """The period --compare sets beside [since, until) in a plain report metrics."""
    from funnelcli.services.reports import previous_period

    if compare == "last-year":
        from funnelcli.services.trends import last_year_period

        return last_year_period(c, since, until)
    return previous_period(c, since, until)


def metrics_trend(
    c: Context,
    out: Output,
    metrics_record: Callable[[Metrics, Period], dict[str, Any]],
    *,
    per: str,
    by: str | None,
    asked: Asked,
    compare: str | None,
    explain: bool,
) -> None:
    """report metrics --per [--by]: fetch the series (one per group) and write it."""
    from funnelcli.services.trends import metrics_series_by

    if compare == "previous":
        raise UsageError(
            "--compare previous with --per: the series already shows each period after the "
            "one before; --compare last-year pairs each with the same period a year before"
        )
    if explain:
        raise UsageError("--explain with --per: explain one period (--since/--until)")
    found = metrics_series_by(
        c,
        by,
        per=per,
        since=asked.since,
        until=asked.until,
        pipeline=asked.pipeline,
        owner=asked.owner,
        scope=asked.scope,
        last_year=compare == "last-year",
    )

    def records(points: list[TrendPoint]) -> list[dict[str, Any]]:
        return [
            {"period": p.label, **metrics_record(m, p.period), "new_deals": p.new_deals[m.currency]}
            for p in points
            for m in p.metrics
        ]

    blocks = []
    for group, points, twins in found:
        recs = records(points)
        if twins is not None:
            for rec, old in zip(recs, records(twins), strict=True):
                rec["previous"] = old
                rec["change"] = _changes(rec, old, SERIES_FIGURES, rec["currency"])
        blocks.append((group, recs))
    if by is None:
        _write(out, blocks[0][1], compare is not None)
        return
    if out.fmt == "json":  # an object per group, each with its periods
        grouped = [{"by": g.by, "group": g.name, "periods": recs} for g, recs in blocks if g]
        out.emit_object(lambda: grouped, list)  # type: ignore[arg-type,return-value]
        return
    if out.fmt in ("csv", "jsonl"):  # a row per group, period and currency
        rows = [{"by": g.by, "group": g.name, **rec} for g, recs in blocks if g for rec in recs]
        out.emit_list(rows, lambda rec: rec, [])
        return
    from funnelcli.cli.report_groups import _title

    for n, (g, recs) in enumerate(blocks):
        if g is not None:
            _title(out, n, g)
            _write(out, recs, compare is not None)


def _write(out: Output, recs: list[dict[str, Any]], compare: bool) -> None:
    """One series: its records (JSON, CSV, JSONL), or per currency a table and sparklines."""
    if out.fmt in ("json", "csv", "jsonl"):
        out.emit_list(recs, lambda rec: rec, [])
        return
    currencies = list(dict.fromkeys(rec["currency"] for rec in recs))
    for n, cur in enumerate(currencies):
        if n:
            out.lines([[]])
        _draw(out, [rec for rec in recs if rec["currency"] == cur], cur, compare)


def _draw(out: Output, recs: list[dict[str, Any]], cur: str, compare: bool) -> None:
    top = max([rec["won_value"] or 0 for rec in recs] + [0]) or 1

    def bar(rec: dict[str, Any]) -> str:
        value = rec["won_value"] or 0
        return BAR * max(round(10 * value / top), 1 if value else 0)

    columns: list[Column[dict[str, Any]]] = [
        Column("Period", lambda r: r["period"], style="bold"),
        Column("New", lambda r: str(r["new_deals"]), "right"),
        Column("Won", lambda r: str(r["won"]), "right", "green"),
        Column("Lost", lambda r: str(r["lost"]), "right", "red", drop=3),
        Column("Won value", lambda r: _show(r["won_value"], "money", cur), "right"),
        Column("", bar, style="cyan", drop=1),
        Column("Win rate", lambda r: _show(r["win_rate"], "%", cur), "right"),
        Column("Cycle", lambda r: _show(r["sales_cycle_days"], "days", cur), "right", drop=2),
    ]
    if compare:
        columns += [
            Column(
                "Last year",
                lambda r: _show(r["previous"]["won_value"], "money", cur),
                "right",
                drop=4,
            ),
            Column(
                "Change",
                lambda r: _signed(r["change"]["won_value"], "money", cur),
                "right",
                "yellow",
            ),
        ]
    out.emit_list(recs, lambda r: r, columns)
    out.lines(_sparklines(out, recs, cur))


def _sparklines(out: Output, recs: list[dict[str, Any]], cur: str) -> list[Line]:
    """A line per figure: its sparkline over the periods, oldest first, and
    its largest value. At a terminal too narrow for every period, the latest."""
    figures = [
        ("new deals", "new_deals", ""),
        ("won", "won", ""),
        ("won value", "won_value", "money"),
        ("win rate", "win_rate", "%"),
        ("cycle", "sales_cycle_days", "days"),
    ]
    room = max(out.width() - 40, 8) if out.tty else len(recs)
    shown = recs[-room:]
    lines: list[Line] = [[]]
    for label, key, unit in figures:
        values = [rec[key] for rec in shown]
        peak = max((v for v in values if v is not None), default=None)
        lines.append(
            [
                (f"{label:<10} ", "bold"),
                ("…" if len(shown) < len(recs) else "", "dim"),
                (sparkline(values), "cyan"),
                (f"  max {_show(peak, unit, cur)}", "dim"),
            ]
        )
    return lines
