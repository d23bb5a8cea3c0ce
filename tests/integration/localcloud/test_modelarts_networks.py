"""Networks against a live localcloud (seed §10.7–10.11)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.localcloud.resource_api import ResourceApi
from tests.support.api import eventually
from tests.support.localcloud import Credentials, LocalCloudProcess

PEER = {"peerVpcId": "03e4f4d7-fc62-409b-9c52-df885525e30b", "peerSubnetId": "42aeebc3-f7c7-45aa-b884-e6e9ac2f841d"}


@pytest.fixture
def api(localcloud: LocalCloudProcess, project: Credentials) -> Iterator[ResourceApi]:
    client = ResourceApi(localcloud, project)
    yield client
    client.close()


def network_body(name: str = "net-main", cidr: str = "192.168.128.0/17", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Network",
        "metadata": {"labels": {"os.modelarts/name": name, "os.modelarts/workspace.id": "0"}},
        "spec": {"cidr": cidr, **spec},
    }


def test_network_lifecycle(api: ResourceApi) -> None:
    created = api.post("v1/networks", network_body())
    name = created["metadata"]["name"]
    assert name == f"net-main-{api.project.project_id}"
    assert created["status"] == {"phase": ""}  # the seed's create answer
    assert created["spec"] == {"cidr": "192.168.128.0/17", "connection": {}}
    assert created["metadata"]["annotations"] == {}

    active = api.wait_network(name, "Active")
    assert active["status"]["connectionStatus"] == {}
    listed = api.get("v1/networks")
    assert (listed["kind"], listed["apiVersion"], listed["metadata"]) == ("NetworkList", "v1", {})
    assert [item["metadata"]["name"] for item in listed["items"]] == [name]

    described = api.patch(f"v1/networks/{name}", {"metadata": {"annotations": {"os.modelarts/description": "main"}}})
    assert described["metadata"]["annotations"] == {"os.modelarts/description": "main"}

    deleted = api.delete(f"v1/networks/{name}")
    assert "deletionTimestamp" in deleted["metadata"]
    eventually(lambda: api.gone(f"v1/networks/{name}"), bool)
    assert api.error("GET", f"v1/networks/{name}", 404, "ModelArts.50025001") == "Network not exist."
    api.error("DELETE", f"v1/networks/{name}", 404, "ModelArts.50025001")
    api.error(
        "PATCH",
        f"v1/networks/{name}",
        404,
        "ModelArts.50025001",
        json={},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    api.create_network("net-main", "192.168.128.0/17")  # the name is free again


def test_peer_connections_connect_and_are_replaced_whole(api: ResourceApi) -> None:
    name = api.create_network("net-peer", "172.16.0.0/16")
    # The request tables spell defaultGateway; it is answered as defaultGateWay (digest §12.3).
    patched = api.patch(
        f"v1/networks/{name}", {"spec": {"connection": {"peerConnectionList": [{**PEER, "defaultGateway": True}]}}}
    )
    peers = [{**PEER, "defaultGateWay": True}]
    assert patched["spec"]["connection"] == {"peerConnectionList": peers}
    assert patched["status"]["connectionStatus"]["peerConnectionStatus"] == [{**peers[0], "phase": "Connecting"}]
    connected = eventually(
        lambda: api.get(f"v1/networks/{name}"),
        lambda n: n["status"]["connectionStatus"]["peerConnectionStatus"][0]["phase"] == "Active",
    )
    assert connected["status"]["phase"] == "Active"

    emptied = api.patch(f"v1/networks/{name}", {"spec": {"connection": {"peerConnectionList": []}}})
    assert emptied["spec"]["connection"] == {}
    assert emptied["status"]["connectionStatus"] == {}


def test_patch_rules(api: ResourceApi) -> None:
    name = api.create_network("net-rules", "192.168.0.0/24")
    path = f"v1/networks/{name}"
    # The seed requires application/merge-patch+json; the official SDK sends application/json.
    assert api.ok("PATCH", path, json={}, headers={"Content-Type": "application/json"})["metadata"]["name"] == name
    message = api.error(
        "PATCH", path, 400, "ModelArts.50004000", json={}, headers={"Content-Type": "application/json-patch+json"}
    )
    assert "Content-Type" in message
    message = api.error(
        "PATCH",
        path,
        400,
        "ModelArts.50004000",
        json={"spec": {"cidr": "192.168.1.0/24"}},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert message == "Bad request. spec.cidr cannot be changed"
    relabel = {"metadata": {"labels": {"os.modelarts/name": "other"}}}
    message = api.error(
        "PATCH", path, 400, "ModelArts.50004000", json=relabel, headers={"Content-Type": "application/merge-patch+json"}
    )
    assert 'metadata.labels["os.modelarts/name"]' in message
    # Unchanged copies of non-patchable fields are accepted (a client may send the object back).
    current = api.get(path)
    assert api.patch(path, {"metadata": current["metadata"], "spec": current["spec"]})["spec"] == current["spec"]
    bad_description = {"metadata": {"annotations": {"os.modelarts/description": "a<b"}}}
    message = api.error(
        "PATCH",
        path,
        400,
        "ModelArts.50004000",
        json=bad_description,
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert "must not contain <" in message
    # null removes a key (RFC 7386).
    api.patch(path, {"metadata": {"annotations": {"os.modelarts/description": "x"}}})
    assert (
        api.patch(path, {"metadata": {"annotations": {"os.modelarts/description": None}}})["metadata"]["annotations"]
        == {}
    )


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (network_body(cidr="10.0.0.0/16"), "spec.cidr: '10.0.0.0/16' must lie within"),
        (network_body(cidr="192.168.0.0/25"), "spec.cidr: '192.168.0.0/25' must lie within"),
        (network_body(cidr="172.0.0.0/8"), "spec.cidr"),
        (network_body(cidr="192.168.1.5/24"), "is not a network CIDR"),
        (network_body(name="9net"), 'metadata.labels["os.modelarts/name"]'),
        (network_body(name="ab"), "must be 4-32 characters"),
        (network_body(name="Net-Upper"), "must be 4-32 characters"),
        ({**network_body(), "kind": "Pool"}, "kind"),
        ({**network_body(), "apiVersion": "v2"}, "apiVersion"),
        (network_body(connection={"peerConnectionList": [{"peerVpcId": "x"}]}), "peerSubnetId"),
    ],
)
def test_invalid_create_is_a_bad_request_naming_the_field(
    api: ResourceApi, body: dict[str, Any], fragment: str
) -> None:
    message = api.error("POST", "v1/networks", 400, "ModelArts.50004000", json=body)
    assert message.startswith("Bad request. ") and fragment in message, message


def test_malformed_json_is_a_bad_request(api: ResourceApi) -> None:
    api.error(
        "POST",
        "v1/networks",
        400,
        "ModelArts.50004000",
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )


def test_duplicates_overlaps_and_quota(api: ResourceApi) -> None:
    api.create_network("net-dupe", "192.168.0.0/24", wait=False)
    message = api.error(
        "POST", "v1/networks", 409, "ModelArts.50025000", json=network_body("net-dupe", "192.168.1.0/24")
    )
    assert message == "Network already exists."
    assert "overlaps" in api.error(
        "POST", "v1/networks", 400, "ModelArts.50004000", json=network_body("net-other", "192.168.0.0/16")
    )
    for index in range(2, 16):
        api.create_network(f"net-q{index}", f"192.168.{index}.0/24", wait=False)
    message = api.error("POST", "v1/networks", 400, "ModelArts.0118", json=network_body("net-over", "192.168.99.0/24"))
    assert "quota" in message
    quotas = api.get("v1/quotas")["quotas"]["resources"]
    assert {"type": "network", "quota": 15, "used": 15} in quotas


def test_list_pages_with_continue_and_filters_labels(api: ResourceApi) -> None:
    names = [api.create_network(f"net-page{i}", f"172.16.{i}.0/24", wait=False) for i in range(5)]
    first = api.get("v1/networks", params={"limit": 2})
    assert [n["metadata"]["name"] for n in first["items"]] == names[:2]
    assert first["metadata"]["remainingItemCount"] == 3
    second = api.get("v1/networks", params={"limit": 2, "continue": first["metadata"]["continue"]})
    assert [n["metadata"]["name"] for n in second["items"]] == names[2:4]
    last = api.get("v1/networks", params={"limit": 2, "continue": second["metadata"]["continue"]})
    assert ([n["metadata"]["name"] for n in last["items"]], last["metadata"]) == (names[4:], {})

    selected = api.get("v1/networks", params={"labelSelector": "os.modelarts/name=net-page3"})
    assert [n["metadata"]["name"] for n in selected["items"]] == [names[3]]
    others = api.get(
        "v1/networks", params={"labelSelector": "os.modelarts/workspace.id=0,os.modelarts/name!=net-page3"}
    )
    assert len(others["items"]) == 4
    api.error("GET", "v1/networks", 400, "ModelArts.50004000", params={"limit": "many"})
    api.error("GET", "v1/networks", 400, "ModelArts.50004000", params={"labelSelector": "a=b=c"})
    stale = base64.urlsafe_b64encode(b"no-such-network").decode()
    api.error("GET", "v1/networks", 400, "ModelArts.50004000", params={"continue": stale})


def test_fail_next_creation_ends_abnormal(api: ResourceApi) -> None:
    api.fail_next("modelarts.network", message="subnet quota exhausted")
    name = api.create_network("net-doomed", wait=False)
    failed = api.wait_network(name, "Abnormal")
    assert failed["status"]["message"] == "subnet quota exhausted"


def test_fail_next_by_id_fails_the_peer_connection(api: ResourceApi) -> None:
    name = api.create_network("net-flaky", "172.16.0.0/24")
    api.fail_next("modelarts.network", name, "peer VPC refused")
    api.patch(f"v1/networks/{name}", {"spec": {"connection": {"peerConnectionList": [PEER]}}})
    network = eventually(
        lambda: api.get(f"v1/networks/{name}"),
        lambda n: n["status"]["connectionStatus"]["peerConnectionStatus"][0]["phase"] != "Connecting",
    )
    assert network["status"]["connectionStatus"]["peerConnectionStatus"][0]["phase"] == "Abnormal"


def test_fail_next_deletion_keeps_the_network(api: ResourceApi) -> None:
    name = api.create_network("net-kept", "172.16.0.0/24")
    api.fail_next("modelarts.network", name, "subnet still has ports")
    api.delete(f"v1/networks/{name}")
    network = api.wait_network(name, "Abnormal")
    assert "deletionTimestamp" not in network["metadata"]
    assert network["status"]["message"] == "subnet still has ports"
    api.delete(f"v1/networks/{name}")
    eventually(lambda: api.gone(f"v1/networks/{name}"), bool)


def test_a_network_in_use_by_a_pool_cannot_be_deleted(api: ResourceApi) -> None:
    network = api.create_network("net-used", "192.168.0.0/16")
    pool = api.create_pool("pool-user", network, wait=False)
    message = api.error("DELETE", f"v1/networks/{network}", 400, "ModelArts.50004000")
    assert pool in message
    api.delete(f"v2/pools/{pool}")
    eventually(lambda: api.gone(f"v2/pools/{pool}"), bool)
    api.delete(f"v1/networks/{network}")
