"""AEP error responses, one builder per documented shape (reference §2.6, §3, §4).

Every builder returns an :class:`AepError` that the AEP app turns into a JSON response. Shapes:

* Flow Service: ``{type: .../FLOW-<code>-<status>, title, status, report{detailed-message, ...},
  errorMessage, errorDetails}``;
* API gateway (Adobe I/O): ``{error_code, message}``;
* IMS token endpoint: ``{error, error_description}`` (OAuth 2.0);
* Catalog, Data Prep, Schema Registry: ``{type, status, title, detail}`` (UNCONFIRMED per service: the
  reference records this shape for a content-type error; we use it for all their errors);
* Streaming inlet (DCS): ``{type: .../data-collection-service-<kind>, status: "<status>", title,
  report{message}}`` (status as a string, as in the documented 401 body).
"""

from __future__ import annotations

import uuid
from typing import Any

FLOW_ERROR_TYPE = "https://ns.adobe.com/aep/errors/FLOW-{code}-{status}"
DCS_ERROR_TYPE = "https://ns.adobe.com/adobecloud/problem/data-collection-service-{kind}"

# Flow Service has no documented code for "a field of the request body is invalid"; we answer
# FLOW-1100-400 ("Invalid request") with a message naming the field. UNCONFIRMED.
INVALID_REQUEST_CODE = "1100"


class AepError(Exception):
    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body
        self.headers = headers or {}


def flow_error(code: str, status: int, title: str, message: str, **report: Any) -> AepError:
    body = {
        "type": FLOW_ERROR_TYPE.format(code=code, status=status),
        "title": title,
        "status": status,
        "report": {"detailed-message": message, **report, "request-id": str(uuid.uuid4())},
        "errorMessage": message,
        "errorDetails": message,
    }
    return AepError(status, body)


def invalid_request(message: str) -> AepError:
    return flow_error(INVALID_REQUEST_CODE, 400, "Invalid request", message)


def resource_not_found(kind: str, entity_id: str) -> AepError:
    message = (
        f"The requested {kind} resource {entity_id} is not found. Verify the resource ID before trying again."
    )
    return flow_error("1439", 404, "Resource not found", message, id=entity_id, type=kind)


def gateway_error(status: int, error_code: str, message: str) -> AepError:
    return AepError(status, {"error_code": error_code, "message": message})


def ims_error(status: int, error: str, description: str) -> AepError:
    return AepError(status, {"error": error, "error_description": description})


def problem(status: int, title: str, detail: str) -> AepError:
    return AepError(
        status, {"type": "/placeholder/type/uri", "status": status, "title": title, "detail": detail}
    )


def content_type_error() -> AepError:
    return problem(400, "BadRequestError", "A valid content-type must be specified")


def dcs_error(
    status: int, kind: str, title: str, message: str, headers: dict[str, str] | None = None
) -> AepError:
    body = {
        "type": DCS_ERROR_TYPE.format(kind=kind),
        "status": str(status),
        "title": title,
        "report": {"message": message},
    }
    return AepError(status, body, headers)
