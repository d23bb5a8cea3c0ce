"""Central compute platform (T/BAX) resources: clusters, nodes, workloads, algorithm packages, services, tasks."""

from aicompute.resources.central._base import NodeResource, XpuResource
from aicompute.resources.central.cluster import (
    Cluster,
    ClusterArgs,
    ClusterNodeGroup,
    ClusterProvider,
    fetch_kubeconfig,
    get_kubeconfig,
)
from aicompute.resources.central.cluster_nodes import ClusterNodes, ClusterNodesArgs, ClusterNodesProvider

__all__ = [
    "Cluster",
    "ClusterArgs",
    "ClusterNodeGroup",
    "ClusterNodes",
    "ClusterNodesArgs",
    "ClusterNodesProvider",
    "ClusterProvider",
    "NodeResource",
    "XpuResource",
    "fetch_kubeconfig",
    "get_kubeconfig",
]
