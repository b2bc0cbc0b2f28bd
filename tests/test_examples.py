"""The examples run, with the installed `funnel`, and say what they claim."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
