"""`funnel pipeline …` and `funnel stage …`."""

from typing import Annotated, Any

import typer

from funnelcli.cli.group import FunnelCommand
from funnelcli.cli.options import Format, PipelineOpt
from funnelcli.cli.state import state
from funnelcli.details import PipelineSummary
from funnelcli.errors import UsageError
from funnelcli.models import Stage
from funnelcli.render.output import Column, Output, single_output
from funnelcli.render.records import pipeline_record, stage_record
from funnelcli.render.text import safe
from funnelcli.render.views import PIPELINE_COLUMNS, STAGE_OWNER_COLUMN
from funnelcli.services import Context, resolve_pipeline
from funnelcli.services import pipelines as svc
from funnelcli.templates import TEMPLATES

pipeline_app = typer.Typer(
    help="Pipelines: list them, create one from stages or a template.", no_args_is_help=True
)
stage_app = typer.Typer(
    help="Stages of a pipeline: add, rename, move, remove, set.", no_args_is_help=True
)

After = Annotated[str | None, typer.Option("--after", help="Place after this stage.")]
Before = Annotated[str | None, typer.Option("--before", help="Place before this stage.")]
Position = Annotated[int | None, typer.Option("--position", help="Place at N (1 = first).")]
Prob = Annotated[int | None, typer.Option("--probability", help="Win probability, 0-100.")]
Rot = Annotated[int | None, typer.Option("--rot-days", help="Days idle before a deal is stale.")]
Cadence = Annotated[int | None, typer.Option("--cadence", help="Days between follow-ups.")]
StageOwner = Annotated[
    str | None,
    typer.Option("--owner", help='Hand deals entering the stage to NAME ("" for nobody).'),
]
NoOwner = Annotated[
    bool, typer.Option("--no-owner", help="The stage has no owner: deals keep theirs.")
]
StageArg = Annotated[
    str, typer.Argument(help="Stage name (a unique prefix will do).", metavar="STAGE")
]


def _summary(c: Context, pipeline_id: int) -> PipelineSummary:
    """A pipeline as `pipeline list` shows it: default flag and open counts included."""
    return next(s for s in svc.list_pipelines(c) if s.pipeline.id == pipeline_id)


def _rows(summaries: list[PipelineSummary]) -> list[tuple[PipelineSummary, Stage]]:
    return [(s, stage) for s in summaries for stage in s.pipeline.stages]


def _columns(rows: list[tuple[PipelineSummary, Stage]]) -> list[Column[Any]]:
    """The stage table's columns: Owner too when a stage listed has one."""
    if any(stage.owner for _, stage in rows):
        return [*PIPELINE_COLUMNS, STAGE_OWNER_COLUMN]
    return list(PIPELINE_COLUMNS)


@pipeline_app.command("list", cls=FunnelCommand)
def list_pipelines(ctx: typer.Context, fmt: Format = "table") -> None:
    """List pipelines with their stages, settings and open deals (* = default).

    Example: funnel pipeline list --format json
    """
    out = Output(fmt)
    summaries = svc.list_pipelines(state(ctx).context(write=False))
    if out.fmt == "table":
        rows = _rows(summaries)
        out.emit_list(rows, lambda r: {}, _columns(rows))
    else:
        out.emit_list(summaries, pipeline_record, [])


@pipeline_app.command("create", cls=FunnelCommand)
def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Name of the new pipeline.", metavar="NAME")],
    stages: Annotated[
        str | None, typer.Option("--stages", help='Stages in order: "A,B,C".')
    ] = None,
    template: Annotated[
        str | None,
        typer.Option("--template", help=f"Start from a template: {', '.join(TEMPLATES)}."),
    ] = None,
    owners: Annotated[
        list[str] | None,
        typer.Option(
            "--owner",
            help="STAGE=NAME: deals entering STAGE are handed to NAME (repeatable).",
            metavar="STAGE=NAME",
        ),
    ] = None,
    fmt: Format = "table",
) -> None:
    """Create a pipeline from a list of stages or a template.

    Examples: funnel pipeline create renewals --stages "contacted,quote,signed"
              funnel pipeline create customers --template lifecycle
              funnel pipeline create team --template default --owner demo=bob
    """
    out = single_output(fmt)
    c = state(ctx).context(write=True)
    p = svc.create_pipeline(c, name, stages, template, owners or [])
    if out.fmt == "table":
        out.message(safe(f"created pipeline {p.name}: {', '.join(s.name for s in p.stages)}"))
    else:
        out.emit_object(lambda: pipeline_record(_summary(c, p.id)), list)


@pipeline_app.command("templates", cls=FunnelCommand)
def templates(fmt: Format = "table") -> None:
    """List the pipeline templates.

    Example: funnel pipeline templates
    """
    out = Output(fmt)
    items = list(TEMPLATES.items())
    out.emit_list(
        items,
        lambda t: {"template": t[0], "description": t[1][0], "stages": [s[0] for s in t[1][1]]},
        [
            Column("Template", lambda t: t[0], style="bold"),
            Column("About", lambda t: t[1][0], cut=True, drop=1),
            Column("Stages", lambda t: ", ".join(s[0] for s in t[1][1]), cut=True),
        ],
    )


