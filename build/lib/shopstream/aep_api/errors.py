"""AEP / Adobe IMS error responses mapped to typed exceptions with one-sentence messages.

Sans-I/O: the caller hands in the HTTP status, the parsed body (or raw text) and what it was doing;
this module recognises the documented body shapes (aep-platform-api.md §2.6, §3, §4) and words one
sentence that names the object (kind, name, id), what went wrong and what to do next.

Shapes understood:
* Flow Service problem: {type: ".../FLOW-1439-404", title, status, report{detailed-message,…},
  errorMessage, errorDetails} (also the DCS problem with report.message);
* gateway: {error_code: "403010", message};
* legacy etag: {errorMessage: "Supplied version=[…] does not match the current version on entity=[…]"};
* RFC 7807-ish: {type, status, title, detail};
* IMS token endpoint (OAuth): {error: "invalid_client", error_description};
* anything else: a short non-HTML text, or nothing.

Messages never contain secrets: texts quoted from Adobe are scrubbed of the values the caller passes
(client secret, HMAC secret, access token) and of anything shaped like a JWT or bearer token.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from shopstream.aep_api.ids import CLIENT_SECRET_CONFIG_KEY

SECRET_COMMAND = f"pulumi config set --secret {CLIENT_SECRET_CONFIG_KEY} <client secret>"
STATUS_PAGE = "https://status.adobe.com"

_MAX_DETAIL = 240
_REDACTED = "[redacted]"
# IMS access tokens are JWTs ("eyJ…"); a bearer header may be echoed back by a proxy.
_TOKEN_SHAPES = re.compile(r"eyJ[A-Za-z0-9_-]{6,}(?:\.[A-Za-z0-9_-]*){0,2}|(?i:bearer)\s+[A-Za-z0-9._~+/=-]+")
_FLOW_CODE = re.compile(r"\b([A-Z]+)-(\d+)-(\d{3})\b")
_SENTENCE_BREAK = re.compile(r"(?<=[a-z0-9)\]'\"])\.\s+([A-Z])(?=[a-z ])")
_LEGACY_ETAG = re.compile(r"does not match the current version", re.IGNORECASE)

# Gateway (Adobe I/O) codes from the troubleshooting guide: all about credentials or headers.
GATEWAY_AUTH_CODES = {
    "401013": "the access token is invalid",
    "403010": "the access token is missing",
    "403000": "the API key (client id) is missing",
    "403003": "the API key (client id) is invalid",
    "400003": "a required header (the IMS org) is missing",
    "403025": "the credential's profile is not valid for this org",
    "403027": "the user region is missing",
}

_OPERATIONS: dict[str, str] = {
    "create": "creating",
    "read": "reading",
    "update": "updating",
    "delete": "deleting",
    "list": "listing",
    "find": "looking up",
    "enable": "enabling",
    "disable": "disabling",
    "validate": "checking",
}


@dataclass(frozen=True)
class ErrorContext:
    """What the caller was doing; used only to word the message."""

    kind: str  # noun phrase: "dataflow", "base connection", "mapping set", "dataset", "access token" …
    operation: str  # a key of _OPERATIONS, or a free verb phrase ("creating …")
    name: str | None = None
    id: str | None = None
    sandbox: str | None = None
    org: str | None = None
    fix: str | None = None  # replaces the default "what to do" advice when the caller knows better

    def subject(self) -> str:
        """'the dataflow "shop-flow" (id 1a2b)' or 'the dataflow 1a2b' or 'a dataflow'."""
        parts = [f"the {self.kind}"] if (self.name or self.id) else [f"a {self.kind}"]
        if self.name:
            parts.append(f'"{self.name}"')
        if self.id:
            parts.append(f"(id {self.id})" if self.name else self.id)
        return " ".join(parts)

    def doing(self) -> str:
        verb = _OPERATIONS.get(self.operation)
        if verb is None:
            return self.operation
        if self.operation == "list":
            return f"listing {self.kind}s"
        return f"{verb} {self.subject()}"

    def where(self) -> str:
        return f" in sandbox {self.sandbox}" if self.sandbox else ""


@dataclass(frozen=True)
class ErrorInfo:
    """What an error body says, whatever its shape."""

    shape: str  # "flow-service" | "gateway" | "legacy-etag" | "problem" | "ims" | "text" | "empty"
    code: str | None = None  # "FLOW-1439-404", "403010", "invalid_client"
    message: str = ""

    @property
    def flow_code(self) -> int | None:
        """1439 for "FLOW-1439-404" (any service prefix), else None."""
        if self.code is None:
            return None
        match = _FLOW_CODE.fullmatch(self.code)
        return int(match.group(2)) if match else None

    def quoted(self) -> str:
        """'FLOW-1418-400: Connection is used by flows' / '403010: Oauth token is missing.' / ''."""
        message = _no_final_period(self.message)
        if self.code and message:
            return f"{self.code}: {message}"
        return self.code or message


class AepError(Exception):
    """Base class: str() is one sentence naming the object and what to do."""

    retryable = False

    def __init__(
        self, message: str, *, context: ErrorContext, status: int | None = None, info: ErrorInfo | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.context = context
        self.status = status
        self.info = info or ErrorInfo("empty")

    def __str__(self) -> str:
        return self.message


class AuthError(AepError):
    """Credentials, permissions, org or sandbox (401/403, gateway codes, IMS errors, FLOW-20xx/21xx)."""


class NotFound(AepError):
    """404 for the object itself."""


class EtagConflict(AepError):
    """412 / FLOW-1404-412 / legacy 'does not match the current version': someone changed it meanwhile."""


class ValidationError(AepError):
    """400/409/422 that is not one of the more specific cases."""


class DeletionOrderError(AepError):
    """FLOW-1418 / FLOW-1447: still used by dataflows, delete those first."""


class StateError(AepError):
    """FLOW-1416 / 1456-1458: the object's state (e.g. delete-finalizing) does not allow it right now."""

    retryable = True


