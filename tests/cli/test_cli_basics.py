"""Argument handling of the `shopstream` CLI that needs no Pulumi run (click's runner, in process)."""

from __future__ import annotations

import importlib.metadata

from click.testing import CliRunner

from shopstream.cli import main
from shopstream.toolchain import REPO


def test_version_names_the_installed_distribution() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"shopstream {importlib.metadata.version('shopstream')}\n"


def test_several_stacks_need_yes_and_some_stack_is_needed() -> None:
    runner = CliRunner()
    several = runner.invoke(main, ["--project-dir", str(REPO), "up", "--stack", "a", "--stack", "b"])
    assert several.exit_code == 1 and "needs --yes" in several.output
    none = runner.invoke(main, ["--project-dir", str(REPO), "up"])
    assert none.exit_code == 1 and "name a --stack, or --all" in none.output
    bad = runner.invoke(main, ["--project-dir", str(REPO), "up", "--stack", "a", "--parallel", "0"])
    assert bad.exit_code == 2 and "--parallel" in bad.output
