"""Pulumi dynamic provider and resource for one Shopify webhook subscription (REST Admin API).

Pitfalls this module is shaped around (pulumi-offline.md §3):
* The provider instance is pickled (dill) into the state twice per resource, so it holds NOTHING:
  no token, no session, no lock, no timestamps.  Tokens come from `providers.credentials` at call time,
  the HTTP session from `providers.http` (module level, per process).
* Nothing secret is captured, so `serialize_as_secret_always = False` keeps `__provider` in plain text
  (no passphrase needed just to read a state without real secrets).
* diff() is explicit and never looks at `__provider`, so a code change alone is not an update.
* Output-only properties are declared on the Resource class and passed as None in props, otherwise
  Pulumi does not expose them.
* User-caused failures (bad token, missing scope, unreachable shop) are raised as a plain Exception
  whose text is one sentence; `from None` keeps the chained traceback out of the CLI output.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)

from providers import credentials
from providers.shopify import preflight, webhook_inputs
from providers.shopify.client import ShopifyAdminClient
from shopify_api import errors

OUTPUT_KEYS = (
    "webhook_id",  # str: Pulumi numbers are float64, Shopify ids are large ints
    "created_at",
    "updated_at",
    "adopted",  # True when create() found and took over an existing identical subscription
    "reported_api_version",  # X-Shopify-API-Version Shopify answered with (shows a fall-forward)
    "payload_api_version",  # the subscription's own api_version (version of delivered payloads)
)

_PREFLIGHT_KEYS = ("shop", "topic", "endpoint", "api_version")

# Problems the user can fix; anything else is a bug and keeps its traceback.
_USER_ERRORS = (errors.ShopifyError, credentials.CredentialsError)


def _client(props: Mapping[str, Any]) -> ShopifyAdminClient:
    shop = str(props["shop"])
    endpoint = props.get("endpoint") or webhook_inputs.default_endpoint(shop)
    api_version = props.get("api_version") or webhook_inputs.latest_stable_api_version()
    return ShopifyAdminClient(str(endpoint), str(api_version), credentials.token_for(shop), shop)


def _sorted_strings(value: object) -> list[str]:
    return sorted({str(v) for v in value}) if isinstance(value, list) else []


def _outputs(
    props: Mapping[str, Any], webhook: Mapping[str, Any], client: ShopifyAdminClient, adopted: bool
) -> dict[str, Any]:
    """State outputs: the inputs as Shopify now has them, plus what only Shopify knows."""
    return {
        "shop": props["shop"],
        "topic": webhook.get("topic", props["topic"]),
        "address": webhook.get("address", props["address"]),
        "format": str(webhook.get("format") or props.get("format") or webhook_inputs.DEFAULT_FORMAT).lower(),
        "fields": _sorted_strings(webhook.get("fields", [])),
        "metafield_namespaces": _sorted_strings(webhook.get("metafield_namespaces", [])),
        "api_version": props.get("api_version"),
        "endpoint": props.get("endpoint"),
        "webhook_id": str(webhook["id"]),
        "created_at": webhook.get("created_at"),
        "updated_at": webhook.get("updated_at"),
        "adopted": adopted,
        "reported_api_version": client.served_api_version,
        "payload_api_version": webhook.get("api_version"),
    }


def _webhook_id(id_: str, shop: object) -> int:
    try:
        return int(id_)
    except (TypeError, ValueError):
        raise Exception(
            f"The state of a Shopify webhook subscription for shop {shop} has id {id_!r}, which is not a "
            "Shopify webhook id; remove it with `pulumi state delete <urn>` and run `pulumi up`."
        ) from None


def _find_same(
    client: ShopifyAdminClient, topic: str, address: str, fmt: str | None
) -> dict[str, Any] | None:
    """The existing subscription with exactly this topic and address (and format, unless None)."""
    matches = [
        w
        for w in client.list_webhooks(topic=topic, address=address)
        if w.get("topic") == topic
        and w.get("address") == address
        and (fmt is None or str(w.get("format") or "json").lower() == fmt)
    ]
    return min(matches, key=lambda w: int(w["id"])) if matches else None


def _differs(webhook: Mapping[str, Any], props: Mapping[str, Any]) -> bool:
    return any(
        _sorted_strings(webhook.get(key, [])) != _sorted_strings(props.get(key, []))
        for key in ("fields", "metafield_namespaces")
    )


class WebhookSubscriptionProvider(ResourceProvider):
    """CRUD for one REST webhook subscription; stateless (see the module docstring)."""

    serialize_as_secret_always = False

    def configure(self, req: ConfigureRequest) -> None:
        credentials.configure_from_config(req.config)

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        inputs, failures = webhook_inputs.normalise(news)
        if not failures and webhook_inputs.all_known(inputs, _PREFLIGHT_KEYS):
            failures = preflight.problems(inputs)
            scopes = preflight.known_scopes(inputs)
            if scopes is not None:
                # For the policy pack's scope rule; not an INPUT_KEY, so diff() never looks at it.
                inputs["granted_scopes"] = scopes
        return CheckResult(inputs, [CheckFailure(f.property, f.reason) for f in failures])

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        result = webhook_inputs.diff(_olds, _news)
        return DiffResult(
            changes=result.changes,
            replaces=result.replaces,
            # The same topic+address cannot exist twice, and create() would adopt the old subscription
            # only for the engine to delete it afterwards: always delete first.
            delete_before_replace=True if result.replaces else None,
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        try:
            client = _client(props)
            webhook, adopted = self._create_or_adopt(client, props)
        except _USER_ERRORS as err:
            raise Exception(str(err)) from None
        return CreateResult(str(webhook["id"]), _outputs(props, webhook, client, adopted))

    def _create_or_adopt(
        self, client: ShopifyAdminClient, props: Mapping[str, Any]
    ) -> tuple[dict[str, Any], bool]:
        """Create the subscription, or adopt an identical one (lost state, earlier failed run, a race).

        Shopify refuses a second subscription with the same topic and address ("already been taken"),
        and `pulumi import` does not work for dynamic providers, so adopting is the way to converge.
        """
        shop, topic, address, fmt = props["shop"], props["topic"], props["address"], props["format"]
        existing = _find_same(client, topic, address, fmt)
        if existing is None:
            try:
                return self._post(client, props), False
            except errors.DuplicateError:
                # Created between our lookup and our POST, or one with another format is in the way.
                existing = _find_same(client, topic, address, fmt)
                if existing is None:
                    other = _find_same(client, topic, address, None)
                    if other is None:
                        raise  # taken, yet not visible to this app: nothing to adopt
                    return self._replace_other_format(client, props, other), False
        webhook_id = int(existing["id"])
        if _differs(existing, props):
            existing = client.update_webhook(
                webhook_id,
                fields=props["fields"],
                metafield_namespaces=props["metafield_namespaces"],
                topic=topic,
            )
        # Provider-process logs reach the CLI only as plugin stderr; the `adopted` output is the record.
        pulumi.log.info(
            f"Shopify shop {shop}: adopted existing webhook subscription {webhook_id} "
            f"for topic {topic} to {address}."
        )
        return existing, True

    def _replace_other_format(
        self, client: ShopifyAdminClient, props: Mapping[str, Any], other: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Shopify said "already taken" for topic+address but none has our format: replace that one.

        Whether Shopify's uniqueness includes the format is UNCONFIRMED (the emulator includes it); the
        format cannot be PUT (reference §1.3), so the only way to the desired state is delete + create.
        """
        shop, topic, address = props["shop"], props["topic"], props["address"]
        client.delete_webhook(int(other["id"]), topic=topic)
        pulumi.log.info(
            f"Shopify shop {shop}: replaced webhook subscription {other['id']} for topic {topic} to "
            f"{address} because its format was {other.get('format')}, not {props['format']}."
        )
        return self._post(client, props)

    @staticmethod
    def _post(client: ShopifyAdminClient, props: Mapping[str, Any]) -> dict[str, Any]:
        return client.create_webhook(
            props["topic"],
            props["address"],
            props["format"],
            props["fields"],
            props["metafield_namespaces"],
        )

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        webhook_id = _webhook_id(id_, props.get("shop"))
        try:
            client = _client(props)
            webhook = client.get_webhook(webhook_id)
        except _USER_ERRORS as err:
            raise Exception(str(err)) from None
        if webhook is None:
            return ReadResult("", {})  # gone: the engine drops it from the state
        outs = _outputs(props, webhook, client, bool(props.get("adopted", False)))
        # Inputs refreshed too, so the next `up` compares the program with what Shopify really has.
        inputs = {key: outs[key] for key in webhook_inputs.INPUT_KEYS}
        return ReadResult(id_, outs, inputs)

    def update(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> UpdateResult:
        webhook_id = _webhook_id(_id, _news.get("shop"))
        try:
            client = _client(_news)
            webhook = client.update_webhook(
                webhook_id,
                address=_news["address"],
                fields=_news["fields"],
                metafield_namespaces=_news["metafield_namespaces"],
                topic=_news["topic"],
            )
        except _USER_ERRORS as err:
            raise Exception(str(err)) from None
        return UpdateResult(_outputs(_news, webhook, client, bool(_olds.get("adopted", False))))

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        webhook_id = _webhook_id(_id, _props.get("shop"))
        try:
            # False (already gone) is fine: the desired end state is reached either way.
            _client(_props).delete_webhook(webhook_id, topic=_props.get("topic"))
        except _USER_ERRORS as err:
            raise Exception(str(err)) from None


class WebhookSubscription(Resource, module="shopify", name="WebhookSubscription"):
    """A shop-specific webhook subscription managed through the REST Admin API."""

    shop: pulumi.Output[str]
    topic: pulumi.Output[str]
    address: pulumi.Output[str]
    format: pulumi.Output[str]
    fields: pulumi.Output[list[str]]
    metafield_namespaces: pulumi.Output[list[str]]
    api_version: pulumi.Output[str]
    endpoint: pulumi.Output[str]
    webhook_id: pulumi.Output[str]
    created_at: pulumi.Output[str | None]
    updated_at: pulumi.Output[str | None]
    adopted: pulumi.Output[bool]
    reported_api_version: pulumi.Output[str | None]
    payload_api_version: pulumi.Output[str | None]

    def __init__(
        self,
        resource_name: str,
        *,
        shop: pulumi.Input[str],
        topic: pulumi.Input[str],
        address: pulumi.Input[str],
        api_version: pulumi.Input[str] | None = None,
        endpoint: pulumi.Input[str] | None = None,
        format: pulumi.Input[str] = webhook_inputs.DEFAULT_FORMAT,  # Shopify's field name
        fields: pulumi.Input[list[str]] | None = None,
        metafield_namespaces: pulumi.Input[list[str]] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "shop": shop,
            "topic": topic,
            "address": address,
            "format": format,
            "fields": fields if fields is not None else [],
            "metafield_namespaces": metafield_namespaces if metafield_namespaces is not None else [],
            "api_version": api_version,  # None → check() picks the newest stable version
            "endpoint": endpoint,  # None → check() uses https://{shop}.myshopify.com
            **dict.fromkeys(OUTPUT_KEYS),
        }
        super().__init__(WebhookSubscriptionProvider(), resource_name, props, opts)
