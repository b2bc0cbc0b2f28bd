"""What tables and text views show for each kind of result."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from funnelcli.render.output import Column, Line
from funnelcli.render.text import safe

if TYPE_CHECKING:
    from funnelcli.details import DealDetail, PipelineSummary
    from funnelcli.models import Deal, Handoff, Stage
    from funnelcli.services.followups import DueItem


def local_time(utc: str | None) -> str:
    """Stored UTC text -> 'YYYY-MM-DD HH:MM' local; midnight shows as the date."""
    if not utc:
        return ""
    from funnelcli.clock import local_from_utc

    moment = local_from_utc(utc)
    if (moment.hour, moment.minute, moment.second) == (0, 0, 0):
        return moment.strftime("%Y-%m-%d")
    return moment.strftime("%Y-%m-%d %H:%M")


def when(local_iso: str | None) -> str:
    return (local_iso or "").replace("T", " ")


def amount(deal: Deal) -> str:
    if deal.value is None:
        return ""
    from funnelcli.money import format_amount

    return format_amount(deal.value, deal.currency)


# At a narrow terminal (render/fit.py) Title, Org, Stage and Owner are cut
# with "…"; then Owner leaves first, then Org, Stage, Next (`drop`).
DEAL_COLUMNS: list[Column[Deal]] = [
    Column("ID", lambda d: str(d.id), "right", "cyan"),
    Column("Title", lambda d: d.title, style="bold", cut=True, least=12),
    Column("Org", lambda d: d.org or "", cut=True, drop=2, least=8),
    Column(
        "Stage",
        lambda d: d.stage if d.status == "open" else f"{d.status} ({d.stage})",
        style="magenta",
        cut=True,
        drop=3,
    ),
    Column("Value", amount, "right", "green"),
    Column("Owner", lambda d: d.owner, cut=True, drop=1, least=6),
    Column("Next", lambda d: when(d.next_follow_up), style="yellow", drop=4),
]


def deal_summary(deal: Deal) -> str:
    """One line naming a deal, for messages on stderr."""
    state = deal.stage if deal.status == "open" else f"{deal.status} in {deal.stage}"
    value = f", {amount(deal)}" if deal.value is not None else ""
    return safe(f"#{deal.id} {deal.title} ({state}{value})")


def handoff_line(h: Handoff) -> str:
    """The hand-off a command made, for a message on stderr."""
    return safe(f"handed #{h.deal_id} to {h.to_owner} (from {h.from_owner})")


def _snoozed(deal: Deal) -> str | None:
    """`2027-01-15 (budget opens in January)`, or None when never snoozed."""
    if not deal.snoozed_until:
        return None
    reason = f" ({deal.snooze_reason})" if deal.snooze_reason else ""
    return deal.snoozed_until + reason


def deal_lines(detail: DealDetail) -> list[Line]:
    d = detail.deal
    status = d.stage if d.status == "open" else f"{d.status} (closed in {d.stage})"
    lines: list[Line] = [[(f"#{d.id} ", "cyan"), (d.title, "bold")]]
    facts = [
        ("stage", status),
        ("pipeline", d.pipeline),
        ("value", amount(d)),
        ("probability", f"{d.probability}%"),
        ("owner", d.owner),
        ("org", d.org),
        ("contact", d.contact),
        ("email", d.email),
        ("phone", d.phone),
        ("source", d.source),
        ("tags", ", ".join(d.tags)),
        ("expected close", d.expected_close),
        ("next follow-up", when(d.next_follow_up)),
        ("snoozed until", _snoozed(d)),
        ("lost reason", d.lost_reason),
        ("external id", d.external_id),
        ("created", local_time(d.created_at)),
        ("updated", local_time(d.updated_at)),
        ("closed", local_time(d.closed_at)),
        ("uuid", d.uuid),
    ]
    facts += [(f"field {k}", v) for k, v in d.fields.items()]
    if detail.score is not None:
        from funnelcli.render.score import explain_line, score_text

        facts += [("score", score_text(detail.score)), ("score parts", explain_line(detail.score))]
    from funnelcli.render.fit import display_width, pad

    for label, value in facts:
        if value:  # a long or wide custom field's name still leaves a space
            lines.append([(pad(f"  {label} ", 17, False, display_width), "dim"), (value, "")])
    lines.append([])
    lines.append([("History", "bold")])
    for h in detail.history:
        line: Line = [(f"  {local_time(h.at):<17}", "dim")]
        if h.from_stage is None:
            line.append((f"created in {h.to_stage}", "magenta"))
        else:
            line.append((f"{h.from_stage} → {h.to_stage}", "magenta"))
        if h.to_owner is not None:
            line.append((f"  handed {h.from_owner} → {h.to_owner}", "cyan"))
            if h.by is not None and h.by != h.from_owner:
                line.append((f" by {h.by}", "dim"))
        first, *more = _note_lines(h.note)
        if first:
            line.append((f"  {first}", ""))
        lines.append(line)
        lines += [[(" " * 19 + " " * display_width(line[1][0]) + "  " + m, "")] for m in more]
    if detail.activities:
        lines.append([])
        lines.append([("Activities", "bold")])
        for a in detail.activities:
            first, *more = _note_lines(a.note)
            kind = pad(a.kind, 8, False, display_width)  # 電話 takes 4 cells
            lines.append(
                [(f"  {local_time(a.at):<17}", "dim"), (kind, "yellow"), (f" {first}", "")]
            )
            lines += [[(" " * (20 + display_width(kind)) + m, "")] for m in more]
    return lines


def _note_lines(note: str | None) -> list[str]:
    """A note's lines (a meeting's notes may be several): each shown on its own
    line under the first, not as `\\x0a`; "" for no note."""
    return [part.removesuffix("\r") for part in (note or "").split("\n")]


PIPELINE_COLUMNS: list[Column[tuple[PipelineSummary, Stage]]] = [
    Column(
        "Pipeline",
        lambda ps: ps[0].pipeline.name + (" *" if ps[0].is_default else ""),
        style="bold",
        cut=True,
    ),
    Column("#", lambda ps: str(ps[1].position), "right"),
    Column("Stage", lambda ps: ps[1].name, style="magenta", cut=True, least=12),
    Column("Prob %", lambda ps: str(ps[1].probability), "right"),
    Column("Rot days", lambda ps: str(ps[1].rot_days), "right"),
    Column("Cadence", lambda ps: str(ps[1].cadence_days), "right"),
    Column("Open", lambda ps: str(ps[0].open_deals.get(ps[1].id, 0)), "right", "green"),
]

# Shown only when some stage listed has an owner (the conveyor): the table of
# a pipeline without any stays as it was.
STAGE_OWNER_COLUMN: Column[tuple[PipelineSummary, Stage]] = Column(
    "Owner", lambda ps: ps[1].owner or "", cut=True, drop=1
)


def due_label(item: DueItem) -> str:
    if item.state == "overdue":
        return f"overdue {item.days_overdue}d"
    return str(item.state)


# Narrow: Owner leaves first, then Org, Stage, When (Due still says how late).
def due_when(item: DueItem) -> str:
    """When a listed deal is due: its follow-up (with its time), or its wake-up
    day when that is later (a follow-up set while it slept)."""
    nxt = item.deal.next_follow_up
    if item.due_on and (not nxt or nxt[:10] != item.due_on):
        return when(item.due_on)
    return when(nxt)


DUE_COLUMNS: list[Column[Any]] = [
    Column("Due", due_label, style="yellow"),
    Column("When", lambda i: due_when(i), drop=4),
    Column("ID", lambda i: str(i.deal.id), "right", "cyan"),
    Column("Title", lambda i: i.deal.title, style="bold", cut=True, least=12),
    Column("Org", lambda i: i.deal.org or "", cut=True, drop=2, least=8),
    Column("Stage", lambda i: i.deal.stage, style="magenta", cut=True, drop=3),
    Column("Value", lambda i: amount(i.deal), "right", "green"),
    Column("Owner", lambda i: _handed(i), cut=True, drop=1, least=6),
]


def _handed(item: DueItem) -> str:
    """The owner, and whom it came from while they haven't looked (`funnel inbox`)."""
    h = item.handoff
    return item.deal.owner if h is None else f"{item.deal.owner} ← {h.from_owner}"


# Narrow: Owner, Org, Rot, Last touch, Stage leave in that order.
STALE_COLUMNS: list[Column[Any]] = [
    Column("ID", lambda i: str(i.deal.id), "right", "cyan"),
    Column("Title", lambda i: i.deal.title, style="bold", cut=True, least=12),
    Column("Org", lambda i: i.deal.org or "", cut=True, drop=2, least=8),
    Column("Stage", lambda i: i.deal.stage, style="magenta", cut=True, drop=5),
    Column("Idle", lambda i: f"{i.idle_days}d", "right", "red"),
    Column("Rot", lambda i: f"{i.rot_days}d", "right", drop=3),
    Column("Last touch", lambda i: local_time(i.deal.last_activity_at), drop=4),
    Column("Value", lambda i: amount(i.deal), "right", "green"),
    Column("Owner", lambda i: i.deal.owner, cut=True, drop=1, least=6),
]
