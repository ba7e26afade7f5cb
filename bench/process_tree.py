"""Peak resident memory of a `pulumi` command's process tree, by role, sampled from /proc with psutil.

Roles come from each process's command line: the CLI (the Go `pulumi` binary), the language host and the
program it runs (our `python_language_host.py`, `pulumi-language-python-exec`), the dynamic provider
(`python -m pulumi.dynamic`), the policy pack, and anything else (shell wrappers).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

import psutil

ROLES = ("cli", "program", "provider", "policy", "other")
SAMPLE_SECONDS = 0.2


def role_of(cmdline: Sequence[str]) -> str:
    """The role of a process of a `pulumi` run, from its command line (pure)."""
    joined = " ".join(cmdline)
    if "pulumi.dynamic" in joined:
        return "provider"
    if "pulumi.policy" in joined:
        return "policy"
    if "python_language_host" in joined or "pulumi-language-python" in joined:
        return "program"
    if cmdline and cmdline[0].rsplit("/", 1)[-1] == "pulumi":
        return "cli"
    return "other"


def sample(root: psutil.Process) -> dict[str, int]:
    """Bytes of RSS per role, summed over the live processes of the tree right now."""
    totals = dict.fromkeys(ROLES, 0)
    try:
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return totals
    for process in processes:
        try:
            totals[role_of(process.cmdline())] += process.memory_info().rss
        except psutil.Error:  # ended between listing and reading: it no longer holds memory
            continue
    return totals


@dataclass
class PeakSampler:
    """Samples the tree under `pid` every SAMPLE_SECONDS in a thread until stop(); keeps per-role peaks."""

    pid: int
    peaks: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ROLES, 0))
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> PeakSampler:
        self._thread = threading.Thread(target=self._run, name=f"rss:{self.pid}", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            root = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self._stop.is_set():
            for role, rss in sample(root).items():
                self.peaks[role] = max(self.peaks[role], rss)
            self._stop.wait(SAMPLE_SECONDS)

    def stop(self) -> dict[str, int]:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        return dict(self.peaks)


def descendants(pid: int) -> list[psutil.Process]:
    """The live processes under `pid` (empty when it is gone)."""
    try:
        return list(psutil.Process(pid).children(recursive=True))
    except psutil.Error:
        return []
