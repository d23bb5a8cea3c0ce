"""retain_on_delete: step 1 drops a retained thing from the program (it leaves the state, its object
stays on the "platform") and changes a retained thing's create-only name (replaced: the old object
stays too)."""

import pulumi
from things import Thing

step = pulumi.Config().get_int("step") or 0

retain = pulumi.ResourceOptions(retain_on_delete=True)
Thing("kept", {"name": "kept-1" if step == 0 else "kept-2", "value": 1}, retain)
if step == 0:
    Thing("dropped", {"name": "dropped", "value": 1}, retain)
