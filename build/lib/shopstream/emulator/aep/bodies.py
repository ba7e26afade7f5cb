"""Reading request bodies of the Platform APIs."""

from __future__ import annotations

import json
from typing import Any

from flask import request

from shopstream.emulator.aep.errors import AepError, content_type_error, flow_error, problem


def _empty(flow_style: bool) -> AepError:
    if flow_style:
        return flow_error(
            "1405",
            400,
            "Invalid request",
            "The request body cannot be null or empty. Please provide a request body and try again.",
        )
    return problem(400, "BadRequestError", "The request body cannot be empty")


def json_body(*, flow_style: bool) -> Any:
    """The decoded JSON body of a POST/PUT/PATCH. Content-Type must be JSON (``application/json`` or
    ``application/json-patch+json``); an empty body -> FLOW-1405-400 (Flow Service) or a 400 problem."""
    if "json" not in (request.mimetype or ""):
        raise content_type_error()
    raw = request.get_data(cache=True)
    if not raw.strip():
        raise _empty(flow_style)
    try:
        return json.loads(raw)
    except ValueError:
        if flow_style:
            raise flow_error("1100", 400, "Invalid request", "The request body is not valid JSON.") from None
        raise problem(400, "BadRequestError", "The request body is not valid JSON") from None


def json_object(*, flow_style: bool) -> dict[str, Any]:
    body = json_body(flow_style=flow_style)
    if not isinstance(body, dict):
        if flow_style:
            raise flow_error("1100", 400, "Invalid request", "The request body must be a JSON object.")
        raise problem(400, "BadRequestError", "The request body must be a JSON object")
    if not body:
        raise _empty(flow_style)
    return body
