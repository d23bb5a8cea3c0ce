"""A workspace and, unless ``modelarts:network`` is false, a network in it.

Provider settings come from the stack config (``aicompute:endpoint``, ``aicompute:projectId``,
``aicompute:accessKey``, ``aicompute:secretKey`` as a secret, ``aicompute:pollInterval``).
"""

import pulumi

from aicompute.resources.modelarts import Network, Workspace

config = pulumi.Config()

workspace = Workspace("workspace", name=config.require("workspace"), description=config.require("description"))
pulumi.export("workspace_id", workspace.id)
pulumi.export("workspace_status", workspace.status)

if config.require_bool("network"):
    network = Network(
        "network",
        name=config.require("networkName"),
        cidr=config.require("cidr"),
        workspace_id=workspace.id,
        description="engine e2e",
    )
    pulumi.export("network_id", network.id)
