"""The platform stack: what several application teams share, published as stack outputs.

An application stack reads these outputs with ``pulumi.StackReference`` (see ``../app``): it
never needs to know how the network or the cluster were made, only their ids.
"""

import pulumi

from aicompute.resources import central, hilens, modelarts

config = pulumi.Config()
prefix = config.require("prefix")

workspace = modelarts.Workspace("workspace", name=f"{prefix}-ws", description="shared AI workspace")
network = modelarts.Network(
    "network", name=f"{prefix}-net", cidr="172.16.0.0/16", workspace_id=workspace.id, description="shared network"
)
edge = hilens.Workspace("edge-workspace", name=f"{prefix}-edge", description="shared edge workspace")
cluster = central.Cluster(
    "cluster",
    name=f"{prefix}-cluster",
    version="1.20.x",
    nodes=[
        {
            "node_resource": {
                "cpu": 16,
                "mem": 64,
                "root_disk_size": 100,
                "xpu_resources": [{"xpu_type": "NVIDIA_T4", "num": 4}],
            },
            "count": 2,
        }
    ],
)

pulumi.export("modelarts_workspace_id", workspace.id)
pulumi.export("network_id", network.id)
pulumi.export("hilens_workspace_id", edge.id)
pulumi.export("cluster_code", cluster.cluster_code)
pulumi.export("image_registry", config.require("imageRegistry"))
