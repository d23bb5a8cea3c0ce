"""Resource.get: step 0 makes a thing; step 1 also reads it by id as a second resource (a read step,
never an update or a delete of the object)."""

import pulumi
from things import Thing

step = pulumi.Config().get_int("step") or 0

Thing("a", {"name": "a", "value": 7})
if step >= 1:
    read = Thing("a-read", {"name": "a"}, pulumi.ResourceOptions(id="a"))
    pulumi.export("read_value", read.value)
