"""Flask application factory: wires the store, the Admin API and the control surface together."""

from __future__ import annotations

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from shopstream.emulator import admin_api, control, deliveries, faults, graphql_api, graphql_cost, oauth
from shopstream.emulator.aep import app as aep_app
from shopstream.emulator.context import EXTENSION_KEY, Emulator
from shopstream.emulator.delivery_model import DeliverySettings
from shopstream.emulator.errors import NOT_FOUND_BODY, ApiError, ControlError
from shopstream.emulator.fault_model import FaultConfig
from shopstream.emulator.jsonio import control_error_response, error_response, use_ordered_json
from shopstream.emulator.request_log import RequestLog
from shopstream.emulator.routing import ShopRouting
from shopstream.emulator.state import CostLimit, RateLimit, Store
from shopstream.emulator.throttle import Throttle


def create_app(
    store: Store,
    default_rate_limit: RateLimit,
    delivery_settings: DeliverySettings | None = None,
    fault_config: FaultConfig | None = None,
    cost_limit: CostLimit | None = None,
    token_lifetime: float | None = None,
) -> Flask:
    app = Flask("emulator")
    use_ordered_json(app)
    emulator = Emulator(
        store=store, throttle=Throttle(default_rate_limit, store.clock), requests=RequestLog()
    )
    app.extensions[EXTENSION_KEY] = emulator
    # Webhook delivery worker (emulator.deliveries); its threads start with the first event.
    deliveries.install(app, store, delivery_settings)
    app.register_blueprint(admin_api.bp)
    # The GraphQL Admin API and its points buckets (emulator.graphql_api).
    graphql_api.install(app, store, cost_limit or graphql_cost.default_cost_limit())
    app.register_blueprint(control.bp)
    # The OAuth grants (authorize, access_token incl. client credentials) and their control switches.
    oauth.install(app, store, token_lifetime=token_lifetime)
    app.register_error_handler(ApiError, error_response)
    app.register_error_handler(ControlError, control_error_response)
    app.register_error_handler(HTTPException, _http_error)
    app.wsgi_app = ShopRouting(app.wsgi_app)  # type: ignore[method-assign]
    # The AEP emulator: its own Flask app on its own paths, its state in the same store and file.
    app.wsgi_app = aep_app.mount(app.wsgi_app, store)  # type: ignore[method-assign]
    # Fault injection (off unless configured), outermost so that it sees every path.
    faults.install(app, emulator, fault_config)
    return app


def _http_error(error: HTTPException) -> Response:
    """Routing and protocol errors as JSON in the style of the surface that was called."""
    status = error.code or 500
    if request.path.startswith("/_control"):
        response = jsonify({"error": error.description or error.name})
    elif status == 404:
        response = jsonify(NOT_FOUND_BODY)
    else:
        response = jsonify({"errors": error.name})
    response.status_code = status
    return response