class RateLimited(AepError):
    retryable = True

    def __init__(
        self,
        message: str,
        *,
        context: ErrorContext,
        status: int | None = None,
        info: ErrorInfo | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, context=context, status=status, info=info)
        self.retry_after = retry_after


class ServerError(AepError):
    """5xx."""

    retryable = True


class ConnectionFailed(AepError):
    """No HTTP answer at all (refused, DNS, TLS, timeout)."""

    retryable = True


class UnexpectedResponse(AepError):
    """A status or body this module does not know (e.g. HTML from a proxy, a 2xx without an id)."""


# ---- body parsing -------------------------------------------------------------------------------------


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with the given secret values and anything token-shaped replaced by '[redacted]'."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, _REDACTED)
    return _TOKEN_SHAPES.sub(_REDACTED, text)


def _text(value: object) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return ""


def _clip(text: str) -> str:
    text = " ".join(text.split())
    # Adobe's texts often hold two sentences; join them so the whole message stays one sentence.
    text = _SENTENCE_BREAK.sub(lambda m: "; " + m.group(1).lower(), text)
    return text if len(text) <= _MAX_DETAIL else text[: _MAX_DETAIL - 1] + "…"


def _no_final_period(text: str) -> str:
    return text.rstrip().rstrip(".").rstrip()


def _join(*texts: str) -> str:
    """Distinct non-empty texts joined with '; ' (errorMessage and errorDetails often repeat)."""
    out: list[str] = []
    for text in texts:
        text = _no_final_period(text)
        if text and not any(text in seen or seen in text for seen in out):
            out.append(text)
    return "; ".join(out)


def parse_error_body(body: object) -> ErrorInfo:
    """Recognise one of the documented error shapes (module docstring); never raises."""
    if isinstance(body, (str, bytes)):
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        text = text.strip()
        # An HTML page from a proxy or load balancer says nothing useful in one sentence.
        if not text or text.startswith("<"):
            return ErrorInfo("empty")
        if _LEGACY_ETAG.search(text):
            return ErrorInfo("legacy-etag", None, text)
        return ErrorInfo("text", None, text)
    if not isinstance(body, Mapping):
        return ErrorInfo("empty")
    if "error_code" in body:
        return ErrorInfo("gateway", _text(body.get("error_code")) or None, _text(body.get("message")))
    if isinstance(body.get("error"), str):
        return ErrorInfo("ims", _text(body["error"]) or None, _text(body.get("error_description")))
    report = body.get("report")
    report = report if isinstance(report, Mapping) else {}
    type_ = _text(body.get("type"))
    if type_ or "title" in body or report:
        code_match = _FLOW_CODE.search(type_.rsplit("/", 1)[-1]) if type_ else None
        code = code_match.group(0) if code_match else None
        message = _join(
            _text(body.get("errorMessage")),
            _text(report.get("detailed-message")),
            _text(report.get("message")),
            _text(body.get("detail")),
            _text(body.get("errorDetails")),
        ) or _text(body.get("title"))
        is_flow = bool(code) or "errorMessage" in body or bool(report)
        return ErrorInfo("flow-service" if is_flow else "problem", code, message)
    if "errorMessage" in body:
        message = _text(body.get("errorMessage"))
        shape = "legacy-etag" if _LEGACY_ETAG.search(message) else "text"
        return ErrorInfo(shape, _text(body.get("errorCode")) or None, message)
    if "message" in body:
        return ErrorInfo("text", _text(body.get("code")) or None, _text(body.get("message")))
    return ErrorInfo("empty")


