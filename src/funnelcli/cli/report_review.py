"""`funnel report review`: the weekly review as one self-contained HTML page
(or Markdown), every figure the one its report's JSON gives for the same
options. Its services and renderers are imported by this command only."""

from __future__ import annotations

import sys
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from funnelcli.cli.options import FieldFilter, OwnerFilter, PipelineOpt, TagFilter
from funnelcli.cli.reports import Since, Until
from funnelcli.cli.state import state
from funnelcli.errors import StorageError, UsageError

if TYPE_CHECKING:
    from funnelcli.services.review import Review

FORMATS = ("html", "markdown")


def review_cmd(
    ctx: typer.Context,
    pipeline: PipelineOpt = None,
    owner: OwnerFilter = None,
    tag: TagFilter = None,
    field: FieldFilter = None,
    since: Since = None,
    until: Until = None,
    per: Annotated[
        str, typer.Option("--per", help="The trends' periods: week or month.", metavar="week|month")
    ] = "week",
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help="html or markdown (default: markdown for an --output ending .md, else html).",
            metavar="FORMAT",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write to FILE (else stdout; HTML never to a terminal).",
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """The weekly review: one page to look at, with every report in it.

    The headline metrics, the funnel drawn, trends per week or month, the
    per-seller table, the stage × owner conversion matrix, lost reasons, the
    forecast and the slipped deals (open, past their expected close). Each
    figure is the one `report metrics`, `funnel`, `metrics --per`, `owners`,
    `lost` and `forecast` give for the same options.

    HTML: a self-contained page (no scripts, nothing fetched; charts are
    inline SVG), written to --output, or to stdout when it is not a
    terminal. Markdown: the same sections as tables, for a chat or a wiki.

    Example: funnel report review --since 7d --output review.html

    Example: funnel report review --since 30d --per week --format markdown
    """
    from funnelcli.services.report_scope import DealScope
    from funnelcli.services.review import review_report

    fmt = _format(fmt, output)
    if output is None and fmt == "html" and _terminal():
        raise UsageError(
            "report review writes an HTML page: give --output FILE (or redirect stdout)"
        )
    review = review_report(
        state(ctx).context(write=False),
        since=since,
        until=until,
        pipeline=pipeline,
        owner=owner,
        scope=DealScope.of(tag, field),
        per=per,
    )
    text = _render(fmt, page(review))
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    _write(output, text)
    state(ctx).done.append(f"the review was written to {output}")
    from funnelcli.render.output import Output
    from funnelcli.render.text import safe

    Output("table").message(safe(f"wrote the review to {output}"))


def _format(fmt: str | None, output: Path | None) -> str:
    if fmt is None:
        suffix = output.suffix.lower() if output else ""
        return "markdown" if suffix in (".md", ".markdown") else "html"
    if fmt not in FORMATS:
        raise UsageError(f"--format must be html or markdown, not '{fmt}'")
    return fmt


def _terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def _render(fmt: str, figures: dict[str, Any]) -> str:
    if fmt == "markdown":
        from funnelcli.render.review_md import review_markdown

        return review_markdown(figures)
    from funnelcli.render.review_html import review_html

    return review_html(figures)


def _write(output: Path, text: str) -> None:
    """As `export --output` writes: a private temporary beside the file (never
    through a planted symlink), renamed into place when complete; a pipe or
    a device written directly."""
    from funnelcli.render.export import finish_output, open_output

    target, tmp = open_output(output)
    try:
        target.write(text)
        finish_output(target, tmp, output)
        tmp = None  # renamed: the name is no longer ours
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise StorageError(f"can't write {output}: {exc.strerror or exc}") from None
    finally:
        if not target.closed:
            with suppress(OSError):
                target.close()
        if tmp is not None:
            with suppress(OSError):
                tmp.unlink()


def page(r: Review) -> dict[str, Any]:
    """The review's figures as the reports' JSON writes them (money in major
    units, the same rounding): the page shows these, nothing else."""
    from funnelcli.cli.report_figures import _major, _r
    from funnelcli.cli.reports import _period, funnel_record, metrics_record

    period = _period(r.period)
    owners = [
        {
            "owner": row.owner,
            "open_deals": row.metrics.open_deals,
            "won": row.metrics.won,
            "lost": row.metrics.lost,
            "win_rate": row.metrics.win_rate,
            "won_value": _major(row.won_value, row.metrics.currency),
            "avg_deal_size": _major(row.metrics.avg_deal_size, row.metrics.currency),
            "sales_cycle_days": _r(row.metrics.sales_cycle_days),
            "currency": row.metrics.currency,
        }
        for row in r.team.rows
    ]
    lost = [
        {
            "group": g.name,
            "lost": g.lost,
            "share": g.share,
            "lost_value_by_currency": {
                cur: _major(v, cur) for cur, v in sorted(g.value_by_currency.items())
            },
            "lost_in": dict(sorted(g.stages.items(), key=lambda kv: (-kv[1], kv[0]))),
        }
        for g in r.lost
    ]
    forecast = [
        {
            "period": f.period,
            "deals": f.deals,
            "value": _major(f.value, f.currency),
            "weighted_value": _major(f.weighted_value, f.currency),
            "currency": f.currency,
        }
        for f in r.forecast
    ]
    slipped = [
        {
            "id": d.id,
            "title": d.title,
            "org": d.org,
            "owner": d.owner,
            "stage": d.stage,
            "value": None if d.value is None else _major(d.value, d.currency),
            "currency": d.currency,
            "expected_close": d.expected_close,
            "days_late": (r.now.date() - _date(d.expected_close)).days,
        }
        for d in r.slipped
    ]
    return {
        "pipeline": r.pipeline,
        "all_pipelines": r.all_pipelines and r.pipelines > 1,
        "owners_asked": list(r.owners),
        "tags": list(r.scope.tags),
        "fields": list(r.scope.fields),
        **period,
        "as_of": r.now.isoformat(" ", "minutes"),
        "per": r.per,
        "metrics": [metrics_record(m, r.period) for m in r.metrics],
        "funnel": funnel_record(r.funnel, r.period),
        "trend": [
            {"period": p.label, **metrics_record(m, p.period), "new_deals": p.new_deals[m.currency]}
            for p in r.trend
            for m in p.metrics
        ],
        "owners": owners,
        "matrix": {
            "stages": r.team.stages,
            "team": r.team.team,
            "by_owner": r.team.by_owner,
            "best": [None if b is None else b.owners for b in r.team.best],
            "min_deals": r.team.min_deals,
        },
        "lost": lost,
        "forecast": forecast,
        "slipped": {
            "count": sum(f.deals for f in r.forecast if f.period == "slipped"),
            "deals": slipped,
        },
    }


def _date(text: str) -> Any:
    from datetime import date

    return date.fromisoformat(text[:10])
