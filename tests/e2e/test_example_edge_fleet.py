"""examples/edge-fleet by the aicompute CLI against localcloud: up, a no-change preview, a device
added by stack config (created, and the running deployment updated in place to include it, every
other object untouched), destroy leaving nothing on the platform; the secret never in plaintext."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aicompute.engine.backend.project import ObjectValue, load_project, load_stack_settings, save_stack_settings
from tests.support.api import signed_json, signed_request
from tests.support.engine_cli import EngineCli
from tests.support.example_stack import example_stack
from tests.support.examples import edge_agent
from tests.support.inventory import live_objects
from tests.support.localcloud import Credentials, LocalCloudProcess
from tests.support.providers import last_seq, mutating_calls

TOKEN = "edge-fleet-token-5f3a9c"
DEVICES = {"cam-lobby": {"description": "lobby camera"}, "cam-gate": {"description": "gate camera"}}


def _listing(localcloud: LocalCloudProcess, project: Credentials, kind: str, **params: str) -> list[dict[str, Any]]:
    items = signed_json(localcloud, project, "GET", f"v3/ai-mgr/{kind}", params=params)[kind]
    return [item for item in items if not (kind == "workspaces" and item["name"] == "default")]


def _gone(localcloud: LocalCloudProcess, project: Credentials, kind: str, object_id: str) -> bool:
    return signed_request(localcloud, project, "GET", f"v3/ai-mgr/{kind}/{object_id}").status_code == 404


def _set_devices(cli: EngineCli, devices: dict[str, Any]) -> None:
    """``edge-fleet:devices`` as a structured value in ``Pulumi.dev.yaml``."""
    settings = load_stack_settings(load_project(cli.project_dir), cli.stack)
    settings.config["edge-fleet:devices"] = ObjectValue(devices)
    save_stack_settings(settings)


def _planned(cli: EngineCli) -> dict[str, dict[str, Any]]:
    """``preview --json``'s steps by resource name."""
    steps = json.loads(cli.run("preview", "--json").stdout)["steps"]
    return {step["urn"].rsplit("::", 1)[1]: step for step in steps}


@pytest.mark.slow
def test_edge_fleet_example_lifecycle(tmp_path: Path, localcloud: LocalCloudProcess, project: Credentials) -> None:
    cli = example_stack(tmp_path, "edge-fleet", localcloud, project)
    cli.set_secret("edge-fleet:apiToken", TOKEN)
    _set_devices(cli, DEVICES)

    with edge_agent(localcloud, project):
        cli.run("up", "--yes", timeout=300)
    [workspace] = _listing(localcloud, project, "workspaces")
    assert workspace["name"] == "edge-fleet-ws"
    in_workspace = {"workspace_id": workspace["workspace_id"]}
    nodes = {node["name"]: node["id"] for node in _listing(localcloud, project, "nodes", **in_workspace)}
    [deployment] = _listing(localcloud, project, "deployments")
    assert set(nodes) == set(DEVICES)
    assert deployment["state"] == "RUNNING" and sorted(deployment["node_ids"]) == sorted(nodes.values())
    [config_map] = _listing(localcloud, project, "configmaps", **in_workspace)
    [secret] = _listing(localcloud, project, "secrets", **in_workspace)
    assert TOKEN not in cli.state_text()
    outputs = json.loads(cli.run("stack", "output", "--json").stdout)
    assert outputs["device_ids"] == {"cam-lobby": nodes["cam-lobby"], "cam-gate": nodes["cam-gate"]}
    assert outputs["deployment_id"] == deployment["id"] and outputs["device_packages"] == "[secret]"
    packages = json.loads(cli.run("stack", "output", "device_packages", "--json", "--show-secrets").stdout)
    assert set(packages) == set(DEVICES) and all(packages.values())
    assert not [key for key, package in packages.items() if package in cli.state_text()]
    cli.run("preview", "--expect-no-changes")

    _set_devices(cli, {**DEVICES, "cam-dock": {"description": "loading dock camera"}})
    plan = _planned(cli)
    changed = {name: step["op"] for name, step in plan.items() if step["op"] != "same"}
    assert changed == {"fleet-device-cam-dock": "create", "fleet-deployment": "update"}
    # Unchanged devices: no step, or a same step (a preview's --json leaves same steps out, as Pulumi's)
    assert all(plan.get(f"fleet-device-{name}", {"op": "same"})["op"] == "same" for name in ("cam-lobby", "cam-gate"))
    assert plan["fleet-deployment"]["diffReasons"] == ["node_ids"]

    since = last_seq(localcloud)
    with edge_agent(localcloud, project):
        cli.run("up", "--yes", "--skip-preview", timeout=300)
    added = {node["name"]: node["id"] for node in _listing(localcloud, project, "nodes", **in_workspace)}
    [rolled] = _listing(localcloud, project, "deployments")
    assert rolled["id"] == deployment["id"] and rolled["state"] == "RUNNING"
    assert sorted(rolled["node_ids"]) == sorted(added.values()) and len(added) == 3
    base = f"/v3/{project.project_id}/ai-mgr"
    calls = [(c["method"], c["path"]) for c in mutating_calls(localcloud, since) if c["path"].startswith(base)]
    assert calls == [("POST", f"{base}/nodes"), ("PUT", f"{base}/deployments/{deployment['id']}/nodes")]
    cli.run("preview", "--expect-no-changes")

    cli.run("destroy", "--yes", timeout=300)
    assert live_objects(localcloud, project) == {} and _listing(localcloud, project, "deployments") == []
    objects = [("nodes", node_id) for node_id in added.values()]
    objects += [("configmaps", config_map["id"]), ("secrets", secret["id"]), ("deployments", deployment["id"])]
    assert [thing for thing in objects if not _gone(localcloud, project, *thing)] == []
    assert cli.resources() == {}
    assert TOKEN not in cli.state_text()
