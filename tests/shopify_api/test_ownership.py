import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shopstream.shopify_api.ownership import (
    NAME_MAX_LENGTH,
    MarkerError,
    default_label,
    is_marked_by,
    label_problem,
    names_supported,
    owner_of,
    part_problem,
    prefix_problem,
    subscription_name,
)

VALID_NAME = re.compile(r"[A-Za-z0-9_-]{1,50}")  # reference §4.2


def test_format() -> None:
    assert subscription_name("shopstream", "prod", "orders_create") == "shopstream--prod--orders_create"
    assert subscription_name("shopstream", "dev.eu-1", "main") == "shopstream--dev_eu-1--main"
    assert owner_of("shopstream--dev_eu-1--main") == ("shopstream", "dev_eu-1")
    assert is_marked_by("shopstream--dev_eu-1--main", "shopstream", "dev.eu-1")
    assert not is_marked_by("shopstream--dev_eu-1--main", "shopstream", "dev")
    assert not is_marked_by("shopstream--dev_eu-1--main", "other", "dev.eu-1")


@pytest.mark.parametrize(
    ("topic", "label"),
    [
        ("orders/create", "orders_create"),
        ("ORDERS_CREATE", "orders_create"),
        ("customer.tags_added", "customer_tags_added"),
    ],
)
def test_default_label(topic: str, label: str) -> None:
    assert default_label(topic) == label


def test_long_names_are_cut_with_a_digest() -> None:
    label = "a" * 40
    name = subscription_name("shopstream", "production-eu", label)
    assert len(name) == NAME_MAX_LENGTH
    assert re.fullmatch(r"shopstream--production-eu--a+-[0-9a-f]{6}", name)
    assert name == subscription_name("shopstream", "production-eu", label)  # deterministic
    assert name != subscription_name("shopstream", "production-eu", "a" * 39 + "b")
    assert owner_of(name) == ("shopstream", "production-eu")


@pytest.mark.parametrize(
    "name", [None, "", "orders-main", "a--b", "a--b--", "-a--b--c", "a---b--c", "x" * 51, "a--b--c d"]
)
def test_names_that_are_no_marker(name: str | None) -> None:
    assert owner_of(name) is None


@pytest.mark.parametrize(
    ("project", "stack", "fragment"),
    [
        ("shopstream", "a--b", "ambiguous"),
        ("shopstream", "prod-", "ambiguous"),
        ("shopstream", "", "empty"),
        ("shop stream", "prod", "characters"),
        ("p" * 20, "s" * 20, "too long"),
    ],
)
def test_parts_that_cannot_form_a_marker(project: str, stack: str, fragment: str) -> None:
    assert fragment in (prefix_problem(project, stack) or "")
    with pytest.raises(MarkerError, match=fragment):
        subscription_name(project, stack, "x")


@pytest.mark.parametrize("label", ["", "a b", "é", "x" * 51, "a\n"])
def test_labels_that_cannot_be_names(label: str) -> None:
    assert label_problem(label) is not None
    with pytest.raises(MarkerError):
        subscription_name("shopstream", "prod", label)


def test_names_exist_from_2026_04() -> None:
    assert not names_supported("2026-01")
    assert names_supported("2026-04") and names_supported("2027-01") and names_supported("unstable")


_PART = st.from_regex(r"[A-Za-z0-9](?:[A-Za-z0-9_.]|-(?!-)){0,14}[A-Za-z0-9_]", fullmatch=True)
_LABEL = st.from_regex(r"[A-Za-z0-9_-]{1,50}", fullmatch=True)


@given(_PART, _PART, _LABEL)
def test_round_trip(project: str, stack: str, label: str) -> None:
    if part_problem("project", project) or part_problem("stack", stack):
        return  # e.g. "a.-b" encodes to "a_-b": fine; "a-.b" -> "a-_b": fine; only '--' forms are refused
    name = subscription_name(project, stack, label)
    assert VALID_NAME.fullmatch(name)
    assert owner_of(name) == (project.replace(".", "_"), stack.replace(".", "_"))
    assert is_marked_by(name, project, stack)
    assert name == subscription_name(project, stack, label)


@given(_PART, _PART, _LABEL, _LABEL)
def test_distinct_labels_give_distinct_names(project: str, stack: str, first: str, second: str) -> None:
    if first == second or part_problem("project", project) or part_problem("stack", stack):
        return
    assert subscription_name(project, stack, first) != subscription_name(project, stack, second)


@given(_PART, _PART, _PART, _PART, _LABEL)
def test_no_stack_claims_another_stacks_name(p1: str, s1: str, p2: str, s2: str, label: str) -> None:
    if any(part_problem("part", part) for part in (p1, s1, p2, s2)):
        return
    name = subscription_name(p1, s1, label)
    same = (p1.replace(".", "_"), s1.replace(".", "_")) == (p2.replace(".", "_"), s2.replace(".", "_"))
    assert is_marked_by(name, p2, s2) is same
