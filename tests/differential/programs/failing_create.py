"""A failing create in the middle of a graph: b's create fails (step 0), so c, which needs b, is not
attempted while a and the independent d are created; step 1 fixes b, and b and c are created."""

import pulumi
from things import Thing

step = pulumi.Config().get_int("step") or 0

a = Thing("a", {"name": "a", "value": 1})
b = Thing("b", {"name": "b", "value": a.value, "fail": step == 0})
c = Thing("c", {"name": "c", "value": b.path})
d = Thing("d", {"name": "d", "value": 4})
