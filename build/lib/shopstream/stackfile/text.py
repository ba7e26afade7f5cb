"""Characters no value of a stack file may hold: control characters and unpaired surrogates.

YAML's double-quoted escapes ("\u0001", "\ud800") let them into a file that is otherwise plain text.
They would break HTTP headers, terminals and Pulumi's gRPC log (which needs valid UTF-8), so every string
value is checked once here, with one finding at its line, before the other checks look at it.
"""

from __future__ import annotations

import re
from typing import Any

from .findings import Finding, show
from .yamldoc import DataPath

# Free text may span lines; nothing else in a stack file may.
_MULTILINE: frozenset[DataPath] = frozenset({("platform", "flow_description")})
_BAD = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029]")
_BAD_MULTILINE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def _describe(ch: str) -> str:
    code = ord(ch)
    if 0xD800 <= code <= 0xDFFF:
        return f"an unpaired surrogate U+{code:04X} (not valid Unicode text)"
    if ch in "\n\r\u2028\u2029":
        return f"a line break U+{code:04X}"
    return f"the control character U+{code:04X}"


def text_findings(data: Any) -> list[Finding]:
    """One finding per string value that holds a forbidden character."""
    findings: list[Finding] = []
    stack: list[tuple[DataPath, Any]] = [((), data)]
    while stack:  # iterative: the depth is capped by the parser, but a loop needs no reasoning about it
        path, value = stack.pop()
        if isinstance(value, str):
            found = (_BAD_MULTILINE if path in _MULTILINE else _BAD).search(value)
            if found is not None:
                findings.append(
                    Finding(path, f"{show(value)} contains {_describe(found.group())}; remove it")
                )
        elif isinstance(value, dict):
            stack.extend(((*path, key), item) for key, item in value.items())
        elif isinstance(value, list):
            stack.extend(((*path, index), item) for index, item in enumerate(value))
    return findings
