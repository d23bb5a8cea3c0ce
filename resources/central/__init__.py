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

__all__ = [
    "Cluster",
    "ClusterArgs",
    "ClusterNodeGroup",
    "ClusterProvider",
    "NodeResource",
    "XpuResource",
    "fetch_kubeconfig",
    "get_kubeconfig",
]
