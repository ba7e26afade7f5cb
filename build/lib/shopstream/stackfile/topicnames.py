"""Topic names in a stack file: either spelling, whether the API version has them, and suggestions."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from datetime import date

from shopstream.shopify_api import topics as table
from shopstream.shopify_api import versions

from .findings import show


def topic_list_hint(api_version: str | None) -> str:
    version = f" --api-version {api_version}" if api_version else ""
    return f"`python -m shopstream.stackfile topics{version}` lists every topic."


def canonical(text: str, *, suggest: bool = True) -> tuple[str | None, list[str]]:
    """``(REST form, [])`` for a known enum spelling or any REST-looking text (checked later by
    ``topic_problems``); ``(None, problems)`` for an enum spelling the table does not know."""
    if not table.looks_like_graphql_enum(text):
        return text, []
    try:
        return table.topic_from_graphql_enum(text), []
    except table.UnknownTopicError as exc:
        if exc.topic in table.COMPLIANCE_TOPICS:
            return None, [_compliance(text, None)]
        hint = _suggest(text, table.graphql_enums(), suggest=suggest)
        return None, [f"unknown topic {show(text)}; {hint}{topic_list_hint(None)}"]


def _compliance(topic: str, label: str | None) -> str:
    return (
        f"{show(topic)} is a compliance topic{label or ''}: it cannot be subscribed to with the Admin API; "
        "configure it under compliance_topics in shopify.app.toml or in the Partner Dashboard"
    )


def _suggest(topic: str, candidates: Iterable[str], *, suggest: bool) -> str:
    if not suggest:
        return ""
    matches = difflib.get_close_matches(topic, sorted(candidates), n=3, cutoff=0.6)
    if not matches:
        return ""
    options = [show(match) for match in matches]
    spelled = options[0] if len(options) == 1 else f"{', '.join(options[:-1])} or {options[-1]}"
    return f"did you mean {spelled}? "


def topic_problems(topic: str, api_version: str | None, today: date, *, suggest: bool = True) -> list[str]:
    """What is wrong with subscribing to the REST-form ``topic`` (``api_version`` None: the version itself
    is invalid, so only check that the topic exists in some version). ``suggest``: compute "did you
    mean" (difflib is slow, so the caller limits how often)."""
    label = f" for API version {api_version}" if api_version else ""
    if topic in table.COMPLIANCE_TOPICS:
        return [_compliance(topic, label)]
    available = table.known_topics(api_version or versions.UNSTABLE, today)
    if topic in available:
        return []
    in_versions = [v for v in versions.supported_versions(today) if topic in table.known_topics(v, today)]
    if in_versions:
        return [
            f"topic {show(topic)} is not available in API version {api_version}; it exists in API "
            f"versions {', '.join(in_versions)}"
        ]
    hint = _suggest(topic, available, suggest=suggest)
    return [f"unknown topic {show(topic)}{label}; {hint}{topic_list_hint(api_version)}"]
