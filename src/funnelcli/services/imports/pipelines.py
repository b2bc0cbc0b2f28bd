"""The pipelines and stages rows name, found (or made), and the pipelines of
funnelcli's own export, recreated by `funnel import`.

A row names its pipeline and stage by name (case and spacing ignored); one
the database lacks is an error, or, with `--create-stages` or from
funnelcli's own export, made (a stage at the end of its pipeline).

An export names every pipeline with its stages in order, their settings, and
the stages it removed (history still names them). Read back:

- a pipeline the database lacks is created as the export has it;
- a pipeline that holds no deals yet (the `sales` a new database is seeded
  with, or one nobody used) is made what the export says: its stages renamed
  to the export's spelling, given its settings and order, the ones the export
  lacks taken out (deleted, or marked removed when some history names them);
- a pipeline that holds deals keeps its stages, their order and settings;
  the export's stages it lacks are added, each after the stage that precedes
  it in the export (at the start when none does);
- a removed stage is kept removed: one the database already has is reused,
  one a pipeline in use still has live is left to the live one (history
  naming it lands there), any other is added as removed.

All inside the import's one write transaction.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from funnelcli.errors import FunnelError
from funnelcli.models import Pipeline, Stage, stage_key
from funnelcli.services import Context, resolve_pipeline
from funnelcli.services.imports.model import RowError
from funnelcli.services.imports.sources import SourceError
from funnelcli.store.transfer import TransferStore
from funnelcli.templates import CUSTOM_STAGE_ROT_DAYS, StageSpec


@dataclass
class Recreated:
    pipelines: dict[str, Pipeline] = field(default_factory=dict)  # by key
    removed: dict[tuple[int, str], Stage] = field(default_factory=dict)  # (pipeline, key)
    created_stages: list[str] = field(default_factory=list)
    created_pipelines: list[str] = field(default_factory=list)


def recreate(ctx: Context, given: object, line: int) -> Recreated:
    """Every pipeline the export's header names, in the database; a header
    that isn't one funnelcli writes is a SourceError at `line`."""
    out = Recreated()
    maker = _Maker(ctx, out)
    if not isinstance(given, list):
        raise SourceError(line, "the pipelines in the header: not a list")
    for p in given:
        try:
            name, live, gone, puuid = _read(p)
            owners = _owners(p)
        except (KeyError, TypeError, ValueError):
            shown = json.dumps(p, ensure_ascii=False)[:80]
            raise SourceError(
                line, f"the pipelines in the header: not as export writes one: {shown}"
            ) from None
        maker.pipeline(name, live, gone, puuid, owners)
    return out


def _owners(p: dict[str, Any]) -> dict[str, str]:
    """The export's stage owners (a live stage's `owner`, when it has one), by key."""
    found: dict[str, str] = {}
    for s in p.get("stages") or []:
        owner = s.get("owner")
        if owner is not None and not s.get("removed"):
            if not isinstance(owner, str):
                raise ValueError(owner)
            found[stage_key(s["name"])] = owner
    return found


def _read(p: dict[str, Any]) -> tuple[str, list[StageSpec], list[StageSpec], str | None]:
    """(name, live stages, removed stages, uuid) of one pipeline of the header."""
    name = p["name"]
    if not isinstance(name, str) or not stage_key(name):
        raise ValueError(name)
    live: list[StageSpec] = []
    gone: list[StageSpec] = []
    for s in p.get("stages") or []:
        spec = (s["name"], int(s["probability"]), int(s["rot_days"]), int(s["cadence_days"]))
        if not isinstance(spec[0], str) or not stage_key(spec[0]):
            raise ValueError(spec[0])
        (gone if s.get("removed") else live).append(spec)
    keys = [stage_key(s[0]) for s in live]
    if len(set(keys)) != len(keys):
        raise ValueError("a stage twice")
    return name, live, gone, _uuid_or_none(p.get("uuid"))


