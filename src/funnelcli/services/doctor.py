"""`funnel doctor`: is the database whole, and does every deal agree with itself?

SQLite's integrity and foreign-key checks, then funnelcli's invariants: each
deal's history is one unbroken chain that ends where the deal is, the stays
and summary columns kept on write say what the history says, and no row
belongs to a deal or pipeline that is gone. Reads one snapshot; never writes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any

from funnelcli.errors import NotFound, StorageError
from funnelcli.schema import SCHEMA_VERSION
from funnelcli.store import Store
from funnelcli.store.connection import (
    database_exists,
    hot_journal,
    is_wal,
    storage_error,
    wal_waiting,
)
from funnelcli.store.doctor import open_for_check

# A stay as (stage, entered_at, left_at or None).
Stay = tuple[int, str, str | None]


@dataclass
class Problem:
    deal: int | None  # the deal it concerns, None for the database as a whole
    check: str
    message: str


@dataclass
class Diagnosis:
    deals: int
    events: int
    problems: list[Problem] = field(default_factory=list)
    sqlite_version: str = sqlite3.sqlite_version  # the SQLite library linked in
    journal_mode: str = ""  # the file's: "wal", or "delete" (the rollback journal)
    # the change log: (changes, undo notes, bytes the notes hold)
    change_log: tuple[int, int, int] = (0, 0, 0)

    @property
    def ok(self) -> bool:
        return not self.problems


def diagnose(path: Path, *, quick: bool = False) -> Diagnosis:
    """Check the database at `path` (which must exist) in one read transaction;
    `quick` runs SQLite's quick_check instead of the full integrity_check."""
    if not database_exists(path):
        raise NotFound(f"there is no database at {path} yet: nothing to check")
    if path.is_dir():
        raise StorageError(f"{path} is a directory, not a database")
    name = str(path)
    try:
        conn = open_for_check(path)
    except sqlite3.Error as exc:
        raise storage_error(exc, name) from None
    try:
        # The first read rolls back a journal a dead writer left ("hot"), or
        # reads the log of a WAL file (its -shm must be writable), so the file
        # is read as last committed; that needs write access.
        conn.execute("PRAGMA schema_version").fetchone()
    except sqlite3.Error as exc:
        conn.close()
        if hot_journal(path):
            raise StorageError(
                f"{name} was left mid-write by a process that stopped, and rolling that "
                f"back needs write access to it and its directory ({exc}): run funnel "
                "doctor as a user who may write them"
            ) from None
        if wal_waiting(path):
            raise StorageError(
                f"{name} has changes in its write-ahead log ({name}-wal), and reading them "
                f"needs write access to it and its directory ({exc}): run funnel doctor as "
                "a user who may write them"
            ) from None
        raise storage_error(exc, name) from None
    store = Store(conn, name)
    try:
        with store.read():
            _check_schema(store, name)
            found = _diagnose(store, quick)
    finally:
        store.close()
    found.journal_mode = "wal" if is_wal(path) else "delete"
    return found


def _check_schema(store: Store, name: str) -> None:
    version, tables = store.schema_version()
    if version == 0:
        what = "a SQLite database, but not a funnelcli one" if tables else "an empty file"
        raise StorageError(f"{name} is {what}")
    if version > SCHEMA_VERSION:
        raise StorageError(
            f"{name} was written by a newer funnelcli (schema {version}; this one knows "
            f"{SCHEMA_VERSION}): upgrade funnelcli"
        )
    if version < SCHEMA_VERSION:
        raise StorageError(
            f"{name} has schema {version}; this funnelcli checks schema {SCHEMA_VERSION}: "
            "run any funnel command (e.g. `funnel list`) to upgrade it, then check again"
        )


def _diagnose(store: Store, quick: bool) -> Diagnosis:
    problems: list[Problem] = []

    def run(check: str, fn: Callable[[], Iterable[Problem]]) -> None:
        # A damaged file can fail one query and not another: report, go on.
        try:
            problems.extend(fn())
        except sqlite3.DatabaseError as exc:
            problems.append(Problem(None, check, f"the check could not run: {exc}"))

    def read(fn: Callable[[], Any], default: Any) -> Any:
        try:
            return fn()
        except sqlite3.DatabaseError:
            return default  # the integrity check says why

    deals, events = read(store.doctor_counts, (0, 0))
    names: dict[int, str] = read(store.stage_labels, {})
    run("integrity", lambda: _integrity(store, quick))
    violations: list[Violation] = []
    try:
        violations = store.foreign_key_violations()
    except sqlite3.DatabaseError as exc:
        problems.append(Problem(None, "foreign_key", f"the check could not run: {exc}"))
    orphans: set[int] = set()  # deals that are gone; the orphan check names their rows
    run("foreign_key", lambda: _foreign_keys(violations))
    run("orphan", lambda: _orphans(store, violations, names, orphans))
    run("stage", lambda: _stages(store, names))
    run("history", lambda: _no_history(store))
    run("history", lambda: _replay(store, names, orphans))
    run("current", lambda: _current(store, names))
    run("stays", lambda: _open_stays(store, orphans))
    run("furthest", lambda: _furthest(store, names))
    run("last_activity", lambda: _last_activity(store))
    run("closed_at", lambda: _closed_at(store))
    change_log = read(store.change_log_size, (0, 0, 0))
    return Diagnosis(deals, events, problems, change_log=change_log)


