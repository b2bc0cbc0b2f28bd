"""Everyday deal verbs, top-level because sellers type them all day.

`add` and `edit` are in cli/deal_edit.py: only they need DealChanges and its
checks (services/deal_input.py), so the verbs here don't import them.
"""

import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from funnelcli.cli.options import At, DealArg, Format, OwnerFilter, PipelineOpt, TagFilter
from funnelcli.cli.state import state
from funnelcli.errors import ExitCode, Invalid, UsageError
from funnelcli.models import Deal
from funnelcli.render.output import Output, single_output
from funnelcli.render.records import deal_record, deal_row_record, detail_record, handoff_record
from funnelcli.render.views import DEAL_COLUMNS, deal_lines, deal_summary, handoff_line
from funnelcli.services.deals import (
    close_deal,
    deal_detail,
    deal_filter,
    delete_deal,
    list_deal_rows,
    list_deals,
    move_deal,
    reopen_deal,
)

if TYPE_CHECKING:
    from funnelcli.services import Context
    from funnelcli.store import DealFilter

Tags = Annotated[list[str] | None, typer.Option("--tag", "-t", help="Tag (repeatable).")]
Sources = Annotated[
    list[str] | None,
    typer.Option(
        "--source", help="Only deals from this source (repeat it for several: any of them)."
    ),
]


def deal_output(fmt: str, *, single: bool = True) -> Output:
    return single_output(fmt) if single else Output(fmt)


def report_deal(fmt: str, deal: Deal, verb: str) -> None:
    """What add, edit, move, won, lost and reopen print: a line on stderr (and
    whom the deal was handed to), or the deal object; the verbs that can hand
    a deal over (add, move, reopen) add its `handoff` (null for none)."""
    out = deal_output(fmt)
    if out.fmt == "table":
        out.message(f"{verb} {deal_summary(deal)}")
        if deal.handoff is not None:
            out.message(handoff_line(deal.handoff))
        return

    def record() -> dict[str, Any]:
        found = deal_record(deal)
        if verb in ("added", "moved", "reopened"):
            found["handoff"] = handoff_record(deal.handoff)
        return found

    out.emit_object(record, list)


def list_cmd(
    ctx: typer.Context,
    stage: Annotated[
        str | None, typer.Option("--stage", "-s", help="Only deals in this stage.")
    ] = None,
    status: Annotated[str, typer.Option("--status", help="open, won, lost or all.")] = "open",
    owner: OwnerFilter = None,
    pipeline: PipelineOpt = None,
    tag: TagFilter = None,
    source: Sources = None,
    search: Annotated[
        str | None,
        typer.Option(
            "--search", "-q", help="Text in title, org, contact, e-mail, custom fields or notes."
        ),
    ] = None,
    sort: Annotated[
        str,
        typer.Option(
            "--sort",
            help="id, title, org, value, stage, owner, status, "
            "created, updated, closed, next, expected; -FIELD "
            "for descending; score: the priority score, highest first.",
        ),
    ] = "id",
    limit: Annotated[int | None, typer.Option("--limit", help="At most N deals.")] = None,
    explain: Annotated[
        bool, typer.Option("--explain", help="With --sort score: each part of the score.")
    ] = False,
    fmt: Format = "table",
) -> None:
    """List deals (default: open ones).

    Example: funnel list --stage demo --format jsonl | jq .title

    Example: funnel list --sort score --explain --limit 10
    """
    out = deal_output(fmt, single=False)
    if explain and sort != "score":
        raise UsageError("--explain explains the priority score: use it with --sort score")
    c = state(ctx).context(write=False)
    with c.reading():
        flt = deal_filter(
            c,
            status=status,
            stage=stage,
            pipeline=pipeline,
            owner=owner,
            tags=tag,
            sources=source,
            search=search,
            sort=sort,
            limit=limit,
        )
        if flt.sort == "score":
            _emit_ranked(out, c, flt, explain)
        elif out.fmt == "table":
            out.emit_list(list_deals(c, flt), deal_record, DEAL_COLUMNS)
        else:
            out.emit_list(list_deal_rows(c, flt), deal_row_record, [])


