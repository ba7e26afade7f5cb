"""``ControlClient.aep``: the AEP control surface (``shopstream.emulator.aep.control``) from Python.

Client secrets it returns are secrets: don't print them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Call = Callable[..., Any]  # ControlClient.call(method, path, body=None, params=None)


class AepControlClient:
    def __init__(self, call: Call) -> None:
        self._call = call

    def call(
        self, method: str, path: str, body: dict[str, Any] | None = None, params: dict[str, Any] | None = None
    ) -> Any:
        """``method`` on ``/_control/aep{path}``."""
        return self._call(method, f"/aep{path}", body, params)

    def reset(self) -> None:
        self.call("POST", "/reset")

    def settings(self) -> dict[str, Any]:
        result: dict[str, Any] = self.call("GET", "/settings")["settings"]
        return result

    def update_settings(self, **changes: Any) -> dict[str, Any]:
        result: dict[str, Any] = self.call("PATCH", "/settings", changes)["settings"]
        return result

    def create_org(
        self, org_id: str | None = None, tenant: str | None = None, sandboxes: list[str] | None = None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if org_id is not None:
            body["id"] = org_id
        if tenant is not None:
            body["tenant"] = tenant
        if sandboxes is not None:
            body["sandboxes"] = sandboxes
        org: dict[str, Any] = self.call("POST", "/orgs", body)["org"]
        return org

    def create_sandbox(self, org_id: str, name: str) -> dict[str, Any]:
        sandbox: dict[str, Any] = self.call("POST", f"/orgs/{org_id}/sandboxes", {"name": name})["sandbox"]
        return sandbox

    def create_client(
        self, org_id: str, client_id: str | None = None, client_secret: str | None = None
    ) -> dict[str, Any]:
        """``{client_id, org, name, client_secret}``."""
        body: dict[str, Any] = {"org": org_id}
        if client_id is not None:
            body["client_id"] = client_id
        if client_secret is not None:
            body["client_secret"] = client_secret
        client: dict[str, Any] = self.call("POST", "/clients", body)["client"]
        return client

    def rotate_client_secret(self, client_id: str, client_secret: str) -> None:
        self.call("PATCH", f"/clients/{client_id}", {"client_secret": client_secret})

    def tokens(self) -> list[dict[str, Any]]:
        tokens: list[dict[str, Any]] = self.call("GET", "/tokens")["tokens"]
        return tokens

    def expire_token(self, token_id: str) -> None:
        self.call("POST", f"/tokens/{token_id}/expire")

    def revoke_token(self, token_id: str) -> None:
        self.call("POST", f"/tokens/{token_id}/revoke")

    def expire_tokens(self, client_id: str | None = None) -> int:
        body = {"client_id": client_id} if client_id is not None else {}
        count: int = self.call("POST", "/tokens/expire", body)["expired"]
        return count

    def create_schema(self, org_id: str, sandbox: str, title: str, schema_hash: str | None = None) -> str:
        """The new schema's ``$id`` (``schema_hash`` pins its last part)."""
        body = {"title": title, **({"hash": schema_hash} if schema_hash else {})}
        schema = self.call("POST", f"/orgs/{org_id}/sandboxes/{sandbox}/schemas", body)["schema"]
        schema_id: str = schema["$id"]
        return schema_id

    def create_dataset(
        self, org_id: str, sandbox: str, name: str, schema_id: str, dataset_id: str | None = None
    ) -> str:
        """The new dataset's id (``dataset_id`` pins it: 24 hex)."""
        body = {"name": name, "schema_id": schema_id, **({"id": dataset_id} if dataset_id else {})}
        created: str = self.call("POST", f"/orgs/{org_id}/sandboxes/{sandbox}/datasets", body)["dataset"][
            "id"
        ]
        return created

    def records(self, dataset_id: str) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = self.call("GET", f"/datasets/{dataset_id}/records")["records"]
        return records

    def messages(self, dataset_id: str) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = self.call("GET", f"/datasets/{dataset_id}/messages")["messages"]
        return messages

    def objects(self, org_id: str | None = None, sandbox: str | None = None) -> list[dict[str, Any]]:
        params = {key: value for key, value in (("org", org_id), ("sandbox", sandbox)) if value is not None}
        objects: list[dict[str, Any]] = self.call("GET", "/objects", params=params)["objects"]
        return objects

    def inlets(self) -> list[dict[str, Any]]:
        inlets: list[dict[str, Any]] = self.call("GET", "/inlets")["inlets"]
        return inlets

    def fail_inlet(
        self,
        inlet_id: str,
        status: int,
        count: int | None = None,
        message: str | None = None,
        retry_after: int | None = None,
    ) -> dict[str, Any]:
        """Make ``inlet_id`` (``"*"`` = every inlet) answer ``status`` for ``count`` requests (None: until
        :meth:`clear_inlet_failure`)."""
        body: dict[str, Any] = {"status": status}
        for key, value in (("count", count), ("message", message), ("retry_after", retry_after)):
            if value is not None:
                body[key] = value
        failure: dict[str, Any] = self.call("PUT", f"/inlets/{inlet_id}/failure", body)["failure"]
        return failure

    def clear_inlet_failure(self, inlet_id: str) -> None:
        self.call("DELETE", f"/inlets/{inlet_id}/failure")

    def requests(self, since: int = 0) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = self.call("GET", "/requests", params={"since": since})["requests"]
        return entries

    def clear_requests(self) -> None:
        self.call("DELETE", "/requests")
