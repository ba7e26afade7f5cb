"""The floor project's Pulumi program (copied as `__main__.py`): the same stack file, resource names
(`shop/topic`, as `shopstream/program/build.py` names them) and inputs as the real program, through
`bench.floor_provider`. It imports nothing of the real providers, so it measures Pulumi alone."""

from pathlib import Path

import pulumi

from bench.floor_provider import FloorSubscription
from shopstream.stackfile.load import load_stack_file, stack_file_path

spec = load_stack_file(stack_file_path(Path(__file__).resolve().parent, pulumi.get_stack()))
shops: dict[str, dict[str, pulumi.Output[str]]] = {}
for shop in spec.shops:
    shops[shop.name] = {}
    for wanted in shop.topics:
        assert wanted.address is not None  # the benchmark's stack files set one address for all
        resource = FloorSubscription(
            f"{shop.name}/{wanted.topic}",
            shop=shop.name,
            topic=wanted.topic,
            address=wanted.address,
            format=wanted.format,
            fields=list(wanted.fields),
            metafield_namespaces=list(wanted.metafield_namespaces),
            api_version=spec.api_version,
            endpoint=spec.shop_base_url(shop.name),
        )
        shops[shop.name][wanted.topic] = resource.webhook_id
pulumi.export("shops", shops)
