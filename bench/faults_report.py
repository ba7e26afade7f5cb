"""The reliability benchmark's rows and their Markdown table (issue 9): each row shows what was measured,
the goal, and whether it is met, even when the answer today is no."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Row:
    check: str
    measured: dict[str, Any]
    goal: dict[str, Any]
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    unavailable: str = ""  # why nothing could be measured (a part that has not landed yet)

    @property
    def met(self) -> bool | None:
        if self.unavailable:
            return None
        return all(self.measured.get(key) == value for key, value in self.goal.items())


def _pairs(values: dict[str, Any]) -> str:
    # Keys starting with "_" are details for the JSON file (e.g. the fuzz row's examples), not the table.
    return ", ".join(f"{key} {_value(value)}" for key, value in values.items() if not key.startswith("_"))


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def markdown(rows: list[Row], command: str) -> str:
    lines = [
        "# Reliability benchmark (issue 9)",
        "",
        f"Reproduce: `{command}` (`--only ROW,...` reruns some rows and updates them here). Each row is "
        "measured through the real `pulumi` CLI against the emulator as its own process on 127.0.0.1; a "
        "row shows its value even when it misses the goal. Notes say which code each row measured.",
        "",
        "| check | measured | goal | met | s |",
        "|---|---|---|---|---:|",
    ]
    for row in rows:
        measured = f"not measured: {row.unavailable}" if row.unavailable else _pairs(row.measured)
        met = {True: "yes", False: "**no**", None: "—"}[row.met]
        lines.append(f"| {row.check} | {measured} | {_pairs(row.goal)} | {met} | {row.seconds:.0f} |")
    notes = [f"- {row.check}: {note}" for row in rows for note in row.notes]
    if notes:
        lines += ["", "Notes:", "", *notes]
    return "\n".join(lines) + "\n"


def load_json(path: Path) -> list[Row]:
    """The rows of an earlier run (empty when there is none), so a run of some rows updates the table."""
    if not path.exists():
        return []
    return [Row(**{k: v for k, v in row.items() if k != "met"}) for row in json.loads(path.read_text())]


def merged(earlier: list[Row], new: list[Row]) -> list[Row]:
    """`earlier` with the rows of the same check replaced by `new` ones; new checks at the end."""
    fresh = {row.check: row for row in new}
    kept = [fresh.pop(row.check, row) for row in earlier]
    return kept + [row for row in new if row.check in fresh]


def save_json(path: Path, rows: list[Row]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([{**asdict(r), "met": r.met} for r in rows], indent=1) + "\n")
