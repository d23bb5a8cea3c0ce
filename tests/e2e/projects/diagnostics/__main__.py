"""Config ``diagnostics:replicas`` (default 1) goes through a helper that raises below 1;
``diagnostics:count`` plain ``pulumi.dynamic.Resource`` objects are declared (default 0), with a
provider that keeps nothing; a debug and an info message are logged; the interpreter is exported."""

import sys

import pulumi
from helpers import check_replicas
from pulumi.dynamic import CreateResult, Resource, ResourceProvider


class Nothing(ResourceProvider):
    def create(self, props: dict) -> CreateResult:
        return CreateResult(id_=f"nothing-{props['index']}", outs=props)


class Plain(Resource):
    def __init__(self, name: str, index: int) -> None:
        super().__init__(Nothing(), name, {"index": index})


config = pulumi.Config()
pulumi.log.debug("a debug message from the program")
pulumi.log.info("an info message from the program")
for index in range(config.get_int("count") or 0):
    Plain(f"plain-{index}", index)
pulumi.export("interpreter", sys.executable)
replicas = config.get_int("replicas")
pulumi.export("replicas", check_replicas(1 if replicas is None else replicas))
