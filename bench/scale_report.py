"""The scale benchmark's Markdown tables and PNG plot (matplotlib, Agg backend), from SizeResults."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from bench.metrics import ratio
from bench.scale_results import OperationResult, SizeResult

MB = 1024 * 1024


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _x(value: float) -> str:
    return f"{value:.2f}x"


def _rss(peaks: dict[str, int]) -> str:
    if not peaks:
        return "—"
    return "/".join(f"{peaks.get(role, 0) / MB:.0f}" for role in ("cli", "program", "provider"))


def _vs_bound(op: OperationResult) -> str:
    if op.lower_bound_seconds is None:
        return "—"
    return _x(ratio(op.real_seconds, max(op.floor_seconds, op.lower_bound_seconds)))


def _runs(op: OperationResult) -> str:
    text = f"{op.runs} ({op.failed_runs} failed)"
    return text if op.converged else text + ", not converged"


def operations_table(results: Iterable[SizeResult]) -> str:
    lines = [
        "| N | shops | operation | real s | floor s | ratio to floor | rate-limit bound s"
        " | real / max(floor, bound) | runs | requests/shop max (list floor) | writes | 429s"
        " | peak RSS MB cli/program/provider |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---|",
    ]
    for size in results:
        for op in size.operations:
            floor = "—" if op.request_floor_per_shop is None else str(op.request_floor_per_shop)
            lines.append(
                f"| {size.n} | {size.shops} | {op.operation} | {_seconds(op.real_seconds)} | "
                f"{_seconds(op.floor_seconds)} | {_x(ratio(op.real_seconds, op.floor_seconds))} | "
                f"{_seconds(op.lower_bound_seconds)} | {_vs_bound(op)} | {_runs(op)} | "
                f"{op.requests_max_per_shop} ({floor}) | {op.writes_total} | {op.throttled} | "
                f"{_rss(op.rss_real)} |"
            )
    return "\n".join(lines)


def convergence_table(results: Iterable[SizeResult]) -> str:
    lines = [
        "| N | api | duplicates | missing | unexpected | state bytes/subscription | largest resource bytes"
        " | state total bytes | wall time of the size s | measured at |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for size in results:
        lines.append(
            f"| {size.n} | {size.api} | {size.duplicates} | {size.missing} | {size.unexpected} | "
            f"{size.state_bytes_per_subscription:.0f} | {size.state_largest_resource_bytes} | "
            f"{size.state_bytes_total} | {size.wall_seconds:.0f} | {size.started} |"
        )
    return "\n".join(lines)


def limits(results: list[SizeResult]) -> str:
    if results and results[0].api == "graphql":
        return "GraphQL: 2,000 points restoring 100/s per shop and app; the 429s column counts THROTTLED"
    return "REST: bucket 40, leak 2/s per shop and app"


def markdown(results: list[SizeResult], command: str) -> str:
    notes = [f"- N={s.n}: {note}" for s in results for note in s.notes]
    parts = [
        "# Scale benchmark (issue 7)",
        "",
        f"Reproduce: `{command}`. The emulator runs as its own process at Shopify's real limits "
        f"({limits(results)}); each operation of the real project is run right after the same "
        "operation of the floor project (a do-nothing dynamic provider, same stack file and resource names). "
        "Peak RSS sums the processes of each role. The list floor is ceil(k/250)+1 requests per shop for a "
        "refresh pass, writes+ceil(k/250)+1 for create; `refresh-2pass` is `pulumi refresh --yes` (preview "
        "then apply), whose floor is two passes. On a shared, loaded machine the ratios are noisy.",
        "",
        operations_table(results),
        "",
        convergence_table(results),
    ]
    if notes:
        parts += ["", "Notes:", "", *notes]
    return "\n".join(parts) + "\n"


def plot(results: list[SizeResult], path: Path) -> None:
    """Ratio to floor per operation against N (log x), one line per operation and API."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 4.5))
    series: dict[str, list[tuple[int, float]]] = {}
    for size in sorted(results, key=lambda s: s.n):
        for op in size.operations:
            label = op.operation if size.api == "rest" else f"{op.operation} ({size.api})"
            series.setdefault(label, []).append((size.n, ratio(op.real_seconds, op.floor_seconds)))
    for label, points in series.items():
        axes.plot([n for n, _ in points], [r for _, r in points], marker="o", label=label)
    axes.axhline(1.0, color="grey", linewidth=0.8, linestyle="--")
    axes.set_xscale("log")
    sizes = sorted({size.n for size in results})
    axes.set_xticks(sizes, [str(n) for n in sizes])
    axes.minorticks_off()
    axes.set_xlabel("subscriptions (N), 40 per shop")
    axes.set_ylabel("wall time / do-nothing-provider floor")
    axes.set_title("shopstream at Shopify's real limits: ratio to Pulumi's floor")
    axes.legend(fontsize="small")
    axes.grid(True, which="both", alpha=0.3)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
