"""Touches and the next step: `log` a touch, set a `follow-up`, `snooze` a deal."""

from typing import Annotated

import typer

from funnelcli.cli.options import At, DealArg, Format
from funnelcli.cli.state import state
from funnelcli.errors import Invalid
from funnelcli.models import Deal
from funnelcli.render.output import Output, single_output
from funnelcli.render.records import deal_record
from funnelcli.render.text import safe
from funnelcli.render.views import deal_summary, when
from funnelcli.services import touches


def _report(out: Output, deal: Deal, text: str) -> None:
    if out.fmt == "table":
        out.message(text)
    else:
        out.emit_object(lambda: deal_record(deal), list)


def _next_text(deal: Deal, today: str) -> str:
    """The next step in words; a snoozed deal says when it comes back, since it
    isn't due before then whatever its follow-up says."""
    nxt = deal.next_follow_up
    text = f"next follow-up {when(nxt)}" if nxt else "no next follow-up"
    wake = deal.snoozed_until
    if not wake or wake <= today:
        return text
    if not nxt:  # nothing to be due for: it wakes up with no next step
        return text + f" (snoozed until {when(wake)})"
    if nxt[:10] < wake:
        text += f" (snoozed: due {when(wake)}, when it wakes)"
    return text


def log(
    ctx: typer.Context,
    deal: DealArg,
    kind: Annotated[
        str, typer.Argument(help="call, email, meeting, demo, note, …", metavar="KIND")
    ],
    note: Annotated[str | None, typer.Argument(help="What happened.", metavar="NOTE")] = None,
    at: At = None,
    next_when: Annotated[
        str | None,
        typer.Option("--next", help="Next follow-up (default: the stage's cadence)."),
    ] = None,
    no_next: Annotated[bool, typer.Option("--no-next", help="Schedule nothing.")] = False,
    fmt: Format = "table",
) -> None:
    """Record a touch and schedule the next follow-up.

    Without --next or --no-next the next follow-up is the day of the touch
    plus the cadence of the deal's stage (`funnel stage set S --cadence N`).

    Example: funnel log 12 call "sent pricing" --next +3d
    """
    out = single_output(fmt)
    updated, kind_logged = touches.log_activity(
        state(ctx).context(write=True),
        deal,
        kind,
        note,
        at=at,
        next_when=next_when,
        no_next=no_next,
    )
    nxt = _next_text(updated, _today(ctx))
    _report(out, updated, f"logged {safe(kind_logged)} on {deal_summary(updated)}; {nxt}")


def follow_up(
    ctx: typer.Context,
    deal: DealArg,
    when_: Annotated[
        str | None, typer.Argument(metavar="WHEN", help="tomorrow, fri 10:00, +3d, 2026-12-01.")
    ] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Remove the next follow-up.")] = False,
    fmt: Format = "table",
) -> None:
    """Set or clear a deal's next follow-up.

    Example: funnel follow-up 12 "fri 10:00"
    """
    out = single_output(fmt)
    if when_ is None and not clear:
        raise Invalid("give WHEN, or --clear to remove the next follow-up")
    if when_ is not None and clear:
        raise Invalid("give WHEN or --clear, not both")
    updated = touches.set_follow_up(state(ctx).context(write=True), deal, None if clear else when_)
    _report(out, updated, f"{deal_summary(updated)}: {_next_text(updated, _today(ctx))}")


def snooze(
    ctx: typer.Context,
    deal: DealArg,
    until: Annotated[
        str | None, typer.Argument(metavar="UNTIL", help="The day it comes back: +2w, 2027-01-10.")
    ] = None,
    reason: Annotated[
        str | None, typer.Option("--reason", help="What you are waiting for.")
    ] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Wake the deal up now.")] = False,
    fmt: Format = "table",
) -> None:
    """Snooze a deal that waits for a known reason: it leaves `due` and `stale` until then.

    Example: funnel snooze 12 2027-01-10 --reason "budget opens in January"
    """
    out = single_output(fmt)
    if until is None and not clear:
        raise Invalid("snooze needs a date (UNTIL), or --clear to wake the deal")
    if until is not None and clear:
        raise Invalid("give UNTIL or --clear, not both")
    updated = touches.snooze_deal(state(ctx).context(write=True), deal, until, reason)
    text = f"snoozed until {updated.snoozed_until}" if updated.snoozed_until else "awake"
    _report(out, updated, f"{deal_summary(updated)}: {text}")


def _today(ctx: typer.Context) -> str:
    """Today in the run's calendar, as YYYY-MM-DD."""
    return state(ctx).now.date().isoformat()
