"""ModelArts resources: workspaces, networks, resource pools, node pools, models, inference services."""

from aicompute.resources.modelarts.inference_service import (
    InferenceService,
    InferenceServiceArgs,
    InferenceServiceProvider,
    ServiceConfig,
)
from aicompute.resources.modelarts.model import Model, ModelArgs, ModelProvider
from aicompute.resources.modelarts.network import Network, NetworkArgs, NetworkProvider, PeerConnection
from aicompute.resources.modelarts.node_pool import NodePool, NodePoolArgs, NodePoolProvider
from aicompute.resources.modelarts.resource_pool import ResourcePool, ResourcePoolArgs, ResourcePoolProvider
from aicompute.resources.modelarts.workspace import Grant, Workspace, WorkspaceArgs, WorkspaceProvider

__all__ = [
    "Grant",
    "InferenceService",
    "InferenceServiceArgs",
    "InferenceServiceProvider",
    "Model",
    "ModelArgs",
    "ModelProvider",
    "Network",
    "NetworkArgs",
    "NetworkProvider",
    "NodePool",
    "NodePoolArgs",
    "NodePoolProvider",
    "PeerConnection",
    "ResourcePool",
    "ResourcePoolArgs",
    "ResourcePoolProvider",
    "ServiceConfig",
    "Workspace",
    "WorkspaceArgs",
    "WorkspaceProvider",
]
