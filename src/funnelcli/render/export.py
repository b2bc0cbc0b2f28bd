"""`funnel export`'s output: the records `services/exports.py` streams, encoded
as JSONL, JSON or CSV, and the file they are written to.

JSONL: a first line `{"funnelcli_export": 1, "version", "exported_at",
"pipelines": [...]}`, then one deal per line: the deal's JSON (as `list`
prints it) plus `probability_override`, `history` and `activities`.
JSON: the same header object with a `deals` array. CSV: one row per deal,
the deal's columns, one `entered_<stage>` column per stage (when the deal
last entered it), `history` and `activities` as JSON, and the pipelines as
JSON in the `pipelines` cell of the first row; cells that a spreadsheet
would run as a formula get a leading `'`, which `funnel import` removes.

Imported only by `funnel export`.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from funnelcli.errors import StorageError
from funnelcli.models import stage_key
from funnelcli.render.output import csv_row_writer
from funnelcli.render.records import deal_row_record
from funnelcli.render.text import guard_formula, json_encoder

if TYPE_CHECKING:
    from funnelcli.services.exports import ExportedDeal


def export_record(deal: ExportedDeal) -> dict[str, Any]:
    """A deal as the export writes it: its record as `list` prints it, then
    `probability_override`, `history` and `activities`."""
    record = deal_row_record(deal.values)
    record["probability_override"] = deal.values["probability_override"]
    record["history"] = deal.history
    record["activities"] = deal.activities
    return record


def _records(deals: Iterable[ExportedDeal]) -> Iterator[dict[str, Any]]:
    return map(export_record, deals)


def write_jsonl(out: TextIO, header: dict[str, Any], deals: Iterable[ExportedDeal]) -> int:
    dumps = json_encoder(separators=(",", ":"))
    out.write(dumps(header) + "\n")
    n = 0
    for record in _records(deals):
        out.write(dumps(record) + "\n")
        n += 1
    return n


def write_json(out: TextIO, header: dict[str, Any], deals: Iterable[ExportedDeal]) -> int:
    dumps = json_encoder()
    out.write("{" + dumps(header)[1:-1] + ', "deals": [')
    n = 0
    for record in _records(deals):
        out.write(("\n" if n == 0 else ",\n") + dumps(record))
        n += 1
    out.write("\n]}\n")
    return n


def entered_columns(header: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(column, pipeline, stage) for each live stage; `entered_<stage>`, with the
    pipeline in the name when two pipelines have a stage of that name."""
    stages = [
        (p["name"], s["name"])
        for p in header["pipelines"]
        for s in p["stages"]
        if not s.get("removed")
    ]
    counts: dict[str, int] = {}
    for _, s in stages:
        counts[stage_key(s)] = counts.get(stage_key(s), 0) + 1
    out = []
    for p, s in stages:
        name = s if counts[stage_key(s)] == 1 else f"{p} {s}"
        out.append(("entered_" + "_".join(stage_key(name).split()), p, s))
    return out


def write_csv(out: TextIO, header: dict[str, Any], deals: Iterable[ExportedDeal]) -> int:
    writerow = csv_row_writer(out, at_terminal=None)
    entered = entered_columns(header)
    columns: list[str] | None = None
    dumps = json_encoder(separators=(",", ":"))
    n = 0
    for record in _records(deals):
        history = record.pop("history")
        activities = record.pop("activities")
        if columns is None:
            columns = [*record, *(c for c, _, _ in entered), "history", "activities", "pipelines"]
            writerow(columns)
        last: dict[tuple[str, str], str] = {}
        for e in history:
            moved = e["from_stage"] != e["to_stage"] or e.get("from_pipeline") != e.get(
                "to_pipeline"
            )
            if e["to_status"] == "open" and (moved or e["from_status"] != "open"):
                last[(e.get("to_pipeline") or record["pipeline"], e["to_stage"])] = e["at"]
        cells = [_cell(v, dumps) for v in record.values()]
        cells += [last.get((p, s), "") for _, p, s in entered]
        cells += [dumps(history), dumps(activities) if activities else ""]
        cells.append(dumps(header["pipelines"]) if n == 0 else "")
        writerow(cells)
        n += 1
    if columns is None:  # no deals: the header row still says what a row holds
        writerow(
            [
                *_EMPTY_COLUMNS,
                *(c for c, _, _ in entered),
                "history",
                "activities",
                "pipelines",
            ]
        )
    return n


_EMPTY_COLUMNS = (  # noqa: SIM905
    "id uuid external_id title org contact email phone value currency owner pipeline stage "
    "status probability tags source lost_reason expected_close next_follow_up created_at "
    "updated_at closed_at stage_entered_at fields touches last_activity_at snoozed_until "
    "snooze_reason next_follow_up_at probability_override"
).split()


def _cell(value: object, dumps: Callable[[object], str]) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return guard_formula(",".join(str(v) for v in value))  # tags
    if isinstance(value, dict):
        return dumps(value) if value else ""
    return guard_formula(str(value))


# -- the output file ----------------------------------------------------------------


def open_output(output: Path) -> tuple[TextIO, Path | None]:
    """A regular file is written to a new private file beside it (created
    exclusively, by a name no one can guess: never through a planted symlink,
    never another run's) and renamed into place when complete; a pipe or
    device (/dev/stdout, a FIFO) is written directly. (file, the temporary)"""
    from funnelcli.files import temp_beside

    try:
        special = not stat.S_ISREG(os.stat(output).st_mode)
    except OSError:
        special = False
    try:
        if special:  # no O_CREAT: if it is gone meanwhile, nothing is made
            fd = os.open(output, os.O_WRONLY | os.O_CLOEXEC)
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return os.fdopen(fd, "w", encoding="utf-8", newline=""), None
            os.close(fd)
        fd, tmp = temp_beside(output)
    except OSError as exc:
        raise StorageError(f"can't write {output}: {exc.strerror or exc}") from None
    return os.fdopen(fd, "w", encoding="utf-8", newline=""), tmp


def finish_output(target: TextIO, tmp: Path | None, output: Path) -> None:
    """Flush, and for a file make sure it is on disk (a full disk shows here,
    not as a short file), then rename it into place."""
    from funnelcli.files import sync_dir

    target.flush()
    if tmp is not None:
        os.fsync(target.fileno())
    target.close()
    if tmp is not None:
        os.replace(tmp, output)
        sync_dir(output.parent)
