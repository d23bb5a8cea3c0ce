"""Central platform Workload (algorithm engine): lifecycle, scaling, scheduling, failures, import."""

from __future__ import annotations

from typing import Any

import pytest

from aicompute.provider.errors import WaitFailed, WaitTimeout
from aicompute.resources.central.cluster_nodes import ClusterNodesProvider
from aicompute.resources.central.workload import WorkloadProvider
from tests.support.central import T4_NODE, central_api, platform_calls, running_cluster
from tests.support.localcloud import Credentials, LocalCloudProcess
from tests.support.providers import checked, configured, last_seq


@pytest.fixture
def provider(localcloud: LocalCloudProcess, project: Credentials) -> WorkloadProvider:
    return configured(WorkloadProvider, localcloud, project)


@pytest.fixture
def cluster(localcloud: LocalCloudProcess, project: Credentials) -> str:
    """A running cluster with one node of 8 cores, 16 GB and 2 T4 cards."""
    return running_cluster(localcloud, project, "engines")


def engine(cluster: str, **overrides: Any) -> dict[str, Any]:
    return {
        "cluster_code": cluster,
        "name": "human_detect",
        "image": "registry.local/vision/human-detect:1.0",
        "replicas": 2,
        "resources": {"cpu": 1, "memory": 2, "xpu": 0.5},
        "xpu_type": "NVIDIA_T4",
        **overrides,
    }


def workload_names(localcloud: LocalCloudProcess, project: Credentials, cluster: str) -> list[str]:
    with central_api(localcloud, project) as api:
        data = api.data("GET", "/CCP/algoservice/workloads", {"clusterCode": cluster, "namespace": "default"})
    return [w["workloadName"] for w in data["pageContent"]]


