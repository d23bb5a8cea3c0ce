"""CentralComputeCluster and VideoAnalyticsPipeline under Pulumi mocks: type tokens, parenting, options,
outputs, the Kubernetes Deployments rendered from the engine specs, and construction-time checks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pulumi
import pytest

from aicompute.stacks import (
    CentralComputeCluster,
    CentralComputeClusterArgs,
    VideoAnalyticsPipeline,
)
from aicompute.stacks._component import ComponentArgsError

SECRET_SIG, SECRET_VALUE = "4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270"
KUBECONFIG = "apiVersion: v1\nkind: Config\n# kubeconfig-sentinel\n"
T4_NODE = {"cpu": 8, "mem": 16, "root_disk_size": 40, "xpu_resources": [{"xpu_type": "NVIDIA_T4", "num": 2}]}
CLUSTER = {"name": "vision", "version": "1.18.x", "nodes": [{"node_resource": T4_NODE, "count": 1}]}
DETECTOR = {
    "image": "registry.local/vision/detector:1.0",
    "replicas": 2,
    "resources": {"cpu": 2, "memory": 4, "xpu": 0.5},
    "xpu_type": "NVIDIA_T4",
    "args": "--port 8750 --log-level info",
}
ENCODER = {"image": "registry.local/vision/encoder:1.0", "replicas": 1, "resources": {"cpu": 1, "memory": 2}}
MD5 = "0123456789abcdef0123456789abcdef"
RULE = {
    "areas": [{"area_id": 1, "area_type": "POLYGON", "points": [{"x": 0, "y": 0}, {"x": 1, "y": 0}, {"x": 1, "y": 1}]}],
    "destinations": {"HTTPDest": {"url": "https://events.local/hook"}},
    "event_type": "INTRUSION",
}
PIPELINE: dict[str, Any] = {
    "cluster_code": "cc-1",
    "package": {"url": "https://artefacts.local/megcity.zip", "md5": MD5, "package_id": "megcity"},
    "service": {"gpu_type": "NVIDIA T4", "replicas": 1, "envs": {"threadCount": "4"}},
    "task": {"labels": {"algoCabinName": "megcity", "version": "2.0.1"}, "rules": [RULE]},
    "streams": {
        "gate": {"url": "rtsp://10.0.0.7/gate", "resolution": "PIXELS_200W"},
        "lobby": {"url": "rtsp://10.0.0.8/lobby", "resolution": "PIXELS_200W", "paused": True},
    },
}


class Mocks(pulumi.runtime.Mocks):
    """Every resource echoes its inputs; a cluster also reports a kubeconfig, node groups their node ids."""

    def __init__(self) -> None:
        self.created: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.created.append(args)
        outputs = {k: v for k, v in args.inputs.items() if k != "__provider"}
        if args.typ.endswith(":Cluster"):
            outputs.update(kubeconfig=KUBECONFIG, status="running")
        if args.typ.endswith(":ClusterNodes"):
            outputs["node_ids"] = [f"{args.name}-n{i}" for i in range(int(args.inputs["count"]))]
        if args.typ.endswith(":Workload"):
            outputs["workload_name"] = f"{args.inputs['name']}-deployment-abcde"
        if args.typ.endswith(":AlgorithmService"):
            outputs["status"] = "running"
        return f"{args.name}-id", outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None

    def of_type(self, suffix: str) -> list[pulumi.runtime.MockResourceArgs]:
        return [r for r in self.created if r.typ.endswith(suffix)]


@pytest.fixture
def mocks() -> Iterator[Mocks]:
    mocks = Mocks()
    pulumi.runtime.set_mocks(mocks, project="central", stack="unit", preview=False)
    yield mocks


def resolved(output: pulumi.Output[Any]) -> Any:
    """The value of an output once the mocked registrations settle."""
    values: list[Any] = []

    @pulumi.runtime.test
    def settle() -> pulumi.Output[Any]:
        return output.apply(values.append)

    settle()
    return values[0]


def is_secret(output: pulumi.Output[Any]) -> bool:
    return bool(resolved(pulumi.Output.from_input(output.is_secret())))


def cluster_args(**overrides: Any) -> dict[str, Any]:
    return {
        "cluster": CLUSTER,
        "node_groups": {"gpu": {"node_resource": T4_NODE, "count": 2}},
        "engines": {"detector": DETECTOR, "encoder": ENCODER},
        **overrides,
    }


def test_cluster_children_are_parented_and_engines_are_platform_workloads(mocks: Mocks) -> None:
    component = CentralComputeCluster("vision", cluster_args())
    assert component.type_token == "aicompute:stacks:CentralComputeCluster"
    urns = resolved(pulumi.Output.all(*(r.urn for r in (component.cluster, *component.workloads.values()))))
    parent = "::aicompute:stacks:CentralComputeCluster$"
    assert all(parent in urn for urn in urns), urns
    [cluster] = mocks.of_type(":Cluster")
    assert cluster.name == "vision-cluster" and cluster.inputs["version"] == "1.18.x"
    [group] = mocks.of_type(":ClusterNodes")
    assert group.name == "vision-gpu" and group.inputs["cluster_code"] == "vision-cluster-id"
    assert group.inputs["count"] == 2
    workloads = {w.inputs["name"]: w.inputs for w in mocks.of_type(":Workload")}
    assert set(workloads) == {"detector", "encoder"}
    assert workloads["detector"]["cluster_code"] == "vision-cluster-id"
    assert workloads["detector"]["resources"] == {"cpu": 2, "memory": 4, "xpu": 0.5}
    assert "accelerator_resource" not in workloads["detector"]
    assert not mocks.of_type("kubernetes") and component.kubernetes_provider is None
    assert resolved(component.engine_names) == {
        "detector": "detector-deployment-abcde",
        "encoder": "encoder-deployment-abcde",
    }
    assert resolved(component.node_ids) == {"gpu": ["vision-gpu-n0", "vision-gpu-n1"]}
    assert resolved(component.cluster_code) == "vision-cluster-id"


def test_cluster_options_reach_the_children(mocks: Mocks) -> None:
    component = CentralComputeCluster("vision", cluster_args(), opts=pulumi.ResourceOptions(protect=True))
    children = [component.cluster, *component.node_groups.values(), *component.workloads.values()]
    assert all(child._protect for child in children)
    assert is_secret(component.kubeconfig)


def test_kubernetes_engines_are_deployments_from_the_engine_spec(mocks: Mocks) -> None:
    component = CentralComputeCluster("vision", cluster_args(kubernetes=True))
    assert resolved(component.engine_names) == {"detector": "detector", "encoder": "encoder"}
    assert not mocks.of_type(":Workload") and component.kubernetes_provider is not None
    [provider] = mocks.of_type("pulumi:providers:kubernetes")
    assert provider.inputs["kubeconfig"] == {SECRET_SIG: SECRET_VALUE, "value": KUBECONFIG}  # sent as a secret
    deployments = {d.name: d for d in mocks.of_type("kubernetes:apps/v1:Deployment")}
    assert set(deployments) == {"vision-detector", "vision-encoder"}
    detector = deployments["vision-detector"]
    assert detector.provider is not None and detector.provider.startswith(resolved(component.kubernetes_provider.urn))
    metadata, spec = detector.inputs["metadata"], detector.inputs["spec"]
    assert metadata["name"] == "detector" and metadata["namespace"] == "default"
    assert metadata["annotations"] == {
        "tbax.io/cluster-code": "vision-cluster-id",
        "tbax.io/xpu-type": "NVIDIA_T4",
        "tbax.io/xpu": "0.5",
    }
    assert spec["replicas"] == 2 and spec["selector"]["matchLabels"] == {"app": "detector"}
    pod = spec["template"]["spec"]
    assert pod["nodeSelector"] == {"tbax.io/xpu-type": "NVIDIA_T4"}
    [container] = pod["containers"]
    assert container["name"] == "detector" and container["image"] == DETECTOR["image"]
    assert container["args"] == ["--port", "8750", "--log-level", "info"] and "command" not in container
    assert container["resources"] == {
        "requests": {"cpu": "2", "memory": "4Gi"},
        "limits": {"cpu": "2", "memory": "4Gi", "nvidia.com/gpu": "1"},  # a half card asks for a whole one
    }
    encoder = deployments["vision-encoder"].inputs["spec"]["template"]["spec"]
    assert "nodeSelector" not in encoder
    assert encoder["containers"][0]["resources"]["limits"] == {"cpu": "1", "memory": "2Gi"}


def test_kubernetes_accelerator_label_and_resource_name_are_configurable(mocks: Mocks) -> None:
    ascend = {
        **DETECTOR,
        "xpu_type": "ACME_X1",
        "accelerator_resource": "acme.com/x1",
        "resources": {"cpu": 1, "memory": 1, "xpu": 2},
    }
    component = CentralComputeCluster(
        "edge", cluster_args(kubernetes=True, accelerator_label="node.acme.com/card", engines={"d": ascend})
    )
    resolved(component.engine_names)
    [deployment] = mocks.of_type("kubernetes:apps/v1:Deployment")
    pod = deployment.inputs["spec"]["template"]["spec"]
    assert pod["nodeSelector"] == {"node.acme.com/card": "ACME_X1"}
    assert pod["containers"][0]["resources"]["limits"]["acme.com/x1"] == "2"


@pytest.mark.parametrize(
    ("overrides", "field", "rule"),
    [
        (
            {"engines": {"detector": {**DETECTOR, "replicas": -1}}},
            "engines.detector.replicas",
            "greater than or equal to 0",
        ),
        ({"engines": {"bad name!": ENCODER}}, "engines.bad name!.[key]", "breaks the rule"),
        (
            {"engines": {"d": {**DETECTOR, "cluster_code": "x"}}},
            "engines.d.cluster_code",
            "set by the CentralComputeCluster",
        ),
        ({"engines": {"d": {**DETECTOR, "xpu_type": None}}}, "engines", "xpu_type is required"),
        (
            {"engines": {"d": {**DETECTOR, "labels": {"app": "x"}, "label_selector": {"tier": "y"}}}},
            "engines",
            "subset",
        ),
        ({"cluster": {**CLUSTER, "version": "1.19.0"}}, "cluster.version", "1.18.x"),
        (
            {"node_groups": {"gpu": {"node_resource": T4_NODE, "count": 0}}},
            "node_groups.gpu.count",
            "greater than or equal to 1",
        ),
        (
            {"kubernetes": True, "engines": {"d": {**DETECTOR, "xpu_type": "ACME_X1"}}},
            "engines",
            "d.accelerator_resource: no Kubernetes resource name is known for xpu_type 'ACME_X1'",
        ),
        (
            {"kubernetes": True, "engines": {"d": {**DETECTOR, "args": "--name 'unclosed"}}},
            "engines",
            "d.args: cannot be split into words as a shell would (No closing quotation)",
        ),
        (
            {"kubernetes": True, "engines": {"d": {**DETECTOR, "accelerator_resource": "gpu"}}},
            "engines.d.accelerator_resource",
            "'gpu' breaks the rule: a Kubernetes extended resource name",
        ),
        ({"kubernetes": True, "engines": {"a_b": ENCODER, "a-b": ENCODER}}, "engines", "rename one"),
        ({"accelerator_label": "not a label"}, "accelerator_label", "Kubernetes labels"),
        ({"extra": 1}, "extra", "Extra inputs are not permitted"),
    ],
)
def test_cluster_bad_input_names_the_field_and_rule_before_any_registration(
    mocks: Mocks, overrides: dict[str, Any], field: str, rule: str
) -> None:
    with pytest.raises(ComponentArgsError) as error:
        CentralComputeCluster("vision", cluster_args(**overrides))
    message = str(error.value)
    assert message.startswith("CentralComputeCluster 'vision': invalid arguments: ")
    assert f"{field}: " in message and rule in message, message
    assert mocks.created == []


def test_cluster_args_model_is_accepted_as_is(mocks: Mocks) -> None:
    component = CentralComputeCluster("vision", CentralComputeClusterArgs.model_validate(cluster_args(engines={})))
    assert resolved(component.engine_names) == {}
    assert [r.typ.rsplit(":", 1)[1] for r in mocks.created if r.custom] == ["Cluster", "ClusterNodes"]


def test_pipeline_binds_package_service_and_one_task_per_stream(mocks: Mocks) -> None:
    pipeline = VideoAnalyticsPipeline("gates", PIPELINE)
    assert pipeline.type_token == "aicompute:stacks:VideoAnalyticsPipeline"
    assert resolved(pipeline.task_ids) == {"gate": "gates-gate-id", "lobby": "gates-lobby-id"}
    urns = resolved(
        pulumi.Output.all(pipeline.package.urn, pipeline.service.urn, *(t.urn for t in pipeline.tasks.values()))
    )
    assert all("::aicompute:stacks:VideoAnalyticsPipeline$" in urn for urn in urns), urns
    [service] = mocks.of_type(":AlgorithmService")
    assert service.inputs["algo_id"] == "megcity"  # the package's id
    assert service.inputs["envs"] == {"threadCount": "4", "clusterCode": "cc-1"}
    tasks = {t.name: t.inputs for t in mocks.of_type(":AnalysisTask")}
    assert tasks["gates-gate"]["algo_service_id"] == "gates-service-id"
    assert tasks["gates-gate"]["stream"] == {"url": "rtsp://10.0.0.7/gate", "resolution": "PIXELS_200W"}
    assert (
        tasks["gates-gate"]["restart_policy"] == "ALWAYS"
        and tasks["gates-gate"]["rules"][0]["event_type"] == "INTRUSION"
    )
    assert tasks["gates-gate"]["paused"] is False and tasks["gates-lobby"]["paused"] is True
    assert resolved(pipeline.service_status) == "running" and resolved(pipeline.cluster_code) == "cc-1"


def test_pipeline_takes_the_cluster_from_a_central_compute_cluster_and_names_list_streams_by_url(mocks: Mocks) -> None:
    cluster = CentralComputeCluster("vision", cluster_args(engines={}))
    streams = [PIPELINE["streams"]["lobby"], PIPELINE["streams"]["gate"]]
    pipeline = VideoAnalyticsPipeline("gates", {**PIPELINE, "cluster_code": cluster.cluster_code, "streams": streams})
    reordered = VideoAnalyticsPipeline("again", {**PIPELINE, "streams": streams[::-1]})
    ids = resolved(pipeline.task_ids)
    assert len(ids) == 2 and all(key.startswith("stream-") for key in ids)
    assert {k.removeprefix("gates-") for k in ids.values()} == {
        k.removeprefix("again-") for k in resolved(reordered.task_ids).values()
    }
    envs = [s.inputs["envs"] for s in mocks.of_type(":AlgorithmService")]
    assert {"threadCount": "4", "clusterCode": "vision-cluster-id"} in envs


def test_pipeline_options_reach_the_children(mocks: Mocks) -> None:
    pipeline = VideoAnalyticsPipeline("gates", PIPELINE, opts=pulumi.ResourceOptions(protect=True))
    resolved(pipeline.task_ids)
    assert all(child._protect for child in (pipeline.package, pipeline.service, *pipeline.tasks.values()))


@pytest.mark.parametrize(
    ("overrides", "field", "rule"),
    [
        ({"cluster_code": ""}, "cluster_code", "at least 1 character"),
        ({"package": {**PIPELINE["package"], "md5": "xyz"}}, "package.md5", "32 hexadecimal"),
        ({"service": {**PIPELINE["service"], "algo_id": "x"}}, "service.algo_id", "set by the VideoAnalyticsPipeline"),
        (
            {"service": {**PIPELINE["service"], "envs": {"clusterCode": "x"}}},
            "service.envs",
            "set by the VideoAnalyticsPipeline",
        ),
        ({"service": {**PIPELINE["service"], "replicas": 0}}, "service.replicas", "greater than or equal to 1"),
        ({"task": {**PIPELINE["task"], "labels": {"version": "1"}}}, "task.labels", "algoCabinName"),
        ({"task": {**PIPELINE["task"], "restart_policy": "SOMETIMES"}}, "task.restart_policy", "'NEVER' or 'ALWAYS'"),
        (
            {"streams": {"gate": {"url": "rtsp://x", "resolution": ""}}},
            "streams.gate.resolution",
            "at least 1 character",
        ),
        (
            {"streams": [{"url": "rtsp://x", "resolution": "P"}, {"url": "rtsp://x", "resolution": "Q"}]},
            "streams: ",
            "[0] and [1] have the same url 'rtsp://x'",
        ),
        ({"streams": [{"url": "rtsp://x"}]}, "streams: ", "[0].resolution: Field required"),
        ({"streams": "rtsp://x"}, "streams: ", "a map of name to stream or a list of streams"),
        (
            {"streams": {"a": {"url": "rtsp://x", "resolution": "P"}, "b": {"url": "rtsp://x", "resolution": "P"}}},
            "(args)",
            "streams a and b have the same url",
        ),
    ],
)
def test_pipeline_bad_input_names_the_field_and_rule_before_any_registration(
    mocks: Mocks, overrides: dict[str, Any], field: str, rule: str
) -> None:
    with pytest.raises(ComponentArgsError) as error:
        VideoAnalyticsPipeline("gates", {**PIPELINE, **overrides})
    message = str(error.value)
    assert message.startswith("VideoAnalyticsPipeline 'gates': invalid arguments: ")
    assert field in message and rule in message, message
    assert mocks.created == []
