"""A ModelArts workspace and network, and a HiLens configmap and secret, named after ``drift:prefix``.

Provider settings come from the stack config (``aicompute:endpoint``, ``aicompute:projectId``,
``aicompute:accessKey``, ``aicompute:secretKey`` as a secret, ``aicompute:pollInterval``); the
secret's value from ``drift:token`` (a secret); the network's range from ``drift:cidr`` (optional).
"""

import pulumi

from aicompute.resources.hilens import ConfigMap, Secret
from aicompute.resources.modelarts import Network, Workspace

config = pulumi.Config()
prefix = config.require("prefix")

workspace = Workspace("workspace", name=f"{prefix}-ws", description="drift e2e")
cidr = config.get("cidr") or "192.168.0.0/16"  # two stacks in one platform project need two ranges
network = Network("network", name=f"{prefix}-net", cidr=cidr, workspace_id=workspace.id)
settings = ConfigMap(
    "settings", name=f"{prefix}-settings", data={"mode": "fast", "level": "3"}, tags={"team": "vision"}
)
token = Secret("token", name=f"{prefix}-token", data={"token": config.require_secret("token")})
pulumi.export("network_id", network.id)
