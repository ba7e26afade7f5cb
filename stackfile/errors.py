"""Problems found in a stack file, and the single exception that carries all of them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One user mistake: where it is and what is wrong AND what is allowed.

    ``field`` is a dotted/bracket path such as ``shops.acme-eu.topics[2].address``; empty for the
    file as a whole. ``line`` is 1-based, or None when there is no line (e.g. a missing file).
    """

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        if self.field:
            where = f"{where}: {self.field}"
        return f"{where}: {self.message}"


class StackFileError(Exception):
    """The stack file cannot be used; ``problems`` lists every problem found, in file order."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n\n".join(str(problem) for problem in self.problems)
