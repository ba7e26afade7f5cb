"""The GitHub workflows pass actionlint, reuse the project's bootstrap with the released Pulumi CLI of the
pinned version, and run on every change to something the plan imports."""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
ACTIONLINT = REPO / ".venv" / "bin" / "actionlint"
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
# What runs the plan: the Pulumi program, and the CLI the workflows call (it loads the policy pack).
ENTRY_POINTS = ("__main__.py", "shopstream/program", "shopstream/cli.py", "shopstream/policy/__main__.py")


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


def pinned_pulumi_version() -> str:
    match = re.search(r"^PULUMI_VERSION=(\S+)", (REPO / "toolchain" / "bootstrap.sh").read_text(), re.M)
    assert match, "toolchain/bootstrap.sh no longer pins PULUMI_VERSION"
    return match.group(1)


def steps(workflow: Path) -> list[dict[str, Any]]:
    data = yaml.safe_load(workflow.read_text())
    return [step for job in data["jobs"].values() for step in job["steps"]]


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_runners_install_the_released_cli_of_the_pinned_version(workflow: Path) -> None:
    all_steps = steps(workflow)
    installs = [s for s in all_steps if str(s.get("uses", "")).startswith("pulumi/actions@")]
    assert len(installs) == 1, "install the CLI with the official pulumi/actions action"
    [install] = installs
    assert str(install["with"]["pulumi-version"]) == pinned_pulumi_version()
    assert "command" not in install["with"], "install only: shopstream runs the commands"
    names = [str(s.get("uses") or s.get("run")) for s in all_steps]
    assert names.index(str(install["uses"])) < next(i for i, n in enumerate(names) if "bootstrap.sh" in n)


def first_party_packages() -> set[str]:
    """Top-level first-party packages (directories) imported, transitively, from ENTRY_POINTS."""
    files = [
        p
        for entry in ENTRY_POINTS
        for p in ([REPO / entry] if entry.endswith(".py") else (REPO / entry).rglob("*.py"))
    ]
    seen: set[Path] = set()
    packages: set[str] = set()
    while files:
        path = files.pop()
        if path in seen:
            continue
        seen.add(path)
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            else:
                continue
            for module in modules:
                parts = module.split(".")
                if not (REPO / parts[0] / "__init__.py").exists():
                    continue  # not first-party (or a top-level module such as __main__)
                packages.add(parts[0])
                as_module, as_package = (
                    REPO.joinpath(*parts).with_suffix(".py"),
                    REPO.joinpath(*parts, "__init__.py"),
                )
                files += [p for p in (as_module, as_package) if p.exists()]
    return packages


def path_filters(workflow: Path) -> list[str]:
    data = yaml.safe_load(workflow.read_text())
    triggers = data.get("on", data.get(True))  # YAML 1.1 reads a bare `on` as true
    event = triggers.get("pull_request") or triggers.get("push")
    return list(event["paths"])


@pytest.mark.parametrize("name", ["preview.yml", "deploy.yml"])
def test_path_filters_cover_everything_the_plan_imports(name: str) -> None:
    packages = first_party_packages()
    # The walk must find the packages we know the plan uses, or it proves nothing.
    # Since the runtime packages live under shopstream/ (issue 10), that is the one first-party package.
    assert packages == {"shopstream"}
    filters = path_filters(REPO / ".github" / "workflows" / name)
    missing = sorted(f"{package}/**" for package in packages if f"{package}/**" not in filters)
    assert missing == [], f"{name} does not run on changes to {missing}"
    for fixed in ("stacks/**", "__main__.py", "Pulumi.yaml", "requirements*"):
        assert fixed in filters, f"{name} misses {fixed}"
