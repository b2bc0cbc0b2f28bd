"""Pipeline and stage use-cases."""

from __future__ import annotations

from funnelcli.details import PipelineSummary
from funnelcli.errors import Conflict, Invalid, NotFound, UsageError
from funnelcli.models import Pipeline, Stage, stage_key
from funnelcli.services import OUTCOMES, Context, resolve_pipeline, resolve_stage
from funnelcli.templates import (
    CUSTOM_STAGE_CADENCE_DAYS,
    CUSTOM_STAGE_ROT_DAYS,
    TEMPLATES,
    custom_stages,
)


def _stage_name(name: str) -> str:
    name = name.strip()
    if not stage_key(name):  # "-" or "_" alone would be a stage no name can match
        raise Invalid("a stage needs a name")
    if stage_key(name) in OUTCOMES:
        raise Invalid(f"'{name}' is an outcome, not a stage: every pipeline has won and lost")
    if name.isdigit():
        raise Invalid(f"'{name}' can't be a stage name: numbers name deals")
    return name


def _unique(names: list[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if stage_key(name) in seen:
            raise Invalid(f"stage '{name}' is listed twice")
        seen.add(stage_key(name))


def _owners(pipeline: Pipeline, owners: list[str]) -> dict[int, str | None]:
    """`--owner STAGE=NAME` (repeatable) as stage id -> owner."""
    found: dict[int, str | None] = {}
    for given in owners:
        stage_name, eq, who = given.partition("=")
        if not eq or not stage_name.strip():
            raise UsageError(f"--owner {given}: give STAGE=NAME, e.g. --owner demo=bob")
        stage = resolve_stage(pipeline, stage_name.strip())
        if stage.id in found:
            raise Invalid(f"--owner: stage {stage.name} is given twice")
        found[stage.id] = stage_owner(who)
    return found


def create_pipeline(
    ctx: Context,
    name: str,
    stages: str | None,
    template: str | None,
    owners: list[str] | None = None,
) -> Pipeline:
    """A new pipeline from `stages` ("A,B,C") or a template, with the stage
    owners `owners` names (STAGE=NAME each)."""
    name = name.strip()
    if not name:
        raise Invalid("a pipeline needs a name")
    if (stages is None) == (template is None):
        raise UsageError('give either --stages "A,B,C" or --template NAME')
    if template is not None:
        if template not in TEMPLATES:
            raise Invalid(f"no template '{template}' (templates: {', '.join(TEMPLATES)})")
        specs = list(TEMPLATES[template][1])
    else:
        names = [_stage_name(n) for n in (stages or "").split(",")]
        _unique(names)
        specs = custom_stages(names)
    with ctx.store.write():
        if any(stage_key(p.name) == stage_key(name) for p in ctx.store.pipelines.all()):
            raise Conflict(f"pipeline '{name}' already exists")
        pipeline_id = ctx.store.pipelines.create(name, specs, ctx.now)
        made = ctx.store.pipelines.by_id(pipeline_id)
        if not owners:
            return made
        for stage_id, owner in _owners(made, owners).items():
            ctx.store.pipelines.set_stage_owner(stage_id, owner)
        return ctx.store.pipelines.by_id(pipeline_id)


def list_pipelines(ctx: Context) -> list[PipelineSummary]:
    with ctx.store.read():
        counts = ctx.store.pipelines.open_counts()
        try:  # the pipeline `add` would use, found the way `add` finds it
            default: int | None = resolve_pipeline(ctx, None).id
        except (NotFound, Invalid):
            default = None
        return [
            PipelineSummary(
                p,
                p.id == default,
                {s.id: counts.get(s.id, (0, 0))[0] for s in p.stages},
            )
            for p in ctx.store.pipelines.all()
        ]


def _place(
    stages: list[Stage],
    after: str | None,
    before: str | None,
    position: int | None,
    pipeline: Pipeline,
) -> int:
    """Index (0-based) in `stages` where a stage goes; default: the end."""
    given = [x is not None for x in (after, before, position)]
    if sum(given) > 1:
        raise Invalid("give only one of --after, --before, --position")
    if after is not None:
        return [s.id for s in stages].index(resolve_stage(pipeline, after).id) + 1
    if before is not None:
        return [s.id for s in stages].index(resolve_stage(pipeline, before).id)
    if position is not None:
        if not 1 <= position <= len(stages) + 1:
            raise Invalid(f"--position must be between 1 and {len(stages) + 1}")
        return position - 1
    return len(stages)


def add_stage(
    ctx: Context,
    name: str,
    pipeline: str | None,
    *,
    after: str | None = None,
    before: str | None = None,
    position: int | None = None,
    probability: int | None = None,
    rot_days: int | None = None,
    cadence: int | None = None,
) -> Stage:
    name = _stage_name(name)
    _check_settings(probability, rot_days, cadence)
    with ctx.store.write():
        p = resolve_pipeline(ctx, pipeline)
        if any(stage_key(s.name) == stage_key(name) for s in p.stages):
            raise Conflict(f"pipeline {p.name} already has a stage '{name}'")
        index = _place(p.stages, after, before, position, p)
        if probability is None:
            neighbours = [s.probability for s in p.stages[max(index - 1, 0) : index + 1]]
            probability = round(sum(neighbours) / len(neighbours)) if neighbours else 10
        spec = (
            name,
            probability,
            rot_days or CUSTOM_STAGE_ROT_DAYS,
            CUSTOM_STAGE_CADENCE_DAYS if cadence is None else cadence,
        )
        new_id = ctx.store.pipelines.insert_stage(p.id, spec, len(p.stages) + 1)
        order = [s.id for s in p.stages]
        order.insert(index, new_id)
        ctx.store.pipelines.set_stage_order(order)
        return next(s for s in ctx.store.pipelines.by_id(p.id).stages if s.id == new_id)


def rename_stage(ctx: Context, old: str, new: str, pipeline: str | None) -> Stage:
    new = _stage_name(new)
    with ctx.store.write():
        p = resolve_pipeline(ctx, pipeline)
        stage = resolve_stage(p, old)
        clash = [s for s in p.stages if stage_key(s.name) == stage_key(new) and s.id != stage.id]
        if clash:
            raise Conflict(f"pipeline {p.name} already has a stage '{clash[0].name}'")
        ctx.store.pipelines.rename_stage(stage.id, new)
        stage.name = new
        return stage


def move_stage(
    ctx: Context,
    name: str,
    pipeline: str | None,
    *,
    after: str | None = None,
    before: str | None = None,
    position: int | None = None,
) -> Pipeline:
    if after is None and before is None and position is None:
        raise Invalid("say where: --after STAGE, --before STAGE or --position N")
    with ctx.store.write():
        p = resolve_pipeline(ctx, pipeline)
        stage = resolve_stage(p, name)
        anchor = after if after is not None else before
        if anchor is not None and resolve_stage(p, anchor).id == stage.id:
            raise Invalid(f"can't place {stage.name} relative to itself")
        rest = [s for s in p.stages if s.id != stage.id]
        index = _place(rest, after, before, position, p)
        order = [s.id for s in rest]
        order.insert(index, stage.id)
        ctx.store.pipelines.set_stage_order(order)
        return ctx.store.pipelines.by_id(p.id)


def remove_stage(ctx: Context, name: str, pipeline: str | None) -> Stage:
    with ctx.store.write():
        p = resolve_pipeline(ctx, pipeline)
        stage = resolve_stage(p, name)
        held = ctx.store.pipelines.deals_in_stage(stage.id)
        if held:
            shown = ", ".join(f"#{i} ({status})" for i, status in held[:10])
            more = f" and {len(held) - 10} more" if len(held) > 10 else ""
            raise Conflict(
                f"stage {stage.name} holds {len(held)} deal(s): {shown}{more}; "
                "move them to another stage first"
            )
        if len(p.stages) == 1:
            raise Conflict(f"{stage.name} is the last stage of {p.name}")
        ctx.store.pipelines.remove_stage(stage.id, ctx.now)
        ctx.store.pipelines.set_stage_order([s.id for s in p.stages if s.id != stage.id])
        return stage


# Ten years: longer limits mean nothing for a sales stage, and huge ones overflow
# SQLite integers and date arithmetic.
MAX_DAYS = 3650


def _check_settings(probability: int | None, rot_days: int | None, cadence: int | None) -> None:
    if probability is not None and not 0 <= probability <= 100:
        raise Invalid(f"--probability must be between 0 and 100, not {probability}")
    if rot_days is not None and rot_days < 1:
        raise Invalid(f"--rot-days must be at least 1, not {rot_days}")
    if cadence is not None and cadence < 0:
        raise Invalid(f"--cadence can't be negative ({cadence})")
    for option, days in (("--rot-days", rot_days), ("--cadence", cadence)):
        if days is not None and days > MAX_DAYS:
            raise Invalid(f"{option} must be at most {MAX_DAYS} days, not {days}")


def stage_owner(owner: str) -> str | None:
    """An owner for a stage as typed: spaces around it dropped (as a deal's
    --owner, whose names it must match), "" for none."""
    return owner.strip(" \t") or None


def set_stage(
    ctx: Context,
    name: str,
    pipeline: str | None,
    *,
    probability: int | None = None,
    rot_days: int | None = None,
    cadence: int | None = None,
    owner: str | None = None,
) -> Stage:
    """Change a stage's settings; `owner` "" clears its owner (None: unchanged).
    An owner applies to deals entering the stage from then on: those already
    in it keep theirs."""
    _check_settings(probability, rot_days, cadence)
    new_owner = None if owner is None else stage_owner(owner)
    values = {
        k: v
        for k, v in (
            ("probability", probability),
            ("rot_days", rot_days),
            ("cadence_days", cadence),
        )
        if v is not None
    }
    if not values and owner is None:
        raise Invalid("nothing to set: give --probability, --rot-days, --cadence or --owner")
    with ctx.store.write():
        p = resolve_pipeline(ctx, pipeline)
        stage = resolve_stage(p, name)
        ctx.store.pipelines.update_stage(stage.id, values)
        if owner is not None:
            ctx.store.pipelines.set_stage_owner(stage.id, new_owner)
        return next(s for s in ctx.store.pipelines.by_id(p.id).stages if s.id == stage.id)
