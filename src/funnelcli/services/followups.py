"""Follow-up use-cases: log a touch, schedule, snooze, and the due and stale lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from funnelcli.clock import utc_text
from funnelcli.config import NOTE_KIND
from funnelcli.errors import Conflict, Invalid
from funnelcli.models import Deal
from funnelcli.services import (
    Context,
    Owners,
    check_filter,
    find_deal,
    owner_names,
    parse_date,
    parse_past,
    resolve_pipeline,
)

if TYPE_CHECKING:
    from funnelcli.details import Activity

DUE_STATES = ("overdue", "today", "upcoming", "unscheduled")


@dataclass
class DueItem:
    """A deal on the due list: overdue (by how many days), due today, upcoming
    or unscheduled."""

    deal: Deal
    state: str  # one of DUE_STATES
    days_overdue: int | None


@dataclass
class StaleItem:
    """An open deal idle past its stage's rot days."""

    deal: Deal
    idle_days: int
    rot_days: int


def _open_deal(ctx: Context, ref: str, verb: str) -> Deal:
    deal = find_deal(ctx, ref)
    if deal.status != "open":
        raise Conflict(f"deal {deal.id} is {deal.status}; can't {verb} a closed deal")
    return deal


def _future(ctx: Context, text: str, option: str) -> date | datetime:
    """A follow-up or snooze moment: today or later (a time earlier today is still today)."""
    when = parse_date(ctx, text, option)
    day = when.date() if isinstance(when, datetime) else when
    if day < ctx.now.date():
        raise Invalid(f"{option} {text} is in the past ({day.isoformat()})")
    return when


def _iso(when: date | datetime) -> str:
    from funnelcli.dates import to_iso

    return to_iso(when)


def _kind(ctx: Context, kind: str) -> str:
    kind = kind.strip().casefold()
    if not kind or any(c.isspace() for c in kind):
        raise Invalid(f"'{kind}' is not an activity kind (one word: call, email, meeting…)")
    known = ctx.config.activity_kinds
    if kind not in known:
        from funnelcli.suggest import did_you_mean

        hint = did_you_mean(kind, known)
        raise Invalid(
            f"unknown activity kind '{kind}' ({hint}known: {', '.join(known)}; "
            "add one with `funnel config set activity_kinds KIND,…`)"
        )
    return kind


def log_activity(
    ctx: Context,
    ref: str,
    kind: str,
    note: str | None = None,
    *,
    at: str | None = None,
    next_when: str | None = None,
    no_next: bool = False,
) -> tuple[Deal, Activity]:
    """Record a touch and schedule the next one: `--next`, none with `--no-next`,
    else the deal's stage cadence counted from the day of the touch (moved on to
    a working day, config `workdays`). A backfilled
    touch older than the deal's last one leaves the schedule as it is."""
    if next_when is not None and no_next:
        raise Invalid("give --next or --no-next, not both")
    kind = _kind(ctx, kind)
    with ctx.store.write():
        deal = _open_deal(ctx, ref, "log a touch on")
        moment = parse_past(ctx, at)
        if utc_text(moment) < deal.created_at:
            raise Invalid(f"--at {at} is before deal {deal.id} was created")
        if next_when is not None:
            follow_up: str | None = _iso(_future(ctx, next_when, "--next"))
        elif no_next:
            follow_up = None
        elif kind == NOTE_KIND:  # an internal note is no touch: the schedule stands
            follow_up = deal.next_follow_up
        elif deal.last_activity_at is not None and utc_text(moment) < deal.last_activity_at:
            # Backfilling a touch older than the latest one: the schedule the
            # latest touch set stands (the cadence counts from the last touch).
            follow_up = deal.next_follow_up
        else:
            stage = next(
                s
                for s in ctx.store.pipelines.by_id(deal.pipeline_id).stages
                if s.id == deal.stage_id
            )
            cadence = stage.cadence_days
            from funnelcli.periods import next_workday

            try:  # cadence days on, then the first working day from there (config workdays)
                next_day = (
                    next_workday(moment.date() + timedelta(days=cadence), ctx.config.workdays)
                    if cadence
                    else None
                )
            except OverflowError:
                raise Invalid(
                    f"the next touch, {cadence} days after {moment.date()}, would be past the "
                    "year 9999: give --next or --no-next"
                ) from None
            follow_up = next_day.isoformat() if next_day else None
        activity_id = ctx.store.deals.insert_activity(
            deal.id, kind, note, utc_text(moment), ctx.now_utc
        )
        ctx.store.deals.update(deal.id, {"next_follow_up": follow_up, "updated_at": ctx.now_utc})
        updated = ctx.store.deals.get(deal.id)
    assert updated is not None
    from funnelcli.details import Activity

    return updated, Activity(activity_id, kind, note, utc_text(moment))


