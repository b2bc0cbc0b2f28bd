"""The Maven CRM data set read straight from its CSV with the csv module, and
the fixtures the reports' real-data tests share: the independent side of
those tests (funnelcli's side is tests/maven_load.py and the reports).

tests/conftest.py registers this module as a plugin, so its fixtures are there
for every test module (they load the data only when a test asks for them).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

import maven_load
from conftest import MAVEN


@dataclass
class Row:
    id: str
    agent: str
    stage: str  # Prospecting, Engaging, Won, Lost
    engaged: date | None
    closed: date | None
    value: int | None  # whole dollars; only what the CSV says

    @property
    def days(self) -> int:
        """Days from entering Engaging to closing."""
        assert self.engaged and self.closed
        return (self.closed - self.engaged).days


def read_rows(path: Path) -> list[Row]:
    with path.open(newline="", encoding="utf-8") as f:
        return [
            Row(
                r["opportunity_id"],
                r["sales_agent"],
                r["deal_stage"],
                date.fromisoformat(r["engage_date"]) if r["engage_date"] else None,
                date.fromisoformat(r["close_date"]) if r["close_date"] else None,
                int(r["close_value"]) if r["close_value"] else None,
            )
            for r in csv.DictReader(f)
        ]


@pytest.fixture(scope="module")
def rows() -> list[Row]:
    return read_rows(MAVEN / "sales_pipeline.csv")


@pytest.fixture(scope="module")
def maven_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The data set loaded once per test module, into a temporary directory."""
    path = tmp_path_factory.mktemp("maven") / "maven.db"
    assert maven_load.load(MAVEN / "sales_pipeline.csv", path).deals == 8800
    return path


@pytest.fixture
def report(maven_db, funnel, monkeypatch):
    """report(kind, *args): `funnel report KIND ARGS --format json` on maven_db, parsed."""
    monkeypatch.setenv("FUNNEL_DB", str(maven_db))

    def run(kind: str, *args: str) -> object:
        result = funnel("report", kind, *args, "--format", "json")
        assert result.exit_code == 0, result.stderr
        return result.json()

    return run
