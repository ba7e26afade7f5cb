"""`shopstream preview --changed-since REF` picks the stacks a change touches (a throwaway git repo)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from shopstream.cli import stacks_changed_since


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def commit(repo: Path, files: dict[str, str], message: str) -> None:
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", message)


def test_stack_files_and_their_config_select_their_stacks_and_shared_code_selects_all(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commit(
        repo,
        {"stacks/prod.yaml": "a", "stacks/staging.yaml": "a", "stacks/dev.yaml": "a", "README.md": "x"},
        "base",
    )
    git(repo, "branch", "base")

    commit(repo, {"stacks/staging.yaml": "b", "README.md": "y"}, "edit staging")
    assert stacks_changed_since(repo, "base") == ["staging"]

    commit(repo, {"stacks/Pulumi.prod.yaml": "config"}, "prod config")
    assert stacks_changed_since(repo, "base") == ["prod", "staging"]

    commit(repo, {"shopstream/providers/shopify/client.py": "code"}, "shared code")
    assert stacks_changed_since(repo, "base") == ["dev", "prod", "staging"]
