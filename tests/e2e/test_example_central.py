"""examples/central-compute-cluster and examples/video-analytics-pipeline with the aicompute CLI
against localcloud: up, a no-change preview, one change (an engine scaled in place; a stream added
as one new task), destroy leaving nothing on the platform; and the engines as Kubernetes
Deployments rendered with --render-kubernetes, with no kubeconfig in the manifests or the state."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.central import central_api, central_writes
from tests.support.engine_cli import EXAMPLES, EngineCli
from tests.support.localcloud import Credentials, LocalCloudProcess
from tests.support.providers import last_seq

WORKLOADS = "/CCP/algoservice/workloads"


def example(tmp_path: Path, name: str, localcloud: LocalCloudProcess, project: Credentials, **config: str) -> EngineCli:
    """The example with a new stack, the central platform's settings in its config (the secret a secret)."""
    cli = EngineCli(tmp_path, name, source=EXAMPLES)
    cli.init_for_localcloud(localcloud, project, **config)
    return cli


def platform(localcloud: LocalCloudProcess, project: Credentials) -> dict[str, Any]:
    """The project's objects on the central platform: clusters (with their nodes and workloads) and CAP objects."""
    with central_api(localcloud, project) as api:
        clusters: dict[str, Any] = {}
        for cluster in api.data("GET", "/CCP/clusters") or []:
            code = cluster["metadata"]["clusterCode"]
            nodes = api.data("GET", "/CCP/cluster/nodes", {"clusterCode": code}) or []
            listed = api.data("GET", WORKLOADS, {"clusterCode": code, "namespace": "default"}) or {}
            workloads = {w["workloadName"]: w["replicas"] for w in listed.get("pageContent") or []}
            clusters[cluster["metadata"]["name"]] = {"nodes": len(nodes), "workloads": workloads}
        return {
            "clusters": clusters,
            "packages": [p["id"] for p in api.search("/CAP/AlgoPackages:search")],
            "services": [s["id"] for s in api.search("/CAP/AlgoServices:search")],
            "tasks": {t["taskInfo"]["id"]: t for t in api.search("/CAP/AlgoTasks:search")},
        }


def outputs(cli: EngineCli) -> dict[str, Any]:
    """The stack's outputs as the state records them (secret ones stay encrypted)."""
    [stack] = [r for r in cli.resources().values() if r["type"] == "pulumi:pulumi:Stack"]
    return dict(stack.get("outputs") or {})


def kubeconfig_secrets(localcloud: LocalCloudProcess, project: Credentials, cluster_code: str) -> list[str]:
    """The credentials of the cluster's kubeconfig, as the platform hands them out (seed A.6)."""
    with central_api(localcloud, project) as api:
        cert = api.data("GET", f"/CCP/clusters/{cluster_code}/license", {"clusterCode": cluster_code})
    return [str(cert[key]).strip() for key in ("clientKeyData", "clientCertData")]


