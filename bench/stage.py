"""A scenario's setting for the reliability benchmark: an emulator process, shops with tokens, and one or
more stacks of a throwaway project (one file backend) that declare them; plus what came out of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import metrics
from bench.api_choice import ApiSetup
from bench.emulator_process import EmulatorProcess
from bench.metrics import Outcome, outcome
from bench.project import BenchProject, CommandFailed
from bench.source import Source
from bench.world import ADDRESS, ShopifyBenchWorld

APP_SECRET_KEY = "shopifyAppSecret"


@dataclass
class Secrets:
    """Every secret value a benchmark run handed to Pulumi: the secret scan looks for each."""

    values: set[str] = field(default_factory=set)

    def add(self, *values: str) -> None:
        self.values.update(v for v in values if v)


class Stage:
    def __init__(
        self,
        workdir: Path,
        source: Source,
        shops: dict[str, list[str]],
        secrets: Secrets,
        *,
        stacks: tuple[str, ...] = ("bench",),
        state_file: bool = False,
        api: ApiSetup | None = None,
    ) -> None:
        self.workdir = workdir
        self.source = source
        self.shops = shops
        self.secrets = secrets
        self.stack_names = stacks
        self.api = api or ApiSetup("rest", {}, ())
        self.emulator = EmulatorProcess(
            workdir / "emulator",
            state_file=workdir / "emulator" / "state.json" if state_file else None,
            extra_args=self.api.emulator_args,
            source_env=source.env(),
        )
        self.world: ShopifyBenchWorld | None = None
        self.projects: dict[str, BenchProject] = {}

    def start(self, app_secret: str = "shpss_" + "b" * 32) -> Stage:
        try:
            return self._start(app_secret)
        except BaseException:
            self.close()
            raise

    def _start(self, app_secret: str) -> Stage:
        self.emulator.start()
        world = ShopifyBenchWorld(self.emulator.control, self.emulator.base_url, self.shops).create()
        self.world = world
        self.secrets.add(*world.tokens.values(), app_secret)
        for stack in self.stack_names:
            project = BenchProject(
                self.workdir / "project", self.source.real_program, stack, self.source.env()
            )
            project.init(world.tokens)
            # Not used without a platform section, but a secret in the config the scan must never find.
            project.check("config", "set", "--secret", APP_SECRET_KEY, stdin=app_secret, timeout=120)
            project.write_stack_file(world.stack_file(**self.api.stack_keys))
            self.projects[stack] = project
        return self

    @property
    def project(self) -> BenchProject:
        return self.projects[self.stack_names[0]]

    @property
    def shopify(self) -> ShopifyBenchWorld:
        assert self.world is not None, "Stage.start() first"
        return self.world

    def outcome(self, stack: str | None = None, declared: dict[str, list[str]] | None = None) -> Outcome:
        project = self.projects[stack or self.stack_names[0]]
        export: dict[str, Any] | None
        try:
            export = project.export_state()
        except CommandFailed:  # e.g. a checkpoint a kill left unreadable: a finding, not a crash
            export = None
        return outcome(declared or self.shops, self.shopify.subscriptions(), export, ADDRESS)

    def writes(self, since: dict[str, int]) -> int:
        return sum(t.writes for t in self.shopify.traffic_since(since).values())

    def writes_received_after(self, since: dict[str, int], moment: float) -> int:
        """Writes logged since the marks that the emulator received after `moment` (Unix seconds)."""
        return sum(
            1
            for shop in self.shopify.shops
            for entry in self.shopify.control.requests(shop, since=since.get(shop, 0))
            if metrics.is_write(entry) and metrics.received_after(entry, moment)
        )

    def close(self) -> None:
        self.emulator.stop()

    def __enter__(self) -> Stage:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.close()
