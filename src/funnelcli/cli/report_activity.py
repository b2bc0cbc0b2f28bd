"""`funnel report activity`: touches by kind, forward moves, wins and won
value per period (and per seller): a team's daily and weekly control."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from funnelcli.cli.options import FieldFilter, Format, OwnerFilter, PipelineOpt, TagFilter
from funnelcli.cli.report_figures import _major, _show
from funnelcli.cli.reports import Since, Until, _period
from funnelcli.cli.state import state
from funnelcli.render.output import Column, Output

if TYPE_CHECKING:
    from funnelcli.services.activity import Activity, ActivityRow

KIND_COLUMNS = 4  # at most this many kinds get a column of their own in the table


def activity_cmd(
    ctx: typer.Context,
    per: Annotated[
        str,
        typer.Option(
            "--per",
            help="day, week (Monday to Sunday) or month. Default window: the last 7 days, "
            "4 weeks or 3 months, the current one included.",
            metavar="day|week|month",
        ),
    ] = "week",
    by: Annotated[
        str | None,
        typer.Option("--by", help="owner: a row per seller and period.", metavar="owner"),
    ] = None,
    pipeline: PipelineOpt = None,
    owner: OwnerFilter = None,
    tag: TagFilter = None,
    field: FieldFilter = None,
    since: Since = None,
    until: Until = None,
    fmt: Format = "table",
) -> None:
    """Touches by kind, forward moves, wins and won value per period.

    Calls, emails, meetings and every other kind logged (notes are not
    touches), moves to a later stage, deals won and their value, per day,
    week or month, every period listed (a quiet one as zeros). --by owner:
    per seller (the deal's owner). CSV: one column per kind (`touches.call`)
    and per currency (`won_value.USD`).

    Example: funnel report activity --by owner --per week --since 8w
    """
    from funnelcli.services.activity import activity_report
    from funnelcli.services.report_scope import DealScope

    out = Output(fmt)
    report = activity_report(
        state(ctx).context(write=False),
        per=per,
        by=by,
        since=since,
        until=until,
        pipeline=pipeline,
        owner=owner,
        scope=DealScope.of(tag, field),
    )
    currencies = report.currencies

    def record(row: ActivityRow) -> dict[str, Any]:
        values = {cur: _major(row.won_value.get(cur, 0), cur) for cur in currencies}
        single = len(currencies) == 1
        rec: dict[str, Any] = {"period": row.label, **_period(row.period)}
        if by is not None:
            rec["owner"] = row.owner
        rec |= {
            "touches": sum(row.touches.values()),
            "touches_by_kind": {kind: row.touches.get(kind, 0) for kind in report.kinds},
            "forward_moves": row.forward_moves,
            "won": row.won,
            "won_value": values[currencies[0]] if single else None,
            "currency": currencies[0] if single else None,
            "won_value_by_currency": values,
        }
        return rec

    if out.fmt == "csv":
        out.emit_list(report.rows, lambda row: _flat(record(row)), [])
        return
    out.emit_list(report.rows, record, _columns(report, by is not None, currencies))


def _flat(rec: dict[str, Any]) -> dict[str, Any]:
    """A record as a CSV row: a column per kind and per currency."""
    flat = {k: v for k, v in rec.items() if not isinstance(v, dict)}
    flat |= {f"touches.{k}": v for k, v in rec["touches_by_kind"].items()}
    flat |= {f"won_value.{k}": v for k, v in rec["won_value_by_currency"].items()}
    return flat


def _columns(report: Activity, by_owner: bool, currencies: list[str]) -> list[Column[ActivityRow]]:
    def kind_column(kind: str, rank: int) -> Column[ActivityRow]:
        # narrow: the least logged kinds leave first (their touches stay in Touches)
        return Column(kind.capitalize(), lambda r: str(r.touches.get(kind, 0)), "right", drop=rank)

    def won_value(row: ActivityRow) -> str:
        return ", ".join(
            _show(_major(row.won_value.get(cur, 0), cur), "money", cur) for cur in currencies
        )

    columns: list[Column[ActivityRow]] = [Column("Period", lambda r: r.label, style="bold")]
    if by_owner:
        columns.append(Column("Owner", lambda r: r.owner or "", "left", "magenta", cut=True))
    shown = report.kinds[:KIND_COLUMNS]
    columns += [
        Column("Touches", lambda r: str(sum(r.touches.values())), "right", "cyan"),
        *(kind_column(kind, len(shown) - n) for n, kind in enumerate(shown)),
        Column("Forward", lambda r: str(r.forward_moves), "right", drop=len(shown) + 1),
        Column("Won", lambda r: str(r.won), "right", "green"),
        Column("Won value", won_value, "right"),
    ]
    return columns
