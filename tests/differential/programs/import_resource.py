"""import: an object made out of band is adopted with the import option (step 0, an import step that
must not create anything); step 1 drops the option and changes its value (an ordinary update)."""

import pulumi
from things import Thing

step = pulumi.Config().get_int("step") or 0

opts = pulumi.ResourceOptions(import_="legacy") if step == 0 else None
Thing("legacy", {"name": "legacy", "value": step, "kind": "old"}, opts)
