"""The dataflow's streaming inlet URL as a resource of its own, whose id *is* the URL.

Why a resource: a dynamic provider cannot preview an update, so while a dataflow is being updated (a
rename, a new mapping) every output of it is unknown in `pulumi preview`, its inlet URL included, and
every subscription would show a change it will not get. A resource's id, however, stays known through
an update. This resource depends only on the flow's id: it is unchanged (and its id known) while the flow
is merely patched, and replaced — honestly unknown in a preview — when the flow itself is replaced.

create and read GET the flow (waiting, bounded, for `options.inletUrl`); delete does nothing, since the
inlet goes with its flow.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Unpack

import pulumi
from pulumi.dynamic import CreateResult, ReadResult

from shopstream.aep_api import bodies, kinds
from shopstream.providers.aep import settings
from shopstream.providers.aep.client import DEFAULT_INLET_URL_TIMEOUT
from shopstream.providers.aep.common import (
    AepProvider,
    AepResource,
    ConnectionInputs,
    client_for,
    plain_errors,
)
from shopstream.providers.aep.settings import Failure

OUTPUT_KEYS = ("inlet_url", "inlet_id")


class InletProvider(AepProvider):
    noun = "streaming inlet"
    input_keys = ("flow_id", "inlet_url_timeout")
    replace_keys = ("flow_id",)
    update_keys = ()

    def normalise(self, news: Mapping[str, Any], failures: list[Failure]) -> dict[str, Any]:
        timeout = news.get("inlet_url_timeout")
        return {
            "flow_id": settings.id_input(news, "flow_id", "dataflow", failures),
            "inlet_url_timeout": timeout if isinstance(timeout, (int, float)) else DEFAULT_INLET_URL_TIMEOUT,
        }

    @plain_errors
    def create(self, props: dict[str, Any]) -> CreateResult:
        flow_id = str(props["flow_id"])
        item = client_for(props).wait_for_inlet_url(flow_id, timeout=float(props["inlet_url_timeout"]))
        url = str(bodies.inlet_url(item))
        return CreateResult(url, {**props, "inlet_url": url, "inlet_id": bodies.inlet_id(url)})

    @plain_errors
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        item = client_for(props).get(kinds.FLOW, str(props["flow_id"]))
        url = bodies.inlet_url(item) if item is not None else None
        if not url:
            return ReadResult(None, {})  # the flow (and with it the inlet) is gone
        inputs = {key: props.get(key) for key in (*settings.CONNECTION_KEYS, *self.input_keys)}
        return ReadResult(url, {**props, "inlet_url": url, "inlet_id": bodies.inlet_id(url)}, inputs)

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Nothing to do: the inlet is deleted with its dataflow."""


class AepInlet(AepResource, module="aep", name="Inlet"):
    """The streaming inlet of a dataflow; its id is the inlet URL (register that with Shopify)."""

    inlet_url: pulumi.Output[str]
    inlet_id: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        flow_id: pulumi.Input[str],
        inlet_url_timeout: pulumi.Input[float] | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **connection: Unpack[ConnectionInputs],
    ) -> None:
        inputs = {"flow_id": flow_id, "inlet_url_timeout": inlet_url_timeout}
        super().__init__(InletProvider(), resource_name, inputs, OUTPUT_KEYS, connection, opts)
