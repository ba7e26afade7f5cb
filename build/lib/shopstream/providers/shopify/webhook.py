"""Pulumi dynamic provider and resource for one Shopify webhook subscription (GraphQL or REST Admin API).

The provider decides per call and leaves the requests to the shop's `ShopSubscriptions`
(shopstream.providers.shopify.subscriptions over the process's per-shop session): reads come from one list of
the
shop, a create is one write, adoption follows the ownership rule.

Pitfalls this module is shaped around (pulumi-offline.md §3):
* The provider instance is pickled (dill) into the state twice per resource, so it holds NOTHING:
  no token, no session, no lock, no timestamps.  Tokens come from `shopstream.providers.credentials` at call
  time,
  the HTTP session from `shopstream.providers.http` (module level, per process).
* Nothing secret is captured, so `serialize_as_secret_always = False` keeps `__provider` in plain text
  (no passphrase needed just to read a state without real secrets).
* diff() is explicit and never looks at `__provider`, so a code change alone is not an update.
* Output-only properties are declared on the Resource class and passed as None in props, otherwise
  Pulumi does not expose them.
* User-caused failures (bad token, missing scope, unreachable shop, a subscription another stack
  owns) leave as shopstream.providers.user_errors.UserFacingError: one sentence, no traceback.
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

from shopstream.providers import credentials
from shopstream.providers.shopify import preflight, webhook_inputs
from shopstream.providers.shopify.connect import shop_subscriptions
from shopstream.providers.shopify.subscriptions import Desired, ShopSubscriptions, adoption
from shopstream.providers.user_errors import UserFacingError, user_facing
from shopstream.shopify_api import errors

OUTPUT_KEYS = (
    "webhook_id",  # str: Pulumi numbers are float64, Shopify ids are large ints
    "created_at",
    "updated_at",
    "adopted",  # True when create() found and took over an existing identical subscription
    "reported_api_version",  # X-Shopify-API-Version Shopify answered with (shows a fall-forward)
    "payload_api_version",  # the subscription's own api_version (version of delivered payloads)
)

_PREFLIGHT_KEYS = ("shop", "topic", "endpoint", "api_version", "api")

# Problems the user can fix leave the provider as their one sentence; anything else is a bug and
# keeps its traceback.
_user_errors = user_facing(errors.ShopifyError, credentials.CredentialsError)


def _sorted_strings(value: object) -> list[str]:
    return sorted({str(v) for v in value}) if isinstance(value, list) else []


def _outputs(
    props: Mapping[str, Any], webhook: Mapping[str, Any], shop: ShopSubscriptions, adopted: bool
) -> dict[str, Any]:
    """State outputs: the inputs as Shopify now has them, plus what only Shopify knows."""
    return {
        **{key: props.get(key) for key in webhook_inputs.INPUT_KEYS},
        "topic": webhook.get("topic", props["topic"]),
        "address": webhook.get("address", props["address"]),
        "format": str(webhook.get("format") or props.get("format") or webhook_inputs.DEFAULT_FORMAT).lower(),
        "fields": _sorted_strings(webhook.get("fields", [])),
        "metafield_namespaces": _sorted_strings(webhook.get("metafield_namespaces", [])),
        "filter": webhook.get("filter") or None,
        # REST keeps no name: keep the declared one (None) so diff stays quiet.
        "name": webhook.get("name") if "name" in webhook else props.get("name"),
        "api": props.get("api") or webhook_inputs.LEGACY_API,
        "webhook_id": str(webhook["id"]),
        "created_at": webhook.get("created_at"),
        "updated_at": webhook.get("updated_at"),
        "adopted": adopted,
        "reported_api_version": shop.transport.served_api_version,
        "payload_api_version": webhook.get("api_version"),
    }


def _webhook_id(id_: str, shop: object) -> int:
    try:
        return int(id_)
    except (TypeError, ValueError):
        raise UserFacingError(
            f"The state of a Shopify webhook subscription for shop {shop} has id {id_!r}, which is not a "
            "Shopify webhook id; remove it with `pulumi state delete <urn>` and run `pulumi up`."
        ) from None


class WebhookSubscriptionProvider(ResourceProvider):
    """CRUD for one webhook subscription (REST or GraphQL); stateless (see the module docstring)."""

    serialize_as_secret_always = False

    def configure(self, req: ConfigureRequest) -> None:
        credentials.configure_from_config(req.config)

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        inputs, failures = webhook_inputs.normalise(news)
        claimed_by = news.get("claimed_by")
        if isinstance(claimed_by, str) and claimed_by:
            failures.append(webhook_inputs.Failure("address", claimed_by))
        if not failures and webhook_inputs.all_known(inputs, _PREFLIGHT_KEYS):
            failures = preflight.problems(inputs)
            granting = preflight.granting_scopes(inputs)
            if granting is not None:
                # For the policy pack's scope rule: only the granted scopes that serve this topic, so
                # the state does not repeat the shop's whole scope list per subscription.
                inputs["granted_scopes"] = granting
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

    @_user_errors
    def create(self, props: dict[str, Any]) -> CreateResult:
        shop = shop_subscriptions(props)
        webhook, adopted = self._create_or_adopt(shop, props)
        return CreateResult(str(webhook["id"]), _outputs(props, webhook, shop, adopted))

    def _create_or_adopt(
        self, shop: ShopSubscriptions, props: Mapping[str, Any]
    ) -> tuple[dict[str, Any], bool]:
        """Create the subscription, or adopt an identical one (lost state, earlier failed run, a race).

        Shopify refuses a second subscription with the same topic and address ("already been taken"),
        and `pulumi import` does not work for dynamic providers, so adopting is the way to converge —
        but only what the ownership rule allows (subscriptions.adoption).
        """
        desired = Desired.from_props(props)
        outcome = shop.create(desired)
        if outcome.recovered:
            pulumi.log.info(
                f"Shopify shop {shop.transport.shop}: the answer to creating the {desired.topic} "
                f"subscription was lost; found it as {outcome.webhook['id']}."
            )
        if not outcome.taken:
            return outcome.webhook, False
        existing = outcome.webhook
        verdict = adoption(existing, desired, may_adopt=bool(props.get("may_adopt")))
        if not verdict.adopt:
            raise UserFacingError(
                f"Shopify shop {shop.transport.shop} already has a {desired.topic} subscription to "
                f"{desired.address} (id {existing['id']}) and this stack will not take it over: "
                f"{verdict.reason}."
            )
        webhook_id = int(existing["id"])
        if str(existing.get("format") or "json").lower() != desired.format:
            return self._replace_other_format(shop, desired, existing), False
        if webhook_inputs.shopify_changes(existing, props):
            existing = shop.update(webhook_id, desired)
        # Provider-process logs reach the CLI only as plugin stderr; the `adopted` output is the record.
        pulumi.log.info(
            f"Shopify shop {shop.transport.shop}: adopted existing webhook subscription {webhook_id} "
            f"for topic {desired.topic} to {desired.address}."
        )
        return existing, True

    @staticmethod
    def _replace_other_format(
        shop: ShopSubscriptions, desired: Desired, other: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Shopify said "already taken" for topic+address but the one there has another format.

        Whether Shopify's uniqueness includes the format is UNCONFIRMED (the emulator includes it); the
        format cannot be PUT over REST (reference §1.3), so the way to the desired state is delete + create.
        """
        shop.delete(int(other["id"]), desired.topic)
        pulumi.log.info(
            f"Shopify shop {shop.transport.shop}: replaced webhook subscription {other['id']} for topic "
            f"{desired.topic} to {desired.address} because its format was {other.get('format')}, not "
            f"{desired.format}."
        )
        created = shop.create(desired)
        if created.taken:
            raise UserFacingError(
                f"Shopify shop {shop.transport.shop} still reports a {desired.topic} subscription to "
                f"{desired.address} after deleting the one with another format; run `pulumi up` again."
            )
        return created.webhook

    @_user_errors
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        webhook_id = _webhook_id(id_, props.get("shop"))
        shop = shop_subscriptions(props)
        webhook = shop.get(webhook_id)
        if webhook is None:
            return ReadResult("", {})  # gone: the engine drops it from the state
        outs = _outputs(props, webhook, shop, bool(props.get("adopted", False)))
        # Inputs refreshed too, so the next `up` compares the program with what Shopify really has.
        inputs = {key: outs[key] for key in webhook_inputs.INPUT_KEYS}
        if "granted_scopes" in props:
            inputs["granted_scopes"] = props["granted_scopes"]
        return ReadResult(id_, outs, inputs)

    @_user_errors
    def update(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> UpdateResult:
        webhook_id = _webhook_id(_id, _news.get("shop"))
        shop = shop_subscriptions(_news)
        if webhook_inputs.shopify_changes(_olds, _news):
            webhook: Mapping[str, Any] = shop.update(webhook_id, Desired.from_props(_news))
        else:
            # Only the Admin API version or flavour changed: nothing to send (LOCAL_UPDATE_KEYS).
            webhook = {**_olds, "id": webhook_id, "api_version": _olds.get("payload_api_version")}
        return UpdateResult(_outputs(_news, webhook, shop, bool(_olds.get("adopted", False))))

    @_user_errors
    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        webhook_id = _webhook_id(_id, _props.get("shop"))
        # False (already gone) is fine: the desired end state is reached either way.
        shop_subscriptions(_props).delete(webhook_id, _props.get("topic"))


class WebhookSubscription(Resource, module="shopify", name="WebhookSubscription"):
    """A shop-specific webhook subscription managed through the GraphQL or REST Admin API."""

    shop: pulumi.Output[str]
    topic: pulumi.Output[str]
    address: pulumi.Output[str]
    format: pulumi.Output[str]
    fields: pulumi.Output[list[str]]
    metafield_namespaces: pulumi.Output[list[str]]
    filter: pulumi.Output[str | None]
    name: pulumi.Output[str | None]
    api: pulumi.Output[str]
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
        filter: pulumi.Input[str] | None = None,  # Shopify's field name
        name: str | None = None,
        api: str = webhook_inputs.LEGACY_API,
        client_id: str | None = None,
        may_adopt: bool = False,
        claimed_by: str | None = None,
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
            "filter": filter,
            "name": name,  # the ownership marker (GraphQL); None over REST
            "api": api,
            "client_id": client_id,  # a Dev Dashboard app's client id: tokens by client credentials
            "may_adopt": may_adopt,  # the program verified no other stack holds it, or `adopt: true`
            "claimed_by": claimed_by,  # another stack's claim (a conflict), checked and dropped by check()
            **dict.fromkeys(OUTPUT_KEYS),
        }
        super().__init__(WebhookSubscriptionProvider(), resource_name, props, opts)