def test_lifecycle_scaled_up_and_down(
    provider: WorkloadProvider, cluster: str, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    inputs = checked(provider, engine(cluster, command="python serve.py", args="--port 8750"))
    assert inputs["labels"] == {"app": "human_detect"} and inputs["container_name"] == "human-detect"
    created = provider.create(inputs)
    workload_name = created.outs["workload_name"]
    assert workload_name.startswith("human_detect-deployment-")
    assert created.id == f"{cluster}/default/{workload_name}"
    assert created.outs["ready_replicas"] == 2 and len(created.outs["pods"]) == 2
    assert all(pod["status"] == "Running" and pod["ready"] for pod in created.outs["pods"])
    assert created.outs["status"] == "Running" and created.outs["name"] == "human_detect"
    assert created.outs["command"] == "python serve.py"  # kept from the program: never returned

    read = provider.read(created.id, created.outs)
    assert provider.diff(created.id, read.outs, inputs).changes is False

    up = {**inputs, "replicas": 3}
    assert provider.diff(created.id, read.outs, up).replaces == []
    scaled_up = provider.update(created.id, read.outs, checked(provider, up))
    assert scaled_up.outs["ready_replicas"] == 3 and len(scaled_up.outs["pods"]) == 3

    down = {**inputs, "replicas": 1}
    scaled_down = provider.update(created.id, scaled_up.outs, checked(provider, down))
    assert scaled_down.outs["ready_replicas"] == 1 and len(scaled_down.outs["pods"]) == 1
    assert provider.diff(created.id, provider.read(created.id, scaled_down.outs).outs, down).changes is False

    new_image = provider.diff(created.id, scaled_down.outs, {**down, "image": "registry.local/vision/hd:2.0"})
    assert new_image.replaces == ["image"] and new_image.delete_before_replace  # same name: delete first
    renamed = provider.diff(created.id, scaled_down.outs, checked(provider, {**down, "name": "hd2"}))
    assert "name" in renamed.replaces and not renamed.delete_before_replace
    assert provider.diff(created.id, scaled_down.outs, {**down, "command": "x"}).replaces == ["command"]

    provider.delete(created.id, scaled_down.outs)
    assert provider.read(created.id, scaled_down.outs).id == ""
    assert workload_names(localcloud, project, cluster) == []


def test_pods_go_only_to_nodes_with_the_accelerator_and_wait_for_capacity(
    provider: WorkloadProvider, cluster: str, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    # No node carries P4 cards: the pods stay Pending, the wait reports why, and nothing is left behind.
    with pytest.raises(WaitTimeout) as raised:
        provider.create(checked(provider, engine(cluster, xpu_type="NVIDIA_P4", timeouts={"create": 1})))
    assert "0/2 pods running" in str(raised.value) and "Pending" in str(raised.value)
    assert "was deleted" in str(raised.value)
    assert workload_names(localcloud, project, cluster) == []

    # Four pods of one T4 card each need two nodes: a scale-up waits until ClusterNodes adds one.
    inputs = checked(provider, engine(cluster, replicas=2, resources={"cpu": 1, "memory": 1, "xpu": 1}))
    created = provider.create(inputs)
    with pytest.raises(WaitTimeout):
        too_many = checked(provider, {**inputs, "replicas": 4, "timeouts": {"update": 1}})
        provider.update(created.id, created.outs, too_many)
    nodes = configured(ClusterNodesProvider, localcloud, project)
    nodes.create(checked(nodes, {"cluster_code": cluster, "node_resource": T4_NODE, "count": 1}))
    read = provider.read(created.id, created.outs)
    assert read.outs["replicas"] == 4
    settled = provider.update(created.id, read.outs, checked(provider, {**inputs, "replicas": 4}))
    assert settled.outs["ready_replicas"] == 4


def test_a_failed_pod_fails_the_create_with_its_message(
    provider: WorkloadProvider, cluster: str, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    localcloud.fail_next(project.project_id, "central.workload", message="image pull failed: manifest unknown")
    with pytest.raises(WaitFailed) as raised:
        provider.create(checked(provider, engine(cluster, replicas=1)))
    assert "manifest unknown" in str(raised.value)
    assert workload_names(localcloud, project, cluster) == []


def test_import_by_id_with_default_inputs(provider: WorkloadProvider, cluster: str) -> None:
    inputs = checked(provider, engine(cluster, name="counter", replicas=1, resources={"cpu": 1, "memory": 1}))
    created = provider.create(inputs)
    imported = provider.read(created.id, {})
    assert imported.inputs is not None and imported.inputs["name"] == "counter"
    assert imported.outs["labels"] == {"app": "counter"}  # never returned: the defaults stand in
    assert provider.diff(created.id, imported.outs, inputs).changes is False


def test_dropped_create_answer_is_adopted(
    provider: WorkloadProvider, cluster: str, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    localcloud.add_fault(method="POST", path="^/CCP/algoservice/workloads$", drop_response=True, count=1)
    try:
        created = provider.create(checked(provider, engine(cluster, replicas=1)))
    finally:
        localcloud.clear_faults()
    assert workload_names(localcloud, project, cluster) == [created.outs["workload_name"]]


def test_invalid_inputs_make_no_api_call(provider: WorkloadProvider, localcloud: LocalCloudProcess) -> None:
    since = last_seq(localcloud)
    cases: list[tuple[dict[str, Any], str]] = [
        (engine("c", labels={"app": "a"}, label_selector={"app": "b"}), "label_selector"),
        (engine("c", resources={"cpu": 1, "memory": 1, "xpu": 0.25}), "resources.xpu"),
        (engine("c", xpu_type=None), "xpu_type"),
        (engine("c", namespace="Default"), "namespace"),
        (engine("c", replicas=-1), "replicas"),
        (engine("c", labels={"bad key!": "x"}), "labels"),
        (engine("c", name="-leading"), "name"),
        (engine("c", container_name="Main_Container"), "container_name"),
        (engine("c", image="has space"), "image"),
    ]
    for props, field in cases:
        failures = provider.check({}, {**props, "__provider": "x"}).failures
        assert failures and field in failures[0].reason, (props, [f.reason for f in failures])
    assert platform_calls(localcloud, since) == []
