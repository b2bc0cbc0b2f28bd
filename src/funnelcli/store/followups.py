"""SQL for the due and stale lists."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from funnelcli.models import Deal, Handoff
from funnelcli.store.deal_row import DEAL_FIELDS, DEAL_FROM
from funnelcli.store.deals import decode_deal
from funnelcli.store.dialect import Connection
from funnelcli.store.filters import one_of
from funnelcli.store.score import ranked_sql, scored_row

# Snoozed until a later day: out of `due` and `stale` until then.
_AWAKE = "(d.snoozed_until IS NULL OR d.snoozed_until <= :today)"

# `due`'s deals with the hand-off that made each its owner's, while they
# haven't looked at it (`funnel inbox`): the deal's newest hand-off, when it
# went to its owner now and is past their inbox mark. In the one query (no
# round trip of its own), a seek of handoffs_deal per deal listed.
_HANDED = ", h.from_owner, h.to_owner, hfs.name, hts.name, h.handed_by, h.at"
_HANDED_FROM = """
LEFT JOIN handoffs h ON h.id = (SELECT max(x.id) FROM handoffs x WHERE x.deal_id = d.id)
    AND lower(h.to_owner) = lower(d.owner)
    AND h.id > coalesce((SELECT m.last_seen FROM inbox_seen m
                         WHERE m.owner = lower(h.to_owner)), 0)
LEFT JOIN stages hfs ON hfs.id = h.from_stage_id
LEFT JOIN stages hts ON hts.id = h.to_stage_id
"""


def _handoff(deal_id: int, row: Sequence[Any]) -> Handoff | None:
    """The hand-off of a row ending in _HANDED's columns (None: none to show)."""
    if row[-5] is None:
        return None
    from_owner, to_owner, from_stage, to_stage, by, at = row[-6:]
    return Handoff(deal_id, from_owner, to_owner, from_stage, to_stage, by, at)


def _handed(row: Sequence[Any]) -> Deal:
    """A deal of a _HANDED row, with its `handoff`."""
    deal = decode_deal(row)
    deal.handoff = _handoff(deal.id, row)
    return deal


def _scope(owners: Sequence[str], pipeline_id: int | None, params: dict[str, Any]) -> str:
    sql = ""
    if owners:
        sql += " AND " + one_of("d.owner", owners, params, "owner")
    if pipeline_id is not None:
        sql += " AND d.pipeline_id = :pipeline"
        params["pipeline"] = pipeline_id
    return sql


class FollowUpStore:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def due(
        self, today: str, until: str, owners: Sequence[str], pipeline_id: int | None
    ) -> Iterator[Deal]:
        """Open deals whose next follow-up is before `until` (a date, exclusive),
        oldest first. A range scan of the deals_follow_up index: the cost follows
        the number of due deals, not the size of the database."""
        params: dict[str, Any] = {"today": today, "until": until}
        sql = (
            DEAL_FIELDS
            + _HANDED
            + DEAL_FROM
            + _HANDED_FROM
            + " WHERE d.status = 'open' AND d.next_follow_up < :until AND "
            + _AWAKE
            + _scope(owners, pipeline_id, params)
            + " ORDER BY d.next_follow_up, d.id"
        )
        # sent now, read when iterated: it may go in a batch with the next
        return map(_handed, self.conn.execute(sql, params))

    def unscheduled(
        self, today: str, owners: Sequence[str], pipeline_id: int | None
    ) -> Iterator[Deal]:
        """Open, awake deals with no next follow-up, by number."""
        params: dict[str, Any] = {"today": today}
        sql = (
            DEAL_FIELDS
            + _HANDED
            + DEAL_FROM
            + _HANDED_FROM
            + " WHERE d.status = 'open' AND d.next_follow_up IS NULL AND "
            + _AWAKE
            + _scope(owners, pipeline_id, params)
            + " ORDER BY d.id"
        )
        return map(_handed, self.conn.execute(sql, params))

    def unscheduled_ranked(
        self, today: str, owners: Sequence[str], pipeline_id: int | None, limit: int
    ) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        """The first `limit` open, awake deals with no next follow-up by
        priority score (store/score.py ranks them all, reads only those in
        full), each as deal_values() and its score's parts."""
        params: dict[str, Any] = {"today": today, "limit": limit}
        where = "d.status = 'open' AND d.next_follow_up IS NULL AND " + _AWAKE
        where += _scope(owners, pipeline_id, params)
        sql = ranked_sql([where], True, (_HANDED, _HANDED_FROM.rstrip()))
        for row in self.conn.execute(sql, params):
            values, parts = scored_row(row[:-6])
            values["handoff"] = _handoff(values["id"], row)  # as due() marks its deals
            yield values, parts

    def unscheduled_count(self, today: str, owners: Sequence[str], pipeline_id: int | None) -> int:
        params: dict[str, Any] = {"today": today}
        sql = (
            "SELECT count(*) FROM deals d WHERE d.status = 'open' AND d.next_follow_up IS NULL AND "
            + _AWAKE
            + _scope(owners, pipeline_id, params)
        )
        return int(self.conn.execute(sql, params).fetchone()[0])

    def stale(
        self, today: str, now_utc: str, owners: Sequence[str], pipeline_id: int | None
    ) -> Iterator[tuple[Deal, int, int]]:
        """(deal, idle days, rot days), most overdue for attention first. Idle since
        the later of entering its stage and its last touch."""
        params: dict[str, Any] = {"today": today, "now": now_utc}
        # Whole calendar days in the database's zone, as a person counts them
        # (24-hour blocks of UTC would lose a day across a DST change).
        idle = (
            "CAST(julianday(zone_date(:now)) - julianday(zone_date(max(d.stage_entered_at, "
            "coalesce(d.last_activity_at, d.stage_entered_at)))) AS INTEGER)"
        )
        sql = (
            DEAL_FIELDS
            + f", {idle} AS idle_days, s.rot_days"
            + DEAL_FROM
            + " WHERE d.status = 'open' AND "
            + _AWAKE
            + _scope(owners, pipeline_id, params)
            + f" AND {idle} > s.rot_days ORDER BY {idle} - s.rot_days DESC, d.id"
        )
        for row in self.conn.execute(sql, params):
            yield decode_deal(row), int(row[-2]), int(row[-1])
