"""Exceptions that handlers raise and the app turns into JSON responses."""

from __future__ import annotations

from typing import Any

NOT_FOUND_BODY: dict[str, Any] = {"errors": "Not Found"}
UNAUTHORIZED_BODY: dict[str, Any] = {
    "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
}


class ApiError(Exception):
    """An Admin API error response with Shopify's exact status and body."""

    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body
        self.headers = headers or {}


class ControlError(Exception):
    """A control-surface error: ``{"error": message}`` with an HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def not_found() -> ApiError:
    return ApiError(404, NOT_FOUND_BODY)
