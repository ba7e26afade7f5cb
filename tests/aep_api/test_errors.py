"""Every documented AEP/IMS error shape becomes one typed error with one clear sentence."""

from __future__ import annotations

import pytest

from shopstream.aep_api import errors
from shopstream.aep_api.errors import ErrorContext, error_from_response, parse_error_body

FLOW_CTX = ErrorContext(
    "dataflow", "update", name="shop-orders", id="f-123", sandbox="prod", org="ORG@AdobeOrg"
)
SECRET = "p8e-client-secret-value"


def flow_body(code: str, status: int, message: str) -> dict[str, object]:
    return {
        "type": f"https://ns.adobe.com/aep/errors/FLOW-{code}-{status}",
        "title": "Invalid request",
        "status": status,
        "report": {"detailed-message": message, "request-id": "r-1"},
        "errorMessage": message,
        "errorDetails": message,
    }


def assert_one_sentence(text: str) -> None:
    assert "\n" not in text
    assert text.endswith(".")
    assert ". " not in text.rstrip("."), text  # no second sentence


# ---- parsing -----------------------------------------------------------------------------------------


def test_parse_flow_service_shape() -> None:
    info = parse_error_body(flow_body("1439", 404, "The requested flows resource x is not found."))
    assert info.shape == "flow-service"
    assert info.code == "FLOW-1439-404" and info.flow_code == 1439
    assert info.message == "The requested flows resource x is not found"  # errorDetails repeat dropped


def test_parse_gateway_shape() -> None:
    info = parse_error_body({"error_code": "403010", "message": "Oauth token is missing."})
    assert (info.shape, info.code, info.message) == ("gateway", "403010", "Oauth token is missing.")


def test_parse_legacy_etag_shape() -> None:
    info = parse_error_body(
        {"errorMessage": "Supplied version=[x] does not match the current version on entity=[y]"}
    )
    assert info.shape == "legacy-etag"


def test_parse_problem_shape() -> None:
    info = parse_error_body(
        {
            "type": "/placeholder/type/uri",
            "status": 400,
            "title": "BadRequestError",
            "detail": "A valid content-type must be specified",
        }
    )
    assert info.shape == "problem" and info.code is None
    assert info.message == "A valid content-type must be specified"


def test_parse_ims_shape() -> None:
    info = parse_error_body(
        {"error": "invalid_client", "error_description": "invalid client_secret parameter"}
    )
    assert (info.shape, info.code, info.message) == (
        "ims",
        "invalid_client",
        "invalid client_secret parameter",
    )


def test_parse_dcs_problem_uses_report_message() -> None:
    body = {
        "type": "https://ns.adobe.com/adobecloud/problem/data-collection-service-authorization",
        "status": "401",
        "title": "Authorization",
        "report": {"message": "[id] Ims service token is empty"},
    }
    info = parse_error_body(body)
    assert info.shape == "flow-service" and info.message == "[id] Ims service token is empty"


@pytest.mark.parametrize("body", ["<html><body>Bad gateway</body></html>", "", None, [1, 2], {"x": 1}])
def test_parse_unhelpful_bodies_are_empty(body: object) -> None:
    assert parse_error_body(body).shape == "empty"


# ---- classification + sentences ------------------------------------------------------------------------


def test_not_found_names_the_object_and_says_refresh() -> None:
    err = error_from_response(404, flow_body("1439", 404, "not found"), FLOW_CTX)
    assert isinstance(err, errors.NotFound)
    text = str(err)
    assert 'dataflow "shop-orders" (id f-123)' in text and "sandbox prod" in text
    assert "pulumi refresh" in text
    assert_one_sentence(text)


def test_not_found_without_an_id_points_at_the_urls() -> None:
    ctx = ErrorContext("dataflow", "list", sandbox="prod")
    err = error_from_response(404, "<html>nope</html>", ctx)
    assert isinstance(err, errors.NotFound)
    assert "platform_url" in str(err) and "HTTP 404" in str(err)
    assert_one_sentence(str(err))


def test_gateway_auth_error_says_which_header_and_how_to_fix() -> None:
    err = error_from_response(401, {"error_code": "403010", "message": "Oauth token is missing."}, FLOW_CTX)
    assert isinstance(err, errors.AuthError)
    text = str(err)
    assert "403010: Oauth token is missing" in text
    assert "the access token is missing" in text
    assert "pulumi config set --secret aepClientSecret" in text and "ORG@AdobeOrg" in text
    assert_one_sentence(text)


def test_api_key_invalid_is_auth() -> None:
    err = error_from_response(403, {"error_code": "403003", "message": "Api Key is invalid"}, FLOW_CTX)
    assert isinstance(err, errors.AuthError) and "client id" in str(err)


def test_ims_invalid_client_names_the_client_and_the_secret_command() -> None:
    ctx = ErrorContext("access token", "requesting an access token", name="my-client-id")
    body = {"error": "invalid_client", "error_description": "invalid client_secret parameter"}
    err = error_from_response(401, body, ctx, secrets=(SECRET,))
    assert isinstance(err, errors.AuthError)
    text = str(err)
    assert text.startswith("Adobe IMS refused to issue an access token for client id my-client-id")
    assert "invalid_client: invalid client_secret parameter" in text
    assert "pulumi config set --secret aepClientSecret <client secret>" in text
    assert_one_sentence(text)


