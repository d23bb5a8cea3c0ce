"""refresh after an out-of-band change: a's value is changed on the "platform"; refresh takes it
into the state, and the next preview and up put the program's value back."""

import pulumi
from things import Thing

a = Thing("a", {"name": "a", "value": "desired"})
b = Thing("b", {"name": "b", "value": "untouched"})
pulumi.export("a_value", a.value)