# ---- classification -----------------------------------------------------------------------------------


def error_from_response(
    status: int,
    body: object,
    context: ErrorContext,
    *,
    secrets: Iterable[str] = (),
    retry_after: float | None = None,
) -> AepError:
    """Map one non-2xx answer from AEP or IMS to an `AepError` subclass with a clear message."""
    raw = parse_error_body(body)
    info = ErrorInfo(raw.shape, raw.code, _clip(redact(raw.message, tuple(secrets))))
    flow = info.flow_code
    said = f" ({info.quoted()})" if info.quoted() else f" (HTTP {status})"
    subject, doing = context.subject(), context.doing()

    def make(cls: type[AepError], text: str) -> AepError:
        return cls(text, context=context, status=status, info=info)

    if info.shape == "ims" or context.kind == "access token":
        return make(AuthError, _ims_sentence(status, info, context, said))
    if info.shape == "gateway" and info.code in GATEWAY_AUTH_CODES:
        reason = GATEWAY_AUTH_CODES[info.code]
        return make(AuthError, f"AEP refused {doing}{said}: {reason}; {_auth_fix(context)}.")
    if flow in (2100, 2101, 2103):
        return make(
            AuthError,
            f"AEP does not know the sandbox{_named(context.sandbox)} while {doing}{said}: fix the sandbox "
            "name in the stack file (all lowercase, such as prod) or give the credential access to it.",
        )
    if flow in (2118, 2120, 2121) or (status == 403 and flow is None and info.shape != "gateway"):
        return make(
            AuthError,
            f"AEP denied {doing}{said}: the OAuth Server-to-Server credential lacks a permission; add its "
            "technical account to a product profile with the Sources manage and view permissions "
            "(and Datasets view) in the Admin Console.",
        )
    not_entitled = flow == 1100 and "entitle" in info.message.lower()  # else 1100 is "invalid request"
    if status in (401, 403) or flow in (2000, 2001, 2002, 2105) or not_entitled:
        what = {
            2000: "the token has no access to this IMS org",
            2001: "the x-gw-ims-org-id header is missing",
            2002: "the x-gw-ims-org-id header is missing",
            2105: "the x-sandbox-name header is missing",
            1100: "the org is not entitled to this source",
        }.get(flow or 0, "the credentials were rejected")
        return make(AuthError, f"AEP refused {doing}{said}: {what}; {_auth_fix(context)}.")
    if status == 412 or flow == 1404 or info.shape == "legacy-etag":
        return make(
            EtagConflict,
            f"AEP refused {doing} because it was changed by someone else meanwhile (etag conflict"
            f"{': ' + info.quoted() if info.quoted() else ''}): "
            + (context.fix or "run `pulumi refresh` and then `pulumi up` again."),
        )
    if flow in (1418, 1447):
        return make(
            DeletionOrderError,
            f"AEP refused {doing} because dataflows still use it{said}: delete those dataflows first "
            "(Pulumi does this itself for dataflows that depend on it in this stack; delete any other "
            "dataflow that uses it in the AEP UI), then run the command again.",
        )
    if flow in (1416, 1456, 1457, 1458):
        return make(
            StateError,
            f"AEP refused {doing} because of its current state{said}: wait for AEP to finish the pending "
            "operation (such as a deletion still finalizing) and run the command again.",
        )
    if status == 404 or flow in (1101, 1439):
        return make(NotFound, _not_found_sentence(context, said))
    if status == 429:
        wait = f", Retry-After {retry_after:g} s" if retry_after is not None else ""
        return RateLimited(
            f"AEP kept throttling requests (HTTP 429{wait}) while {doing}: wait a minute and run the "
            "command again (a lower `--parallel` helps).",
            context=context,
            status=status,
            info=info,
            retry_after=retry_after,
        )
    if status >= 500:
        return make(
            ServerError,
            f"AEP failed with HTTP {status} while {doing}"
            f"{' (' + info.quoted() + ')' if info.quoted() else ''}: this is a problem on Adobe's side; "
            f"run the command again later ({STATUS_PAGE} shows incidents).",
        )
    if 400 <= status < 500:
        fix = context.fix or _validation_fix(flow, subject)
        return make(ValidationError, f"AEP rejected {doing}{said}: {fix}")
    return make(
        UnexpectedResponse,
        f"AEP answered with unexpected HTTP {status} while {doing}{said}: check that platform_url in "
        "the stack file points at the AEP Platform API.",
    )


