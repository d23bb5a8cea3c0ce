"""examples/inference-endpoint, unchanged, through the aicompute CLI against localcloud: up (a small
TrainingPlatform and an InferenceEndpoint on its pool), a no-change preview, the service scaled and
then stopped (each an in-place update of the service alone), destroy leaving nothing behind."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.api import signed_json
from tests.support.engine_cli import EngineCli
from tests.support.example_stack import example_stack, step_ops
from tests.support.localcloud import Credentials, LocalCloudProcess
from tests.support.providers import last_seq, mutating_calls


def service(localcloud: LocalCloudProcess, project: Credentials, service_id: str) -> dict[str, Any]:
    found: dict[str, Any] = signed_json(localcloud, project, "GET", f"v1/services/{service_id}")
    return found


def up_changing_the_service_alone(cli: EngineCli, localcloud: LocalCloudProcess) -> list[tuple[str, str]]:
    """``up`` after a config change: the service is the only step that is not ``same``; returns the
    platform calls it made."""
    since = last_seq(localcloud)
    ops = step_ops(json.loads(cli.run("up", "--yes", "--skip-preview", "--json", timeout=240).stdout))
    assert ops.pop("detector-service") == "update"
    assert set(ops.values()) == {"same"} and len(ops) == 6, ops
    return [(call["method"], call["path"]) for call in mutating_calls(localcloud, since)]


def leftovers(localcloud: LocalCloudProcess, project: Credentials) -> dict[str, int]:
    def count(path: str, key: str) -> int:
        items = signed_json(localcloud, project, "GET", path)[key]
        return len([item for item in items if item.get("name") != "default"])

    return {
        "services": count("v1/services", "services"),
        "models": count("v1/models", "models"),
        "pools": count("v2/pools", "items"),
        "networks": count("v1/networks", "items"),
        "workspaces": count("v1/workspaces", "workspaces"),
    }


@pytest.mark.slow
def test_inference_endpoint_example(tmp_path: Path, localcloud: LocalCloudProcess, project: Credentials) -> None:
    cli = example_stack(tmp_path, "inference-endpoint", localcloud, project)

    up = json.loads(cli.run("up", "--yes", "--skip-preview", "--json", timeout=240).stdout)
    assert up["changeSummary"] == {"create": 8}, up["changeSummary"]  # the stack and 7 resources
    outputs = up["outputs"]
    service_id = outputs["service_id"]
    assert outputs["status"] == "running"
    assert outputs["access_address"].startswith("https://") and service_id in outputs["access_address"]
    live = service(localcloud, project, service_id)
    assert live["access_address"] == outputs["access_address"]
    assert live["pool_name"] == outputs["pool_id"] and live["infer_type"] == "real-time"
    [entry] = live["config"]
    assert entry["model_id"] == outputs["model_id"] and int(entry["instance_count"]) == 1
    resources = cli.resources()
    assert resources["detector"]["type"] == "aicompute:stacks:InferenceEndpoint"
    assert resources["detector-service"]["parent"] == resources["detector"]["urn"]
    cli.run("preview", "--expect-no-changes")

    # Two instances: the scaling call, PUT /property, on the running service.
    cli.set_config(**{"inference-endpoint:instances": "2"})
    base = f"/v1/{project.project_id}/services/{service_id}"
    assert up_changing_the_service_alone(cli, localcloud) == [("PUT", f"{base}/property")]
    live = service(localcloud, project, service_id)
    assert int(live["config"][0]["instance_count"]) == 2 and live["status"] == "running"

    # running: false stops it, in place.
    cli.set_config(**{"inference-endpoint:running": "false"})
    assert up_changing_the_service_alone(cli, localcloud) == [("PUT", base)]
    assert service(localcloud, project, service_id)["status"] == "stopped"
    cli.run("preview", "--expect-no-changes")

    cli.run("destroy", "--yes", "--skip-preview", timeout=240)
    assert leftovers(localcloud, project) == dict.fromkeys(("services", "models", "pools", "networks", "workspaces"), 0)
    assert cli.resources() == {}
