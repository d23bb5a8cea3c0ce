"""The application stack: built on the ids the platform stack exports.

``pulumi.StackReference`` reads the platform stack's outputs from the same state backend (with
``aicompute`` and with the Pulumi CLI alike). When the platform stack's outputs change — a new
registry, a new cluster — the next ``up`` of this stack follows them.
"""

import pulumi

from aicompute.resources import central, hilens

config = pulumi.Config()
platform = pulumi.StackReference(config.require("platformStack"))
registry = platform.require_output("image_registry")

detector = central.Workload(
    "detector",
    cluster_code=platform.require_output("cluster_code"),
    name="crowd-detect",
    image=pulumi.Output.concat(registry, "/crowd-detect:2.1"),
    replicas=config.require_int("replicas"),
    resources={"cpu": 2, "memory": 4, "xpu": 1},
    xpu_type="NVIDIA_T4",
)
settings = hilens.ConfigMap(
    "edge-settings",
    name="crowd-detect-settings",
    workspace_id=platform.require_output("hilens_workspace_id"),
    data={"REGISTRY": registry, "MODELARTS_WORKSPACE": platform.require_output("modelarts_workspace_id")},
    description="where the edge applications of crowd-detect find their images and workspace",
)

pulumi.export("cluster_code", detector.cluster_code)
pulumi.export("workload_name", detector.workload_name)
pulumi.export("image", detector.image)
pulumi.export("edge_settings_id", settings.id)
