"""The pull-request comment body: commit, run link, and trimming under GitHub's limit (pure)."""

from __future__ import annotations

from pathlib import Path

import pytest

from shopstream.pr_comment import GITHUB_COMMENT_LIMIT, MARKER, comment_body, main, utf16_length

RUN = "https://github.com/acme/shopstream/actions/runs/42"
SHA = "0123456789abcdef0123456789abcdef01234567"


def test_a_short_preview_is_kept_whole_with_the_commit_and_the_run() -> None:
    body = comment_body("## shopstream preview\n\nno changes\n", commit=SHA, run_url=RUN)
    assert body.startswith(MARKER + "\n")
    assert f"`{SHA[:12]}`" in body and f"]({RUN})" in body
    assert body.endswith("## shopstream preview\n\nno changes\n")


def test_a_long_preview_is_cut_at_a_line_with_a_note_and_a_closed_fence() -> None:
    rows = [
        f"| `orders/create` | create | `address`: https://hooks.example.com/{i:06d} |" for i in range(2000)
    ]
    preview = "\n".join(["## shopstream preview", "", *rows, "```mermaid", *rows, "```"]) + "\n"
    assert len(preview) > GITHUB_COMMENT_LIMIT
    body = comment_body(preview, commit=SHA, run_url=RUN)
    assert utf16_length(body) <= GITHUB_COMMENT_LIMIT
    assert "The preview was cut here" in body and f"of {len(preview.splitlines())} lines" in body
    assert body.count("```") % 2 == 0  # the cut inside the diagram's code block closes it
    cut = body.split("\n> [!NOTE]")[0].splitlines()
    assert all(line in preview.splitlines() or line == "```" for line in cut[3:])  # whole lines only


def test_the_limit_counts_utf16_units_as_github_does() -> None:
    preview = "😀" * 40_000  # 2 UTF-16 units each: 80,000 units in 40,000 characters
    body = comment_body(preview + "\n" + "x\n" * 10, commit=SHA, run_url=RUN, limit=1000)
    assert utf16_length(body) <= 1000 and "cut here" in body


def test_the_command_writes_the_body(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    md = tmp_path / "preview.md"
    md.write_text("## shopstream preview\n")
    assert main([str(md), "--commit", SHA, "--run-url", RUN]) == 0
    assert capsys.readouterr().out == comment_body("## shopstream preview\n", commit=SHA, run_url=RUN)
    assert main([str(tmp_path / "missing.md"), "--commit", SHA, "--run-url", RUN]) == 1
    assert "cannot read" in capsys.readouterr().err
