"""Clusters of the computing platform against a live localcloud (seed A.2-A.6)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.integration.localcloud.central_api import CentralApi, cluster_body
from tests.support.api import eventually
from tests.support.localcloud import Credentials, LocalCloudProcess


@pytest.fixture
def api(localcloud: LocalCloudProcess, project: Credentials) -> Iterator[CentralApi]:
    client = CentralApi(localcloud, project)
    yield client
    client.close()


def test_cluster_lifecycle(api: CentralApi) -> None:
    body = api.call("POST", "/CCP/clusters", json=cluster_body())
    assert body["code"] == "0" and body["message"] == "success" and body["requestId"]
    assert body["data"] == {"clusterCode": "cluster-1", "name": "test-open-clusters", "status": "creating"}
    creating = api.ok("GET", "/CCP/clusters/cluster-1")
    assert creating["phase"] == "creating"
    assert api.ok("GET", "/CCP/cluster/nodes", params={"clusterCode": "cluster-1"}) == []

    running = api.wait_cluster("cluster-1", "running")
    spec = cluster_body()["spec"]
    spec["nodes"][0]["nodeResource"]["xpuResources"] = [{"xpuType": "NVIDIA_T4", "num": 2}]  # one object → a list
    assert running == {
        "metadata": {"clusterCode": "cluster-1", "name": "test-open-clusters"},
        "spec": spec,
        "phase": "running",
    }
    assert api.ok("GET", "/CCP/clusters") == [{"metadata": running["metadata"], "spec": spec}]
    assert len(api.ok("GET", "/CCP/cluster/nodes", params={"clusterCode": "cluster-1"})) == 2

    assert api.call("DELETE", "/CCP/clusters/cluster-1")["code"] == "0"
    assert api.ok("GET", "/CCP/clusters/cluster-1")["phase"] == "deleting"
    api.wait_cluster("cluster-1", "deleted")
    assert api.ok("GET", "/CCP/clusters") == []  # a deleted cluster leaves the list at once
    assert api.ok("GET", "/CCP/cluster/nodes", params={"clusterCode": "cluster-1"}) == []
    api.ok("DELETE", "/CCP/clusters/cluster-1")  # deleting a deleted cluster changes nothing
    eventually(lambda: api.call("GET", "/CCP/clusters/cluster-1")["code"] == "404")
    assert api.fails("DELETE", "/CCP/clusters/cluster-1", 404) == "cluster cluster-1 does not exist"
    assert api.create_cluster("test-open-clusters", wait=False) == "cluster-2"  # codes are never reused


def test_region_and_the_parameters_of_get_and_delete(api: CentralApi) -> None:
    code = api.create_cluster("regional", wait=False)
    other = {**cluster_body("elsewhere"), "regionId": "cn-sh-a"}
    api.ok("POST", "/CCP/clusters", json=other)
    # regionId in a query string, or in a body on GET (A.19's example sends one).
    assert [c["metadata"]["name"] for c in api.ok("GET", "/CCP/clusters", params={"regionId": "cn-bj-d"})] == [
        "regional"
    ]
    listed = api.ok("GET", "/CCP/clusters", content=b'{"regionId": "cn-sh-a"}')
    assert [c["metadata"]["name"] for c in listed] == ["elsewhere"]
    assert api.fails("GET", f"/CCP/clusters/{code}", 404, params={"regionId": "cn-sh-a"})
    # A.3's example repeats clusterCode in a DELETE body; the path's wins.
    api.ok("DELETE", f"/CCP/clusters/{code}", json={"regionId": "cn-bj-d", "clusterCode": "cluster-99"})
    assert api.ok("GET", f"/CCP/clusters/{code}")["phase"] == "deleting"
    # The project's region is the region of a cluster created without one.
    plain = cluster_body("no-region")
    del plain["regionId"]
    created = api.ok("POST", "/CCP/clusters", json=plain)["clusterCode"]
    region = api.project.region
    assert [c["metadata"]["clusterCode"] for c in api.ok("GET", "/CCP/clusters", params={"regionId": region})] == [
        created
    ]
    # ... and a later query naming any region finds it (no 404): it was created in no region of its
    # own. One created in a region stays out of sight of queries naming another.
    named = {"regionId": "cn-bj-d", "clusterCode": created}
    assert api.ok("GET", f"/CCP/clusters/{created}", params={"regionId": "cn-bj-d"})["metadata"]["name"] == "no-region"
    assert api.call("GET", f"/CCP/clusters/{created}/license", json=named)["code"] != "404"
    assert api.ok("GET", "/CCP/cluster/nodes", json=named) == []
    assert created in [c["metadata"]["clusterCode"] for c in api.ok("GET", "/CCP/clusters", json={"regionId": "x-1"})]
    assert api.fails("GET", f"/CCP/clusters/{code}", 404, params={"regionId": region})


def test_paths_are_matched_without_regard_to_case(api: CentralApi) -> None:
    code = api.create_cluster("any-case", wait=False)
    assert api.ok("GET", f"/ccp/CLUSTERS/{code}")["metadata"]["clusterCode"] == code
    assert api.client.patch(f"/ccp/clusters/{code}", json={}).status_code == 405


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"spec": {"version": "1.19.0", "nodes": []}}, "spec.version: '1.19.0' is not one of 1.18.x"),
        ({"name": ""}, "name: String should have at least 1 character"),
        ({"spec": {"version": "1.24.x", "nodes": [], "hostNetwork": "10.0.0.1/8"}}, "spec.hostNetwork"),
        ({"spec": {"version": "1.24.x", "nodes": [{"count": 1}]}}, "spec.nodes[0].nodeResource: Field required"),
        (
            {"spec": {"version": "1.22.3", "nodes": [{"nodeResource": {"cpu": 0, "mem": 1}, "count": 1}]}},
            "spec.nodes[0].nodeResource.cpu: Input should be greater than or equal to 1",
        ),
        ({"spec": {"version": "1.22.3", "hostNetwork": "10.0.0.0/28", "nodes": []}}, ""),
    ],
)
def test_invalid_creates_are_code_400(api: CentralApi, change: dict[str, Any], fragment: str) -> None:
    body = {**cluster_body(), **change}
    if not fragment:  # a valid variant: a cluster of no nodes in a /28
        assert api.ok("POST", "/CCP/clusters", json=body)["status"] == "creating"
        return
    assert fragment in api.fails("POST", "/CCP/clusters", 400, json=body)


def test_names_are_unique_and_too_many_nodes_are_refused(api: CentralApi) -> None:
    api.create_cluster("unique", wait=False)
    assert (
        api.fails("POST", "/CCP/clusters", 409, json=cluster_body("unique")) == "a cluster named unique already exists"
    )
    small = cluster_body("small", count=11)
    small["spec"]["hostNetwork"] = "10.0.0.0/28"  # 14 hosts, less the gateway and the API server
    assert api.ok("POST", "/CCP/clusters", json=small)["status"] == "creating"
    small["spec"]["nodes"][0]["count"] = 13
    assert "13 nodes exceed the limit of 12" in api.fails(
        "POST", "/CCP/clusters", 400, json={**small, "name": "smaller"}
    )
    assert "JSON" in api.fails("POST", "/CCP/clusters", 400, content=b"{", headers={"Content-Type": "application/json"})


def test_license_is_kubeconfig_material(api: CentralApi) -> None:
    code = api.create_cluster("kube", wait=False)
    assert "creating" in api.fails("GET", f"/CCP/clusters/{code}/license", 409)
    api.wait_cluster(code, "running")
    cert = api.ok("GET", f"/CCP/clusters/{code}/license", json={"regionId": "cn-bj-d", "clusterCode": code})
    assert set(cert) == {"externalAddress", "caCertData", "clientCertData", "clientKeyData", "innerAddress"}
    assert cert["externalAddress"].startswith("https://") and cert["externalAddress"].endswith(":6443")
    assert cert["innerAddress"] == "https://192.168.0.2:6443"  # in hostNetwork 192.168.0.0/20
    assert api.ok("GET", f"/CCP/clusters/{code}/license") == cert  # made once, kept

    kubeconfig = yaml.safe_dump(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": code,
                    "cluster": {"server": cert["externalAddress"], "certificate-authority-data": cert["caCertData"]},
                }
            ],
            "users": [
                {
                    "name": f"{code}-admin",
                    "user": {
                        "client-certificate-data": cert["clientCertData"],
                        "client-key-data": cert["clientKeyData"],
                    },
                }
            ],
            "contexts": [{"name": code, "context": {"cluster": code, "user": f"{code}-admin"}}],
            "current-context": code,
        }
    )
    loaded = yaml.safe_load(kubeconfig)
    assert loaded["kind"] == "Config" and loaded["current-context"] == code
    assert [c["name"] for c in loaded["clusters"]] == [code] and loaded["contexts"][0]["context"][
        "user"
    ] == f"{code}-admin"

    ca = x509.load_pem_x509_certificate(
        base64.b64decode(loaded["clusters"][0]["cluster"]["certificate-authority-data"])
    )
    user = loaded["users"][0]["user"]
    client = x509.load_pem_x509_certificate(base64.b64decode(user["client-certificate-data"]))
    key = serialization.load_pem_private_key(base64.b64decode(user["client-key-data"]), password=None)
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    client.verify_directly_issued_by(ca)
    assert client.public_key() == key.public_key()
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    organization = client.subject.get_attributes_for_oid(x509.oid.NameOID.ORGANIZATION_NAME)[0].value
    assert organization == "system:masters"
    other = api.create_cluster("kube-two")
    assert api.ok("GET", f"/CCP/clusters/{other}/license")["caCertData"] != cert["caCertData"]


def test_fail_next_creation_ends_create_failed(api: CentralApi) -> None:
    api.fail_next("central.cluster", message="no capacity in zone")
    code = api.create_cluster("doomed", wait=False)
    failed = api.wait_cluster(code, "create_failed")
    assert failed["message"] == "no capacity in zone"
    assert api.ok("GET", "/CCP/cluster/nodes", params={"clusterCode": code}) == []
    api.ok("DELETE", f"/CCP/clusters/{code}")
    api.wait_cluster(code, "deleted")


def test_fail_next_by_code_ends_delete_failed(api: CentralApi) -> None:
    code = api.create_cluster("sticky")
    api.fail_next("central.cluster", code, "volumes still attached")
    api.ok("DELETE", f"/CCP/clusters/{code}")
    failed = api.wait_cluster(code, "delete_failed")
    assert failed["message"] == "volumes still attached"
    assert len(api.ok("GET", "/CCP/cluster/nodes", params={"clusterCode": code})) == 2  # nothing was removed
    api.ok("DELETE", f"/CCP/clusters/{code}")
    api.wait_cluster(code, "deleted")


def test_deleting_a_creating_cluster(api: CentralApi) -> None:
    code = api.create_cluster("short-lived", wait=False)
    api.ok("DELETE", f"/CCP/clusters/{code}")
    api.wait_cluster(code, "deleted")


def test_a_request_is_logged_as_central(localcloud: LocalCloudProcess, api: CentralApi) -> None:
    since = localcloud.requests()[-1]["seq"]
    api.ok("GET", "/CCP/clusters")
    assert httpx.get(f"{localcloud.url}/CCP/clusters", timeout=10).status_code == 401
    logged = [(e["platform"], e["path"], e["status"]) for e in localcloud.requests(since)]
    assert logged == [("central", "/CCP/clusters", 200), ("central", "/CCP/clusters", 401)]
