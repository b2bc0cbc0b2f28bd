"""`--by` on report metrics and report funnel: the same figures per group of
deals (docs/metrics.md, "Roll-ups"), each from one grouped query."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from funnelcli.errors import NotFound, UsageError
from funnelcli.models import Pipeline
from funnelcli.services import Context, Owners, resolve_pipeline
from funnelcli.services.report_scope import DealScope
from funnelcli.services.reports import (
    Bound,
    Funnel,
    Metrics,
    Period,
    StageRow,
    funnel_of,
    metrics_from_counts,
    window,
)
from funnelcli.store.report_groups import GroupedReports, GroupKey, group_key
from funnelcli.store.reports import ReportStore, Window

BY = ("owner", "pipeline", "source", "tag", "org", "stage")
BY_HELP = "owner, pipeline, source, tag, org, stage or field:NAME"


@dataclass
class Group:
    by: str  # what the groups are by, as the JSON names it: owner, …, field:NAME
    key: Any  # tells the groups apart (folded text, a tag, an id); None: no value
    name: str | None  # shown; None: the deals with no value for it


def _by(ctx: Context, by: str) -> tuple[str, GroupKey]:
    """`--by` read: (its name for the output, the SQL key). A custom field no
    deal has is refused, as `--field` refuses it. Inside a read."""
    kind, sep, name = by.strip().partition(":")
    kind, name = kind.strip().lower(), name.strip()
    if kind == "field":
        if not name:
            raise UsageError("--by field:NAME needs the custom field's name, e.g. field:manager")
        from funnelcli.store.filters import FieldValues

        values = FieldValues(ctx.store.conn)
        if not values.has_name(name):
            from funnelcli.suggest import did_you_mean, listed

            known = values.names()
            raise NotFound(
                f"no deal has a field '{name}' ({did_you_mean(name, known)}fields: {listed(known)})"
            )
        return f"field:{name}", group_key("field", name)
    if sep or kind not in BY:
        raise UsageError(f"--by takes {BY_HELP}, not '{by}'")
    return kind, group_key(kind)


def _ordered(ctx: Context, groups: list[Group]) -> list[Group]:
    """Stages in pipeline order, pipelines as `pipeline list` lists them;
    anything else by name (ASCII case ignored); the no-value group last. A
    stage name that more than one pipeline's groups share gets its pipeline's."""
    if groups and groups[0].by in ("stage", "pipeline"):
        rank: dict[Any, tuple[int, int]] = {}
        qualified: dict[Any, str] = {}
        by_stage = groups[0].by == "stage"
        for n, p in enumerate(ctx.store.pipelines.all()):
            rank[p.id] = (n, 0)
            for s in p.stages if by_stage else ():
                rank[s.id] = (n, s.position)
                qualified[s.id] = f"{p.name}: {s.name}"
        if by_stage:
            names = [g.name for g in groups]
            for g in groups:
                if names.count(g.name) > 1 and g.key in qualified:
                    g.name = qualified[g.key]
        return sorted(groups, key=lambda g: (rank.get(g.key, (len(rank), 0)), g.name or ""))
    return sorted(
        groups,
        key=lambda g: (g.name is None, (g.name or "").lower(), g.name or ""),
    )


def metrics_by(
    ctx: Context,
    by: str,
    *,
    since: Bound = None,
    until: Bound = None,
    pipeline: str | None = None,
    owner: Owners = None,
    scope: DealScope | None = None,
) -> tuple[list[tuple[Group, list[Metrics]]], Period]:
    """report metrics per group: each group's figures, one per currency."""
    with ctx.store.read():
        name, key = _by(ctx, by)
        pid = None if pipeline is None else resolve_pipeline(ctx, pipeline).id
        w, period = window(ctx, since, until, pid, owner, scope)
        store = GroupedReports(ctx.store.conn)
        counts = store.metric_counts(w, key)
        cycles = store.cycle_days(w, key)
        found: dict[Any, tuple[Group, list[Metrics]]] = {}
        for k, label, c in counts:
            group, figures = found.setdefault(k, (Group(name, k, label), []))
            if label is not None and group.name is not None:
                group.name = min(group.name, label)
            figures.append(metrics_from_counts(c, cycles.get((k, c.currency))))
        groups = _ordered(ctx, [g for g, _ in found.values()])
    return [(g, sorted(found[g.key][1], key=lambda m: m.currency)) for g in groups], period


def funnels_by(
    ctx: Context,
    by: str,
    *,
    since: Bound = None,
    until: Bound = None,
    pipeline: str | None = None,
    owner: Owners = None,
    scope: DealScope | None = None,
) -> tuple[list[tuple[Group, Funnel]], Period]:
    """report funnel per group, over one pipeline's stages; by pipeline, each
    pipeline's own funnel (all of them, or the one --pipeline names)."""
    with ctx.store.read():
        name, key = _by(ctx, by)
        if name == "pipeline":
            pipelines = (
                [resolve_pipeline(ctx, pipeline)]
                if pipeline is not None
                else ctx.store.pipelines.all()
            )
            store = ReportStore(ctx.store.conn)
            out = []
            _, period = window(ctx, since, until, None, owner, scope)
            for p in pipelines:
                w, _ = window(ctx, since, until, p.id, owner, scope)
                days = {s.id: store.stage_days(s.id, w) for s in p.stages}
                funnel = funnel_of(p, store.stage_counts(w), days.__getitem__)
                out.append((Group(name, p.id, p.name), funnel))
            return out, period
        p = resolve_pipeline(ctx, pipeline)
        w, period = window(ctx, since, until, p.id, owner, scope)
        return _grouped_funnels(ctx, p, w, name, key), period


def _grouped_funnels(
    ctx: Context, p: Pipeline, w: Window, name: str, key: GroupKey
) -> list[tuple[Group, Funnel]]:
    store = GroupedReports(ctx.store.conn)
    counts = store.stage_counts(w, key)
    days = store.stage_days([s.id for s in p.stages], w, key)
    groups: dict[Any, Group] = {k: Group(name, k, label) for k, (label, _) in counts.items()}
    for (_, k), (label, *_) in days.items():
        group = groups.setdefault(k, Group(name, k, label))
        if label is not None and group.name is not None:
            group.name = min(group.name, label)
    out = []
    for g in _ordered(ctx, list(groups.values())):
        counted = counts[g.key][1] if g.key in counts else ({}, 0, 0)

        def stage_days(sid: int, k: Any = g.key) -> tuple[float | None, float | None, int]:
            found = days.get((sid, k))
            return (None, None, 0) if found is None else found[1:]

        out.append((g, funnel_of(p, counted, stage_days)))
    return out


def empty_funnel(funnel: Funnel) -> Funnel:
    """The same stages with nothing in them: a group's funnel in a period
    where it had no deals (--compare previous)."""
    rows = [StageRow(r.stage, 0, {}, 0, None, 0, None, None, 0) for r in funnel.stages]
    return Funnel(funnel.pipeline, rows, 0, 0)
