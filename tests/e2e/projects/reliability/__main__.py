"""The reliability suite's stack, or one bad input.

``reliability:size`` (N) sets the stack's size: N ModelArts workspaces and N networks, N HiLens
configmaps and N secrets, ceil(N/4) central clusters with N workloads spread over them, and N
algorithm packages (given ids, unless ``reliability:packageIds`` is false: then the
provider generates them), one algorithm service and N analysis tasks on it: 7N + ceil(N/4) + 1
resources. ``reliability:allKinds`` adds one of each other kind, so that every resource type is
there (8 more): a ModelArts pool with a node pool, a model served by an inference service, a HiLens
workspace with a device running a deployment, and a node group in the first cluster. Secret values
come from the secret config ``reliability:secretValue`` (HiLens secret data); the clusters'
kubeconfigs are exported.

With ``reliability:bad`` set to a JSON document ``{"type": "...", "props": {...}}`` (or
``{"component": "...", "args": {...}}``, or ``{"type": ..., "get": "<id>"}``) the program declares
only that one thing, for the bad-input catalogue.
"""

import json
import math

import bad_input
import pulumi

from aicompute.resources import hilens
from aicompute.resources.central import (
    AlgorithmPackage,
    AlgorithmService,
    AnalysisTask,
    Cluster,
    ClusterNodes,
    Workload,
)
from aicompute.resources.hilens import ConfigMap, Deployment, Device, Secret
from aicompute.resources.modelarts import InferenceService, Model, Network, NodePool, ResourcePool, Workspace


def declare_other_kinds(prefix: str, workspace: Workspace, network: Network, cluster: Cluster) -> None:
    """One of each kind the sized stack lacks."""
    pool = ResourcePool(
        "ma-pool",
        name=f"{prefix}-pool",
        workspace_id=workspace.id,
        network_id=network.id,
        scope=["Infer"],
        resources=[{"flavor": "modelarts.vm.cpu.8u", "count": 1}],
    )
    NodePool("ma-nodepool", pool_name=pool.id, name="np-cpu", flavor="modelarts.vm.cpu.4ud", count=1)
    model = Model(
        "ma-model",
        model_name=f"{prefix}-model",
        model_version="1.0.0",
        model_type="PyTorch",
        source_location="https://models.obs.example.com/detector",
    )
    InferenceService(
        "ma-svc",
        service_name=f"{prefix}-svc",
        infer_type="real-time",
        workspace_id=workspace.id,
        pool_name=pool.id,
        config=[{"model_id": model.id, "specification": "modelarts.vm.cpu.2u", "instance_count": 1, "weight": 100}],
    )
    edge = hilens.Workspace("hl-ws", name=f"{prefix}-edge")
    device = Device("hl-device", name=f"{prefix}-cam", workspace_id=edge.id)
    Deployment(
        "hl-deploy",
        name=f"{prefix}-detector",
        source="userdefined",
        apps=[
            {
                "name": "detector",
                "app_url": "swr.cn-north-4.myhuaweicloud.com/edge/detector:1.0",
                "version": "1.0.0",
                "resources": {"limits": {"cpu": 0.5, "memory": 256.0}},
            }
        ],
        configs={"host_network": False, "restart_policy": "Always"},
        node_ids=[device.id],
    )
    ClusterNodes("cc-nodes", cluster_code=cluster.id, node_resource={"cpu": 4, "mem": 8, "root_disk_size": 40}, count=1)


config = pulumi.Config()
bad = config.get("bad")

if bad:
    bad_input.declare(json.loads(bad))
else:
    size = config.require_int("size")
    prefix = config.require("prefix")
    secret_value = config.require_secret("secretValue")
    package_ids = config.get_bool("packageIds") is not False
    node = {"cpu": 8, "mem": 16, "root_disk_size": 40, "xpu_resources": [{"xpu_type": "NVIDIA_T4", "num": 2}]}
    clusters = [
        Cluster(
            f"cluster-{c}", name=f"{prefix}-cluster-{c}", version="1.18.9", nodes=[{"node_resource": node, "count": 1}]
        )
        for c in range(math.ceil(size / 4))
    ]
    pulumi.export("kubeconfigs", [cluster.kubeconfig for cluster in clusters])
    service = AlgorithmService("cc-svc", algo_id=f"{prefix.upper()}:SVC", gpu_type="NVidia A2", replicas=1)
    square = [{"x": 0.0, "y": 1.0}, {"x": 1.0, "y": 1.0}, {"x": 1.0, "y": 0.0}, {"x": 0.0, "y": 0.0}]
    rule = {
        "areas": [{"area_id": 0, "area_type": "POLYGON", "points": square}],
        "destinations": {"HTTPDest": {"url": "https://events.local/report"}},
        "event_type": "ILLEGAL_ADV",
    }
    for i in range(size):
        AnalysisTask(
            f"cc-task-{i}",
            algo_service_id=service.id,
            restart_policy="NEVER",
            labels={"algoCabinName": "megcity-a2", "version": "2.0.1"},
            rules=[rule],
            stream={"url": f"rtsp://10.0.{i // 250}.{i % 250 + 1}/{prefix}", "resolution": "PIXELS_200W"},
        )
        workspace = Workspace(f"ma-ws-{i}", name=f"{prefix}-ws-{i}", description=f"reliability {i}")
        network = Network(f"ma-net-{i}", name=f"{prefix}-net-{i}", cidr=f"192.168.{i}.0/24", workspace_id=workspace.id)
        if i == 0 and config.get_bool("allKinds"):
            declare_other_kinds(prefix, workspace, network, clusters[0])
        ConfigMap(f"hl-cm-{i}", name=f"{prefix}-cm-{i}", data={"mode": "fast", "index": str(i)})
        Secret(f"hl-secret-{i}", name=f"{prefix}-secret-{i}", data={"token": secret_value, "index": str(i)})
        Workload(
            f"cc-wl-{i}",
            cluster_code=clusters[i % len(clusters)].id,
            name=f"{prefix}_wl_{i}",
            image="registry.local/vision/detect:1.0",
            replicas=1,
            resources={"cpu": 1, "memory": 1},
        )
        AlgorithmPackage(
            f"cc-pkg-{i}",
            package_id=f"{prefix.upper()}:{i:04d}" if package_ids else None,
            url=f"https://repo.local/algorithms/{prefix}-{i}.tar",
            md5=f"{i:032x}",
        )
