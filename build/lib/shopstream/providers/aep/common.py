"""The shared shape of the AEP dynamic providers (one subclass per object kind).

Pitfalls this is shaped around (pulumi-offline.md §3), as in shopstream/providers/shopify/webhook.py:
* Provider objects are pickled (dill) into the state, so they hold NOTHING: no client, session,
  token, secret, lock or timestamp.  The client secret comes from shopstream.providers.credentials (filled by
  configure() from `aepClientSecret`), tokens from shopstream.providers.aep.ims, the session from the shared
  per-process session — all at call time.  Subclasses only set class attributes.
* diff() is explicit over the checked inputs and never looks at `__provider` or the connection
  inputs (CONNECTION_KEYS), so a code change or a new URL alone is not an update.
* check() normalises every input (defaults, trimming, content types) so that diff is exact and a
  no-op `pulumi up` makes no write request.
* Output-only properties are declared on the Resource classes and passed as None in props
  (AepResource adds them and the connection inputs every AEP resource takes).
* User-fixable failures surface as a shopstream.providers.user_errors.UserFacingError whose text is one
  sentence, which the provider server prints without a traceback (real bugs keep theirs).
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any, ClassVar, Required, TypedDict

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

from shopstream.aep_api import errors
from shopstream.aep_api import etag as etags
from shopstream.aep_api import patch as patches
from shopstream.aep_api.bodies import pick_oldest
from shopstream.aep_api.kinds import Kind
from shopstream.providers import credentials
from shopstream.providers.aep import ims, settings
from shopstream.providers.aep.client import PlatformClient
from shopstream.providers.aep.settings import CONNECTION_KEYS, ApiSettings, Failure
from shopstream.providers.retry import RetryPolicy
from shopstream.providers.unknowns import is_unknown
from shopstream.providers.user_errors import user_facing

# A user-fixable error leaves a provider method as its one sentence (no chain, no traceback).
plain_errors = user_facing(errors.AepError, credentials.CredentialsError)


def client_for(props: Mapping[str, Any], *secrets: object) -> PlatformClient:
    """A client for the connection inputs in `props`; `secrets` are scrubbed from error texts."""
    extra = tuple(s for s in (settings.unwrap(v) for v in secrets) if isinstance(s, str) and s)
    return PlatformClient(ApiSettings.from_props(props), credentials.aep_client_secret(), secrets=extra)


# One quick try: the preflight must not hold up a preview when IMS is slow or unreachable.
_PREFLIGHT_POLICY = RetryPolicy(max_attempts=1)


def credentials_problems(inputs: Mapping[str, Any], secret: str) -> list[Failure]:
    """Ask IMS for a token (cached per process) so that a wrong client id or secret is a clear check
    failure at preview time rather than a failed create halfway through an update. Any other failure
    (IMS unreachable, a 5xx) passes: the preview must not need the network."""
    try:
        ims.access_token(ApiSettings.from_props(inputs).token_key(), secret, policy=_PREFLIGHT_POLICY)
    except errors.AuthError as err:
        return [Failure("client_id", str(err))]
    except errors.AepError:
        pass
    return []


class AepProvider(ResourceProvider):
    """Common configure/check/diff; subclasses define the inputs and the CRUD."""

    serialize_as_secret_always = False  # nothing secret is captured (see the module docstring)

    # Set by subclasses.
    noun: ClassVar[str] = "object"
    input_keys: ClassVar[tuple[str, ...]] = ()  # the resource's own inputs (besides CONNECTION_KEYS)
    replace_keys: ClassVar[tuple[str, ...]] = ()
    update_keys: ClassVar[tuple[str, ...]] = ()

    def configure(self, req: ConfigureRequest) -> None:
        credentials.configure_aep_from_config(req.config)

    def normalise(self, news: Mapping[str, Any], failures: list[Failure]) -> dict[str, Any]:
        """The resource's own inputs, checked and normalised (connection inputs are done here)."""
        raise NotImplementedError

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures: list[Failure] = []
        inputs = settings.normalise_connection(news, failures)
        inputs.update(self.normalise(news, failures))
        try:
            secret = credentials.aep_client_secret()  # fail the preview, not the first create, when missing
        except credentials.CredentialsError as err:
            failures.append(Failure("client_id", str(err)))
        else:
            if not failures and not is_unknown(inputs):
                failures.extend(credentials_problems(inputs, secret))
        return CheckResult(inputs, [CheckFailure(f.property, f.reason) for f in failures])

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        replaces = settings.changed_keys(_olds, _news, self.replace_keys)
        updates = settings.changed_keys(_olds, _news, self.update_keys)
        return DiffResult(changes=bool(replaces or updates), replaces=replaces, delete_before_replace=None)


