"""A real-time inference endpoint on a dedicated ModelArts pool: two components composed.

A small TrainingPlatform (workspace, network, a pool serving inference) and an InferenceEndpoint
deploying a model on that pool with a fixed instance count. ``instances`` scales the service in
place, ``running: false`` stops it (and ``true`` starts it again), a new ``modelVersion``
publishes a new model and moves the service onto it before the old one is deleted.

Stack config (``inference-endpoint:*``): ``prefix``, ``modelVersion``, ``modelLocation``,
``specification``, ``instances``, ``running``. The provider settings come from ``aicompute:*``
config (``aicompute:endpoint``, ``aicompute:projectId``, ``aicompute:accessKey``,
``aicompute:secretKey`` as a secret, ``aicompute:region``) or the environment
(``AICOMPUTE_ENDPOINT``, ``HW_PROJECT_ID``, ``HW_ACCESS_KEY``, ``HW_SECRET_KEY``, ``HW_REGION_NAME``).
"""

import pulumi

from aicompute.stacks import InferenceEndpoint, TrainingPlatform

config = pulumi.Config()
prefix = config.require("prefix")

platform = TrainingPlatform(
    "serving",
    {
        "workspace": {"name": f"{prefix}-ws", "description": "model serving"},
        "network": {"name": f"{prefix}-net", "cidr": "172.16.0.0/16"},
        "pool": {
            "name": f"{prefix}-pool",
            "scope": ["Infer"],
            "resources": [{"flavor": "modelarts.vm.cpu.8u", "count": 1}],
        },
    },
)

endpoint = InferenceEndpoint(
    "detector",
    {
        "model": {
            "model_name": f"{prefix}-detector",
            "model_version": config.require("modelVersion"),
            "model_type": "PyTorch",
            "source_location": config.require("modelLocation"),
            "description": "object detector",
        },
        "service_name": f"{prefix}-detector",
        "workspace_id": platform.workspace_id,
        "pool_id": platform.pool_id,
        "specification": config.require("specification"),
        "instance_count": config.require_int("instances"),
        "running": config.require_bool("running"),
        "envs": {"BATCH_SIZE": "8"},
    },
)

pulumi.export("pool_id", platform.pool_id)
pulumi.export("model_id", endpoint.model_id)
pulumi.export("service_id", endpoint.service_id)
pulumi.export("status", endpoint.status)
pulumi.export("access_address", endpoint.access_address)
