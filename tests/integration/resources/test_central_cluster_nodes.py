"""Central platform ClusterNodes: a node group scaled by count, against a live localcloud."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from aicompute.provider.http import RECONCILE_CREATES_ENV
from aicompute.resources.central._base import NodeResource, node_resource_body
from aicompute.resources.central.cluster import ClusterProvider
from aicompute.resources.central.cluster_nodes import ClusterNodesProvider
from tests.support.central import T4_NODE, central_api, cluster_inputs, platform_calls, running_cluster
from tests.support.localcloud import Credentials, LocalCloudProcess
from tests.support.providers import checked, configured, last_seq

CPU_NODE: dict[str, Any] = {"cpu": 4, "mem": 8, "root_disk_size": 40, "local_disk_size": 0}
CPU_SHAPE = NodeResource.model_validate(CPU_NODE)


@pytest.fixture
def provider(localcloud: LocalCloudProcess, project: Credentials) -> ClusterNodesProvider:
    return configured(ClusterNodesProvider, localcloud, project)


def node_ids(localcloud: LocalCloudProcess, project: Credentials, cluster_code: str) -> list[str]:
    with central_api(localcloud, project) as api:
        return [n["nodeId"] for n in api.data("GET", "/CCP/cluster/nodes", {"clusterCode": cluster_code})]


def test_lifecycle_scales_in_place(
    provider: ClusterNodesProvider, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    clusters = configured(ClusterProvider, localcloud, project)
    cluster_props = checked(clusters, cluster_inputs("scaled"))
    cluster = clusters.create(cluster_props)
    initial = node_ids(localcloud, project, cluster.id)

    inputs = checked(provider, {"cluster_code": cluster.id, "node_resource": CPU_NODE, "count": 2})
    created = provider.create(inputs)
    first_two = created.outs["node_ids"]
    assert created.id == f"{cluster.id}/{','.join(first_two)}"
    assert created.outs["count"] == 2
    assert {n["machine_type"] for n in created.outs["nodes"]} == {"CPU"}
    assert all(n["internal_ip"] and n["external_ip"] and n["memory"] == 8 for n in created.outs["nodes"])
    assert provider.diff(created.id, provider.read(created.id, created.outs).outs, inputs).changes is False
    # The cluster does not see the new nodes as drift of its own node groups.
    assert clusters.diff(cluster.id, clusters.read(cluster.id, cluster.outs).outs, cluster_props).changes is False

    up = {**inputs, "count": 4}
    assert provider.diff(created.id, created.outs, up).replaces == []
    grown = provider.update(created.id, created.outs, checked(provider, up))
    assert grown.outs["count"] == 4 and grown.outs["node_ids"][:2] == first_two
    assert set(node_ids(localcloud, project, cluster.id)) == set(initial) | set(grown.outs["node_ids"])

    down = {**inputs, "count": 1}
    shrunk = provider.update(created.id, grown.outs, checked(provider, down))
    assert shrunk.outs["node_ids"] == first_two[:1]  # the newest go first
    assert sorted(node_ids(localcloud, project, cluster.id)) == sorted([*initial, first_two[0]])
    read = provider.read(created.id, shrunk.outs)
    assert read.outs["node_ids"] == first_two[:1]
    assert provider.diff(created.id, read.outs, down).changes is False

    bigger_cpu = checked(provider, {**down, "node_resource": {**CPU_NODE, "cpu": 8}})
    reshaped = provider.diff(created.id, read.outs, bigger_cpu)
    assert reshaped.replaces == ["node_resource"]
    assert provider.diff(created.id, read.outs, {**down, "cluster_code": "cluster-x"}).replaces == ["cluster_code"]

    provider.delete(created.id, read.outs)
    assert node_ids(localcloud, project, cluster.id) == initial
    assert provider.read(created.id, read.outs).id == ""
    provider.delete(created.id, read.outs)  # already gone


def test_out_of_band_removal_is_drift_that_update_repairs(
    provider: ClusterNodesProvider, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    code = running_cluster(localcloud, project, "drifting")
    inputs = checked(provider, {"cluster_code": code, "node_resource": CPU_NODE, "count": 2})
    created = provider.create(inputs)
    with central_api(localcloud, project) as api:
        api.call("DELETE", "/CCP/cluster/nodes", {"clusterCode": code, "nodeId": created.outs["node_ids"][:1]})
    read = provider.read(created.id, created.outs)
    assert read.outs["count"] == 1 and read.inputs is not None and read.inputs["count"] == 1
    assert provider.diff(created.id, read.outs, inputs).replaces == []
    repaired = provider.update(created.id, read.outs, inputs)
    assert repaired.outs["count"] == 2 and repaired.outs["node_ids"][0] == created.outs["node_ids"][1]


def test_import_by_cluster_and_node_ids(
    provider: ClusterNodesProvider, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    code = running_cluster(localcloud, project, "imported")
    inputs = checked(provider, {"cluster_code": code, "node_resource": T4_NODE, "count": 2})
    created = provider.create(inputs)
    imported = provider.read(created.id, {})
    assert imported.inputs is not None and imported.inputs["node_resource"]["cpu"] == T4_NODE["cpu"]
    assert provider.diff(created.id, imported.outs, inputs).changes is False
    assert provider.read(f"{code}/no-such-node", {}).id == ""


def test_invalid_inputs_make_no_api_call(provider: ClusterNodesProvider, localcloud: LocalCloudProcess) -> None:
    since = last_seq(localcloud)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"cluster_code": "c", "node_resource": CPU_NODE, "count": 0}, "count"),
        ({"cluster_code": "", "node_resource": CPU_NODE, "count": 1}, "cluster_code"),
        ({"cluster_code": "c", "node_resource": {**CPU_NODE, "mem": 0}, "count": 1}, "node_resource.mem"),
        ({"cluster_code": "c", "node_resource": {**CPU_NODE, "gpus": 1}, "count": 1}, "node_resource.gpus"),
        ({"cluster_code": "c", "node_resource": CPU_NODE, "count": 1.5}, "count"),
    ]
    for props, field in cases:
        failures = provider.check({}, {**props, "__provider": "x"}).failures
        assert failures and field in failures[0].reason, (props, [f.reason for f in failures])
    assert platform_calls(localcloud, since) == []


@pytest.fixture
def faults(localcloud: LocalCloudProcess) -> Iterator[LocalCloudProcess]:
    localcloud.clear_faults()
    try:
        yield localcloud
    finally:
        localcloud.clear_faults()


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param({"drop_response": True}, id="dropped-answer"),
        pytest.param({"status": 503, "after_commit": True}, id="503-after-commit"),
    ],
)
def test_an_add_whose_answer_is_lost_adopts_the_nodes_the_cluster_gained(
    provider: ClusterNodesProvider, faults: LocalCloudProcess, project: Credentials, fault: dict[str, Any]
) -> None:
    code = running_cluster(faults, project, "lost-answer")
    initial = node_ids(faults, project, code)
    faults.add_fault(method="POST", path="^/CCP/cluster/nodes$", count=1, **fault)
    created = provider.create(checked(provider, {"cluster_code": code, "node_resource": CPU_NODE, "count": 2}))
    assert faults.admin("GET", "/faults")[0]["fired"] == 1
    assert sorted(node_ids(faults, project, code)) == sorted([*initial, *created.outs["node_ids"]])
    assert len(created.outs["node_ids"]) == 2


def test_a_burst_of_503s_from_the_token_endpoint_before_the_add_is_retried(
    provider: ClusterNodesProvider, faults: LocalCloudProcess, project: Credentials
) -> None:
    code = running_cluster(faults, project, "token-503")
    initial = node_ids(faults, project, code)
    faults.add_fault(method="POST", path="^/oauth/token$", status=503, count=4)
    created = provider.create(checked(provider, {"cluster_code": code, "node_resource": CPU_NODE, "count": 1}))
    assert faults.admin("GET", "/faults")[0]["fired"] == 4
    assert sorted(node_ids(faults, project, code)) == sorted([*initial, *created.outs["node_ids"]])


def test_a_create_repeated_after_an_interrupted_deployment_adopts_the_nodes_it_added(
    provider: ClusterNodesProvider, localcloud: LocalCloudProcess, project: Credentials, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = running_cluster(localcloud, project, "interrupted")
    initial = node_ids(localcloud, project, code)
    body = {"clusterCode": code, "count": 2, "spec": {"nodeResource": node_resource_body(CPU_SHAPE), "count": 2}}
    with central_api(localcloud, project) as api:  # what the killed engine's POST did
        api.call("POST", "/CCP/cluster/nodes", body)
    monkeypatch.setenv(RECONCILE_CREATES_ENV, "1")
    since = last_seq(localcloud)
    inputs = checked(provider, {"cluster_code": code, "node_resource": CPU_NODE, "count": 2})
    created = provider.create(inputs)
    calls = platform_calls(localcloud, since)
    assert not [c for c in calls if c["method"] == "POST" and c["path"] == "/CCP/cluster/nodes"], calls
    assert sorted(node_ids(localcloud, project, code)) == sorted([*initial, *created.outs["node_ids"]])

    # Nodes of the shape that are not exactly the group's: an error naming the cluster, and no node added.
    with central_api(localcloud, project) as api:
        api.call("POST", "/CCP/cluster/nodes", body)
    before = node_ids(localcloud, project, code)
    with pytest.raises(Exception, match=f"cluster {code}"):
        provider.create(inputs)
    assert node_ids(localcloud, project, code) == before
