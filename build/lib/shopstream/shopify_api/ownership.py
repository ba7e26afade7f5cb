"""The GraphQL subscription ``name`` as the marker of which project and stack manage a subscription.

Reference §4.2: ``name`` (2026-04+) is optional, alphanumeric, ``-`` and ``_``, at most 50 characters,
unique per app and shop, case-insensitively; it is echoed in ``X-Shopify-Name`` (§8). The marker is
``{project}--{stack}--{label}``: project and stack as Pulumi names them with ``.`` written ``_`` (names
may not contain dots), and the label the stack file's ``name`` for the topic or else the topic's enum in
lower case (``orders_create``). A name longer than 50 keeps its prefix, cuts the label and appends ``-``
and six hex digits of a SHA-256 of the full form, so it stays deterministic and (practically) unique.

The prefix is unambiguous because an encoded project or stack never contains ``--`` and never starts or
ends with ``-`` (``part_problem`` refuses those). Caveats: stacks ``a.b`` and ``a_b`` of one project
encode alike and cannot be told apart; ``is_marked_by`` compares exactly, so a stack never claims a
subscription whose marker differs only in case (Shopify would refuse to create both anyway).
"""

from __future__ import annotations

import hashlib
import re

from . import versions
from .topics import graphql_enum

NAME_MAX_LENGTH = 50
NAME_SINCE = "2026-04"  # first API version whose WebhookSubscriptionInput has `name` (§4.2)
SEPARATOR = "--"
DIGEST_LENGTH = 6
# Room needed after the prefix when a name is cut: "-" and the digest.
_CUT_SUFFIX = 1 + DIGEST_LENGTH

_NAME_CHARS = re.compile(r"[A-Za-z0-9_-]+")
NAME_CHARS_DESCRIPTION = "letters, digits, '-' and '_'"


class MarkerError(ValueError):
    """A project, stack or label that cannot form a valid, unambiguous subscription name."""


def encode_part(text: str) -> str:
    """A project or stack name as it appears in the marker (dots are not allowed in names)."""
    return text.replace(".", "_")


def part_problem(kind: str, text: str) -> str | None:
    """Why the ``kind`` ("project" or "stack") name ``text`` cannot be part of a marker, or None."""
    encoded = encode_part(text)
    if not encoded:
        return f"the {kind} name is empty"
    if _NAME_CHARS.fullmatch(encoded) is None:
        return f"the {kind} name {text!r} has characters other than {NAME_CHARS_DESCRIPTION} and '.'"
    if SEPARATOR in encoded or encoded.startswith("-") or encoded.endswith("-"):
        return (
            f"the {kind} name {text!r} contains '--' or starts or ends with '-', which would make the "
            f"owner marker {{project}}--{{stack}}--{{label}} ambiguous"
        )
    return None


def label_problem(label: str) -> str | None:
    """Why ``label`` cannot be the label part of a subscription name, or None."""
    if not label:
        return "the name is empty"
    if len(label) > NAME_MAX_LENGTH:
        return f"the name has {len(label)} characters; at most {NAME_MAX_LENGTH}"
    if _NAME_CHARS.fullmatch(label) is None:
        return f"the name may contain only {NAME_CHARS_DESCRIPTION}"
    return None


def _prefix(project: str, stack: str) -> str:
    for kind, text in (("project", project), ("stack", stack)):
        problem = part_problem(kind, text)
        if problem is not None:
            raise MarkerError(problem)
    prefix = f"{encode_part(project)}{SEPARATOR}{encode_part(stack)}{SEPARATOR}"
    if len(prefix) + _CUT_SUFFIX > NAME_MAX_LENGTH:
        raise MarkerError(
            f"project and stack names {project!r} and {stack!r} are too long for a subscription name "
            f"(at most {NAME_MAX_LENGTH} characters with the label): together they may have at most "
            f"{NAME_MAX_LENGTH - _CUT_SUFFIX - 2 * len(SEPARATOR)} characters"
        )
    return prefix


def prefix_problem(project: str, stack: str) -> str | None:
    """Why no subscription name can be made for this project and stack, or None."""
    try:
        _prefix(project, stack)
    except MarkerError as exc:
        return str(exc)
    return None


def subscription_name(project: str, stack: str, label: str) -> str:
    """The ``name`` marking a subscription as managed by ``project``/``stack``; raises MarkerError."""
    prefix = _prefix(project, stack)
    problem = label_problem(label)
    if problem is not None:
        raise MarkerError(problem)
    full = prefix + label
    if len(full) <= NAME_MAX_LENGTH:
        return full
    digest = hashlib.sha256(full.encode("ascii")).hexdigest()[:DIGEST_LENGTH]
    room = NAME_MAX_LENGTH - len(prefix) - _CUT_SUFFIX
    return f"{prefix}{label[:room]}-{digest}"


def default_label(topic: str) -> str:
    """The label of a topic without a ``name``: its enum in lower case (``orders/create`` ->
    ``orders_create``); either spelling of the topic gives the same label."""
    return graphql_enum(topic).lower()


def owner_of(name: str | None) -> tuple[str, str] | None:
    """``(project, stack)`` as encoded in a marker, or None for no name or a name that is not a marker."""
    if not name or len(name) > NAME_MAX_LENGTH or _NAME_CHARS.fullmatch(name) is None:
        return None
    parts = name.split(SEPARATOR, 2)
    if len(parts) != 3 or not parts[2]:
        return None
    project, stack, _ = parts
    if part_problem("project", project) is not None or part_problem("stack", stack) is not None:
        return None
    return project, stack


def is_marked_by(name: str | None, project: str, stack: str) -> bool:
    """Whether ``name`` is a marker of this project and stack (exact comparison; see the module doc)."""
    return owner_of(name) == (encode_part(project), encode_part(stack))


def names_supported(api_version: str) -> bool:
    """Whether requests in ``api_version`` may set a subscription's ``name``."""
    return versions.at_least(api_version, NAME_SINCE)
