"""`funnel board`: the pipeline as columns, one per stage (kanban)."""

from typing import TYPE_CHECKING

import typer

from funnelcli.cli.options import Format, OwnerFilter, PipelineOpt
from funnelcli.cli.state import state
from funnelcli.render.output import single_output
from funnelcli.render.records import deal_record
from funnelcli.render.text import safe
from funnelcli.render.views import amount, when

if TYPE_CHECKING:
    from funnelcli.models import Deal


def _mark(deal: "Deal", today: str) -> str:
    """'!' overdue, '*' due today: what a seller scans the board for."""
    from funnelcli.services.followups import effective_due

    nxt = effective_due(deal)  # a snoozed deal is due on its wake-up day
    if not nxt:
        return ""
    return "!" if nxt < today else ("*" if nxt == today else "")


def board(
    ctx: typer.Context,
    pipeline: PipelineOpt = None,
    owner: OwnerFilter = None,
    fmt: Format = "table",
) -> None:
    """A pipeline's open deals as columns, one per stage, with value.

    ! marks an overdue follow-up, * one due today.

    Example: funnel board --owner anna
    """
    from funnelcli.services import resolve_pipeline
    from funnelcli.services.deals import deal_filter, list_deals

    out = single_output(fmt)
    c = state(ctx).context(write=False)
    today = c.now.date().isoformat()
    with c.reading():
        p = resolve_pipeline(c, pipeline)
        deals = list(list_deals(c, deal_filter(c, pipeline=p.name, owner=owner, sort="next")))
    columns = {s.id: [d for d in deals if d.stage_id == s.id] for s in p.stages}
    if out.fmt == "json":
        out.emit_object(
            lambda: {
                "pipeline": p.name,
                "stages": [
                    {
                        "stage": s.name,
                        "deals": [
                            {**deal_record(d), "follow_up_mark": _mark(d, today) or None}
                            for d in columns[s.id]
                        ],
                    }
                    for s in p.stages
                ],
            },
            list,
        )
        return

    def card(d: "Deal") -> str:
        value = f" · {amount(d)}" if d.value is not None else ""
        nxt = f" · {_mark(d, today)}{when(d.next_follow_up)}" if d.next_follow_up else ""
        return f"#{d.id} {d.title}{value}{nxt}"

    if not out.tty:
        for s in p.stages:
            out.out.write(safe(f"{s.name} ({len(columns[s.id])})") + "\n")
            for d in columns[s.id]:
                out.out.write("  " + safe(card(d)) + "\n")
        return
    from funnelcli.render.board import Card, board_lines

    def drawn(d: "Deal") -> Card:
        mark = _mark(d, today)
        style = "bold red" if mark == "!" else ("yellow" if mark == "*" else "")
        whole = [amount(d)] if d.value is not None else []
        whole += [f"{mark}{when(d.next_follow_up)}"] if d.next_follow_up else []
        return Card(safe(f"#{d.id} {d.title}"), [safe(w) for w in whole], style)

    # a stage's name is data (an import with --create-stages names stages)
    stages = [(safe(s.name), [drawn(d) for d in columns[s.id]]) for s in p.stages]
    out.lines(board_lines(stages, out.width()))
