"""`--by` on `funnel report metrics` and `funnel report funnel`: the same
records, one per group (and currency), each with `by` and `group` first; at
a terminal one block per group under its name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import typer

from funnelcli.cli.report_figures import FUNNEL_FIGURES, METRIC_FIGURES, _changes, funnel_table
from funnelcli.errors import UsageError
from funnelcli.render.output import Output
from funnelcli.services.report_scope import DealScope

if TYPE_CHECKING:
    from funnelcli.services import Context
    from funnelcli.services.report_groups import Group

By = Annotated[
    str | None,
    typer.Option(
        "--by",
        help="The same figures per owner, pipeline, source, tag, org, stage (the current "
        "one) or custom field (field:NAME): one block, or JSON object, per group.",
        metavar="KEY",
    ),
]

NONE = "(none)"  # the group of deals with no value for the key, in a table


@dataclass
class Asked:
    """What the command was asked besides --by: the window and the filters."""

    since: str | None
    until: str | None
    pipeline: str | None
    owner: list[str] | None
    scope: DealScope


def _head(group: Group) -> dict[str, Any]:
    return {"by": group.by, "group": group.name}


def _title(out: Output, n: int, group: Group) -> None:
    """A group's heading, a blank line before every one but the first."""
    name = NONE if group.name is None else group.name
    out.lines([*([[]] if n else []), [(f"{group.by}: ", "bold"), (name, "bold magenta")]])


def _check(explain: bool) -> None:
    if explain:
        raise UsageError(
            "--explain lists the deals of one report: narrow it with --owner, --tag or "
            "--field instead of --by"
        )


def metrics_by(
    out: Output, c: Context, by: str, asked: Asked, compare: str | None, explain: bool
) -> None:
    """report metrics --by: a record per group and currency."""
    from funnelcli.cli.reports import METRIC_LABELS, _metric_columns, metrics_record
    from funnelcli.services.report_groups import metrics_by as report

    _check(explain)
    groups, period = report(
        c,
        by,
        since=asked.since,
        until=asked.until,
        pipeline=asked.pipeline,
        owner=asked.owner,
        scope=asked.scope,
    )
    blocks = [
        (g, [{**_head(g), **metrics_record(m, period)} for m in figures]) for g, figures in groups
    ]
    if compare:
        from funnelcli.cli.report_trends import compared_period

        before = compared_period(c, compare, asked.since, asked.until)
        prev, _ = report(
            c,
            by,
            since=before.since,
            until=before.until,
            pipeline=asked.pipeline,
            owner=asked.owner,
            scope=asked.scope,
        )
        old = {
            (g.key, m.currency): metrics_record(m, before) for g, figures in prev for m in figures
        }
        for g, records in blocks:
            for rec in records:
                was = old.get((g.key, rec["currency"]))
                rec["previous"] = was
                rec["change"] = _changes(rec, was, METRIC_FIGURES, rec["currency"])
    records = [rec for _, recs in blocks for rec in recs]
    if out.fmt == "json":
        out.emit_object(lambda: records, list)  # type: ignore[arg-type,return-value]
        return
    if out.fmt in ("csv", "jsonl"):  # a row per group and currency
        out.emit_list(records, lambda rec: rec, [])
        return
    for n, (g, recs) in enumerate(blocks):
        _title(out, n, g)
        out.emit_list(METRIC_LABELS, lambda r: {}, _metric_columns(recs, bool(compare)))


def funnel_by(
    out: Output, c: Context, by: str, asked: Asked, compare: str | None, explain: bool
) -> None:
    """report funnel --by: a funnel record per group."""
    from funnelcli.cli.reports import BEFORE, _period_of, funnel_record
    from funnelcli.services.report_groups import empty_funnel, funnels_by

    _check(explain)
    groups, period = funnels_by(
        c,
        by,
        since=asked.since,
        until=asked.until,
        pipeline=asked.pipeline,
        owner=asked.owner,
        scope=asked.scope,
    )
    records = [{**_head(g), **funnel_record(f, period)} for g, f in groups]
    if compare:
        from funnelcli.cli.report_trends import compared_period

        before = compared_period(c, compare, asked.since, asked.until)
        prev, _ = funnels_by(
            c,
            by,
            since=before.since,
            until=before.until,
            pipeline=asked.pipeline,
            owner=asked.owner,
            scope=asked.scope,
        )
        old = {g.key: f for g, f in prev}
        for (g, f), rec in zip(groups, records, strict=True):
            was = funnel_record(old.get(g.key) or empty_funnel(f), before)
            rec["previous"] = was
            for now_stage, old_stage in zip(rec["stages"], was["stages"], strict=True):
                now_stage["change"] = _changes(now_stage, old_stage, FUNNEL_FIGURES)
    if out.fmt == "json":
        out.emit_object(lambda: records, list)  # type: ignore[arg-type,return-value]
        return
    if out.fmt in ("csv", "jsonl"):  # a row per group and stage

        def rows() -> Any:
            for rec in records:
                for stage in rec["stages"]:
                    yield {
                        "by": rec["by"],
                        "group": rec["group"],
                        "pipeline": rec["pipeline"],
                        **stage,
                        **_period_of(rec),
                    }

        out.emit_list(rows(), lambda row: row, [])
        return
    for n, ((g, _), rec) in enumerate(zip(groups, records, strict=True)):
        _title(out, n, g)
        funnel_table(out, rec, bool(compare), BEFORE.get(compare or ""))
