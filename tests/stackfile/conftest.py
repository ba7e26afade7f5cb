from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from shopstream.shopify_api import versions
from shopstream.stackfile import Problem, StackFileError, load_stack_file

# The expected messages name API versions; they hold on this date whatever the machine's clock says.
TODAY = date(2026, 12, 1)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> date:
    """Pin "today" for the loader (served API versions): supported 2026-01 … 2026-10, 2027-01, unstable."""
    monkeypatch.setattr(versions, "today_utc", lambda: TODAY)
    return TODAY


VALID = """\
# stacks/local.yaml
shopify:
  api_version: "2026-10"
  endpoint: "http://127.0.0.1:8787/shops/{shop}"
  address: "https://example.com/webhooks"
  defaults:
    format: json
    fields: [updated_at, id]
    metafield_namespaces: []
shops:
  acme-eu:
    topics:
      - orders/create
      - topic: orders/updated
        fields: [id, updated_at]
        address: https://other.example/x
        metafield_namespaces: [custom]
        format: xml
  acme-us:
    topics: []
"""


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a stack file under tmp_path/stacks and return its path."""

    def _write(text: str, stack: str = "test") -> Path:
        path = tmp_path / "stacks" / f"{stack}.yaml"
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return _write


def _problems_of(path: Path) -> list[Problem]:
    with pytest.raises(StackFileError) as info:
        load_stack_file(path)
    assert info.value.problems, "StackFileError must carry at least one problem"
    return info.value.problems


def _minimal(topics: str = "[orders/create]", **shopify: str) -> str:
    keys = {"api_version": '"2026-10"', "address": "https://example.com/webhooks", **shopify}
    body = "".join(f"  {k}: {v}\n" for k, v in keys.items() if v != "<omit>")
    return f"shopify:\n{body}shops:\n  acme:\n    topics: {topics}\n"


# Helpers are served as fixtures (not imported) so that test modules stay independent of sys.path and
# of other folders' conftest.py files.
@pytest.fixture
def problems_of() -> Callable[[Path], list[Problem]]:
    """Load a file that must fail; return its problems."""
    return _problems_of


@pytest.fixture
def minimal() -> Callable[..., str]:
    """A valid stack file text with one shop "acme" (line 5: topics); keyword args override shopify keys
    with raw YAML scalars ("<omit>" drops a key)."""
    return _minimal


@pytest.fixture
def valid_text() -> str:
    return VALID
