"""`funnel import` on the real data set: `sales_pipeline.csv` (8,800
opportunities) imported with the command examples/import/README.md gives,
checked against figures computed here from the raw CSV with the csv module;
the spreadsheet copy (US dates) gives identical reports; a copy with one
broken row imports nothing and names the line.

Created = engage_date (the earliest date a row has, as PRODUCT.md says for
imports); rows with no date at all (Prospecting) are created at the import.
"""

from __future__ import annotations

import csv
import json
import statistics
from datetime import date
from pathlib import Path

import pytest

from conftest import MAVEN

pytestmark = [pytest.mark.maven, pytest.mark.slow]

MAPPING = (
    "--pipeline", "maven",
    "--map", "external_id=opportunity_id", "--map", "title=product",
    "--map", "owner=sales_agent", "--map", "value=close_value",
    "--map", "closed_at=close_date", "--stage-date", "Engaging=engage_date",
)  # fmt: skip


def approx(value: float) -> object:
    return pytest.approx(value, abs=0.006)  # the reports round to 2 decimals


def pct(part: int, whole: int) -> float:
    return round(part / whole * 100, 2)


@pytest.fixture(scope="module")
def raw() -> list[dict[str, str]]:
    with (MAVEN / "sales_pipeline.csv").open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def days(r: dict[str, str]) -> int:
    return (date.fromisoformat(r["close_date"]) - date.fromisoformat(r["engage_date"])).days


def imported(funnel, path: Path, *extra: str):  # type: ignore[no-untyped-def]
    assert funnel("pipeline", "create", "maven", "--stages", "Prospecting,Engaging").exit_code == 0
    run = funnel("import", str(path), *MAPPING, *extra, "--report", "json")
    assert run.exit_code == 0, run.stderr[-2000:]
    return json.loads(run.stdout)


def reports(funnel) -> dict[str, object]:  # type: ignore[no-untyped-def]
    out = {}
    for kind in ("metrics", "funnel", "owners"):
        run = funnel("report", kind, "--pipeline", "maven", "--format", "json")
        assert run.exit_code == 0, run.stderr
        out[kind] = run.json()
    return out


def test_the_data_set_imports_with_the_documented_mapping(funnel, raw):
    summary = imported(funnel, MAVEN / "sales_pipeline.csv")
    assert (summary["imported"], summary["updated"], summary["errors"]) == (8800, 0, [])
    got = reports(funnel)
    won = [r for r in raw if r["deal_stage"] == "Won"]
    lost = [r for r in raw if r["deal_stage"] == "Lost"]
    open_ = [r for r in raw if r["deal_stage"] in ("Prospecting", "Engaging")]
    assert (len(won), len(lost), len(open_)) == (4238, 2473, 2089)
    (m,) = got["metrics"]  # one currency: an array of one
    assert (m["won"], m["lost"], m["open_deals"]) == (4238, 2473, 2089)
    assert m["win_rate"] == approx(pct(len(won), len(won) + len(lost)))
    assert m["avg_deal_size"] == approx(statistics.fmean(int(r["close_value"]) for r in won))
    # sales cycle: created (engage_date) → won (close_date)
    assert m["sales_cycle_days"] == approx(statistics.fmean(days(r) for r in won))
    assert m["sales_cycle_median_days"] == approx(statistics.median(days(r) for r in won))
    # days in Engaging: every closed deal's stay there ended at its close
    engaging = next(s for s in got["funnel"]["stages"] if s["stage"] == "Engaging")
    stays = [days(r) for r in won + lost]
    assert engaging["avg_days_in_stage"] == approx(statistics.fmean(stays))
    assert engaging["median_days_in_stage"] == approx(statistics.median(stays))
    assert engaging["open_count"] == sum(r["deal_stage"] == "Engaging" for r in raw)
    # per agent: win rate and won value
    by_agent = {o["owner"]: o for o in got["owners"]}
    assert len(by_agent) == 30
    for agent, o in by_agent.items():
        mine = [r for r in raw if r["sales_agent"] == agent]
        w = [r for r in mine if r["deal_stage"] == "Won"]
        lo = [r for r in mine if r["deal_stage"] == "Lost"]
        assert (o["won"], o["lost"]) == (len(w), len(lo)), agent
        assert o["win_rate"] == approx(pct(len(w), len(w) + len(lo))), agent
        assert o["won_value"] == sum(int(r["close_value"]) for r in w), agent


def test_the_spreadsheet_copy_gives_identical_figures(funnel, isolated, monkeypatch):
    imported(funnel, MAVEN / "sales_pipeline.csv")
    first = reports(funnel)
    monkeypatch.setenv("FUNNEL_DB", str(isolated / "sheet.db"))
    run = funnel("import", str(MAVEN / "spreadsheet-export" / "sales_pipeline.csv"), *MAPPING)
    assert run.exit_code == 1  # pipeline missing, and US dates need --date-order
    summary = imported(
        funnel, MAVEN / "spreadsheet-export" / "sales_pipeline.csv", "--date-order", "mdy"
    )
    assert summary["imported"] == 8800
    assert reports(funnel) == first


def test_one_broken_row_imports_nothing_and_names_the_line(funnel, isolated, raw):
    lines = (MAVEN / "sales_pipeline.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    cells = lines[4321].split(",")
    cells[-1] = "12x4\n"  # close_value
    lines[4321] = ",".join(cells)
    broken = isolated / "broken.csv"
    broken.write_text("".join(lines), encoding="utf-8")
    assert funnel("pipeline", "create", "maven", "--stages", "Prospecting,Engaging").exit_code == 0
    run = funnel("import", str(broken), *MAPPING, "--report", "json")
    assert run.exit_code == 1
    report = json.loads(run.stdout)
    assert [(e["line"], e["column"], e["value"]) for e in report["errors"]] == [
        (4322, "close_value", "12x4")
    ]
    assert "line 4322, column close_value" in run.stderr
    listed = funnel("list", "--status", "all", "--format", "json")
    assert listed.json() == []
