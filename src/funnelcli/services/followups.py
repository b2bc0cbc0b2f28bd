"""The follow-up lists: who is due (`due`) and who has gone quiet (`stale`).

Logging a touch, scheduling and snoozing are in funnelcli.services.touches."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from funnelcli.errors import Invalid
from funnelcli.models import Deal, Record
from funnelcli.services import (
    Context,
    Owners,
    check_filter,
    owner_names,
    resolve_pipeline,
)
from funnelcli.services.score import Score, score_of

DUE_STATES = ("overdue", "today", "upcoming", "unscheduled")


class DueItem(Record):
    """A deal on the due list: overdue (by how many days), due today, upcoming
    or unscheduled, and the day it is due (`effective_due`; None when
    unscheduled)."""

    __slots__ = (  # noqa: RUF023 (in field order, as repr lists them)
        "deal",
        "state",
        "days_overdue",
        "due_on",
        "score",
    )

    def __init__(
        self,
        deal: Deal,
        state: str,
        days_overdue: int | None,
        due_on: str | None = None,
        score: Score | None = None,
    ) -> None:
        self.deal = deal
        self.state = state  # one of DUE_STATES
        self.days_overdue = days_overdue
        self.due_on = due_on
        self.score = score  # its priority score (services/score.py)


class StaleItem(Record):
    """An open deal idle past its stage's rot days."""

    __slots__ = (
        "deal",
        "idle_days",
        "rot_days",
    )

    def __init__(
        self,
        deal: Deal,
        idle_days: int,
        rot_days: int,
    ) -> None:
        self.deal = deal
        self.idle_days = idle_days
        self.rot_days = rot_days


def effective_due(deal: Deal) -> str:
    """The day a deal is due: its next follow-up, or its wake-up day when that
    is later (a follow-up set or logged while snoozed doesn't make it late
    before it wakes). "" when it has no next follow-up."""
    day = (deal.next_follow_up or "")[:10]
    return max(day, deal.snoozed_until or "") if day else ""


def _pipeline_id(ctx: Context, pipeline: str | None) -> int | None:
    return None if pipeline is None else resolve_pipeline(ctx, pipeline).id


def _scope(ctx: Context, owner: Owners, pipeline: str | None) -> tuple[tuple[str, ...], int | None]:
    """The owners (each one some deal has) and the pipeline id; in a read."""
    pid = _pipeline_id(ctx, pipeline)
    owners = owner_names(owner)
    check_filter(ctx, "owner", owners)
    return owners, pid


class DueList(Record):
    """The due list, and how many open deals have no next step at all."""

    __slots__ = (
        "items",
        "unscheduled",
    )

    def __init__(
        self,
        items: list[DueItem],
        unscheduled: int,
    ) -> None:
        self.items = items
        self.unscheduled = unscheduled  # open deals with no next step: all of them, listed or not


def due_list(
    ctx: Context,
    within: int = 0,
    owner: Owners = None,
    pipeline: str | None = None,
    *,
    scheduled: bool = True,
    unscheduled: int | None = None,
) -> DueList:
    """Overdue, due today, upcoming within `within` days (each highest
    priority score first, docs/metrics.md), then
    open deals with no next step: the first `unscheduled` of them (None: all;
    0: none), and how many there are. `scheduled=False` leaves out all but
    those. Snoozed deals are left out until their date."""
    if within < 0:
        raise Invalid(f"--within can't be negative ({within})")
    today = ctx.now.date()
    try:
        until = (today + timedelta(days=within + 1)).isoformat()
    except OverflowError:
        raise Invalid(f"--within {within} reaches past the year 9999") from None
    items: list[DueItem] = []
    day, now = today.isoformat(), ctx.now_utc
    with ctx.store.read():
        owners, pid = _scope(ctx, owner, pipeline)
        # highest score first; sorted by state, each state keeps that order
        # (upcoming: by day first, the day's deals by score)
        for deal in map(_scored, ctx.store.followups.due(day, until, now, owners, pid)):
            on = effective_due(deal[0])
            when = date.fromisoformat(on)
            if when < today:
                items.append(DueItem(deal[0], "overdue", (today - when).days, on, deal[1]))
            elif when == today:
                items.append(DueItem(deal[0], "today", 0, on, deal[1]))
            else:
                items.append(DueItem(deal[0], "upcoming", None, on, deal[1]))
        items.sort(key=lambda i: (DUE_STATES.index(i.state), i.state == "upcoming" and i.due_on))
        if unscheduled == 0:
            return DueList(items, 0)
        listed = [
            DueItem(d, "unscheduled", None, None, s)
            for d, s in map(
                _scored, ctx.store.followups.unscheduled(day, now, owners, pid, unscheduled)
            )
        ]
        total = len(listed)
        if unscheduled is not None and total == unscheduled:  # there may be more
            total = ctx.store.followups.unscheduled_count(day, owners, pid)
    return DueList(items + listed, total)


def _scored(row: tuple[dict[str, Any], dict[str, Any]]) -> tuple[Deal, Score]:
    values, parts = row
    return Deal(**values), score_of(values["currency"], values["value"], parts)


def stale_list(ctx: Context, owner: Owners = None, pipeline: str | None = None) -> list[StaleItem]:
    """Open deals with no stage change and no touch for longer than their stage's
    rot limit. What is planned doesn't count: only a snooze hides a deal."""
    with ctx.store.read():
        owners, pid = _scope(ctx, owner, pipeline)
        return [
            StaleItem(deal, idle, rot)
            for deal, idle, rot in ctx.store.followups.stale(
                ctx.now.date().isoformat(), ctx.now_utc, owners, pid
            )
        ]
