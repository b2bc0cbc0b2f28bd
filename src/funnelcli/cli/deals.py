"""Everyday deal verbs, top-level because sellers type them all day."""

import sys
from dataclasses import fields
from typing import Annotated, Any

import typer

from funnelcli.cli.options import At, DealArg, Format, OwnerFilter, PipelineOpt
from funnelcli.cli.state import state
from funnelcli.errors import ExitCode, Invalid
from funnelcli.render.output import Output, single_output
from funnelcli.render.records import deal_record, deal_row_record, detail_record
from funnelcli.render.views import DEAL_COLUMNS, deal_lines, deal_summary
from funnelcli.services.deal_input import DealChanges
from funnelcli.services.deals import (
    add_deal,
    close_deal,
    deal_detail,
    deal_filter,
    delete_deal,
    edit_deal,
    list_deal_rows,
    list_deals,
    move_deal,
    reopen_deal,
)

Org = Annotated[str | None, typer.Option("--org", help="Organisation.")]
Contact = Annotated[str | None, typer.Option("--contact", help="Contact person.")]
Email = Annotated[str | None, typer.Option("--email", help="Contact e-mail.")]
Phone = Annotated[str | None, typer.Option("--phone", help="Contact phone.")]
Value = Annotated[
    str | None,
    typer.Option(
        "--value",
        help="Amount: 4800, 4,800.50, '4 800,50', €1.200,50 (a symbol sets the currency).",
    ),
]
Currency = Annotated[str | None, typer.Option("--currency", help="ISO code, e.g. EUR.")]
Owner = Annotated[str | None, typer.Option("--owner", help="Who owns it (default: config owner).")]
StageOpt = Annotated[str | None, typer.Option("--stage", "-s", help="Stage (default: the first).")]
Source = Annotated[str | None, typer.Option("--source", help="Where the lead came from.")]
Tags = Annotated[list[str] | None, typer.Option("--tag", "-t", help="Tag (repeatable).")]
Expected = Annotated[str | None, typer.Option("--expected-close", help="Expected close date.")]
FollowUp = Annotated[
    str | None, typer.Option("--follow-up", help="Next follow-up: tomorrow, fri 10:00, +3d.")
]
Note = Annotated[str | None, typer.Option("--note", help="A note to keep with the deal.")]
Probability = Annotated[
    int | None, typer.Option("--probability", help="Override the stage's win probability (0-100).")
]
ExternalId = Annotated[str | None, typer.Option("--external-id", help="Id in another system.")]
Fields = Annotated[
    list[str] | None, typer.Option("--field", help="Custom field key=value (repeatable).")
]


def _out(fmt: str, *, single: bool = True) -> Output:
    return single_output(fmt) if single else Output(fmt)


def _changes(params: dict[str, Any]) -> DealChanges:
    """DealChanges from the options add and edit share (Typer names them alike)."""
    names = {f.name for f in fields(DealChanges)}
    values = {k: v for k, v in params.items() if k in names}
    values.update(
        tags=params.get("tag") or [],
        untags=params.get("untag") or [],
        fields=params.get("field") or [],
    )
    return DealChanges(**values)


def _report(fmt: str, deal: object, verb: str) -> None:
    out = _out(fmt)
    if out.fmt == "table":
        out.message(f"{verb} {deal_summary(deal)}")  # type: ignore[arg-type]
    else:
        out.emit_object(lambda: deal_record(deal), list)  # type: ignore[arg-type]


def add(
    ctx: typer.Context,
    title: Annotated[str, typer.Argument(help="What the deal is, e.g. 'Acme renewal'.")],
    org: Org = None,
    contact: Contact = None,
    email: Email = None,
    phone: Phone = None,
    value: Value = None,
    currency: Currency = None,
    owner: Owner = None,
    pipeline: PipelineOpt = None,
    stage: StageOpt = None,
    source: Source = None,
    tag: Tags = None,
    expected_close: Expected = None,
    follow_up: FollowUp = None,
    note: Note = None,
    probability: Probability = None,
    external_id: ExternalId = None,
    field: Fields = None,
    at: Annotated[
        str | None, typer.Option("--at", help="When it was created, for backfilling.")
    ] = None,
    fmt: Format = "table",
) -> None:
    """Add a deal (open, in the first stage unless --stage).

    Example: funnel add "Acme renewal" --org Acme --value 4800 --follow-up tomorrow
    """
    _out(fmt)
    ch = _changes(ctx.params)
    deal = add_deal(state(ctx).context(write=True), title, ch, at)
    _report(fmt, deal, "added")


