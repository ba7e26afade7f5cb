"""What a change of `shopify.api_version` does to a stack's topics, worded for the top of a preview.

The facts are `shopstream.shopify_api.topics.topic_changes` (topics the new version renames or removes); this
only
words them, one line per topic.
"""

from __future__ import annotations

from collections.abc import Sequence

from shopstream.shopify_api.topics import TOPIC_HISTORY, TopicHistory, topic_changes


def topic_notes(
    old: str, new: str, topics: Sequence[str], history: TopicHistory = TOPIC_HISTORY
) -> list[str]:
    """One line per topic of `topics` that API version `new` renames or removes compared with `old`."""
    return [f"`{topic}` is {what} in {new}" for topic, what in topic_changes(old, new, topics, history)]
