"""Helpers for the AEP emulator tests: a Platform API caller bound to one org/sandbox/client, and a
builder for the whole Shopify streaming pipeline."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

import requests

from shopstream.emulator import RunningEmulator
from shopstream.emulator.aep.ids import (
    DATA_LAKE_CONNECTION_SPEC,
    GENERIC_STREAMING_FLOW_SPEC,
    SHOPIFY_STREAMING_CONNECTION_SPEC,
    STREAMING_PROVIDER,
    XED_FULL_CONTENT_TYPE,
)

FLOW = "/data/foundation/flowservice"
MAPPINGS = "/data/foundation/conversion/mappingSets"
DATASETS = "/data/foundation/catalog/dataSets"

DEFAULT_MAPPINGS = [
    {
        "sourceType": "EXPRESSION",
        "source": 'concat("shopify-", "orders-create", "-", id)',
        "destination": "_id",
    },
    {"sourceType": "ATTRIBUTE", "source": "id", "destination": "_acme.order.id"},
    {"sourceType": "EXPRESSION", "source": "lower(email)", "destination": "_acme.order.email"},
    {"sourceType": "ATTRIBUTE", "source": "line_items[0].sku", "destination": "_acme.order.firstSku"},
]


def token_for(emu: RunningEmulator, client_id: str, client_secret: str, **extra: str) -> requests.Response:
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret}
    form.update(extra)
    return requests.post(f"{emu.base_url}/ims/token/v3", data=form, timeout=10)


@dataclass
class Tenant:
    """One org + sandbox + OAuth client with a fresh token."""

    emu: RunningEmulator
    org: str
    sandbox: str
    client_id: str
    client_secret: str
    token: str

    def headers(self, **overrides: str | None) -> dict[str, str]:
        headers: dict[str, str | None] = {
            "Authorization": f"Bearer {self.token}",
            "x-api-key": self.client_id,
            "x-gw-ims-org-id": self.org,
            "x-sandbox-name": self.sandbox,
        }
        headers.update({key.replace("_", "-"): value for key, value in overrides.items()})
        return {key: value for key, value in headers.items() if value is not None}

    def request(
        self, method: str, path: str, *, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> requests.Response:
        url = path if path.startswith("http") else f"{self.emu.base_url}{path}"
        return requests.request(
            method, url, headers=headers if headers is not None else self.headers(), timeout=10, **kwargs
        )

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def patch(
        self, path: str, ops: list[dict[str, Any]], etag: str | None, **kwargs: Any
    ) -> requests.Response:
        headers = self.headers()
        if etag is not None:
            headers["If-Match"] = etag
        return self.request("PATCH", path, json=ops, headers=headers, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def create(self, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.post(f"{FLOW}/{kind}", json=body)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    def item(self, kind: str, entity_id: str) -> dict[str, Any]:
        response = self.get(f"{FLOW}/{kind}/{entity_id}")
        assert response.status_code == 200, response.text
        items = response.json()["items"]
        assert len(items) == 1
        item: dict[str, Any] = items[0]
        return item

    # --- building blocks ---------------------------------------------------------------------------

    def schema(self, title: str = "Shopify orders") -> str:
        return self.emu.control.aep.create_schema(self.org, self.sandbox, title)

    def dataset(self, schema_id: str, name: str = "shopify-orders") -> str:
        response = self.post(
            DATASETS,
            json={"name": name, "schemaRef": {"id": schema_id, "contentType": XED_FULL_CONTENT_TYPE}},
        )
        assert response.status_code == 201, response.text
        reference: str = response.json()[0]
        return reference.rsplit("/", 1)[-1]

    def mapping(self, schema_id: str, mappings: list[dict[str, Any]] | None = None) -> str:
        body = {
            "outputSchema": {"schemaRef": {"id": schema_id, "contentType": XED_FULL_CONTENT_TYPE}},
            "mappings": mappings if mappings is not None else DEFAULT_MAPPINGS,
        }
        response = self.post(MAPPINGS, json=body)
        assert response.status_code == 200, response.text
        mapping_id: str = response.json()["id"]
        return mapping_id

    def base_connection(self, hmac_secret: str = "shpss_app_secret") -> str:
        body = {
            "name": "Shopify Streaming Base Connection",
            "description": "Shopify Streaming Base Conn",
            "connectionSpec": {"id": SHOPIFY_STREAMING_CONNECTION_SPEC, "version": "1.0"},
            "auth": {"specName": "HMAC Authentication", "params": {"hmacSecret": hmac_secret}},
        }
        return str(self.create("connections", body)["id"])

    def source_connection(self, base_id: str | None = None, name: str = "shopify-streaming-src") -> str:
        body: dict[str, Any] = {
            "name": name,
            "providerId": STREAMING_PROVIDER,
            "connectionSpec": {"id": SHOPIFY_STREAMING_CONNECTION_SPEC, "version": "1.0"},
            "data": {"format": "json"},
        }
        if base_id is not None:
            body["baseConnectionId"] = base_id
        return str(self.create("sourceConnections", body)["id"])

    def target_connection(self, dataset_id: str, schema_id: str, name: str = "shopify-streaming-tgt") -> str:
        body = {
            "name": name,
            "connectionSpec": {"id": DATA_LAKE_CONNECTION_SPEC, "version": "1.0"},
            "data": {"format": "json", "schema": {"id": schema_id, "version": XED_FULL_CONTENT_TYPE}},
            "params": {"dataSetId": dataset_id},
        }
        return str(self.create("targetConnections", body)["id"])

    def flow_body(
        self, source_id: str, target_id: str, mapping_id: str | None, name: str = "shopify-flow"
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "name": name,
            "flowSpec": {"id": GENERIC_STREAMING_FLOW_SPEC, "version": "1.0"},
            "sourceConnectionIds": [source_id],
            "targetConnectionIds": [target_id],
        }
        if mapping_id is not None:
            body["transformations"] = [
                {"name": "Mapping", "params": {"mappingId": mapping_id, "mappingVersion": 0}}
            ]
        return body


@dataclass
class Pipeline:
    tenant: Tenant
    schema_id: str
    dataset_id: str
    mapping_id: str
    base_id: str | None
    source_id: str
    target_id: str
    flow_id: str
    etag: str

    @property
    def inlet_url(self) -> str:
        url: str = self.tenant.item("flows", self.flow_id)["options"]["inletUrl"]
        return url


def make_tenant(
    emu: RunningEmulator, sandboxes: tuple[str, ...] = ("prod",), sandbox: str | None = None
) -> Tenant:
    org = emu.control.aep.create_org(sandboxes=list(sandboxes))
    client = emu.control.aep.create_client(org["id"])
    response = token_for(emu, client["client_id"], client["client_secret"], scope="openid,AdobeID")
    assert response.status_code == 200, response.text
    return Tenant(
        emu=emu,
        org=org["id"],
        sandbox=sandbox or sandboxes[0],
        client_id=client["client_id"],
        client_secret=client["client_secret"],
        token=response.json()["access_token"],
    )


def make_pipeline(
    tenant: Tenant, *, hmac_secret: str | None = None, mappings: list[dict[str, Any]] | None = None
) -> Pipeline:
    schema_id = tenant.schema()
    dataset_id = tenant.dataset(schema_id)
    mapping_id = tenant.mapping(schema_id, mappings)
    base_id = tenant.base_connection(hmac_secret) if hmac_secret is not None else None
    source_id = tenant.source_connection(base_id)
    target_id = tenant.target_connection(dataset_id, schema_id)
    created = tenant.create("flows", tenant.flow_body(source_id, target_id, mapping_id))
    return Pipeline(
        tenant,
        schema_id,
        dataset_id,
        mapping_id,
        base_id,
        source_id,
        target_id,
        created["id"],
        created["etag"],
    )


def sign(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def order(order_id: int = 820982911946154508, email: str = "Jon@Example.com") -> dict[str, Any]:
    return {
        "id": order_id,
        "email": email,
        "line_items": [{"sku": "SKU-1", "quantity": 1}],
        "total_price": "12.50",
    }


def post_order(
    url: str, payload: dict[str, Any], *, secret: str | None = None, **headers: str
) -> requests.Response:
    raw = json.dumps(payload).encode()
    sent = {"Content-Type": "application/json", "X-Shopify-Topic": "orders/create", **headers}
    if secret is not None:
        sent["X-Shopify-Hmac-Sha256"] = sign(secret, raw)
    return requests.post(url, data=raw, headers=sent, timeout=10)
