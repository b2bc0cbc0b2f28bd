"""Touches and the next step: log a touch (`log`), set the next follow-up
(`follow-up`), snooze a deal (`snooze`). The lists they feed, `due` and
`stale`, are in funnelcli.services.followups."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from funnelcli.clock import utc_text, within_slack
from funnelcli.config import NOTE_KIND
from funnelcli.errors import Conflict, Invalid
from funnelcli.models import Deal
from funnelcli.services import Context, find_deal, parse_date, parse_past


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


def _not_before_creation(deal: Deal, moment: datetime, at: str | None) -> datetime:
    """The touch's moment: refused before the deal was created, except that
    "now" up to a minute before it (a teammate's clock a little ahead) is
    taken as the creation's time, as a move's is (services/deals.py)."""
    stamp = utc_text(moment)
    if stamp >= deal.created_at:
        return moment
    if at is None and within_slack(stamp, deal.created_at):
        return datetime.fromisoformat(deal.created_at).astimezone(moment.tzinfo)
    from funnelcli.clock import local_from_utc

    shown = local_from_utc(deal.created_at).strftime("%Y-%m-%d %H:%M")
    what = f"--at {at}" if at is not None else "now (this machine's clock)"
    raise Invalid(f"{what} is before deal {deal.id} was created ({shown})")


def log_activity(
    ctx: Context,
    ref: str,
    kind: str,
    note: str | None = None,
    *,
    at: str | None = None,
    next_when: str | None = None,
    no_next: bool = False,
) -> tuple[Deal, str]:
    """Record a touch and schedule the next one; returns the deal and the kind
    as recorded (case folded). The next follow-up: `--next`, none with `--no-next`,
    else the deal's stage cadence counted from the day of the touch (moved on to
    a working day, config `workdays`). A backfilled
    touch older than the deal's last one leaves the schedule as it is."""
    if next_when is not None and no_next:
        raise Invalid("give --next or --no-next, not both")
    kind = _kind(ctx, kind)
    with ctx.store.write():
        deal = _open_deal(ctx, ref, "log a touch on")
        moment = _not_before_creation(deal, parse_past(ctx, at), at)
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
        with ctx.store.batch():
            ctx.store.deals.insert_activity(deal.id, kind, note, utc_text(moment), ctx.now_utc)
            ctx.store.deals.update(
                deal.id, {"next_follow_up": follow_up, "updated_at": ctx.now_utc}
            )
            read = ctx.store.deals.get_later(deal.id)
        updated = read()
    assert updated is not None
    return updated, kind


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

    The wake-up day becomes the next follow-up (one planned after it stays, one
    an earlier snooze set is replaced), so
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
            # A follow-up that is the last snooze's wake-up day was set by that
            # snooze, not planned: a new snooze, earlier or later, replaces it.
            by_snooze = deal.snoozed_until is not None and deal.next_follow_up == deal.snoozed_until
            if planned < day.isoformat() or by_snooze:
                values["next_follow_up"] = day.isoformat()
        ctx.store.deals.update(deal.id, values)
        updated = ctx.store.deals.get(deal.id)
    assert updated is not None
    return updated
