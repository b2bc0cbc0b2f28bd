"""`funnel doctor`'s history check: each deal's events are one unbroken chain,
and its stage stays are what those events make (one merge of two cursors).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import chain
from typing import Any

from funnelcli.services.doctor_checks import Problem, state_label
from funnelcli.store.doctor import DoctorStore

# A stay as (stage, entered_at, left_at or None).
Stay = tuple[int, str, str | None]


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


def replay(store: DoctorStore, names: dict[int, str], orphans: set[int]) -> Iterator[Problem]:
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
    start = state_label(names, from_stage, from_status)
    if before is None:
        return Problem(deal, "history", f"its first event ({event}) starts from {start}, "
                       "not from nothing")  # fmt: skip
    end = state_label(names, before[0], before[1])
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
