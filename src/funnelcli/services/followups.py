"""The follow-up lists: who is due (`due`) and who has gone quiet (`stale`).

Logging a touch, scheduling and snoozing are in funnelcli.services.touches."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from funnelcli.errors import Invalid
from funnelcli.models import Deal, Handoff, Record
from funnelcli.services import (
    Context,
    Owners,
    check_filter,
    owner_names,
    resolve_pipeline,
)
from funnelcli.services.score import Score, deal_score, due_day, priority_key, score_of

DUE_STATES = ("overdue", "today", "upcoming", "unscheduled")


class DueItem(Record):
    """A deal on the due list: overdue (by how many days), due today, upcoming
    or unscheduled, and the day it is due (`effective_due`; None when
    unscheduled); and the hand-off that made it its owner's, while they have
    not looked at it in `funnel inbox`."""

    __slots__ = (  # noqa: RUF023 (in field order, as repr lists them)
        "deal",
        "state",
        "days_overdue",
        "due_on",
        "score",
        "handoff",
    )

    def __init__(
        self,
        deal: Deal,
        state: str,
        days_overdue: int | None,
        due_on: str | None = None,
        score: Score | None = None,
        handoff: Handoff | None = None,
    ) -> None:
        self.deal = deal
        self.state = state  # one of DUE_STATES
        self.days_overdue = days_overdue
        self.due_on = due_on
        self.handoff = deal.handoff if handoff is None else handoff
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


effective_due = due_day  # the day a deal is due (services/score.py)


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
    day = today.isoformat()
    with ctx.store.read():
        owners, pid = _scope(ctx, owner, pipeline)
        store = ctx.store.followups
        due = store.due(day, until, owners, pid) if scheduled else iter(())
        for deal in due:
            on = effective_due(deal)
            when = date.fromisoformat(on)
            score = deal_score(deal, today, day)
            if when < today:
                items.append(DueItem(deal, "overdue", (today - when).days, on, score))
            elif when == today:
                items.append(DueItem(deal, "today", 0, on, score))
            else:
                items.append(DueItem(deal, "upcoming", None, on, score))
        items.sort(key=_due_order)
        if unscheduled == 0:
            return DueList(items, 0)
        listed = _unscheduled(ctx, today, owners, pid, unscheduled)
        total = len(listed)
        if unscheduled is not None and total == unscheduled:  # there may be more
            total = store.unscheduled_count(day, owners, pid)
    return DueList(items + listed, total)


def _due_order(item: DueItem) -> tuple[Any, ...]:
    """By state; within one, highest priority score first (upcoming: by day,
    then score)."""
    day = item.due_on if item.state == "upcoming" else ""
    deal, score = item.deal, item.score
    assert score is not None  # every listed deal has one
    return (DUE_STATES.index(item.state), day, priority_key(score, deal.next_follow_up, deal.id))


def _unscheduled(
    ctx: Context, today: date, owners: tuple[str, ...], pid: int | None, limit: int | None
) -> list[DueItem]:
    """The deals with no next step, highest score first, the first `limit`
    (None: all of them, read in full and scored here; else ranked by the
    store, which reads only those in full)."""
    day = today.isoformat()
    if limit is None:
        found = ctx.store.followups.unscheduled(day, owners, pid)
        every = [(d, deal_score(d, today, day)) for d in found]
        every.sort(key=lambda ds: priority_key(ds[1], None, ds[0].id))
        return [DueItem(d, "unscheduled", None, None, s) for d, s in every]
    return [
        DueItem(
            Deal(**values),
            "unscheduled",
            None,
            None,
            score_of(values["currency"], values["value"], parts),
        )
        for values, parts in ctx.store.followups.unscheduled_ranked(day, owners, pid, limit)
    ]


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
