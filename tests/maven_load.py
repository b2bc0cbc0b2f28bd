"""Load the Maven CRM sales pipeline (`shared/data/maven-crm/sales_pipeline.csv`)
into a funnelcli database through the storage layer, in one write transaction.

One pipeline, "maven", with the data set's two stages, Prospecting (10 %) and
Engaging (50 %); won and lost are outcomes, as in funnelcli. Per row, one deal:

- owner = `sales_agent`, external id = `opportunity_id`, title = `product`,
  org = `account` (blank on open rows), currency USD;
- history: created in Prospecting, moved to Engaging at `engage_date`, then
  won or lost at `close_date` (each date at 00:00 UTC).

Decisions the data forces:

- **No creation date.** The data records when a deal entered Engaging, not when
  it was created. As PRODUCT.md says for imports, the earliest stage-entry date
  stands for it: `created_at` = `engage_date`, and the deal enters Prospecting
  and moves on to Engaging at that same instant. So every engaged deal's
  Prospecting stay lasts 0 days, and "days in Prospecting" is 0 by
  construction: it carries no information on this data set.
- **Prospecting rows (500) have no date at all.** They are kept as open deals
  in Prospecting, created at the data set's last date (`snapshot`: the latest
  date anywhere in the file, 2017-12-31), the one day they are known to have
  existed by. Still open and never having left Prospecting, they enter no time
  metric (no ended stay, no close); they count as open deals, as reaching
  Prospecting, and in the cohort of deals created on the snapshot day.
- **Values.** A won deal's value is its `close_value` (whole dollars, stored in
  cents). A lost deal's `close_value` is always 0: that is the revenue it
  brought, not the size of the opportunity, so its value is left unknown (NULL)
  rather than 0. Open rows have no `close_value`: no value either. No figure
  reads a lost deal's value, and open value / weighted value are 0 here.
- Lost deals have no reason in the data: `lost_reason` stays NULL.

Nothing is cached: callers build into a temporary directory.
"""

from __future__ import annotations

import csv
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from funnelcli.store import Store

PIPELINE = "maven"
STAGES = [("Prospecting", 10, 30, 7), ("Engaging", 50, 60, 7)]  # name, %, rot, cadence
NOW = datetime(2026, 11, 23, 10, 15, tzinfo=UTC)


@dataclass
class Loaded:
    deals: int
    snapshot: str  # the date Prospecting rows are created at


def stamp(day: str) -> str:
    """'2017-03-01' -> the stored UTC text for 00:00 that day."""
    return f"{day}T00:00:00Z"


def snapshot_date(rows: list[dict[str, str]]) -> str:
    """The latest date anywhere in the data set."""
    return max(r[col] for r in rows for col in ("engage_date", "close_date") if r[col])


def load(csv_path: Path, db_path: Path, now: datetime = NOW) -> Loaded:
    with csv_path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    snapshot = snapshot_date(rows)
    recorded = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    store = Store.open(db_path, for_write=True, now=now)
    try:
        with store.write():
            pid = store.pipelines.create(PIPELINE, STAGES, now)
            prospecting, engaging = (s.id for s in store.pipelines.by_id(pid).stages)
            for r in rows:
                _load_row(store, r, pid, prospecting, engaging, snapshot, recorded)
    finally:
        store.close()
    return Loaded(len(rows), snapshot)


def _load_row(
    store: Store,
    r: dict[str, str],
    pid: int,
    prospecting: int,
    engaging: int,
    snapshot: str,
    recorded: str,
) -> None:
    outcome = {"Won": "won", "Lost": "lost"}.get(r["deal_stage"])
    engaged = r["engage_date"]
    if r["deal_stage"] == "Prospecting":
        assert not engaged and not r["close_date"], r
        created = stamp(snapshot)
    else:
        assert engaged, r
        created = stamp(engaged)
    closed = stamp(r["close_date"]) if outcome else None
    stage = prospecting if r["deal_stage"] == "Prospecting" else engaging
    deal_id = store.deals.insert(
        str(uuid.uuid4()),
        {
            "external_id": r["opportunity_id"],
            "title": r["product"],
            "org": r["account"] or None,
            "value": int(r["close_value"]) * 100 if outcome == "won" else None,
            "currency": "USD",
            "owner": r["sales_agent"],
            "pipeline_id": pid,
            "stage_id": stage,
            "status": outcome or "open",
            "stage_entered_at": created if stage == prospecting else stamp(engaged),
            "created_at": created,
            "updated_at": recorded,
            "closed_at": closed,
        },
    )

    def event(frm: tuple[int, str] | None, to: tuple[int, str], at: str) -> None:
        store.deals.append_event(
            deal_id, from_stage=frm, to_stage=to, at=at, note=None, recorded_at=recorded
        )

    event(None, (prospecting, "open"), created)
    if stage == engaging:
        event((prospecting, "open"), (engaging, "open"), stamp(engaged))
        if outcome and closed:
            event((engaging, "open"), (engaging, outcome), closed)
