"""The AEP emulator's Flask app and the WSGI dispatch that mounts it next to the Shopify emulator.

It is a separate Flask app on its own paths (the real services' paths, so a client only swaps base
URLs), so the Shopify app's request pipeline (shop routing, token checks, Shopify-style errors) never
sees an AEP request:

* ``/ims/...``              IMS token endpoint          (``shopstream.emulator.aep.ims``)
* ``/data/foundation/...``  Platform APIs: flowservice, conversion (Data Prep), catalog, schemaregistry
* ``/collection/...``       streaming inlet             (``shopstream.emulator.aep.inlet``)
* ``/_control/aep/...``     AEP control surface         (``shopstream.emulator.aep.control``)

Every ``/data/foundation/`` request passes the gateway checks (``shopstream.emulator.aep.gateway``) before its
handler runs. Every request is logged (``shopstream.emulator.aep.request_log``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from shopstream.emulator.aep import catalog, control, dataprep, flowservice, ims, inlet
from shopstream.emulator.aep.context import EXTENSION_KEY, current
from shopstream.emulator.aep.errors import AepError, dcs_error, flow_error, ims_error, problem
from shopstream.emulator.aep.gateway import admit
from shopstream.emulator.aep.state import AepState
from shopstream.emulator.errors import ControlError
from shopstream.emulator.jsonio import control_error_response, error_response, use_ordered_json
from shopstream.emulator.state import Store

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

AEP_PATH_PREFIXES = ("/ims/", "/data/foundation/", "/collection/", "/_control/aep/")
PLATFORM_PREFIX = "/data/foundation/"


def create_aep_app(state: AepState) -> Flask:
    app = Flask("shopstream.emulator.aep")
    use_ordered_json(app)
    app.extensions[EXTENSION_KEY] = state
    for blueprint in (
        ims.bp,
        flowservice.bp,
        dataprep.bp,
        catalog.catalog_bp,
        catalog.schema_bp,
        inlet.bp,
        control.bp,
    ):
        app.register_blueprint(blueprint)
    app.before_request(_admit_platform_call)
    app.after_request(_log_request)
    app.register_error_handler(AepError, error_response)
    app.register_error_handler(ControlError, control_error_response)
    app.register_error_handler(HTTPException, _http_error)
    return app


def _admit_platform_call() -> None:
    if request.path.startswith(PLATFORM_PREFIX):
        state = current()
        with state.lock:
            g.aep_caller = admit(state, request.headers)


def _log_request(response: Response) -> Response:
    if request.path.startswith("/_control/"):
        return response
    state = current()
    who = g.get("aep_caller")
    with state.lock:
        state.requests.record(
            epoch=state.now(),
            method=request.method,
            path=request.path,
            query=request.query_string.decode("latin-1"),
            status=response.status_code,
            client_id=who.client_id if who is not None else g.get("aep_log_client"),
            org=who.org.id if who is not None else g.get("aep_log_org"),
            sandbox=who.sandbox.name if who is not None else g.get("aep_log_sandbox"),
        )
    return response


def _http_error(error: HTTPException) -> Response:
    """Routing errors (unknown path, wrong method) in the style of the service that was called."""
    status = error.code or 500
    path = request.path
    if path.startswith("/_control/"):
        return control_error_response(ControlError(status, error.description or error.name))
    if path.startswith("/ims/"):
        return error_response(ims_error(status, "invalid_request", error.name))
    if path.startswith("/collection/"):
        return error_response(dcs_error(status, "bad-request", error.name, error.description or error.name))
    if path.startswith("/data/foundation/flowservice/") and status == 404:
        return error_response(
            flow_error(
                "1101",
                404,
                "Resource not found",
                "The requested resource is not found. Error from flow provider: Resource with given id does "
                "not exist.",
            )
        )
    return error_response(problem(status, error.name, error.description or error.name))


class AepDispatch:
    """WSGI middleware: AEP paths go to the AEP app, everything else to ``fallback``."""

    def __init__(self, fallback: WSGIApplication, aep_app: Flask) -> None:
        self.fallback = fallback
        self.aep_app = aep_app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith(AEP_PATH_PREFIXES) or path == "/_control/aep":
            return self.aep_app(environ, start_response)
        return self.fallback(environ, start_response)


def mount(fallback: WSGIApplication, store: Store) -> AepDispatch:
    """The AEP emulator over ``store`` (its state in the store's file under ``"aep"``) in front of
    ``fallback`` (the Shopify emulator's WSGI app)."""
    return AepDispatch(fallback, create_aep_app(AepState(store)))
