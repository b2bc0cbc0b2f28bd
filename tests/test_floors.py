"""The benchmarks' floors (benchmarks/floor_*.py) print what funnel prints and
send SQLite the statements funnel sends, so that timing funnel against them
measures funnel's own overhead. benchmarks/run.py checks that before it times
anything; held here too, on small generated databases, so a change to funnel
that its floor has not followed fails the tests, not the next benchmark run
(the export floor once lacked the stage owners for weeks)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import run  # noqa: E402
from generate import Spec, cached  # noqa: E402

pytestmark = [
    pytest.mark.slow,
    pytest.mark.sqlite_only,  # the floors are SQLite programs
]

SMALL = Spec(deals=400, now=run.NOW)
SMALL_DUE = Spec(deals=500, open_share=0.8, touches=3000, due=25, now=run.NOW)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield tmp_path_factory.mktemp("floors")


def _bench(spec: Spec, data: Path, tmp: Path) -> Any:
    return run.Bench(cached(spec, data), tmp)


@pytest.mark.parametrize("cmd", run.COMMANDS)
def test_each_floor_prints_and_sends_what_funnel_does(cmd: str, data: Path, tmp_path: Path) -> None:
    bench = _bench(SMALL_DUE if cmd.startswith("due") else SMALL, data, tmp_path)
    make_funnel, make_floor = bench.argvs(cmd)
    status = run.EXIT.get(cmd, 0)
    funnel = bench.run(make_funnel(), capture=True, status=status)
    floor = bench.run(make_floor(), capture=True, status=status)
    output = run.compare(cmd, funnel, floor)
    assert output.startswith("same output"), output
    assert "bytes differ" not in output, output
    sql = run.compare_sql(bench.traced(cmd, "funnel")[0], bench.traced(cmd, "floor")[0])
    assert sql.startswith("same SQL"), sql


def test_the_export_floor_writes_the_same_bytes(data: Path, tmp_path: Path) -> None:
    bench = _bench(SMALL, data, tmp_path)
    mine, floor = tmp_path / "funnel.jsonl", tmp_path / "floor.jsonl"
    bench.run([*run.funnel_argv(), "export", "--output", str(mine)])
    script = BENCHMARKS / "floor_export.py"
    subprocess.run(
        [sys.executable, str(script), str(bench.db), str(floor)],
        env=bench.env,
        check=True,
        capture_output=True,
    )
    assert os.path.getsize(mine) > 100_000
    assert mine.read_bytes() == floor.read_bytes()
