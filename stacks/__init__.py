"""Reusable stack components composed from aicompute's resources (``aicompute:stacks:<Name>``).

Names are loaded on first use, so importing one component does not import every platform.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what type checkers and editors see; at run time each name loads on first use
    from aicompute.stacks.central_compute_cluster import (
        CentralComputeCluster,
        CentralComputeClusterArgs,
        EngineSpec,
        NodeGroupSpec,
    )
    from aicompute.stacks.edge_fleet import (
        EdgeFleet,
        EdgeFleetArgs,
        SecretSpec,
    )
    from aicompute.stacks.inference_endpoint import (
        InferenceEndpoint,
        InferenceEndpointArgs,
        ModelSpec,
    )
    from aicompute.stacks.training_platform import (
        NetworkSpec,
        NodePoolSpec,
        PoolSpec,
        TrainingPlatform,
        TrainingPlatformArgs,
    )
    from aicompute.stacks.video_analytics_pipeline import (
        ServiceSpec,
        StreamSpec,
        TaskSpec,
        VideoAnalyticsPipeline,
        VideoAnalyticsPipelineArgs,
    )

_MODULES = {
    "TrainingPlatform": "training_platform",
    "TrainingPlatformArgs": "training_platform",
    "NetworkSpec": "training_platform",
    "PoolSpec": "training_platform",
    "NodePoolSpec": "training_platform",
    "InferenceEndpoint": "inference_endpoint",
    "InferenceEndpointArgs": "inference_endpoint",
    "ModelSpec": "inference_endpoint",
    "EdgeFleet": "edge_fleet",
    "EdgeFleetArgs": "edge_fleet",
    "SecretSpec": "edge_fleet",
    "CentralComputeCluster": "central_compute_cluster",
    "CentralComputeClusterArgs": "central_compute_cluster",
    "EngineSpec": "central_compute_cluster",
    "NodeGroupSpec": "central_compute_cluster",
    "VideoAnalyticsPipeline": "video_analytics_pipeline",
    "VideoAnalyticsPipelineArgs": "video_analytics_pipeline",
    "ServiceSpec": "video_analytics_pipeline",
    "TaskSpec": "video_analytics_pipeline",
    "StreamSpec": "video_analytics_pipeline",
}

__all__ = [  # a literal list: type checkers take the names it lists as the package's exports
    "CentralComputeCluster",
    "CentralComputeClusterArgs",
    "EdgeFleet",
    "EdgeFleetArgs",
    "EngineSpec",
    "InferenceEndpoint",
    "InferenceEndpointArgs",
    "ModelSpec",
    "NetworkSpec",
    "NodeGroupSpec",
    "NodePoolSpec",
    "PoolSpec",
    "SecretSpec",
    "ServiceSpec",
    "StreamSpec",
    "TaskSpec",
    "TrainingPlatform",
    "TrainingPlatformArgs",
    "VideoAnalyticsPipeline",
    "VideoAnalyticsPipelineArgs",
]


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module 'aicompute.stacks' has no attribute {name!r}")
    return getattr(importlib.import_module(f"aicompute.stacks.{module}"), name)
