"""protect: step 0 makes a protected thing and a plain one; step 1 drops the protected one from the
program, which must fail without deleting anything; destroy must refuse too."""

import pulumi
from things import Thing

step = pulumi.Config().get_int("step") or 0

Thing("plain", {"name": "plain", "value": 1})
if step == 0:
    Thing("guarded", {"name": "guarded", "value": 1}, pulumi.ResourceOptions(protect=True))
