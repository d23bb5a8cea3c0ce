"""The tests' Kubernetes control plane (``make kubernetes``): a Deployment rolls out on kwok nodes
that carry a node group's accelerator labels and extended resources, and a localcloud started with
``--kubernetes-cluster`` hands that API server out as every central cluster's license."""

from __future__ import annotations

import base64
import json
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from aicompute.resources.central.cluster import cluster_certificate, render_kubeconfig
from tests.support.central import central_api, running_cluster
from tests.support.kubernetes_cluster import KubernetesCluster
from tests.support.kubernetes_cluster import running_cluster as kubernetes_cluster
from tests.support.localcloud import LocalCloudProcess

pytestmark = pytest.mark.slow

ACCELERATOR = "nvidia.com/gpu"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KubernetesCluster]:
    with kubernetes_cluster(tmp_path_factory.mktemp("kubernetes")) as started:
        started.add_node("gpu-0", {"accelerator": "nvidia-t4"}, {ACCELERATOR: "2"})
        started.add_node("cpu-0", {}, {})
        yield started


def _deployment(name: str, replicas: int) -> dict[str, Any]:
    container = {
        "name": "detector",
        "image": "registry.local/detector:1",
        "resources": {"limits": {ACCELERATOR: "1", "cpu": "1"}, "requests": {ACCELERATOR: "1", "cpu": "1"}},
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"nodeSelector": {"accelerator": "nvidia-t4"}, "containers": [container]},
            },
        },
    }


def test_a_deployment_rolls_out_on_the_accelerator_node(cluster: KubernetesCluster) -> None:
    with cluster.client() as client:
        client.post("/apis/apps/v1/namespaces/default/deployments", json=_deployment("detector", 2)).raise_for_status()
    path = "/apis/apps/v1/namespaces/default/deployments/detector"
    cluster.wait_for(path, lambda d: d.get("status", {}).get("readyReplicas") == 2)
    pods = cluster.get("/api/v1/namespaces/default/pods?labelSelector=app%3Ddetector")["items"]
    assert sorted(pod["spec"]["nodeName"] for pod in pods) == ["gpu-0", "gpu-0"]
    assert {pod["status"]["phase"] for pod in pods} == {"Running"}


def test_a_third_replica_does_not_fit_two_accelerators(cluster: KubernetesCluster) -> None:
    """The extended resource is really accounted: two GPUs, the third pod stays Pending."""
    with cluster.client() as client:
        client.post("/apis/apps/v1/namespaces/default/deployments", json=_deployment("greedy", 3)).raise_for_status()
    path = "/apis/apps/v1/namespaces/default/deployments/greedy"
    cluster.wait_for(path, lambda d: d.get("status", {}).get("replicas") == 3)
    pods = cluster.get("/api/v1/namespaces/default/pods?labelSelector=app%3Dgreedy")["items"]
    assert sum(1 for pod in pods if pod["status"]["phase"] == "Pending") >= 1


def test_the_token_is_the_only_way_in(cluster: KubernetesCluster) -> None:
    anonymous = httpx.get(
        f"{cluster.server}/api/v1/nodes", verify=ssl.create_default_context(cafile=str(cluster.pki.ca))
    )
    assert anonymous.status_code in (401, 403)


def test_localcloud_hands_out_the_real_cluster_as_a_central_cluster_s_license(
    cluster: KubernetesCluster, tmp_path: Path
) -> None:
    backing = tmp_path / "cluster.json"
    backing.write_text(json.dumps(cluster.backing_cluster()))
    cloud = LocalCloudProcess(extra_args=["--kubernetes-cluster", str(backing)]).start()
    try:
        project = cloud.new_project()
        code = running_cluster(cloud, project, "backed")
        with central_api(cloud, project) as api:
            kubeconfig = yaml.safe_load(render_kubeconfig(code, cluster_certificate(api, code)))
    finally:
        cloud.stop()
    assert kubeconfig["clusters"][0]["cluster"]["server"] == cluster.server
    user = kubeconfig["users"][0]["user"]
    folder = tmp_path / "client"
    folder.mkdir()
    for name, key in (("ca.crt", None), ("client.crt", "client-certificate-data"), ("client.key", "client-key-data")):
        data = kubeconfig["clusters"][0]["cluster"]["certificate-authority-data"] if key is None else user[key]
        (folder / name).write_bytes(base64.b64decode(data))
    tls = ssl.create_default_context(cafile=str(folder / "ca.crt"))
    tls.load_cert_chain(str(folder / "client.crt"), str(folder / "client.key"))
    nodes = httpx.get(f"{cluster.server}/api/v1/nodes", verify=tls)
    assert nodes.status_code == 200
    assert {node["metadata"]["name"] for node in nodes.json()["items"]} == {"gpu-0", "cpu-0"}
