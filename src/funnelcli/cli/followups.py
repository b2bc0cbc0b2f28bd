"""The daily lists: `due` (who to call) and `stale` (who has gone quiet).

`log`, `follow-up` and `snooze` are in funnelcli.cli.touches."""

from typing import Annotated

import typer

from funnelcli.cli.options import Format, OwnerFilter, PipelineOpt
from funnelcli.cli.state import state
from funnelcli.errors import ExitCode
from funnelcli.render.output import Output, table_rows
from funnelcli.render.records import due_record, stale_record
from funnelcli.render.text import safe
from funnelcli.render.views import DUE_COLUMNS, STALE_COLUMNS
from funnelcli.services import followups as svc

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
            out.table(DUE_COLUMNS, table_rows(DUE_COLUMNS, items))


def _all_unscheduled(ctx: typer.Context) -> str:
    """`funnel due --unscheduled`, with the run's --db, --owner and --pipeline."""
    import shlex

    db = ctx.find_root().params.get("db")
    args = ["funnel", *(["--db", str(db)] if db else []), "due", "--unscheduled"]
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
