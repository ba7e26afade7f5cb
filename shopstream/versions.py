"""What a change of `shopify.api_version` does to a stack's topics, worded for the top of a preview.

The facts live in `shopify_api.versions.topic_changes(old, new)` (topics the new version renames or
removes). That module is being written alongside this one, so it is imported lazily and its answer read
tolerantly: a mapping {topic: new name or None}, or items with `topic` and `replacement`/`renamed_to`
attributes, or (topic, replacement) pairs. Without it, the preview still shows the version change.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any


def _lookup() -> Callable[[str, str], Any] | None:
    try:
        module = importlib.import_module("shopify_api.versions")
    except ImportError:
        return None
    function = getattr(module, "topic_changes", None)
    return function if callable(function) else None


def _pairs(answer: Any) -> Iterable[tuple[str, str | None]]:
    """(topic, replacement or None for removed) from whatever shape topic_changes answers with."""
    if isinstance(answer, Mapping):
        items: Iterable[Any] = answer.items()
    else:
        items = answer or ()
    for item in items:
        if isinstance(item, tuple) and len(item) == 2:
            topic, replacement = item
        else:
            topic = getattr(item, "topic", None) or getattr(item, "old", None)
            replacement = next(
                (
                    getattr(item, name)
                    for name in ("replacement", "renamed_to", "new", "new_topic")
                    if getattr(item, name, None)
                ),
                None,
            )
        if topic:
            yield str(topic), (str(replacement) if replacement else None)


def topic_notes(old: str, new: str, topics: Sequence[str]) -> list[str]:
    """One line per topic of `topics` that API version `new` renames or removes compared with `old`."""
    lookup = _lookup()
    if lookup is None:
        return []
    wanted = set(topics)
    notes = []
    for topic, replacement in sorted(_pairs(lookup(old, new))):
        if topic not in wanted:
            continue
        if replacement:
            notes.append(f"`{topic}` is renamed to `{replacement}` in {new}")
        else:
            notes.append(f"`{topic}` does not exist in {new}")
    return notes
