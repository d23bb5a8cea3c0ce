"""Secret config and secret outputs: a secret config value becomes a thing's input (secret in state),
an Output.secret is exported, and a value derived from a secret stays secret."""

import pulumi
from things import Thing

config = pulumi.Config()
password = config.require_secret("password")
a = Thing("a", {"name": "a", "value": password})
pulumi.export("password_length", password.apply(len))
pulumi.export("token", pulumi.Output.secret("t0ken"))
pulumi.export("plain", a.path)
