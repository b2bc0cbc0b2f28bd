"""`funnel report lost`: the deals lost in a period, by reason, by the stage
they were lost in, or by owner (docs/metrics.md)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from funnelcli import metrics
from funnelcli.errors import UsageError
from funnelcli.services import Context, Owners, resolve_pipeline
from funnelcli.services.report_scope import DealScope
from funnelcli.services.reports import Period, window
from funnelcli.store.reports import ReportStore, owner_key

BY = ("reason", "stage", "owner")


@dataclass
class LostGroup:
    name: str | None  # the reason, stage or owner; None: no reason (or owner) given
    lost: int = 0
    share: float | None = None  # of all deals lost in scope, by count, %
    value_by_currency: dict[str, int] = field(default_factory=dict)  # minor units
    stages: Counter[str] = field(default_factory=Counter)  # lost in: stage -> deals


def lost_report(
    ctx: Context,
    *,
    by: str = "reason",
    since: str | None = None,
    until: str | None = None,
    pipeline: str | None = None,
    owner: Owners = None,
    scope: DealScope | None = None,
) -> tuple[list[LostGroup], Period]:
    """One group per reason, stage or owner: how many deals were lost in the
    period, their value per currency and the stages they were lost in. By
    stage, the stages of one pipeline in order (the default one without
    --pipeline), every one of them; otherwise most lost first."""
    if by not in BY:
        raise UsageError(f"--by must be one of {', '.join(BY)}, not '{by}'")
    with ctx.store.read():
        p = resolve_pipeline(ctx, pipeline) if pipeline is not None or by == "stage" else None
        w, period = window(ctx, since, until, None if p is None else p.id, owner, scope)
        rows = ReportStore(ctx.store.conn).lost_rows(w, by)
    groups: dict[object, LostGroup] = {}
    if p is not None and by == "stage":
        for stage in p.stages:
            groups[stage.id] = LostGroup(stage.name)
    for key, _stage_id, stage_name, currency, count, value in rows:
        # owners as --owner matches them, ASCII case ignored (the SQL's lower())
        slot = owner_key(key, "") if by == "owner" and key is not None else key
        group = groups.setdefault(slot, LostGroup(stage_name if by == "stage" else key))
        if by == "owner" and key is not None and key < (group.name or key):
            group.name = key  # the first spelling by name order, as elsewhere
        group.lost += count
        group.value_by_currency[currency] = group.value_by_currency.get(currency, 0) + value
        group.stages[stage_name] += count
    total = sum(g.lost for g in groups.values())
    for group in groups.values():
        group.share = metrics.percent(group.lost, total)
    found = list(groups.values())
    if by != "stage":
        found.sort(key=lambda g: (-g.lost, g.name is None, g.name or ""))
    return found, period