def _emit_ranked(out: Output, c: "Context", flt: "DealFilter", explain: bool) -> None:
    """`list --sort score`: each deal with its score (and its parts)."""
    from funnelcli.models import Deal
    from funnelcli.render.score import ranked_columns, score_fields
    from funnelcli.services.score import ranked_rows

    rows = ranked_rows(c, flt)
    if out.fmt == "table":
        out.emit_list(((Deal(**v), s) for v, s in rows), lambda _: {}, ranked_columns(explain))
    else:
        out.emit_list(rows, lambda vs: deal_row_record(vs[0]) | score_fields(vs[1], explain), [])


def show(ctx: typer.Context, deal: DealArg, fmt: Format = "table") -> None:
    """Show one deal: its fields, stage history and activities.

    Example: funnel show 12
    """
    out = deal_output(fmt)
    detail = deal_detail(state(ctx).context(write=False), deal)
    out.emit_object(lambda: detail_record(detail), lambda: deal_lines(detail))


def move(
    ctx: typer.Context,
    deal: DealArg,
    stage: Annotated[
        str, typer.Argument(help="Stage to move to (a unique prefix will do).", metavar="STAGE")
    ],
    at: At = None,
    note: Annotated[str | None, typer.Option("--note", help="Why it moved.")] = None,
    fmt: Format = "table",
) -> None:
    """Move a deal to another stage: forward, back or skipping.

    Example: funnel move 12 demo --note "demo booked for Tuesday"
    """
    deal_output(fmt)
    moved = move_deal(state(ctx).context(write=True), deal, stage, at, note)
    report_deal(fmt, moved, "moved")


def won(
    ctx: typer.Context,
    deal: DealArg,
    at: At = None,
    value: Annotated[
        str | None, typer.Option("--value", help="Final amount, if it changed.")
    ] = None,
    fmt: Format = "table",
) -> None:
    """Close a deal as won.

    Example: funnel won 12 --value 5100
    """
    deal_output(fmt)
    closed = close_deal(state(ctx).context(write=True), deal, "won", at=at, value=value)
    report_deal(fmt, closed, "won")


def lost(
    ctx: typer.Context,
    deal: DealArg,
    reason: Annotated[str, typer.Option("--reason", "-r", help="Why it was lost (required).")],
    at: At = None,
    fmt: Format = "table",
) -> None:
    """Close a deal as lost, with the reason.

    Example: funnel lost 12 --reason "went with a competitor"
    """
    deal_output(fmt)
    closed = close_deal(state(ctx).context(write=True), deal, "lost", at=at, reason=reason)
    report_deal(fmt, closed, "lost")


def reopen(
    ctx: typer.Context,
    deal: DealArg,
    stage: Annotated[
        str | None, typer.Option("--stage", "-s", help="Stage to reopen in (default: the last).")
    ] = None,
    at: At = None,
    fmt: Format = "table",
) -> None:
    """Reopen a won or lost deal.

    Example: funnel reopen 12 --stage negotiation
    """
    deal_output(fmt)
    opened = reopen_deal(state(ctx).context(write=True), deal, stage, at)
    report_deal(fmt, opened, "reopened")


def delete(
    ctx: typer.Context,
    deal: DealArg,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Don't ask.")] = False,
    fmt: Format = "table",
) -> None:
    """Delete a deal with its history and activities (asks unless --yes).

    Example: funnel delete 12 --yes
    """
    out = deal_output(fmt)
    if not yes and not sys.stdin.isatty():
        raise Invalid("not deleting without --yes (stdin is not a terminal to ask on)")
    c = state(ctx).context(write=True)
    if not yes:
        found = deal_detail(c, deal).deal
        if not typer.confirm(f"Delete {deal_summary(found)}?", err=True):
            raise typer.Exit(ExitCode.FAILED)
    removed = delete_deal(c, deal)
    if out.fmt == "table":
        out.message(f"deleted {deal_summary(removed)}")
    else:
        out.emit_object(lambda: deal_record(removed), list)
