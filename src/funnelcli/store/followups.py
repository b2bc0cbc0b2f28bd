"""SQL for the due and stale lists."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from funnelcli.models import Deal
from funnelcli.store.deal_row import DEAL_FIELDS, DEAL_FROM, DEAL_ROW, DEAL_SELECT
from funnelcli.store.deals import decode_deal
from funnelcli.store.dialect import Connection
from funnelcli.store.filters import one_of

DEAL_SQL = dict(DEAL_ROW)

# Snoozed until a later day: out of `due` and `stale` until then.
_AWAKE = "(d.snoozed_until IS NULL OR d.snoozed_until <= :today)"


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
            DEAL_SELECT
            + " WHERE d.status = 'open' AND d.next_follow_up < :until AND "
            + _AWAKE
            + _scope(owners, pipeline_id, params)
            + " ORDER BY d.next_follow_up, d.id"
        )
        for row in self.conn.execute(sql, params):
            yield decode_deal(row)

    def unscheduled(
        self, today: str, owners: Sequence[str], pipeline_id: int | None
    ) -> Iterator[Deal]:
        """Open, awake deals with no next follow-up, by number."""
        params: dict[str, Any] = {"today": today}
        sql = (
            DEAL_SELECT
            + " WHERE d.status = 'open' AND d.next_follow_up IS NULL AND "
            + _AWAKE
            + _scope(owners, pipeline_id, params)
            + " ORDER BY d.id"
        )
        for row in self.conn.execute(sql, params):
            yield decode_deal(row)

    def unscheduled_inputs(
        self, today: str, owners: Sequence[str], pipeline_id: int | None
    ) -> list[tuple[Any, ...]]:
        """Open, awake deals with no next follow-up: of each, what its priority
        score is made from (services/score.py ScoreInputs, in that order),
        without the rest of its row."""
        params: dict[str, Any] = {"today": today}
        sql = (
            "SELECT d.id, d.currency, d.value, coalesce(d.probability, s.probability), "
            f"d.stage_entered_at, d.last_activity_at, d.snoozed_until, d.next_follow_up, "
            f"s.rot_days, {DEAL_SQL['touches']} FROM deals d JOIN stages s ON s.id = d.stage_id "
            "WHERE d.status = 'open' AND d.next_follow_up IS NULL AND "
            + _AWAKE
            + _scope(owners, pipeline_id, params)
        )
        return self.conn.execute(sql, params).fetchall()

    def deals(self, ids: Sequence[int]) -> list[Deal]:
        """The deals numbered `ids`, in that order."""
        names = [f":d{i}" for i in range(len(ids))]
        sql = f"{DEAL_SELECT} WHERE d.id IN ({', '.join(names) or 'NULL'})"
        found = {
            d.id: d
            for d in map(
                decode_deal,
                self.conn.execute(sql, dict(zip((n[1:] for n in names), ids, strict=True))),
            )
        }
        return [found[i] for i in ids]

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
