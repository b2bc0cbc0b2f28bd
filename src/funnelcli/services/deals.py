"""Deal use-cases: move, close, reopen, delete, list, show.

`add` and `edit` are in services/deal_edit.py (with what they were asked to
set checked in services/deal_input.py), so the verbs here load neither.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from funnelcli.clock import utc_text, within_slack
from funnelcli.errors import Conflict, Invalid, NotFound, UsageError
from funnelcli.models import Deal, Handoff, Pipeline, Stage, stage_key
from funnelcli.services import (
    OUTCOMES,
    Context,
    Owners,
    check_filter,
    find_deal,
    note_handoff,
    owner_names,
    parse_past,
    resolve_pipeline,
    resolve_stage,
)
from funnelcli.store import DealFilter
from funnelcli.store.deals import MAX_INTEGER, SORT_COLUMNS

if TYPE_CHECKING:
    from funnelcli.details import DealDetail


def money_values(
    ctx: Context, value: str | None, currency: str | None, current: str
) -> tuple[Any, str]:
    """(minor units or ..., currency) from --value/--currency; `...` = value unchanged."""
    from funnelcli.money import normalize_currency, parse_amount

    cur = normalize_currency(currency) if currency is not None else None
    if value is None:
        return ..., cur or current
    if value.strip() == "":
        return None, cur or current
    minor, found = parse_amount(value, cur or current)
    if cur is not None and found != cur:
        raise Invalid(f"--value {value} is in {found} but --currency says {cur}")
    return minor, found


def _check_order(ctx: Context, deal: Deal, at: datetime, text: str | None) -> str:
    stamp = utc_text(at)
    last = ctx.store.deals.last_event_at(deal.id)
    if last is not None and stamp < last and text is None and within_slack(stamp, last):
        return last
    if last is not None and stamp < last:
        from funnelcli.clock import local_from_utc

        shown = local_from_utc(last).strftime("%Y-%m-%d %H:%M")
        what = f"--at {text}" if text is not None else "now"
        raise Invalid(
            f"{what} is before deal {deal.id}'s last change ({shown}); history must stay in order"
        )
    return stamp


def hand_over(
    ctx: Context, deal_id: int, owner: str, from_stage: str | None, stage: Stage, stamp: str
) -> tuple[str, Handoff | None]:
    """Who owns a deal of `owner` once it enters `stage` (the stage's owner,
    if it has one), and the hand-off that is, if any: none when the deal is
    already theirs, nor when they moved it themselves (they took it; nobody
    needs telling). Names compare as --owner matches them (ASCII case)."""
    from funnelcli.store.filters import fold

    to = stage.owner
    if to is None or fold(to) == fold(owner):
        return owner, None
    by = ctx.store.who()
    if fold(by) == fold(to):
        return to, None
    return to, Handoff(deal_id, owner, to, from_stage, stage.name, by, stamp)


def record_handoff(ctx: Context, handoff: Handoff, from_stage_id: int | None, stage: Stage) -> None:
    """Write `handoff` beside the stage event just appended (its history row)."""
    from funnelcli.store.handoffs import HandoffStore

    h = handoff
    HandoffStore(ctx.store.conn).record(
        h.deal_id, from_stage_id, stage.id, h.from_owner, h.to_owner, h.by, h.at
    )


def record_move(
    ctx: Context,
    deal: Deal,
    pipeline: Pipeline,
    stage: Stage,
    at: datetime,
    note: str | None,
    at_text: str | None = None,
    *,
    read_back: bool = True,
    hand: bool = True,
) -> tuple[Deal | None, Handoff | None]:
    """Move `deal` to `stage` of `pipeline`, handing it to the stage's owner
    (hand_over); returns the deal as it is then (None when not `read_back`)
    and the hand-off made (it is also the deal's `handoff`). Not `hand`: the
    deal keeps its owner (`edit --stage S --owner NAME` names the owner)."""
    stamp = _check_order(ctx, deal, at, at_text)
    owner, handoff = deal.owner, None
    if hand:
        owner, handoff = hand_over(ctx, deal.id, deal.owner, deal.stage, stage, stamp)
    values: dict[str, Any] = {
        "pipeline_id": pipeline.id,
        "stage_id": stage.id,
        "stage_entered_at": stamp,
        "updated_at": ctx.now_utc,
    }
    if owner != deal.owner:
        values["owner"] = owner
    read: Any = None
    with ctx.store.batch():
        ctx.store.deals.append_event(
            deal.id,
            from_stage=(deal.stage_id, "open"),
            to_stage=(stage.id, "open"),
            at=stamp,
            note=note,
            recorded_at=ctx.now_utc,
            set_deal=values,
        )
        if handoff is not None:
            record_handoff(ctx, handoff, deal.stage_id, stage)
        if read_back:
            read = ctx.store.deals.get_later(deal.id)
    moved: Deal | None = read() if read is not None else None
    if moved is not None:
        moved.handoff = handoff
    return moved, handoff


def move_deal(
    ctx: Context, ref: str, stage_name: str, at: str | None = None, note: str | None = None
) -> Deal:
    with ctx.store.write():
        deal = find_deal(ctx, ref, narrow=("open",))
        if deal.status != "open":
            raise Conflict(f"deal {deal.id} is {deal.status}; `funnel reopen {deal.id}` first")
        pipeline = ctx.store.pipelines.by_id(deal.pipeline_id)
        stage = resolve_stage(pipeline, stage_name)
        if stage.id == deal.stage_id:
            raise Conflict(f"deal {deal.id} is already in {stage.name}")
        moved, _ = record_move(ctx, deal, pipeline, stage, parse_past(ctx, at), note, at)
    assert moved is not None
    ctx.happened("move", moved, from_stage=deal.stage, to_stage=moved.stage)
    if moved.handoff is not None:  # on-handoff after on-move
        note_handoff(ctx, moved, moved.handoff)
    return moved


def close_deal(
    ctx: Context,
    ref: str,
    outcome: str,
    *,
    at: str | None = None,
    value: str | None = None,
    reason: str | None = None,
) -> Deal:
    """Win or lose an open deal; the deal keeps the stage it closed in."""
    with ctx.store.write():
        deal = find_deal(ctx, ref, narrow=("open",))
        if deal.status != "open":
            raise Conflict(f"deal {deal.id} is already {deal.status}")
        values: dict[str, Any] = {}
        if outcome == "lost":
            if reason is None or not reason.strip():
                raise Invalid("a lost deal needs --reason")
            values["lost_reason"] = reason
        if value is not None:
            if not value.strip():
                raise Invalid("--value: give the final amount (or leave --value out)")
            minor, currency = money_values(ctx, value, None, deal.currency)
            if currency != deal.currency:
                raise Invalid(
                    f"--value {value} is in {currency} but deal {deal.id} is in "
                    f"{deal.currency}; change its currency with `funnel edit` first"
                )
            values.update(value=minor)
        stamp = _check_order(ctx, deal, parse_past(ctx, at), at)
        # A closed deal needs no follow-up, and a snooze must not outlive it.
        values.update(snoozed_until=None, snooze_reason=None)
        values.update(status=outcome, closed_at=stamp, next_follow_up=None, updated_at=ctx.now_utc)
        closed = ctx.store.deals.append_event(
            deal.id,
            from_stage=(deal.stage_id, "open"),
            to_stage=(deal.stage_id, outcome),
            at=stamp,
            note=reason,
            recorded_at=ctx.now_utc,
            set_deal=values,
            read_back=True,
        )
    assert closed is not None
    ctx.happened("close", closed, outcome=outcome)
    return closed


def reopen_deal(
    ctx: Context, ref: str, stage_name: str | None = None, at: str | None = None
) -> Deal:
    with ctx.store.write():
        deal = find_deal(ctx, ref, narrow=("won", "lost"))
        if deal.status == "open":
            raise Conflict(f"deal {deal.id} is already open")
        pipeline = ctx.store.pipelines.by_id(deal.pipeline_id)
        stage = resolve_stage(pipeline, stage_name) if stage_name else None
        if stage is None:
            stage = next((s for s in pipeline.stages if s.id == deal.stage_id), None)
            if stage is None:
                raise Invalid(f"deal {deal.id}'s stage was removed; give --stage")
        stamp = _check_order(ctx, deal, parse_past(ctx, at), at)
        # back in the conveyor: a stage with an owner hands it over as a move does
        owner, handoff = hand_over(ctx, deal.id, deal.owner, deal.stage, stage, stamp)
        with ctx.store.batch():
            ctx.store.deals.append_event(
                deal.id,
                from_stage=(deal.stage_id, deal.status),
                to_stage=(stage.id, "open"),
                at=stamp,
                note=None,
                recorded_at=ctx.now_utc,
                set_deal={
                    "status": "open",
                    "stage_id": stage.id,
                    "stage_entered_at": stamp,
                    "closed_at": None,
                    "lost_reason": None,
                    "updated_at": ctx.now_utc,
                    "owner": owner,
                },
            )
            if handoff is not None:
                record_handoff(ctx, handoff, deal.stage_id, stage)
            read = ctx.store.deals.get_later(deal.id)
        reopened = read()
    assert reopened is not None
    reopened.handoff = handoff
    if handoff is not None:
        note_handoff(ctx, reopened, handoff)
    return reopened


def delete_deal(ctx: Context, ref: str) -> Deal:
    with ctx.store.write():
        deal = find_deal(ctx, ref)
        ctx.store.deals.delete(deal.id)
    return deal


def deal_detail(ctx: Context, ref: str) -> DealDetail:
    with ctx.store.read():
        deal = find_deal(ctx, ref)
        from funnelcli.details import DealDetail

        score = None
        if deal.status == "open":
            from funnelcli.services.score import deal_score

            today = ctx.now.date()
            score = deal_score(deal, today, today.isoformat())
        return DealDetail(
            deal, ctx.store.deals.history(deal.id), ctx.store.deals.activities(deal.id), score
        )


STATUSES = ("open", "won", "lost", "all")


def deal_filter(
    ctx: Context,
    *,
    status: str = "open",
    stage: str | None = None,
    pipeline: str | None = None,
    owner: Owners = None,
    tags: list[str] | None = None,
    sources: list[str] | None = None,
    search: str | None = None,
    sort: str = "id",
    limit: int | None = None,
) -> DealFilter:
    """Check list options against the database; call inside a read transaction.
    An owner, tag or source no deal has is an error, not an empty list."""
    if status not in STATUSES:
        raise UsageError(f"--status must be one of {', '.join(STATUSES)}, not '{status}'")
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key not in SORT_COLUMNS and key != "score":
        raise NotFound(f"--sort: no field '{key}' (fields: {', '.join(SORT_COLUMNS)}, score)")
    if key == "score" and descending:
        raise Invalid("--sort score is highest first already; there is no -score")
    if limit is not None and limit < 0:
        raise Invalid("--limit can't be negative")
    if limit is not None:
        limit = min(limit, MAX_INTEGER)  # more than SQLite can count means no limit
    flt = DealFilter(
        status=None if status == "all" else status,
        owners=list(owner_names(owner)),
        tags=list(tags or []),
        sources=list(sources or []),
        search=search,
        sort=key,
        descending=descending,
        limit=limit,
    )
    if pipeline is not None:
        flt.pipeline_id = resolve_pipeline(ctx, pipeline).id
    if stage is not None:
        if (outcome := stage_key(stage)) in OUTCOMES:  # where `funnel won DEAL` is no answer
            raise Invalid(f"'{stage}' is an outcome, not a stage: use `--status {outcome}`")
        if pipeline is not None:
            flt.stage_ids = [resolve_stage(ctx.store.pipelines.by_id(flt.pipeline_id), stage).id]  # type: ignore[arg-type]
        else:
            flt.stage_ids = _stage_ids_anywhere(ctx, stage)
    check_filter(ctx, "owner", flt.owners)
    check_filter(ctx, "tag", flt.tags)
    check_filter(ctx, "source", flt.sources)
    return flt


def _stage_ids_anywhere(ctx: Context, name: str) -> list[int]:
    """A stage name without --pipeline: that stage in every pipeline that has it."""
    ids: list[int] = []
    errors: list[Exception] = []
    pipelines = ctx.store.pipelines.all()
    for pipeline in pipelines:
        try:
            ids.append(resolve_stage(pipeline, name).id)
        except NotFound as exc:
            errors.append(exc)
        # Invalid (ambiguous in one pipeline) propagates: listing only the
        # pipelines where it happens to be unique would hide deals.
    if not ids:
        if len(errors) == 1:
            raise errors[0]
        from funnelcli.suggest import did_you_mean

        close = did_you_mean(name, (s.name for p in pipelines for s in p.stages)).strip()
        raise NotFound(f"no stage '{name}' in any pipeline" + (f" ({close})" if close else ""))
    return ids


def list_deals(ctx: Context, flt: DealFilter) -> Iterator[Deal]:
    """Deals matching the filter; iterate inside `ctx.reading()`."""
    return ctx.store.deals.find(flt)


def list_deal_rows(ctx: Context, flt: DealFilter) -> Iterator[dict[str, Any]]:
    """The same, as the store's deal_values() dicts (no Deal made: for output
    that streams a record per row)."""
    return ctx.store.deals.rows(flt)
