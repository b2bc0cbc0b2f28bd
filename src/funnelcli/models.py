"""Plain dataclasses the store returns and the services hand to the CLI.

The ones every deal command uses are here; a deal's history and touches, its
detail view and pipeline summaries are in funnelcli.details (making a
dataclass costs about a millisecond of start-up, and `add`, `move`, `list`
and `due` need none of those). funnelcli.details imports this module, never
the other way round.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def stage_key(name: str) -> str:
    """How stage and pipeline names are compared: case, '-', '_' and spacing ignored."""
    return " ".join(name.replace("-", " ").replace("_", " ").casefold().split())


@dataclass
class Stage:
    """A stage of a pipeline: its place, win probability (%), the days after
    which an untouched deal rots, and the follow-up cadence in days."""

    id: int
    pipeline_id: int
    name: str
    position: int
    probability: int
    rot_days: int
    cadence_days: int


@dataclass
class Pipeline:
    """A pipeline and its stages, in order."""

    id: int
    uuid: str
    name: str
    stages: list[Stage] = field(default_factory=list)


@dataclass
class Deal:
    """A deal as one row of `deals` joined with its pipeline and stage; money in
    minor units, times as stored (UTC text, or a bare date for a day)."""

    id: int
    uuid: str
    external_id: str | None
    title: str
    org: str | None
    contact: str | None
    email: str | None
    phone: str | None
    value: int | None  # minor units
    currency: str
    owner: str
    pipeline_id: int
    pipeline: str
    stage_id: int
    stage: str
    stage_position: int
    status: str
    probability_override: int | None
    stage_probability: int
    source: str | None
    lost_reason: str | None
    expected_close: str | None
    next_follow_up: str | None
    stage_entered_at: str
    created_at: str
    updated_at: str
    closed_at: str | None
    tags: list[str] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)
    snoozed_until: str | None = None
    snooze_reason: str | None = None
    last_activity_at: str | None = None
    touches: int = 0

    @property
    def probability(self) -> int:
        if self.probability_override is not None:
            return self.probability_override
        return self.stage_probability
