"""`--by field:NAME`, `--by owner|org` and `--field` on real data: the Maven
CRM data set (tests/maven_load.py's decisions), each deal given the custom
fields `manager` and `regional_office` (its agent's, from `sales_teams.csv`),
`product` and `series` (from `products.csv`; the pipeline's `GTXPro` is its
`GTX Pro`), against figures computed here straight from the CSVs with the
csv module: per group, open = Prospecting or Engaging rows; won / lost = Won
/ Lost rows (closed at `close_date`); won value = Σ close_value of Won rows;
cycle = close − engage date; the funnel's Prospecting → Engaging = engaged ÷
all, Engaging → won = won ÷ engaged, days in Engaging = close − engage of
the closed rows. On both engines (PostgreSQL: `team migrate-from` the file).
"""

from __future__ import annotations

import csv
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest

import maven_load
from conftest import MAVEN
from helpers import build, module_database

pytestmark = [pytest.mark.maven, pytest.mark.slow]  # loads the data set (seconds)

Row = dict[str, str]
Q3 = ("--since", "2017-07-01", "--until", "2017-10-01")


def read(name: str) -> list[Row]:
    with (MAVEN / name).open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def fields_of(rows: list[Row]) -> dict[str, dict[str, str]]:
    """Per opportunity id, its custom fields, joined here from the other CSVs."""
    teams = {t["sales_agent"]: t for t in read("sales_teams.csv")}
    series = {p["product"].replace(" ", ""): p["series"] for p in read("products.csv")}
    return {
        r["opportunity_id"]: {
            "manager": teams[r["sales_agent"]]["manager"],
            "regional_office": teams[r["sales_agent"]]["regional_office"],
            "product": r["product"],
            "series": series[r["product"].replace(" ", "")],
        }
        for r in rows
    }


@pytest.fixture(scope="module")
def pipeline_rows() -> list[Row]:
    return read("sales_pipeline.csv")


@pytest.fixture(scope="module")
def maven_fields(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    pipeline_rows: list[Row],
) -> Iterator[str]:
    """The data set with its custom fields, loaded once for the module."""
    from funnelcli.store import Store

    path = tmp_path_factory.mktemp("maven-fields") / "maven.db"
    maven_load.load(MAVEN / "sales_pipeline.csv", path)
    store = Store.open(path, for_write=True, now=maven_load.NOW)
    try:
        with store.write():
            ids = dict(store.conn.execute("SELECT external_id, id FROM deals").fetchall())
            for opportunity, values in fields_of(pipeline_rows).items():
                store.deals.set_fields(ids[opportunity], values)
    finally:
        store.close()
    with module_database(request) as db:
        if db.startswith("postgresql://"):
            build(db, [("team", "migrate-from", str(path))])
            yield db
        else:
            yield str(path)


