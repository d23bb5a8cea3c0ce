"""examples/multi-stack with the aicompute CLI against localcloud: the app stack builds on the
platform stack's outputs through a StackReference, follows a change of them on its next up, and
both stacks destroy to nothing."""

from __future__ import annotations

import json
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from tests.support.central import central_api
from tests.support.engine_cli import EXAMPLES, EngineCli
from tests.support.examples import provider_env
from tests.support.inventory import live_objects
from tests.support.localcloud import Credentials, LocalCloudProcess

REFERENCE = "organization/multi-stack-platform/dev"


def stack(tmp_path: Path, folder: str, localcloud: LocalCloudProcess, project: Credentials) -> EngineCli:
    """One of the two projects, sharing the state backend (``tmp_path/state``) with the other."""
    env = provider_env(localcloud, project)
    cli = EngineCli(tmp_path, f"multi-stack/{folder}", source=EXAMPLES, env=env)
    cli.init()
    return cli


def outputs(cli: EngineCli) -> dict[str, Any]:
    answer: dict[str, Any] = json.loads(cli.run("stack", "output", "--json").stdout)
    return answer


def workloads(localcloud: LocalCloudProcess, project: Credentials, cluster: str) -> list[dict[str, Any]]:
    """The details of the cluster's workloads in the default namespace."""
    where = {"clusterCode": cluster, "namespace": "default"}
    with closing(central_api(localcloud, project)) as api:
        names = [w["workloadName"] for w in api.data("GET", "/CCP/algoservice/workloads", where)["pageContent"]]
        return [api.data("GET", f"/CCP/algoservice/workloads/{name}", where) for name in names]


@pytest.mark.slow
def test_app_stack_follows_the_platform_stack(
    tmp_path: Path, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    platform = stack(tmp_path, "platform", localcloud, project)
    app = stack(tmp_path, "app", localcloud, project)

    platform.run("up", "--yes")
    shared = outputs(platform)
    up = app.run("up", "--yes")
    assert f">  pulumi:pulumi:StackReference {REFERENCE} read" in up.stdout
    deployed = outputs(app)
    assert deployed["cluster_code"] == shared["cluster_code"]
    assert deployed["image"] == "registry.local/vision/crowd-detect:2.1"
    [workload] = workloads(localcloud, project, shared["cluster_code"])
    assert workload["workloadName"] == deployed["workload_name"]
    app.run("preview", "--expect-no-changes")

    # The platform team moves the registry: only the platform's output changes ...
    platform.set_config(**{"multi-stack-platform:imageRegistry": "registry.local/vision-v2"})
    moved = platform.run("up", "--yes")
    assert "5 unchanged" in moved.stdout
    assert outputs(platform)["image_registry"] == "registry.local/vision-v2"
    # ... and the app's next up follows it: a new image replaces the engine, the settings update.
    plan = app.run("preview", "--diff", "--expect-no-changes", expect=7)
    assert "+- pulumi-python:dynamic/central:Workload detector replace" in plan.stdout
    assert "~  pulumi-python:dynamic/hilens:ConfigMap edge-settings update" in plan.stdout
    app.run("up", "--yes", "--skip-preview")
    assert outputs(app)["image"] == "registry.local/vision-v2/crowd-detect:2.1"
    [workload] = workloads(localcloud, project, shared["cluster_code"])
    assert workload["image"] == "registry.local/vision-v2/crowd-detect:2.1"
    app.run("preview", "--expect-no-changes")

    app.run("destroy", "--yes")
    assert workloads(localcloud, project, shared["cluster_code"]) == []
    platform.run("destroy", "--yes")
    assert live_objects(localcloud, project) == {}
    assert app.resources() == {} and platform.resources() == {}
