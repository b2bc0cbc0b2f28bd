"""Deal use-cases `add` and `edit`: the only verbs that take DealChanges.

Kept apart from services/deals.py so move, won, lost, reopen, delete, list and
show don't import services/deal_input.py.
"""

from __future__ import annotations

import uuid

from funnelcli.clock import utc_text
from funnelcli.errors import Conflict, Invalid, NotFound
from funnelcli.models import Deal, Handoff
from funnelcli.services import (
    Context,
    find_deal,
    note_handoff,
    parse_past,
    resolve_pipeline,
    resolve_stage,
)
from funnelcli.services.deal_input import (
    DealChanges,
    apply_tags_fields,
    common_values,
    field_values,
    note_new_names,
    rescale,
)
from funnelcli.services.deals import hand_over, money_values, record_handoff, record_move


def add_deal(ctx: Context, title: str, ch: DealChanges, at: str | None = None) -> Deal:
    ch.title = title
    store = ctx.store
    with store.write():
        values = common_values(ctx, ch, None)
        note_new_names(ctx, ch)
        pipeline = resolve_pipeline(ctx, ch.pipeline)
        if not pipeline.stages:
            raise Invalid(
                f"pipeline {pipeline.name} has no stages; add one with `funnel stage add`"
            )
        stage = resolve_stage(pipeline, ch.stage) if ch.stage is not None else pipeline.stages[0]
        minor, currency = money_values(ctx, ch.value, ch.currency, ctx.config.currency)
        created = utc_text(parse_past(ctx, at))
        values.update(
            value=None if minor is ... else minor,
            currency=currency,
            pipeline_id=pipeline.id,
            stage_id=stage.id,
            status="open",
            stage_entered_at=created,
            created_at=created,
            updated_at=ctx.now_utc,
            closed_at=None,
            lost_reason=None,
        )
        values.setdefault("owner", ctx.config.new_deal_owner(ctx.store.team))
        handoff = None
        if ch.owner is None:  # into a stage with an owner: theirs (--owner names another)
            values["owner"], handoff = hand_over(ctx, 0, values["owner"], None, stage, created)
        for name in (
            "org",
            "contact",
            "email",
            "phone",
            "source",
            "expected_close",
            "next_follow_up",
            "probability",
            "external_id",
        ):
            values.setdefault(name, None)
        deal_id = store.deals.insert(str(uuid.uuid4()), values)
        with store.batch():
            store.deals.append_event(
                deal_id,
                from_stage=None,
                to_stage=(stage.id, "open"),
                at=created,
                note=None,
                recorded_at=ctx.now_utc,
            )
            if handoff is not None:
                handoff.deal_id = deal_id
                record_handoff(ctx, handoff, None, stage)
            apply_tags_fields(ctx, deal_id, ch, allow_remove=False)
            if ch.note:
                store.deals.insert_activity(deal_id, "note", ch.note, created, ctx.now_utc)
            read = store.deals.get_later(deal_id)
        deal = read()
    assert deal is not None
    deal.handoff = handoff
    ctx.happened("add", deal, imported=False)
    if handoff is not None:  # on-handoff after on-add
        note_handoff(ctx, deal, handoff)
    return deal


def edit_deal(ctx: Context, ref: str, ch: DealChanges) -> Deal:
    store = ctx.store
    with store.write():
        deal = find_deal(ctx, ref)
        if ch == DealChanges():
            raise Invalid("nothing to change: give at least one option (see `funnel edit --help`)")
        if ch.follow_up and deal.status != "open":
            raise Conflict(f"deal {deal.id} is {deal.status}; a closed deal has no follow-ups")
        values = common_values(ctx, ch, deal.id)
        note_new_names(ctx, ch)
        if ch.value is not None or ch.currency is not None:
            minor, currency = money_values(ctx, ch.value, ch.currency, deal.currency)
            if minor is ... and deal.value is not None and currency != deal.currency:
                minor = rescale(deal.value, deal.currency, currency)
            if minor is not ...:
                values["value"] = minor
            values["currency"] = currency
        _, removed = field_values(ch.fields, allow_remove=True)
        missing = [k for k in removed if k not in deal.fields]
        if missing:
            raise NotFound(f"deal {deal.id} has no field '{missing[0]}'")
        handoff = None
        if ch.pipeline is not None or ch.stage is not None:
            handoff = _move_within_edit(ctx, deal, ch)
        apply_tags_fields(ctx, deal.id, ch, allow_remove=True)
        if ch.note:
            store.deals.insert_activity(deal.id, "note", ch.note, ctx.now_utc, ctx.now_utc)
        values["updated_at"] = ctx.now_utc
        store.deals.update(deal.id, values)
        updated = store.deals.get(deal.id)
    assert updated is not None
    if updated.stage_id != deal.stage_id:  # --stage or --pipeline moved it
        ctx.happened("move", updated, from_stage=deal.stage, to_stage=updated.stage)
        if handoff is not None:
            note_handoff(ctx, updated, handoff)
    return updated


def _move_within_edit(ctx: Context, deal: Deal, ch: DealChanges) -> Handoff | None:
    if deal.status != "open":
        raise Conflict(f"deal {deal.id} is {deal.status}; reopen it before changing its stage")
    if ch.pipeline is not None:
        pipeline = resolve_pipeline(ctx, ch.pipeline)
    else:
        pipeline = ctx.store.pipelines.by_id(deal.pipeline_id)
    if ch.stage is not None:
        stage = resolve_stage(pipeline, ch.stage)
    elif pipeline.id == deal.pipeline_id:
        return None
    elif pipeline.stages:
        stage = pipeline.stages[0]
    else:
        raise Invalid(f"pipeline {pipeline.name} has no stages")
    if stage.id == deal.stage_id:
        return None
    _, handoff = record_move(
        ctx, deal, pipeline, stage, ctx.now, None, read_back=False, hand=ch.owner is None
    )
    return handoff
