"""SQL for pipelines and stages."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from funnelcli.clock import utc_text
from funnelcli.models import Pipeline, Stage, stage_key
from funnelcli.store.dialect import Connection
from funnelcli.templates import StageSpec


def insert_pipeline(
    conn: Connection,
    name: str,
    stages: list[StageSpec],
    now: datetime,
    pipeline_uuid: str | None = None,
) -> int:
    pipeline_id: int = conn.execute(
        "INSERT INTO pipelines (uuid, name, key, created_at) VALUES (:uuid, :name, :key, :at) "
        "RETURNING id",
        {
            "uuid": pipeline_uuid or str(uuid.uuid4()),
            "name": name,
            "key": stage_key(name),
            "at": utc_text(now),
        },
    ).fetchone()[0]
    conn.executemany(
        "INSERT INTO stages (pipeline_id, name, key, position, probability, rot_days, "
        "cadence_days) VALUES (:p, :name, :key, :pos, :prob, :rot, :cad)",
        [
            {
                "p": pipeline_id,
                "name": s_name,
                "key": stage_key(s_name),
                "pos": i + 1,
                "prob": prob,
                "rot": rot,
                "cad": cad,
            }
            for i, (s_name, prob, rot, cad) in enumerate(stages)
        ],
    )
    return pipeline_id


# Pipelines with their live stages, a row per stage (one with NULLs for a
# pipeline without any).
_PIPELINES = (
    "SELECT p.id, p.uuid, p.name, s.id, s.pipeline_id, s.name, s.position, "
    "s.probability, s.rot_days, s.cadence_days, s.owner FROM pipelines p "
    "LEFT JOIN stages s ON s.pipeline_id = p.id AND s.removed_at IS NULL "
)


def _pipelines(rows: Iterable[Sequence[Any]]) -> list[Pipeline]:
    """_PIPELINES' rows (ordered by pipeline, then position) as Pipelines."""
    found: dict[int, Pipeline] = {}
    for row in rows:
        pipeline = found.get(row[0])
        if pipeline is None:
            pipeline = found[row[0]] = Pipeline(row[0], row[1], row[2], [])
        if row[3] is not None:
            pipeline.stages.append(Stage(*row[3:]))
    return list(found.values())


class PipelineStore:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def all(self) -> list[Pipeline]:
        """Every pipeline with its stages in order, in one query."""
        return _pipelines(self.conn.execute(_PIPELINES + "ORDER BY p.id, s.position"))

    def by_key(self, key: str) -> Pipeline | None:
        row = self.conn.execute(
            "SELECT id, uuid, name FROM pipelines WHERE key = :key", {"key": key}
        ).fetchone()
        return None if row is None else self.by_id(row[0])

    def by_id(self, pipeline_id: int) -> Pipeline:
        """The pipeline and its stages in order, in one query."""
        rows = self.conn.execute(
            _PIPELINES + "WHERE p.id = :id ORDER BY s.position", {"id": pipeline_id}
        )
        return _pipelines(rows)[0]

    def stage_name(self, stage_id: int) -> str:
        row = self.conn.execute("SELECT name FROM stages WHERE id = :id", {"id": stage_id})
        return str(row.fetchone()[0])

    def create(
        self, name: str, stages: list[StageSpec], now: datetime, pipeline_uuid: str | None = None
    ) -> int:
        return insert_pipeline(self.conn, name, stages, now, pipeline_uuid)

    def set_uuid(self, pipeline_id: int, pipeline_uuid: str) -> None:
        self.conn.execute(
            "UPDATE pipelines SET uuid = :u WHERE id = :id", {"u": pipeline_uuid, "id": pipeline_id}
        )

    def insert_stage(self, pipeline_id: int, spec: StageSpec, position: int) -> int:
        name, prob, rot, cad = spec
        return int(
            self.conn.execute(
                "INSERT INTO stages (pipeline_id, name, key, position, probability, rot_days, "
                "cadence_days) VALUES (:p, :name, :key, :pos, :prob, :rot, :cad) RETURNING id",
                {
                    "p": pipeline_id,
                    "name": name,
                    "key": stage_key(name),
                    "pos": position,
                    "prob": prob,
                    "rot": rot,
                    "cad": cad,
                },
            ).fetchone()[0]
        )

    def set_stage_order(self, stage_ids: list[int], *, furthest: bool = True) -> None:
        self.conn.executemany(
            "UPDATE stages SET position = :pos WHERE id = :id",
            [{"pos": i + 1, "id": sid} for i, sid in enumerate(stage_ids)],
        )
        if stage_ids and furthest:  # "furthest" follows the order of the stages
            from funnelcli.schema import FURTHEST_STAGE

            self.conn.execute(
                f"UPDATE deals SET furthest_stage_id = {FURTHEST_STAGE} WHERE pipeline_id = "
                "(SELECT pipeline_id FROM stages WHERE id = :id)",
                {"id": stage_ids[0]},
            )

    def rename_stage(self, stage_id: int, name: str) -> None:
        self.conn.execute(
            "UPDATE stages SET name = :name, key = :key WHERE id = :id",
            {"name": name, "key": stage_key(name), "id": stage_id},
        )

    def update_stage(self, stage_id: int, values: dict[str, int]) -> None:
        allowed = {"probability", "rot_days", "cadence_days"}
        sets = ", ".join(f"{col} = :{col}" for col in values if col in allowed)
        if sets:
            self.conn.execute(
                f"UPDATE stages SET {sets} WHERE id = :id", {**values, "id": stage_id}
            )

    def set_stage_owner(self, stage_id: int, owner: str | None) -> None:
        self.conn.execute(
            "UPDATE stages SET owner = :o WHERE id = :id AND owner IS NOT :o",
            {"o": owner, "id": stage_id},
        )

    def remove_stage(self, stage_id: int, now: datetime) -> None:
        """Stages in history are kept (marked removed) so old events keep their names."""
        self.conn.execute(
            "UPDATE stages SET removed_at = :at WHERE id = :id",
            {"at": utc_text(now), "id": stage_id},
        )

    def deals_in_stage(self, stage_id: int) -> list[tuple[int, str]]:
        return [
            (int(r[0]), str(r[1]))
            for r in self.conn.execute(
                "SELECT id, status FROM deals WHERE stage_id = :id ORDER BY id", {"id": stage_id}
            )
        ]

    def open_counts(self) -> dict[int, tuple[int, int]]:
        """Stage id -> (open deals, deals of any status) in it."""
        return {
            int(r[0]): (int(r[1]), int(r[2]))
            for r in self.conn.execute(
                "SELECT stage_id, count(*) FILTER (WHERE status = 'open'), count(*) "
                "FROM deals GROUP BY stage_id"
            )
        }
