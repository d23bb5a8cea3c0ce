"""aicompute quickstart: a little of each platform, with the resources used directly.

* ModelArts (cloud): a workspace and a network in it.
* HiLens (edge): a workspace holding a configmap and a secret for the edge applications.
* Central compute platform (T/BAX): a Kubernetes cluster with one T4 node, running one algorithm
  engine (a workload).

Stack config (``quickstart:*``): ``prefix`` (object names), ``logLevel`` (the configmap's
LOG_LEVEL), ``replicas`` (the engine's pods) and ``apiToken`` (required, a secret:
``aicompute config set --secret apiToken``). The provider settings come from ``aicompute:*``
config or the environment (``AICOMPUTE_ENDPOINT``, ``HW_PROJECT_ID``, ``HW_ACCESS_KEY``,
``HW_SECRET_KEY``, ``AICOMPUTE_CENTRAL_CLIENT_ID``, ``AICOMPUTE_CENTRAL_CLIENT_SECRET``).
"""

import pulumi

from aicompute.resources import central, hilens, modelarts

config = pulumi.Config()
prefix = config.require("prefix")

# ModelArts: a workspace for the team and a network its resource pools will use.
workspace = modelarts.Workspace("workspace", name=f"{prefix}-ws", description="quickstart team workspace")
network = modelarts.Network(
    "network",
    name=f"{prefix}-net",
    cidr="192.168.0.0/16",
    workspace_id=workspace.id,
    description="quickstart network",
)

# HiLens: the edge workspace, the settings its applications read, and a credential they use.
edge = hilens.Workspace("edge-workspace", name=f"{prefix}-edge", description="quickstart edge fleet")
settings = hilens.ConfigMap(
    "edge-settings",
    name=f"{prefix}-settings",
    workspace_id=edge.id,
    data={"LOG_LEVEL": config.require("logLevel"), "FRAME_RATE": "15"},
    description="settings of the edge applications",
)
token = hilens.Secret(
    "edge-token",
    name=f"{prefix}-token",
    workspace_id=edge.id,
    data={"api-token": config.require_secret("apiToken")},
    description="the token the edge applications call home with",
)

# Central compute: a cluster with one node of 8 cores and 2 T4 cards, and a detector on it.
cluster = central.Cluster(
    "cluster",
    name=f"{prefix}-cluster",
    version="1.18.x",
    nodes=[
        {
            "node_resource": {
                "cpu": 8,
                "mem": 16,
                "root_disk_size": 40,
                "xpu_resources": [{"xpu_type": "NVIDIA_T4", "num": 2}],
            },
            "count": 1,
        }
    ],
)
detector = central.Workload(
    "detector",
    cluster_code=cluster.cluster_code,
    name="human-detect",
    image="registry.local/vision/human-detect:1.0",
    replicas=config.require_int("replicas"),
    resources={"cpu": 1, "memory": 2, "xpu": 0.5},
    xpu_type="NVIDIA_T4",
)

pulumi.export("modelarts_workspace_id", workspace.id)
pulumi.export("network_id", network.id)
pulumi.export("network_status", network.status)
pulumi.export("hilens_workspace_id", edge.id)
pulumi.export("configmap_id", settings.id)
pulumi.export("configmap_data", settings.data)
pulumi.export("secret_id", token.id)
pulumi.export("cluster_code", cluster.cluster_code)
pulumi.export("kubernetes_version", cluster.kubernetes_version)
pulumi.export("detector_workload", detector.workload_name)
pulumi.export("detector_replicas", detector.replicas)
