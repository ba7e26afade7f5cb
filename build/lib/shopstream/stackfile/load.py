"""Load and validate ``stacks/<stack>.yaml`` into a StackSpec, or raise StackFileError listing every
problem (file, line, field, what is wrong and what is allowed). User mistakes never escape as tracebacks:
the loader is total (any bytes give a StackSpec or a StackFileError) and bounded (files over 1 MiB are
refused unread; nesting and alias expansion are capped by the parser; at most MAX_PROBLEMS are listed).
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from shopstream.providers.aep.spec import PipelineSpec
from shopstream.shopify_api import versions
from shopstream.shopify_api.topics import canonical_topic

from .checks import Context, semantic_findings
from .errors import Problem, StackFileError
from .findings import Finding, format_path, path_sort_key, printable
from .model import DEFAULT_API, DEFAULT_ENDPOINT_TEMPLATE, DEFAULT_FORMAT, ShopSpec, StackSpec, TopicSpec
from .structure import structure_findings
from .text import text_findings
from .yamldoc import Document, YamlSyntaxError, parse

MAX_FILE_BYTES = 1024 * 1024
# Problems listed in full; the rest are counted. Fifty is more than anyone fixes in one go.
MAX_PROBLEMS = 50

__all__ = ["Problem", "StackFileError", "load_stack_file", "stack_file_path"]

# Pulumi stack names: letters, digits, hyphens, underscores, dots. A leading dot is refused so that a
# name can never walk out of stacks/ ("..") or pick a hidden file.
_STACK_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*")


def stack_file_path(project_dir: Path, stack: str) -> Path:
    """``project_dir/stacks/<stack>.yaml``; raises StackFileError for a stack name that cannot be a file."""
    path = project_dir / "stacks" / f"{stack}.yaml"
    if not _STACK_NAME.fullmatch(stack):
        raise StackFileError(
            [
                Problem(
                    _display(path),
                    None,
                    "",
                    f"stack name {stack!r} cannot map to a stack file; allowed: letters, digits, '-', '_' "
                    "and '.', not starting with '.' (use the short stack name, not org/project/stack)",
                )
            ]
        )
    return path


def load_stack_file(path: Path, *, today: date | None = None, project: str | None = None) -> StackSpec:
    """``today`` decides which API versions Shopify serves (default: today, UTC). ``project`` is the
    Pulumi project name for the owner-marker check (default: the ``name`` in ``../Pulumi.yaml`` beside
    ``stacks/``, if there is one)."""
    shown = printable(_display(path))
    stack = path.stem
    text = _read(path, shown, stack)
    try:
        doc = parse(text)
    except YamlSyntaxError as exc:
        raise StackFileError([Problem(shown, exc.line, "", printable(exc.message))]) from None
    if doc.data is None:
        raise StackFileError(
            [
                Problem(
                    shown,
                    None,
                    "",
                    f'the stack file is empty; stack "{stack}" maps to this file, which must declare at '
                    'least "shopify" (with "api_version") and "shops"',
                )
            ]
        )

    context = Context(
        today=today or versions.today_utc(),
        stack=stack,
        project=project if project is not None else project_name(path.parent.parent),
    )
    problems = _problems(doc, shown, context)
    if problems:
        raise StackFileError(problems[:MAX_PROBLEMS], omitted=max(0, len(problems) - MAX_PROBLEMS))
    return _build(path, doc.data)


def project_name(project_dir: Path) -> str | None:
    """The ``name`` of ``project_dir/Pulumi.yaml``; None when there is none or it cannot be read."""
    try:
        with (project_dir / "Pulumi.yaml").open("rb") as handle:
            head = handle.read(MAX_FILE_BYTES)
        data = yaml.safe_load(head.decode("utf-8"))
    except (OSError, ValueError, yaml.YAMLError, RecursionError):
        return None
    name = data.get("name") if isinstance(data, dict) else None
    return name if isinstance(name, str) and name else None


def _display(path: Path) -> str:
    """The path as the user knows it: relative to the working directory when inside it."""
    if not path.is_absolute():
        return str(path)
    try:
        return os.path.relpath(path) if path.is_relative_to(Path.cwd()) else str(path)
    except (OSError, ValueError):
        return str(path)


def _read(path: Path, shown: str, stack: str) -> str:
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            message = (
                f"the stack file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB; a stack file of "
                "1,000 subscriptions has about 100 KB: split it, or check that this is the right file"
            )
        else:
            return raw.decode("utf-8")
    except FileNotFoundError:
        message = (
            f'no stack file found; stack "{stack}" maps to {shown} (stacks/<stack>.yaml in the project '
            "directory): create it, or select another stack"
        )
    except IsADirectoryError:
        message = f'{shown} is a directory; stack "{stack}" needs a YAML file at this path'
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise StackFileError(
            [
                Problem(
                    shown, line, "", f"the stack file is not UTF-8 text (byte {exc.start}); save it as UTF-8"
                )
            ]
        ) from None
    except (OSError, ValueError) as exc:  # ValueError: a path with a NUL byte
        message = f"cannot read the stack file: {getattr(exc, 'strerror', None) or exc}"
    raise StackFileError([Problem(shown, None, "", printable(message))])


def _problems(doc: Document, shown: str, context: Context) -> list[Problem]:
    """Every problem, in file order. Each value is judged once: a YAML issue (a bad date) hides the
    schema's view of it, the schema's finding hides the character check's, and any of those hides the
    semantic checks' (which would only restate it)."""
    findings = [Finding(issue.path, issue.message, issue.line) for issue in doc.issues]
    rejected = {finding.path for finding in findings}
    sources = (
        structure_findings(doc.data, context.today),
        text_findings(doc.data),
        semantic_findings(doc, context),
    )
    for source in sources:
        new = [finding for finding in source if finding.path not in rejected]
        findings.extend(new)
        rejected.update(finding.path for finding in new)

    # Document order; the sort is stable, so one path's problems keep their discovery order.
    findings.sort(key=lambda f: (f.line or doc.line(f.path) or 0, path_sort_key(f.path)))
    problems: list[Problem] = []
    seen: set[Problem] = set()
    for finding in findings:
        line = finding.line or doc.line(finding.path)
        problem = Problem(shown, line, format_path(finding.path), printable(finding.message))
        if problem not in seen:
            seen.add(problem)
            problems.append(problem)
    return problems


