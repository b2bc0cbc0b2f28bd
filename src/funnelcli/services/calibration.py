"""`funnel report calibration`: each stage's configured probability against
what happened to the deals that got that far (docs/metrics.md)."""

from __future__ import annotations

from dataclasses import dataclass

from funnelcli import metrics
from funnelcli.services import Context, Owners, resolve_pipeline
from funnelcli.services.report_scope import DealScope
from funnelcli.services.reports import Period, window
from funnelcli.store.reports import ReportStore


@dataclass
class CalibrationRow:
    stage: str
    probability: int  # configured, percent
    won: int  # closed in the period with the stage or a later one as their furthest
    lost: int
    observed: float | None  # won ÷ (won + lost) × 100

    @property
    def closed(self) -> int:
        return self.won + self.lost

    @property
    def gap(self) -> float | None:
        """Observed minus configured, in percentage points."""
        return None if self.observed is None else round(self.observed - self.probability, 2)


def calibration_report(
    ctx: Context,
    *,
    since: str | None = None,
    until: str | None = None,
    pipeline: str | None = None,
    owner: Owners = None,
    scope: DealScope | None = None,
) -> tuple[str, list[CalibrationRow], Period]:
    """Per stage of the pipeline, in order: of the deals closed in the period
    whose furthest stage was that stage or a later one, the share won, beside
    the stage's probability. Returns (pipeline name, rows, period)."""
    with ctx.store.read():
        p = resolve_pipeline(ctx, pipeline)
        w, period = window(ctx, since, until, p.id, owner, scope)
        closed = ReportStore(ctx.store.conn).closed_by_furthest(w)
    rows = []
    for stage in p.stages:
        won = sum(n for pos, (n, _) in closed.items() if pos >= stage.position)
        lost = sum(n for pos, (_, n) in closed.items() if pos >= stage.position)
        rows.append(
            CalibrationRow(stage.name, stage.probability, won, lost, metrics.win_rate(won, lost))
        )
    return p.name, rows, period