def _stage(names: dict[int, str], stage_id: int | None) -> str:
    if stage_id is None:
        return "none"
    return f"{names[stage_id]} (stage {stage_id})" if stage_id in names else f"stage {stage_id}"


def _state(names: dict[int, str], stage_id: int | None, status: str | None) -> str:
    """Where an event starts or ends: `demo (open)`, `proposal (won)`, `nothing`."""
    if stage_id is None and status is None:
        return "nothing"
    name = names.get(stage_id, f"stage {stage_id}") if stage_id is not None else "no stage"
    return f"{name} ({status})"


def _integrity(store: Store, quick: bool) -> Iterator[Problem]:
    for text in store.integrity_messages(quick=quick):
        yield Problem(None, "integrity", text)


# Rows whose missing parent the orphan check names (deal_tags and deal_fields
# are WITHOUT ROWID tables: foreign_key_check can't say which row).
_ORPHAN_PAIRS = {("stage_events", "deals"), ("stage_stays", "deals"), ("activities", "deals")}
_ORPHAN_PAIRS |= {("deal_tags", "deals"), ("deal_fields", "deals"), ("stages", "pipelines")}
Violation = tuple[str, int | None, str, str, Any, int | None]


def _foreign_keys(violations: list[Violation]) -> Iterator[Problem]:
    def order(v: Violation) -> tuple[bool, int, str, int]:
        return v[5] is None, v[5] or 0, v[0], v[1] or 0  # by deal, table, row

    for table, rowid, parent, column, value, deal in sorted(violations, key=order):
        if (table, parent) in _ORPHAN_PAIRS:
            continue
        row = f"{table} row {rowid}" if rowid is not None else f"a {table} row"
        yield Problem(deal, "foreign_key", f"{row}: {column} = {value} names no {parent} row")


def _orphans(
    store: Store, violations: list[Violation], names: dict[int, str], seen: set[int]
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
            None, "orphan", f"stage {_stage(names, stage)} belongs to pipeline {pipeline}, "
            "which doesn't exist"
        )  # fmt: skip


def _stages(store: Store, names: dict[int, str]) -> Iterator[Problem]:
    for deal, stage, stage_pipeline, pipeline in store.deals_in_foreign_stage():
        yield Problem(
            deal,
            "stage",
            f"its stage {_stage(names, stage)} belongs to pipeline {stage_pipeline}, "
            f"not to the deal's pipeline {pipeline}",
        )
    for deal, stage in store.deals_in_removed_stage():
        yield Problem(deal, "stage", f"its stage {_stage(names, stage)} was removed")


def _no_history(store: Store) -> Iterator[Problem]:
    for deal in store.deals_without_events():
        yield Problem(deal, "history", "has no stage history (no stage_events rows)")


def _current(store: Store, names: dict[int, str]) -> Iterator[Problem]:
    for deal, stage, status, event, to_stage, to_status in store.current_mismatches():
        yield Problem(
            deal,
            "current",
            f"is in {_state(names, stage, status)}, but its last event ({event}) ended in "
            f"{_state(names, to_stage, to_status)}",
        )


def expected_stays(events: Iterable[tuple[Any, ...]]) -> list[Stay]:
    """The stays DealStore.append_event keeps for these events (a deal's
    (_, from stage, from status, to stage, to status, at, _), in order), oldest
    first: a stay ends when the deal leaves the stage or closes in it; reopening
    starts one."""
    replay = _Replay()
    for row in events:
        replay.step(row)
    return replay.stays()


class _Replay:
    """One deal's events, one at a time: its chain and the stays they make."""

    def __init__(self) -> None:
        self.done: list[Stay] = []
        self.open: list[tuple[int, str]] = []
        self.last: tuple[Any, Any, int] | None = None  # (to stage, to status, event)
        self.links: list[tuple[tuple[Any, ...], tuple[Any, Any, int] | None]] = []

    def step(self, row: tuple[Any, ...]) -> None:
        _deal, from_stage, from_status, to_stage, to_status, at, event = row
        last = self.last
        if (last is None and (from_stage is not None or from_status is not None)) or (
            last is not None and (from_stage != last[0] or from_status != last[1])
        ):
            self.links.append((row, last))  # a broken link; rare, named later
        self.last = (to_stage, to_status, event)
        was_open = from_status == "open"
        now_open = to_status == "open"
        if was_open and (not now_open or from_stage != to_stage):
            self.done.extend((stage, entered, at) for stage, entered in self.open)
            self.open = []
        if now_open and not (was_open and from_stage == to_stage):
            self.open.append((to_stage, at))

    def stays(self) -> list[Stay]:
        return self.done + [(stage, entered, None) for stage, entered in self.open]