def _either(options: dict[str, Any], first: str, second: str, default: Any = None) -> Any:
    """The value of a key or of its synonym (the checks made sure at most one is given)."""
    if first in options:
        return options[first]
    return options.get(second, default)


def _build(path: Path, data: dict[str, Any]) -> StackSpec:
    """Validated data -> model, applying defaults (runs only when there are no problems)."""
    shopify: dict[str, Any] = data["shopify"]
    defaults: dict[str, Any] = shopify.get("defaults", {})
    default_address: str | None = _either(shopify, "address", "uri")
    default_client_id: str | None = shopify.get("client_id")

    def topic_spec(entry: str | dict[str, Any]) -> TopicSpec:
        options = {"topic": entry} if isinstance(entry, str) else entry
        # A key present on the topic wins, even when empty: `fields: []` means "all fields" there.
        fields = _either(
            options, "fields", "include_fields", _either(defaults, "fields", "include_fields", ())
        )
        # None (no address anywhere) is only possible with a platform section: the pipeline's inlet.
        return TopicSpec(
            topic=canonical_topic(options["topic"]),
            address=_either(options, "address", "uri", default_address),
            format=options.get("format", defaults.get("format", DEFAULT_FORMAT)),
            fields=tuple(sorted(fields)),
            metafield_namespaces=tuple(
                sorted(options.get("metafield_namespaces", defaults.get("metafield_namespaces", ())))
            ),
            filter=options.get("filter"),
            name=options.get("name"),
            adopt=options.get("adopt") is True,
        )

    shops = tuple(
        ShopSpec(
            name=name,
            topics=tuple(topic_spec(entry) for entry in shop["topics"]),
            client_id=shop.get("client_id", default_client_id),
        )
        for name, shop in data["shops"].items()
    )
    return StackSpec(
        path=path,
        api_version=shopify["api_version"],
        endpoint_template=shopify.get("endpoint", DEFAULT_ENDPOINT_TEMPLATE),
        production=data.get("production", False),
        shops=shops,
        platform=_platform(data["platform"]) if "platform" in data else None,
        verify_hmac=data.get("platform", {}).get("verify_hmac", True),
        api=shopify.get("api", DEFAULT_API),
    )


def _platform(platform: dict[str, Any]) -> PipelineSpec:
    # Keys the file leaves out keep PipelineSpec's defaults (the real Adobe endpoints, sandbox prod, ...).
    optional = {key: platform[key] for key in _PLATFORM_OPTIONAL if key in platform}
    if "scopes" in platform:
        optional["scopes"] = tuple(scope.strip() for scope in platform["scopes"].split(",") if scope.strip())
    return PipelineSpec(
        ims_org=platform["ims_org"],
        client_id=platform["client_id"],
        dataset_id=platform["dataset_id"],
        schema_id=platform["schema_id"],
        flow_name=platform["flow_name"],
        mappings=tuple(
            ("ATTRIBUTE", item["source"], item["destination"])
            if "source" in item
            else ("EXPRESSION", item["expression"], item["destination"])
            for item in platform["mapping"]
        ),
        **optional,
    )


_PLATFORM_OPTIONAL = ("sandbox", "ims_url", "platform_url", "schema_version", "flow_description")