def _uuid_or_none(text: object) -> str | None:
    import uuid

    try:
        return str(uuid.UUID(str(text)))
    except ValueError:
        return None


class _Maker:
    def __init__(self, ctx: Context, out: Recreated) -> None:
        self.store = ctx.store
        self.transfer = TransferStore(ctx.store.conn)
        self.now = ctx.now
        self.out = out
        self.taken: Counter[tuple[int, str]] = Counter()  # removed stages reused so far

    def pipeline(
        self,
        name: str,
        live: list[StageSpec],
        gone: list[StageSpec],
        puuid: str | None,
        owners: dict[str, str] | None = None,
    ) -> None:
        store = self.store
        current = store.pipelines.by_key(stage_key(name))
        if puuid is not None and self.transfer.pipeline_uuid_taken(puuid, current):
            puuid = None
        in_use = False
        if current is None:
            pid = store.pipelines.create(name, live, self.now, puuid)
            self.out.created_pipelines.append(name)
        elif self.transfer.deals_in_pipeline(current.id) == 0:
            pid = current.id
            if puuid is not None and puuid != current.uuid:
                store.pipelines.set_uuid(pid, puuid)
            self._rebuild(current, live)
        else:
            pid, in_use = current.id, True
            self._merge(current, live)
        if not in_use:  # the export's stage owners too (one with deals keeps its own)
            given = owners or {}
            for stage in store.pipelines.by_id(pid).stages:
                if stage.owner != given.get(stage_key(stage.name)):
                    store.pipelines.set_stage_owner(stage.id, given.get(stage_key(stage.name)))
        live_keys = {stage_key(s.name) for s in store.pipelines.by_id(pid).stages}
        for spec in gone:
            self._removed(pid, spec, in_use and stage_key(spec[0]) in live_keys)
        self.out.pipelines[stage_key(name)] = store.pipelines.by_id(pid)

    def _rebuild(self, current: Pipeline, live: list[StageSpec]) -> None:
        """A pipeline without deals: made the export's, stage for stage."""
        if not live:
            return
        store = self.store
        want = {stage_key(s[0]) for s in live}
        extra = [s.id for s in current.stages if stage_key(s.name) not in want]
        if extra:
            self.transfer.drop_stages(extra, self.now)
        have = {stage_key(s.name): s for s in current.stages}
        order: list[int] = []
        for spec in live:
            stage = have.get(stage_key(spec[0]))
            if stage is None:
                order.append(
                    store.pipelines.insert_stage(current.id, spec, len(have) + len(order) + 1)
                )
                self.out.created_stages.append(f"{current.name}/{spec[0]}")
                continue
            if stage.name != spec[0]:
                store.pipelines.rename_stage(stage.id, spec[0])
            if (stage.probability, stage.rot_days, stage.cadence_days) != spec[1:]:
                _, prob, rot, cad = spec
                store.pipelines.update_stage(
                    stage.id, {"probability": prob, "rot_days": rot, "cadence_days": cad}
                )
            order.append(stage.id)
        position = {s.id: s.position for s in current.stages}
        if [position.get(i) for i in order] != list(range(1, len(order) + 1)):
            store.pipelines.set_stage_order(order)

    def _merge(self, current: Pipeline, live: list[StageSpec]) -> None:
        """A pipeline with deals keeps its stages; the export's others are
        added, each after the one that precedes it in the export."""
        have = {stage_key(s.name): s.id for s in current.stages}
        order = list(have.values())
        at = 0
        for spec in live:
            sid = have.get(stage_key(spec[0]))
            if sid is None:
                sid = have[stage_key(spec[0])] = self.store.pipelines.insert_stage(
                    current.id, spec, len(order) + 1
                )
                order.insert(at, sid)
                self.out.created_stages.append(f"{current.name}/{spec[0]}")
            at = order.index(sid) + 1
        if len(order) > len(current.stages):
            # no deal was ever in a new stage: the furthest each reached stays
            self.store.pipelines.set_stage_order(order, furthest=False)

    def _removed(self, pipeline_id: int, spec: StageSpec, live_twin: bool) -> None:
        """A stage the export marks removed, kept removed for the history that names it."""
        key = (pipeline_id, stage_key(spec[0]))
        reuse = self.transfer.removed_stage_ids(pipeline_id, key[1])
        n = self.taken[key]
        self.taken[key] += 1
        if n < len(reuse):
            sid = reuse[n]
        elif live_twin:
            return  # the live stage of that name answers for it
        else:
            sid = self.transfer.insert_removed_stage(pipeline_id, spec, self.now)
        self.out.removed[key] = Stage(sid, pipeline_id, spec[0], 0, *spec[1:])


