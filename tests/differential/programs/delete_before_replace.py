"""delete_before_replace, and the dependents it forces to be replaced: b's create-only name is made
from a's value; step 1 changes a's create-only name with delete_before_replace, so b (whose inputs
come from a) is deleted first and replaced after a; c, which only waits for a, is left alone."""

import pulumi
from things import Thing

step = pulumi.Config().get_int("step") or 0

a = Thing("a", {"name": f"a-{step}", "value": "shared"}, pulumi.ResourceOptions(delete_before_replace=True))
b = Thing("b", {"name": a.value.apply(lambda value: f"b-of-{value}"), "value": 1})
c = Thing("c", {"name": "c", "value": 1}, pulumi.ResourceOptions(depends_on=[a]))
