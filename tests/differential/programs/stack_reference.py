"""StackReference: the "producer" stack exports a greeting and a secret; the "dev" stack reads them
through a StackReference and makes a thing from the greeting."""

import pulumi
from things import Thing

if pulumi.get_stack() == "producer":
    pulumi.export("greeting", "hello")
    pulumi.export("password", pulumi.Output.secret("s3cret"))
else:
    ref = pulumi.StackReference(f"organization/{pulumi.get_project()}/producer")
    Thing("a", {"name": "a", "value": ref.require_output("greeting")})
    pulumi.export("greeting", ref.get_output("greeting"))
    pulumi.export("password", ref.get_output("password"))
