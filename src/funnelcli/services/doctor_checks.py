"""The checks of `funnel doctor` that each read one query's findings.

What they find is a `Problem`; services/doctor.py runs them in one snapshot,
services/doctor_history.py replays each deal's history.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from funnelcli.store.doctor import DoctorStore


@dataclass
class Problem:
    deal: int | None  # the deal it concerns, None for the database as a whole
    check: str
    message: str


def stage_label(names: dict[int, str], stage_id: int | None) -> str:
    if stage_id is None:
        return "none"
    return f"{names[stage_id]} (stage {stage_id})" if stage_id in names else f"stage {stage_id}"


def state_label(names: dict[int, str], stage_id: int | None, status: str | None) -> str:
    """Where an event starts or ends: `demo (open)`, `proposal (won)`, `nothing`."""
    if stage_id is None and status is None:
        return "nothing"
    name = names.get(stage_id, f"stage {stage_id}") if stage_id is not None else "no stage"
    return f"{name} ({status})"


def integrity(store: DoctorStore, quick: bool) -> Iterator[Problem]:
    for text in store.integrity_messages(quick=quick):
        yield Problem(None, "integrity", text)


# Rows whose missing parent the orphan check names (deal_tags and deal_fields
# are WITHOUT ROWID tables: foreign_key_check can't say which row).
_ORPHAN_PAIRS = {("stage_events", "deals"), ("stage_stays", "deals"), ("activities", "deals")}
_ORPHAN_PAIRS |= {("deal_tags", "deals"), ("deal_fields", "deals"), ("stages", "pipelines")}
Violation = tuple[str, int | None, str, str, Any, int | None]


def foreign_keys(violations: list[Violation]) -> Iterator[Problem]:
    def order(v: Violation) -> tuple[bool, int, str, int]:
        return v[5] is None, v[5] or 0, v[0], v[1] or 0  # by deal, table, row

    for table, rowid, parent, column, value, deal in sorted(violations, key=order):
        if (table, parent) in _ORPHAN_PAIRS:
            continue
        row = f"{table} row {rowid}" if rowid is not None else f"a {table} row"
        yield Problem(deal, "foreign_key", f"{row}: {column} = {value} names no {parent} row")


def orphans(
    store: DoctorStore, violations: list[Violation], names: dict[int, str], seen: set[int]
) -> Iterator[Problem]:
    """Rows whose deal is gone (events, stays, activities, tags, fields), and
    stages whose pipeline is gone, from foreign_key_check's findings."""
    counts: dict[tuple[int, str], int] = {}
    keyless: set[str] = set()
    missing_pipelines: list[tuple[int, Any]] = []
    for table, rowid, parent, _column, value, _deal in violations:
        if (table, parent) not in _ORPHAN_PAIRS:
            continue
        if table == "stages":
            missing_pipelines.append((rowid or 0, value))
        elif rowid is None:
            keyless.add(table)
        else:
            counts[(value, table)] = counts.get((value, table), 0) + 1
    for table in sorted(keyless):
        for deal, rows in store.orphan_rows(table):
            counts[(deal, table)] = rows
    for (deal, table), rows in sorted(counts.items()):
        seen.add(deal)
        what = f"{rows} {table} row{'s' if rows != 1 else ''}"
        yield Problem(deal, "orphan", f"{what} belong to deal {deal}, which doesn't exist")
    for stage, pipeline in sorted(missing_pipelines):
        yield Problem(
            None, "orphan", f"stage {stage_label(names, stage)} belongs to pipeline {pipeline}, "
            "which doesn't exist"
        )  # fmt: skip


def stages(store: DoctorStore, names: dict[int, str]) -> Iterator[Problem]:
    for deal, stage, stage_pipeline, pipeline in store.deals_in_foreign_stage():
        yield Problem(
            deal,
            "stage",
            f"its stage {stage_label(names, stage)} belongs to pipeline {stage_pipeline}, "
            f"not to the deal's pipeline {pipeline}",
        )
    for deal, stage in store.deals_in_removed_stage():
        yield Problem(deal, "stage", f"its stage {stage_label(names, stage)} was removed")


def no_history(store: DoctorStore) -> Iterator[Problem]:
    for deal in store.deals_without_events():
        yield Problem(deal, "history", "has no stage history (no stage_events rows)")


def current(store: DoctorStore, names: dict[int, str]) -> Iterator[Problem]:
    for deal, stage, status, event, to_stage, to_status in store.current_mismatches():
        yield Problem(
            deal,
            "current",
            f"is in {state_label(names, stage, status)}, but its last event ({event}) ended in "
            f"{state_label(names, to_stage, to_status)}",
        )


def open_stays(store: DoctorStore, orphans: set[int]) -> Iterator[Problem]:
    for deal, status, count in store.open_stay_problems():
        if deal in orphans:
            continue
        if count > 1:
            yield Problem(deal, "stays", f"has {count} open stage stays; at most one may be open")
        if status != "open":
            yield Problem(deal, "stays", f"is {status} but has an open stage stay")
    for deal, stay, days, should in store.stay_days_mismatches():
        yield Problem(
            deal, "stays", f"stage stay {stay} has days = {days}; its dates make {should}"
        )


def furthest(store: DoctorStore, names: dict[int, str]) -> Iterator[Problem]:
    for deal, have, want in store.furthest_mismatches():
        yield Problem(
            deal,
            "furthest",
            f"furthest_stage_id is {stage_label(names, have)}, but its stays make it "
            f"{stage_label(names, want)}",
        )


def last_activity(store: DoctorStore) -> Iterator[Problem]:
    for deal, have, latest in store.last_activity_mismatches():
        yield Problem(
            deal,
            "last_activity",
            f"last_activity_at is {have or 'empty'}, but "
            + (f"its latest touch is at {latest}" if latest else "it has no touch")
            + " (a touch: an activity other than a note)",
        )


def closed_at(store: DoctorStore) -> Iterator[Problem]:
    for deal, status, closed_at in store.closed_at_mismatches():
        if status == "open":
            yield Problem(deal, "closed_at", f"is open but has closed_at {closed_at}")
        else:
            yield Problem(deal, "closed_at", f"is {status} but has no closed_at")
