"""A ModelArts training platform: one TrainingPlatform component.

A workspace for the team, a network in it, a dedicated resource pool for training and inference
jobs with one default node pool, and two further node pools ("cpu" and "gpu") whose node counts
come from the stack config: changing ``gpuNodes`` scales the "gpu" node pool in place and touches
nothing else.

Stack config (``training-platform:*``): ``prefix``, ``cidr``, ``poolNodes``, ``cpuNodes``,
``gpuNodes``. The provider settings come from ``aicompute:*`` config (``aicompute:endpoint``,
``aicompute:projectId``, ``aicompute:accessKey``, ``aicompute:secretKey`` as a secret,
``aicompute:region``) or the environment (``AICOMPUTE_ENDPOINT``, ``HW_PROJECT_ID``,
``HW_ACCESS_KEY``, ``HW_SECRET_KEY``, ``HW_REGION_NAME``).
"""

import pulumi

from aicompute.stacks import TrainingPlatform

config = pulumi.Config()
prefix = config.require("prefix")

platform = TrainingPlatform(
    "training",
    {
        "workspace": {"name": f"{prefix}-ws", "description": "the vision team's training workspace"},
        "network": {"name": f"{prefix}-net", "cidr": config.require("cidr")},
        "pool": {
            "name": f"{prefix}-pool",
            "scope": ["Train", "Infer"],
            "resources": [{"flavor": "modelarts.vm.cpu.8u", "count": config.require_int("poolNodes")}],
            "description": "training and batch inference",
        },
        "node_pools": {
            "cpu": {"flavor": "modelarts.vm.cpu.4ud", "count": config.require_int("cpuNodes")},
            "gpu": {
                "flavor": "modelarts.vm.gpu.t4u8",
                "count": config.require_int("gpuNodes"),
                "labels": {"accelerator": "nvidia-t4"},
            },
        },
    },
)

pulumi.export("workspace_id", platform.workspace_id)
pulumi.export("network_id", platform.network_id)
pulumi.export("pool_id", platform.pool_id)
pulumi.export("pool_status", platform.pool_status)
pulumi.export("node_pool_ids", platform.node_pool_ids)
pulumi.export("node_pool_statuses", platform.node_pool_statuses)
