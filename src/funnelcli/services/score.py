"""The priority score of open deals (docs/metrics.md, "priority score"):
which deal first. The store computes it (store/score.py, the one
definition); here it becomes a `Score` whose parts a seller can check by
hand, for `list --sort score`, `show` and `due`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING, Any

from funnelcli.clock import local_day
from funnelcli.models import Record
from funnelcli.services import Context
from funnelcli.store.score import OVERDUE_CAP, TOUCH_RULE


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
        "urgency",
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
        self.score = score  # minor units, as store/score.py computes it
        # the three factors multiplied (1 to 8), as the SQL multiplies them
        self.urgency = urgency_of(idle_days, rot_days, days_overdue, touches)

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


def urgency_of(idle: int, rot: int, overdue: int, touches: int) -> float:
    """idle × overdue × touch factor, computed as store/score.py's SQL
    computes it, operation by operation in the same order (IEEE doubles on
    every engine, so the two agree to the last bit; tests/test_score.py)."""
    idle_c = rot if idle > rot else idle
    overdue_c = OVERDUE_CAP if overdue > OVERDUE_CAP else overdue
    touches_c = TOUCH_RULE if touches > TOUCH_RULE else touches
    return (
        float(rot + idle_c) / rot * (OVERDUE_CAP + overdue_c) / OVERDUE_CAP
        * (2 * TOUCH_RULE - touches_c) / TOUCH_RULE
    )  # fmt: skip


def score_minor(value: int | None, probability: int, urgency: float) -> float | None:
    """The score in minor units, as the SQL computes it (see urgency_of)."""
    return None if value is None else float(value) * probability / 100 * urgency


def due_day(deal: Deal) -> str:
    """The day a deal is due: its next follow-up, or its wake-up day when that
    is later (a follow-up set or logged while snoozed doesn't make it late
    before it wakes). "" when it has no next follow-up."""
    day = (deal.next_follow_up or "")[:10]
    return max(day, deal.snoozed_until or "") if day else ""


if TYPE_CHECKING:
    from funnelcli.models import Deal
    from funnelcli.store import DealFilter


def deal_score(deal: Deal, today: date, today_text: str) -> Score:
    """An open deal's score from its row (DEAL_ROW has every part's input),
    `today` the date in the database's zone (and as text): idle days as
    `stale` counts them (0 while snoozed), days overdue as `due` does."""
    snoozed = deal.snoozed_until
    if snoozed and snoozed > today_text:
        idle = 0
    else:
        entered, touched = deal.stage_entered_at, deal.last_activity_at
        since = touched if touched and touched > entered else entered
        idle = (today - local_day(since)).days
        idle = idle if idle > 0 else 0
    day = due_day(deal)
    overdue = (today - date.fromisoformat(day)).days if day and day < today_text else 0
    s = Score(
        deal.currency,
        deal.value,
        deal.probability,
        idle,
        deal.rot_days,
        overdue,
        deal.touches,
        None,
    )
    s.score = score_minor(s.value, s.probability, s.urgency)
    return s


def priority_key(s: Score, next_follow_up: str | None, deal_id: int) -> tuple[Any, ...]:
    """The order of store/score.py's ranking (_ORDER), for a list sorted here:
    highest score first, currencies apart (A-Z), no score last; then the
    more urgent, the sooner follow-up (none last), the lower number."""
    if s.score is None:
        return (1, "", 0.0, -s.urgency, next_follow_up is None, next_follow_up or "", deal_id)
    return (
        0,
        s.currency,
        -s.score,
        -s.urgency,
        next_follow_up is None,
        next_follow_up or "",
        deal_id,
    )


def score_of(currency: str, value: int | None, parts: dict[str, Any]) -> Score:
    """A Score from the store's ranking (its score as the SQL computed it)."""
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
    from funnelcli.store.score import ScoreStore

    today = ctx.now.date().isoformat()
    for values, parts in ScoreStore(ctx.store.conn).ranked(flt, today):
        yield values, score_of(values["currency"], values["value"], parts)