def set_follow_up(ctx: Context, ref: str, when: str | None) -> Deal:
    """Set the next follow-up (None clears it)."""
    with ctx.store.write():
        deal = _open_deal(ctx, ref, "schedule a follow-up on")
        value = None if when is None else _iso(_future(ctx, when, "WHEN"))
        ctx.store.deals.update(deal.id, {"next_follow_up": value, "updated_at": ctx.now_utc})
        updated = ctx.store.deals.get(deal.id)
    assert updated is not None
    return updated


def snooze_deal(ctx: Context, ref: str, until: str | None, reason: str | None) -> Deal:
    """Hide a deal from `due` and `stale` until a date (None wakes it now).

    The wake-up day becomes the next follow-up (one planned after it stays), so
    the deal is due that day, not overdue by the date it was snoozed past, and
    its JSON says when it is due. Waking it early makes a follow-up the snooze
    set due today."""
    with ctx.store.write():
        deal = _open_deal(ctx, ref, "snooze")
        values: dict[str, object] = {"updated_at": ctx.now_utc}
        planned = (deal.next_follow_up or "")[:10]
        if until is None:
            values.update(snoozed_until=None, snooze_reason=None)
            today = ctx.now.date().isoformat()
            if deal.snoozed_until and planned == deal.snoozed_until > today:
                values["next_follow_up"] = today
        else:
            when = parse_date(ctx, until, "UNTIL")
            day = when.date() if isinstance(when, datetime) else when
            if day <= ctx.now.date():
                raise Invalid(f"snooze until {until} ({day.isoformat()}): give a day after today")
            values.update(snoozed_until=day.isoformat(), snooze_reason=reason or None)
            if planned < day.isoformat():
                values["next_follow_up"] = day.isoformat()
        ctx.store.deals.update(deal.id, values)
        updated = ctx.store.deals.get(deal.id)
    assert updated is not None
    return updated


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


@dataclass
class DueList:
    """The due list, and how many open deals have no next step at all."""

    items: list[DueItem]
    unscheduled: int  # open deals with no next step: all of them, listed or not


def due_list(
    ctx: Context,
    within: int = 0,
    owner: Owners = None,
    pipeline: str | None = None,
    *,
    scheduled: bool = True,
    unscheduled: int | None = None,
) -> DueList:
    """Overdue (oldest first), due today, upcoming within `within` days, then
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
    with ctx.store.read():
        owners, pid = _scope(ctx, owner, pipeline)
        due = sorted(
            ctx.store.followups.due(today.isoformat(), until, owners, pid) if scheduled else [],
            key=lambda d: (effective_due(d), d.next_follow_up or "", d.id),
        )
        for deal in due:
            day = date.fromisoformat(effective_due(deal))
            if day < today:
                items.append(DueItem(deal, "overdue", (today - day).days))
            elif day == today:
                items.append(DueItem(deal, "today", 0))
            else:
                items.append(DueItem(deal, "upcoming", None))
        if unscheduled == 0:
            return DueList(items, 0)
        listed = [
            DueItem(d, "unscheduled", None)
            for d in ctx.store.followups.unscheduled(today.isoformat(), owners, pid, unscheduled)
        ]
        total = len(listed)
        if unscheduled is not None and total == unscheduled:  # there may be more
            total = ctx.store.followups.unscheduled_count(today.isoformat(), owners, pid)
    return DueList(items + listed, total)


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
