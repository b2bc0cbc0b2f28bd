"""Follow-ups: log a touch, schedule or snooze, and the daily `due` and `stale` lists."""

from typing import Annotated

import typer

from funnelcli.cli.options import At, DealArg, Format, OwnerFilter, PipelineOpt
from funnelcli.cli.state import state
from funnelcli.errors import ExitCode, Invalid
from funnelcli.render.output import Output, single_output
from funnelcli.render.records import deal_record, due_record, stale_record
from funnelcli.render.text import safe
from funnelcli.render.views import DUE_COLUMNS, STALE_COLUMNS, deal_summary, when
from funnelcli.services import followups as svc


def _report(out: Output, deal: object, text: str) -> None:
    if out.fmt == "table":
        out.message(text)
    else:
        out.emit_object(lambda: deal_record(deal), list)  # type: ignore[arg-type]


def _next_text(deal: object) -> str:
    nxt = getattr(deal, "next_follow_up", None)
    return f"next follow-up {when(nxt)}" if nxt else "no next follow-up"


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
    updated, activity = svc.log_activity(
        state(ctx).context(write=True),
        deal,
        kind,
        note,
        at=at,
        next_when=next_when,
        no_next=no_next,
    )
    _report(
        out,
        updated,
        f"logged {safe(activity.kind)} on {deal_summary(updated)}; {_next_text(updated)}",
    )


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
    updated = svc.set_follow_up(state(ctx).context(write=True), deal, None if clear else when_)
    _report(out, updated, f"{deal_summary(updated)}: {_next_text(updated)}")


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
    updated = svc.snooze_deal(state(ctx).context(write=True), deal, until, reason)
    text = f"snoozed until {updated.snoozed_until}" if updated.snoozed_until else "awake"
    _report(out, updated, f"{deal_summary(updated)}: {text}")


UNSCHEDULED_SHOWN = 20  # as a table, `due` lists this many deals with no next step


def due(
    ctx: typer.Context,
    within: Annotated[
        int, typer.Option("--within", help="Also list follow-ups due in the next N days.")
    ] = 0,
    owner: OwnerFilter = None,
    pipeline: PipelineOpt = None,
    unscheduled: Annotated[
        bool | None,
        typer.Option(
            "--unscheduled/--no-unscheduled",
            help="Only the deals with no next step, all of them (--no-unscheduled: none).",
            show_default=False,
        ),
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help=f"Exit {ExitCode.OVERDUE:d} when anything is overdue.")
    ] = False,
    fmt: Format = "table",
) -> None:
    """What needs doing: overdue, due today, upcoming, and open deals with no next step.

    At a terminal the list is grouped and coloured; piped, it is one stable line
    per deal (what a cron mail shows). As a table, more than 20 deals with no
    next step show as the first 20 and a count: `--unscheduled` lists them all
    (and nothing else), `--no-unscheduled` leaves them out. JSON, JSONL and
    CSV list them all unless `--no-unscheduled`.

    Example: funnel due --within 3 --owner anna
    """
    out = Output(fmt)
    limit = UNSCHEDULED_SHOWN if out.fmt == "table" and unscheduled is None else None
    found = svc.due_list(
        state(ctx).context(write=False),
        within,
        owner,
        pipeline,
        scheduled=unscheduled is not True,
        unscheduled=0 if unscheduled is False else limit,
    )
    items = found.items
    groups = [
        (title, style, [i for i in items if i.state == name])
        for name, title, style in (
            ("overdue", "Overdue", "red"),
            ("today", "Today", "yellow"),
            ("upcoming", f"Next {within} days", "green"),
            ("unscheduled", "No next step", "magenta"),
        )
    ]
    more = found.unscheduled - len(groups[3][2])
    if more <= 0:
        out.emit_groups(groups, due_record, DUE_COLUMNS)
    else:
        _due_shortened(out, groups, found.unscheduled)
        out.lines(
            [[(f"{more:,} more with no next step: {_all_unscheduled(ctx)} lists them all", "")]]
        )
    if check and any(i.state == "overdue" for i in items):
        raise typer.Exit(ExitCode.OVERDUE)


def _due_shortened(
    out: Output, groups: list[tuple[str, str, list[svc.DueItem]]], unscheduled: int
) -> None:
    """The table with the first of the deals with no next step: at a terminal
    their heading counts them all."""
    if not out.tty:
        out.emit_list([i for _, _, items in groups for i in items], due_record, DUE_COLUMNS)
        return
    for heading, style, items in groups:
        if items:
            count = unscheduled if items[0].state == "unscheduled" else len(items)
            out.lines([[(f"{heading} ({count:,})", f"bold {style}")]])
            out.table(DUE_COLUMNS, [[safe(c.cell(i)) for c in DUE_COLUMNS] for i in items])


def _all_unscheduled(ctx: typer.Context) -> str:
    """`funnel due --unscheduled`, with the run's --owner and --pipeline."""
    import shlex

    args = ["funnel", "due", "--unscheduled"]
    for name in ("owner", "pipeline"):
        value = ctx.params.get(name)
        for v in [value] if isinstance(value, str) else value or []:
            args += [f"--{name}", v]
    return safe(shlex.join(args))


def stale(
    ctx: typer.Context,
    owner: OwnerFilter = None,
    pipeline: PipelineOpt = None,
    fmt: Format = "table",
) -> None:
    """Open deals idle (no stage change, no touch) longer than their stage's rot limit.

    A follow-up planned for later doesn't make an idle deal fresh; only a snooze
    hides it, until the snooze date.

    Example: funnel stale --owner anna --format json
    """
    out = Output(fmt)
    items = svc.stale_list(state(ctx).context(write=False), owner, pipeline)
    out.emit_list(items, stale_record, STALE_COLUMNS)
