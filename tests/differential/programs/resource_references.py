"""Resource references: a component takes a thing among its properties; the program reads the thing's
outputs back through the component's output (a resource, not its URN or id, where the engine supports
resource references)."""

from typing import Any

import pulumi
from things import Thing


class Holder(pulumi.ComponentResource):
    item: pulumi.Output[Any]

    def __init__(self, name: str, item: Thing, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("test:index:Holder", name, {"item": item}, opts)
        self.register_outputs({"item": item})


thing = Thing("held", {"name": "held", "value": 5})
holder = Holder("holder", thing)
pulumi.export("item_kind", holder.item.apply(lambda item: type(item).__name__))
pulumi.export("item_value", holder.item.apply(lambda item: item.value if isinstance(item, pulumi.Resource) else None))