def _stay_order(stay: Stay) -> tuple[str, int, bool, str]:
    return stay[1], stay[0], stay[2] is None, stay[2] or ""


def _stay_text(names: dict[int, str], stay: Stay | None) -> str:
    if stay is None:
        return "none"
    stage, entered, left = stay
    return f"{names.get(stage, f'stage {stage}')} from {entered} to {left or 'now (open)'}"


class _StaysByDeal:
    """The stays cursor (in deal order), read alongside the events."""

    def __init__(self, cursor: Iterator[tuple[Any, ...]]) -> None:
        self.cursor = cursor
        self.row = next(cursor, None)

    def of(self, deal: int) -> list[Stay]:
        found = []
        while self.row is not None and self.row[0] == deal:
            found.append((self.row[1], self.row[2], self.row[3]))
            self.row = next(self.cursor, None)
        return found

    def before(self, deal: int | None) -> Iterator[tuple[int, list[Stay]]]:
        """(deal, stays) of the deals before `deal` (None: all that are left)."""
        while self.row is not None and (deal is None or self.row[0] < deal):
            lone = self.row[0]
            yield lone, self.of(lone)


def _replay(store: Store, names: dict[int, str], orphans: set[int]) -> Iterator[Problem]:
    """One pass over every event and every stay, both in deal order (a merge of
    two cursors): each deal's history must be one chain, and its stays what its
    events make."""
    stays = _StaysByDeal(store.stays_in_deal_order())
    end = (None,) * 7
    deal: int | None = None
    replay = _Replay()
    for row in chain(store.events_in_deal_order(), [end]):
        if row[0] == deal:
            replay.step(row)
            continue
        if deal is not None:  # `deal` is done
            for lone, found in stays.before(deal):  # stays, but no events
                if lone not in orphans:
                    yield from _compare_stays(lone, found, [], names)
            found = stays.of(deal)
            if deal not in orphans:
                for link, before in replay.links:
                    yield _broken_link(deal, link, before, names)
                expected = replay.stays()
                if found != expected:
                    yield from _compare_stays(deal, found, expected, names)
        if row is end:
            for lone, found in stays.before(None):
                if lone not in orphans:
                    yield from _compare_stays(lone, found, [], names)
            return
        deal = row[0]
        replay = _Replay()
        replay.step(row)


def _broken_link(
    deal: int, row: tuple[Any, ...], before: tuple[Any, Any, int] | None, names: dict[int, str]
) -> Problem:
    """Each event starts where the one before it (by at, id) ended; the first
    starts from nothing."""
    _deal, from_stage, from_status, _to_stage, _to_status, _at, event = row
    start = _state(names, from_stage, from_status)
    if before is None:
        return Problem(deal, "history", f"its first event ({event}) starts from {start}, "
                       "not from nothing")  # fmt: skip
    end = _state(names, before[0], before[1])
    return Problem(
        deal,
        "history",
        f"event {event} starts from {start}, but the event before it ({before[2]}) ended in {end}",
    )


def _compare_stays(
    deal: int, found: list[Stay], expected: list[Stay], names: dict[int, str]
) -> Iterator[Problem]:
    found, expected = sorted(found, key=_stay_order), sorted(expected, key=_stay_order)
    if found == expected:
        return  # the same stays, stored in another order
    i = next(
        (i for i, (a, b) in enumerate(zip(found, expected, strict=False)) if a != b),
        min(len(found), len(expected)),
    )
    have = found[i] if i < len(found) else None
    want = expected[i] if i < len(expected) else None
    counts = ""
    if len(found) != len(expected):
        counts = f"has {len(found)} stage stays, its events make {len(expected)}; "
    yield Problem(
        deal,
        "stays",
        f"{counts}stay {i + 1} is {_stay_text(names, have)}, but its events make it "
        f"{_stay_text(names, want)}",
    )


def _open_stays(store: Store, orphans: set[int]) -> Iterator[Problem]:
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


def _furthest(store: Store, names: dict[int, str]) -> Iterator[Problem]:
    for deal, have, want in store.furthest_mismatches():
        yield Problem(
            deal,
            "furthest",
            f"furthest_stage_id is {_stage(names, have)}, but its stays make it "
            f"{_stage(names, want)}",
        )


def _last_activity(store: Store) -> Iterator[Problem]:
    for deal, have, latest in store.last_activity_mismatches():
        yield Problem(
            deal,
            "last_activity",
            f"last_activity_at is {have or 'empty'}, but its latest activity is "
            + (f"at {latest}" if latest else "none (it has no activities)"),
        )


def _closed_at(store: Store) -> Iterator[Problem]:
    for deal, status, closed_at in store.closed_at_mismatches():
        if status == "open":
            yield Problem(deal, "closed_at", f"is open but has closed_at {closed_at}")
        else:
            yield Problem(deal, "closed_at", f"is {status} but has no closed_at")
