"""Node pools against a live localcloud (seed chapter 16)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.localcloud.resource_api import CPU, CPU8, ResourceApi
from tests.support.api import eventually
from tests.support.localcloud import Credentials, LocalCloudProcess

INVALID_NAME = "Bad request. invalid nodepool name"


@pytest.fixture
def api(localcloud: LocalCloudProcess, project: Credentials) -> Iterator[ResourceApi]:
    client = ResourceApi(localcloud, project)
    yield client
    client.close()


@pytest.fixture
def pool(api: ResourceApi) -> str:
    network = api.create_network("net-nodepools", "172.16.0.0/12")
    return api.create_pool("pool-np", network, resources=[{"flavor": CPU, "count": 1}])


def nodepool_body(name: str, count: int = 2, flavor: str = CPU8, **resources: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v2",
        "kind": "NodePool",
        "metadata": {"name": name, "annotations": {"os.modelarts/billing.mode": "0"}},
        "spec": {"resources": {"flavor": flavor, "count": count, "maxCount": count, **resources}},
    }


def settled(nodepool: dict[str, Any]) -> bool:
    buckets = nodepool["status"]["resources"]
    return set(buckets) == {"available"} and buckets["available"]["count"] == nodepool["spec"]["resources"]["count"]


def test_default_node_pool_of_a_pool(api: ResourceApi, pool: str) -> None:
    listed = api.get(f"v2/pools/{pool}/nodepools")
    assert (listed["kind"], listed["apiVersion"], set(listed)) == (
        "NodePoolList",
        "v2",
        {"kind", "apiVersion", "items"},
    )
    [default] = listed["items"]
    assert default["metadata"] == {"name": f"{CPU}-Default"}
    assert default["spec"]["resources"] == {"nodePool": f"{CPU}-Default", "flavor": CPU, "count": 1, "maxCount": 1}
    # Status buckets are single objects here, arrays on the pool (digest §12.4).
    available = default["status"]["resources"]["available"]
    assert available == {
        "flavor": CPU,
        "count": 1,
        "maxCount": 1,
        "azs": [{"az": f"{api.project.region}a", "count": 1}],
        "nodePool": f"{CPU}-Default",
    }


def test_node_pool_lifecycle(api: ResourceApi, pool: str) -> None:
    labels = {"team": "vision"}
    taints = [{"key": "dedicated", "value": "vision", "effect": "NoSchedule"}]
    created = api.post(f"v2/pools/{pool}/nodepools", nodepool_body("nodepool-1", labels=labels, taints=taints))
    assert set(created) == {"kind", "apiVersion", "metadata", "spec"}  # no status in the create answer
    assert created["metadata"] == {"name": "nodepool-1", "annotations": {"os.modelarts/billing.mode": "0"}}
    resources = created["spec"]["resources"]
    assert (resources["nodePool"], resources["count"], resources["labels"], resources["taints"]) == (
        "nodepool-1",
        2,
        labels,
        taints,
    )

    path = f"v2/pools/{pool}/nodepools/nodepool-1"
    creating = api.get(path)
    assert creating["status"]["resources"]["creating"]["count"] == 2
    assert "annotations" not in creating["metadata"]
    ready = eventually(lambda: api.get(path), settled)
    assert ready["status"]["resources"]["available"]["nodePool"] == "nodepool-1"
    # The pool lists the node pool's nodes and counts it in its spec (two views of one group).
    pool_view = api.get(f"v2/pools/{pool}")
    assert pool_view["spec"]["resources"] == [{"flavor": CPU, "count": 1}, {"flavor": CPU8, "count": 2, "maxCount": 2}]
    assert [e["nodePool"] for e in pool_view["status"]["resources"]["available"]] == [f"{CPU}-Default", "nodepool-1"]
    nodes = api.get(f"{path}/nodes")
    assert [n["metadata"]["labels"]["os.modelarts.node/nodepool"] for n in nodes["items"]] == ["nodepool-1"] * 2
    assert nodes["metadata"] == {}
    paged = api.get(f"{path}/nodes", params={"limit": "1"})  # limit is a String here (digest §12.21)
    assert len(paged["items"]) == 1 and paged["metadata"]["remainingItemCount"] == 1

    patched = api.patch(path, {"spec": {"resources": {"flavor": CPU8, "count": 3, "maxCount": 3}}})
    assert set(patched) == {"spec"}  # the PATCH answer holds only the spec (§16.4)
    assert patched["spec"]["resources"]["labels"] == labels  # merged into the object, not replaced
    assert api.get(path)["status"]["resources"]["creating"]["count"] == 1
    assert eventually(lambda: api.get(path), settled)["status"]["resources"]["available"]["count"] == 3
    assert api.get(f"v2/pools/{pool}")["spec"]["resources"][1]["count"] == 3

    deleted = api.delete(path)
    assert deleted["status"]["resources"]["available"]["count"] == 3  # the node pool as it was
    assert api.get(path)["status"]["resources"]["deleting"]["count"] == 3
    eventually(lambda: api.request("GET", path).status_code, lambda status: status == 400)
    assert api.error("GET", path, 400, "ModelArts.50004000") == INVALID_NAME
    assert api.get(f"v2/pools/{pool}")["spec"]["resources"] == [{"flavor": CPU, "count": 1}]


def test_not_found_and_invalid(api: ResourceApi, pool: str) -> None:
    merge = {"Content-Type": "application/merge-patch+json"}
    body = {"spec": {"resources": {"flavor": CPU, "count": 1, "maxCount": 1}}}
    missing = f"v2/pools/{pool}/nodepools/nodepool-none"
    assert api.error("GET", missing, 400, "ModelArts.50004000") == INVALID_NAME
    assert api.error("PATCH", missing, 400, "ModelArts.50004000", json=body, headers=merge) == INVALID_NAME
    assert api.error("DELETE", missing, 400, "ModelArts.50004000") == INVALID_NAME
    assert api.error("GET", f"{missing}/nodes", 400, "ModelArts.50004000") == INVALID_NAME
    other_pool = f"pool-none-{api.project.project_id}"
    api.error("GET", f"v2/pools/{other_pool}/nodepools/{CPU}-Default", 404, "ModelArts.50015001")
    api.error("POST", f"v2/pools/{other_pool}/nodepools", 404, "ModelArts.50015001", json=nodepool_body("np-x"))

    post = f"v2/pools/{pool}/nodepools"
    api.error("POST", post, 409, "ModelArts.50015000", json=nodepool_body(f"{CPU}-Default"))
    for body_, fragment in [
        (nodepool_body("np-a", maxCount=5), "maxCount 5 must equal count 2"),
        (nodepool_body("np-a", flavor="modelarts.vm.none"), "unknown flavor"),
        (nodepool_body("np-a", count=0), "spec.resources.count"),
        (nodepool_body("np-a", tags=[{"key": "CCE-owned", "value": "x"}]), "spec.resources.tags[0].key"),
        (nodepool_body("np-a", taints=[{"key": "k", "effect": "Sometimes"}]), "spec.resources.taints[0].effect"),
        (nodepool_body("np-a", nodePool="np-b"), "spec.resources.nodePool"),
        (nodepool_body("np a"), "metadata.name"),
        ({**nodepool_body("np-a"), "kind": "Pool"}, "kind"),
    ]:
        message = api.error("POST", post, 400, "ModelArts.50004000", json=body_)
        assert fragment in message, (body_, message)


def test_patch_rules(api: ResourceApi, pool: str) -> None:
    path = f"v2/pools/{pool}/nodepools/{CPU}-Default"
    merge = {"Content-Type": "application/merge-patch+json"}
    for patch, fragment in [
        ({"spec": {"resources": {"count": 2, "maxCount": 2}}}, "spec.resources.flavor: Field required"),
        ({"spec": {"resources": {"flavor": CPU8, "count": 1, "maxCount": 1}}}, "flavor cannot be changed"),
        ({"spec": {"resources": {"flavor": CPU, "count": 2, "maxCount": 1}}}, "must equal count"),
        (
            {"metadata": {"name": "renamed"}, "spec": {"resources": {"flavor": CPU, "count": 1, "maxCount": 1}}},
            "metadata.name cannot be changed",
        ),
    ]:
        message = api.error("PATCH", path, 400, "ModelArts.50004000", json=patch, headers=merge)
        assert fragment in message, (patch, message)
    api.error("PATCH", path, 400, "ModelArts.50004000", json={}, headers={"Content-Type": "text/plain"})
    whole = api.get(path)  # a node pool read back, rescaled, is a valid patch
    whole["spec"]["resources"].update(count=2, maxCount=2)
    assert api.patch(path, whole)["spec"]["resources"]["count"] == 2


def test_last_node_pool_and_prepaid_pools_cannot_be_deleted(api: ResourceApi, pool: str) -> None:
    message = api.error("DELETE", f"v2/pools/{pool}/nodepools/{CPU}-Default", 400, "ModelArts.50004000")
    assert "last one" in message
    network = api.get(f"v2/pools/{pool}")["spec"]["network"]["name"]
    prepaid = api.create_pool(
        "pool-prepaid",
        network,
        annotations={"os.modelarts/billing.mode": "1", "os.modelarts/period.num": "1", "os.modelarts/period.type": "2"},
    )
    api.post(f"v2/pools/{prepaid}/nodepools", nodepool_body("nodepool-2", count=1))
    message = api.error("DELETE", f"v2/pools/{prepaid}/nodepools/nodepool-2", 400, "ModelArts.50004000")
    assert "yearly/monthly" in message


def test_fail_next_node_pool_creation_leaves_abnormal_nodes(api: ResourceApi, pool: str) -> None:
    api.fail_next("modelarts.nodepool", message="flavor capacity exhausted")
    api.post(f"v2/pools/{pool}/nodepools", nodepool_body("nodepool-bad", count=1))
    path = f"v2/pools/{pool}/nodepools/nodepool-bad"
    failed = eventually(lambda: api.get(path), lambda np: "creating" not in np["status"]["resources"])
    assert failed["status"]["resources"]["abnormal"]["count"] == 1
    abnormal_pool = api.wait_pool(pool, "Abnormal")
    assert abnormal_pool["status"]["message"] == "flavor capacity exhausted"
    # Removing the broken node pool repairs the pool.
    api.delete(path)
    repaired = api.wait_pool(pool)
    assert "message" not in repaired["status"] and [
        e["nodePool"] for e in repaired["status"]["resources"]["available"]
    ] == [f"{CPU}-Default"]


def test_fail_next_by_id_fails_the_scale(api: ResourceApi, pool: str) -> None:
    api.fail_next("modelarts.nodepool", f"{pool}/{CPU}-Default", "node could not join")
    path = f"v2/pools/{pool}/nodepools/{CPU}-Default"
    api.patch(path, {"spec": {"resources": {"flavor": CPU, "count": 2, "maxCount": 2}}})
    nodepool = eventually(lambda: api.get(path), lambda np: "creating" not in np["status"]["resources"])
    assert (
        nodepool["status"]["resources"]["available"]["count"],
        nodepool["status"]["resources"]["abnormal"]["count"],
    ) == (1, 1)
    assert api.get(f"v2/pools/{pool}")["status"]["message"] == "node could not join"


def test_pool_patch_matches_node_pools_of_one_flavor_in_order(api: ResourceApi, pool: str) -> None:
    api.post(f"v2/pools/{pool}/nodepools", nodepool_body("nodepool-twin", count=1, flavor=CPU))
    eventually(lambda: api.get(f"v2/pools/{pool}/nodepools/nodepool-twin"), settled)
    assert api.get(f"v2/pools/{pool}")["spec"]["resources"] == [
        {"flavor": CPU, "count": 1},
        {"flavor": CPU, "count": 1, "maxCount": 1},
    ]
    # Entry i of the list is the i-th node pool of that flavor; a count of 0 drops it.
    api.patch(f"v2/pools/{pool}", {"spec": {"resources": [{"flavor": CPU, "count": 2}, {"flavor": CPU, "count": 0}]}})
    eventually(lambda: api.get(f"v2/pools/{pool}/nodepools")["items"], lambda items: len(items) == 1)
    assert api.get(f"v2/pools/{pool}/nodepools")["items"][0]["metadata"]["name"] == f"{CPU}-Default"
    assert api.wait_pool(pool)["spec"]["resources"] == [{"flavor": CPU, "count": 2}]
    assert api.gone(f"v2/pools/{pool}/nodepools/nodepool-twin", 400)
