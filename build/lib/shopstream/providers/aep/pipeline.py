"""ShopifyStreamingPipeline: the AEP side of "Shopify events → AEP dataset", as one component.

    base connection (HMAC secret) ─▶ source connection ─┐
    target connection (dataset, schema) ────────────────┼─▶ dataflow ─▶ inlet (id = inlet URL)
    mapping set (schema, mappings) ─────────────────────┘

Every child has the component as parent and depends on the objects whose ids it uses, so Pulumi
creates them in that order and deletes in reverse: the dataflow before the connections (AEP refuses
to delete a connection that a flow uses, FLOW-1418), the base connection last.  Shopify
subscriptions built elsewhere take `inlet_url` as their address and so depend on the dataflow, which
puts them first in line for deletion too.

Without an HMAC secret no base connection is made and the source connection has no
baseConnectionId (the older tutorial layout, reference §1.1): the inlet then accepts unsigned posts.
"""

from __future__ import annotations

import pulumi

from shopstream.providers.aep.base_connection import AepBaseConnection
from shopstream.providers.aep.dataflow import AepDataflow
from shopstream.providers.aep.inlet import AepInlet
from shopstream.providers.aep.mapping_set import AepMappingSet
from shopstream.providers.aep.source_connection import AepSourceConnection
from shopstream.providers.aep.spec import PipelineSpec
from shopstream.providers.aep.target_connection import AepTargetConnection

COMPONENT_TYPE = "shopstream:aep:ShopifyStreamingPipeline"


class ShopifyStreamingPipeline(pulumi.ComponentResource):
    """Outputs: `inlet_url` (register it as the Shopify webhook address) and `flow_id`."""

    inlet_url: pulumi.Output[str]
    flow_id: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        spec: PipelineSpec,
        hmac_secret: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(COMPONENT_TYPE, name, None, opts)
        conn = spec.connection_inputs()
        description = spec.flow_description

        def child(*depends_on: pulumi.Resource) -> pulumi.ResourceOptions:
            return pulumi.ResourceOptions(parent=self, depends_on=list(depends_on))

        base = None
        if hmac_secret is not None:
            base = AepBaseConnection(
                f"{name}-base-connection",
                name=spec.object_name("base connection"),
                description=description,
                hmac_secret=hmac_secret,
                **conn,
                opts=child(),
            )
        source = AepSourceConnection(
            f"{name}-source-connection",
            name=spec.object_name("source"),
            description=description,
            # Ids, not id outputs: a resource's id stays known in a preview while it is merely updated.
            base_connection_id=base.id if base is not None else None,
            **conn,
            opts=child(*([base] if base is not None else [])),
        )
        target = AepTargetConnection(
            f"{name}-target-connection",
            name=spec.object_name("target"),
            description=description,
            dataset_id=spec.dataset_id,
            schema_id=spec.schema_id,
            schema_version=spec.schema_version,
            **conn,
            opts=child(),
        )
        mapping = AepMappingSet(
            f"{name}-mapping-set",
            schema_id=spec.schema_id,
            schema_version=spec.schema_version,
            mappings=list(spec.mappings),
            **conn,
            opts=child(),
        )
        flow = AepDataflow(
            f"{name}-dataflow",
            name=spec.flow_name,
            description=description,
            source_connection_id=source.id,
            target_connection_id=target.id,
            mapping_id=mapping.id,
            mapping_version=mapping.mapping_version,
            inlet_url_timeout=spec.inlet_url_timeout,
            **conn,
            opts=child(source, target, mapping),
        )
        inlet = AepInlet(
            f"{name}-inlet",
            flow_id=flow.id,
            inlet_url_timeout=spec.inlet_url_timeout,
            **conn,
            opts=child(flow),
        )
        self.base_connection = base
        self.source_connection = source
        self.target_connection = target
        self.mapping_set = mapping
        self.dataflow = flow
        self.inlet = inlet
        # The inlet's id is its URL, known in a preview unless the dataflow is replaced (see inlet.py).
        self.inlet_url = inlet.id
        self.flow_id = flow.id
        self.register_outputs({"inlet_url": self.inlet_url, "flow_id": self.flow_id})
