"""`add` and `edit`: the deal verbs that take DealChanges.

Apart from cli/deals.py so the other deal verbs don't import
services/deal_input.py (DealChanges and the checks of what these set).
"""

from typing import Annotated, Any

import typer

from funnelcli.cli.deals import Tags, deal_output, report_deal
from funnelcli.cli.group import say
from funnelcli.cli.options import DealArg, Format, PipelineOpt
from funnelcli.cli.state import state
from funnelcli.render.text import safe
from funnelcli.services.deal_edit import add_deal, edit_deal
from funnelcli.services.deal_input import DealChanges

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


def _changes(params: dict[str, Any]) -> DealChanges:
    """DealChanges from the options add and edit share (Typer names them alike)."""
    names = set(DealChanges.__slots__)
    values = {k: v for k, v in params.items() if k in names}
    values.update(
        tags=params.get("tag") or [],
        untags=params.get("untag") or [],
        fields=params.get("field") or [],
    )
    return DealChanges(**values)


def add(
    ctx: typer.Context,
    title: Annotated[
        str, typer.Argument(help="What the deal is, e.g. 'Acme renewal'.", metavar="TITLE")
    ],
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
    deal_output(fmt)
    ch = _changes(ctx.params)
    context = state(ctx).context(write=True)
    deal = add_deal(context, title, ch, at)
    report_deal(fmt, deal, "added")
    say_notes(context.notes)


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
    deal_output(fmt)
    ch = _changes(ctx.params)
    context = state(ctx).context(write=True)
    changed = edit_deal(context, deal, ch)
    report_deal(fmt, changed, "updated")
    say_notes(context.notes)


def say_notes(notes: list[str]) -> None:
    """The service's notes, one line each on stderr, after the command's own."""
    for note in notes:
        say(f"note: {safe(note)}\n")
