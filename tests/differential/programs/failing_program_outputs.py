"""Stack outputs when the program fails half way: step 0 exports three outputs; step 1 re-exports
the first (changed), then raises before exporting the rest."""

import pulumi
from things import Thing

step = pulumi.Config().get_int("step") or 0

a = Thing("a", {"name": "a", "value": step})
pulumi.export("first", a.value)
if step == 1:
    raise RuntimeError("the program failed half way")
pulumi.export("second", "two")
pulumi.export("third", {"n": 3})