class FlowServiceProvider(AepProvider):
    """CRUD for one Flow Service object (base/source/target connection, dataflow).

    create adopts an existing object with the same name whose identity fields match (subclass
    `matches`) — `pulumi import` does not work for dynamic providers — then PATCHes any mutable field
    that differs.  update PATCHes only the fields whose desired value changed.  read returns the
    outputs and the inputs as AEP has them (empty id on 404).  delete treats 404 as done.
    """

    kind: ClassVar[Kind]
    id_output: ClassVar[str]
    patch_fields: ClassVar[Mapping[str, str]]  # view key → JSON pointer

    # ---- hooks --------------------------------------------------------------------------------------

    def body(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def matches(self, item: Mapping[str, Any], inputs: Mapping[str, Any]) -> bool:
        raise NotImplementedError

    def view(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """The mutable fields, keyed as in `patch_fields`."""
        raise NotImplementedError

    def item_inputs(self, item: Mapping[str, Any], props: Mapping[str, Any]) -> dict[str, Any]:
        """The resource's own inputs as AEP reports them (for read)."""
        return {"name": item.get("name", props.get("name")), "description": item.get("description") or ""}

    def secrets(self, props: Mapping[str, Any]) -> tuple[object, ...]:
        return ()

    def before_create(self, client: PlatformClient, inputs: Mapping[str, Any]) -> None:
        """Validation calls (e.g. the dataset exists); raise an AepError to stop."""

    def finish(
        self, client: PlatformClient, item: dict[str, Any], inputs: Mapping[str, Any]
    ) -> dict[str, Any]:
        """The object as it should be recorded after create/update (e.g. wait for the inlet URL)."""
        return item

    def extra_outputs(self, item: Mapping[str, Any]) -> dict[str, Any]:
        return {}

    # ---- CRUD ---------------------------------------------------------------------------------------

    def outputs(self, props: Mapping[str, Any], item: Mapping[str, Any], adopted: bool) -> dict[str, Any]:
        outs = {key: props.get(key) for key in CONNECTION_KEYS}
        outs.update({key: props.get(key) for key in self.input_keys})
        outs.update(
            {
                self.id_output: item.get("id"),
                "etag": etags.from_body(item),
                "state": item.get("state"),
                "adopted": adopted,
            }
        )
        outs.update(self.extra_outputs(item))
        return outs

    @plain_errors
    def create(self, props: dict[str, Any]) -> CreateResult:
        client = client_for(props, *self.secrets(props))
        name = str(props["name"])
        self.before_create(client, props)
        candidates = [i for i in client.find_by_name(self.kind, name) if self.matches(i, props)]
        existing = pick_oldest(candidates)
        if existing is None:
            created = client.create(self.kind, self.body(props), name=name)
            item = self._reread(client, str(created["id"]), name)
            adopted = False
        else:
            item = self._adopt(client, dict(existing), props)
            adopted = True
        item = self.finish(client, item, props)
        return CreateResult(str(item["id"]), self.outputs(props, item, adopted))

    def _adopt(
        self, client: PlatformClient, item: dict[str, Any], props: Mapping[str, Any]
    ) -> dict[str, Any]:
        id_ = str(item["id"])
        pending = patches.converge_patch(item, self.view(props), self.patch_fields)
        if pending:
            client.patch(self.kind, id_, pending, etag=etags.from_body(item), name=str(props["name"]))
            item = self._reread(client, id_, str(props["name"]))
        # Provider-process logs reach the CLI only as plugin stderr; the `adopted` output is the record.
        pulumi.log.info(f"AEP: adopted existing {self.noun} {props['name']!r} ({id_}).")
        return item

    def _reread(self, client: PlatformClient, id_: str, name: str) -> dict[str, Any]:
        item = client.get(self.kind, id_, name=name)
        if item is None:
            ctx = errors.ErrorContext(self.noun, "read", name=name, id=id_)
            raise errors.unexpected_body(ctx, 404, "the object it had just written missing")
        return item

    @plain_errors
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        client = client_for(props, *self.secrets(props))
        item = client.get(self.kind, id_, name=props.get("name"))
        if item is None:
            return ReadResult("", {})  # gone: the engine drops it from the state
        refreshed = {**props, **self.item_inputs(item, props)}
        outs = self.outputs(refreshed, item, bool(props.get("adopted", False)))
        inputs = {key: outs[key] for key in (*CONNECTION_KEYS, *self.input_keys)}
        return ReadResult(id_, outs, inputs)

    @plain_errors
    def update(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> UpdateResult:
        client = client_for(_news, *self.secrets(_news))
        ops = patches.minimal_patch(self.view(_olds), self.view(_news), self.patch_fields)
        name = str(_news["name"])
        if ops:
            client.patch(self.kind, _id, ops, etag=_olds.get("etag"), name=name)
        item = self._reread(client, _id, name)
        item = self.finish(client, item, _news)
        return UpdateResult(self.outputs(_news, item, bool(_olds.get("adopted", False))))

    @plain_errors
    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        # False (already gone) is fine: the desired end state is reached either way.
        client_for(_props, *self.secrets(_props)).delete(self.kind, _id, name=_props.get("name"))


class ConnectionInputs(TypedDict, total=False):
    """The inputs every AEP resource takes to reach its org and sandbox (CONNECTION_KEYS)."""

    ims_org: Required[pulumi.Input[str]]
    client_id: Required[pulumi.Input[str]]
    sandbox: pulumi.Input[str] | None
    ims_url: pulumi.Input[str] | None
    platform_url: pulumi.Input[str] | None
    scopes: pulumi.Input[str] | pulumi.Input[list[str]] | None


class AepResource(Resource):
    """A dynamic AEP resource: its own inputs plus the connection inputs, and its outputs as None.

    Subclasses keep their own typed keyword arguments and take the connection ones as
    `**connection: Unpack[ConnectionInputs]`; their `module`/`name` class arguments set the type token.
    """

    ims_url: pulumi.Output[str]
    platform_url: pulumi.Output[str]
    ims_org: pulumi.Output[str]
    sandbox: pulumi.Output[str]
    client_id: pulumi.Output[str]
    scopes: pulumi.Output[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Pulumi reads output types from a class's own annotations only (inspect.get_annotations).
        cls.__annotations__ = {**inspect.get_annotations(AepResource), **inspect.get_annotations(cls)}

    def __init__(
        self,
        provider: AepProvider,
        resource_name: str,
        inputs: Mapping[str, Any],
        output_keys: tuple[str, ...],
        connection: ConnectionInputs,
        opts: pulumi.ResourceOptions | None,
    ) -> None:
        given: Mapping[str, Any] = connection
        props: dict[str, Any] = {
            **{key: given.get(key) for key in CONNECTION_KEYS},
            **inputs,
            **dict.fromkeys(output_keys),
        }
        super().__init__(provider, resource_name, props, opts)
