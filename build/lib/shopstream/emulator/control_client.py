"""A small ``requests`` client for the emulator's control surface (see ``shopstream.emulator.control``),
used by test fixtures and demo scripts. Token values it returns are secrets: don't print them."""

from __future__ import annotations

from typing import Any

import requests

from shopstream.emulator.aep.control_client import AepControlClient


class ControlClientError(Exception):
    """The control surface answered with an error status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


class ControlClient:
    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._session = requests.Session()
        self.aep = AepControlClient(self.call)  # the AEP control surface, /_control/aep

    def call(
        self, method: str, path: str, body: dict[str, Any] | None = None, params: dict[str, Any] | None = None
    ) -> Any:
        """``method`` on ``/_control{path}``; returns the decoded JSON body or raises ControlClientError."""
        return self._call_waiting(None, method, path, body, params)

    # --- convenience --------------------------------------------------------------------------------

    def reset(self) -> None:
        self.call("POST", "/reset")

    def create_shop(self, name: str, **options: Any) -> dict[str, Any]:
        """Options: timezone, app, client_secret, webhook_api_version, client_id, redirect_urls, scopes
        (the app's installation), public. Returns {"shop", "app"}."""
        result: dict[str, Any] = self.call("POST", "/shops", {"name": name, **options})
        return result

    def create_token(
        self,
        shop: str,
        scopes: list[str] | tuple[str, ...] = (),
        app: str | None = None,
        token: str | None = None,
    ) -> str:
        """A new access token for ``app`` (default "default", created if missing) on ``shop``."""
        body: dict[str, Any] = {"scopes": list(scopes)}
        if app is not None:
            body["app"] = app
        if token is not None:
            body["token"] = token
        value: str = self.call("POST", f"/shops/{shop}/tokens", body)["access_token"]
        return value

    def set_rate_limit(self, shop: str, bucket_size: int, leak_rate: float) -> None:
        self.call("PUT", f"/shops/{shop}/rate_limit", {"bucket_size": bucket_size, "leak_rate": leak_rate})

    def subscriptions(self, shop: str, app: str | None = None) -> list[dict[str, Any]]:
        params = {"app": app} if app is not None else None
        subs: list[dict[str, Any]] = self.call("GET", f"/shops/{shop}/subscriptions", params=params)[
            "subscriptions"
        ]
        return subs

    def create_subscription(self, shop: str, **fields: Any) -> dict[str, Any]:
        sub: dict[str, Any] = self.call("POST", f"/shops/{shop}/subscriptions", fields)["subscription"]
        return sub

    def change_subscription(self, shop: str, subscription_id: int, **changes: Any) -> dict[str, Any]:
        sub: dict[str, Any] = self.call("PATCH", f"/shops/{shop}/subscriptions/{subscription_id}", changes)[
            "subscription"
        ]
        return sub

    def delete_subscription(self, shop: str, subscription_id: int) -> None:
        self.call("DELETE", f"/shops/{shop}/subscriptions/{subscription_id}")

    def requests(self, shop: str, since: int = 0) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = self.call("GET", f"/shops/{shop}/requests", params={"since": since})[
            "requests"
        ]
        return entries

    # --- apps, tokens and the 2026 credentials (see emulator.control and emulator.oauth) -------------

    def create_app(self, shop: str, name: str, **options: Any) -> dict[str, Any]:
        """Options: client_secret, webhook_api_version, client_id, redirect_urls, scopes, public,
        installed. Returns the app JSON with its client_secret."""
        app: dict[str, Any] = self.call("POST", f"/shops/{shop}/apps", {"name": name, **options})["app"]
        return app

    def update_app(self, shop: str, app: str, **changes: Any) -> dict[str, Any]:
        """Changes: client_secret, webhook_api_version, scopes (the installation's), public, installed."""
        updated: dict[str, Any] = self.call("PATCH", f"/shops/{shop}/apps/{app}", changes)["app"]
        return updated

    def update_shop(self, shop: str, **changes: Any) -> dict[str, Any]:
        """Changes: timezone, refuse_non_expiring_tokens (Shopify from 2027-01-01 for public apps)."""
        updated: dict[str, Any] = self.call("PATCH", f"/shops/{shop}", changes)["shop"]
        return updated

    def tokens(self, shop: str) -> list[dict[str, Any]]:
        """Token JSON (id, app, scopes, created_at, grant, expires_at), never the token values."""
        found: list[dict[str, Any]] = self.call("GET", f"/shops/{shop}/tokens")["tokens"]
        return found

    def create_expiring_token(
        self, shop: str, expires_in: float, scopes: list[str] | tuple[str, ...] = (), app: str | None = None
    ) -> str:
        """A token that stops working after ``expires_in`` seconds (emulator clock)."""
        body: dict[str, Any] = {"scopes": list(scopes), "expires_in": expires_in}
        if app is not None:
            body["app"] = app
        value: str = self.call("POST", f"/shops/{shop}/tokens", body)["access_token"]
        return value

    def oauth_settings(self) -> dict[str, Any]:
        settings: dict[str, Any] = self.call("GET", "/oauth/settings")["settings"]
        return settings

    def set_oauth_settings(self, **settings: Any) -> dict[str, Any]:
        """Keys: code_lifetime, withhold_scopes, token_lifetime (seconds a client-credentials token lives)."""
        updated: dict[str, Any] = self.call("PUT", "/oauth/settings", settings)["settings"]
        return updated

    def set_token_lifetime(self, seconds: float) -> None:
        self.set_oauth_settings(token_lifetime=seconds)

    def grant_client_credentials(self, shop: str, client_id: str, client_secret: str) -> dict[str, Any]:
        """The client credentials grant on the shop's own token endpoint (not the control surface):
        {"access_token", "scope", "expires_in"}; raises ControlClientError with the error JSON text."""
        response = self._session.post(
            f"{self.base_url}/shops/{shop}/admin/oauth/access_token",
            data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret},
            timeout=self.timeout,
        )
        if response.status_code != 200:
            raise ControlClientError(response.status_code, response.text)
        granted: dict[str, Any] = response.json()
        return granted

    # --- GraphQL points buckets (see "Shops" in emulator.control) --------------------------------------

    def set_cost_limit(
        self,
        shop: str,
        *,
        maximum_available: int | None = None,
        restore_rate: float | None = None,
        max_query_cost: int | None = None,
    ) -> dict[str, Any]:
        """The shop's GraphQL bucket (absent values: the server default); its buckets restart full."""
        body = {
            key: value
            for key, value in (
                ("maximum_available", maximum_available),
                ("restore_rate", restore_rate),
                ("max_query_cost", max_query_cost),
            )
            if value is not None
        }
        limit: dict[str, Any] = self.call("PUT", f"/shops/{shop}/cost_limit", body)["cost_limit"]
        return limit

    def clear_cost_limit(self, shop: str) -> None:
        self.call("DELETE", f"/shops/{shop}/cost_limit")

    def cost_status(self, shop: str, app: str = "default") -> dict[str, Any]:
        """{maximumAvailable, currentlyAvailable, restoreRate} of the app's bucket on the shop, now."""
        status: dict[str, Any] = self.call("GET", f"/shops/{shop}/cost_limit", params={"app": app})[
            "throttle_status"
        ]
        return status

    def graphql_calls(self, shop: str, since: int = 0) -> list[dict[str, Any]]:
        """The request-log entries of GraphQL calls (each with its "graphql" summary), oldest first."""
        return [entry for entry in self.requests(shop, since) if "graphql" in entry]

    # --- the Pub/Sub and EventBridge sink --------------------------------------------------------------

    def sink(self, shop: str | None = None) -> list[dict[str, Any]]:
        """Messages delivered to pubsub:// and EventBridge subscriptions (no network), oldest first."""
        path = f"/shops/{shop}/sink" if shop is not None else "/sink"
        messages: list[dict[str, Any]] = self.call("GET", path)["messages"]
        return messages

    def clear_sink(self, shop: str) -> None:
        self.call("DELETE", f"/shops/{shop}/sink")

    # --- webhook deliveries (see "Webhook deliveries" in emulator.control) ----------------------------

    def _call_waiting(
        self,
        wait: float | None,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        """``call`` with the HTTP timeout stretched by a server-side ``wait`` (seconds)."""
        response = self._session.request(
            method,
            f"{self.base_url}/_control{path}",
            json=body,
            params=params,
            timeout=self.timeout + (wait or 0.0),
        )
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.status_code >= 400:
            message = data.get("error") if isinstance(data, dict) else response.text
            raise ControlClientError(response.status_code, str(message))
        return data

    def trigger_event(
        self,
        shop: str,
        topic: str,
        payload: dict[str, Any],
        *,
        duplicate: bool = False,
        wait: float | None = None,
    ) -> dict[str, Any]:
        """Trigger ``topic`` in ``shop``; returns {"event", "deliveries", "skipped"}. With ``wait``, the
        answer comes once its deliveries are settled (or after ``wait`` seconds)."""
        body: dict[str, Any] = {"topic": topic, "payload": payload, "duplicate": duplicate}
        if wait is not None:
            body["wait"] = wait
        result: dict[str, Any] = self._call_waiting(wait, "POST", f"/shops/{shop}/events", body)
        return result

    def deliveries(
        self, shop: str | None = None, *, wait: float | None = None, **filters: Any
    ) -> list[dict[str, Any]]:
        """Deliveries (of ``shop``, or all), oldest first; filters: status, topic, event_id,
        subscription_id. With ``wait``, listed once settled (or after ``wait`` seconds)."""
        params = {key: value for key, value in filters.items() if value is not None}
        if wait is not None:
            params["wait"] = wait
        path = f"/shops/{shop}/deliveries" if shop is not None else "/deliveries"
        found: list[dict[str, Any]] = self._call_waiting(wait, "GET", path, params=params)["deliveries"]
        return found

    def delivery(self, delivery_id: int, wait: float | None = None) -> dict[str, Any]:
        params = {"wait": wait} if wait is not None else None
        found: dict[str, Any] = self._call_waiting(wait, "GET", f"/deliveries/{delivery_id}", params=params)[
            "delivery"
        ]
        return found

    def redeliver(self, delivery_id: int, wait: float | None = None) -> dict[str, Any]:
        """Send the delivery once more with the same webhook id."""
        body = {"wait": wait} if wait is not None else {}
        found: dict[str, Any] = self._call_waiting(
            wait, "POST", f"/deliveries/{delivery_id}/redeliver", body
        )["delivery"]
        return found

    def wait_for_deliveries(self, timeout: float = 10.0, shop: str | None = None) -> bool:
        """True once every delivery (of ``shop``) is settled; False if ``timeout`` passed first."""
        body: dict[str, Any] = {"timeout": timeout}
        if shop is not None:
            body["shop"] = shop
        settled: bool = self._call_waiting(timeout, "POST", "/deliveries/wait", body)["settled"]
        return settled

    def clear_deliveries(self, shop: str) -> None:
        self.call("DELETE", f"/shops/{shop}/deliveries")

    def delivery_settings(self) -> dict[str, Any]:
        settings: dict[str, Any] = self.call("GET", "/deliveries/settings")["settings"]
        return settings

    def set_delivery_settings(self, **settings: Any) -> dict[str, Any]:
        """Keys: retry_schedule (list of seconds), time_scale, connect_timeout, timeout,
        remove_failing_subscriptions, allow_remote."""
        updated: dict[str, Any] = self.call("PUT", "/deliveries/settings", settings)["settings"]
        return updated