def _stage_out(fmt: str, stage: Stage, verb: str) -> None:
    out = Output(fmt)
    if out.fmt == "table":
        out.message(safe(f"{verb} stage {stage.name}"))
    else:
        out.emit_object(lambda: stage_record(stage), list)


@stage_app.command("list", cls=FunnelCommand)
def stage_list(ctx: typer.Context, pipeline: PipelineOpt = None, fmt: Format = "table") -> None:
    """List the stages of one pipeline.

    Example: funnel stage list --pipeline sales
    """
    out = Output(fmt)
    c = state(ctx).context(write=False)
    summaries = svc.list_pipelines(c)
    with c.reading():
        wanted = resolve_pipeline(c, pipeline).id
    chosen = [s for s in summaries if s.pipeline.id == wanted]
    if out.fmt == "table":
        rows = _rows(chosen)
        out.emit_list(rows, lambda r: {}, _columns(rows))
    else:
        out.emit_list(
            _rows(chosen), lambda r: stage_record(r[1], r[0].open_deals.get(r[1].id, 0)), []
        )


@stage_app.command("add", cls=FunnelCommand)
def stage_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="New stage name.", metavar="NAME")],
    pipeline: PipelineOpt = None,
    after: After = None,
    before: Before = None,
    position: Position = None,
    probability: Prob = None,
    rot_days: Rot = None,
    cadence: Cadence = None,
    fmt: Format = "table",
) -> None:
    """Add a stage (at the end unless --after, --before or --position).

    Example: funnel stage add trial --after demo --probability 55
    """
    single_output(fmt)
    stage = svc.add_stage(
        state(ctx).context(write=True),
        name,
        pipeline,
        after=after,
        before=before,
        position=position,
        probability=probability,
        rot_days=rot_days,
        cadence=cadence,
    )
    _stage_out(fmt, stage, "added")


@stage_app.command("rename", cls=FunnelCommand)
def stage_rename(
    ctx: typer.Context,
    stage: StageArg,
    new: Annotated[str, typer.Argument(help="New name.", metavar="NEW")],
    pipeline: PipelineOpt = None,
    fmt: Format = "table",
) -> None:
    """Rename a stage; its history keeps pointing at it.

    Example: funnel stage rename demo presentation
    """
    single_output(fmt)
    renamed = svc.rename_stage(state(ctx).context(write=True), stage, new, pipeline)
    _stage_out(fmt, renamed, "renamed to")


@stage_app.command("move", cls=FunnelCommand)
def stage_move(
    ctx: typer.Context,
    stage: StageArg,
    pipeline: PipelineOpt = None,
    after: After = None,
    before: Before = None,
    position: Position = None,
    fmt: Format = "table",
) -> None:
    """Move a stage to another place in the pipeline's order.

    Example: funnel stage move proposal --after negotiation
    """
    single_output(fmt)
    c = state(ctx).context(write=True)
    p = svc.move_stage(
        c,
        stage,
        pipeline,
        after=after,
        before=before,
        position=position,
    )
    out = Output(fmt)
    if out.fmt == "table":
        out.message(safe(f"{p.name}: {' → '.join(s.name for s in p.stages)}"))
    else:
        out.emit_object(lambda: pipeline_record(_summary(c, p.id)), list)


@stage_app.command("remove", cls=FunnelCommand)
def stage_remove(
    ctx: typer.Context, stage: StageArg, pipeline: PipelineOpt = None, fmt: Format = "table"
) -> None:
    """Remove a stage that holds no deals (its past history is kept).

    Example: funnel stage remove qualified
    """
    single_output(fmt)
    removed = svc.remove_stage(state(ctx).context(write=True), stage, pipeline)
    _stage_out(fmt, removed, "removed")


@stage_app.command("set", cls=FunnelCommand)
def stage_set(
    ctx: typer.Context,
    stage: StageArg,
    pipeline: PipelineOpt = None,
    probability: Prob = None,
    rot_days: Rot = None,
    cadence: Cadence = None,
    owner: StageOwner = None,
    no_owner: NoOwner = False,
    fmt: Format = "table",
) -> None:
    """Set a stage's win probability, rot limit, follow-up cadence or owner.

    A deal that enters a stage with an owner (moved, added, reopened) is handed
    to them: it becomes theirs and shows in their `funnel inbox`. Deals already
    in the stage keep their owner.

    Examples: funnel stage set demo --probability 60 --rot-days 10 --cadence 4
              funnel stage set proposal --owner bob
    """
    single_output(fmt)
    if no_owner and owner is not None:
        raise UsageError("give --owner NAME or --no-owner, not both")
    changed = svc.set_stage(
        state(ctx).context(write=True),
        stage,
        pipeline,
        probability=probability,
        rot_days=rot_days,
        cadence=cadence,
        owner="" if no_owner else owner,
    )
    _stage_out(fmt, changed, "set")
