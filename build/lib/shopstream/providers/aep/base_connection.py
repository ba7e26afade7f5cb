"""AEP base connection for the Shopify Streaming source, authenticated with the Shopify app secret.

Auth body (our choice, UNCONFIRMED in the reference §1.1; served by the emulator's connection spec):
`{"specName": "HMAC Authentication", "params": {"hmacSecret": <secret>}}`.  The secret is a secret
*input*: diff compares it, so rotating it PATCHes `/auth/params` (If-Match) instead of replacing the
connection.  It is kept as an output of the same name, which the engine stores encrypted (it re-marks
outputs named like secret inputs; the Resource also lists it in additional_secret_outputs).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Unpack

import pulumi

from shopstream.aep_api import bodies, errors, ids, kinds
from shopstream.providers.aep import settings
from shopstream.providers.aep.client import PlatformClient
from shopstream.providers.aep.common import AepResource, ConnectionInputs, FlowServiceProvider
from shopstream.providers.aep.settings import Failure
from shopstream.providers.unknowns import is_unknown

OUTPUT_KEYS = ("connection_id", "etag", "state", "adopted")


class BaseConnectionProvider(FlowServiceProvider):
    kind = kinds.BASE_CONNECTION
    noun = kinds.BASE_CONNECTION.noun
    id_output = "connection_id"
    input_keys = ("name", "description", "hmac_secret")
    replace_keys = ()
    update_keys = ("name", "description", "hmac_secret")
    patch_fields = bodies.BASE_CONNECTION_PATCH

    def normalise(self, news: Mapping[str, Any], failures: list[Failure]) -> dict[str, Any]:
        secret = settings.unwrap(news.get("hmac_secret"))
        if not is_unknown(secret) and (not isinstance(secret, str) or not secret):
            failures.append(
                Failure(
                    "hmac_secret", "hmac_secret is required (the Shopify app's client secret, as a secret)"
                )
            )
        return {
            "name": settings.name_input(news, failures),
            "description": settings.description_input(news, failures),
            "hmac_secret": secret,
        }

    def body(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        return bodies.base_connection(inputs["name"], inputs["description"], inputs["hmac_secret"])

    def matches(self, item: Mapping[str, Any], inputs: Mapping[str, Any]) -> bool:
        return bodies.base_connection_matches(item, inputs)

    def view(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        return bodies.base_connection_view(
            {**inputs, "hmac_secret": settings.unwrap(inputs.get("hmac_secret"))}
        )

    def item_inputs(self, item: Mapping[str, Any], props: Mapping[str, Any]) -> dict[str, Any]:
        # AEP does not give the secret back in a usable form; the state's value stands.
        return {**super().item_inputs(item, props), "hmac_secret": props.get("hmac_secret")}

    def secrets(self, props: Mapping[str, Any]) -> tuple[object, ...]:
        return (props.get("hmac_secret"),)

    def before_create(self, client: PlatformClient, inputs: Mapping[str, Any]) -> None:
        """The Shopify Streaming connection spec must exist and offer HMAC auth (reference §0 caveat)."""
        spec_id = ids.SHOPIFY_STREAMING_CONNECTION_SPEC
        ctx = errors.ErrorContext(
            "connection spec",
            "validate",
            id=spec_id,
            sandbox=client.settings.sandbox,
            name="Shopify Streaming",
        )
        spec = client.get_connection_spec(spec_id)
        if spec is None:
            sandbox = client.settings.sandbox
            raise errors.NotFound(
                f"AEP has no Shopify Streaming connection spec {spec_id} in sandbox {sandbox}: "
                "the (beta) Shopify Streaming source is not available to this org; ask Adobe to enable it.",
                context=ctx,
            )
        auth_specs = spec.get("authSpec")
        if isinstance(auth_specs, list) and auth_specs:
            names = [str(a.get("name")) for a in auth_specs if isinstance(a, Mapping)]
            if ids.HMAC_AUTH_SPEC_NAME not in names:
                raise errors.ValidationError(
                    f"AEP's Shopify Streaming connection spec {spec_id} offers {', '.join(names)} but not "
                    f"{ids.HMAC_AUTH_SPEC_NAME}: this provider cannot create its base connection; report the "
                    "spec's authSpec so the provider can be adapted.",
                    context=ctx,
                )


class AepBaseConnection(AepResource, module="aep", name="BaseConnection"):
    """A Flow Service base connection (POST /connections) for the Shopify Streaming source."""

    name: pulumi.Output[str]
    description: pulumi.Output[str]
    hmac_secret: pulumi.Output[str]
    connection_id: pulumi.Output[str]
    etag: pulumi.Output[str]
    state: pulumi.Output[str | None]
    adopted: pulumi.Output[bool]

    def __init__(
        self,
        resource_name: str,
        *,
        name: pulumi.Input[str],
        hmac_secret: pulumi.Input[str],
        description: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **connection: Unpack[ConnectionInputs],
    ) -> None:
        inputs: dict[str, Any] = {
            "name": name,
            "description": description,
            "hmac_secret": pulumi.Output.secret(hmac_secret),  # whatever the caller passed
        }
        secret_opts = pulumi.ResourceOptions(additional_secret_outputs=["hmac_secret"])
        super().__init__(
            BaseConnectionProvider(),
            resource_name,
            inputs,
            OUTPUT_KEYS,
            connection,
            pulumi.ResourceOptions.merge(opts, secret_opts),
        )