def list_cmd(
    ctx: typer.Context,
    stage: Annotated[
        str | None, typer.Option("--stage", "-s", help="Only deals in this stage.")
    ] = None,
    status: Annotated[str, typer.Option("--status", help="open, won, lost or all.")] = "open",
    owner: OwnerFilter = None,
    pipeline: PipelineOpt = None,
    tag: Tags = None,
    search: Annotated[
        str | None, typer.Option("--search", "-q", help="Text in title, org, contact, e-mail.")
    ] = None,
    sort: Annotated[
        str,
        typer.Option(
            "--sort",
            help="id, title, org, value, stage, owner, status, "
            "created, updated, closed, next, expected; -FIELD "
            "for descending.",
        ),
    ] = "id",
    limit: Annotated[int | None, typer.Option("--limit", help="At most N deals.")] = None,
    fmt: Format = "table",
) -> None:
    """List deals (default: open ones).

    Example: funnel list --stage demo --format jsonl | jq .title
    """
    out = _out(fmt, single=False)
    c = state(ctx).context(write=False)
    with c.reading():
        flt = deal_filter(
            c,
            status=status,
            stage=stage,
            pipeline=pipeline,
            owner=owner,
            tags=tag,
            search=search,
            sort=sort,
            limit=limit,
        )
        if out.fmt == "table":
            out.emit_list(list_deals(c, flt), deal_record, DEAL_COLUMNS)
        else:
            out.emit_list(list_deal_rows(c, flt), deal_row_record, [])


def show(ctx: typer.Context, deal: DealArg, fmt: Format = "table") -> None:
    """Show one deal: its fields, stage history and activities.

    Example: funnel show 12
    """
    out = _out(fmt)
    detail = deal_detail(state(ctx).context(write=False), deal)
    out.emit_object(lambda: detail_record(detail), lambda: deal_lines(detail))


def edit(
    ctx: typer.Context,
    deal: DealArg,
    title: Annotated[str | None, typer.Option("--title", help="New title.")] = None,
    org: Org = None,
    contact: Contact = None,
    email: Email = None,
    phone: Phone = None,
    value: Value = None,
    currency: Currency = None,
    owner: Owner = None,
    pipeline: PipelineOpt = None,
    stage: StageOpt = None,
    source: Source = None,
    tag: Tags = None,
    untag: Annotated[list[str] | None, typer.Option("--untag", help="Remove a tag.")] = None,
    expected_close: Expected = None,
    follow_up: FollowUp = None,
    note: Note = None,
    probability: Probability = None,
    external_id: ExternalId = None,
    field: Fields = None,
    fmt: Format = "table",
) -> None:
    """Change a deal's fields. An empty value clears a field (--org "").

    --field key= removes a custom field; --stage or --pipeline moves the deal
    (recorded in its history, like `funnel move`).

    Example: funnel edit 12 --value 5200 --tag priority --field segment=smb
    """
    _out(fmt)
    ch = _changes(ctx.params)
    changed = edit_deal(state(ctx).context(write=True), deal, ch)
    _report(fmt, changed, "updated")


def move(
    ctx: typer.Context,
    deal: DealArg,
    stage: Annotated[str, typer.Argument(help="Stage to move to (a unique prefix will do).")],
    at: At = None,
    note: Annotated[str | None, typer.Option("--note", help="Why it moved.")] = None,
    fmt: Format = "table",
) -> None:
    """Move a deal to another stage: forward, back or skipping.

    Example: funnel move 12 demo --note "demo booked for Tuesday"
    """
    _out(fmt)
    moved = move_deal(state(ctx).context(write=True), deal, stage, at, note)
    _report(fmt, moved, "moved")


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
    _out(fmt)
    closed = close_deal(state(ctx).context(write=True), deal, "won", at=at, value=value)
    _report(fmt, closed, "won")


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
    _out(fmt)
    closed = close_deal(state(ctx).context(write=True), deal, "lost", at=at, reason=reason)
    _report(fmt, closed, "lost")


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
    _out(fmt)
    opened = reopen_deal(state(ctx).context(write=True), deal, stage, at)
    _report(fmt, opened, "reopened")


def delete(
    ctx: typer.Context,
    deal: DealArg,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Don't ask.")] = False,
    fmt: Format = "table",
) -> None:
    """Delete a deal with its history and activities (asks unless --yes).

    Example: funnel delete 12 --yes
    """
    out = _out(fmt)
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
