"""JSON in and out of the emulator's two Flask apps (Shopify and AEP).

Key order, API and control error responses, control-surface request bodies.
"""

from __future__ import annotations

from typing import Any, Protocol

from flask import Flask, Response, jsonify, request
from flask.json.provider import DefaultJSONProvider

from shopstream.emulator.errors import ControlError


class OrderedJSON(DefaultJSONProvider):
    # Keep keys in insertion order, as the real APIs render them (id first; topic errors before address).
    sort_keys = False


def use_ordered_json(app: Flask) -> None:
    app.json_provider_class = OrderedJSON
    app.json = OrderedJSON(app)


class ErrorAnswer(Protocol):
    """An API error exception (shopstream.emulator.errors.ApiError,
    shopstream.emulator.aep.errors.AepError)."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str]


def error_response(error: ErrorAnswer) -> Response:
    """The API's own error answer: its status, JSON body and headers."""
    response = jsonify(error.body)
    response.status_code = error.status
    response.headers.update(error.headers)
    return response


def control_error_response(error: ControlError) -> Response:
    response = jsonify({"error": error.message})
    response.status_code = error.status
    return response


def control_body() -> dict[str, Any]:
    """A control request's JSON object ({} for an empty body); anything else is a 400."""
    if not request.get_data():
        return {}
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict):
        raise ControlError(400, "the request body must be a JSON object")
    return body
