"""The bad-input catalogue: one invalid input per case, across every resource and stack component.

A case starts from a valid declaration of its type (``BASES``, ``COMPONENT_BASES``) and changes one
thing: a wrong type, a value out of range, a broken pattern or length, a value outside an enum, a
required field left out (``MISSING``), two fields that conflict, an input the type does not have,
or a reference to an object that does not exist (``get`` of a missing id). ``field`` is what the
error message must name.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

MISSING = object()
"""A change to this value removes the field."""

T4_NODE = {"cpu": 8, "mem": 16, "root_disk_size": 40, "xpu_resources": [{"xpu_type": "NVIDIA_T4", "num": 2}]}
APP = {
    "name": "detector",
    "app_url": "swr.cn-north-4.myhuaweicloud.com/edge/detector:1.0",
    "version": "1.0.0",
    "resources": {"limits": {"cpu": 0.5, "memory": 256.0}},
}
SQUARE = [{"x": 0.0, "y": 1.0}, {"x": 1.0, "y": 1.0}, {"x": 1.0, "y": 0.0}, {"x": 0.0, "y": 0.0}]
RULE = {
    "areas": [{"area_id": 0, "area_type": "POLYGON", "points": SQUARE}],
    "destinations": {"HTTPDest": {"url": "https://events.local/report"}},
    "event_type": "ILLEGAL_ADV",
}
MD5 = "0123456789abcdef0123456789abcdef"

BASES: dict[str, dict[str, Any]] = {
    "modelarts:Workspace": {"name": "rel-ws", "description": "reliability"},
    "modelarts:Network": {"name": "rel-net", "cidr": "192.168.0.0/24"},
    "modelarts:ResourcePool": {
        "name": "rel-pool",
        "network_id": "net-1",
        "scope": ["Train"],
        "resources": [{"flavor": "modelarts.vm.cpu.4ud", "count": 1}],
    },
    "modelarts:NodePool": {"pool_name": "pool-x", "name": "np-one", "flavor": "modelarts.vm.cpu.8u", "count": 1},
    "modelarts:Model": {
        "model_name": "detector",
        "model_version": "1.0.0",
        "model_type": "PyTorch",
        "source_location": "https://models.obs.example.com/detector",
    },
    "modelarts:InferenceService": {
        "service_name": "svc-vision",
        "infer_type": "real-time",
        "config": [{"model_id": "m-1", "specification": "modelarts.vm.cpu.2u", "instance_count": 1, "weight": 100}],
    },
    "hilens:Workspace": {"name": "edge-ws"},
    "hilens:Device": {"name": "camera-1"},
    "hilens:ConfigMap": {"name": "cm-one", "data": {"LOG_LEVEL": "info"}},
    "hilens:Secret": {"name": "sec-one", "data": {"token": "value-1"}},
    "hilens:Deployment": {
        "name": "detector",
        "source": "userdefined",
        "apps": [APP],
        "configs": {"host_network": False, "restart_policy": "Always"},
        "node_ids": ["hilens-x"],
    },
    "central:Cluster": {"name": "vision", "version": "1.18.9", "nodes": [{"node_resource": T4_NODE, "count": 1}]},
    "central:ClusterNodes": {
        "cluster_code": "cc-1",
        "node_resource": {"cpu": 4, "mem": 8, "root_disk_size": 40},
        "count": 1,
    },
    "central:Workload": {
        "cluster_code": "cc-1",
        "name": "detector",
        "image": "registry.local/vision/detect:1.0",
        "replicas": 1,
        "resources": {"cpu": 1, "memory": 2},
    },
    "central:AlgorithmPackage": {"url": "https://repo.local/algorithms/a.tar", "md5": MD5, "package_id": "ALG:1"},
    "central:AlgorithmService": {"algo_id": "ALG:1", "gpu_type": "NVidia A2", "replicas": 1},
    "central:AnalysisTask": {
        "algo_service_id": "svc-1",
        "restart_policy": "NEVER",
        "labels": {"algoCabinName": "megcity-a2", "version": "2.0.1"},
        "rules": [RULE],
        "stream": {"url": "rtsp://10.0.0.7/gate", "resolution": "PIXELS_200W"},
    },
}

COMPONENT_BASES: dict[str, dict[str, Any]] = {
    "TrainingPlatform": {
        "workspace": {"name": "vision-ws"},
        "network": {"name": "vision-net", "cidr": "192.168.0.0/16"},
        "pool": {
            "name": "vision-pool",
            "scope": ["Train"],
            "resources": [{"flavor": "modelarts.vm.cpu.4ud", "count": 1}],
        },
    },
    "InferenceEndpoint": {
        "model": BASES["modelarts:Model"],
        "service_name": "detector-svc",
        "pool_id": "pool-0123",
        "instance_count": 1,
    },
    "EdgeFleet": {
        "workspace": {"name": "edge-ws"},
        "devices": {"cam-1": {"description": "lobby"}},
        "config_maps": {"settings": {"name": "fleet-settings", "data": {"LOG_LEVEL": "info"}}},
        "secrets": {"token": {"name": "fleet-token", "data": {"token": "value-1"}}},
    },
    "CentralComputeCluster": {
        "cluster": BASES["central:Cluster"],
        "engines": {
            "detector": {
                "image": "registry.local/vision/detect:1.0",
                "replicas": 1,
                "resources": {"cpu": 1, "memory": 2},
            }
        },
    },
    "VideoAnalyticsPipeline": {
        "cluster_code": "cc-1",
        "package": BASES["central:AlgorithmPackage"],
        "service": {"gpu_type": "NVIDIA T4", "replicas": 1},
        "task": {"labels": {"algoCabinName": "megcity", "version": "2.0.1"}, "rules": [RULE]},
        "streams": {"gate": {"url": "rtsp://10.0.0.7/gate", "resolution": "PIXELS_200W"}},
    },
}


@dataclasses.dataclass(frozen=True)
class Case:
    id: str
    kind: str  # a resource type ("modelarts:Network") or a component name ("EdgeFleet")
    field: str  # what the error must name
    change: dict[str, Any] = dataclasses.field(default_factory=dict)  # dotted paths to new values (MISSING: removed)
    get: str | None = None  # instead: adopt this (missing) id

    @property
    def component(self) -> bool:
        return ":" not in self.kind

    def props(self) -> dict[str, Any]:
        """The base declaration with the change applied."""
        props = copy.deepcopy(COMPONENT_BASES[self.kind] if self.component else BASES[self.kind])
        for path, value in self.change.items():
            *parents, last = path.split(".")
            target: Any = props
            for part in parents:
                target = target[int(part)] if isinstance(target, list) else target[part]
            if value is MISSING:
                del target[last]
            elif isinstance(target, list):
                target[int(last)] = value
            else:
                target[last] = value
        return props

    def spec(self) -> dict[str, Any]:
        """The ``reliability:bad`` document the reliability project declares."""
        if self.get is not None:
            return {"type": self.kind, "get": self.get}
        if self.component:
            return {"component": self.kind, "args": self.props()}
        return {"type": self.kind, "props": self.props()}


def case(case_id: str, kind: str, field_name: str, **change: Any) -> Case:
    """``change`` keys are paths with ``__`` for dots: ``resources__0__count=0``."""
    return Case(case_id, kind, field_name, {key.replace("__", "."): value for key, value in change.items()})


CASES: list[Case] = [
    # ModelArts
    case("ma-workspace-name-too-short", "modelarts:Workspace", "name", name="ab"),
    case("ma-workspace-name-pattern", "modelarts:Workspace", "name", name="has space!"),
    case("ma-workspace-auth-enum", "modelarts:Workspace", "auth_type", auth_type="SECRET"),
    case("ma-workspace-description-length", "modelarts:Workspace", "description", description="d" * 300),
    case("ma-workspace-name-missing", "modelarts:Workspace", "name", name=MISSING),
    case("ma-network-cidr-range", "modelarts:Network", "cidr", cidr="10.0.0.0/8"),
    case("ma-network-cidr-pattern", "modelarts:Network", "cidr", cidr="not-a-cidr"),
    case("ma-network-name-pattern", "modelarts:Network", "name", name="Bad_Name"),
    case("ma-network-description-chars", "modelarts:Network", "description", description="a <b>"),
    case("ma-network-unknown-input", "modelarts:Network", "cidrs", cidrs=["192.168.1.0/24"]),
    case("ma-network-cidr-type", "modelarts:Network", "cidr", cidr=192168),
    case("ma-pool-count-range", "modelarts:ResourcePool", "resources[0].count", resources__0__count=0),
    case("ma-pool-scope-enum", "modelarts:ResourcePool", "scope", scope=["Play"]),
    case("ma-pool-network-missing", "modelarts:ResourcePool", "network_id", network_id=MISSING),
    case("ma-nodepool-count-range", "modelarts:NodePool", "count", count=-1),
    case("ma-nodepool-flavor-empty", "modelarts:NodePool", "flavor", flavor=""),
    case("ma-model-version-pattern", "modelarts:Model", "model_version", model_version="v1"),
    case("ma-model-type-enum", "modelarts:Model", "model_type", model_type="Caffe2000"),
    case("ma-model-source-missing", "modelarts:Model", "source_location", source_location=MISSING),
    case(
        "ma-service-weights-conflict",
        "modelarts:InferenceService",
        "config",
        config=[
            {"model_id": "m-1", "specification": "modelarts.vm.cpu.2u", "instance_count": 1, "weight": 60},
            {"model_id": "m-2", "specification": "modelarts.vm.cpu.2u", "instance_count": 1, "weight": 30},
        ],
    ),
    case(
        "ma-service-instances-range",
        "modelarts:InferenceService",
        "config[0].instance_count",
        config__0__instance_count=0,
    ),
    case("ma-service-infer-type-enum", "modelarts:InferenceService", "infer_type", infer_type="streaming"),
    # HiLens
    case("hl-workspace-default-name", "hilens:Workspace", "name", name="default"),
    case("hl-workspace-description-length", "hilens:Workspace", "description", description="d" * 300),
    case("hl-device-name-pattern", "hilens:Device", "name", name="has space"),
    case("hl-device-tags-count", "hilens:Device", "tags", tags={f"k{i}": "v" for i in range(21)}),
    case("hl-configmap-empty-data", "hilens:ConfigMap", "data", data={}),
    case("hl-configmap-key-pattern", "hilens:ConfigMap", "data", data={"bad key!": "v"}),
    case("hl-configmap-name-pattern", "hilens:ConfigMap", "name", name="1abc"),
    case("hl-secret-value-chars", "hilens:Secret", "data", data={"token": "a$b"}),
    case("hl-secret-name-length", "hilens:Secret", "name", name="s"),
    case("hl-secret-provider-enum", "hilens:Secret", "provider", provider="aws"),
    case("hl-deployment-replicas-range", "hilens:Deployment", "replicas", replicas=100),
    case("hl-deployment-target-missing", "hilens:Deployment", "cluster_id", node_ids=MISSING),
    case("hl-deployment-targets-conflict", "hilens:Deployment", "cluster_id", cluster_id="c1"),
    case("hl-deployment-apps-empty", "hilens:Deployment", "apps", apps=[]),
    # central platform
    case("cc-cluster-version-pattern", "central:Cluster", "version", version="1.19.0"),
    case("cc-cluster-nodes-count-range", "central:Cluster", "nodes[0].count", nodes__0__count=0),
    case("cc-cluster-cpu-type", "central:Cluster", "nodes[0].node_resource.cpu", nodes__0__node_resource__cpu="eight"),
    case("cc-nodes-count-type", "central:ClusterNodes", "count", count=1.5),
    case("cc-nodes-cluster-empty", "central:ClusterNodes", "cluster_code", cluster_code=""),
    case("cc-workload-replicas-range", "central:Workload", "replicas", replicas=-1),
    case("cc-workload-image-pattern", "central:Workload", "image", image="has space"),
    case("cc-workload-cpu-type", "central:Workload", "resources.cpu", resources__cpu="many"),
    case("cc-workload-namespace-pattern", "central:Workload", "namespace", namespace="Bad_NS"),
    case("cc-package-md5-pattern", "central:AlgorithmPackage", "md5", md5="xyz"),
    case("cc-package-url-pattern", "central:AlgorithmPackage", "url", url="no scheme"),
    case("cc-service-replicas-range", "central:AlgorithmService", "replicas", replicas=0),
    case("cc-service-envs-pattern", "central:AlgorithmService", "envs", envs={"a=b": "1"}),
    case("cc-task-restart-enum", "central:AnalysisTask", "restart_policy", restart_policy="SOMETIMES"),
    case("cc-task-rules-empty", "central:AnalysisTask", "rules", rules=[]),
    # references to objects that do not exist
    Case("ref-ma-network-missing", "modelarts:Network", "net-does-not-exist", get="net-does-not-exist"),
    Case("ref-hl-configmap-missing", "hilens:ConfigMap", "hilens-does-not-exist", get="hilens-does-not-exist"),
    Case("ref-cc-cluster-missing", "central:Cluster", "cc-does-not-exist", get="cc-does-not-exist"),
    # stack components
    case("st-training-cidr-range", "TrainingPlatform", "network.cidr", network__cidr="10.0.0.0/8"),
    case("st-training-unknown-arg", "TrainingPlatform", "pools", pools={}),
    case("st-training-workspace-missing", "TrainingPlatform", "workspace", workspace=MISSING),
    case("st-endpoint-instances-range", "InferenceEndpoint", "instance_count", instance_count=0),
    case("st-endpoint-model-type-enum", "InferenceEndpoint", "model.model_type", model__model_type="Caffe2000"),
    case("st-fleet-secret-value-chars", "EdgeFleet", "secrets.token.data", secrets__token__data={"token": "a$b"}),
    case("st-fleet-workspace-missing", "EdgeFleet", "workspace", workspace=MISSING),
    case("st-cluster-version-pattern", "CentralComputeCluster", "cluster.version", cluster__version="2.0"),
    case(
        "st-cluster-engine-replicas",
        "CentralComputeCluster",
        "engines.detector.replicas",
        engines__detector__replicas=-1,
    ),
    case("st-pipeline-md5-pattern", "VideoAnalyticsPipeline", "package.md5", package__md5="xyz"),
    case("st-pipeline-cluster-empty", "VideoAnalyticsPipeline", "cluster_code", cluster_code=""),
]

FAST_CLI_CASES = {
    "ma-service-weights-conflict",
    "hl-secret-value-chars",
    "cc-workload-cpu-type",
    "ref-ma-network-missing",
    "st-fleet-secret-value-chars",
}
"""One per platform, a missing reference and a component run through ``aicompute preview`` in the
default suite; every case does in the slow one."""
