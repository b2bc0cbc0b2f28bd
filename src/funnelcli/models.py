"""The records the store returns and the services hand to the CLI: a stage,
a pipeline, a deal; and `Record`, what the everyday commands' records are.

On the path of an everyday command (add, move, log, won, show, list, due),
records are plain classes with `__slots__` and a written-out `__init__`,
not dataclasses: in Python 3.11 a dataclass generates and compiles its
methods' source when its module is imported, ~1 ms of start-up each (for
these three ~14M instructions under callgrind, about 3 ms of every start;
benchmarks/README.md). `Record` gives them what a dataclass would still add,
a field-by-field repr and equality. tests/test_startup_imports.py checks
those commands never load `dataclasses`; the records of reports, import,
export and doctor stay dataclasses.
"""

from __future__ import annotations


class Record:
    """Equality and repr by the fields named in `__slots__`, in order."""

    __slots__: tuple[str, ...] = ()  # the fields, in order
    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value: unhashable

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in self.__slots__)

    def __repr__(self) -> str:
        values = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__slots__)
        return f"{type(self).__name__}({values})"


def stage_key(name: str) -> str:
    """How stage and pipeline names are compared: case, '-', '_' and spacing ignored."""
    return " ".join(name.replace("-", " ").replace("_", " ").casefold().split())


class Stage(Record):
    """A stage of a pipeline: its place, win probability (%), the days after
    which an untouched deal rots, the follow-up cadence in days, and its
    owner (who a deal entering it is handed to; None: nobody)."""

    __slots__ = (  # noqa: RUF023 (in field order, as repr lists them)
        "id",
        "pipeline_id",
        "name",
        "position",
        "probability",
        "rot_days",
        "cadence_days",
        "owner",
    )

    def __init__(
        self,
        id: int,
        pipeline_id: int,
        name: str,
        position: int,
        probability: int,
        rot_days: int,
        cadence_days: int,
        owner: str | None = None,
    ) -> None:
        self.id = id
        self.pipeline_id = pipeline_id
        self.name = name
        self.position = position
        self.probability = probability
        self.rot_days = rot_days
        self.cadence_days = cadence_days
        self.owner = owner


class Pipeline(Record):
    """A pipeline and its stages, in order."""

    __slots__ = (  # noqa: RUF023 (in field order, as repr lists them)
        "id",
        "uuid",
        "name",
        "stages",
    )

    def __init__(
        self,
        id: int,
        uuid: str,
        name: str,
        stages: list[Stage] | None = None,
    ) -> None:
        self.id = id
        self.uuid = uuid
        self.name = name
        self.stages = [] if stages is None else stages


class Deal(Record):
    """A deal as one row of `deals` joined with its pipeline and stage; money in
    minor units, times as stored (UTC text, or a bare date for a day)."""

    __slots__ = (  # noqa: RUF023 (in field order, as repr lists them)
        "id",
        "uuid",
        "external_id",
        "title",
        "org",
        "contact",
        "email",
        "phone",
        "value",
        "currency",
        "owner",
        "pipeline_id",
        "pipeline",
        "stage_id",
        "stage",
        "stage_position",
        "status",
        "probability_override",
        "stage_probability",
        "source",
        "lost_reason",
        "expected_close",
        "next_follow_up",
        "stage_entered_at",
        "created_at",
        "updated_at",
        "closed_at",
        "tags",
        "fields",
        "snoozed_until",
        "snooze_reason",
        "last_activity_at",
        "touches",
        "rot_days",
        "handoff",
    )

    def __init__(
        self,
        id: int,
        uuid: str,
        external_id: str | None,
        title: str,
        org: str | None,
        contact: str | None,
        email: str | None,
        phone: str | None,
        value: int | None,
        currency: str,
        owner: str,
        pipeline_id: int,
        pipeline: str,
        stage_id: int,
        stage: str,
        stage_position: int,
        status: str,
        probability_override: int | None,
        stage_probability: int,
        source: str | None,
        lost_reason: str | None,
        expected_close: str | None,
        next_follow_up: str | None,
        stage_entered_at: str,
        created_at: str,
        updated_at: str,
        closed_at: str | None,
        tags: list[str] | None = None,
        fields: dict[str, str] | None = None,
        snoozed_until: str | None = None,
        snooze_reason: str | None = None,
        last_activity_at: str | None = None,
        touches: int = 0,
        rot_days: int = 1,
        handoff: Handoff | None = None,
    ) -> None:
        self.id = id
        self.uuid = uuid
        self.external_id = external_id
        self.title = title
        self.org = org
        self.contact = contact
        self.email = email
        self.phone = phone
        self.value = value  # minor units
        self.currency = currency
        self.owner = owner
        self.pipeline_id = pipeline_id
        self.pipeline = pipeline
        self.stage_id = stage_id
        self.stage = stage
        self.stage_position = stage_position
        self.status = status
        self.probability_override = probability_override
        self.stage_probability = stage_probability
        self.source = source
        self.lost_reason = lost_reason
        self.expected_close = expected_close
        self.next_follow_up = next_follow_up
        self.stage_entered_at = stage_entered_at
        self.created_at = created_at
        self.updated_at = updated_at
        self.closed_at = closed_at
        self.tags = [] if tags is None else tags
        self.fields = {} if fields is None else fields
        self.snoozed_until = snoozed_until
        self.snooze_reason = snooze_reason
        self.last_activity_at = last_activity_at
        self.touches = touches
        self.rot_days = rot_days  # its stage's rot limit (the priority score)
        # not stored: the hand-off the command that returned this deal made
        # (move, add, reopen), for what runs after its commit; on `due`'s
        # deals, the one their owner hasn't looked at yet
        self.handoff = handoff

    @property
    def probability(self) -> int:
        if self.probability_override is not None:
            return self.probability_override
        return self.stage_probability


class Event(Record):
    """A change that committed, for the hooks (cli/hooks.py): `name` is the
    hook's (`add` runs `on-add`), `deal` the deal as it is after it,
    `change` its number in `funnel changes` (None without a change log),
    `extra` what the event adds (a move's from_stage and to_stage …)."""

    __slots__ = ("name", "deal", "change", "who", "at", "extra")  # noqa: RUF023 (field order)

    def __init__(
        self,
        name: str,
        deal: Deal,
        change: int | None,
        who: str,
        at: str,
        extra: dict[str, object],
    ) -> None:
        self.name = name
        self.deal = deal
        self.change = change
        self.who = who
        self.at = at
        self.extra = extra


class Handoff(Record):
    """A deal handed to a stage's owner by the move (or add) that made it
    enter the stage: from whom, to whom, between which stages (from_stage
    None: the deal was just added), who moved it, when (UTC text)."""

    __slots__ = (  # noqa: RUF023 (in field order, as repr lists them)
        "deal_id",
        "from_owner",
        "to_owner",
        "from_stage",
        "to_stage",
        "by",
        "at",
    )

    def __init__(
        self,
        deal_id: int,
        from_owner: str,
        to_owner: str,
        from_stage: str | None,
        to_stage: str,
        by: str,
        at: str,
    ) -> None:
        self.deal_id = deal_id
        self.from_owner = from_owner
        self.to_owner = to_owner
        self.from_stage = from_stage
        self.to_stage = to_stage
        self.by = by
        self.at = at
