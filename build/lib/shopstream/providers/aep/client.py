"""A small, blocking AEP Platform client (Flow Service, Data Prep mapping sets, Catalog datasets).

* Requests go through shopstream.providers.http, like the Shopify client's (one session per process, no
  cookies, no hidden urllib3 retries); clients are cheap, made per call, hold the client secret
  only in memory and refuse to be pickled.
* Every request carries the four AEP headers (Authorization, x-api-key = client id,
  x-gw-ims-org-id, x-sandbox-name), a timeout, and goes through the retry rules of
  shopstream.providers.retry: 429 for any method (honouring Retry-After, exponential backoff when it is
  absent — AEP documents no header, reference §2.7), 5xx and dropped connections only for calls that
  are safe to repeat.  A 401 gets one new IMS token and one more try.
* PATCH sends If-Match; on an etag conflict it re-reads the object and retries once with the fresh
  etag, but only with the operations that are still needed (shopstream.aep_api.patch.pending_ops).
* Every failure is an shopstream.aep_api.errors.AepError whose text is one sentence (kind, name/id, what to
do).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NoReturn

import requests

from shopstream.aep_api import bodies, errors, ids, kinds, pagination
from shopstream.aep_api import etag as etags
from shopstream.aep_api import patch as patches
from shopstream.aep_api.errors import ErrorContext
from shopstream.aep_api.kinds import Kind
from shopstream.providers.aep import ims
from shopstream.providers.aep.settings import ApiSettings
from shopstream.providers.http import USER_AGENT, json_or_text, send, shared_session
from shopstream.providers.retry import RetryPolicy

PAGE_LIMIT = 100
MAX_PAGES = 1_000  # a runaway-pagination guard, not a real limit
DEFAULT_INLET_URL_TIMEOUT = 300.0  # seconds; inletUrl may appear only after provisioning (§1.6)
INLET_POLL_FIRST = 0.5
INLET_POLL_MAX = 5.0

Json = dict[str, Any]


class InletUrlTimeout(errors.AepError):
    """The flow exists but `options.inletUrl` did not appear within the allowed wait."""


class PlatformClient:
    """Calls against `{platform_url}/data/foundation/…` for one org + sandbox + credential."""

    def __init__(
        self,
        settings: ApiSettings,
        client_secret: str,
        *,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        session: requests.Session | None = None,
        secrets: Sequence[str] = (),
    ) -> None:
        self.settings = settings
        self._secret = client_secret
        self._policy = policy or RetryPolicy()
        self._sleep = sleep
        self._clock = clock
        self._session = session
        self._token_key = settings.token_key()
        self._extra_secrets = tuple(s for s in secrets if s)  # e.g. the HMAC secret sent in a body
        self._tokens_used: set[str] = set()  # to scrub from error messages, never shown

    def __repr__(self) -> str:  # no secret, no token
        s = self.settings
        return f"PlatformClient(platform_url={s.platform_url!r}, org={s.ims_org!r}, sandbox={s.sandbox!r})"

    def __reduce__(self) -> NoReturn:
        raise TypeError("PlatformClient holds a client secret and a session; it must not be pickled")

    # ---- Flow Service objects -------------------------------------------------------------------------

    def get(self, kind: Kind, id_: str, *, name: str | None = None) -> Json | None:
        """The object (items[0] of the answer), or None when AEP answers 404 for it."""
        ctx = self._ctx(kind.noun, "read", name=name, id_=id_)
        try:
            body = self._json("GET", self._flow_url(f"{kind.path}/{id_}"), ctx)
        except errors.NotFound:
            self._ensure_platform_answers()
            return None
        try:
            return pagination.single_item(body)
        except ValueError as err:
            raise errors.unexpected_body(ctx, 200, f"a body with {err}") from None

    def list_all(self, kind: Kind, *, properties: Sequence[str] = ()) -> list[Json]:
        """Every object of `kind` matching all `properties` filters, following `_links.next`."""
        ctx = self._ctx(kind.noun, "list")
        params: list[tuple[str, str]] = [("limit", str(PAGE_LIMIT))]
        params.extend(("property", p) for p in properties)
        found: list[Json] = []
        seen: set[str] = set()
        token: str | None = None
        for _ in range(MAX_PAGES):
            page = params + ([(pagination.CONTINUATION_TOKEN, token)] if token else [])
            body = self._json("GET", self._flow_url(kind.path), ctx, params=page)
            try:
                found.extend(pagination.items(body))
            except ValueError as err:
                raise errors.unexpected_body(ctx, 200, f"a page with {err}") from None
            token = pagination.next_token(body)
            if token is None or token in seen:
                return found
            seen.add(token)
        return found

    def find_by_name(self, kind: Kind, name: str) -> list[Json]:
        """Objects named exactly `name` (names are not unique in Flow Service; the caller decides)."""
        candidates = self.list_all(kind, properties=[pagination.name_filter(name)])
        return [item for item in candidates if item.get("name") == name]

    def create(self, kind: Kind, body: Mapping[str, Any], *, name: str | None = None) -> Json:
        """POST → {"id", "etag"} (201)."""
        ctx = self._ctx(kind.noun, "create", name=name)
        answer = self._json("POST", self._flow_url(kind.path), ctx, json_body=body)
        if not isinstance(answer, dict) or not isinstance(answer.get("id"), str) or not answer["id"]:
            raise errors.unexpected_body(ctx, 201, "no id") from None
        return answer

    def patch(
        self,
        kind: Kind,
        id_: str,
        ops: Sequence[Mapping[str, Any]],
        *,
        etag: str | None,
        name: str | None = None,
    ) -> Json:
        """Apply JSON-Patch `ops` with If-Match; returns {"id", "etag"}.  No ops → no request.

        On an etag conflict (someone changed the object since `etag`), the object is re-read; if our
        ops are all in place already (a concurrent run, or our own first try whose answer was lost)
        nothing more is sent, otherwise the remaining ops are sent once more with the fresh etag.
        """
        ctx = self._ctx(kind.noun, "update", name=name, id_=id_)
        op_list = [dict(o) for o in ops]
        if not op_list:
            return {"id": id_, "etag": etag}
        if not etag:
            current = self._must_get(kind, id_, name)
            etag = etags.from_body(current)
        try:
            return self._patch_once(kind, id_, op_list, etag, ctx)
        except errors.EtagConflict:
            current = self._must_get(kind, id_, name)
            pending = patches.pending_ops(current, op_list)
            if not pending:
                return {"id": id_, "etag": etags.from_body(current)}
            return self._patch_once(kind, id_, pending, etags.from_body(current), ctx)

    def delete(self, kind: Kind, id_: str, *, name: str | None = None) -> bool:
        """True when deleted, False when AEP already had no such object (404)."""
        ctx = self._ctx(kind.noun, "delete", name=name, id_=id_)
        try:
            self._request("DELETE", self._flow_url(f"{kind.path}/{id_}"), ctx, idempotent=True)
        except errors.NotFound:
            self._ensure_platform_answers()
            return False
        return True

    def flow_action(self, flow_id: str, op: str, *, name: str | None = None) -> Json:
        """POST /flows/{id}/action?op=enable|disable → {"id", "etag"}."""
        if op not in kinds.FLOW_ACTIONS:
            raise ValueError(f"unknown flow action {op!r}")
        ctx = self._ctx(kinds.FLOW.noun, op, name=name, id_=flow_id)
        url = self._flow_url(f"{kinds.FLOW.path}/{flow_id}/action")
        # Enabling an enabled flow changes nothing, so a repeat is safe.
        answer = self._json("POST", url, ctx, params=[("op", op)], idempotent=True)
        return answer if isinstance(answer, dict) else {"id": flow_id}

    def wait_for_inlet_url(self, flow_id: str, *, timeout: float, name: str | None = None) -> Json:
        """GET the flow until `options.inletUrl` is present (bounded by `timeout` seconds)."""
        deadline = self._clock() + max(0.0, timeout)
        delay = INLET_POLL_FIRST
        while True:
            item = self._must_get(kinds.FLOW, flow_id, name)
            if bodies.inlet_url(item):
                return item
            remaining = deadline - self._clock()
            if remaining <= 0:
                ctx = self._ctx(kinds.FLOW.noun, "read", name=name, id_=flow_id)
                raise InletUrlTimeout(
                    f"AEP has not published the streaming inlet URL of {ctx.subject()} within {timeout:g} s: "
                    "the dataflow is still being provisioned; run `pulumi up` again later (the existing "
                    "dataflow is adopted) or allow a longer inlet_url_timeout.",
                    context=ctx,
                )
            self._sleep(min(delay, remaining))
            delay = min(delay * 2, INLET_POLL_MAX)

    def get_connection_spec(self, spec_id: str) -> Json | None:
        return self.get(kinds.CONNECTION_SPEC, spec_id)

    def get_flow_spec(self, spec_id: str) -> Json | None:
        return self.get(kinds.FLOW_SPEC, spec_id)

    # ---- Data Prep mapping sets --------------------------------------------------------------------

    def create_mapping_set(self, body: Mapping[str, Any]) -> Json:
        """POST /mappingSets → {"id" (32 hex), "version" (0), …} (answers 200, reference §1.4)."""
        ctx = self._ctx("mapping set", "create")
        answer = self._json("POST", self._prep_url("mappingSets"), ctx, json_body=body)
        if not isinstance(answer, dict) or not isinstance(answer.get("id"), str) or not answer["id"]:
            raise errors.unexpected_body(ctx, 200, "no id")
        return answer

    def get_mapping_set(self, mapping_id: str, version: int | None = None) -> Json | None:
        ctx = self._ctx("mapping set", "read", id_=mapping_id)
        params = [("version", str(int(version)))] if version is not None else None
        try:
            body = self._json("GET", self._prep_url(f"mappingSets/{mapping_id}"), ctx, params=params)
        except errors.NotFound:
            self._ensure_platform_answers()
            return None
        try:
            return pagination.single_item(body)
        except ValueError as err:
            raise errors.unexpected_body(ctx, 200, f"a body with {err}") from None

    # ---- Catalog datasets ---------------------------------------------------------------------------

    def get_dataset(self, dataset_id: str) -> Json | None:
        """The dataset (Catalog answers `{"<id>": {…}}`), or None when it does not exist."""
        ctx = self._ctx("dataset", "read", id_=dataset_id)
        url = f"{self.settings.platform_url}{ids.CATALOG_PATH}/dataSets/{dataset_id}"
        try:
            body = self._json("GET", url, ctx)
        except errors.NotFound:
            self._ensure_platform_answers()
            return None
        if isinstance(body, dict):
            entry = body.get(dataset_id)
            if entry is None and len(body) == 1:
                entry = next(iter(body.values()))
            if isinstance(entry, dict):
                return {"id": dataset_id, **entry}
        raise errors.unexpected_body(ctx, 200, "no dataset object")

    # ---- internals --------------------------------------------------------------------------------

    def _ctx(
        self, kind: str, operation: str, *, name: str | None = None, id_: str | None = None
    ) -> ErrorContext:
        return ErrorContext(
            kind, operation, name=name, id=id_, sandbox=self.settings.sandbox, org=self.settings.ims_org
        )

    def _flow_url(self, path: str) -> str:
        return f"{self.settings.platform_url}{ids.FLOW_SERVICE_PATH}/{path}"

    def _prep_url(self, path: str) -> str:
        return f"{self.settings.platform_url}{ids.DATA_PREP_PATH}/{path}"

    def _must_get(self, kind: Kind, id_: str, name: str | None) -> Json:
        item = self.get(kind, id_, name=name)
        if item is None:
            ctx = self._ctx(kind.noun, "read", name=name, id_=id_)
            raise errors.error_from_response(404, None, ctx)
        return item

    def _ensure_platform_answers(self) -> None:
        """Tell 'this object is gone' from 'platform_url/sandbox is wrong' before trusting a 404.

        Both come back as 404; taking a wrong URL for 'gone' would make `pulumi refresh` drop the
        whole pipeline from the state.  Listing one flow raises NotFound itself if the service is absent.
        """
        ctx = self._ctx(kinds.FLOW.noun, "list")
        self._json("GET", self._flow_url(kinds.FLOW.path), ctx, params=[("limit", "1")])

    def _patch_once(self, kind: Kind, id_: str, ops: list[Json], etag: str | None, ctx: ErrorContext) -> Json:
        if not etag:
            raise errors.unexpected_body(ctx, 200, "no etag on the object")
        answer = self._json(
            "PATCH",
            self._flow_url(f"{kind.path}/{id_}"),
            ctx,
            json_body=ops,
            if_match=etags.if_match(etag),
            # With If-Match a repeated PATCH cannot apply twice (it gets 412, handled by patch()).
            idempotent=True,
        )
        new_etag = etags.from_body(answer)
        return {"id": id_, "etag": new_etag}

    def _json(
        self,
        method: str,
        url: str,
        ctx: ErrorContext,
        *,
        params: Sequence[tuple[str, str]] | None = None,
        json_body: object = None,
        if_match: str | None = None,
        idempotent: bool | None = None,
    ) -> object:
        response = self._request(
            method, url, ctx, params=params, json_body=json_body, if_match=if_match, idempotent=idempotent
        )
        return _body(response)

    def _request(
        self,
        method: str,
        url: str,
        ctx: ErrorContext,
        *,
        params: Sequence[tuple[str, str]] | None = None,
        json_body: object = None,
        if_match: str | None = None,
        idempotent: bool | None = None,
    ) -> requests.Response:
        session = self._session or shared_session()
        safe = method.upper() in ("GET", "HEAD", "DELETE", "PUT") if idempotent is None else idempotent
        token = ""  # of the latest try

        def headers() -> dict[str, str]:
            nonlocal token
            token = ims.access_token(self._token_key, self._secret, session=session, sleep=self._sleep)
            self._tokens_used.add(token)
            return self._headers(token, json_body is not None, if_match)

        def reauthenticate() -> None:
            # The token may have been revoked or expired early: one new token, one more try.
            ims.invalidate(self._token_key, token)

        return send(
            method,
            url,
            session=session,
            params=list(params) if params else None,
            json_body=json_body,
            idempotent=safe,
            headers=headers,
            policy=self._policy,
            sleep=self._sleep,
            reauthenticate=reauthenticate,
            # AEP documents no Retry-After on 429 (reference §2.7): back off exponentially instead.
            backoff_without_retry_after=True,
            unreachable=lambda reason: errors.connection_failed(ctx, self.settings.platform_url, reason),
            refused=lambda response, retry_after: errors.error_from_response(
                response.status_code, _body(response), ctx, secrets=self._secrets(), retry_after=retry_after
            ),
        )

    def _headers(self, token: str, has_body: bool, if_match: str | None) -> dict[str, str]:
        s = self.settings
        headers = {
            "Authorization": f"Bearer {token}",
            "x-api-key": s.client_id,
            "x-gw-ims-org-id": s.ims_org,
            "x-sandbox-name": s.sandbox,
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }
        if has_body:
            headers["Content-Type"] = "application/json"
        if if_match is not None:
            headers["If-Match"] = if_match
        return headers

    def _secrets(self) -> tuple[str, ...]:
        return (self._secret, *self._extra_secrets, *self._tokens_used)


def _body(response: requests.Response) -> object:
    """Parsed JSON, the text when the body is not JSON (proxies, HTML error pages), None when empty (204)."""
    return json_or_text(response) if response.content else None
