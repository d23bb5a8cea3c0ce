"""A central compute cluster: one CentralComputeCluster component.

A cluster with one CPU node for general work, a "gpu" node group of T4 machines, and two algorithm
engines: a people detector that takes half a T4 card per pod, and a CPU-only video encoder.
Changing ``detectorReplicas`` scales the detector in place and touches nothing else; ``gpuNodes``
scales the node group in place.

With ``kubernetes: true`` the engines become Kubernetes Deployments through the cluster's
kubeconfig (a secret) instead of platform Workloads: ``pulumi up`` applies them to the cluster, and
``aicompute up --render-kubernetes DIR`` writes them as YAML manifests into DIR.

Stack config (``central-compute-cluster:*``): ``clusterName``, ``version``, ``gpuNodes``,
``detectorReplicas``, ``kubernetes``. The provider settings come from ``aicompute:*`` config
(``aicompute:centralEndpoint``, ``aicompute:centralClientId``, ``aicompute:centralClientSecret`` as
a secret) or the environment (``AICOMPUTE_CENTRAL_ENDPOINT``, ``AICOMPUTE_CENTRAL_CLIENT_ID``,
``AICOMPUTE_CENTRAL_CLIENT_SECRET``).
"""

import pulumi

from aicompute.stacks import CentralComputeCluster

config = pulumi.Config()
T4_NODE = {
    "cpu": 8,
    "mem": 16,
    "root_disk_size": 100,
    "xpu_resources": [{"xpu_type": "NVIDIA_T4", "num": 2}],
}

cluster = CentralComputeCluster(
    "vision",
    {
        "cluster": {
            "name": config.require("clusterName"),
            "version": config.require("version"),
            "host_network": "192.168.0.0/20",
            "nodes": [{"node_resource": {"cpu": 4, "mem": 8, "root_disk_size": 100}, "count": 1}],
        },
        "node_groups": {"gpu": {"node_resource": T4_NODE, "count": config.require_int("gpuNodes")}},
        "kubernetes": config.require_bool("kubernetes"),
        "engines": {
            "detector": {
                "image": "registry.example.com/vision/people-detector:2.0.1",
                "replicas": config.require_int("detectorReplicas"),
                "resources": {"cpu": 2, "memory": 4, "xpu": 0.5},
                "xpu_type": "NVIDIA_T4",
                "args": "--port 8750 --threshold 0.6",
            },
            "encoder": {
                "image": "registry.example.com/vision/encoder:1.4",
                "replicas": 1,
                "resources": {"cpu": 1, "memory": 2},
            },
        },
    },
)

pulumi.export("cluster_code", cluster.cluster_code)
pulumi.export("status", cluster.status)
pulumi.export("node_ids", cluster.node_ids)
pulumi.export("engine_names", cluster.engine_names)
pulumi.export("kubeconfig", cluster.kubeconfig)