def test_etag_conflict_412_and_legacy_shape() -> None:
    first = error_from_response(
        412, flow_body("1404", 412, "The supplied version x does not match"), FLOW_CTX
    )
    legacy = error_from_response(
        400,
        {"errorMessage": "Supplied version=[a] does not match the current version on entity=[b]"},
        FLOW_CTX,
    )
    for err in (first, legacy):
        assert isinstance(err, errors.EtagConflict)
        assert "changed by someone else" in str(err) and "pulumi refresh" in str(err)
        assert_one_sentence(str(err))


def test_deletion_order_errors() -> None:
    ctx = ErrorContext("base connection", "delete", name="shop (base connection)", id="c-1")
    for code in ("1418", "1447"):
        err = error_from_response(400, flow_body(code, 400, "used by flows"), ctx)
        assert isinstance(err, errors.DeletionOrderError)
        text = str(err)
        assert 'deleting the base connection "shop (base connection)" (id c-1)' in text
        assert "delete those dataflows first" in text
        assert_one_sentence(text)


def test_sandbox_not_found_is_a_settings_problem_not_a_missing_object() -> None:
    body = flow_body(
        "2100", 404, "The sandbox with the name 'qa' could not be found. Please ensure it exists."
    )
    err = error_from_response(404, body, ErrorContext("dataflow", "read", id="f-1", sandbox="qa"))
    assert isinstance(err, errors.AuthError) and not isinstance(err, errors.NotFound)
    assert "sandbox qa" in str(err) and "lowercase" in str(err)
    assert_one_sentence(str(err))


def test_missing_permission() -> None:
    err = error_from_response(403, flow_body("2118", 403, "missing permission"), FLOW_CTX)
    assert isinstance(err, errors.AuthError) and "product profile" in str(err)


def test_org_mismatch() -> None:
    err = error_from_response(401, flow_body("2000", 401, "no access to org"), FLOW_CTX)
    assert isinstance(err, errors.AuthError) and "no access to this IMS org" in str(err)


def test_state_error() -> None:
    err = error_from_response(400, flow_body("1457", 400, "delete-finalizing"), FLOW_CTX)
    assert isinstance(err, errors.StateError) and "wait" in str(err)


def test_validation_error_quotes_adobe_and_schema_hint() -> None:
    err = error_from_response(400, flow_body("1425", 400, "Schema mismatch. Use the same schema."), FLOW_CTX)
    assert isinstance(err, errors.ValidationError)
    text = str(err)
    assert "FLOW-1425-400: Schema mismatch; use the same schema" in text
    assert "schema_id" in text
    assert_one_sentence(text)


def test_problem_shape_is_validation() -> None:
    body = {"type": "/x", "status": 400, "title": "BadRequestError", "detail": "mappings[0]: bad source"}
    err = error_from_response(400, body, ErrorContext("mapping set", "create"))
    assert isinstance(err, errors.ValidationError)
    assert "creating a mapping set (mappings[0]: bad source)" in str(err)


def test_server_error_and_rate_limit() -> None:
    server = error_from_response(503, "<html/>", FLOW_CTX)
    assert isinstance(server, errors.ServerError) and server.retryable
    assert "HTTP 503" in str(server) and "status.adobe.com" in str(server)
    limited = error_from_response(429, None, FLOW_CTX, retry_after=2.5)
    assert isinstance(limited, errors.RateLimited) and limited.retry_after == 2.5
    assert "Retry-After 2.5 s" in str(limited)


def test_unknown_status_is_unexpected() -> None:
    err = error_from_response(302, None, FLOW_CTX)
    assert isinstance(err, errors.UnexpectedResponse) and "HTTP 302" in str(err)


def test_secrets_and_tokens_are_redacted() -> None:
    jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
    body = flow_body("1100", 400, f"bad auth params {SECRET} with token {jwt} and Bearer abc.def")
    err = error_from_response(400, body, FLOW_CTX, secrets=(SECRET,))
    text = str(err)
    assert SECRET not in text and jwt not in text and "abc.def" not in text
    assert "[redacted]" in text


def test_long_messages_are_clipped() -> None:
    err = error_from_response(400, flow_body("1100", 400, "x" * 1000), FLOW_CTX)
    assert len(str(err)) < 500


def test_connection_failed_names_the_setting() -> None:
    ims_ctx = ErrorContext("access token", "requesting an access token")
    err = errors.connection_failed(ims_ctx, "http://127.0.0.1:1", "connection refused")
    assert str(err).startswith(
        "Could not reach Adobe IMS at http://127.0.0.1:1 while requesting an access token "
        "(connection refused)"
    )
    assert "ims_url" in str(err)
    err = errors.connection_failed(FLOW_CTX, "http://127.0.0.1:1", "connection refused")
    assert "platform_url" in str(err)
    assert_one_sentence(str(err))


def test_flow_1100_is_invalid_request_unless_about_entitlement() -> None:
    invalid = error_from_response(400, flow_body("1100", 400, "'name' must be a non-empty string."), FLOW_CTX)
    assert isinstance(invalid, errors.ValidationError) and "fix the values in the stack file" in str(invalid)
    entitled = error_from_response(
        400, flow_body("1100", 400, "The org is not entitled to use this."), FLOW_CTX
    )
    assert isinstance(entitled, errors.AuthError) and "not entitled" in str(entitled)
