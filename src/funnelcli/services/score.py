"""The priority score of open deals (docs/metrics.md, "priority score"):
which deal first. The store computes it (store/score.py, the one
definition); here it becomes a `Score` whose parts a seller can check by
hand, for `list --sort score`, `show` and `due`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from funnelcli.models import Record
from funnelcli.services import Context
from funnelcli.store import DealFilter
from funnelcli.store.score import OVERDUE_CAP, TOUCH_RULE, ScoreStore


class Score(Record):
    """An open deal's priority: expected value × idle × overdue × touch
    factor, in the deal's currency (minor units); None without a value."""

    __slots__ = (  # noqa: RUF023 (in field order, as repr lists them)
        "currency",
        "value",
        "probability",
        "idle_days",
        "rot_days",
        "days_overdue",
        "touches",
        "score",
    )

    def __init__(
        self,
        currency: str,
        value: int | None,
        probability: int,
        idle_days: int,
        rot_days: int,
        days_overdue: int,
        touches: int,
        score: float | None,
    ) -> None:
        self.currency = currency
        self.value = value  # minor units, None when the deal has none
        self.probability = probability  # %, the deal's own, else its stage's
        self.idle_days = idle_days  # calendar days, 0 while snoozed
        self.rot_days = rot_days  # the stage's rot limit
        self.days_overdue = days_overdue  # 0 when not overdue
        self.touches = touches
        self.score = score  # minor units as the store computed it

    @property
    def expected_value(self) -> float | None:
        """value × probability ÷ 100, minor units."""
        return None if self.value is None else self.value * self.probability / 100

    @property
    def idle_factor(self) -> float:
        return 1 + min(self.idle_days, self.rot_days) / self.rot_days

    @property
    def overdue_factor(self) -> float:
        return 1 + min(self.days_overdue, OVERDUE_CAP) / OVERDUE_CAP

    @property
    def touch_factor(self) -> float:
        return 1 + (TOUCH_RULE - min(self.touches, TOUCH_RULE)) / TOUCH_RULE

    @property
    def urgency(self) -> float:
        """The three factors multiplied: 1 to 8."""
        return self.idle_factor * self.overdue_factor * self.touch_factor


def score_of(currency: str, value: int | None, parts: dict[str, Any]) -> Score:
    return Score(
        currency,
        value,
        int(parts["probability"]),
        int(parts["idle_days"]),
        int(parts["rot_days"]),
        int(parts["days_overdue"]),
        int(parts["touches"]),
        None if parts["score"] is None else float(parts["score"]),
    )


def ranked_rows(ctx: Context, flt: DealFilter) -> Iterator[tuple[dict[str, Any], Score]]:
    """The deals `flt` selects, highest score first (docs/metrics.md): each
    as the store's deal_values() dict and its Score. Iterate inside
    `ctx.reading()`."""
    today, now = ctx.now.date().isoformat(), ctx.now_utc
    for values, parts in ScoreStore(ctx.store.conn).ranked(flt, today, now):
        yield values, score_of(values["currency"], values["value"], parts)


def deal_score(ctx: Context, deal_id: int, currency: str, value: int | None) -> Score:
    """One deal's score and its parts; inside a read."""
    parts = ScoreStore(ctx.store.conn).parts(deal_id, ctx.now.date().isoformat(), ctx.now_utc)
    return score_of(currency, value, parts)
