"""Explicit and implicit dependencies: b takes a's output (implicit), c waits for b (depends_on),
d both; step 1 changes a's value, which flows to d."""

import pulumi
from things import Thing

step = pulumi.Config().get_int("step") or 0

a = Thing("a", {"name": "a", "value": f"v{step}"})
b = Thing("b", {"name": "b", "value": a.path.apply(lambda path: f"after {path}")})
c = Thing("c", {"name": "c", "value": 1}, pulumi.ResourceOptions(depends_on=[b]))
d = Thing("d", {"name": "d", "value": a.value}, pulumi.ResourceOptions(depends_on=[c]))
pulumi.export("d_value", d.value)
