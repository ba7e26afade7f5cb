"""Which Admin API a benchmark drives: the stack file's `shopify.api` (graphql or rest) where the measured
code has that key, and the emulator's GraphQL cost limits (Shopify's: 2,000 points, 100 restored per second)
where it has those options. Code from before the GraphQL client has neither: REST only."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GRAPHQL_BUCKET, GRAPHQL_RESTORE = 2000, 100
API_KEY = "api"


class ApiUnavailable(SystemExit):
    pass


@dataclass(frozen=True)
class ApiSetup:
    api: str  # the API the stacks will use
    stack_keys: dict[str, str]  # added to the stack file's `shopify:` section
    emulator_args: tuple[str, ...]


def _api_schema(source_root: Path) -> dict[str, Any] | None:
    # The measured commit's layout: the runtime packages moved under shopstream/ (issue 10).
    moved = source_root / "shopstream" / "stackfile" / "stackfile.schema.json"
    schema = json.loads(
        (moved if moved.exists() else source_root / "stackfile" / "stackfile.schema.json").read_text()
    )
    found = schema["properties"]["shopify"].get("properties", {}).get(API_KEY)
    return dict(found) if isinstance(found, dict) else None


def setup(api: str | None, source_root: Path, emulator_help: str) -> ApiSetup:
    """`api` None: the stack file's default. Raises ApiUnavailable for graphql on code without it."""
    schema = _api_schema(source_root)
    if schema is None:
        if api == "graphql":
            raise ApiUnavailable(
                "--api graphql: the measured code's stack file has no `shopify.api` key (see "
                "shopstream/stackfile/stackfile.schema.json), so it has no GraphQL client; use --api rest."
            )
        return ApiSetup("rest", {}, ())
    chosen = api or str(schema.get("default", "rest"))
    args: tuple[str, ...] = ()
    has_limits = "--graphql-bucket-size" in emulator_help and "--graphql-restore-rate" in emulator_help
    if chosen == "graphql" and has_limits:
        args = ("--graphql-bucket-size", str(GRAPHQL_BUCKET), "--graphql-restore-rate", str(GRAPHQL_RESTORE))
    return ApiSetup(chosen, {API_KEY: chosen} if api is not None else {}, args)
