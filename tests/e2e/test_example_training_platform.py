"""examples/training-platform, unchanged, through the aicompute CLI against localcloud: up, a
no-change preview, `drift --unmanaged` in sync, one node pool scaled (that node pool alone updates
in place), destroy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.api import signed_json
from tests.support.example_stack import example_stack, step_ops
from tests.support.localcloud import Credentials, LocalCloudProcess
from tests.support.pools import list_pools
from tests.support.providers import last_seq, mutating_calls


def node_pools(localcloud: LocalCloudProcess, project: Credentials, pool_id: str) -> dict[str, int]:
    listing = signed_json(localcloud, project, "GET", f"v2/pools/{pool_id}/nodepools")
    return {item["metadata"]["name"]: int(item["spec"]["resources"]["count"]) for item in listing["items"]}


def leftovers(localcloud: LocalCloudProcess, project: Credentials) -> dict[str, list[Any]]:
    workspaces = signed_json(localcloud, project, "GET", "v1/workspaces")["workspaces"]
    return {
        "workspaces": [w["name"] for w in workspaces if w["name"] != "default"],
        "networks": signed_json(localcloud, project, "GET", "v1/networks")["items"],
        "pools": list_pools(localcloud, project),
    }


@pytest.mark.slow
def test_training_platform_example(tmp_path: Path, localcloud: LocalCloudProcess, project: Credentials) -> None:
    cli = example_stack(tmp_path, "training-platform", localcloud, project)

    up = json.loads(cli.run("up", "--yes", "--skip-preview", "--json", timeout=240).stdout)
    assert up["changeSummary"] == {"create": 7}, up["changeSummary"]  # the stack and 6 resources
    outputs = up["outputs"]
    pool_id = outputs["pool_id"]
    assert outputs["pool_status"] == "Running"
    assert outputs["node_pool_ids"] == {"cpu": f"{pool_id}/cpu", "gpu": f"{pool_id}/gpu"}
    assert outputs["node_pool_statuses"] == {"cpu": "Available", "gpu": "Available"}
    [pool] = list_pools(localcloud, project)
    assert pool["metadata"]["name"] == pool_id
    assert pool["spec"]["network"]["name"] == outputs["network_id"]
    counts = node_pools(localcloud, project, pool_id)
    assert {name: counts[name] for name in ("cpu", "gpu")} == {"cpu": 1, "gpu": 1}
    resources = cli.resources()
    assert resources["training"]["type"] == "aicompute:stacks:TrainingPlatform"
    assert resources["training-gpu"]["parent"] == resources["training"]["urn"]
    assert project.secret_key not in cli.state_text()
    cli.run("preview", "--expect-no-changes")
    # The pool's own default node pool is listed beside the node pools, and is the pool's: in sync.
    cli.run("drift", "--stack", cli.stack, "--unmanaged", expect=0)

    # Scale the "gpu" node pool: that node pool alone is updated, in place, with one PATCH — and,
    # after a refresh, its diff shows the count alone (not the `- tags: []` a refresh records).
    cli.run("refresh", "--yes", "--skip-preview", timeout=240)
    cli.set_config(**{"training-platform:gpuNodes": "2"})
    diff = cli.run("preview", "--diff").stdout
    changes = [
        line.split() for line in diff.split("Outputs:")[0].splitlines() if line.strip()[:2] in ("+ ", "- ", "~ ")
    ]
    assert changes == [
        ["~", "pulumi-python:dynamic/modelarts:NodePool", "training-gpu", "update"],
        ["~", "count:", "1", "=>", "2"],
    ]
    since = last_seq(localcloud)
    scaled = step_ops(json.loads(cli.run("up", "--yes", "--skip-preview", "--json", timeout=240).stdout))
    assert scaled.pop("training-gpu") == "update"
    assert set(scaled.values()) == {"same"} and len(scaled) == 5, scaled
    calls = [(c["method"], c["path"]) for c in mutating_calls(localcloud, since)]
    assert calls == [("PATCH", f"/v2/{project.project_id}/pools/{pool_id}/nodepools/gpu")]
    counts = node_pools(localcloud, project, pool_id)
    assert (counts["cpu"], counts["gpu"]) == (1, 2)
    cli.run("preview", "--expect-no-changes")

    cli.run("destroy", "--yes", "--skip-preview", timeout=240)
    assert leftovers(localcloud, project) == {"workspaces": [], "networks": [], "pools": []}
    assert cli.resources() == {}
