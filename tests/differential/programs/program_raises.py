"""A program that raises: step 0 makes a thing; at step 1 the program raises before declaring it,
and nothing may be deleted (the preview fails as well)."""

import pulumi
from things import Thing

step = pulumi.Config().get_int("step") or 0

if step == 1:
    raise ValueError("a bug in the program")
Thing("a", {"name": "a", "value": 1})