class Lookup:
    """Pipelines and stages by the names rows give, cached; made when `create`."""

    def __init__(self, ctx: Context, create: bool) -> None:
        self.ctx = ctx
        self.create = create
        self.created_stages: list[str] = []
        self.created_pipelines: list[str] = []
        self.pipelines: dict[str, Pipeline] = {}
        self.removed: dict[tuple[int, str], Stage] = {}  # stages an export marks removed
        self._stages: dict[tuple[int, str], Stage] = {}

    def recreate(self, given: object, line: int) -> None:
        """The pipelines of funnelcli's own export (see recreate)."""
        made = recreate(self.ctx, given, line)
        self.pipelines, self.removed = made.pipelines, made.removed
        self.created_stages += made.created_stages
        self.created_pipelines += made.created_pipelines

    def pipeline(
        self, name: str | None, row_line: int | None, column: str | None = "pipeline"
    ) -> Pipeline:
        key = stage_key(name) if name is not None else None
        if key is not None and key in self.pipelines:
            return self.pipelines[key]
        try:
            p = resolve_pipeline(self.ctx, name)
        except FunnelError as exc:
            if name is None or not self.create:
                if row_line is None:
                    raise
                raise RowError(
                    exc.message + " (or add --create-stages)", column, name, exc.message
                ) from None
            pid = self.ctx.store.pipelines.create(name, [], self.ctx.now)
            self.created_pipelines.append(name)
            p = self.ctx.store.pipelines.by_id(pid)
        self.pipelines[stage_key(p.name)] = p
        if key is not None:
            self.pipelines[key] = p
        return p

    def stage(self, p: Pipeline, name: str, column: str | None, given: str | None = None) -> Stage:
        """The stage `name` of `p` (made when `create`); `given` is the file's
        name for it when --stage-map read it as `name`."""
        hit = self._stages.get((p.id, name))
        if hit is not None:
            return hit
        key = stage_key(name)
        for s in p.stages:
            if stage_key(s.name) == key:
                self._stages[(p.id, name)] = s
                return s
        if (p.id, key) in self.removed:
            return self.removed[(p.id, key)]
        if not self.create:
            stages = ", ".join(s.name for s in p.stages) or "none"
            if given is not None and stage_key(given) != key:
                cause = f"--stage-map reads '{given}' as '{name}', which pipeline {p.name} lacks"
                message = f"{cause} (stages: {stages})"
            else:
                cause = f"no stage '{name}' in pipeline {p.name}"
                message = (
                    f"{cause} (stages: {stages}; --stage-map "
                    f'"{name}=STAGE" reads it as one, --create-stages adds it)'
                )
            raise RowError(message, column, given or name, cause)
        prob = p.stages[-1].probability if p.stages else 10
        cadence = p.stages[-1].cadence_days if p.stages else 3
        self.ctx.store.pipelines.insert_stage(
            p.id, (name.strip(), prob, CUSTOM_STAGE_ROT_DAYS, cadence), len(p.stages) + 1
        )
        self.created_stages.append(f"{p.name}/{name.strip()}")
        fresh = self.ctx.store.pipelines.by_id(p.id)
        p.stages[:] = fresh.stages
        return next(s for s in p.stages if stage_key(s.name) == key)
