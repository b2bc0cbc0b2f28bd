"""Dataclasses -> the JSON objects CLI.md promises (the contract lives here)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from funnelcli.money import to_major

if TYPE_CHECKING:
    from funnelcli.details import Activity, DealDetail, HistoryEntry, PipelineSummary
    from funnelcli.models import Deal, Handoff, Stage
    from funnelcli.services.followups import DueItem, StaleItem


def follow_up_at(value: str | None) -> str | None:
    """A follow-up set with a time, as a full local timestamp with its offset
    (`2026-11-27T10:00:00+01:00`, the database's zone); None for one set as a day (or none). The
    stored value is local time: a date, or a date-time when a time was given."""
    if value is None or "T" not in value:
        return None
    from datetime import datetime

    from funnelcli.clock import zone

    moment, where = datetime.fromisoformat(value), zone()
    moment = moment.replace(tzinfo=where) if where is not None else moment.astimezone()
    return moment.isoformat(timespec="seconds")


def deal_record(deal: Deal) -> dict[str, Any]:
    return {
        "id": deal.id,
        "uuid": deal.uuid,
        "external_id": deal.external_id,
        "title": deal.title,
        "org": deal.org,
        "contact": deal.contact,
        "email": deal.email,
        "phone": deal.phone,
        "value": None if deal.value is None else to_major(deal.value, deal.currency),
        "currency": deal.currency,
        "owner": deal.owner,
        "pipeline": deal.pipeline,
        "stage": deal.stage,
        "status": deal.status,
        "probability": deal.probability,
        "tags": deal.tags,
        "source": deal.source,
        "lost_reason": deal.lost_reason,
        "expected_close": deal.expected_close,
        # always a day; the time, when one was given, is next_follow_up_at
        "next_follow_up": deal.next_follow_up and deal.next_follow_up[:10],
        "created_at": deal.created_at,
        "updated_at": deal.updated_at,
        "closed_at": deal.closed_at,
        "stage_entered_at": deal.stage_entered_at,
        "fields": deal.fields,
        "touches": deal.touches,
        "last_activity_at": deal.last_activity_at,
        "snoozed_until": deal.snoozed_until,
        "snooze_reason": deal.snooze_reason,
        "next_follow_up_at": follow_up_at(deal.next_follow_up),
    }


def deal_row_record(v: dict[str, Any]) -> dict[str, Any]:
    """deal_record() straight from the store's deal_values(), without a Deal in
    between (for `list` and `export`, a record per streamed row)."""
    value, override = v["value"], v["probability_override"]
    return {
        "id": v["id"], "uuid": v["uuid"], "external_id": v["external_id"],
        "title": v["title"], "org": v["org"], "contact": v["contact"],
        "email": v["email"], "phone": v["phone"],
        "value": None if value is None else to_major(value, v["currency"]),
        "currency": v["currency"], "owner": v["owner"], "pipeline": v["pipeline"],
        "stage": v["stage"], "status": v["status"],
        "probability": v["stage_probability"] if override is None else override,
        "tags": v["tags"], "source": v["source"], "lost_reason": v["lost_reason"],
        "expected_close": v["expected_close"],
        "next_follow_up": v["next_follow_up"] and v["next_follow_up"][:10],
        "created_at": v["created_at"], "updated_at": v["updated_at"],
        "closed_at": v["closed_at"], "stage_entered_at": v["stage_entered_at"],
        "fields": v["fields"], "touches": v["touches"],
        "last_activity_at": v["last_activity_at"],
        "snoozed_until": v["snoozed_until"], "snooze_reason": v["snooze_reason"],
        "next_follow_up_at": follow_up_at(v["next_follow_up"]),
    }  # fmt: skip


def handoff_record(h: Handoff | None) -> dict[str, Any] | None:
    """The hand-off a move, add or reopen made (None: none)."""
    if h is None:
        return None
    return {
        "deal_id": h.deal_id,
        "from_owner": h.from_owner,
        "to_owner": h.to_owner,
        "from_stage": h.from_stage,
        "to_stage": h.to_stage,
        "by": h.by,
        "at": h.at,
    }


def history_record(entry: HistoryEntry) -> dict[str, Any]:
    handoff = None
    if entry.to_owner is not None:
        handoff = {"from_owner": entry.from_owner, "to_owner": entry.to_owner, "by": entry.by}
    return {
        "from_stage": entry.from_stage,
        "to_stage": entry.to_stage,
        "at": entry.at,
        "note": entry.note,
        "handoff": handoff,
    }


def activity_record(activity: Activity) -> dict[str, Any]:
    return {"id": activity.id, "kind": activity.kind, "note": activity.note, "at": activity.at}


def detail_record(detail: DealDetail) -> dict[str, Any]:
    record = deal_record(detail.deal)
    record["history"] = [history_record(h) for h in detail.history]
    record["activities"] = [activity_record(a) for a in detail.activities]
    from funnelcli.render.score import score_fields

    record.update(score_fields(detail.score, explain=True))
    return record


def stage_record(stage: Stage, open_deals: int | None = None) -> dict[str, Any]:
    record: dict[str, Any] = {
        "name": stage.name,
        "position": stage.position,
        "probability": stage.probability,
        "rot_days": stage.rot_days,
        "cadence_days": stage.cadence_days,
        "owner": stage.owner,
    }
    if open_deals is not None:
        record["open_deals"] = open_deals
    return record


def pipeline_record(summary: PipelineSummary) -> dict[str, Any]:
    p = summary.pipeline
    return {
        "name": p.name,
        "uuid": p.uuid,
        "default": summary.is_default,
        "stages": [stage_record(s, summary.open_deals.get(s.id, 0)) for s in p.stages],
    }


def due_record(item: DueItem) -> dict[str, Any]:
    """A deal in `funnel due`: the deal object plus due_state, days_overdue,
    due_on and its priority score."""
    record = deal_record(item.deal)
    record["due_state"] = item.state
    record["days_overdue"] = item.days_overdue
    record["due_on"] = item.due_on
    record["handoff"] = handoff_record(item.handoff)
    s = item.score
    record["score"] = None if s is None or s.score is None else _score_major(s.score, s.currency)
    return record


def _score_major(minor: float, currency: str) -> int | float:
    """A priority score (minor units, a float) in major units, to the cent."""
    return to_major(round(minor), currency)


def stale_record(item: StaleItem) -> dict[str, Any]:
    record = deal_record(item.deal)
    record["idle_days"] = item.idle_days
    record["rot_days"] = item.rot_days
    return record
