"""additional_secret_outputs: a's path and generation outputs are secrets in the state and in the
stack output that uses them; its value output is not."""

import pulumi
from things import Thing

a = Thing(
    "a", {"name": "a", "value": "visible"}, pulumi.ResourceOptions(additional_secret_outputs=["path", "generation"])
)
pulumi.export("path", a.path)
pulumi.export("value", a.value)
