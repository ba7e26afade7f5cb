"""The exit codes of `shopstream` (the README's "Exit codes" table), and how several stacks' codes
combine into one (the worst wins)."""

from __future__ import annotations

from collections.abc import Iterable

EXIT_OK = 0
EXIT_ERROR = 1  # a clear message on stderr: bad input, authentication, network, a policy violation
EXIT_CHANGES = 2  # `preview --detailed-exitcode`: the plan changes something; `drift`: drift found
EXIT_GUARDRAIL = 3  # `up`: the production guardrails stopped a destructive plan
EXIT_NEEDS_RECOVERY = 4  # `up`: a stale lock or pending operations from an interrupted update

# Worst last: an error outweighs a refusal, which outweighs a plan with changes.
_SEVERITY = (EXIT_OK, EXIT_CHANGES, EXIT_GUARDRAIL, EXIT_NEEDS_RECOVERY, EXIT_ERROR)


def worst(codes: Iterable[int]) -> int:
    """The most severe of `codes` (EXIT_OK for none); unknown codes count as errors."""
    return max(
        codes, key=lambda code: _SEVERITY.index(code) if code in _SEVERITY else len(_SEVERITY), default=0
    )
