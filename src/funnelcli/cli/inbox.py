"""`funnel inbox`: the deals handed to you (moved into a stage you own) since
you last looked."""

from typing import TYPE_CHECKING, Annotated, Any

import typer

from funnelcli.cli.options import Format
from funnelcli.cli.state import state
from funnelcli.render.output import Column, Output
from funnelcli.render.text import safe

if TYPE_CHECKING:
    from funnelcli.services.handoffs import InboxItem


def inbox_record(item: "InboxItem") -> dict[str, Any]:
    """A hand-off as `inbox` writes it in JSON, JSONL and CSV (docs/json.md)."""
    from funnelcli.money import to_major

    return {
        "id": item.id,
        "deal_id": item.deal_id,
        "title": item.title,
        "org": item.org,
        "value": None if item.value is None else to_major(item.value, item.currency),
        "currency": item.currency,
        "pipeline": item.pipeline,
        "from_stage": item.from_stage,
        "to_stage": item.to_stage,
        "from_owner": item.from_owner,
        "to_owner": item.to_owner,
        "by": item.by,
        "at": item.at,
        "seen": item.seen,
        "stage": item.stage,
        "status": item.status,
        "owner": item.owner,
    }


def _value(item: "InboxItem") -> str:
    from funnelcli.money import format_amount

    return "" if item.value is None else format_amount(item.value, item.currency)


def _came(item: "InboxItem") -> str:
    """Where it came from: the stage (or "new" for an added deal) and whose it was."""
    return f"{item.from_stage or 'new'} ({item.from_owner})"


def _now(item: "InboxItem") -> str:
    """Where it is now, when it has gone on since (or closed)."""
    if item.status != "open":
        return item.status
    return "" if item.stage == item.to_stage else item.stage


def _columns(everything: bool) -> list[Column["InboxItem"]]:
    from funnelcli.render.views import local_time

    return [
        Column("When", lambda i: local_time(i.at), drop=4),
        Column("ID", lambda i: str(i.deal_id), "right", "cyan"),
        Column("Title", lambda i: i.title, style="bold", cut=True, least=12),
        Column("To", lambda i: i.to_stage, style="magenta", cut=True),
        Column("From", _came, cut=True, drop=2),
        Column("By", lambda i: i.by, cut=True, drop=1, least=6),
        Column("Value", _value, "right", "green"),
        Column("Now", _now, cut=True, drop=3),
        *([Column("Seen", lambda i: "yes" if i.seen else "new", drop=5)] if everything else []),
    ]


def inbox(
    ctx: typer.Context,
    owner: Annotated[
        str | None,
        typer.Option("--owner", help="Whose inbox (default: you: config user, FUNNEL_USER)."),
    ] = None,
    peek: Annotated[
        bool, typer.Option("--peek", help="List without marking them as seen.")
    ] = False,
    everything: Annotated[
        bool, typer.Option("--all", help="Every hand-off to them, seen before or not.")
    ] = False,
    fmt: Format = "table",
) -> None:
    """Deals handed to you since you last looked: who handed them over, from which stage.

    A deal is handed over when it enters a stage with an owner (`funnel stage
    set S --owner NAME`). Listing them marks them as seen, so the next `inbox`
    shows only what came after; `--peek` leaves them new, `--all` lists them
    all again. An empty inbox prints nothing. An --owner who owns no stage
    and was never handed a deal is refused (exit 1): most likely a typo.

    Examples: funnel inbox
              funnel inbox --owner bob --peek --format json
    """
    from funnelcli.services.handoffs import inbox as listed

    out = Output(fmt)
    c = state(ctx).context(write=not peek)
    items = listed(c, owner, peek=peek, everything=everything)
    out.emit_list(items, inbox_record, _columns(everything))
    fresh = sum(not i.seen for i in items)
    if fresh and not peek and out.fmt == "table":
        out.message(
            safe(f"{fresh} new hand-off(s) marked as seen; `funnel inbox --all` lists them")
        )
