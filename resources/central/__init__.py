"""Central compute platform (T/BAX) resources: clusters, nodes, workloads, algorithm packages, services, tasks."""

from aicompute.resources.central._base import NodeResource, XpuResource
from aicompute.resources.central.algorithm_package import (
    AlgorithmPackage,
    AlgorithmPackageArgs,
    AlgorithmPackageProvider,
    FilePackage,
)
from aicompute.resources.central.algorithm_service import (
    AlgorithmService,
    AlgorithmServiceArgs,
    AlgorithmServiceProvider,
)
from aicompute.resources.central.analysis_task import (
    AnalysisTask,
    AnalysisTaskArgs,
    AnalysisTaskProvider,
    Area,
    Point,
    Rule,
    Stream,
)
from aicompute.resources.central.cluster import (
    Cluster,
    ClusterArgs,
    ClusterNodeGroup,
    ClusterProvider,
    fetch_kubeconfig,
    get_kubeconfig,
)
from aicompute.resources.central.cluster_nodes import ClusterNodes, ClusterNodesArgs, ClusterNodesProvider
from aicompute.resources.central.workload import Workload, WorkloadArgs, WorkloadProvider, WorkloadResources

__all__ = [
    "AlgorithmPackage",
    "AlgorithmPackageArgs",
    "AlgorithmPackageProvider",
    "AlgorithmService",
    "AlgorithmServiceArgs",
    "AlgorithmServiceProvider",
    "AnalysisTask",
    "AnalysisTaskArgs",
    "AnalysisTaskProvider",
    "Area",
    "Cluster",
    "ClusterArgs",
    "ClusterNodeGroup",
    "ClusterNodes",
    "ClusterNodesArgs",
    "ClusterNodesProvider",
    "ClusterProvider",
    "FilePackage",
    "NodeResource",
    "Point",
    "Rule",
    "Stream",
    "Workload",
    "WorkloadArgs",
    "WorkloadProvider",
    "WorkloadResources",
    "XpuResource",
    "fetch_kubeconfig",
    "get_kubeconfig",
]