def _named(value: str | None) -> str:
    return f" {value}" if value else ""


def _auth_fix(context: ErrorContext) -> str:
    if context.fix:
        return _no_final_period(context.fix)
    org = f" ({context.org})" if context.org else ""
    return (
        f"check client_id, ims_org{org}, sandbox and scopes in the stack file and the client secret "
        f"(`{SECRET_COMMAND}`)"
    )


def _ims_sentence(status: int, info: ErrorInfo, context: ErrorContext, said: str) -> str:
    code = (info.code or "").lower()
    if code == "invalid_scope":
        fix = "use the scopes shown on the Developer Console project's OAuth Server-to-Server credential"
    elif code in ("invalid_client", "unauthorized_client") or status in (400, 401, 403):
        fix = (
            "check client_id and ims_url in the stack file and store the credential's client secret with "
            f"`{SECRET_COMMAND}`"
        )
    elif status >= 500 or status == 429:
        fix = f"Adobe IMS is having trouble; run the command again later ({STATUS_PAGE})"
    else:
        fix = "check ims_url in the stack file (it should be https://ims-na1.adobelogin.com)"
    who = f" for client id {context.name}" if context.name else ""
    return f"Adobe IMS refused to issue an access token{who}{said}: {context.fix or fix}."


def _not_found_sentence(context: ErrorContext, said: str) -> str:
    if context.fix:
        return f"AEP has no {context.subject().removeprefix('the ')}{context.where()}{said}: {context.fix}"
    if context.id:
        return (
            f"AEP has no {context.subject().removeprefix('the ')}{context.where()}: it was deleted outside "
            "Pulumi; run `pulumi refresh` to forget it and then `pulumi up` to create it again."
        )
    return (
        f"AEP answered 404 Not Found while {context.doing()}{said}: check platform_url and sandbox in the "
        "stack file."
    )


def _validation_fix(flow: int | None, subject: str) -> str:
    if flow == 1425:
        return (
            "the mapping's schema must be the target dataset's schema; make schema_id and schema_version "
            "in the stack file match the dataset."
        )
    if flow == 1403:
        return "the If-Match header was missing; this is a bug in the provider, please report it."
    if flow in (1414, 1455, 1445):
        return f"{subject} cannot be changed this way; replace it (change its name and run `pulumi up`)."
    return "fix the values in the stack file."


def connection_failed(context: ErrorContext, base_url: str, reason: str) -> ConnectionFailed:
    """No HTTP answer: name the host and the likely stack-file setting."""
    ims = context.kind == "access token"
    setting, service = ("ims_url", "Adobe IMS") if ims else ("platform_url", "AEP")
    return ConnectionFailed(
        f"Could not reach {service} at {base_url} while {context.doing()} ({reason}): check {setting} in the "
        "stack file and the network, then run the command again.",
        context=context,
    )


def unexpected_body(context: ErrorContext, status: int, what: str) -> UnexpectedResponse:
    """A success status whose body is not what the API documents (e.g. no id after a create)."""
    return UnexpectedResponse(
        f"AEP answered HTTP {status} with {what} while {context.doing()}: check that the URLs in the "
        "stack file point at the AEP APIs.",
        context=context,
        status=status,
    )
