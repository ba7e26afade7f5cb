"""Which code a benchmark measures: this repository's working tree, or a snapshot of a commit.

Others edit the working tree while a long benchmark runs; `--source HEAD` measures the last commit instead:
`git archive` unpacks it into the work folder (no checkout, the repository is untouched) and every process
of the run (emulator, program, providers) imports from it through PYTHONPATH, ahead of the editable install.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from shopstream.toolchain import REPO


@dataclass(frozen=True)
class Source:
    root: Path
    label: str  # for the report: "working tree" or "commit abc1234"

    @property
    def real_program(self) -> Path:
        return self.root / "__main__.py"

    @property
    def floor_program(self) -> Path:
        # Always the harness's own: the floor does not depend on the code being measured.
        return REPO / "bench" / "floor_program.py"

    def env(self) -> dict[str, str]:
        return {} if self.root == REPO else {"PYTHONPATH": str(self.root)}


def working_tree() -> Source:
    return Source(REPO, "working tree" + (" (uncommitted changes)" if _dirty() else ""))


def snapshot(revision: str, dest: Path) -> Source:
    """`git archive REVISION` unpacked into `dest`."""
    commit = _git("rev-parse", "--short", revision).strip()
    dest.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", revision],
        capture_output=True,
        check=True,
        timeout=120,
    )
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True, timeout=120)
    return Source(dest, f"commit {commit}")


def resolve(spec: str | None, workdir: Path) -> Source:
    """None: the working tree; an existing folder: that tree; anything else: a git revision to snapshot."""
    if spec is None:
        return working_tree()
    if Path(spec).is_dir():
        return Source(Path(spec).resolve(), f"tree {spec}")
    return snapshot(spec, workdir / "source")


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(REPO), *args], capture_output=True, text=True, check=True, timeout=60
    ).stdout


def _dirty() -> bool:
    try:
        return bool(_git("status", "--porcelain", "--untracked-files=no").strip())
    except (OSError, subprocess.SubprocessError):
        return False
