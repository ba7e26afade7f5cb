"""bench.scale runs end to end at a tiny N and prints its table (a smoke test, not a timed one)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from shopstream.toolchain import REPO

OPERATIONS = ("create", "preview", "up", "refresh", "refresh-2pass")


def test_scale_benchmark_runs_at_n_4_and_writes_its_table_plot_and_figures(tmp_path: Path) -> None:
    out = tmp_path / "results"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.scale",
            "--sizes",
            "4",
            "--out",
            str(out),
            "--workdir",
            str(tmp_path / "w"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith("| 4 | 1 |")]
    assert [row.split("|")[3].strip() for row in rows] == list(OPERATIONS), done.stdout
    assert (out / "scale.md").read_text() == done.stdout
    assert (out / "scale.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    figures = json.loads((out / "scale.json").read_text())["rest:4"]
    assert (figures["duplicates"], figures["missing"]) == (0, 0)
    create = figures["operations"][0]
    assert create["converged"] and create["writes_total"] == 4, create
    assert create["floor_seconds"] > 0 and create["rss_real"]["cli"] > 0
    assert figures["state_bytes_per_subscription"] > 0
