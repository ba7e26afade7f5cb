"""Load and validate ``stacks/<stack>.yaml`` into a StackSpec, or raise StackFileError listing every
problem (file, line, field, what is wrong and what is allowed). User mistakes never escape as tracebacks.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from providers.aep.spec import PipelineSpec

from .checks import semantic_findings
from .errors import Problem, StackFileError
from .findings import Finding, format_path, path_sort_key
from .model import DEFAULT_ENDPOINT_TEMPLATE, DEFAULT_FORMAT, ShopSpec, StackSpec, TopicSpec
from .structure import structure_findings
from .yamldoc import Document, YamlSyntaxError, parse

__all__ = ["Problem", "StackFileError", "load_stack_file", "stack_file_path"]

# Pulumi stack names: letters, digits, hyphens, underscores, dots. A leading dot is refused so that a
# name can never walk out of stacks/ ("..") or pick a hidden file.
_STACK_NAME = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9_.-]*$")


def stack_file_path(project_dir: Path, stack: str) -> Path:
    """``project_dir/stacks/<stack>.yaml``; raises StackFileError for a stack name that cannot be a file."""
    path = project_dir / "stacks" / f"{stack}.yaml"
    if not _STACK_NAME.match(stack):
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


def load_stack_file(path: Path) -> StackSpec:
    shown = _display(path)
    stack = path.stem
    text = _read(path, shown, stack)
    try:
        doc = parse(text)
    except YamlSyntaxError as exc:
        raise StackFileError([Problem(shown, exc.line, "", exc.message)]) from None
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

    problems = _problems(doc, shown)
    if problems:
        raise StackFileError(problems)
    return _build(path, doc.data)


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
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        message = (
            f'no stack file found; stack "{stack}" maps to {shown} (stacks/<stack>.yaml in the project '
            "directory): create it, or select another stack"
        )
    except IsADirectoryError:
        message = f'{shown} is a directory; stack "{stack}" needs a YAML file at this path'
    except UnicodeDecodeError as exc:
        message = f"the stack file is not UTF-8 text (byte {exc.start}); save it as UTF-8"
    except OSError as exc:
        message = f"cannot read the stack file: {exc.strerror or exc}"
    raise StackFileError([Problem(shown, None, "", message)])


def _problems(doc: Document, shown: str) -> list[Problem]:
    findings = [Finding(issue.path, issue.message, issue.line) for issue in doc.issues]
    structural = structure_findings(doc.data)
    findings.extend(structural)
    # A value the schema already rejected gets no second, overlapping semantic message.
    rejected = {finding.path for finding in structural}
    findings.extend(finding for finding in semantic_findings(doc) if finding.path not in rejected)

    # Document order; the sort is stable, so one path's problems keep their discovery order.
    findings.sort(key=lambda f: (f.line or doc.line(f.path) or 0, path_sort_key(f.path)))
    problems: list[Problem] = []
    for finding in findings:
        line = finding.line or doc.line(finding.path)
        problem = Problem(shown, line, format_path(finding.path), finding.message)
        if problem not in problems:
            problems.append(problem)
    return problems


def _build(path: Path, data: dict[str, Any]) -> StackSpec:
    """Validated data -> model, applying defaults (runs only when there are no problems)."""
    shopify: dict[str, Any] = data["shopify"]
    defaults: dict[str, Any] = shopify.get("defaults", {})
    default_address: str | None = shopify.get("address")

    def topic_spec(entry: str | dict[str, Any]) -> TopicSpec:
        options = {"topic": entry} if isinstance(entry, str) else entry
        # A key present on the topic wins, even when empty: `fields: []` means "all fields" there.
        merged = {**defaults, **options}
        # None (no address anywhere) is only possible with a platform section: the pipeline's inlet.
        address = merged.get("address", default_address)
        return TopicSpec(
            topic=merged["topic"],
            address=address,
            format=merged.get("format", DEFAULT_FORMAT),
            fields=tuple(sorted(merged.get("fields", ()))),
            metafield_namespaces=tuple(sorted(merged.get("metafield_namespaces", ()))),
        )

    shops = tuple(
        ShopSpec(name=name, topics=tuple(topic_spec(entry) for entry in shop["topics"]))
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
