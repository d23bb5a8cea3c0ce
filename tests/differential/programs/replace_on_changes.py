"""replace_on_changes: a's value, normally updated in place, replaces a when it changes; b's
value still updates in place. Step 1 changes both."""

import pulumi
from things import Thing

step = pulumi.Config().get_int("step") or 0

Thing("a", {"name": "a", "value": step}, pulumi.ResourceOptions(replace_on_changes=["value"]))
Thing("b", {"name": "b", "value": step})
