"""bench.faults runs and prints its table (a smoke test of two cheap rows, not a timed test)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from shopstream.toolchain import REPO


def test_faults_benchmark_prints_the_two_stack_and_secret_scan_rows(tmp_path: Path) -> None:
    out = tmp_path / "results"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.faults",
            "--only",
            "two-stacks,fuzz,scan",
            "--fuzz",
            "5",
            "--out",
            str(out),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "| two stacks declaring the same subscriptions |" in done.stdout
    assert (out / "faults.md").read_text() == done.stdout
    rows = {row["check"]: row for row in json.loads((out / "faults.json").read_text())}
    scan = rows["secret scan of state, previews and logs"]
    assert scan["measured"]["secrets"] >= 2 and scan["measured"]["files scanned"] > 10, scan
    two = rows["two stacks declaring the same subscriptions"]
    assert two["measured"]["team-a up exit"] == 0, two  # the first stack deploys either way
