"""--explain: each figure's formula, the window, and the deals it counted."""

from __future__ import annotations

from dataclasses import dataclass

from funnelcli.services import Context, Owners, resolve_pipeline
from funnelcli.services.report_scope import DealScope
from funnelcli.services.reports import Bound, window
from funnelcli.store.reports import ReportStore


@dataclass
class Explanation:
    figure: str
    formula: str
    deal_ids: list[int]


def explain_metrics(
    ctx: Context,
    currency: str,
    *,
    since: Bound = None,
    until: Bound = None,
    pipeline: str | None = None,
    owner: Owners = None,
    scope: DealScope | None = None,
) -> list[Explanation]:
    with ctx.store.read():
        pid = None if pipeline is None else resolve_pipeline(ctx, pipeline).id
        w, _ = window(ctx, since, until, pid, owner, scope)
        ids = ReportStore(ctx.store.conn).metric_deal_ids(w, currency)
    open_ids, won, lost, born, valued = (
        ids["open"],
        ids["won"],
        ids["lost"],
        ids["born"],
        ids["valued"],
    )
    return [
        Explanation("open_deals", "count of deals whose status is open (today)", open_ids),
        Explanation("open_value", "Σ value of the open deals", open_ids),
        Explanation("weighted_value", "Σ value × probability of the open deals", open_ids),
        Explanation("won", "deals closed as won in the period", won),
        Explanation("lost", "deals closed as lost in the period", lost),
        Explanation("won_value", "Σ value of the deals won in the period", won),
        Explanation("lost_value", "Σ value of the deals lost in the period", lost),
        Explanation("win_rate", "won ÷ (won + lost) × 100", sorted(won + lost)),
        Explanation(
            "conversion_rate",
            "of the deals created in the period, the share won so far × 100",
            born,
        ),
        Explanation("avg_deal_size", "mean value of the deals won in the period", valued),
        Explanation(
            "sales_cycle_days",
            "mean of (won_at − created_at) in days over deals won in the period",
            won,
        ),
        Explanation(
            "sales_velocity",
            "open deals × avg deal size × win rate ÷ sales cycle (per day)",
            sorted(set(open_ids + won + lost)),
        ),
        Explanation("sales_cycle_median_days", "median of the same (won_at − created_at)", won),
        Explanation(
            "avg_touches_per_won_deal",
            "touches (activities but notes) up to the win ÷ deals won in the period",
            won,
        ),
    ]


def explain_funnel(
    ctx: Context,
    *,
    since: Bound = None,
    until: Bound = None,
    pipeline: str | None = None,
    owner: Owners = None,
    scope: DealScope | None = None,
) -> list[tuple[str, list[Explanation]]]:
    """Per stage: the deals that reached it, dropped there, and whose stays in
    it were measured."""
    out = []
    with ctx.store.read():
        p = resolve_pipeline(ctx, pipeline)
        w, _ = window(ctx, since, until, p.id, owner, scope)
        store = ReportStore(ctx.store.conn)
        for stage in p.stages:
            reached, dropped = store.stage_deal_ids(w, stage.id, stage.position)
            stays = store.stay_deal_ids(stage.id, w)
            out.append(
                (
                    stage.name,
                    [
                        Explanation(
                            "reached",
                            "created in the period, and entered this stage or a later one, or won",
                            reached,
                        ),
                        Explanation(
                            "conversion_to_next",
                            "reached(next stage, or won after the last) "
                            "÷ reached(this stage) × 100",
                            reached,
                        ),
                        Explanation(
                            "dropped", "lost, with this stage the furthest it reached", dropped
                        ),
                        Explanation(
                            "avg_days_in_stage",
                            "mean of (left − entered) over stays in this "
                            "stage that ended in the period",
                            stays,
                        ),
                        Explanation("median_days_in_stage", "median of the same stays", stays),
                    ],
                )
            )
    return out
