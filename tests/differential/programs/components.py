"""Component resources and parents: two components (one inside the other) whose things are their
children; step 1 adds a third thing to the outer component."""

import pulumi
from things import Thing

step = pulumi.Config().get_int("step") or 0


class Group(pulumi.ComponentResource):
    def __init__(self, name: str, size: int, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("test:index:Group", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.items = [Thing(f"{name}-{i}", {"name": f"{name}-{i}", "value": i}, child) for i in range(size)]
        self.register_outputs({"count": size})


outer = Group("outer", 2 + step)
inner = Group("inner", 1, pulumi.ResourceOptions(parent=outer))
pulumi.export("values", [item.value for item in outer.items])
