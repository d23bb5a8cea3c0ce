"""pulumi-kubernetes for real, under both engines: the provider plugin (``make pulumi-kubernetes``)
applies a program's objects to the tests' control plane (``make kubernetes``) — up (the Deployment
rolls out on the kwok node with the accelerator), a replicas change in place, an out-of-band scaling
found by refresh and undone by the next up, destroy — with ``aicompute`` driving the plugin itself
and with the Pulumi CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from aicompute.engine.deploy.providers.external import find_plugin
from tests.support.engine_cli import EngineCli
from tests.support.kubernetes_cluster import KubernetesCluster, running_cluster
from tests.support.pulumi_cli import REQUIRE_ENV, PulumiCli

pytestmark = pytest.mark.slow

DEPLOYMENT = "/apis/apps/v1/namespaces/vision/deployments/detector"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KubernetesCluster]:
    if find_plugin("kubernetes") is None:
        message = "the pulumi-kubernetes provider plugin is not built: run `make pulumi-kubernetes`"
        import os

        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(message)
        pytest.skip(message)
    with running_cluster(tmp_path_factory.mktemp("kubernetes")) as started:
        started.add_node("gpu-0", {"accelerator": "nvidia-t4"}, {"nvidia.com/gpu": "4"})
        yield started


def _ready(replicas: int) -> object:
    return lambda d: d.get("status", {}).get("readyReplicas") == replicas and d["spec"]["replicas"] == replicas


def _lifecycle(cli: EngineCli, cluster: KubernetesCluster) -> None:
    cli.run("config", "set", "--secret", "kubeconfig", cluster.kubeconfig(), stdin=None)
    cli.run("up", "--yes", "--skip-preview", timeout=300)
    deployment = cluster.wait_for(DEPLOYMENT, _ready(1))
    template = deployment["spec"]["template"]["spec"]
    assert template["nodeSelector"] == {"accelerator": "nvidia-t4"}
    assert template["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == "1"
    pods = cluster.get("/api/v1/namespaces/vision/pods")["items"]
    assert {pod["spec"]["nodeName"] for pod in pods} == {"gpu-0"}
    uid = deployment["metadata"]["uid"]

    cli.run("config", "set", "replicas", "3")
    preview = cli.run("preview", "--diff").stdout
    assert "~ kubernetes:apps/v1:Deployment" in preview or "update" in preview
    cli.run("up", "--yes", "--skip-preview", timeout=300)
    scaled = cluster.wait_for(DEPLOYMENT, _ready(3))
    assert scaled["metadata"]["uid"] == uid  # in place, not replaced

    with cluster.client() as client:  # kubectl scale: a field the program sets, changed out of band
        patch = {"spec": {"replicas": 2}}
        headers = {"Content-Type": "application/merge-patch+json"}
        client.patch(DEPLOYMENT, content=json.dumps(patch), headers=headers).raise_for_status()
    refreshed = cli.run("refresh", "--yes", "--skip-preview", "--diff").stdout
    assert "replicas" in refreshed and "2" in refreshed, refreshed
    assert cli.run("preview", "--expect-no-changes", expect=None).returncode == 7  # the program says 3
    cli.run("up", "--yes", "--skip-preview", timeout=300)
    cluster.wait_for(DEPLOYMENT, _ready(3))
    exported = json.loads(cli.run("stack", "export").stdout)
    assert cluster.kubeconfig() not in json.dumps(exported)  # the kubeconfig stays a secret in state

    cli.run("destroy", "--yes", "--skip-preview", timeout=300)
    with cluster.client() as client:
        assert client.get(DEPLOYMENT).status_code == 404


def test_aicompute_applies_kubernetes_objects_through_the_plugin(cluster: KubernetesCluster, tmp_path: Path) -> None:
    cli = EngineCli(tmp_path, "k8sapply")
    cli.run("stack", "init", "dev")
    _lifecycle(cli, cluster)


def test_pulumi_applies_the_same_program(cluster: KubernetesCluster, tmp_path: Path, pulumi_bin: Path) -> None:
    cli = PulumiCli(tmp_path, "k8sapply", pulumi_bin)
    cli.init()
    _lifecycle(cli, cluster)