@pytest.mark.slow
def test_central_compute_cluster_up_scale_and_destroy(
    tmp_path: Path, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    cli = example(tmp_path, "central-compute-cluster", localcloud, project)

    up = cli.run("up", "--yes")
    assert "+ 6 created" in up.stdout  # stack, component, cluster, node group, two engines
    names = outputs(cli)["engine_names"]
    assert platform(localcloud, project)["clusters"] == {
        "vision": {"nodes": 2, "workloads": {names["detector"]: 2, names["encoder"]: 1}}
    }
    secrets = kubeconfig_secrets(localcloud, project, outputs(cli)["cluster_code"])
    assert all(secret not in cli.state_text() + up.stdout for secret in secrets)
    cli.run("preview", "--expect-no-changes")

    cli.set_config(**{"central-compute-cluster:detectorReplicas": "3"})
    plan = cli.run("preview", "--diff", "--expect-no-changes", expect=7)
    assert "~  pulumi-python:dynamic/central:Workload vision-detector update" in plan.stdout
    assert "~ replicas: 2 => 3" in plan.stdout and "1 to update" in plan.stdout
    since = last_seq(localcloud)
    cli.run("up", "--yes", "--skip-preview")
    writes = [(c["method"], c["path"]) for c in central_writes(localcloud, since)]
    assert writes == [("PUT", f"{WORKLOADS}/{names['detector']}")]
    assert platform(localcloud, project)["clusters"]["vision"]["workloads"][names["detector"]] == 3
    cli.run("preview", "--expect-no-changes")

    cli.run("destroy", "--yes", "--skip-preview")
    assert platform(localcloud, project)["clusters"] == {}
    assert cli.resources() == {}


@pytest.mark.slow
def test_video_analytics_pipeline_up_add_a_stream_and_destroy(
    tmp_path: Path, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    cli = example(tmp_path, "video-analytics-pipeline", localcloud, project)

    up = cli.run("up", "--yes", "--skip-preview")
    assert "+ 8 created" in up.stdout  # stack, two components, cluster, package, service, two tasks
    before = outputs(cli)
    live = platform(localcloud, project)
    assert list(live["clusters"]) == ["analytics"] and live["packages"] == ["intrusion"]
    assert live["services"] == [before["service_id"]]
    assert sorted(live["tasks"]) == sorted(before["task_ids"].values())
    assert before["task_statuses"] == {"gate": "RUNNING", "lobby": "RUNNING"}
    cli.run("preview", "--expect-no-changes")

    streams = {
        "gate": {"url": "rtsp://10.0.0.7/gate", "resolution": "PIXELS_200W"},
        "lobby": {"url": "rtsp://10.0.0.8/lobby", "resolution": "PIXELS_200W"},
        "dock": {"url": "rtsp://10.0.0.9/dock", "resolution": "PIXELS_400W"},
    }
    cli.set_config(**{"video-analytics-pipeline:streams": json.dumps(streams)})
    since = last_seq(localcloud)
    added = cli.run("up", "--yes", "--skip-preview")
    assert "+ 1 created" in added.stdout and "8 unchanged" in added.stdout
    assert [(c["method"], c["path"]) for c in central_writes(localcloud, since)] == [("POST", "/CAP/AlgoTasks")]
    after = outputs(cli)
    assert {k: v for k, v in after["task_ids"].items() if k != "dock"} == before["task_ids"]
    assert sorted(platform(localcloud, project)["tasks"]) == sorted(after["task_ids"].values())
    cli.run("preview", "--expect-no-changes")

    cli.run("destroy", "--yes", "--skip-preview")
    assert platform(localcloud, project) == {"clusters": {}, "packages": [], "services": [], "tasks": {}}
    assert cli.resources() == {}


def test_engines_as_kubernetes_deployments_rendered_without_the_kubeconfig(
    tmp_path: Path, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    cli = example(
        tmp_path, "central-compute-cluster", localcloud, project, **{"central-compute-cluster:kubernetes": "true"}
    )
    out = tmp_path / "manifests"
    render = ("--render-kubernetes", str(out))

    up = cli.run("up", "--yes", *render)  # its preview has no kubeconfig yet: the provider's input is unknown
    assert "+  kubernetes:apps/v1:Deployment vision-detector create" in up.stdout
    assert "+ 7 created" in up.stdout  # stack, component, cluster, node group, kubernetes provider, two Deployments
    assert platform(localcloud, project)["clusters"] == {"vision": {"nodes": 2, "workloads": {}}}
    manifests = out / "1-manifest"
    files = sorted(p.name for p in manifests.iterdir())
    assert files == ["apps_v1-deployment-default-detector.yaml", "apps_v1-deployment-default-encoder.yaml"]
    detector = yaml.safe_load((manifests / files[0]).read_text())
    assert detector["metadata"]["annotations"]["tbax.io/cluster-code"] == outputs(cli)["cluster_code"]
    assert detector["spec"]["replicas"] == 2
    pod = detector["spec"]["template"]["spec"]
    assert pod["nodeSelector"] == {"tbax.io/xpu-type": "NVIDIA_T4"}
    assert pod["containers"][0]["resources"] == {
        "limits": {"cpu": "2", "memory": "4Gi", "nvidia.com/gpu": "1"},
        "requests": {"cpu": "2", "memory": "4Gi"},
    }
    rendered = "".join(p.read_text() for p in manifests.iterdir())
    state = cli.state_text()
    secrets = kubeconfig_secrets(localcloud, project, outputs(cli)["cluster_code"])
    for text in (rendered, state, up.stdout + up.stderr):
        assert "client-key-data" not in text and all(secret not in text for secret in secrets)
    provider = cli.resources()["vision-kubernetes"]
    assert set(provider["inputs"]["kubeconfig"]) >= {"ciphertext"}  # encrypted in the state
    cli.run("preview", "--expect-no-changes", *render)

    cli.run("destroy", "--yes", "--skip-preview", *render)
    assert list(manifests.iterdir()) == []
    assert platform(localcloud, project)["clusters"] == {}
    assert cli.resources() == {}
