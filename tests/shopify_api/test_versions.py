from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shopstream.shopify_api import versions
from shopstream.shopify_api.versions import (
    at_least,
    current_version,
    is_served,
    is_version_handle,
    latest_stable,
    release_candidate,
    retirement_date,
    served_version,
    sort_key,
    stable_versions,
    supported_versions,
)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        # The graphql-client's rule: this quarter's version, the three before it, the next, unstable.
        (date(2026, 12, 1), ("2026-01", "2026-04", "2026-07", "2026-10", "2027-01", "unstable")),
        (date(2026, 10, 1), ("2026-01", "2026-04", "2026-07", "2026-10", "2027-01", "unstable")),
        (date(2026, 9, 30), ("2025-10", "2026-01", "2026-04", "2026-07", "2026-10", "unstable")),
        (date(2027, 1, 1), ("2026-04", "2026-07", "2026-10", "2027-01", "2027-04", "unstable")),
        (date(2027, 3, 31), ("2026-04", "2026-07", "2026-10", "2027-01", "2027-04", "unstable")),
        (date(2025, 2, 14), ("2024-04", "2024-07", "2024-10", "2025-01", "2025-04", "unstable")),
    ],
)
def test_supported_versions_follow_the_quarter(today: date, expected: tuple[str, ...]) -> None:
    assert supported_versions(today) == expected
    assert stable_versions(today) == expected[:4]
    assert latest_stable(today) == current_version(today) == expected[3]
    assert release_candidate(today) == expected[4]


def test_a_version_is_served_twelve_months() -> None:
    assert retirement_date("2026-01") == date(2027, 1, 1)
    assert retirement_date("2026-10") == date(2027, 10, 1)
    assert retirement_date("unstable") is None
    assert is_served("2026-01", date(2026, 12, 31))
    assert not is_served("2026-01", date(2027, 1, 1))
    assert is_served("2027-01", date(2026, 12, 31))  # as the release candidate
    assert not is_served("2027-04", date(2026, 12, 31))


@pytest.mark.parametrize("requested", [None, "", "2025-10", "2027-04", "2026-02", "latest", "2026-10\n"])
def test_unserved_requests_fall_forward_to_the_oldest_stable(requested: str | None) -> None:
    assert served_version(requested, date(2026, 12, 1)) == "2026-01"


def test_served_requests_stay() -> None:
    for version in supported_versions(date(2026, 12, 1)):
        assert served_version(version, date(2026, 12, 1)) == version


@pytest.mark.parametrize(
    ("text", "valid"),
    [("2026-10", True), ("unstable", True), ("2026-02", False), ("2026-10\n", False), ("٢٠٢٦-10", False)],
)
def test_version_handles(text: str, valid: bool) -> None:
    assert is_version_handle(text) is valid


def test_order() -> None:
    assert sorted(["unstable", "2027-01", "2025-10", "2026-04"], key=sort_key) == [
        "2025-10",
        "2026-04",
        "2027-01",
        "unstable",
    ]
    assert at_least("2026-04", "2026-04") and at_least("unstable", "2026-04")
    assert not at_least("2026-01", "2026-04")


def test_today_is_utc() -> None:
    assert abs(versions.today_utc() - date.today()) <= timedelta(days=1)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2200, 12, 31)))
def test_any_date_has_four_consecutive_stable_versions_served_a_year(today: date) -> None:
    supported = supported_versions(today)
    assert len(supported) == 6 and supported[-1] == "unstable"
    assert all(is_version_handle(version) for version in supported)
    assert list(supported[:5]) == sorted(supported[:5], key=sort_key)
    for version in supported[:4]:
        retired = retirement_date(version)
        assert retired is not None and today < retired <= today + timedelta(days=366)
    assert served_version("1999-01", today) == supported[0]
