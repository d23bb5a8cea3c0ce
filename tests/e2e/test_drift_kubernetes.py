"""``aicompute drift`` of the Kubernetes Deployments a CentralComputeCluster with ``kubernetes: true``
applies through the pulumi-kubernetes plugin (``make pulumi-kubernetes``) to the tests' control plane
(``make kubernetes``), with localcloud's cluster backed by it: in sync after ``up``; a replicas
scaling and a label changed through the Kubernetes API are drift (exit 2, resource and field
named) until ``refresh`` records them; a deleted Deployment is reported deleted. The cluster's
kubeconfig, a secret, appears in no report."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from aicompute.engine.deploy.providers.external import find_plugin
from tests.e2e import test_example_central_kubernetes as central
from tests.support.engine_cli import EXAMPLES, EngineCli
from tests.support.examples import provider_env
from tests.support.kubernetes_cluster import KubernetesCluster
from tests.support.localcloud import LocalCloudProcess
from tests.support.pulumi_cli import REQUIRE_ENV

pytestmark = pytest.mark.slow

EXAMPLE = "central-compute-cluster"
DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments"
DEPLOYMENT_TYPE = "kubernetes:apps/v1:Deployment"
MERGE_PATCH = {"Content-Type": "application/merge-patch+json"}

# The central example's fixtures: the control plane with its T4 nodes, localcloud backed by it.
cluster = central.cluster
backed_localcloud = central.backed_localcloud


@pytest.fixture(scope="module", autouse=True)
def plugin_built() -> None:
    """Without the plugin this test is skipped (a failure under AICOMPUTE_REQUIRE_PULUMI=1) before
    the cluster fixture, which fails then, starts."""
    if find_plugin("kubernetes") is None:
        message = "the pulumi-kubernetes provider plugin is not built: run `make pulumi-kubernetes`"
        (pytest.fail if os.environ.get(REQUIRE_ENV) == "1" else pytest.skip)(message)


@pytest.fixture
def cli(backed_localcloud: LocalCloudProcess, tmp_path: Path) -> EngineCli:
    env = provider_env(backed_localcloud, backed_localcloud.new_project())
    engine = EngineCli(tmp_path, EXAMPLE, source=EXAMPLES, env=env)
    engine.init()
    engine.run("config", "set", "kubernetes", "true")
    return engine


def _ready(replicas: int) -> Any:
    return lambda d: d["spec"]["replicas"] == replicas and d.get("status", {}).get("readyReplicas") == replicas


def _patch(cluster: KubernetesCluster, name: str, patch: dict[str, Any]) -> None:
    with cluster.client() as client:
        client.patch(f"{DEPLOYMENTS}/{name}", content=json.dumps(patch), headers=MERGE_PATCH).raise_for_status()


def _drift(cli: EngineCli, tmp_path: Path, expect: int) -> tuple[str, dict[str, Any]]:
    report = tmp_path / "drift.json"
    markdown = str(tmp_path / "drift.md")
    result = cli.run("drift", "--stack", cli.stack, "--json", str(report), "--markdown", markdown, expect=expect)
    return result.stdout, json.loads(report.read_text())


def _changed(document: dict[str, Any]) -> dict[str, dict[str, tuple[Any, Any]]]:
    """Resource name → property path → (state, live)."""
    return {
        r["name"]: {p["path"]: (p["state"], p["live"]) for p in r["properties"]}
        for r in document["resources"]
        if r["kind"] == "changed"
    }


def test_drift_reads_the_deployments_through_the_plugin(
    cli: EngineCli, cluster: KubernetesCluster, tmp_path: Path
) -> None:
    cli.run("up", "--yes", "--skip-preview", timeout=600)
    cluster.wait_for(f"{DEPLOYMENTS}/detector", _ready(2))
    cluster.wait_for(f"{DEPLOYMENTS}/encoder", _ready(1))
    kubeconfig = cluster.kubeconfig()

    text, document = _drift(cli, tmp_path, expect=0)
    assert {"type": DEPLOYMENT_TYPE, "managed": 2, "method": "plugin-read"} in document["types"], document
    assert not [s for s in document["skipped"] if s["type"] == DEPLOYMENT_TYPE], document["skipped"]
    assert "Read with their provider plugin's Read" in text

    _patch(cluster, "detector", {"spec": {"replicas": 1}})  # kubectl scale
    _patch(cluster, "encoder", {"metadata": {"labels": {"app": "encoder-by-hand"}}})  # kubectl label --overwrite
    text, document = _drift(cli, tmp_path, expect=2)
    changed = _changed(document)
    assert changed == {
        "vision-detector": {"spec.replicas": (2, 1)},
        "vision-encoder": {"metadata.labels.app": ("encoder", "encoder-by-hand")},
    }, document["resources"]
    assert "spec.replicas: 2 => 1" in text and 'metadata.labels.app: "encoder" => "encoder-by-hand"' in text
    for report in (text, json.dumps(document), (tmp_path / "drift.md").read_text()):
        assert kubeconfig not in report and "token" not in report.lower()

    cli.run("refresh", "--yes", "--skip-preview", timeout=600)
    _drift(cli, tmp_path, expect=0)

    with cluster.client() as client:
        client.delete(f"{DEPLOYMENTS}/encoder").raise_for_status()
    text, document = _drift(cli, tmp_path, expect=2)
    assert [(r["name"], r["kind"]) for r in document["resources"]] == [("vision-encoder", "deleted")], document
    assert "Found deleted resources:" in text and "default/encoder (vision-encoder)" in text
