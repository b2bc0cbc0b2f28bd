"""The examples run, with the installed `funnel`, and say what they claim."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# Each runs an example script as its own processes: the slow path.
pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent


def test_tour_runs(tmp_path: Path) -> None:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    result = subprocess.run(
        ["sh", str(REPO / "examples" / "tour.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "None -> lead\nlead -> demo\ndemo -> won\n" in result.stdout
    assert "Globex pilot" in result.stdout
    assert "lost #2 Globex pilot" in result.stderr


def _run_example(script: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    env["FUNNEL_DB"] = str(tmp_path / "example.db")
    result = subprocess.run(
        ["sh", str(REPO / "examples" / "import" / script), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result


def _deals(tmp_path: Path) -> list[dict[str, object]]:
    import json

    env = dict(os.environ, FUNNEL_DB=str(tmp_path / "example.db"))
    out = subprocess.run(
        [sys.executable, "-m", "funnelcli", "list", "--status", "all", "--format", "json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out)  # type: ignore[no-any-return]


def test_pipedrive_example(tmp_path: Path) -> None:
    result = _run_example("pipedrive.sh", tmp_path)
    assert "imported 3 deals" in result.stderr
    got = {d["external_id"]: d for d in _deals(tmp_path)}
    assert (got["101"]["stage"], got["101"]["status"], got["101"]["tags"]) == (
        "Negotiations Started",
        "open",
        ["hot"],
    )
    assert (got["102"]["status"], got["102"]["closed_at"], got["102"]["currency"]) == (
        "won",
        "2026-10-01T16:30:00Z",
        "EUR",
    )
    # closed_at mapped to Won time and Lost time: the lost deal took its Lost time
    assert (got["103"]["status"], got["103"]["closed_at"], got["103"]["lost_reason"]) == (
        "lost",
        "2026-10-20T12:00:00Z",
        "price too high",
    )
    assert got["103"]["value"] == 3100


def test_hubspot_example(tmp_path: Path) -> None:
    result = _run_example("hubspot.sh", tmp_path)
    assert "imported 3 deals" in result.stderr
    got = {d["external_id"]: d for d in _deals(tmp_path)}
    # an open deal's Close Date is its expected close; a closed one's, its close
    assert (got["9001"]["status"], got["9001"]["expected_close"], got["9001"]["closed_at"]) == (
        "open",
        "2027-01-10",
        None,
    )
    assert (got["9002"]["status"], got["9002"]["closed_at"]) == ("won", "2026-11-02T00:00:00Z")
    assert got["9003"]["status"] == "lost"
    assert got["9001"]["org"] == "Stark Logistics" and got["9001"]["owner"] == "Anna"


def test_salesforce_example(tmp_path: Path) -> None:
    result = _run_example("salesforce.sh", tmp_path)
    assert result.stderr.splitlines() == [
        "  line 8, column DEMO_SET_DATE ('2024-03-04'): before the deal was created "
        "(CREATED_DATE '2024-03-11T10:00:00.000Z')",
        "imported 9 deals, updated 0, unchanged 0; skipped 1 duplicate row; "
        "dropped 1 stage date (--lenient)",
    ]
    got = {d["external_id"]: d for d in _deals(tmp_path)}
    won, lost, verbal = (got[f"0065g00000Ab{n}AAA"] for n in (1, 3, 5))
    # Closed Won / Closed Lost close the deal at CLOSE_DATE; the bare DEMO_SET_DATE
    # on the day of the timestamped CREATED_DATE starts the deal in demo
    assert (won["status"], won["stage"], won["closed_at"], won["created_at"]) == (
        "won",
        "demo",
        "2024-09-30T00:00:00Z",
        "2024-07-10T09:48:13Z",
    )
    assert (won["org"], won["owner"], won["value"], won["source"]) == (
        "Northwind Traders",
        "Anna Kowalska",
        24000,
        "Existing Customer",
    )
    assert (lost["status"], lost["lost_reason"]) == ("lost", "Price")
    # an open deal's CLOSE_DATE is its expected close; Verbal Commitment is negotiation
    assert (verbal["status"], verbal["stage"], verbal["expected_close"]) == (
        "open",
        "negotiation",
        "2024-12-15",
    )
    assert got["0065g00000Ab6AAA"]["currency"] == "EUR"
    # the dropped demo date: created in lead, closed there
    assert (got["0065g00000Ab7AAA"]["stage"], got["0065g00000Ab7AAA"]["status"]) == (
        "lead",
        "lost",
    )


@pytest.mark.maven
def test_maven_example(tmp_path: Path) -> None:
    result = _run_example("maven.sh", tmp_path)
    assert "imported 8800 deals" in result.stderr
    assert "4238" in result.stdout and "63.1%" in result.stdout
