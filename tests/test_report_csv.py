"""`report … --format csv` (and jsonl) works (issue 13): one row per figure
line: per stage for `funnel`, per currency for `metrics`, per owner for
`owners`, per period for `forecast`; the same figures as the JSON."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from helpers import ok, report

WINDOW = ("--since", "2026-10-01", "--until", "2026-12-01")


def rows(funnel: Any, *args: str) -> list[dict[str, str]]:
    run = ok(funnel, "report", *args, "--format", "csv")
    assert run.stderr == ""
    return list(csv.DictReader(io.StringIO(run.stdout)))


def cell(value: object) -> str:
    """A JSON value as the CSV writes it."""
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def test_funnel_is_a_row_per_stage(history: Any) -> None:
    got = rows(history, "funnel", *WINDOW)
    record = report(history, "funnel", *WINDOW)
    assert [r["stage"] for r in got] == [s["stage"] for s in record["stages"]]
    for row, stage in zip(got, record["stages"], strict=True):
        assert (row["pipeline"], row["since"], row["until"]) == (
            "sales",
            "2026-10-01T00:00",
            "2026-12-01T00:00",
        )
        assert {k: row[k] for k in stage} == {k: cell(v) for k, v in stage.items()}


def test_metrics_is_a_row_per_currency(history: Any) -> None:
    got = rows(history, "metrics", *WINDOW)
    records = report(history, "metrics", *WINDOW)
    assert [r["currency"] for r in got] == ["EUR", "USD"]
    assert got == [{k: cell(v) for k, v in rec.items()} for rec in records]
    # with --compare, the period before and the change ride along as JSON cells
    compared = rows(history, "metrics", *WINDOW, "--compare", "previous")
    assert json.loads(compared[1]["change"])["won"] is not None


def test_owners_and_forecast_are_a_row_per_owner_and_period(history: Any) -> None:
    assert sorted(r["owner"] for r in rows(history, "owners")) == ["anna", "me", "me"]
    forecast = rows(history, "forecast")
    assert [r["period"] for r in forecast] == [
        cell(r["period"]) for r in report(history, "forecast")
    ]


@pytest.mark.parametrize("kind", ["funnel", "metrics"])
def test_jsonl_is_the_same_rows(history: Any, kind: str) -> None:
    run = ok(history, "report", kind, *WINDOW, "--format", "jsonl")
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    record = report(history, kind, *WINDOW)
    if kind == "metrics":
        assert lines == record
    else:
        assert [line["stage"] for line in lines] == [s["stage"] for s in record["stages"]]
