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
    return ", ".join(f"{key} {_value(value)}" for key, value in values.items())


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def markdown(rows: list[Row], command: str, source: str) -> str:
    lines = [
        "# Reliability benchmark (issue 9)",
        "",
        f"Reproduce: `{command}` (measured {source}). Each row is measured through the real `pulumi` CLI "
        "against the emulator as its own process on 127.0.0.1; a row shows its value even when it misses "
        "the goal.",
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


def save_json(path: Path, rows: list[Row]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([{**asdict(r), "met": r.met} for r in rows], indent=1) + "\n")
