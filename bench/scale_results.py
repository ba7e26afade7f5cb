"""What one `bench.scale` run measured, as plain data that round-trips through JSON
(bench/results/scale.json), so runs of different sizes can be merged into one table."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class OperationResult:
    operation: str  # create, preview, up, refresh, refresh-2pass
    command: str  # the pulumi arguments
    real_seconds: float  # create: summed over the runs it took to converge
    floor_seconds: float
    runs: int = 1  # pulumi runs until exit 0 (create only reruns)
    failed_runs: int = 0
    converged: bool = True
    requests_max_per_shop: int = 0
    requests_total: int = 0
    writes_total: int = 0
    throttled: int = 0  # 429s received
    request_floor_per_shop: int | None = None  # the list floor for this operation (None: not defined)
    lower_bound_seconds: float | None = None  # rate-limit lower bound of the requests sent
    rss_real: dict[str, int] = field(default_factory=dict)  # peak bytes by role
    rss_floor: dict[str, int] = field(default_factory=dict)
    first_error: str = ""  # the first failed run's last error line, if any


@dataclass
class SizeResult:
    n: int
    shops: int
    api: str
    started: str  # ISO time
    wall_seconds: float  # the whole size, setup to teardown
    operations: list[OperationResult]
    duplicates: int = 0
    missing: int = 0
    unexpected: int = 0
    state_bytes_total: int = 0
    state_bytes_per_subscription: float = 0.0
    state_largest_resource_bytes: int = 0
    notes: list[str] = field(default_factory=list)

    @staticmethod
    def from_json(data: dict[str, Any]) -> SizeResult:
        operations = [OperationResult(**op) for op in data.pop("operations")]
        return SizeResult(operations=operations, **data)


def load(path: Path) -> dict[str, SizeResult]:
    """Results by key `api:N` (empty when the file does not exist)."""
    if not path.exists():
        return {}
    raw = json.loads(path.read_text())
    return {key: SizeResult.from_json(value) for key, value in raw.items()}


def save(path: Path, results: dict[str, SizeResult]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({k: asdict(v) for k, v in sorted(results.items())}, indent=1) + "\n")


def key(result: SizeResult) -> str:
    return f"{result.api}:{result.n}"
