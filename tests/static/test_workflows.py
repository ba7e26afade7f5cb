"""The GitHub workflows pass actionlint and reuse the project's bootstrap."""

import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ACTIONLINT = REPO / ".venv" / "bin" / "actionlint"
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))


def test_actionlint_passes_on_every_workflow() -> None:
    assert ACTIONLINT.exists(), f"{ACTIONLINT} is missing: run toolchain/bootstrap.sh"
    assert [w.name for w in WORKFLOWS] == ["deploy.yml", "drift.yml", "preview.yml"]
    result = subprocess.run(
        [str(ACTIONLINT), "-color=false", *map(str, WORKFLOWS)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflows_reuse_the_bootstrap_and_the_shopstream_cli(workflow: Path) -> None:
    text = workflow.read_text()
    assert "toolchain/bootstrap.sh" in text
    assert ".venv/bin/shopstream " in text
