"""The body of the pull-request preview comment: a marker (so the workflow updates its own comment), the
commit and a link to the run, the preview Markdown, trimmed with a note to fit GitHub's limit.

GitHub refuses a comment body over 65,536 characters. JavaScript (actions/github-script) measures strings
in UTF-16 code units, so this does too: never more than what GitHub counts.

    python -m shopstream.pr_comment preview.md --commit SHA --run-url URL > comment.md
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

MARKER = "<!-- shopstream-preview -->"
GITHUB_COMMENT_LIMIT = 65_536
FENCE = "```"


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _fit(lines: list[str], budget: int) -> list[str]:
    """The longest prefix of whole lines within `budget` UTF-16 units (newlines included)."""
    kept: list[str] = []
    used = 0
    for line in lines:
        cost = utf16_length(line) + 1
        if used + cost > budget:
            break
        kept.append(line)
        used += cost
    return kept


def comment_body(preview: str, *, commit: str, run_url: str, limit: int = GITHUB_COMMENT_LIMIT) -> str:
    """The comment: marker, header naming the commit and the run, then the preview; cut at a line with
    a note (and any open code fence closed) when the whole would be over `limit`."""
    head = f"{MARKER}\nPreview of commit `{commit[:12]}` ([run]({run_url})).\n\n"
    whole = head + preview
    if utf16_length(whole) <= limit:
        return whole
    lines = preview.splitlines()
    note_template = (
        "\n> [!NOTE]\n> The preview was cut here to fit GitHub's comment limit: {shown} of {total} lines "
        f"shown. The full preview (Markdown and JSON) is in the [run's artifacts]({run_url}).\n"
    )
    # The note's digits: at most as many as the total has, so the budget holds for any cut.
    widest = note_template.format(shown=len(lines), total=len(lines))
    budget = limit - utf16_length(head) - utf16_length(widest) - utf16_length(FENCE + "\n")
    kept = _fit(lines, max(budget, 0))
    shown = len(kept)
    if sum(line.startswith(FENCE) for line in kept) % 2:  # cut inside a code block: close it
        kept.append(FENCE)
    return head + "\n".join(kept) + "\n" + note_template.format(shown=shown, total=len(lines))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("preview", type=Path, help="the Markdown of `shopstream preview --markdown`")
    parser.add_argument("--commit", required=True, help="the commit the preview is of")
    parser.add_argument("--run-url", required=True, help="the URL of the workflow run")
    args = parser.parse_args(argv)
    try:
        preview = args.preview.read_text()
    except OSError as error:
        print(f"pr_comment: cannot read {args.preview}: {error.strerror}", file=sys.stderr)
        return 1
    sys.stdout.write(comment_body(preview, commit=args.commit, run_url=args.run_url))
    return 0


if __name__ == "__main__":
    sys.exit(main())
