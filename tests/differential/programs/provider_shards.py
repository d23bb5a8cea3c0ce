"""aicompute's resource base deals its resources out to explicit pulumi-python providers
(``aicompute.resources.provider_shards``): ten resources on that base, first deployed with sharding
off (``aicompute:providerShards`` 1), then with the default; the resources that move to a shard
provider change provider with no step, the shard providers are created, and destroy removes all."""

from typing import Any, ClassVar

import pulumi
from things import ThingProvider

from aicompute.resources.base import DynamicResource


class SharedThing(DynamicResource, module="test", name="SharedThing"):
    _outputs: ClassVar[tuple[str, ...]] = ("value", "path", "generation")
    _provider_class = ThingProvider

    def __init__(self, resource_name: str, props: dict[str, Any]) -> None:
        super().__init__(resource_name, props)


things = [SharedThing(f"t{index}", {"name": f"t{index}", "value": index}) for index in range(10)]
pulumi.export("count", len(things))