@pytest.fixture
def report(maven_fields: str, funnel: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("FUNNEL_DB", maven_fields)

    def run(kind: str, *args: str) -> Any:
        result = funnel("report", kind, *args, "--format", "json")
        assert result.exit_code == 0, result.stderr
        return result.json()

    return run


def day(text: str) -> date:
    return date.fromisoformat(text)


def pct(part: int, whole: int) -> float | None:
    return None if not whole else round(100 * part / whole, 2)


def approx(value: float | None) -> object:
    return None if value is None else pytest.approx(value, abs=0.006)


def figures(rows: list[Row], closed_in: Callable[[Row], bool] = lambda r: True) -> dict[str, Any]:
    """report metrics' figures of one group, from its CSV rows."""
    won = [r for r in rows if r["deal_stage"] == "Won" and closed_in(r)]
    lost = [r for r in rows if r["deal_stage"] == "Lost" and closed_in(r)]
    won_value = sum(int(r["close_value"]) for r in won)
    cycles = [(day(r["close_date"]) - day(r["engage_date"])).days for r in won]
    return {
        "open_deals": sum(r["deal_stage"] in ("Prospecting", "Engaging") for r in rows),
        "won": len(won),
        "lost": len(lost),
        "win_rate": approx(pct(len(won), len(won) + len(lost))),
        "won_value": won_value,
        "sales_cycle_days": approx(round(statistics.fmean(cycles), 2) if cycles else None),
        "currency": "USD",
    }


KEYS = ["open_deals", "won", "lost", "win_rate", "won_value", "sales_cycle_days", "currency"]


def grouped(rows: list[Row], key: Callable[[Row], str | None]) -> dict[str | None, list[Row]]:
    out: dict[str | None, list[Row]] = defaultdict(list)
    for r in rows:
        out[key(r)].append(r)
    return out


def by_name(names: Any) -> list[Any]:
    """The order of the groups: by name, case ignored; no value last."""
    return sorted((n for n in names if n is not None), key=str.lower) + (
        [None] if None in names else []
    )


@pytest.mark.parametrize("name", ["manager", "regional_office", "series", "product"])
def test_metrics_by_custom_field_match_the_csv(
    report: Any, pipeline_rows: list[Row], name: str
) -> None:
    fields = fields_of(pipeline_rows)
    expected = grouped(pipeline_rows, lambda r: fields[r["opportunity_id"]][name])
    got = report("metrics", "--by", f"field:{name}")
    assert [r["group"] for r in got] == by_name(expected)
    for record in got:
        assert record["by"] == f"field:{name}"
        assert {k: record[k] for k in KEYS} == figures(expected[record["group"]]), record["group"]


def test_win_rate_per_manager_in_a_quarter_and_the_cohort(
    report: Any, pipeline_rows: list[Row]
) -> None:
    fields = fields_of(pipeline_rows)
    expected = grouped(pipeline_rows, lambda r: fields[r["opportunity_id"]]["manager"])

    def in_q3(text: str) -> bool:
        return bool(text) and date(2017, 7, 1) <= day(text) < date(2017, 10, 1)

    got = report("metrics", "--by", "field:manager", *Q3)
    assert len(got) == 6
    for record in got:
        rows = expected[record["group"]]
        assert {k: record[k] for k in KEYS} == figures(rows, lambda r: in_q3(r["close_date"]))
        # conversion (cohort): of the deals created (engaged) in Q3, the share won
        born = [r for r in rows if in_q3(r["engage_date"])]
        won = sum(r["deal_stage"] == "Won" for r in born)
        assert record["conversion_rate"] == approx(pct(won, len(born)))


def test_by_owner_and_by_org_with_its_none_group(report: Any, pipeline_rows: list[Row]) -> None:
    agents = grouped(pipeline_rows, lambda r: r["sales_agent"])
    got = report("metrics", "--by", "owner")
    assert [r["group"] for r in got] == by_name(agents)
    for record in got:
        assert {k: record[k] for k in KEYS} == figures(agents[record["group"]])
    accounts = grouped(pipeline_rows, lambda r: r["account"] or None)
    got = report("metrics", "--by", "org")
    assert [r["group"] for r in got] == by_name(accounts)
    assert got[-1]["group"] is None and got[-1]["open_deals"] == len(accounts[None]) == 1425
    for record in got:
        assert {k: record[k] for k in KEYS} == figures(accounts[record["group"]])


def test_funnel_by_regional_office_matches_the_csv(report: Any, pipeline_rows: list[Row]) -> None:
    fields = fields_of(pipeline_rows)
    offices = grouped(pipeline_rows, lambda r: fields[r["opportunity_id"]]["regional_office"])
    got = report("funnel", "--by", "field:regional_office", "--pipeline", "maven")
    assert [f["group"] for f in got] == by_name(offices)
    for funnel in got:
        rows = offices[funnel["group"]]
        engaged = [r for r in rows if r["engage_date"]]
        won = sum(r["deal_stage"] == "Won" for r in rows)
        lost = sum(r["deal_stage"] == "Lost" for r in rows)
        closed = [
            (day(r["close_date"]) - day(r["engage_date"])).days for r in rows if r["close_date"]
        ]
        prospecting, engaging = funnel["stages"]
        assert (funnel["won"], funnel["lost"]) == (won, lost)
        assert (prospecting["reached"], engaging["reached"]) == (len(rows), len(engaged))
        assert prospecting["conversion_to_next"] == approx(pct(len(engaged), len(rows)))
        assert engaging["conversion_to_next"] == approx(pct(won, len(engaged)))
        assert (prospecting["dropped"], engaging["dropped"]) == (0, lost)
        assert engaging["avg_days_in_stage"] == approx(round(statistics.fmean(closed), 2))
        assert engaging["median_days_in_stage"] == approx(statistics.median(closed))


def test_filters_narrow_to_the_csv_subset(report: Any, pipeline_rows: list[Row]) -> None:
    """--field repeated: any of one name's values, all of the names."""
    fields = fields_of(pipeline_rows)

    def keep(r: Row) -> bool:
        f = fields[r["opportunity_id"]]
        return f["regional_office"] == "West" and f["series"] in ("GTX", "MG")

    [got] = report(
        "metrics",
        "--field",
        "regional_office=west",
        "--field",
        "series=GTX",
        "--field",
        "SERIES=mg",
    )
    assert {k: got[k] for k in KEYS} == figures([r for r in pipeline_rows if keep(r)])


def quarter(text: str) -> str:
    d = day(text)
    return f"{d.year}-Q{(d.month - 1) // 3 + 1}"


def test_win_rate_per_manager_per_quarter(report: Any, pipeline_rows: list[Row]) -> None:
    """`--per quarter --by field:manager`: each manager's series, each quarter's
    won, lost and win rate counted here from the Won/Lost rows' close dates."""
    fields = fields_of(pipeline_rows)
    expected: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for r in pipeline_rows:
        if r["deal_stage"] in ("Won", "Lost"):
            counts = expected[fields[r["opportunity_id"]]["manager"], quarter(r["close_date"])]
            counts[r["deal_stage"] == "Lost"] += 1
    got = report(
        "metrics", "--per", "quarter", "--by", "field:manager", "--since", "2016-10-01",
        "--until", "2018-01-01",
    )  # fmt: skip
    managers = sorted({m for m, _ in expected}, key=str.lower)
    assert [g["group"] for g in got] == managers
    quarters = ["2016-Q4", "2017-Q1", "2017-Q2", "2017-Q3", "2017-Q4"]
    for g in got:
        assert g["by"] == "field:manager"
        assert [p["period"] for p in g["periods"]] == quarters
        for p in g["periods"]:
            won, lost = expected.get((g["group"], p["period"]), [0, 0])
            assert (p["won"], p["lost"]) == (won, lost), (g["group"], p["period"])
            assert p["win_rate"] == approx(pct(won, won + lost))
    assert sum(p["won"] for g in got for p in g["periods"]) == 4238  # the Won rows
