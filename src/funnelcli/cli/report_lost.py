"""`funnel report lost`: where and why deals are lost."""

from typing import TYPE_CHECKING, Annotated, Any

import typer

from funnelcli.cli.options import FieldFilter, Format, OwnerFilter, PipelineOpt, TagFilter
from funnelcli.cli.report_figures import _major, _show
from funnelcli.cli.reports import Since, Until, _period
from funnelcli.cli.state import state
from funnelcli.render.output import Column, Output
from funnelcli.services.report_scope import DealScope

if TYPE_CHECKING:
    from funnelcli.services.lost import LostGroup


def _value(group: "LostGroup") -> str:
    """The lost value, one amount per currency."""
    if not group.value_by_currency:
        return "–"
    return ", ".join(
        _show(_major(v, cur), "money", cur) for cur, v in sorted(group.value_by_currency.items())
    )


def _stages(group: "LostGroup") -> str:
    """The stages its deals were lost in, most first: `demo 3, qualified 1`."""
    ranked = sorted(group.stages.items(), key=lambda kv: (-kv[1], kv[0]))
    return ", ".join(f"{name} {count}" for name, count in ranked) or "–"


def lost_cmd(
    ctx: typer.Context,
    by: Annotated[
        str, typer.Option("--by", help="reason, stage (the stage lost in) or owner.")
    ] = "reason",
    pipeline: PipelineOpt = None,
    owner: OwnerFilter = None,
    tag: TagFilter = None,
    field: FieldFilter = None,
    since: Since = None,
    until: Until = None,
    fmt: Format = "table",
) -> None:
    """Deals lost in the period by reason, stage or owner, with their value.

    Per group: deals lost, their share of all deals lost, the value lost (per
    currency) and the stages they were lost in. `--by stage` lists every
    stage of one pipeline in order (the default one unless --pipeline).

    Example: funnel report lost --by stage --since 90d
    """
    from funnelcli.services.lost import lost_report

    out = Output(fmt)
    groups, period = lost_report(
        state(ctx).context(write=False),
        by=by,
        since=since,
        until=until,
        pipeline=pipeline,
        owner=owner,
        scope=DealScope.of(tag, field),
    )

    def record(g: "LostGroup") -> dict[str, Any]:
        values = {cur: _major(v, cur) for cur, v in sorted(g.value_by_currency.items())}
        single = next(iter(values.items())) if len(values) == 1 else (None, None)
        return {
            "by": by,
            "group": g.name,
            "lost": g.lost,
            "share": g.share,
            "lost_value": single[1],
            "currency": single[0],
            "lost_value_by_currency": values,
            "lost_in": dict(sorted(g.stages.items(), key=lambda kv: (-kv[1], kv[0]))),
            **_period(period),
        }

    none = "(no reason)" if by == "reason" else "(nobody)"
    columns: list[Column[Any]] = [
        Column(
            by.capitalize(),
            lambda g: none if g.name is None else g.name,
            style="bold",
            cut=True,
            least=8,
        ),
        Column("Lost", lambda g: str(g.lost), "right", "red"),
        Column("Share", lambda g: _show(g.share, "%", ""), "right"),
        Column("Lost value", _value, "right"),
    ]
    if by != "stage":
        columns.append(Column("Lost in", _stages, cut=True, least=8, drop=1))
    out.emit_list(groups, record, columns)
