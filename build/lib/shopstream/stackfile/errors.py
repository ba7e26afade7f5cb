"""Problems found in a stack file, and the single exception that carries all of them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .findings import printable


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
        # Escaped once more here: this text goes to terminals and, through Pulumi's log, to gRPC.
        return printable(f"{where}: {self.message}")


class StackFileError(Exception):
    """The stack file cannot be used; ``problems`` lists the problems found, in file order. When there
    are very many, only the first ones are kept and ``omitted`` counts the rest."""

    def __init__(self, problems: Iterable[Problem], omitted: int = 0) -> None:
        self.problems: list[Problem] = list(problems)
        self.omitted = omitted
        super().__init__(str(self))

    @property
    def count(self) -> int:
        """Every problem found, shown or not."""
        return len(self.problems) + self.omitted

    def __str__(self) -> str:
        text = "\n\n".join(str(problem) for problem in self.problems)
        if self.omitted:
            noun = "problem" if self.omitted == 1 else "problems"
            text += f"\n\n… and {self.omitted} more {noun} (not shown; fix the ones above first)"
        return text
