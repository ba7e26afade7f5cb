"""API versions in the path, shop routing by path prefix or Host, access_scopes.json (reference §6, §7.1)."""

from __future__ import annotations

import pytest
import requests

from shopstream.shopify_api.pagination import parse_link_header
from tests.emulator.support import Admin, make_shop


@pytest.mark.parametrize("version", ["2026-01", "2026-04", "2026-07", "2026-10", "2027-01", "unstable"])
def test_supported_versions_are_served_as_asked(emulator, version):
    admin = make_shop(emulator)
    response = Admin(admin.shop_url, admin.token, version=version).get("/webhooks.json")
    assert response.status_code == 200
    assert response.headers["X-Shopify-API-Version"] == version


@pytest.mark.parametrize("version", ["2024-01", "2025-10", "2026-02", "2031-01"])
def test_unsupported_versions_fall_forward_to_oldest_stable(emulator, version):
    admin = make_shop(emulator)
    old = Admin(admin.shop_url, admin.token, version=version)
    created = old.post(
        "/webhooks.json", json={"webhook": {"topic": "orders/create", "address": "https://a.io/x"}}
    )
    assert created.status_code == 201
    assert created.headers["X-Shopify-API-Version"] == "2026-01"
    # Topic validation uses the version actually served: tax_summaries/create is 2026-04+ only.
    newer = old.post(
        "/webhooks.json", json={"webhook": {"topic": "tax_summaries/create", "address": "https://a.io/x"}}
    )
    assert newer.status_code == 422


@pytest.mark.parametrize("version", ["latest", "2026-1", "2026-13", "v1", "2026_10"])
def test_garbage_version_is_404(emulator, version):
    # UNCONFIRMED: what Shopify answers to a malformed version; the emulator treats it as an unknown path.
    admin = make_shop(emulator)
    response = Admin(admin.shop_url, admin.token, version=version).get("/webhooks.json")
    assert response.status_code == 404
    assert response.json() == {"errors": "Not Found"}


def test_unversioned_path_uses_oldest_stable(emulator):
    admin = make_shop(emulator)
    response = admin.get(f"{admin.shop_url}/admin/webhooks.json")
    assert response.status_code == 200
    assert response.headers["X-Shopify-API-Version"] == "2026-01"
    created = admin.post(
        f"{admin.shop_url}/admin/webhooks.json",
        json={"webhook": {"topic": "orders/create", "address": "https://a.io/x"}},
    )
    assert created.status_code == 201
    assert admin.get(f"{admin.shop_url}/admin/webhooks/count.json").json() == {"count": 1}


def test_routing_by_host_header(emulator):
    admin = make_shop(emulator)
    for i in range(3):
        admin.create("orders/create", f"https://a.io/{i}")
    response = requests.get(
        f"{emulator.base_url}/admin/api/2026-10/webhooks.json",
        params={"limit": 2},
        headers={"Host": "acme.myshopify.com", "X-Shopify-Access-Token": admin.token},
        timeout=10,
    )
    assert response.status_code == 200
    assert len(response.json()["webhooks"]) == 2
    # Links point at the host the client used.
    assert parse_link_header(response.headers["Link"])["next"].startswith(
        "http://acme.myshopify.com/admin/api/2026-10/webhooks.json?"
    )


def test_link_header_keeps_the_shop_prefix(emulator):
    admin = make_shop(emulator)
    for i in range(3):
        admin.create("orders/create", f"https://a.io/{i}")
    response = admin.get("/webhooks.json", params={"limit": 2})
    assert parse_link_header(response.headers["Link"])["next"].startswith(
        f"{emulator.base_url}/shops/acme/admin/api/2026-10/webhooks.json?"
    )


def test_admin_path_without_a_shop_is_404(emulator):
    admin = make_shop(emulator)
    response = requests.get(
        f"{emulator.base_url}/admin/api/2026-10/webhooks.json",
        headers={"X-Shopify-Access-Token": admin.token},
        timeout=10,
    )
    assert response.status_code == 404
    assert response.json() == {"errors": "Not Found"}


def test_control_surface_is_not_reachable_under_a_shop(emulator):
    make_shop(emulator)
    assert requests.get(f"{emulator.shop_url('acme')}/_control/health", timeout=10).status_code == 404
    assert requests.get(f"{emulator.base_url}/_control/health", timeout=10).json() == {"ok": True}


def test_unknown_admin_path_is_404_json(emulator):
    admin = make_shop(emulator)
    response = admin.get("/orders.json")
    assert response.status_code == 404
    assert response.json() == {"errors": "Not Found"}


def test_access_scopes_per_token(emulator):
    first = make_shop(emulator, scopes=("read_orders", "write_products"))
    second = make_shop(emulator, scopes=("read_customers",), app="other")
    url = f"{first.shop_url}/admin/oauth/access_scopes.json"
    response = first.get(url)
    assert response.status_code == 200
    assert response.json() == {"access_scopes": [{"handle": "read_orders"}, {"handle": "write_products"}]}
    assert "X-Shopify-API-Version" not in response.headers  # not a versioned endpoint
    assert response.headers["X-Shopify-Shop-Api-Call-Limit"] == "1/40"
    assert second.get(url).json() == {"access_scopes": [{"handle": "read_customers"}]}
    assert requests.get(url, timeout=10).status_code == 401
