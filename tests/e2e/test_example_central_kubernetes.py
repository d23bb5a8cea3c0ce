"""examples/central-compute-cluster with ``kubernetes: true`` applied for real, under ``aicompute`` and
under ``pulumi``: localcloud's central clusters are backed by the tests' Kubernetes control plane
(``--kubernetes-cluster``), so the kubeconfig the cluster's license hands out reaches a real API
server, and the pulumi-kubernetes plugin applies the engines' Deployments to it. The kwok nodes carry
the T4 node group's accelerator label and GPUs: the detector's pods roll out there; scaling it is an
update in place; destroy removes the Deployments and the cluster."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from aicompute.engine.deploy.providers.external import find_plugin
from tests.support.engine_cli import EXAMPLES, EngineCli
from tests.support.examples import provider_env
from tests.support.kubernetes_cluster import KubernetesCluster, running_cluster
from tests.support.localcloud import LocalCloudProcess
from tests.support.pulumi_cli import PulumiCli

pytestmark = pytest.mark.slow

EXAMPLE = "central-compute-cluster"
DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KubernetesCluster]:
    if find_plugin("kubernetes") is None:
        pytest.fail("the pulumi-kubernetes provider plugin is not built: run `make pulumi-kubernetes`")
    with running_cluster(tmp_path_factory.mktemp("kubernetes")) as started:
        for index in range(2):
            started.add_node(f"t4-{index}", {"tbax.io/xpu-type": "NVIDIA_T4"}, {"nvidia.com/gpu": "2"})
        started.add_node("cpu-0", {}, {})
        yield started


@pytest.fixture
def backed_localcloud(cluster: KubernetesCluster, tmp_path: Path) -> Iterator[LocalCloudProcess]:
    backing = tmp_path / "cluster.json"
    backing.write_text(json.dumps(cluster.backing_cluster()))
    cloud = LocalCloudProcess(extra_args=["--kubernetes-cluster", str(backing)]).start()
    try:
        yield cloud
    finally:
        cloud.stop()


def _ready(replicas: int) -> object:
    return lambda d: d["spec"]["replicas"] == replicas and d.get("status", {}).get("readyReplicas") == replicas


@pytest.mark.parametrize("engine", ["aicompute", "pulumi"])
def test_the_engines_roll_out_on_the_clusters_accelerator_nodes(
    engine: str, cluster: KubernetesCluster, backed_localcloud: LocalCloudProcess, tmp_path: Path, pulumi_bin: Path
) -> None:
    env = provider_env(backed_localcloud, backed_localcloud.new_project())
    cli: EngineCli = (
        EngineCli(tmp_path, EXAMPLE, source=EXAMPLES, env=env)
        if engine == "aicompute"
        else PulumiCli(tmp_path, EXAMPLE, pulumi_bin, source=EXAMPLES, env=env)
    )
    cli.init()
    cli.run("config", "set", "kubernetes", "true")
    cli.run("up", "--yes", "--skip-preview", timeout=600)

    detector = cluster.wait_for(f"{DEPLOYMENTS}/detector", _ready(2))
    cluster.wait_for(f"{DEPLOYMENTS}/encoder", _ready(1))
    pod = detector["spec"]["template"]["spec"]
    assert pod["nodeSelector"] == {"tbax.io/xpu-type": "NVIDIA_T4"}
    assert pod["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == "1"
    pods = cluster.get("/api/v1/namespaces/default/pods?labelSelector=app%3Ddetector")["items"]
    assert {p["spec"]["nodeName"] for p in pods} <= {"t4-0", "t4-1"} and len(pods) == 2

    cli.run("config", "set", "detectorReplicas", "3")
    cli.run("up", "--yes", "--skip-preview", timeout=600)
    scaled = cluster.wait_for(f"{DEPLOYMENTS}/detector", _ready(3))
    assert scaled["metadata"]["uid"] == detector["metadata"]["uid"]  # in place
    cli.run("preview", "--expect-no-changes", timeout=300)

    cli.run("destroy", "--yes", "--skip-preview", timeout=600)
    with cluster.client() as client:
        assert client.get(f"{DEPLOYMENTS}/detector").status_code == 404
        assert client.get(f"{DEPLOYMENTS}/encoder").status_code == 404
