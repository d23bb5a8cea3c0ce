"""ignore_changes: a change of an ignored input is no change (step 1); a change of another input
still updates, keeping the ignored input's old value (step 2)."""

import pulumi
from things import Thing

step = pulumi.Config().get_int("step") or 0

Thing(
    "a", {"name": "a", "value": step, "size": 2 if step >= 2 else 1}, pulumi.ResourceOptions(ignore_changes=["value"])
)
